// A perceptual hash of an image (the DCT hash of Zauner 2010, "pHash"): 64
// bits that stay nearly equal when a photo is re-encoded, resized, slightly
// cropped or recoloured, so near-duplicate photos are a small Hamming
// distance apart while different photos differ in about half the bits.
//
//   const uint64_t a = PerceptualHash(rgb), b = PerceptualHash(other_rgb);
//   if (HammingDistance(a, b) <= 10) { /* probably the same picture */ }
//
// The hash: the image as grey levels, resized to 32x32 (area averaging), its
// 2-D DCT, the 8x8 lowest frequencies; bit i is set where coefficient i is
// above those 64 coefficients' median (the DC term excluded from the median,
// since it only carries the mean brightness). Low frequencies are what
// re-encoding and resizing leave alone.
//
// The hash sees the low-frequency layout; on aligned face crops, where every
// image shares that layout, different photos can come within a few bits
// (measured on celebA_ir in benchmarks/README.md, "Perceptual hash on
// aligned crops"). GreyThumbnail adds the picture itself at 16x16: the
// correlation of two thumbnails is near 1 for a copy and drops for another
// photo of the same framing.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_ANALYSIS_IMAGE_HASH_H_
#define FACEREC_ANALYSIS_IMAGE_HASH_H_

#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

namespace facerec::analysis {

// `image`: 8-bit RGB or grey, non-empty (CHECK: decoding is the caller's and
// reports its own errors).
uint64_t PerceptualHash(const cv::Mat& image);

// The image as 16x16 grey levels (area averaging), minus their mean, scaled
// to unit length: the dot product of two thumbnails is their normalised
// cross-correlation, in [-1, 1]. A flat image gives all zeros.
std::vector<float> GreyThumbnail(const cv::Mat& image);

inline int HammingDistance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

}  // namespace facerec::analysis

#endif  // FACEREC_ANALYSIS_IMAGE_HASH_H_
