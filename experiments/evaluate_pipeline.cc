// The whole photo-to-identity chain measured (chain/face_chain.h): photos
// go through detect -> landmarks -> similarity warp -> embedding with the
// models in the store, and the scores are set beside those of the dataset's
// own crops embedded by the same recogniser, in one run (experiment
// evaluate_pipeline):
//   LFW fold 1 (250x250 photos): verification accuracy with the face nearest
//     the centre, beside the fixed window (pipeline/recognition.h), and the
//     share of photos with a face found;
//   CelebA-500 validation windows: the same identification rate among them
//     (no distractors), padded and through the chain beside the windows: how
//     the chain's options (--crop_padding, --score_threshold) are chosen
//     without looking at celebA_ir;
//   celebA_ir: the course identification rate (TPR at each FPR) with every
//     query and distractor crop padded (pipeline/chain_evaluation.h) and
//     passed through the chain, beside the provided crops, and the share found;
//   latency: median ms per stage for 640x480 photos with one face
//     (celeba_wild photos letterboxed), detection over the whole photo, the
//     largest face described;
//   the alignment template: where the landmark net puts the five points in
//     the CelebA-500 training windows (chain/face_alignment.h's constant).
// A photo without a face is embedded from its dataset crop, so every pair
// still counts.
//
//   tools/bazel run //experiments:evaluate_pipeline
//   tools/bazel run //experiments:evaluate_pipeline -- --detector=haar --landmarks=landmark_net

#include <torch/torch.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/chain/face_alignment.h"
#include "facerec/chain/face_chain.h"
#include "facerec/core/data_root.h"
#include "facerec/core/sha256.h"
#include "facerec/core/statistics.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/face_boxes.h"
#include "facerec/data/image.h"
#include "facerec/detect/detectors.h"
#include "facerec/experiment/dataset_config.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/metrics/identification_rate.h"
#include "facerec/metrics/verification.h"
#include "facerec/pipeline/alignment.h"
#include "facerec/pipeline/chain_evaluation.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/pipeline/recognition_datasets.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/pipeline/trained_models.h"
#include "facerec/tracking/run.h"
#include "facerec/tracking/experiment_names.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(detector, "ours", "Detection stage (detect/detectors.h).");
DEFINE_string(detector_model, "",
              "Our detector: a file relative to the workspace root or a registry name NAME[@ALIAS|:VERSION] "
              "(default: the registry's alias default of kind detector, pipeline/model_choice.h).");
DEFINE_string(landmarks, "landmark_net", "Landmark stage (chain/landmark_stage.h).");
DEFINE_string(landmark_model, "", "Landmark net: a file or a registry name (default: alias default of kind landmarks).");
DEFINE_string(embedding_model, "",
              "Recogniser (an embedding_net.pt) or a registry name (default: alias default of kind recogniser).");
DEFINE_int32(latency_photos, 50, "celeba_wild photos timed at 640x480.");
DEFINE_string(crop_padding, facerec::pipeline::CropPaddingName(facerec::pipeline::kDefaultCropPadding),
              "How tight crops are padded before detection (pipeline/chain_evaluation.h): "
              "replicate (their edge pixels) or grey.");
DEFINE_double(score_threshold, std::numeric_limits<double>::quiet_NaN(),
              "Detection score threshold (default: the detector's own, detect/detectors.h).");

