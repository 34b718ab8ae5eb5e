#include "facerec/core/numerics_facts.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <dlfcn.h>
#include <torch/version.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

extern char** environ;

namespace facerec {
namespace {

// A symbol of a library the process already loaded (LibTorch links OpenBLAS
// and oneDNN), or null: looked up at run time so this needs neither's headers
// and says "none" where another BLAS stands behind libblas.so.3.
void* LoadedSymbol(const char* name) { return dlsym(RTLD_DEFAULT, name); }

std::string CommandOutput(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::array<char, 512> buffer{};
  std::string output;
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  pclose(pipe);
  return output;
}

// The processor's model name and the flags line of its first core.
// The first processor's entries of /proc/cpuinfo; `id` is "vendor
// family/model/stepping", empty when any of them is missing.
void ReadCpuInfo(std::string* model, std::string* id, std::set<std::string>* flags) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  std::map<std::string, std::string> first;
  while (std::getline(cpuinfo, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key(absl::StripAsciiWhitespace(line.substr(0, colon)));
    const std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    first.emplace(key, value);  // Keeps the first processor's.
    if (key == "model name" && model->empty()) *model = value;
    if (key == "flags" && flags->empty()) {
      for (absl::string_view flag : absl::StrSplit(value, ' ', absl::SkipEmpty())) {
        flags->insert(std::string(flag));
      }
    }
  }
  for (const char* key : {"vendor_id", "cpu family", "model", "stepping"}) {
    if (first.count(key) == 0) return;
  }
  *id = absl::StrCat(first["vendor_id"], " ", first["cpu family"], "/", first["model"], "/", first["stepping"]);
}

// The extensions the numeric libraries dispatch on (OpenBLAS, oneDNN and
// ATen pick kernels by them), in /proc/cpuinfo's spelling.
constexpr std::array<const char*, 16> kDispatchFeatures = {
    "avx",         "avx2",        "fma",         "f16c",        "avx512f",     "avx512dq",
    "avx512bw",    "avx512vl",    "avx512_vnni", "avx_vnni",    "avx512_bf16", "avx512_fp16",
    "amx_tile",    "amx_bf16",    "amx_int8",    "avx512ifma"};

// "CPU capability usage: AVX512" from the build summary LibTorch prints.
std::string AtenCpuCapability() {
  const std::string config = at::show_config();
  const std::string label = "CPU capability usage:";
  const size_t at = config.find(label);
  if (at == std::string::npos) return "unknown";
  const size_t start = at + label.size();
  const size_t end = config.find('\n', start);
  return std::string(absl::StripAsciiWhitespace(
      config.substr(start, end == std::string::npos ? std::string::npos : end - start)));
}

// oneDNN's dnnl_cpu_isa_t values (dnnl_types.h of oneDNN 2.x).
std::string OneDnnIsaName(unsigned value) {
  switch (value) {
    case 0x0: return "all";
    case 0x1: return "sse41";
    case 0x3: return "avx";
    case 0x7: return "avx2";
    case 0x27: return "avx512_core";
    case 0x67: return "avx512_core_vnni";
    case 0xe7: return "avx512_core_bf16";
    case 0x3e7: return "avx512_core_amx";
    case 0x407: return "avx2_vnni";
    default: return absl::StrFormat("0x%x", value);
  }
}

struct OneDnnVersion {
  int major, minor, patch;
  const char* hash;
};

std::string EnvironmentThatChangesNumerics() {
  static constexpr std::array<absl::string_view, 9> kPrefixes = {
      "OMP_", "GOMP_", "KMP_", "OPENBLAS_", "GOTO", "MKL_", "DNNL_", "ONEDNN_", "ATEN_"};
  std::vector<std::string> set;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const absl::string_view variable = *entry;
    for (absl::string_view prefix : kPrefixes) {
      if (absl::StartsWith(variable, prefix)) {
        set.emplace_back(variable);
        break;
      }
    }
  }
  std::sort(set.begin(), set.end());
  return set.empty() ? "none" : absl::StrJoin(set, " ");
}

std::string NumericPackages() {
  // Installed packages only (a pattern also matches ones dpkg merely knows of).
  const std::string listing = CommandOutput(
      "dpkg-query -W -f='${db:Status-Status} ${Package}=${Version}\\n' 'libtorch[0-9]*' "
      "'libopenblas0*' 'libdnnl[0-9]*' libgomp1 2>/dev/null");
  std::vector<std::string> installed;
  for (absl::string_view line : absl::StrSplit(listing, '\n', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&line, "installed ")) installed.emplace_back(line);
  }
  return installed.empty() ? "unknown" : absl::StrJoin(installed, " ");
}

}  // namespace

std::map<std::string, std::string> NumericsFacts() {
  std::map<std::string, std::string> facts;
  std::string model, id;
  std::set<std::string> flags;
  ReadCpuInfo(&model, &id, &flags);
  facts["cpu_model"] = model.empty() ? "unknown" : model;
  facts["cpu_id"] = id.empty() ? "unknown" : id;
  std::vector<std::string> features;
  for (const char* feature : kDispatchFeatures) {
    if (flags.count(feature) > 0) features.emplace_back(feature);
  }
  facts["cpu_features"] = features.empty() ? "none" : absl::StrJoin(features, " ");
  facts["aten_cpu_capability"] = AtenCpuCapability();

  using CharFunction = char* (*)();
  const auto corename = reinterpret_cast<CharFunction>(LoadedSymbol("openblas_get_corename"));
  const auto config = reinterpret_cast<CharFunction>(LoadedSymbol("openblas_get_config"));
  facts["openblas_core"] = corename != nullptr ? corename() : "none";
  facts["openblas_config"] =
      config != nullptr ? std::string(absl::StripAsciiWhitespace(config())) : "none";

  using IsaFunction = unsigned (*)();
  using VersionFunction = const OneDnnVersion* (*)();
  const auto isa = reinterpret_cast<IsaFunction>(LoadedSymbol("dnnl_get_effective_cpu_isa"));
  const auto version = reinterpret_cast<VersionFunction>(LoadedSymbol("dnnl_version"));
  facts["onednn_isa"] = isa != nullptr ? OneDnnIsaName(isa()) : "none";
  if (const OneDnnVersion* v = version != nullptr ? version() : nullptr; v != nullptr) {
    facts["onednn_version"] = absl::StrCat(v->major, ".", v->minor, ".", v->patch);
  } else {
    facts["onednn_version"] = "none";
  }
  facts["libtorch_version"] = TORCH_VERSION;
  facts["compiler"] = __VERSION__;
  facts["packages"] = NumericPackages();
  facts["env"] = EnvironmentThatChangesNumerics();
  facts["threads"] = absl::StrCat(at::get_num_threads());
  return facts;
}

}  // namespace facerec
