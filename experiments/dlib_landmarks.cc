// The landmark peer: dlib's 68-point shape predictor (Debian libdlib-data,
// Kazemi & Sullivan's regression-tree ensemble, trained on iBUG 300-W) on the
// same test faces as our net, through the same 68 -> 5 reduction, recorded
// in the store as experiment "landmarks", run "dlib_68".
//
//   tools/bazel run //experiments:dlib_landmarks
//
// The predictor was trained on boxes from dlib's HOG face detector and is
// sensitive to framing, so each face gets the box that detector finds around
// it: the region 1.6x our box, resized to 240 px, is searched, and the
// detection nearest its centre is used. Where the detector finds nothing the
// face gets our box mapped by the median (scale, offset) of the detections,
// and the share of such faces is reported (eval/<set>/detector_misses).
// This gives dlib its best box; ours sees the dataset's box as is.
//
// Besides the test sets it runs on MTFL's training faces (by source, the
// shifted net_7876 rows left out; --sets picks): dlib was trained on none of
// the MTFL sets, so its offset on each (eval/<set>/offset_x, _y) compares
// the annotation protocols of our training and test labels through a
// neutral model.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv.h>
#include <filesystem>
#include <map>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "facerec/align/landmark_examples.h"
#include "facerec/core/data_root.h"
#include "facerec/core/sha256.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/core/status_macros.h"
#include "facerec/pipeline/landmarks.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(model, "/usr/share/dlib/shape_predictor_68_face_landmarks.dat",
              "dlib 68-point shape predictor (Debian libdlib-data).");

DEFINE_string(sets, "mtfl_test,mtfl_test_minus1px,afw,mtfl_train_lfw,mtfl_train_net",
              "Comma-separated landmark sets (pipeline/landmarks.h: mtfl_test, afw, "
              "mtfl_test_minus1px, mtfl_train_lfw, mtfl_train_net).");

namespace facerec {
namespace {

constexpr double kSearchScale = 1.6;
constexpr int kSearchSize = 240;

struct DlibBox {
  bool detected = false;
  double center_x = 0, center_y = 0, side = 0;  // Photo pixels.
};

// dlib's detection nearest the centre of the region around `box`, in photo pixels.
DlibBox Detect(dlib::frontal_face_detector& detector, const align::LandmarkExample& e) {
  const align::SquareBox region{e.box.center_x, e.box.center_y, e.box.side * kSearchScale};
  const cv::Matx23d m = align::PhotoToCrop(region, kSearchSize);
  cv::Mat crop;
  cv::warpAffine(e.photo, crop, m, cv::Size(kSearchSize, kSearchSize), cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  dlib::cv_image<dlib::rgb_pixel> image(crop);
  const std::vector<dlib::rectangle> found = detector(image);
  DlibBox best;
  double best_distance = 1e18;
  for (const dlib::rectangle& r : found) {
    const double cx = (r.left() + r.right()) / 2.0, cy = (r.top() + r.bottom()) / 2.0;
    const double d = std::hypot(cx - kSearchSize / 2.0, cy - kSearchSize / 2.0);
    if (d < best_distance) {
      best_distance = d;
      const double scale = region.side / kSearchSize;
      best = {true, region.center_x + (cx - kSearchSize / 2.0) * scale,
              region.center_y + (cy - kSearchSize / 2.0) * scale, r.width() * scale};
    }
  }
  return best;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

struct DlibPredictions {
  std::vector<std::vector<data::Point2>> points;  // 5 per face.
  double miss_share = 0;                          // Faces without a detection.
  double median_us = 0;                           // Predictor time per face.
};

DlibPredictions Predict(const std::vector<align::LandmarkExample>& examples,
                        dlib::frontal_face_detector& detector, dlib::shape_predictor& predictor) {
  std::vector<DlibBox> boxes;
  std::vector<double> scales, dx, dy;
  for (const align::LandmarkExample& e : examples) {
    boxes.push_back(Detect(detector, e));
    if (boxes.back().detected) {
      scales.push_back(boxes.back().side / e.box.side);
      dx.push_back((boxes.back().center_x - e.box.center_x) / e.box.side);
      dy.push_back((boxes.back().center_y - e.box.center_y) / e.box.side);
    }
  }
  const double scale = scales.empty() ? 0.7 : Median(scales);
  const double offset_x = Median(dx), offset_y = Median(dy);
  int misses = 0;
  DlibPredictions predicted;
  std::vector<double> microseconds;
  for (size_t i = 0; i < examples.size(); ++i) {
    const align::LandmarkExample& e = examples[i];
    DlibBox b = boxes[i];
    if (!b.detected) {
      ++misses;
      b = {false, e.box.center_x + offset_x * e.box.side, e.box.center_y + offset_y * e.box.side,
           e.box.side * scale};
    }
    const dlib::rectangle rect(static_cast<long>(std::lround(b.center_x - b.side / 2)),
                               static_cast<long>(std::lround(b.center_y - b.side / 2)),
                               static_cast<long>(std::lround(b.center_x + b.side / 2)),
                               static_cast<long>(std::lround(b.center_y + b.side / 2)));
    dlib::cv_image<dlib::rgb_pixel> image(e.photo);
    const auto start = std::chrono::steady_clock::now();
    const dlib::full_object_detection shape = predictor(image, rect);
    microseconds.push_back(std::chrono::duration<double, std::micro>(
                               std::chrono::steady_clock::now() - start).count());
    std::vector<data::Point2> points68;
    for (unsigned k = 0; k < shape.num_parts(); ++k) {
      points68.push_back({static_cast<double>(shape.part(k).x()),
                          static_cast<double>(shape.part(k).y())});
    }
    predicted.points.push_back(data::ReduceIbug68ToFive(points68));
  }
  predicted.miss_share = examples.empty() ? 0 : static_cast<double>(misses) / examples.size();
  predicted.median_us = Median(microseconds);
  return predicted;
}

absl::Status Record(const std::string& name, const std::vector<align::LandmarkExample>& examples,
                    const DlibPredictions& predicted, tracking::Run* run) {
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

  dlib::shape_predictor predictor;
  try {
    dlib::deserialize(FLAGS_model) >> predictor;
  } catch (const std::exception& error) {
    return absl::DataLossError(absl::StrCat(FLAGS_model, ": ", error.what()));
  }
  dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
  std::printf("\n%-18s %6s %8s %10s %8s %10s %10s %12s %10s %10s\n", "dataset", "faces",
              "NME %", "median %", "fail %", "offset x %", "offset y %", "NME-offset %",
              "no det %", "us/face");
  std::map<std::string, DlibPredictions> predicted;  // By set of faces: each predicted once.
  for (const pipeline::LandmarkSet& set : *sets) {
    const std::string& faces = set.same_faces_as.empty() ? set.name : set.same_faces_as;
    auto it = predicted.find(faces);
    if (it == predicted.end()) {
      it = predicted.emplace(faces, Predict(set.examples, detector, predictor)).first;
    }
    FACEREC_RETURN_IF_ERROR(Record(set.name, set.examples, it->second, run));
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
      {.name = "landmarks",
       .usage = "dlib's 68-point shape predictor on the landmark test sets (the peer).",
       .main = facerec::DlibLandmarks});
}
