#include "facerec/export/opencv_dnn.h"

#include <vector>

#include <opencv2/dnn.hpp>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "facerec/backbones/embedding_net.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/detect/detector_net.h"
#include "facerec/export/onnx_export.h"

namespace facerec::exporting {

absl::StatusOr<backbones::NetForward> OpenCvDnnForward(const onnx::ModelProto& model) {
  std::string bytes;
  if (!model.SerializeToString(&bytes)) return absl::InternalError("cannot serialise the ONNX model");
  auto net = std::make_shared<cv::dnn::Net>();
  try {
    *net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("OpenCV cannot read the exported model: ", e.what()));
  }
  if (net->empty()) return absl::InternalError("OpenCV read an empty network");
  return backbones::NetForward([net](const at::Tensor& input) {
    const at::Tensor x = input.to(at::kCPU, at::kFloat).contiguous();
    std::vector<int> dims(x.sizes().begin(), x.sizes().end());
    const cv::Mat blob(static_cast<int>(dims.size()), dims.data(), CV_32F, const_cast<float*>(x.data_ptr<float>()));
    net->setInput(blob);
    const cv::Mat out = net->forward();
    std::vector<int64_t> sizes(out.size.p, out.size.p + out.dims);
    return torch::from_blob(const_cast<float*>(out.ptr<float>()), sizes, torch::kFloat32).clone();
  });
}

absl::StatusOr<std::unique_ptr<detect::OurDetector>> OpenCvDnnDetector(const std::string& path,
                                                                       const detect::FaceDetectorOptions& options) {
  FACEREC_RETURN_IF_ERROR(detect::ValidateFaceDetectorOptions(options));
  // Exported at 640x480; OpenCV reshapes the fully convolutional graph to
  // each padded photo's size (tests/export:onnx_export_test checks sizes).
  FACEREC_ASSIGN_OR_RETURN(const onnx::ModelProto model,
                           ExportModelToOnnx(tracking::ModelKind::kDetector, path, 480, 640));
  FACEREC_ASSIGN_OR_RETURN(backbones::NetForward forward, OpenCvDnnForward(model));
  return std::make_unique<detect::OurDetector>(std::move(forward), options);
}

absl::StatusOr<align::LandmarkDetector> OpenCvDnnLandmarkDetector(const std::string& path,
                                                                  align::LandmarkDetectorOptions options) {
  FACEREC_ASSIGN_OR_RETURN(align::LandmarkNet net, align::LoadLandmarkNet(path));
  const int input_size = net->options().input_size;
  FACEREC_ASSIGN_OR_RETURN(const onnx::ModelProto model, LandmarkNetToOnnx(net, {}));
  FACEREC_ASSIGN_OR_RETURN(backbones::NetForward forward, OpenCvDnnForward(model));
  return align::LandmarkDetector(std::move(forward), input_size, options);
}

absl::StatusOr<chain::FaceEmbedder> OpenCvDnnEmbedder(const std::string& path) {
  FACEREC_ASSIGN_OR_RETURN(const backbones::EmbeddingNet net, backbones::LoadEmbeddingNet(path));
  FACEREC_ASSIGN_OR_RETURN(std::string sha256, Sha256OfFile(path));
  FACEREC_ASSIGN_OR_RETURN(const onnx::ModelProto model, EmbeddingNetToOnnx(net, {}));
  FACEREC_ASSIGN_OR_RETURN(backbones::NetForward forward, OpenCvDnnForward(model));
  return chain::FaceEmbedder(std::move(forward), net, std::move(sha256));
}

}  // namespace facerec::exporting
