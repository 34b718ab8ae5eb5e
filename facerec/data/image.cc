#include "facerec/data/image.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>
#include <torch/torch.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "facerec/core/file_bytes.h"
#include "glog/logging.h"

namespace facerec::data {
namespace {

bool LooksLikeJpeg(absl::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
         static_cast<unsigned char>(bytes[1]) == 0xD8;
}

// True when the JPEG ends with its EOI marker (FF D9), ignoring trailing
// padding some writers add.
bool JpegHasEndMarker(absl::string_view bytes) {
  size_t end = bytes.size();
  while (end > 0 && (bytes[end - 1] == '\0' || absl::ascii_isspace(bytes[end - 1]))) --end;
  return end >= 4 && static_cast<unsigned char>(bytes[end - 2]) == 0xFF &&
         static_cast<unsigned char>(bytes[end - 1]) == 0xD9;
}

}  // namespace

absl::StatusOr<cv::Mat> DecodeRgbImage(absl::string_view bytes, const std::string& name) {
  if (bytes.empty()) return absl::DataLossError(absl::StrCat(name, ": empty file"));
  if (LooksLikeJpeg(bytes) && !JpegHasEndMarker(bytes)) {
    return absl::DataLossError(absl::StrCat(name, ": truncated JPEG (no end-of-image marker)"));
  }
  const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                       const_cast<char*>(bytes.data()));
  cv::Mat bgr;
  try {
    bgr = cv::imdecode(buffer, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    return absl::DataLossError(absl::StrCat(name, ": cannot decode image: ", e.what()));
  }
  if (bgr.empty()) {
    return absl::DataLossError(absl::StrCat(name, ": cannot decode image (corrupt or unknown "
                                                  "format, ", bytes.size(), " bytes)"));
  }
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

absl::StatusOr<cv::Mat> ReadRgbImage(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  return DecodeRgbImage(*bytes, path);
}

absl::StatusOr<cv::Mat> CropIdRateWindow(const cv::Mat& aligned_rgb) {
  if (aligned_rgb.cols != kCelebaWidth || aligned_rgb.rows != kCelebaHeight) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ID-rate window needs a ", kCelebaWidth, "x", kCelebaHeight, " aligned image, got ",
        aligned_rgb.cols, "x", aligned_rgb.rows));
  }
  return aligned_rgb(kIdRateWindow);
}

torch::Tensor ImageToTensor(const cv::Mat& rgb) {
  CHECK_EQ(rgb.type(), CV_8UC3) << "ImageToTensor wants 8-bit, 3-channel images";
  cv::Mat contiguous = rgb.isContinuous() ? rgb : rgb.clone();
  torch::Tensor hwc = torch::from_blob(contiguous.data, {contiguous.rows, contiguous.cols, 3},
                                       torch::kUInt8);
  // permute + to(float) copies, so the result owns its memory.
  return hwc.permute({2, 0, 1}).to(torch::kFloat32).div_(255.0f);
}

}  // namespace facerec::data
