// Detections made by another program (a peer's detector that runs outside
// facerec, such as face-api.js's SSD in Node), brought back so the very
// evaluation that scores our detectors scores them: the same photos, the same
// matching, the same AP.
//
//   // 1. The photos, decoded as the evaluation decodes them, for the peer:
//   FACEREC_RETURN_IF_ERROR(ExportDetectionPhotos(sets, data_root, "/tmp/photos"));
//   // 2. The peer writes one row per photo of /tmp/photos/photos.tsv
//   //    (benchmarks/ssd_anchor/detect.mjs). 3. Scored:
//   FACEREC_ASSIGN_OR_RETURN(ExternalDetections ssd, ReadExternalDetections("ssd.tsv"));
//   FACEREC_ASSIGN_OR_RETURN(DetectorEvaluation e,
//                            EvaluateExternalDetections(ssd, sets[0], data_root, {}));
//
// The photo list, DIR/photos.tsv, tab-separated with a header line:
//   set  photo  file  width  height
// `photo` is the image's path relative to the data root (its identity in both
// files); `file` the exported PNG relative to DIR (what OpenCV's imread gave,
// in RGB order once decoded by any PNG reader: no EXIF rotation or JPEG
// decoder left to differ); width and height in pixels.
//
// The detections file, tab-separated, one row per photo, '#' lines are
// comments; the comment lines "# key=value" describe the peer (its model,
// runtime, threshold) and are kept as `description`:
//   set  photo  ms  detections
// `ms` is the peer's own time for the photo (its clock, its runtime: compare
// it with nothing measured elsewhere); `detections` is empty or
// "x,y,width,height,score" items joined by ';', photo pixels.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_DETECT_EXTERNAL_DETECTIONS_H_
#define FACEREC_DETECT_EXTERNAL_DETECTIONS_H_

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "facerec/detect/detection_evaluation.h"
#include "facerec/detect/detection_sets.h"
#include "facerec/detect/face_detector.h"

namespace facerec::detect {

struct ExternalPhoto {
  double ms = 0;                     // The peer's time for this photo.
  std::vector<Detection> detections;  // Boxes and scores (no points).
};

struct ExternalDetections {
  // The "# key=value" comment lines, in file order of first appearance.
  std::map<std::string, std::string> description;
  // By (set, photo relative to the data root).
  std::map<std::pair<std::string, std::string>, ExternalPhoto> photos;
};

// Writes DIR/photos.tsv and DIR/<set>/<index>.png for every photo of `sets`
// (their order). `dir` must not exist or be empty (InvalidArgumentError
// otherwise). A photo OpenCV cannot decode is left out, as the evaluation
// leaves it out. Returns the number of photos written.
absl::StatusOr<int64_t> ExportDetectionPhotos(const std::vector<DetectionSet>& sets,
                                             const std::filesystem::path& data_root,
                                             const std::filesystem::path& dir);

// NotFoundError when the file cannot be opened; InvalidArgumentError naming
// file and line for a malformed row, a non-finite or negative number, a box
// without area, or a photo listed twice.
absl::StatusOr<ExternalDetections> ReadExternalDetections(const std::string& path);

// `set` scored from `detections`' rows for it, exactly as EvaluateDetector
// scores a detector (median_ms_per_photo is the peer's). Every photo of the
// set that OpenCV decodes needs a row: NotFoundError naming the first one
// without (a peer that stopped half-way is not a result).
absl::StatusOr<DetectorEvaluation> EvaluateExternalDetections(const ExternalDetections& detections,
                                                              const DetectionSet& set,
                                                              const std::filesystem::path& data_root,
                                                              const DetectionEvaluationOptions& options);

// One peer's detections as a command line names them: NAME=FILE.
struct NamedExternalDetections {
  std::string name;
  std::string sha256;  // Of the file: what a run records, not its path.
  ExternalDetections detections;
};

// "NAME=FILE,NAME=FILE" (what evaluate_detectors and train_detector take as
// --external_detections), each FILE relative to `base` unless absolute, read
// and hashed. InvalidArgumentError for an item that is not NAME=FILE or a
// name given twice; ReadExternalDetections' errors. Empty text gives none.
absl::StatusOr<std::vector<NamedExternalDetections>> ReadNamedExternalDetections(
    absl::string_view list, const std::filesystem::path& base);

}  // namespace facerec::detect

#endif  // FACEREC_DETECT_EXTERNAL_DETECTIONS_H_