namespace facerec {
namespace {

absl::Status EvaluatePipeline(experiment::Experiment& e) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<std::string> detector_names,
                           experiment::ParseNameList("detector", FLAGS_detector,
                                                     detect::KnownFaceDetectors()));
  if (detector_names.size() != 1) return experiment::FlagError("detector", FLAGS_detector, "one detector");
  FACEREC_ASSIGN_OR_RETURN(const std::vector<std::string> landmark_names,
                           experiment::ParseNameList("landmarks", FLAGS_landmarks,
                                                     chain::KnownLandmarkStages()));
  if (landmark_names.size() != 1) return experiment::FlagError("landmarks", FLAGS_landmarks, "one stage");
  if (FLAGS_latency_photos < 1) return experiment::FlagError("latency_photos", FLAGS_latency_photos, "must be >= 1");
  const absl::StatusOr<pipeline::CropPadding> crop_padding =
      pipeline::CropPaddingByName(FLAGS_crop_padding);
  if (!crop_padding.ok()) {
    return experiment::FlagError("crop_padding", FLAGS_crop_padding, crop_padding.status().message());
  }
  if (!std::isnan(FLAGS_score_threshold) && !std::isfinite(FLAGS_score_threshold)) {
    return experiment::FlagError("score_threshold", FLAGS_score_threshold, "must be finite");
  }
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  chain::FaceChainOptions options;
  options.detector = FLAGS_detector;
  options.landmarks = FLAGS_landmarks;
  options.detection.score_threshold = FLAGS_score_threshold;
  FACEREC_ASSIGN_OR_RETURN(options.device, e.Device());
  if (options.detector == "ours") {
    FACEREC_ASSIGN_OR_RETURN(options.detector_model,
                             pipeline::ChooseModelPath(pipeline::OpenedStore(*store), tracking::ModelKind::kDetector,
                                                       "detector_model", FLAGS_detector_model));
  }
  FACEREC_ASSIGN_OR_RETURN(options.landmark_model,
                           pipeline::ChooseModelPath(pipeline::OpenedStore(*store), tracking::ModelKind::kLandmarks,
                                                     "landmark_model", FLAGS_landmark_model));
  FACEREC_ASSIGN_OR_RETURN(options.embedding_model,
                           pipeline::ChooseModelPath(pipeline::OpenedStore(*store), tracking::ModelKind::kRecogniser,
                                                     "embedding_model", FLAGS_embedding_model));

  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<chain::FaceChain> chain, chain::FaceChain::Create(options));
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  FACEREC_ASSIGN_OR_RETURN(pipeline::RecognitionData data,
                           pipeline::LoadRecognitionData(root, torch::get_num_threads()));

  // An own dataset, every person evaluated through this chain (its crops cached).
  FACEREC_ASSIGN_OR_RETURN(pipeline::DatasetOptions dataset, experiment::DatasetOptionsFromFlags(*store));
  std::optional<pipeline::LoadedDataset> own;
  if (dataset.dataset.kind != pipeline::DatasetSpec::Kind::kCeleba500) {
    dataset.chain = options;
    absl::StatusOr<pipeline::LoadedDataset> loaded = pipeline::LoadEvaluationDataset(dataset);
    if (!loaded.ok()) return experiment::AsFlagError("dataset", loaded.status());
    own = std::move(*loaded);
  }

  tracking::RunOptions run_options;
  run_options.name = absl::StrCat(options.detector, "+", options.landmarks);
  run_options.params = experiment::FlagsDefinedIn(
      "evaluate_pipeline", {"detector_model", "landmark_model", "embedding_model", "score_threshold"});
  // Models by content, not by where this checkout keeps them.
  for (const auto& [key, path] : {std::pair{"detector_model_sha256", options.detector_model},
                                  std::pair{"landmark_model_sha256", options.landmark_model},
                                  std::pair{"embedding_model_sha256", options.embedding_model}}) {
    if (path.empty()) continue;
    FACEREC_ASSIGN_OR_RETURN(run_options.params[key], Sha256OfFile(path));
  }
  // The threshold the chain used, the detector's default when unset.
  run_options.params["score_threshold"] = absl::StrCat(
      std::isnan(FLAGS_score_threshold) ? detect::DefaultScoreThreshold(options.detector)
                                        : FLAGS_score_threshold);
  run_options.params["tight_crop_padding"] = absl::StrCat(pipeline::kTightCropPadding);
  run_options.dataset_fingerprint = data.fingerprint;
  if (own) {
    for (const auto& [key, value] : pipeline::DatasetParams(dataset, own->report)) run_options.params[key] = value;
    run_options.dataset_fingerprint = Sha256Hex(absl::StrCat(data.fingerprint, own->data.fingerprint));
  }
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
  if (own) FACEREC_RETURN_IF_ERROR(pipeline::RecordDatasetReport(own->report, run));
  chain::FaceChain& c = *chain;

  // The template: mean predicted points over the CelebA-500 training windows.
  {
    FACEREC_ASSIGN_OR_RETURN(align::LandmarkDetector landmarks,
                             align::LandmarkDetector::Load(options.landmark_model));
    const auto points = pipeline::PredictInCrops(landmarks, data.train);
    std::vector<data::Point2> mean(5);
    for (const auto& face : points) {
      for (int k = 0; k < 5; ++k) {
        mean[k].x += face[k].x / points.size();
        mean[k].y += face[k].y / points.size();
      }
    }
    std::printf("alignment template (83x100 window), measured vs chain::kIdRateWindowTemplate:\n");
    for (int k = 0; k < 5; ++k) {
      const std::string key = absl::StrCat("template/", data::kFivePointNames[k], "/");
      FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "x", 0, mean[k].x));
      FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "y", 0, mean[k].y));
      std::printf("  %-12s (%.1f, %.1f) vs (%.1f, %.1f)\n", data::kFivePointNames[k], mean[k].x,
                  mean[k].y, chain::kIdRateWindowTemplate[k].x, chain::kIdRateWindowTemplate[k].y);
    }
  }

  // LFW: the chain on the whole photo vs the fixed window.
  std::vector<cv::Mat> lfw_photos, lfw_windows;
  for (size_t i = 0; i < data.lfw_paths.size(); ++i) {
    FACEREC_ASSIGN_OR_RETURN(cv::Mat rgb, data::ReadRgbImage(data.lfw_paths[i]));
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    lfw_photos.push_back(bgr);
    lfw_windows.push_back(data.lfw.image(i));
  }
  FACEREC_ASSIGN_OR_RETURN(const pipeline::ChainEmbeddings lfw_chain,
                           pipeline::EmbedThroughChain(c, lfw_photos, pipeline::FacePick::kNearestCentre,
                                                       &lfw_windows));
  const torch::Tensor lfw_window = c.embedder().Embed(lfw_windows);
  auto verify = [&](const torch::Tensor& emb) {
    std::vector<double> scores;
    for (const auto& [a, b] : data.lfw_pairs) scores.push_back(emb[a].dot(emb[b]).item<double>());
    return metrics::VerificationAccuracy(scores, data.lfw_same, data.lfw_folds);
  };
  const metrics::VerificationResult lfw_pipeline = verify(lfw_chain.embeddings);
  const metrics::VerificationResult lfw_fixed = verify(lfw_window);
  const double lfw_found = static_cast<double>(lfw_chain.found_count) / lfw_photos.size();
  FACEREC_RETURN_IF_ERROR(run->LogMetric("eval/lfw/pipeline_accuracy", 0, lfw_pipeline.mean_accuracy));
  FACEREC_RETURN_IF_ERROR(run->LogMetric("eval/lfw/window_accuracy", 0, lfw_fixed.mean_accuracy));
  FACEREC_RETURN_IF_ERROR(run->LogMetric("eval/lfw/found_share", 0, lfw_found));
  std::printf("\nLFW fold 1 (%zu photos, %zu pairs): pipeline %.3f, fixed window %.3f; face found "
              "in %.1f%% of the photos\n",
              lfw_photos.size(), data.lfw_pairs.size(), lfw_pipeline.mean_accuracy,
              lfw_fixed.mean_accuracy, 100 * lfw_found);

  // CelebA-500 val, then celebA_ir: padded crops through the chain vs the crops.
  auto crops_of = [](const data::FaceImages& images) {
    std::vector<cv::Mat> v;
    for (size_t i = 0; i < images.size(); ++i) v.push_back(images.image(i));
    return v;
  };
  auto padded = [&](const std::vector<cv::Mat>& crops) {
    std::vector<cv::Mat> v;
    for (const cv::Mat& m : crops) v.push_back(pipeline::PadTightCrop(m, *crop_padding));
    return v;
  };
  auto print_header = [](const char* title) {
    std::printf("\n%s\n%-10s", title, "");
    for (double fpr : metrics::kCourseFprs) std::printf(" %9s", absl::StrCat("TPR@", fpr).c_str());
  };
  auto log_rows = [&](const std::string& dataset, const metrics::IdRateResult& chain_result,
                      const metrics::IdRateResult& crops_result) -> absl::Status {
    for (const auto& [name, result] :
         {std::pair{"pipeline", &chain_result}, std::pair{"crops", &crops_result}}) {
      std::printf("\n%-10s", name);
      for (const metrics::RocPoint& p : result->points) {
        std::printf(" %9.3f", p.tpr);
        FACEREC_RETURN_IF_ERROR(run->LogEvaluation({absl::StrCat(dataset, "_", name), "id_rate",
                                                    p.target_fpr, p.tpr, p.threshold,
                                                    result->positive_pairs, result->false_pairs}));
      }
    }
    std::printf("\n");
    return absl::OkStatus();
  };
  {
    const std::vector<cv::Mat> val_crops = crops_of(data.val);
    FACEREC_ASSIGN_OR_RETURN(const pipeline::ChainEmbeddings val_chain,
                             pipeline::EmbedThroughChain(c, padded(val_crops),
                                                         pipeline::FacePick::kNearestCentre, &val_crops));
    const torch::Tensor none = torch::zeros({0, c.embedder().embedding_size()});
    const metrics::IdRateResult val_pipeline = metrics::IdentificationRate(
        val_chain.embeddings, data.val.labels(), none, metrics::kCourseFprs);
    const metrics::IdRateResult val_windows = metrics::IdentificationRate(
        c.embedder().Embed(val_crops), data.val.labels(), none, metrics::kCourseFprs);
    const double val_found = static_cast<double>(val_chain.found_count) / val_crops.size();
    FACEREC_RETURN_IF_ERROR(run->LogMetric("eval/celeba500_val/found_share", 0, val_found));
    print_header(absl::StrFormat("CelebA-500 val (%zu windows, no distractors; face found in %.1f%%):",
                                 val_crops.size(), 100 * val_found)
                     .c_str());
    FACEREC_RETURN_IF_ERROR(log_rows("celeba500_val", val_pipeline, val_windows));
  }
  const std::vector<cv::Mat> query_crops = crops_of(data.queries);
  const std::vector<cv::Mat> distractor_crops = crops_of(data.distractors);
  FACEREC_ASSIGN_OR_RETURN(const pipeline::ChainEmbeddings q_chain,
                           pipeline::EmbedThroughChain(c, padded(query_crops),
                                                       pipeline::FacePick::kNearestCentre, &query_crops));
  FACEREC_ASSIGN_OR_RETURN(const pipeline::ChainEmbeddings d_chain,
                           pipeline::EmbedThroughChain(c, padded(distractor_crops),
                                                       pipeline::FacePick::kNearestCentre,
                                                       &distractor_crops));
  const metrics::IdRateResult ir_pipeline = metrics::IdentificationRate(
      q_chain.embeddings, data.queries.labels(), d_chain.embeddings, metrics::kCourseFprs);
  const metrics::IdRateResult ir_crops = metrics::IdentificationRate(
      c.embedder().Embed(query_crops), data.queries.labels(), c.embedder().Embed(distractor_crops),
      metrics::kCourseFprs);
  const double ir_found = static_cast<double>(q_chain.found_count + d_chain.found_count) /
                          (query_crops.size() + distractor_crops.size());
  FACEREC_RETURN_IF_ERROR(run->LogMetric("eval/celeba_ir/found_share", 0, ir_found));
  print_header(absl::StrFormat("celebA_ir (%zu queries, %zu distractors; face found in %.1f%%):",
                               query_crops.size(), distractor_crops.size(), 100 * ir_found)
                   .c_str());
  FACEREC_RETURN_IF_ERROR(log_rows("celeba_ir", ir_pipeline, ir_crops));

  if (own) {
    // The recogniser on the own dataset's people beside its celebA_ir crops above.
    const torch::Tensor own_queries = c.embedder().Embed(crops_of(own->data.queries));
    const torch::Tensor own_distractors = c.embedder().Embed(crops_of(own->data.distractors));
    const metrics::IdRateResult own_rate = metrics::IdentificationRate(
        own_queries, own->data.queries.labels(), own_distractors, metrics::kCourseFprs);
    const metrics::OpenSetResult own_open =
        metrics::TpirAtFpir(own_queries, own->data.queries.labels(), own_distractors, metrics::kOpenSetFpirs);
    const pipeline::DatasetReport& r = own->report;
    const double found = r.photos > 0 ? static_cast<double>(r.crops) / r.photos : 0;
    const std::string& name = own->data.eval_name;
    FACEREC_RETURN_IF_ERROR(run->LogMetric(absl::StrCat("eval/", name, "/found_share"), 0, found));
    print_header(absl::StrFormat("%s (%d photos: %zu queries of %d people, %zu distractors; a face in %.1f%%, "
                                 "several in %d):",
                                 name, r.photos, own->data.queries.size(), r.split.identities.count(data::PhotoRole::kQuery)
                                     ? r.split.identities.at(data::PhotoRole::kQuery) : 0,
                                 own->data.distractors.size(), 100 * found, r.several_faces)
                     .c_str());
    std::printf("\n%-10s", "pipeline");
    for (const metrics::RocPoint& p : own_rate.points) {
      std::printf(" %9.3f", p.tpr);
      FACEREC_RETURN_IF_ERROR(run->LogEvaluation({name, "id_rate", p.target_fpr, p.tpr, p.threshold,
                                                  own_rate.positive_pairs, own_rate.false_pairs}));
    }
    std::printf("\n%-10s", "threshold");
    for (const metrics::RocPoint& p : own_rate.points) std::printf(" %9.3f", p.threshold);
    std::printf("\n%-10s", "");
    for (const metrics::RocPoint& p : own_open.points) {
      std::printf(" TPIR@FPIR %g %.3f", p.target_fpr, p.tpr);
      FACEREC_RETURN_IF_ERROR(run->LogEvaluation({name, "tpir_fpir", p.target_fpr, p.tpr, p.threshold,
                                                  own_open.mated_probes, own_open.non_mated_probes}));
    }
    std::printf("\n");
  }

  // Latency at 640x480 with one face.
  FACEREC_ASSIGN_OR_RETURN(const std::vector<data::BoxedImage> wild, data::LoadCelebaWild(root));
  std::vector<double> detect_ms, landmarks_ms, align_ms, embed_ms, total_ms;
  int timed = 0;
  for (size_t i = 0; i < wild.size() && timed < FLAGS_latency_photos; ++i) {
    FACEREC_ASSIGN_OR_RETURN(const cv::Mat rgb, data::ReadRgbImage(wild[i].image_path));
    const cv::Mat photo = pipeline::LetterboxTo(rgb, cv::Size(640, 480));
    chain::StageTimes t;
    FACEREC_ASSIGN_OR_RETURN(const std::vector<detect::Detection> faces, c.Detect(photo, &t));
    const int k = chain::Largest(faces);
    if (k < 0) continue;
    FACEREC_RETURN_IF_ERROR(c.Describe(chain::ToRgb(photo), faces[k], &t).status());
    if (i < 3) continue;  // Warm-up: first calls allocate.
    detect_ms.push_back(t.detect);
    landmarks_ms.push_back(t.landmarks);
    align_ms.push_back(t.align);
    embed_ms.push_back(t.embed);
    total_ms.push_back(t.total());
    ++timed;
  }
  const double total = Median(total_ms);
  std::printf("\nlatency per 640x480 photo with one face (median of %d, %d threads):\n", timed,
              torch::get_num_threads());
  for (const auto& [name, v] : {std::pair{"detect", &detect_ms}, std::pair{"landmarks", &landmarks_ms},
                                std::pair{"align", &align_ms}, std::pair{"embed", &embed_ms},
                                std::pair{"total", &total_ms}}) {
    const double m = Median(*v);
    FACEREC_RETURN_IF_ERROR(run->LogMetric(absl::StrCat("latency/", name, "_ms"), 0, m));
    std::printf("  %-10s %7.2f ms  %5.1f%%\n", name, m, total > 0 ? 100 * m / total : 0);
  }
  std::fflush(stdout);
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kEvaluatePipeline,
       .usage = "Runs LFW, celebA_ir and 640x480 photos through detect -> landmarks -> warp -> "
                "embed.\nUsage: evaluate_pipeline [--detector=ours] [--landmarks=landmark_net] [--dataset=folder:DIR]\n"
                "--dataset=folder:DIR|list:FILE: every person of it evaluated too (evaluation only): photos through "
                "this chain, people with two photos or more as query identities, the others as distractors; TPR "
                "at each FPR with its threshold (a calibration of the recogniser on your kind of photos) and "
                "TPIR@FPIR, beside celebA_ir.",
       .main = facerec::EvaluatePipeline});
}
