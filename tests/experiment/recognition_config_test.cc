// A recognition run's params: one per flag, valued from the options the run
// uses, so the record says what was trained, not what was typed.
#include "facerec/experiment/recognition_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "facerec/experiment/flag_layers.h"
#include "facerec/experiment/flag_values.h"
#include "tests/testing/test_data.h"
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
  // Two flags are recorded as what they resolve to, by the experiment:
  // --base_loss as the run's "loss", --teachers as their sha256s.
  const std::map<std::string, std::string> flags = FlagsDefinedIn(kFlagsFile, {"base_loss", "teachers"});
  ASSERT_GT(flags.size(), 30u);
  // ElasticFace with the centre term, bf16 and teachers uses every flag; the
  // other runs record only what they use, so their config hashes (and
  // checkpoints) stayed what they were.
  gflags::SetCommandLineOption("center_loss_weight", "0.1");
  gflags::SetCommandLineOption("bf16", "true");
  gflags::SetCommandLineOption("teachers", "nets/a.pt,nets/b.pt");
  const std::map<std::string, std::string> params = ParamsFor("elasticface_arc");
  ASSERT_EQ(params.size(), flags.size());
  gflags::SetCommandLineOption("center_loss_weight", "0");
  gflags::SetCommandLineOption("bf16", "false");
  gflags::SetCommandLineOption("teachers", "");
  for (const auto& [name, value] : flags) EXPECT_EQ(params.count(name), 1u) << name;
  const std::map<std::string, std::string> arcface = ParamsFor("arcface");
  EXPECT_EQ(arcface.size(), flags.size() - 6);
  for (const char* unused : {"bf16", "elastic_sigma", "center_loss_weight", "distillation", "distillation_weight",
                             "teacher_combination"}) {
    EXPECT_EQ(arcface.count(unused), 0u) << unused;
  }
}

TEST(RecognitionConfigTest, ParamsEqualTheFlagsWhenNothingIsLeftToTheLoss) {
  gflags::FlagSaver saver;
  gflags::SetCommandLineOption("lr", "0.05");
  gflags::SetCommandLineOption("step_milestones", "8,11.5");
  gflags::SetCommandLineOption("color_jitter", "0.3");
  gflags::SetCommandLineOption("eval_flip", "true");
  // Cross-entropy resolves no default, so every value is the flag's as typed
  // (all but ElasticFace's own).
  std::map<std::string, std::string> flags = FlagsDefinedIn(kFlagsFile, {"base_loss", "teachers"});
  for (const char* unused : {"bf16", "elastic_sigma", "center_loss_weight", "distillation", "distillation_weight",
                             "teacher_combination"}) {
    flags.erase(unused);
  }
  EXPECT_EQ(ParamsFor("ce"), flags);
}

TEST(RecognitionConfigTest, AVariantsBaseLossIsTheLossItTrainsAndItsTeachersAreListed) {
  gflags::FlagSaver saver;
  gflags::SetCommandLineOption("base_loss", "arcface");
  gflags::SetCommandLineOption("teachers", " nets/a.pt, 0123abcd ,");
  gflags::SetCommandLineOption("distillation", "relational");
  const absl::StatusOr<RecognitionConfig> config = RecognitionConfigFromFlags("arcface_distilled");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->loss.name, "arcface");
  EXPECT_EQ(config->distillation.teachers, (std::vector<std::string>{"nets/a.pt", "0123abcd"}));
  EXPECT_EQ(config->distillation.options.kind, "relational");
  gflags::SetCommandLineOption("base_loss", "softmax");
  const absl::StatusOr<RecognitionConfig> unknown = RecognitionConfigFromFlags("arcface_distilled");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("--base_loss=softmax: unknown loss"), std::string::npos)
      << unknown.status();
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

TEST(RecognitionConfigTest, AVariantsLayerAppliesOverItsBaseLossesAndTheCommandLineOverBoth) {
  gflags::FlagSaver saver;
  const std::filesystem::path dir = testing::FreshTempDir("entry_layers");
  testing::WriteFile(dir / "arcface.flags", "--scale=32\n--m2=0.3\n--lr=0.1\n");
  testing::WriteFile(dir / "arcface_bf16.flags", "--base_loss=arcface\n--bf16=true\n--lr=0.05\n");
  FlagLayers layers = FlagLayers::FromCommandLine();
  ASSERT_TRUE(layers.Read("arcface", dir / "arcface.flags").ok());
  ASSERT_TRUE(layers.Read("arcface_bf16", dir / "arcface_bf16.flags").ok());
  {
    gflags::FlagSaver entry;
    ASSERT_TRUE(ApplyEntryLayers(layers, "arcface_bf16").ok());
    const absl::StatusOr<RecognitionConfig> c = RecognitionConfigFromFlags("arcface_bf16");
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->loss.name, "arcface");
    EXPECT_DOUBLE_EQ(c->loss.scale, 32);      // The base loss's layer...
    EXPECT_DOUBLE_EQ(c->loss.m2, 0.3);
    EXPECT_TRUE(c->train.bf16_autocast);      // ...and the variant's own lines,
    EXPECT_DOUBLE_EQ(c->train.lr, 0.05);      // over the base's where both set one.
  }
  {
    gflags::FlagSaver entry;
    ASSERT_TRUE(ApplyEntryLayers(layers, "arcface").ok());
    const absl::StatusOr<RecognitionConfig> c = RecognitionConfigFromFlags("arcface");
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_FALSE(c->train.bf16_autocast);
    EXPECT_DOUBLE_EQ(c->train.lr, 0.1);
  }
  // A name without a layer changes nothing.
  ASSERT_TRUE(ApplyEntryLayers(layers, "cosface").ok());
  EXPECT_EQ(RecognitionConfigFromFlags("cosface")->loss.scale, 0);
}

}  // namespace
}  // namespace facerec::experiment
