#include "facerec/core/numerics_facts.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>

namespace facerec {
namespace {

TEST(NumericsFactsTest, NamesEveryFactTheKernelsDependOn) {
  const std::map<std::string, std::string> facts = NumericsFacts();
  for (const char* key : {"cpu_model", "cpu_id", "cpu_features", "aten_cpu_capability", "openblas_core",
                          "openblas_config", "onednn_isa", "onednn_version", "libtorch_version",
                          "compiler", "packages", "env", "threads"}) {
    ASSERT_EQ(facts.count(key), 1u) << key;
    EXPECT_FALSE(facts.at(key).empty()) << key;
  }
  EXPECT_EQ(facts.size(), 13u);
}

TEST(NumericsFactsTest, ReadsTheLibrariesThisProcessRuns) {
  const std::map<std::string, std::string> facts = NumericsFacts();
  // tools/bazel installs OpenBLAS (openmp) behind LibTorch and LibTorch links oneDNN.
  EXPECT_NE(facts.at("openblas_core"), "none");
  EXPECT_NE(facts.at("openblas_config").find("OpenBLAS"), std::string::npos) << facts.at("openblas_config");
  EXPECT_NE(facts.at("onednn_isa"), "none");
  EXPECT_TRUE((std::set<std::string>{"DEFAULT", "AVX2", "AVX512"}.count(facts.at("aten_cpu_capability"))))
      << facts.at("aten_cpu_capability");
  EXPECT_NE(facts.at("packages").find("libtorch"), std::string::npos) << facts.at("packages");
  EXPECT_NE(facts.at("packages").find("libopenblas0-openmp="), std::string::npos) << facts.at("packages");
}

TEST(NumericsFactsTest, CompilerIsTheOneThatBuiltThisBinary) {
  // The test and the library are compiled by one toolchain.
  EXPECT_EQ(NumericsFacts().at("compiler"), __VERSION__);
#ifdef __clang__
  EXPECT_NE(NumericsFacts().at("compiler").find("Clang"), std::string::npos);
#endif
}

TEST(NumericsFactsTest, CpuModelIsTheOneProcCpuinfoNames) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model;
  while (std::getline(cpuinfo, line) && model.empty()) {
    if (line.rfind("model name", 0) == 0) model = line.substr(line.find(':') + 2);
  }
  ASSERT_FALSE(model.empty());
  EXPECT_EQ(NumericsFacts().at("cpu_model"), model);
}

TEST(NumericsFactsTest, CpuIdIsTheFirstProcessorsVendorFamilyModelAndStepping) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  std::map<std::string, std::string> first;
  while (std::getline(cpuinfo, line) && !line.empty()) {  // A blank line ends processor 0.
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    key.erase(key.find_last_not_of(" \t") + 1);
    first[key] = line.size() > colon + 1 ? line.substr(colon + 2) : "";  // "key\t: value"; some are empty.
  }
  ASSERT_EQ(first.count("cpu family"), 1u);
  EXPECT_EQ(NumericsFacts().at("cpu_id"), first["vendor_id"] + " " + first["cpu family"] + "/" +
                                              first["model"] + "/" + first["stepping"]);
}

TEST(NumericsFactsTest, ThreadsAndEnvironmentAreTheOnesInForce) {
  const int before = torch::get_num_threads();
  torch::set_num_threads(2);
  setenv("OPENBLAS_VERBOSE", "0", 1);
  const std::map<std::string, std::string> facts = NumericsFacts();
  torch::set_num_threads(before);
  unsetenv("OPENBLAS_VERBOSE");
  EXPECT_EQ(facts.at("threads"), "2");
  EXPECT_NE(facts.at("env").find("OPENBLAS_VERBOSE=0"), std::string::npos) << facts.at("env");
  EXPECT_EQ(facts.at("env").find("PATH="), std::string::npos) << "only numerics variables";
}

}  // namespace
}  // namespace facerec
