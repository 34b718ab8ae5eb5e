// Every header listed in BUILD.bazel has a usage example that compiles: each
// is #included in a function whose parameters are the example's context, so
// an example that stops compiling fails the build of this test. The examples
// that run without trained nets or datasets are also run, and their results
// checked; the others (landmarks, recognition, configs, seeds) are checked by
// compiling alone.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <torch/torch.h>

#include "facerec/backbones/ensemble_net.h"
#include "facerec/core/environment.h"
#include "facerec/losses/distillation.h"
#include "facerec/pipeline/ensembles.h"
#include "facerec/core/status_macros.h"
#include "facerec/experiment/flag_layers.h"
#include "facerec/experiment/recognition_config.h"
#include "facerec/metrics/detection.h"
#include "facerec/metrics/id_rate_bootstrap.h"
#include "facerec/metrics/identification_rate.h"
#include "facerec/pipeline/landmarks.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/pipeline/seed_comparison.h"
#include "facerec/report/html_report.h"
#include "facerec/report/report_data.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/model_registry.h"
#include "gflags/gflags.h"

namespace facerec {
namespace examples {

std::pair<std::string, std::string> CoreEnvironment() {
#include "tests/docs/core_environment_example.inc"
  return {version, host};
}

namespace pipeline_ns = ::facerec::pipeline;
absl::Status PipelineLandmarks(align::LandmarkDetector& detector,
                               const std::vector<align::LandmarkExample>& test_examples,
                               tracking::Run* run) {
  using namespace pipeline_ns;  // The header's own namespace.
#include "tests/docs/pipeline_landmarks_example.inc"
  (void)s;
  return absl::OkStatus();
}

absl::Status PipelineRecognition(const std::filesystem::path& data_root,
                                 backbones::Backbone backbone, losses::Loss loss,
                                 const data::AugmentOptions& eval_transform, tracking::Run* run) {
  using namespace pipeline_ns;
#include "tests/docs/pipeline_recognition_example.inc"
  (void)r;
  return absl::OkStatus();
}

absl::Status ExperimentFlagLayers() {
  using namespace ::facerec::experiment;
#include "tests/docs/experiment_flag_layers_example.inc"
  return absl::OkStatus();
}

absl::Status ExperimentRecognitionConfig(const pipeline::RecognitionData& data) {
  using namespace ::facerec::experiment;
#include "tests/docs/experiment_recognition_config_example.inc"
  (void)net;
  (void)params;
  return absl::OkStatus();
}

metrics::DetectionScores MetricsDetection() {
  using namespace ::facerec::metrics;
#include "tests/docs/metrics_detection_example.inc"
  return s;
}

absl::StatusOr<std::vector<metrics::IdRateInterval>> MetricsIdRateBootstrap(
    const torch::Tensor& arcface_queries, const torch::Tensor& arcface_distractors,
    const torch::Tensor& cosface_queries, const torch::Tensor& cosface_distractors,
    const std::vector<int>& query_ids) {
  using namespace ::facerec::metrics;
#include "tests/docs/metrics_id_rate_bootstrap_example.inc"
  (void)tpr;
  return difference;
}

struct Trained {
  std::string loss;
  int64_t seed;
  std::string run_uid;
  pipeline::RecognitionResult result;
};

absl::Status PipelineSeedComparison(const std::vector<Trained>& runs, const std::vector<int>& query_ids,
                                    tracking::Run* run) {
  using namespace pipeline_ns;
#include "tests/docs/pipeline_seed_comparison_example.inc"
  return absl::OkStatus();
}

absl::Status ReportReportData(tracking::ExperimentStore* store) {
  using namespace ::facerec::report;
#include "tests/docs/report_report_data_example.inc"
  (void)json;
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReportHtmlReport(tracking::ExperimentStore* store,
                                             const std::vector<int64_t>& ids) {
  using namespace ::facerec::report;
#include "tests/docs/report_html_report_example.inc"
  return html;
}

absl::StatusOr<tracking::RegisteredModel> TrackingModelRegistry(tracking::ExperimentStore& store,
                                                                const std::string& run_uid,
                                                                const std::string& sha256) {
  using namespace ::facerec::tracking;
#include "tests/docs/tracking_model_registry_example.inc"
  return same;
}

absl::StatusOr<std::string> PipelineModelChoice(tracking::ExperimentStore& store, const std::string& value) {
  using namespace pipeline_ns;
#include "tests/docs/pipeline_model_choice_example.inc"
  return m.path;
}

absl::StatusOr<losses::LossOutput> LossesDistillation(losses::Loss arcface, const torch::Tensor& teacher,
                                                     const torch::Tensor& embeddings, const torch::Tensor& labels,
                                                     const torch::Tensor& rows) {
  using namespace ::facerec::losses;
#include "tests/docs/losses_distillation_example.inc"
  return out;
}

absl::StatusOr<torch::Tensor> BackbonesEnsembleNet(backbones::Backbone net_a, backbones::Backbone net_b,
                                                   backbones::Backbone net_c, const torch::Tensor& batch) {
  using namespace ::facerec::backbones;
#include "tests/docs/backbones_ensemble_net_example.inc"
  return e;
}

absl::StatusOr<torch::Tensor> PipelineEnsembles(tracking::ExperimentStore& store, const std::string& sha,
                                                const pipeline::RecognitionData& data) {
  using namespace pipeline_ns;
#include "tests/docs/pipeline_ensembles_example.inc"
  return teacher;
}

}  // namespace examples

TEST(HeaderExamplesTest, TheEnvironmentExampleReadsThisProcesssFacts) {
  const auto [version, host] = examples::CoreEnvironment();
  EXPECT_EQ(version, CodeVersion());
  EXPECT_EQ(host, HostName());
  EXPECT_FALSE(host.empty());
}

TEST(HeaderExamplesTest, TheHtmlReportExampleMakesAPageOfTheRunsItIsGiven) {
  const std::string path = ::testing::TempDir() + "/header_examples.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto store = tracking::ExperimentStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  tracking::RunOptions options;
  options.experiment = "compare_losses";
  options.name = "arcface-example-run";
  auto id = (*store)->StartRun(options);
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE((*store)->FinishRun(*id, tracking::RunStatus::kFinished).ok());
  const absl::StatusOr<std::string> html = examples::ReportHtmlReport(store->get(), {*id});
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_NE(html->find("<html"), std::string::npos);
  EXPECT_NE(html->find("quick comparison"), std::string::npos);  // The example's title.
  EXPECT_NE(html->find("arcface-example-run"), std::string::npos);
}

TEST(HeaderExamplesTest, TheBootstrapExampleGivesAnIntervalPerCourseFpr) {
  torch::manual_seed(1);
  std::vector<int> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(i / 4);
  const torch::Tensor centres = torch::randn({10, 8}).repeat_interleave(4, 0);
  const torch::Tensor a = centres + 0.5 * torch::randn({40, 8});
  const torch::Tensor b = centres + torch::randn({40, 8});
  const torch::Tensor distractors = torch::randn({20, 8});
  auto difference = examples::MetricsIdRateBootstrap(a, distractors, b, distractors, ids);
  ASSERT_TRUE(difference.ok()) << difference.status();
  EXPECT_EQ(difference->size(), metrics::kCourseFprs.size());
}

TEST(HeaderExamplesTest, TheDetectionExampleScoresWhatItsCommentsSay) {
  const metrics::DetectionScores s = examples::MetricsDetection();
  EXPECT_EQ(s.average_precision, 1.0);
  EXPECT_EQ(s.false_positives, 1);
}

TEST(HeaderExamplesTest, TheRegistryExampleRegistersAVersionAndFindsItByAlias) {
  const std::string path = ::testing::TempDir() + "/registry_example.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto store = tracking::ExperimentStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  const absl::StatusOr<tracking::RegisteredModel> m =
      examples::TrackingModelRegistry(**store, std::string(32, 'a'), std::string(64, 'b'));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->Label(), "arcface-full:1");
  EXPECT_EQ(m->aliases, std::vector<std::string>{"default"});
  // The model-choice example, given a file, takes that file.
  const std::string file = ::testing::TempDir() + "/example_net.pt";
  { std::ofstream(file) << "weights"; }
  const absl::StatusOr<std::string> chosen = examples::PipelineModelChoice(**store, file);
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(chosen.value(), file);
}

}  // namespace facerec

