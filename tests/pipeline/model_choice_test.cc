// Which model a flag gets: a file, a registry name of the right kind, the
// alias default (the shipped models registered first), the old implicit
// rule only as a labelled fallback; each bad value a one-line error naming
// it. Runs in a workspace of its own (BUILD_WORKSPACE_DIRECTORY).
#include "facerec/pipeline/model_choice.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "absl/strings/str_cat.h"
#include "facerec/core/sha256.h"
#include "facerec/pipeline/run_models.h"
#include "facerec/pipeline/shipped_models.h"
#include "facerec/tracking/experiment_names.h"
#include "facerec/tracking/model_registry.h"
#include "glog/logging.h"
#include "tests/testing/test_data.h"

namespace facerec::pipeline {
namespace {

using tracking::ModelKind;
using tracking::ModelRegistry;

class ModelChoiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workspace_ = testing::FreshTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    setenv("BUILD_WORKSPACE_DIRECTORY", workspace_.c_str(), 1);
    auto store = tracking::ExperimentStore::Open((workspace_ / "results.db").string());
    CHECK(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // A file in the workspace; returns its sha256.
  std::string Write(const std::string& relative, const std::string& bytes) {
    std::filesystem::create_directories((workspace_ / relative).parent_path());
    testing::WriteFile(workspace_ / relative, bytes);
    return *Sha256OfFile((workspace_ / relative).string());
  }

  tracking::RegisteredModel Register(const std::string& name, ModelKind kind, const std::string& relative,
                                     const std::string& bytes) {
    tracking::ModelRegistration r;
    r.name = name;
    r.kind = kind;
    r.path = relative;
    r.sha256 = Write(relative, bytes);
    auto m = ModelRegistry(*store_).Register(r);
    CHECK(m.ok()) << m.status();
    return *m;
  }

  absl::StatusOr<ChosenModel> Choose(ModelKind kind, const std::string& value) {
    return ChooseModel(OpenedStore(*store_), kind, "embedding_model", value, /*quiet=*/true);
  }

  std::filesystem::path workspace_;
  std::unique_ptr<tracking::ExperimentStore> store_;
};

TEST_F(ModelChoiceTest, AFileIsTakenAsItIsAndAMissingOneIsNamed) {
  const std::string sha = Write("nets/mine.pt", "weights");
  const auto chosen = Choose(ModelKind::kRecogniser, "nets/mine.pt");
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(chosen->path, (workspace_ / "nets/mine.pt").string());
  EXPECT_EQ(chosen->sha256, sha);
  EXPECT_FALSE(chosen->registered.has_value());
  const auto missing = Choose(ModelKind::kRecogniser, "nets/none.pt");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "--embedding_model=nets/none.pt: no such file");
}

TEST_F(ModelChoiceTest, ARegistryNameGivesItsFileAndAnotherKindIsRefused) {
  Register("arcface", ModelKind::kRecogniser, "models/a1.pt", "one");
  Register("arcface", ModelKind::kRecogniser, "models/a2.pt", "two");
  Register("yunet", ModelKind::kDetector, "models/d.pt", "detector");
  EXPECT_EQ(Choose(ModelKind::kRecogniser, "arcface:1")->path, (workspace_ / "models/a1.pt").string());
  EXPECT_EQ(Choose(ModelKind::kRecogniser, "arcface")->registered->Label(), "arcface:2");
  const auto wrong_kind = Choose(ModelKind::kRecogniser, "yunet");
  EXPECT_EQ(wrong_kind.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong_kind.status().message().find("yunet:1 is a detector model, not a recogniser"), std::string::npos)
      << wrong_kind.status();
  // A registered detector file given by path to a recogniser flag: refused too.
  EXPECT_EQ(Choose(ModelKind::kRecogniser, "models/d.pt").status().code(), absl::StatusCode::kInvalidArgument);
  const auto unknown = Choose(ModelKind::kRecogniser, "nobody");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("--embedding_model=nobody: no model named 'nobody'"), std::string::npos)
      << unknown.status();
}

TEST_F(ModelChoiceTest, UnsetTheDefaultAliasIsUsedAndAGoneOrChangedFileIsNamed) {
  const auto m = Register("arcface", ModelKind::kRecogniser, "models/a.pt", "one");
  ASSERT_TRUE(ModelRegistry(*store_).SetAlias("arcface", 1, "default").ok());
  const auto chosen = Choose(ModelKind::kRecogniser, "");
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(chosen->sha256, m.sha256);
  EXPECT_NE(chosen->reason.find("alias default"), std::string::npos) << chosen->reason;

  testing::WriteFile(workspace_ / "models/a.pt", "retrained over it");
  EXPECT_EQ(Choose(ModelKind::kRecogniser, "").status().code(), absl::StatusCode::kFailedPrecondition);
  std::filesystem::remove(workspace_ / "models/a.pt");
  const auto gone = Choose(ModelKind::kRecogniser, "");
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find("models/a.pt is gone"), std::string::npos) << gone.status();
}

