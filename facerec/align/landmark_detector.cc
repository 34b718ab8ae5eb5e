#include "facerec/align/landmark_detector.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "facerec/backbones/batchnorm_fusion.h"
#include "facerec/data/face_batches.h"
#include "glog/logging.h"

namespace facerec::align {

absl::Status SaveLandmarkNet(LandmarkNet net, const std::string& path) {
  const LandmarkNetOptions& o = net->options();
  const std::string temporary = path + ".tmp";
  try {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    torch::serialize::OutputArchive archive;
    archive.write("options", torch::tensor({static_cast<int64_t>(o.input_size),
                                            static_cast<int64_t>(o.base_width),
                                            static_cast<int64_t>(o.hidden),
                                            static_cast<int64_t>(o.head)}));
    net->save(archive);
    archive.save_to(temporary);
    std::filesystem::rename(temporary, path);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(path, ": cannot save the landmark net: ", e.what()));
  }
  return absl::OkStatus();
}

absl::StatusOr<LandmarkNet> LoadLandmarkNet(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such landmark model"));
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    torch::Tensor options;
    archive.read("options", options);
    LandmarkNetOptions o;
    o.input_size = static_cast<int>(options[0].item<int64_t>());
    o.base_width = static_cast<int>(options[1].item<int64_t>());
    o.hidden = static_cast<int>(options[2].item<int64_t>());
    if (o.input_size < 16 || o.input_size % 16 != 0 || o.base_width < 1 || o.hidden < 1) {
      return absl::DataLossError(absl::StrCat(path, ": impossible landmark net shape (input ", o.input_size,
                                              ", base width ", o.base_width, ", hidden ", o.hidden, ")"));
    }
    // Files saved before the soft-argmax head have 3 options: regression nets.
    o.head = LandmarkHead::kRegression;
    if (options.numel() > 3) {
      const int64_t head = options[3].item<int64_t>();
      if (head != static_cast<int64_t>(LandmarkHead::kRegression) &&
          head != static_cast<int64_t>(LandmarkHead::kSoftArgmax)) {
        return absl::DataLossError(absl::StrCat(path, ": unknown landmark head ", head));
      }
      o.head = static_cast<LandmarkHead>(head);
    }
    LandmarkNet net(o);
    net->load(archive);
    return net;
  } catch (const std::exception& e) {
    // LibTorch's messages go on with a backtrace: the first line says it.
    const absl::string_view reason(e.what());
    return absl::DataLossError(absl::StrCat(path, ": not a landmark model: ", reason.substr(0, reason.find('\n'))));
  }
}

SquareBox RefinementBox(const std::vector<data::Point2>& points) {
  return BoxAroundFivePoints(points, kRefineEyeMouthFraction);
}

double EyeLineDegrees(const std::vector<data::Point2>& points) {
  CHECK_GE(points.size(), 2u);
  return std::atan2(points[1].y - points[0].y, points[1].x - points[0].x) * 180.0 / M_PI;
}


LandmarkDetector::LandmarkDetector(const LandmarkNet& net, torch::Device device,
                                   LandmarkDetectorOptions options)
    : LandmarkDetector(
          [fused = backbones::FusedInferenceCopy(net, device), device](const torch::Tensor& batch) mutable {
            torch::Tensor x = batch.to(device);
            if (device.is_cpu()) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
            return fused->forward(x).to(torch::kCPU);
          },
          net->options().input_size, options) {}

LandmarkDetector::LandmarkDetector(backbones::NetForward forward, int input_size, LandmarkDetectorOptions options)
    : forward_(std::move(forward)), input_size_(input_size), options_(options) {}

absl::StatusOr<LandmarkDetector> LandmarkDetector::Load(const std::string& path,
                                                        torch::Device device,
                                                        LandmarkDetectorOptions options) {
  absl::StatusOr<LandmarkNet> net = LoadLandmarkNet(path);
  if (!net.ok()) return net.status();
  return LandmarkDetector(*net, device, options);
}

