// ONNX export of facerec's trained nets, for programs that are not facerec
// (OpenCV's dnn module, onnxruntime). The graph is built from the net's
// weights with BatchNorm folded in; its metadata names the kind, the input
// contract, the opset and the input size it was exported at.
//
//   FACEREC_ASSIGN_OR_RETURN(onnx::ModelProto m,
//                            ExportModelToOnnx(tracking::ModelKind::kLandmarks, "models/facerec-landmarks.pt"));
//   FACEREC_RETURN_IF_ERROR(WriteOnnxModel(m, "landmarks.onnx"));
//
// Kinds: the detector (detect/detector_net.h: the raw per-cell output; decoding
// and NMS stay with the caller), landmarks (align/landmark_net.h) and
// recognisers with an IResNet backbone (backbones/backbone.h; other
// backbones: UnimplementedError).
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_EXPORT_ONNX_EXPORT_H_
#define FACEREC_EXPORT_ONNX_EXPORT_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "facerec/align/landmark_net.h"
#include "facerec/backbones/embedding_net.h"
#include "facerec/detect/detector_net.h"
#include "facerec/tracking/model_registry.h"
#include "onnx/onnx_pb.h"

namespace facerec::exporting {

// The trained landmark net: [N, 3, S, S] RGB in [0, 1] -> [N, 5, 2] points
// as fractions of the crop's side (the net's own forward()). `net` is
// changed: its BatchNorm is folded in (FuseBatchNorm).
absl::StatusOr<onnx::ModelProto> LandmarkNetToOnnx(align::LandmarkNet net,
                                                   const std::map<std::string, std::string>& metadata);

// A recogniser's backbone: [N, 3, H, W] RGB in [0, 1] -> [N, D], the raw
// embedding (the caller adds the mirrored crop's when net.flip_test, then
// L2-normalises, as chain::FaceEmbedder does). IResNet backbones only.
absl::StatusOr<onnx::ModelProto> EmbeddingNetToOnnx(const backbones::EmbeddingNet& net,
                                                    const std::map<std::string, std::string>& metadata);

// Our detector at a fixed input of `height` x `width` (multiples of 32):
// [N, 3, H, W] RGB in [0, 1] -> [N, A, 15], the net's own forward(). `net`
// is changed: its BatchNorm is folded in.
absl::StatusOr<onnx::ModelProto> DetectorNetToOnnx(detect::DetectorNet net, int height, int width,
                                                   const std::map<std::string, std::string>& metadata);

// The model file at `path`, loaded as `kind` and exported (a detector at
// `detector_height` x `detector_width`). DataLossError naming the file when
// it is not a model of that kind.
absl::StatusOr<onnx::ModelProto> ExportModelToOnnx(tracking::ModelKind kind, const std::string& path,
                                                   int detector_height = 480, int detector_width = 640);

}  // namespace facerec::exporting

#endif  // FACEREC_EXPORT_ONNX_EXPORT_H_
