// The face detectors side by side on the detection sets' validation photos
// (detect/detection_sets.h): for each detector one run in the store
// (experiment evaluate_detectors), with AP at IoU 0.5 on every face and on faces of
// at least --min_face_side px, recall at one false positive per photo, the
// precision-recall curve (series eval/<set>/pr/precision and .../recall) and
// the median time per photo. Photos that do not decode are named and skipped.
//
//   tools/bazel run //experiments:evaluate_detectors
//   tools/bazel run //experiments:evaluate_detectors -- --detectors=haar --sets=dlib_test
//
// Ours is the newest detector trained in the store (--detector_model names
// another); its run records the model's sha256.
//
// Detections another program made are scored the same way, one run each:
// --external_detections=ssd_mobilenetv1=ssd.tsv (detect/external_detections.h;
// benchmarks/ssd_anchor/ runs face-api.js's SSD on the exported photos). The
// run records the file's sha256 and the peer's own description lines.
//
// afw is recall-only: not every face in its photos is annotated, so its AP
// and false positives undercount the detector.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/algorithm/container.h"
#include "facerec/core/data_root.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/pipeline/trained_models.h"
#include "facerec/detect/detection_evaluation.h"
#include "facerec/detect/detection_sets.h"
#include "facerec/detect/detectors.h"
#include "facerec/detect/external_detections.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/tracking/run.h"
#include "facerec/tracking/experiment_names.h"
#include "gflags/gflags.h"

namespace {
const facerec::detect::FaceDetectorOptions kDetector;
const facerec::detect::DetectionEvaluationOptions kEvaluation;
}  // namespace

DEFINE_string(detectors, "ours,haar,dlib_hog", "Comma-separated detectors (detect/detectors.h).");
DEFINE_string(detector_model, "",
              "Our detector: a file relative to the workspace root or a registry name NAME[@ALIAS|:VERSION] "
              "(default: the registry's alias default of kind detector).");
DEFINE_string(external_detections, "",
              "Detections made by another program, each scored as a detector: NAME=FILE[,NAME=FILE], "
              "FILE relative to the workspace root (detect/external_detections.h).");
DEFINE_string(sets, "facemask_val,webfaces_val,dlib_test,afw",
              "Comma-separated detection sets (detect/detection_sets.h).");
DEFINE_double(min_face_side, kEvaluation.min_face_side,
              "The second AP ignores faces smaller than this many pixels.");
DEFINE_double(iou, kEvaluation.iou_threshold, "IoU a box needs to find a box-annotated face.");
DEFINE_int32(min_face_size, kDetector.min_face_size,
             "Detectors search for faces from this width; 0: each detector's own (ours 8, haar and dlib_hog 20).");
DEFINE_double(nms_iou, kDetector.nms_iou, "Non-maximum suppression IoU.");
DEFINE_double(input_scale, kDetector.input_scale,
              "Photos are resized by this before detection (2 finds faces half the size).");
DEFINE_int32(curve_points, 200, "Points of each stored precision-recall curve.");