std::vector<data::Point2> LandmarkDetector::Detect(const cv::Mat& photo, const SquareBox& box) {
  return Detect(std::vector<cv::Mat>{photo}, std::vector<SquareBox>{box})[0];
}

std::vector<std::vector<data::Point2>> LandmarkDetector::Detect(const std::vector<cv::Mat>& photos,
                                                                const std::vector<SquareBox>& boxes) {
  CHECK_EQ(photos.size(), boxes.size());
  // Chunks bound the memory of one forward pass; callers pass any number.
  constexpr size_t kMaxBatch = 256;
  std::vector<std::vector<data::Point2>> all;
  all.reserve(photos.size());
  for (size_t start = 0; start < photos.size(); start += kMaxBatch) {
    const size_t end = std::min(photos.size(), start + kMaxBatch);
    const std::vector<cv::Mat> chunk(photos.begin() + start, photos.begin() + end);
    std::vector<SquareBox> pass_boxes(boxes.begin() + start, boxes.begin() + end);
    std::vector<double> angles(pass_boxes.size(), 0.0);
    std::vector<std::vector<data::Point2>> points;
    for (int pass = 0; pass <= options_.refine_passes; ++pass) {
      if (pass > 0) {
        for (size_t i = 0; i < points.size(); ++i) {
          pass_boxes[i] = RefinementBox(points[i]);
          if (options_.upright_refinement) angles[i] = EyeLineDegrees(points[i]);
        }
      }
      // Only the last pass is flip-averaged: earlier ones just place the next
      // crop, and the re-crop absorbs their small errors.
      points = DetectOnce(chunk, pass_boxes, angles,
                          options_.flip_average && pass == options_.refine_passes);
    }
    for (auto& p : points) all.push_back(std::move(p));
  }
  return all;
}

std::vector<std::vector<data::Point2>> LandmarkDetector::DetectOnce(
    const std::vector<cv::Mat>& photos, const std::vector<SquareBox>& boxes,
    const std::vector<double>& angles, bool flip_average) {
  CHECK_EQ(photos.size(), boxes.size());
  CHECK_EQ(photos.size(), angles.size());
  if (photos.empty()) return {};
  // InferenceMode rather than NoGradGuard: the tensors never meet autograd,
  // so they skip its bookkeeping too.
  c10::InferenceMode inference;
  const int size = input_size_;
  std::vector<cv::Mat> crops;
  crops.reserve(photos.size());
  for (size_t i = 0; i < photos.size(); ++i) crops.push_back(CropOfBox(photos[i], boxes[i], size, angles[i]));
  const size_t n = crops.size();
  torch::Tensor batch = data::ImagesToBatch(crops);
  // Mirrored copies after the originals: flipping the width axis maps pixel
  // column c to size - 1 - c, as cv::flip would.
  if (flip_average) batch = torch::cat({batch, batch.flip({3})});
  const torch::Tensor predicted = forward_(batch.contiguous()).to(torch::kFloat64);
  const auto p = predicted.accessor<double, 3>();
  std::vector<std::vector<data::Point2>> out(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<data::Point2> in_crop;
    for (int k = 0; k < 5; ++k) in_crop.push_back({p[i][k][0], p[i][k][1]});
    if (flip_average) {
      // Undo the mirror (column c -> size - 1 - c), then swap the mirrored
      // face's left and right points back.
      std::vector<data::Point2> mirrored;
      for (int k = 0; k < 5; ++k) {
        mirrored.push_back({(size - 1.0) / size - p[n + i][k][0], p[n + i][k][1]});
      }
      mirrored = SwapLeftRight(mirrored);
      for (int k = 0; k < 5; ++k) {
        in_crop[k] = {(in_crop[k].x + mirrored[k].x) / 2, (in_crop[k].y + mirrored[k].y) / 2};
      }
    }
    out[i] = CropToPhoto(boxes[i], in_crop, angles[i]);
  }
  return out;
}

}  // namespace facerec::align
