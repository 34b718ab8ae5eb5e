// Duplicate photos in a face set: exact (the same bytes) and near (the same
// picture re-encoded, resized, slightly cropped), found among all pairs of
// images without comparing pixels: by content digest, by perceptual hash
// (image_hash.h) and, where given, by the embedding's cosine.
//
//   std::vector<DuplicateEvidence> images = ...;   // sha256, hash, unit embedding row
//   for (const DuplicatePair& p : FindDuplicates(images, unit_embeddings, DuplicateOptions())) {
//     // p.first < p.second, indices into `images`; p.kind exact or near.
//   }
//
// A pair is exact when its sha256 digests are equal; near when it is not
// exact, the embeddings' cosine is at least `min_cosine` (when embeddings are
// given), and either its hashes are at most `max_hamming` bits apart, or they
// are at most `max_hamming_with_embedding` apart and their thumbnails
// correlate at least `min_thumbnail_correlation`. A small crop moves the hash
// by 8-20 bits and the thumbnail correlation to 0.75-0.95, while the
// recogniser, trained on random crops, still sees the same face. Even a close
// hash needs the recogniser's agreement: on aligned face frames, where every
// face sits in the same place, 64 bits of coarse structure join different
// people in the same pose and lighting. Burst shots (the same person a moment
// apart) pass as near duplicates: they are the same picture to a recogniser's
// evaluation too. Without embeddings the close hash decides alone.
//
// Cost: every pair's Hamming distance (one XOR and popcount each: 10^8 pairs
// a second), then a dot product for the few pairs within the loose bound.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_ANALYSIS_DUPLICATES_H_
#define FACEREC_ANALYSIS_DUPLICATES_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace facerec::analysis {

struct DuplicateOptions {
  // Near duplicate by a close hash (with the embeddings' agreement, when
  // given). Default 4 of 64 bits.
  int max_hamming = 4;
  // Near duplicate when the thumbnails agree too. Default 24 bits.
  int max_hamming_with_embedding = 24;
  // The thumbnails' correlation for that (GreyThumbnail). Default 0.7.
  double min_thumbnail_correlation = 0.7;
  // The embeddings' cosine every near duplicate needs when embeddings are
  // given. Default 0.9.
  double min_cosine = 0.9;
};

struct DuplicateEvidence {
  std::string sha256;      // Of the file's bytes; empty: never an exact duplicate.
  uint64_t hash = 0;       // PerceptualHash of the decoded image.
  std::vector<float> thumbnail;  // GreyThumbnail; empty: correlation 0.
  bool decoded = true;     // false: only the digest counts (no hash).
};

enum class DuplicateKind { kExact, kNear };
const char* DuplicateKindName(DuplicateKind kind);  // "exact", "near"

struct DuplicatePair {
  int64_t first = 0, second = 0;  // first < second.
  DuplicateKind kind = DuplicateKind::kExact;
  int hamming = 0;                // 64 when a side has no hash.
  double cosine = 0;              // NaN without embeddings.
  double thumbnail_correlation = 0;  // 0 when a side has no thumbnail.
};

// `unit_embeddings`: undefined, or [N, D] rows of unit length in `images`'
// order. Pairs sorted by (first, second).
std::vector<DuplicatePair> FindDuplicates(const std::vector<DuplicateEvidence>& images,
                                          const at::Tensor& unit_embeddings,
                                          const DuplicateOptions& options);

}  // namespace facerec::analysis

#endif  // FACEREC_ANALYSIS_DUPLICATES_H_
