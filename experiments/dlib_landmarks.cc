// The landmark peer: dlib's 68-point shape predictor (Debian libdlib-data,
// Kazemi & Sullivan's regression-tree ensemble, trained on iBUG 300-W) on the
// same test faces as our net, through the same 68 -> 5 reduction, recorded
// in the store as experiment dlib_landmarks, run "dlib_68".
//
//   tools/bazel run //experiments:dlib_landmarks
//
// The boxes dlib gets, and why: align/dlib_landmarks.h. The share of faces
// its detector missed is recorded as eval/<set>/detector_misses.
//
// Besides the test sets it runs on MTFL's training faces (by source, the
// shifted net_7876 rows left out; --sets picks): dlib was trained on none of
// the MTFL sets, so its offset on each (eval/<set>/offset_x, _y) compares
// the annotation protocols of our training and test labels through a
// neutral model.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "facerec/align/dlib_landmarks.h"
#include "facerec/align/landmark_examples.h"
#include "facerec/core/data_root.h"
#include "facerec/core/sha256.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/core/status_macros.h"
#include "facerec/pipeline/landmarks.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "facerec/tracking/experiment_names.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(model, "/usr/share/dlib/shape_predictor_68_face_landmarks.dat",
              "dlib 68-point shape predictor (Debian libdlib-data).");

DEFINE_string(sets, "mtfl_test,mtfl_test_minus1px,afw,mtfl_train_lfw,mtfl_train_net",
              "Comma-separated landmark sets (pipeline/landmarks.h: mtfl_test, afw, "
              "mtfl_test_minus1px, mtfl_train_lfw, mtfl_train_net).");

namespace facerec {
namespace {

absl::Status Record(const std::string& name, const std::vector<align::LandmarkExample>& examples,
                    const align::DlibPredictions& predicted, tracking::Run* run) {
  FACEREC_ASSIGN_OR_RETURN(pipeline::LandmarkScores scores,
                           pipeline::RecordLandmarkErrors(name, predicted.points, examples, run));
  const metrics::LandmarkSummary& s = scores.summary;
  FACEREC_RETURN_IF_ERROR(
      run->LogMetric("eval/" + name + "/detector_misses", 0, predicted.miss_share));
  FACEREC_RETURN_IF_ERROR(
      run->LogMetric("eval/" + name + "/predictor_us_per_face", 0, predicted.median_us));
  std::printf("%-18s %6zu %8.2f %10.2f %8.2f %10.2f %10.2f %12.2f %10.1f %10.0f\n",
              name.c_str(), examples.size(), 100 * s.mean_nme, 100 * s.median_nme,
              100 * s.failure_rate, 100 * scores.offset.x, 100 * scores.offset.y,
              100 * scores.offset_removed_nme, 100 * predicted.miss_share, predicted.median_us);
  return absl::OkStatus();
}

absl::Status DlibLandmarks(experiment::Experiment& e) {
  FACEREC_ASSIGN_OR_RETURN(std::filesystem::path root, e.DataRoot());
  absl::StatusOr<std::string> model_sha256 = Sha256OfFile(FLAGS_model);
  if (!model_sha256.ok()) {
    return experiment::FlagError("model", FLAGS_model,
                                 "cannot be read (install libdlib-data; tools/bazel does)");
  }
  absl::StatusOr<std::vector<pipeline::LandmarkSet>> sets =
      pipeline::LoadLandmarkSets(root, FLAGS_sets, 2);
  if (!sets.ok()) {
    return absl::Status(sets.status().code(), absl::StrCat("--sets: ", sets.status().message()));
  }
  std::vector<const pipeline::LandmarkSet*> set_pointers;
  for (const pipeline::LandmarkSet& set : *sets) set_pointers.push_back(&set);
  tracking::RunOptions options;
  options.name = "dlib_68";
  options.params = {{"model_sha256", *model_sha256},
                    {"sets", FLAGS_sets},
                    {"box", "dlib HOG detection in 1.6x our box, else our box mapped"}};
  FACEREC_ASSIGN_OR_RETURN(options.dataset_fingerprint,
                           pipeline::LandmarkSetsFingerprint(root, set_pointers));
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(options));

  absl::StatusOr<align::DlibLandmarkPredictor> dlib = align::DlibLandmarkPredictor::Load(FLAGS_model);
  if (!dlib.ok()) return dlib.status();
  std::printf("\n%-18s %6s %8s %10s %8s %10s %10s %12s %10s %10s\n", "dataset", "faces",
              "NME %", "median %", "fail %", "offset x %", "offset y %", "NME-offset %",
              "no det %", "us/face");
  // One dlib pass per set of faces; sets differing only in labels share it.
  const std::vector<align::DlibPredictions> predicted = pipeline::PredictOncePerFaceSet(
      *sets, [&dlib](const std::vector<align::LandmarkExample>& examples) {
        return dlib->Predict(examples);
      });
  for (size_t i = 0; i < sets->size(); ++i) {
    FACEREC_RETURN_IF_ERROR(Record((*sets)[i].name, (*sets)[i].examples, predicted[i], run));
  }
  std::printf("\ndlib 68-point shape predictor, 68 -> 5 points; us/face: median predictor time "
              "(detector excluded); offset and NME-offset as in train_landmarks.\n");
  std::fflush(stdout);
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kDlibLandmarks,
       .usage = "dlib's 68-point shape predictor on the landmark test sets (the peer).",
       .main = facerec::DlibLandmarks});
}
