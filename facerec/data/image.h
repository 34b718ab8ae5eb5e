// Image decoding (OpenCV), the ID-rate crop window, and conversion to float
// tensors.
//
//   FACEREC_ASSIGN_OR_RETURN(cv::Mat rgb, ReadRgbImage(path));        // 218x178x3 uint8
//   FACEREC_ASSIGN_OR_RETURN(cv::Mat face, CropIdRateWindow(rgb));    // 100x83x3, a view
//   torch::Tensor x = ImageToTensor(face);                            // 3x100x83 float in [0,1]
//
// ReadRgbImage tells apart a missing file (NotFound), an empty file and a
// corrupt or truncated image (DataLoss), each naming the file. libjpeg decodes
// a truncated JPEG without complaint (the missing rows come out grey), so a
// JPEG must also end with its end-of-image marker.
#ifndef FACEREC_DATA_IMAGE_H_
#define FACEREC_DATA_IMAGE_H_

#include <ATen/core/Tensor.h>

#include <opencv2/core.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace facerec::data {

// The aligned CelebA training images.
inline constexpr int kCelebaWidth = 178;
inline constexpr int kCelebaHeight = 218;
// The celebA_ir query and distractor crops (83x100) are this window of the
// 178x218 aligned images: rows 75..174, columns 44..126. Training on the same
// window keeps the ID rate measured on the crop the net learnt.
inline const cv::Rect kIdRateWindow(/*x=*/44, /*y=*/75, /*width=*/83, /*height=*/100);

// Decodes an image file to 8-bit RGB.
absl::StatusOr<cv::Mat> ReadRgbImage(const std::string& path);
// Same, from bytes already read; `name` is used in errors.
absl::StatusOr<cv::Mat> DecodeRgbImage(absl::string_view bytes, const std::string& name);

// The kIdRateWindow of a 178x218 image (a view, no copy). InvalidArgument when
// the image has another size.
absl::StatusOr<cv::Mat> CropIdRateWindow(const cv::Mat& aligned_rgb);

// HxWx3 uint8 RGB -> 3xHxW float32 in [0, 1] (owns its memory).
at::Tensor ImageToTensor(const cv::Mat& rgb);

}  // namespace facerec::data

#endif  // FACEREC_DATA_IMAGE_H_