TEST_F(ModelChoiceTest, WithoutADefaultTheImplicitRuleIsAFallbackThatSaysSo) {
  const std::string net = (workspace_ / "artifacts/landmark_net.pt").string();
  Write("artifacts/landmark_net.pt", "landmarks");
  tracking::RunOptions options;
  options.experiment = tracking::kTrainLandmarks;
  options.name = "landmark_net";
  const int64_t id = *store_->StartRun(options);
  ASSERT_TRUE(store_->LogArtifact(id, "landmark_net", net).ok());
  ASSERT_TRUE(store_->FinishRun(id, tracking::RunStatus::kFinished).ok());
  const auto chosen = Choose(ModelKind::kLandmarks, "");
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(chosen->path, net);
  EXPECT_NE(chosen->reason.find("fallback"), std::string::npos) << chosen->reason;
  const auto none = Choose(ModelKind::kDetector, "");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("no detector has alias default"), std::string::npos) << none.status();
}

TEST_F(ModelChoiceTest, ShippedModelsAreRegisteredWithDefaultsOnFirstUse) {
  const std::string sha = Write("models/recogniser.pt", "shipped recogniser");
  Write("models/manifest.json", absl::StrCat(R"({"format": 1, "models": [{"name": "facerec-arcface",
      "kind": "recogniser", "file": "models/recogniser.pt", "sha256": ")", sha, R"(", "run_uid": "",
      "size_bytes": 18, "metrics": {"eval/lfw_accuracy": 0.85},
      "thresholds_at_far": {"0.01": 0.45, "0.001": 0.57}}]})"));
  const auto chosen = Choose(ModelKind::kRecogniser, "");
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(chosen->registered->Label(), "facerec-arcface:1");
  EXPECT_EQ(chosen->registered->aliases, std::vector<std::string>{"default"});
  // A fresh store answers "unknown" from the manifest's table: the exact
  // rate, else the largest listed rate below the one asked for.
  EXPECT_DOUBLE_EQ(*RecogniserThreshold(*store_, sha, 1e-3), 0.57);
  EXPECT_DOUBLE_EQ(*RecogniserThreshold(*store_, sha, 5e-3), 0.57);
  EXPECT_DOUBLE_EQ(*RecogniserThreshold(*store_, sha, 0.1), 0.45);
  EXPECT_EQ(RecogniserThreshold(*store_, sha, 1e-4).status().code(), absl::StatusCode::kNotFound);
  // Again: nothing new.
  ASSERT_TRUE(Choose(ModelKind::kRecogniser, "").ok());
  EXPECT_EQ(ModelRegistry(*store_).List()->size(), 1u);
}

TEST_F(ModelChoiceTest, ACopyOfAShippedModelGivenByPathIsKnownByItsName) {
  const std::string sha = Write("models/recogniser.pt", "shipped recogniser");
  Write("models/manifest.json", absl::StrCat(R"({"format": 1, "models": [{"name": "facerec-arcface",
      "kind": "recogniser", "file": "models/recogniser.pt", "sha256": ")", sha, R"(", "run_uid": "",
      "thresholds_at_far": {"0.001": 0.57}}]})"));
  Write("elsewhere/copy.pt", "shipped recogniser");
  const auto chosen = Choose(ModelKind::kRecogniser, "elsewhere/copy.pt");
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  ASSERT_TRUE(chosen->registered.has_value());
  EXPECT_EQ(chosen->registered->Label(), "facerec-arcface:1");
  EXPECT_DOUBLE_EQ(*RecogniserThreshold(*store_, chosen->sha256, 1e-3), 0.57);
}

TEST_F(ModelChoiceTest, AMalformedManifestIsNamed) {
  Write("models/manifest.json", R"({"format": 1, "models": [{"name": "x", "kind": "camera"}]})");
  const auto read = ReadShippedModels(workspace_);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(read.status().message().find("models/manifest.json"), std::string::npos) << read.status();
  Write("models/manifest.json", "{not json");
  EXPECT_EQ(ReadShippedModels(workspace_).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ModelChoiceTest, ARunsModelIsRegisteredWithItsMetricsAndThresholds) {
  const std::string net = (workspace_ / "artifacts/embedding_net.pt").string();
  Write("artifacts/embedding_net.pt", "recogniser");
  tracking::RunOptions options;
  options.experiment = tracking::kCompareLosses;
  options.name = "arcface";
  const int64_t id = *store_->StartRun(options);
  ASSERT_TRUE(store_->LogArtifact(id, "embedding_net", net).ok());
  ASSERT_TRUE(store_->LogMetrics(id, {{"val/nn_accuracy", 1, 0.5}, {"val/nn_accuracy", 2, 0.6},
                                      {"train/loss", 2, 3.0}}).ok());
  tracking::Evaluation e;
  e.dataset = "celeba_ir";
  e.protocol = "id_rate";
  e.target_fpr = 0.001;
  e.tpr = 0.3;
  e.threshold = 0.55;
  ASSERT_TRUE(store_->LogEvaluation(id, e).ok());
  const std::string uid = store_->GetRun(id)->uid;
  EXPECT_EQ(RegistrationOfRun(*store_, uid, "arcface").status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->FinishRun(id, tracking::RunStatus::kFinished).ok());
  const auto r = RegistrationOfRun(*store_, uid.substr(0, 8), "arcface");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, ModelKind::kRecogniser);
  EXPECT_EQ(r->path, "artifacts/embedding_net.pt");  // Workspace-relative.
  EXPECT_EQ(r->metrics.at("val/nn_accuracy"), 0.6);
  EXPECT_EQ(r->metrics.count("train/loss"), 0u);
  EXPECT_EQ(r->metrics.at("celeba_ir/tpr_at_fpr_0.001"), 0.3);
  EXPECT_EQ(r->metrics.at("threshold_at_far/0.001"), 0.55);
}

}  // namespace
}  // namespace facerec::pipeline
