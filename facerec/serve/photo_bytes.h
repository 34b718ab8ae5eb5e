// Photos as a client sends them: bytes of unknown origin. Their size is read
// from the format's header before anything decodes them, so a small file
// that would decode to a huge bitmap (a "decompression bomb") is refused at
// the cost of reading a few bytes; only then does OpenCV decode.
//
//   PhotoLimits limits;                       // 40 megapixels, 20000 px a side
//   absl::StatusOr<cv::Mat> photo = DecodePhoto(body, limits);
//   if (!photo.ok()) return photo.status();   // says what was wrong, and the limit
//
// Formats: JPEG, PNG, BMP and WebP (what Debian's OpenCV decodes and whose
// header states the size). Anything else is "not an image this server reads".
// A JPEG without its end-of-image marker after the scan, or a PNG without
// its IEND chunk, is truncated: libjpeg would decode it with grey where the
// bytes are missing and say nothing.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_SERVE_PHOTO_BYTES_H_
#define FACEREC_SERVE_PHOTO_BYTES_H_

#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace facerec::serve {

struct PhotoHeader {
  std::string format;  // "jpeg", "png", "bmp" or "webp".
  int64_t width = 0;
  int64_t height = 0;
};

struct PhotoLimits {
  // Largest width × height decoded. Default 40,000,000 (a 7,000 × 5,700
  // photo: more than any phone camera's; OpenCV's own limit is 2^30).
  int64_t max_pixels = 40'000'000;
  // Longest side. Default 20,000.
  int64_t max_side = 20'000;
};

// The format and size from the first bytes (and, for truncation, the last).
// InvalidArgumentError naming what is wrong: empty, not a format this reads
// (with the first bytes in hex), a header cut short, a truncated JPEG or PNG,
// a zero size.
absl::StatusOr<PhotoHeader> ReadPhotoHeader(absl::string_view bytes);

// ReadPhotoHeader, the limits (OutOfRangeError naming the size and the
// limit), then decoding into 8-bit BGR (InvalidArgumentError when OpenCV
// cannot).
absl::StatusOr<cv::Mat> DecodePhoto(absl::string_view bytes, const PhotoLimits& limits);

}  // namespace facerec::serve

#endif  // FACEREC_SERVE_PHOTO_BYTES_H_
