// The chain's stages computed by OpenCV's dnn module instead of LibTorch:
// each model file is exported to ONNX in memory (onnx_export.h) and read by
// cv::dnn; the stage's pre- and post-processing is the LibTorch stage's own
// (backbones/net_forward.h). The model files, and so their sha256 (what
// galleries record), are the same for both backends.
//
//   FACEREC_ASSIGN_OR_RETURN(chain::FaceEmbedder embedder, OpenCvDnnEmbedder("models/facerec-arcface.pt"));
//   at::Tensor e = embedder.Embed({crop});  // As FaceEmbedder::Load(path).Embed, to ~1e-6.
//
// Thread-safety: a cv::dnn::Net is not re-entrant; each stage made here is
// used from one thread, as the LibTorch stages are.
#ifndef FACEREC_EXPORT_OPENCV_DNN_H_
#define FACEREC_EXPORT_OPENCV_DNN_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/backbones/net_forward.h"
#include "facerec/chain/face_embedder.h"
#include "facerec/detect/our_detector.h"
#include "onnx/onnx_pb.h"

namespace facerec::exporting {

// `model` in OpenCV's dnn module (default backend and target: the CPU).
// InternalError when OpenCV cannot read it.
absl::StatusOr<backbones::NetForward> OpenCvDnnForward(const onnx::ModelProto& model);

absl::StatusOr<std::unique_ptr<detect::OurDetector>> OpenCvDnnDetector(const std::string& path,
                                                                       const detect::FaceDetectorOptions& options);
absl::StatusOr<align::LandmarkDetector> OpenCvDnnLandmarkDetector(const std::string& path,
                                                                  align::LandmarkDetectorOptions options = {});
absl::StatusOr<chain::FaceEmbedder> OpenCvDnnEmbedder(const std::string& path);

}  // namespace facerec::exporting

#endif  // FACEREC_EXPORT_OPENCV_DNN_H_
