#include "facerec/serve/photo_bytes.h"

#include <opencv2/imgcodecs.hpp>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace facerec::serve {
namespace {

uint32_t BigEndian32(absl::string_view b, size_t at) {
  return (uint32_t{static_cast<uint8_t>(b[at])} << 24) | (uint32_t{static_cast<uint8_t>(b[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[at + 2])} << 8) | uint32_t{static_cast<uint8_t>(b[at + 3])};
}
uint32_t BigEndian16(absl::string_view b, size_t at) {
  return (uint32_t{static_cast<uint8_t>(b[at])} << 8) | uint32_t{static_cast<uint8_t>(b[at + 1])};
}
uint32_t LittleEndian(absl::string_view b, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[at + i]);
  return v;
}

absl::Status Bad(absl::string_view why) { return absl::InvalidArgumentError(std::string(why)); }

absl::StatusOr<PhotoHeader> Png(absl::string_view b) {
  // Signature (8), then the first chunk must be IHDR: length 13, type, width, height.
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return Bad("PNG header cut short (no IHDR chunk)");
  if (b.size() < 12 || b.substr(b.size() - 12 + 4, 4) != "IEND") {
    return Bad("truncated PNG (it does not end with an IEND chunk)");
  }
  return PhotoHeader{"png", BigEndian32(b, 16), BigEndian32(b, 20)};
}

absl::StatusOr<PhotoHeader> Jpeg(absl::string_view b) {
  size_t at = 2;
  while (at + 4 <= b.size()) {
    if (static_cast<uint8_t>(b[at]) != 0xFF) return Bad("malformed JPEG (a segment does not start with 0xFF)");
    const uint8_t marker = static_cast<uint8_t>(b[at + 1]);
    if (marker == 0xFF) {  // Fill byte.
      ++at;
      continue;
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      at += 2;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return Bad("malformed JPEG (scan before any frame header)");
    const uint32_t length = BigEndian16(b, at + 2);
    if (length < 2) return Bad("malformed JPEG (segment length under 2)");
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (at + 9 > b.size()) return Bad("JPEG frame header cut short");
      PhotoHeader h{"jpeg", BigEndian16(b, at + 7), BigEndian16(b, at + 5)};
      // In entropy-coded data 0xFF is always followed by 0x00 or a restart
      // marker, so FF D9 after the frame header can only be the end of image.
      if (b.find("\xFF\xD9", at + 2 + length) == absl::string_view::npos) {
        return Bad("truncated JPEG (no end-of-image marker after the scan)");
      }
      return h;
    }
    at += 2 + length;
  }
  return Bad("JPEG header cut short (no frame header)");
}

absl::StatusOr<PhotoHeader> Bmp(absl::string_view b) {
  if (b.size() < 26) return Bad("BMP header cut short");
  const int32_t width = static_cast<int32_t>(LittleEndian(b, 18, 4));
  const int32_t height = static_cast<int32_t>(LittleEndian(b, 22, 4));
  // A negative height means rows stored top-down.
  return PhotoHeader{"bmp", width < 0 ? -int64_t{width} : width, height < 0 ? -int64_t{height} : height};
}

absl::StatusOr<PhotoHeader> Webp(absl::string_view b) {
  if (b.size() < 30) return Bad("WebP header cut short");
  const absl::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8 ") {  // Lossy: 14-bit sizes after the frame tag and start code.
    return PhotoHeader{"webp", LittleEndian(b, 26, 2) & 0x3FFF, LittleEndian(b, 28, 2) & 0x3FFF};
  }
  if (chunk == "VP8L") {  // Lossless: signature byte, then 14 + 14 bits of size - 1.
    const uint32_t bits = LittleEndian(b, 21, 4);
    return PhotoHeader{"webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
  }
  if (chunk == "VP8X") {  // Extended: 24-bit canvas size - 1.
    return PhotoHeader{"webp", LittleEndian(b, 24, 3) + 1, LittleEndian(b, 27, 3) + 1};
  }
  return Bad("WebP of an unknown kind");
}

}  // namespace

absl::StatusOr<PhotoHeader> ReadPhotoHeader(absl::string_view b) {
  if (b.empty()) return Bad("empty photo (no bytes)");
  absl::StatusOr<PhotoHeader> header;
  if (absl::StartsWith(b, "\x89PNG\r\n\x1A\n")) {
    header = Png(b);
  } else if (absl::StartsWith(b, "\xFF\xD8\xFF")) {
    header = Jpeg(b);
  } else if (absl::StartsWith(b, "BM")) {
    header = Bmp(b);
  } else if (absl::StartsWith(b, "RIFF") && b.size() >= 12 && b.substr(8, 4) == "WEBP") {
    header = Webp(b);
  } else {
    return Bad(absl::StrCat("not a JPEG, PNG, BMP or WebP photo (it starts with bytes ",
                            absl::BytesToHexString(b.substr(0, 8)), ")"));
  }
  if (header.ok() && (header->width <= 0 || header->height <= 0)) {
    return Bad(absl::StrCat(header->format, " header gives a size of ", header->width, "x", header->height));
  }
  return header;
}

absl::StatusOr<cv::Mat> DecodePhoto(absl::string_view bytes, const PhotoLimits& limits) {
  absl::StatusOr<PhotoHeader> header = ReadPhotoHeader(bytes);
  if (!header.ok()) return header.status();
  if (header->width > limits.max_side || header->height > limits.max_side ||
      header->width * header->height > limits.max_pixels) {
    return absl::OutOfRangeError(absl::StrCat(header->format, " of ", header->width, "x", header->height,
                                              " pixels is over the limit (", limits.max_pixels, " pixels, ",
                                              limits.max_side, " a side); refused before decoding"));
  }
  cv::Mat photo;
  try {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
    photo = cv::imdecode(raw, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    return Bad(absl::StrCat(header->format, " cannot be decoded: ", e.what()));
  }
  if (photo.empty()) return Bad(absl::StrCat(header->format, " cannot be decoded (corrupt data)"));
  return photo;
}

}  // namespace facerec::serve