namespace facerec {
namespace {

// The recall-only sets' recall at the detector's operating point
// (detect::RecallsAtOperatingPoint), recorded and printed.
absl::Status LogOperatingPoint(const std::string& detector, const std::vector<detect::DetectionSet>& sets,
                               const std::vector<detect::DetectorEvaluation>& results, tracking::Run* run) {
  const std::vector<detect::OperatingPointRecall> recalls = detect::RecallsAtOperatingPoint(sets, results);
  for (const detect::OperatingPointRecall& r : recalls) {
    std::printf("%-10s %s\n", detector.c_str(), detect::DescribeOperatingPointRecall(r).c_str());
  }
  std::fflush(stdout);
  return detect::LogOperatingPointRecalls(recalls, run);
}

absl::Status EvaluateDetectors(experiment::Experiment& e) {
  std::vector<std::string> names;
  if (!FLAGS_detectors.empty() || FLAGS_external_detections.empty()) {
    FACEREC_ASSIGN_OR_RETURN(names, experiment::ParseNameList("detectors", FLAGS_detectors,
                                                              detect::KnownFaceDetectors()));
  }
  // Peers' files, read (and so checked) before any run starts.
  absl::StatusOr<std::vector<detect::NamedExternalDetections>> externals =
      detect::ReadNamedExternalDetections(FLAGS_external_detections, WorkspaceRoot());
  if (!externals.ok()) {
    return absl::Status(externals.status().code(), absl::StrCat("--external_detections=", FLAGS_external_detections,
                                                                ": ", externals.status().message()));
  }
  for (const detect::NamedExternalDetections& peer : *externals) {
    if (absl::c_linear_search(names, peer.name)) {
      return experiment::FlagError("external_detections", FLAGS_external_detections,
                                   absl::StrCat("the name ", peer.name, " is used twice"));
    }
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<std::string> set_names,
                           experiment::ParseNameList("sets", FLAGS_sets,
                                                     detect::KnownDetectionSets()));
  detect::FaceDetectorOptions options;
  options.min_face_size = FLAGS_min_face_size;
  options.nms_iou = FLAGS_nms_iou;
  options.input_scale = FLAGS_input_scale;
  if (absl::Status s = detect::ValidateFaceDetectorOptions(options); !s.ok()) {
    const std::string m(s.message());
    return experiment::AsFlagError(m.substr(0, m.find('=')), s);
  }
  detect::DetectionEvaluationOptions evaluation;
  evaluation.min_face_side = FLAGS_min_face_side;
  evaluation.iou_threshold = FLAGS_iou;
  FACEREC_RETURN_IF_ERROR(experiment::CheckFlagBounds({
      experiment::LeftOpen("iou", 0, 1),
      experiment::AtLeast("min_face_side", 0),
      experiment::AtLeast("curve_points", 2),
  }));
  // Ours needs its trained model: found (and checked) before any run starts.
  std::string our_model, our_sha256;
  if (absl::c_linear_search(names, "ours")) {
    FACEREC_ASSIGN_OR_RETURN(our_model,
                             pipeline::ChooseModelPath([&] { return e.Store(); }, tracking::ModelKind::kDetector,
                                                       "detector_model", FLAGS_detector_model));
    absl::StatusOr<std::string> sha = Sha256OfFile(our_model);
    if (!sha.ok()) return experiment::FlagError("detector_model", FLAGS_detector_model, sha.status().message());
    our_sha256 = *sha;
  }
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  std::vector<detect::DetectionSet> sets;
  for (const std::string& name : set_names) {
    FACEREC_ASSIGN_OR_RETURN(detect::DetectionSet set, detect::LoadDetectionSet(root, name));
    sets.push_back(std::move(set));
  }
  std::printf("%-10s %-14s %6s %6s %8s %8s %10s %8s\n", "detector", "set", "photos", "faces", "AP",
              absl::StrCat("AP>=", FLAGS_min_face_side).c_str(), "recall@1FP", "ms");
  for (const std::string& name : names) {
    const std::string model = name == "ours" ? our_model : "";
    absl::StatusOr<std::unique_ptr<detect::FaceDetector>> made =
        detect::MakeFaceDetector(name, options, model);
    if (!made.ok()) return experiment::AsFlagError("detector_model", made.status());
    std::unique_ptr<detect::FaceDetector> detector = std::move(*made);
    tracking::RunOptions run_options;
    run_options.name = name;
    run_options.params =
        experiment::FlagsDefinedIn("evaluate_detectors", {"detectors", "detector_model", "external_detections"});
    run_options.params["detector"] = name;
    // A trained model by content, not by where this checkout keeps it.
    if (!model.empty()) run_options.params["detector_model_sha256"] = our_sha256;
    FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
    std::vector<detect::DetectorEvaluation> results;
    for (const detect::DetectionSet& set : sets) {
      FACEREC_ASSIGN_OR_RETURN(detect::DetectorEvaluation r,
                               detect::EvaluateDetector(*detector, set, evaluation));
      for (const std::string& path : r.unreadable) {
        std::fprintf(stderr, "evaluate_detectors: %s: cannot be decoded; skipped\n", path.c_str());
      }
      FACEREC_RETURN_IF_ERROR(
          detect::LogDetectorEvaluation(set.name, r, FLAGS_curve_points, run));
      std::printf("%-10s %-14s %6lld %6lld %8.3f %8.3f %10.3f %8.1f%s\n", name.c_str(),
                  set.name.c_str(), static_cast<long long>(r.photos),
                  static_cast<long long>(r.all.faces), r.all.average_precision,
                  r.large.average_precision, r.all.recall_at_false_positive_rate,
                  r.median_ms_per_photo, set.recall_only ? "  (recall only)" : "");
      std::fflush(stdout);
      results.push_back(std::move(r));
    }
    FACEREC_RETURN_IF_ERROR(LogOperatingPoint(name, sets, results, run));
    FACEREC_RETURN_IF_ERROR(e.FinishOpenRuns(absl::OkStatus()));
  }
  for (const detect::NamedExternalDetections& peer : *externals) {
    const std::string& name = peer.name;
    const detect::ExternalDetections& detections = peer.detections;
    tracking::RunOptions run_options;
    run_options.name = name;
    run_options.params = experiment::FlagsDefinedIn(
        "evaluate_detectors", {"detectors", "detector_model", "external_detections", "min_face_size", "nms_iou",
                               "input_scale"});
    run_options.params["detector"] = name;
    run_options.params["detections_sha256"] = peer.sha256;
    for (const auto& [key, value] : detections.description) run_options.params["external/" + key] = value;
    FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
    std::vector<detect::DetectorEvaluation> results;
    for (const detect::DetectionSet& set : sets) {
      FACEREC_ASSIGN_OR_RETURN(detect::DetectorEvaluation r,
                               detect::EvaluateExternalDetections(detections, set, root, evaluation));
      FACEREC_RETURN_IF_ERROR(detect::LogDetectorEvaluation(set.name, r, FLAGS_curve_points, run));
      std::printf("%-10s %-14s %6lld %6lld %8.3f %8.3f %10.3f %8.1f  (the peer's own clock)\n", name.c_str(),
                  set.name.c_str(), static_cast<long long>(r.photos), static_cast<long long>(r.all.faces),
                  r.all.average_precision, r.large.average_precision, r.all.recall_at_false_positive_rate,
                  r.median_ms_per_photo);
      std::fflush(stdout);
      results.push_back(std::move(r));
    }
    FACEREC_RETURN_IF_ERROR(LogOperatingPoint(name, sets, results, run));
    FACEREC_RETURN_IF_ERROR(e.FinishOpenRuns(absl::OkStatus()));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kEvaluateDetectors,
       .usage = "Evaluates face detectors on the detection sets' validation photos.\n"
                "Usage: evaluate_detectors [--detectors=haar,dlib_hog] [--sets=...]",
       .main = facerec::EvaluateDetectors});
}
