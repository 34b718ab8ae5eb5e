// Do MTFL's training labels and the test sets' labels mark the same spots?
// A model-free check (align/label_audit.h): for every set and point, the
// mean grey patch around the labels, and how far its labels sit from the
// training protocol's (MTFL training rows, shifted rows left out) on the same
// content, in % of the eye distance and in the set's pixels. Recorded in the
// store as experiment audit_landmark_labels, run "label_audit".
//
//   tools/bazel run //experiments:audit_landmark_labels
//
// Rows: the reference's own two halves (the audit's noise floor), the
// reference against its mirror image (where its labels sit relative to
// OpenCV's pixel centres), each training source, the test sets, and the AFLW
// test faces in thirds by eye distance. A pixel convention (labels 1-based, say) moves every point by
// the same number of pixels, so its share of the eye distance falls as faces
// grow; a protocol difference (what "eye centre" means) is a constant share.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/align/label_audit.h"
#include "facerec/align/landmark_crops.h"
#include "facerec/core/data_root.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/core/status_macros.h"
#include "facerec/pipeline/landmarks.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "facerec/tracking/experiment_names.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(sets, "mtfl_train_lfw,mtfl_train_net,mtfl_train_pose,mtfl_test,mtfl_test_minus1px,afw",
              "Comma-separated landmark sets to audit (pipeline/landmarks.h); the reference is "
              "always mtfl_train_lfw + mtfl_train_net.");
DEFINE_int32(patch_side, 33, "Mean patch side in patch pixels (odd).");
DEFINE_double(eye_distance, 16, "Patch pixels per eye distance.");
DEFINE_int32(size_bins, 3, "The AFLW test faces are also audited in this many eye-distance bins.");

namespace facerec {
namespace {

double EyeDistance(const align::LandmarkExample& e) {
  return std::hypot(e.points[1].x - e.points[0].x, e.points[1].y - e.points[0].y);
}

double MedianEyeDistance(const std::vector<align::LandmarkExample>& faces) {
  std::vector<double> d;
  for (const auto& e : faces) d.push_back(EyeDistance(e));
  std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
  return d[d.size() / 2];
}

// Audits `faces` against the reference patches, prints a row, records it.
absl::Status AuditRow(const std::string& name, const std::vector<align::LandmarkExample>& faces,
                      const std::vector<cv::Mat>& reference, const align::LabelAuditOptions& options,
                      tracking::Run* run) {
  const std::vector<cv::Mat> patches = align::MeanPointPatches(faces, options);
  data::Point2 mean;
  std::string per_point;
  for (int k = 0; k < 5; ++k) {
    const data::Point2 shift = align::LabelShift(reference[k], patches[k], options);
    mean.x += shift.x / 5;
    mean.y += shift.y / 5;
    absl::StrAppend(&per_point, absl::StrFormat(" %+5.1f,%+5.1f", 100 * shift.x, 100 * shift.y));
    const std::string key = absl::StrCat("audit/", name, "/", data::kFivePointNames[k]);
    FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/x", 0, shift.x));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/y", 0, shift.y));
  }
  const double eyes = MedianEyeDistance(faces);
  const std::string key = absl::StrCat("audit/", name);
  FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/x", 0, mean.x));
  FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/y", 0, mean.y));
  FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/faces", 0, faces.size()));
  FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/median_eye_distance_px", 0, eyes));
  std::printf("%-22s %6zu %7.1f %7.2f %7.2f %7.2f %7.2f %s\n", name.c_str(), faces.size(), eyes,
              100 * mean.x, 100 * mean.y, mean.x * eyes, mean.y * eyes, per_point.c_str());
  return absl::OkStatus();
}

