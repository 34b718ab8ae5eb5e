// Grouping faces into people measured on labelled faces the clustering does
// not see (experiment evaluate_clustering), for both algorithms of
// analysis/face_clustering.h over a range of similarity thresholds and at the
// recogniser's per-pair FAR thresholds:
//   lfw_fold1       LFW fold 1's 807 photos through the chain (largest face;
//                   crops cached), 435 people, most with one photo;
//   celeba500_val   CelebA-500's validation split crops: the one set the
//                   default algorithm and threshold are chosen on;
//   celeba500_test  CelebA-500's test split crops, 500 people;
//   celeba_ir       celebA_ir's queries (labelled) with its distractors added
//                   unlabelled: the share of distractors put into a query
//                   person's group is recorded.
// Recorded per set and algorithm: pairwise precision, recall and F1, BCubed
// precision, recall and F, groups, people and the share unassigned, as
// metrics cluster/<set>/<algorithm>/<score> with step = threshold x 100 (a
// curve over thresholds in the report), and at each FAR threshold as
// cluster/<set>/<algorithm>/far_<rate>/<score>.
//
//   tools/bazel run //experiments:evaluate_clustering

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <map>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/analysis/face_clustering.h"
#include "facerec/chain/face_embedder.h"
#include "facerec/core/data_root.h"
#include "facerec/core/status_macros.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/metrics/unit_rows.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/pipeline/recognition_datasets.h"
#include "facerec/tracking/experiment_names.h"
#include "facerec/tracking/run.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(detector_model, "", "Detector for LFW's photos: a file or registry name (default: alias default).");
DEFINE_string(landmark_model, "", "Landmark net for LFW's photos: a file or registry name (default: alias default).");
DEFINE_string(embedding_model, "", "Recogniser: a file or a registry name (default: alias default).");
DEFINE_string(thresholds, "0.3,0.35,0.4,0.45,0.5,0.55,0.6,0.65,0.7,0.75,0.8",
              "Cosine thresholds swept (comma-separated).");
DEFINE_string(fars, "0.01,0.001,0.0001", "Per-pair false-accept rates whose recogniser thresholds are scored too.");
DEFINE_int32(k, 20, "Neighbours per face in the graph.");
DEFINE_string(face_cache, facerec::pipeline::kDefaultFaceCache, "Face crop cache for LFW's photos.");

