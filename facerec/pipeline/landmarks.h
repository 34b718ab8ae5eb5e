// The landmark stage put together: predict the 5 points of many faces in
// batches, score them (NME, failure rate, CED) and record the scores.
//
//   std::vector<std::vector<data::Point2>> points = PredictLandmarks(detector, test_examples);
//   FACEREC_ASSIGN_OR_RETURN(LandmarkScores s,
//                            RecordLandmarkErrors("mtfl_test", points, test_examples, run));
//
// Recorded (when `run` is non-null): metrics eval/<dataset>/nme,
// .../median_nme, .../failure_rate, .../nme_offset_removed, the systematic
// offset .../offset_x and
// .../offset_y (mean over the 5 points, eye-distance units; per point
// .../offset_x/<point name>), and the CED as evaluations rows
// (dataset, protocol "nme_ced", threshold = NME, tpr = share of faces at or
// below it) so it can be plotted with SQL alone.
#ifndef FACEREC_PIPELINE_LANDMARKS_H_
#define FACEREC_PIPELINE_LANDMARKS_H_

#include <filesystem>
#include <map>
#include <type_traits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/align/landmark_examples.h"
#include "facerec/metrics/landmarks.h"
#include "facerec/tracking/run.h"

namespace facerec::pipeline {

std::vector<std::vector<data::Point2>> PredictLandmarks(
    align::LandmarkDetector& detector, const std::vector<align::LandmarkExample>& examples);

struct LandmarkScores {
  metrics::LandmarkSummary summary;
  // metrics::OffsetRemovedNormalisedMeanErrors, their mean (0 for < 2 faces).
  double offset_removed_nme = 0;
  // metrics::MeanNormalisedOffsets: per point, then their mean.
  std::vector<data::Point2> point_offsets;
  data::Point2 offset;
};

// NME of every face, summarised, and the systematic offset; recorded under
// `dataset` when `run` is set.
absl::StatusOr<LandmarkScores> RecordLandmarkErrors(
    const std::string& dataset, const std::vector<std::vector<data::Point2>>& predicted,
    const std::vector<align::LandmarkExample>& examples, tracking::Run* run);

// The landmark sets the experiments name on their command lines:
// "mtfl_test" (MTFL's 2,995 AFLW faces, labels as distributed),
// "mtfl_test_minus1px" (the same faces, labels moved 1 px left and up onto
// the training labels' convention: data::kMtflTestLabelOffsetPx), "afw"
// (337 faces, 68 points reduced to 5), "mtfl_train_lfw" and
// "mtfl_train_net" (MTFL's training rows from lfw_5590 / net_7876, the
// shifted rows left out: data::IsShiftedMtflRow), "mtfl_train_pose" (those
// 2,350 shifted rows, y moved by data::kShiftedMtflRowOffsetY).
inline constexpr char kLandmarkSetNames[] =
    "mtfl_test, mtfl_test_minus1px, afw, mtfl_train_lfw, mtfl_train_net, mtfl_train_pose";
inline constexpr char kMtflTestMinus1px[] = "mtfl_test_minus1px";

struct LandmarkSet {
  std::string name;
  std::vector<align::LandmarkExample> examples;
  std::string mtfl_list;  // The MTFL list read ("" for afw), for LandmarkDataFingerprint.
  // The set whose faces (photos, boxes, order) these are when only the labels
  // differ ("mtfl_test" for mtfl_test_minus1px), else "": a model's
  // predictions on that set serve this one too.
  std::string same_faces_as;
};

// InvalidArgumentError naming `name` and the known sets for any other name.
absl::StatusOr<LandmarkSet> LoadLandmarkSet(const std::filesystem::path& data_root,
                                            const std::string& name, int threads);
// Each set of a comma-separated list ("mtfl_test,afw"), in order. A set
// with the same faces as one earlier in the list is made from it, not
// decoded again.
absl::StatusOr<std::vector<LandmarkSet>> LoadLandmarkSets(const std::filesystem::path& data_root,
                                                          const std::string& names, int threads);
// LandmarkDataFingerprint of these sets: their faces and MTFL lists.
absl::StatusOr<std::string> LandmarkSetsFingerprint(const std::filesystem::path& data_root,
                                                    const std::vector<const LandmarkSet*>& sets);

// Every `every`-th row (rows every-1, 2*every-1, ...) into `held_out`, the
// rest into `kept`, in order; every <= 0 holds nothing out. The fixed
// hold-out split of train_landmarks: no randomness, so every run and every
// checkout holds out the same faces.
void SplitEveryNth(const std::vector<align::LandmarkExample>& rows, int every,
                   std::vector<align::LandmarkExample>* kept,
                   std::vector<align::LandmarkExample>* held_out);

// One prediction per set of faces: sets with the same faces (same_faces_as)
// share the result of the first, so a model runs once per photo. `predict`
// maps a set's examples to anything (points, or dlib's points and timings);
// returns its results by set, in the order of `sets`.
template <typename Predict>
auto PredictOncePerFaceSet(const std::vector<LandmarkSet>& sets, Predict predict)
    -> std::vector<std::invoke_result_t<Predict&, const std::vector<align::LandmarkExample>&>> {
  std::vector<std::invoke_result_t<Predict&, const std::vector<align::LandmarkExample>&>>
      predicted(sets.size());
  std::map<std::string, size_t> first_with_faces;
  for (size_t i = 0; i < sets.size(); ++i) {
    const std::string& faces = sets[i].same_faces_as.empty() ? sets[i].name : sets[i].same_faces_as;
    const auto it = first_with_faces.find(faces);
    if (it != first_with_faces.end()) {
      predicted[i] = predicted[it->second];
      continue;
    }
    predicted[i] = predict(sets[i].examples);
    first_with_faces[faces] = i;
  }
  return predicted;
}

// The dataset fingerprint of a landmark run: every example's image, plus the
// MTFL list files (relative to <root>/mtfl) and each AFW .pts file.
absl::StatusOr<std::string> LandmarkDataFingerprint(
    const std::filesystem::path& data_root, const std::vector<std::string>& mtfl_lists,
    const std::vector<const std::vector<align::LandmarkExample>*>& example_sets);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_LANDMARKS_H_
