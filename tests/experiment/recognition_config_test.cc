// A recognition run's params: one per flag, valued from the options the run
// uses, so the record says what was trained, not what was typed.
#include "facerec/experiment/recognition_config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "facerec/experiment/flag_values.h"
#include "gflags/gflags.h"

namespace facerec::experiment {
namespace {

constexpr char kFlagsFile[] = "facerec/experiment/recognition_config.cc";

std::map<std::string, std::string> ParamsFor(const std::string& loss) {
  absl::StatusOr<RecognitionConfig> config = RecognitionConfigFromFlags(loss);
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? RecognitionParams(*config) : std::map<std::string, std::string>{};
}

TEST(RecognitionConfigTest, ParamsHaveOneKeyPerFlag) {
  gflags::FlagSaver saver;
  const std::map<std::string, std::string> flags = FlagsDefinedIn(kFlagsFile, {});
  ASSERT_GT(flags.size(), 30u);
  // ElasticFace uses every flag; the other losses record all but its spread,
  // so their config hashes (and checkpoints) stayed what they were.
  gflags::SetCommandLineOption("center_loss_weight", "0.1");
  gflags::SetCommandLineOption("bf16", "true");
  const std::map<std::string, std::string> params = ParamsFor("elasticface_arc");
  ASSERT_EQ(params.size(), flags.size());
  gflags::SetCommandLineOption("center_loss_weight", "0");
  gflags::SetCommandLineOption("bf16", "false");
  for (const auto& [name, value] : flags) EXPECT_EQ(params.count(name), 1u) << name;
  const std::map<std::string, std::string> arcface = ParamsFor("arcface");
  EXPECT_EQ(arcface.size(), flags.size() - 3);
  EXPECT_EQ(arcface.count("bf16"), 0u);
  EXPECT_EQ(arcface.count("elastic_sigma"), 0u);
  EXPECT_EQ(arcface.count("center_loss_weight"), 0u);
}

TEST(RecognitionConfigTest, ParamsEqualTheFlagsWhenNothingIsLeftToTheLoss) {
  gflags::FlagSaver saver;
  gflags::SetCommandLineOption("lr", "0.05");
  gflags::SetCommandLineOption("step_milestones", "8,11.5");
  gflags::SetCommandLineOption("color_jitter", "0.3");
  gflags::SetCommandLineOption("eval_flip", "true");
  // Cross-entropy resolves no default, so every value is the flag's as typed
  // (all but ElasticFace's own).
  std::map<std::string, std::string> flags = FlagsDefinedIn(kFlagsFile, {});
  flags.erase("elastic_sigma");
  flags.erase("center_loss_weight");
  flags.erase("bf16");
  EXPECT_EQ(ParamsFor("ce"), flags);
}

TEST(RecognitionConfigTest, ParamsSpellOutTheLossDefaultsTheRunUsed) {
  gflags::FlagSaver saver;
  gflags::SetCommandLineOption("scale", "0");
  gflags::SetCommandLineOption("m2", "-1");
  std::map<std::string, std::string> params = ParamsFor("arcface");
  EXPECT_EQ(params["scale"], "64");
  EXPECT_EQ(params["m1"], "1");
  EXPECT_EQ(params["m2"], "0.5");
  EXPECT_EQ(params["m3"], "0");
  params = ParamsFor("cosface");
  EXPECT_EQ(params["m3"], "0.35");
  gflags::SetCommandLineOption("m3", "0.25");  // A chosen value stays.
  EXPECT_EQ(ParamsFor("cosface")["m3"], "0.25");
}

TEST(RecognitionConfigTest, ParamsGivenBackAsFlagsReproduceTheRun) {
  gflags::FlagSaver saver;
  std::map<std::string, std::string> recorded;
  {
    gflags::FlagSaver typed;  // Ends with the defaults back.
    gflags::SetCommandLineOption("scale", "0");
    gflags::SetCommandLineOption("epochs", "7");
    gflags::SetCommandLineOption("optimizer", "adamw");
    gflags::SetCommandLineOption("train_on_val", "true");
    recorded = ParamsFor("arcface");
  }
  ASSERT_NE(ParamsFor("arcface")["epochs"], "7");
  for (const auto& [name, value] : recorded) {
    ASSERT_FALSE(gflags::SetCommandLineOption(name.c_str(), value.c_str()).empty()) << name;
  }
  EXPECT_EQ(ParamsFor("arcface"), recorded);
}

}  // namespace
}  // namespace facerec::experiment