namespace facerec {
namespace {

struct LabelledFaces {
  std::string name;
  torch::Tensor embeddings;
  std::vector<int> labels;  // -1: unlabelled.
};

torch::Tensor EmbedAll(chain::FaceEmbedder& embedder, const data::FaceImages& images) {
  std::vector<torch::Tensor> parts;
  for (size_t start = 0; start < images.size(); start += 256) {
    std::vector<cv::Mat> crops;
    for (size_t i = start; i < std::min(images.size(), start + 256); ++i) crops.push_back(images.image(i));
    parts.push_back(embedder.Embed(crops));
  }
  return torch::cat(parts);
}

absl::Status EvaluateClustering(experiment::Experiment& e) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<double> thresholds,
                           experiment::ParseDoubleList("thresholds", FLAGS_thresholds));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<double> fars, experiment::ParseDoubleList("fars", FLAGS_fars));
  for (double t : thresholds) {
    if (!(t > -1 && t < 1)) return experiment::FlagError("thresholds", t, "each must be in (-1, 1)");
  }
  for (double f : fars) {
    if (!(f > 0 && f < 1)) return experiment::FlagError("fars", f, "each must be in (0, 1)");
  }
  if (FLAGS_k < 1) return experiment::FlagError("k", FLAGS_k, "must be >= 1");
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  const pipeline::StoreOpener open = pipeline::OpenedStore(*store);
  FACEREC_ASSIGN_OR_RETURN(const pipeline::ChainModels models,
                           pipeline::ChooseChainModels(open, FLAGS_detector_model, FLAGS_landmark_model,
                                                       FLAGS_embedding_model));
  const pipeline::ChosenModel& recogniser = models.recogniser;
  FACEREC_ASSIGN_OR_RETURN(const torch::Device device, e.Device());
  FACEREC_ASSIGN_OR_RETURN(chain::FaceEmbedder embedder, chain::FaceEmbedder::Load(recogniser.path, device));
  std::vector<std::pair<double, double>> far_thresholds;  // (rate, threshold)
  for (double far : fars) {
    FACEREC_ASSIGN_OR_RETURN(const double t, pipeline::RecogniserThreshold(*store, recogniser.sha256, far));
    far_thresholds.push_back({far, t});
  }

  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  std::vector<LabelledFaces> sets;
  {
    pipeline::DatasetOptions lfw;
    lfw.dataset = *pipeline::ParseDatasetSpec(
        absl::StrCat("folder:", (root / "lfw_fold1" / "lfw-deepfunneled").string()));
    lfw.chain.detector_model = models.detector.path;
    lfw.chain.landmark_model = models.landmarks.path;
    lfw.face_cache = ResolveAgainstWorkspace(FLAGS_face_cache);
    FACEREC_ASSIGN_OR_RETURN(const pipeline::LoadedDataset loaded, pipeline::LoadEvaluationDataset(lfw));
    LabelledFaces faces{"lfw_fold1"};
    data::FaceImages all = loaded.data.queries;
    all.Append(loaded.data.distractors);
    faces.embeddings = EmbedAll(embedder, all);
    std::map<std::string, int> label;
    for (const std::string& person : loaded.eval_persons) {
      faces.labels.push_back(label.emplace(person, static_cast<int>(label.size())).first->second);
    }
    sets.push_back(std::move(faces));
  }
  FACEREC_ASSIGN_OR_RETURN(const pipeline::RecognitionData celeba,
                           pipeline::LoadRecognitionData(root, torch::get_num_threads()));
  // The validation split chooses the default (algorithm and threshold); the
  // other sets only report.
  sets.push_back({"celeba500_val", EmbedAll(embedder, celeba.val), celeba.val.labels()});
  sets.push_back({"celeba500_test", EmbedAll(embedder, celeba.test), celeba.test.labels()});
  {
    LabelledFaces ir{"celeba_ir"};
    ir.embeddings = torch::cat({EmbedAll(embedder, celeba.queries), EmbedAll(embedder, celeba.distractors)});
    ir.labels = celeba.queries.labels();
    ir.labels.insert(ir.labels.end(), celeba.distractors.size(), -1);
    sets.push_back(std::move(ir));
  }

  tracking::RunOptions run_options;
  run_options.name = "clustering";
  run_options.params = experiment::FlagsDefinedIn("evaluate_clustering",
                                                  {"detector_model", "landmark_model", "embedding_model", "face_cache"});
  for (const auto& [key, value] : pipeline::ChainModelParams(models)) run_options.params[key] = value;
  run_options.dataset_fingerprint = celeba.fingerprint;
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));

  std::printf("\n%-15s %-17s %9s %6s %6s %6s %7s %6s %6s %6s %s\n", "set", "algorithm", "threshold", "pw P", "pw R",
              "pw F1", "BCub F", "groups", "people", "unass.", "distractors merged");
  for (const LabelledFaces& set : sets) {
    const analysis::KnnGraph graph = analysis::BuildKnnGraph(set.embeddings, FLAGS_k);
    for (analysis::ClusterAlgorithm algorithm :
         {analysis::ClusterAlgorithm::kAverageLinkage, analysis::ClusterAlgorithm::kChineseWhispers}) {
      const std::string prefix = absl::StrCat("cluster/", set.name, "/", analysis::ClusterAlgorithmName(algorithm), "/");
      std::vector<std::pair<std::string, double>> points;  // (far label or "", threshold)
      for (double t : thresholds) points.push_back({"", t});
      for (const auto& [far, t] : far_thresholds) points.push_back({absl::StrCat("far_", far), t});
      for (const auto& [far, t] : points) {
        analysis::ClusterOptions options;
        options.algorithm = algorithm;
        options.threshold = t;
        const auto start = std::chrono::steady_clock::now();
        const analysis::ClusteringScores s =
            analysis::ScoreClustering(analysis::ClusterFaces(set.embeddings, graph, options), set.labels);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const int64_t step = static_cast<int64_t>(std::lround(t * 100));
        const std::vector<std::pair<std::string, double>> values = {
            {"pairwise_precision", s.pairwise_precision}, {"pairwise_recall", s.pairwise_recall},
            {"pairwise_f1", s.pairwise_f1},               {"bcubed_precision", s.bcubed_precision},
            {"bcubed_recall", s.bcubed_recall},           {"bcubed_f", s.bcubed_f},
            {"groups", static_cast<double>(s.groups)},    {"people", static_cast<double>(s.people)},
            {"unassigned_share", s.unassigned_share},     {"unlabelled_merged_share", s.unlabelled_merged_share},
            {"seconds", seconds}};
        for (const auto& [key, value] : values) {
          if (key == "unlabelled_merged_share" && s.unlabelled == 0) continue;
          if (far.empty()) {
            FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + key, step, value));
          } else {
            FACEREC_RETURN_IF_ERROR(run->LogMetric(absl::StrCat(prefix, far, "/", key), 0, value));
          }
        }
        if (!far.empty()) FACEREC_RETURN_IF_ERROR(run->LogMetric(absl::StrCat(prefix, far, "/threshold"), 0, t));
        std::printf("%-15s %-17s %9s %6.3f %6.3f %6.3f %7.3f %6lld %6lld %6.3f %s\n", set.name.c_str(),
                    analysis::ClusterAlgorithmName(algorithm),
                    far.empty() ? absl::StrFormat("%.2f", t).c_str() : absl::StrFormat("%s", far).c_str(),
                    s.pairwise_precision, s.pairwise_recall, s.pairwise_f1, s.bcubed_f,
                    static_cast<long long>(s.groups), static_cast<long long>(s.people), s.unassigned_share,
                    s.unlabelled > 0 ? absl::StrFormat("%.3f", s.unlabelled_merged_share).c_str() : "-");
      }
    }
  }
  std::fflush(stdout);
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kEvaluateClustering,
       .usage = "Scores both face clusterings on LFW fold 1, CelebA-500's test split and celebA_ir.\n"
                "Usage: evaluate_clustering [--thresholds=0.3,...] [--fars=0.01,0.001]",
       .main = facerec::EvaluateClustering});
}