absl::Status AuditLandmarkLabels(experiment::Experiment& e) {
  FACEREC_ASSIGN_OR_RETURN(std::filesystem::path root, e.DataRoot());
  if (FLAGS_patch_side < 9 || FLAGS_patch_side % 2 == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--patch_side=", FLAGS_patch_side, ": must be odd and at least 9"));
  }
  if (FLAGS_eye_distance <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("--eye_distance=", FLAGS_eye_distance, ": must be > 0"));
  }
  if (FLAGS_size_bins < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--size_bins=", FLAGS_size_bins, ": must be >= 0"));
  }
  absl::StatusOr<std::vector<pipeline::LandmarkSet>> sets =
      pipeline::LoadLandmarkSets(root, FLAGS_sets, 2);
  if (!sets.ok()) {
    return absl::Status(sets.status().code(), absl::StrCat("--sets: ", sets.status().message()));
  }
  // The reference is loaded on its own so it does not depend on --sets.
  FACEREC_ASSIGN_OR_RETURN(std::vector<pipeline::LandmarkSet> reference_sets,
                           pipeline::LoadLandmarkSets(root, "mtfl_train_lfw,mtfl_train_net", 2));
  std::vector<align::LandmarkExample> reference_faces;
  std::vector<const pipeline::LandmarkSet*> all_sets;
  for (const pipeline::LandmarkSet& set : reference_sets) {
    reference_faces.insert(reference_faces.end(), set.examples.begin(), set.examples.end());
    all_sets.push_back(&set);
  }
  for (const pipeline::LandmarkSet& set : *sets) all_sets.push_back(&set);
  tracking::RunOptions run_options;
  run_options.name = "label_audit";
  run_options.params = {{"sets", FLAGS_sets},
                        {"reference", "mtfl_train_lfw+mtfl_train_net"},
                        {"patch_side", absl::StrCat(FLAGS_patch_side)},
                        {"eye_distance", absl::StrCat(FLAGS_eye_distance)},
                        {"size_bins", absl::StrCat(FLAGS_size_bins)}};
  FACEREC_ASSIGN_OR_RETURN(run_options.dataset_fingerprint,
                           pipeline::LandmarkSetsFingerprint(root, all_sets));
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));

  align::LabelAuditOptions options;
  options.patch_side = FLAGS_patch_side;
  options.eye_distance = FLAGS_eye_distance;
  const std::vector<cv::Mat> reference = align::MeanPointPatches(reference_faces, options);
  std::printf("\nShift of each set's labels from MTFL's training labels on the same content (x right, "
              "y down)\n%-22s %6s %7s %7s %7s %7s %7s %s\n", "set", "faces", "eyes px", "x %eye",
              "y %eye", "x px", "y px", " per point x,y %eye: L eye, R eye, nose, L mouth, R mouth");
  auto record = [&](const std::string& name, const std::vector<align::LandmarkExample>& faces) {
    return AuditRow(name, faces, reference, options, run);
  };
  absl::Status status;
  {
    // Noise floor: the reference's even rows against its odd rows.
    std::vector<align::LandmarkExample> even, odd;
    for (size_t i = 0; i < reference_faces.size(); ++i) (i % 2 ? odd : even).push_back(reference_faces[i]);
    const std::vector<cv::Mat> even_patches = align::MeanPointPatches(even, options);
    status = AuditRow("reference_odd_vs_even", odd, even_patches, options, run);
  }
  if (status.ok()) {
    // The reference mirrored (photo flipped, x -> width - 1 - x in OpenCV's
    // pixel-centre convention, left and right swapped). Faces are symmetric
    // on average, so labels on pixel centres measure 0 here; labels d px
    // right of the centres they mean measure -2d in x, and a net trained
    // with mirrored crops learns the average of +d and -d: a bias of -d.
    status = record("reference_mirrored", align::MirrorExamples(reference_faces));
  }
  for (const pipeline::LandmarkSet& set : *sets) {
    if (!status.ok()) break;
    status = record(set.name, set.examples);
    if (status.ok() && set.name == "mtfl_test" && FLAGS_size_bins > 1) {
      std::vector<align::LandmarkExample> by_size = set.examples;
      std::sort(by_size.begin(), by_size.end(), [](const auto& a, const auto& b) {
        return EyeDistance(a) < EyeDistance(b);
      });
      for (int bin = 0; bin < FLAGS_size_bins && status.ok(); ++bin) {
        const size_t begin = by_size.size() * bin / FLAGS_size_bins;
        const size_t end = by_size.size() * (bin + 1) / FLAGS_size_bins;
        status = record(absl::StrCat(set.name, "_size", bin + 1, "of", FLAGS_size_bins),
                        {by_size.begin() + begin, by_size.begin() + end});
      }
    }
  }
  if (status.ok()) {
    std::printf("\nx px, y px: the mean shift times the set's median eye distance, in the set's "
                "own pixels.\n");
    std::fflush(stdout);
  }
  return status;
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kAuditLandmarkLabels,
       .usage = "Model-free audit: do the landmark sets' labels mark the spots MTFL's "
                "training labels mark?",
       .main = facerec::AuditLandmarkLabels});
}