namespace facerec {

TEST(HeaderExamplesTest, TheDistillationExampleAddsTheTermToTheLossAndReportsBothParts) {
  losses::LossOptions arcface;
  arcface.name = "arcface";
  arcface.num_classes = 3;
  arcface.embedding_size = 256;
  torch::manual_seed(1);
  const auto out = examples::LossesDistillation(*losses::MakeLoss(arcface), torch::randn({10, 8}),
                                                torch::randn({4, 256}), torch::tensor({0, 1, 2, 0}, torch::kInt64),
                                                torch::tensor({0, 3, 5, 9}, torch::kInt64));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->parts.size(), 2u);
  EXPECT_NEAR(out->loss.item<double>(),
              out->parts[0].second.item<double>() + 10 * out->parts[1].second.item<double>(), 1e-4);
}

TEST(HeaderExamplesTest, TheEnsembleExampleConcatenatesThreeMembersUnitEmbeddings) {
  backbones::BackboneOptions tiny;
  tiny.name = "ir_mini";
  tiny.width_multiplier = 0.25;
  tiny.input_height = 16;
  tiny.input_width = 16;
  std::vector<backbones::Backbone> nets;
  for (int i = 0; i < 3; ++i) nets.push_back(*backbones::MakeBackbone(tiny));
  for (auto& n : nets) n->eval();
  const auto e = examples::BackbonesEnsembleNet(nets[0], nets[1], nets[2], torch::rand({2, 3, 16, 16}));
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->sizes(), torch::IntArrayRef({2, 3 * 256}));
  EXPECT_NEAR(e->norm(2, 1).mean().item<double>(), 1.0, 1e-5);
}

}  // namespace facerec
