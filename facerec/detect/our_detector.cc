#include "facerec/detect/our_detector.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <torch/torch.h>

#include "facerec/backbones/batchnorm_fusion.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/image.h"
#include "glog/logging.h"

namespace facerec::detect {

torch::Tensor DetectorInput(const cv::Mat& photo, double scale) {
  cv::Mat rgb;
  cv::cvtColor(photo, rgb, photo.channels() == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB);
  if (scale != 1.0) {
    cv::Mat resized;
    cv::resize(rgb, resized, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    rgb = resized;
  }
  auto up = [](int v) { return (v + kDetectorInputMultiple - 1) / kDetectorInputMultiple * kDetectorInputMultiple; };
  cv::Mat padded;
  cv::copyMakeBorder(rgb, padded, 0, up(rgb.rows) - rgb.rows, 0, up(rgb.cols) - rgb.cols,
                     cv::BORDER_CONSTANT, cv::Scalar(127, 127, 127));
  return data::ImageToTensor(padded).unsqueeze(0);
}

double OurInputScale(const FaceDetectorOptions& options) {
  const FaceDetectorOptions own = WithOwnSmallestFace(options, kOurSmallestFace);
  return own.input_scale * std::max(1.0, kOurReliableFaceSide / own.min_face_size);
}

OurDetector::OurDetector(const DetectorNet& net, const FaceDetectorOptions& options,
                         torch::Device device)
    : OurDetector(
          [fused = backbones::FusedInferenceCopy(net, device), device](const torch::Tensor& input) mutable {
            torch::Tensor x = input.to(device);
            if (device.is_cpu()) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
            torch::NoGradGuard no_grad;
            return fused->forward(x).to(torch::kCPU);
          },
          options) {}

OurDetector::OurDetector(backbones::NetForward forward, const FaceDetectorOptions& options)
    : forward_(std::move(forward)), options_(WithOwnSmallestFace(options, kOurSmallestFace)) {
  CHECK(ValidateFaceDetectorOptions(options).ok()) << ValidateFaceDetectorOptions(options);
}

absl::StatusOr<std::unique_ptr<OurDetector>> OurDetector::Load(const std::string& path,
                                                               const FaceDetectorOptions& options,
                                                               torch::Device device) {
  FACEREC_RETURN_IF_ERROR(ValidateFaceDetectorOptions(options));
  FACEREC_ASSIGN_OR_RETURN(DetectorNet net, LoadDetectorNet(path));
  return std::make_unique<OurDetector>(net, options, device);
}

absl::StatusOr<std::vector<Detection>> OurDetector::Detect(const cv::Mat& photo) {
  FACEREC_RETURN_IF_ERROR(ValidatePhoto(photo));
  const double scale = OurInputScale(options_);
  const torch::Tensor input = DetectorInput(photo, scale).contiguous();
  torch::NoGradGuard no_grad;
  const torch::Tensor raw = forward_(input)[0];
  if (input.size(2) != cells_height_ || input.size(3) != cells_width_) {
    cells_height_ = input.size(2);
    cells_width_ = input.size(3);
    cells_ = DetectorCells(static_cast<int>(cells_height_), static_cast<int>(cells_width_));
  }
  const torch::Tensor& cells = cells_;
  const double floor = std::max(kOurMinCandidateScore, options_.score_threshold);
  const torch::Tensor logits = raw.select(1, 0);
  torch::Tensor keep = (torch::sigmoid(logits) >= floor).nonzero().squeeze(1);
  if (keep.size(0) > kOurMaxCandidates) {
    keep = keep.index_select(0, std::get<1>(logits.index_select(0, keep).topk(kOurMaxCandidates)));
  }
  const DecodedDetections d =
      DecodeDetectorOutput(raw.index_select(0, keep), cells.index_select(0, keep));
  const auto scores = d.scores.accessor<float, 1>();
  const auto boxes = d.boxes.accessor<float, 2>();
  const auto points = d.points.accessor<float, 2>();
  std::vector<Detection> candidates;
  candidates.reserve(keep.size(0));
  for (int64_t i = 0; i < keep.size(0); ++i) {
    Detection det;
    const double x1 = std::clamp<double>(boxes[i][0] / scale, 0, photo.cols);
    const double y1 = std::clamp<double>(boxes[i][1] / scale, 0, photo.rows);
    const double x2 = std::clamp<double>(boxes[i][2] / scale, 0, photo.cols);
    const double y2 = std::clamp<double>(boxes[i][3] / scale, 0, photo.rows);
    if (x2 <= x1 || y2 <= y1) continue;
    det.box = {x1, y1, x2 - x1, y2 - y1};
    det.score = scores[i];
    for (int p = 0; p < 5; ++p) det.points.push_back({points[i][2 * p] / scale, points[i][2 * p + 1] / scale});
    candidates.push_back(std::move(det));
  }
  return FinishDetections(std::move(candidates), options_);
}

}  // namespace facerec::detect
