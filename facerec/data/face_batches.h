// Training batches of face crops: an in-memory image set, OpenCV augmentation,
// epoch and identity-balanced (P x K) samplers, and a prefetching loader.
//
//   FACEREC_ASSIGN_OR_RETURN(FaceImages train, FaceImages::Load(paths, labels, kIdRateWindow, 2));
//   AugmentOptions augment;                       // flips, resized crops, colour jitter
//   BatchLoader loader(&train, sampler_options, augment, /*seed=*/7, /*workers=*/2);
//   for (int64_t b = 0; b < loader.BatchesPerEpoch(); ++b) {
//     Batch batch = loader.Get(epoch, b);         // images [B, 3, H, W] float in [0,1], labels [B]
//   }
//
// Determinism: a batch is a pure function of (seed, epoch, batch index): the
// sampler permutes with a generator seeded from (seed, epoch) and each image's
// augmentation draws from a generator seeded from (seed, epoch, batch, slot).
// Worker threads therefore change speed, never content, and a run resumed at
// any epoch sees the batches an uninterrupted run would have seen.
//
// Thread-safety: FaceImages is immutable after Load. BatchLoader::Get is called
// from one thread; its workers prefetch the next batches of the same epoch.
#ifndef FACEREC_DATA_FACE_BATCHES_H_
#define FACEREC_DATA_FACE_BATCHES_H_

#include <ATen/core/Tensor.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <opencv2/core.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace facerec::data {

// Decoded face crops held in memory (8-bit RGB).
class FaceImages {
 public:
  // Decodes every path in at most `threads` chunks on LibTorch's intra-op
  // threads (at::parallel_for, so never more than torch::get_num_threads()
  // at once) and keeps `window` of each (the
  // whole image when `window` is empty). Fails on the first bad image,
  // naming it.
  static absl::StatusOr<FaceImages> Load(const std::vector<std::string>& paths,
                                         const std::vector<int>& labels,
                                         const std::optional<cv::Rect>& window, int threads);
  // Images already in memory (8-bit RGB, shared); sizes must match.
  static FaceImages FromImages(std::vector<cv::Mat> images, std::vector<int> labels);
  size_t size() const { return images_.size(); }
  const cv::Mat& image(size_t i) const { return images_[i]; }
  int label(size_t i) const { return labels_[i]; }
  const std::vector<int>& labels() const { return labels_; }
  // Adds `other`'s images after this one's; pixel buffers are shared, not copied.
  void Append(const FaceImages& other);

 private:
  std::vector<cv::Mat> images_;
  std::vector<int> labels_;
};

struct AugmentOptions {
  bool enabled = true;          // false: resize only (evaluation).
  int output_height = 64;       // Network input. Default 64x56.
  int output_width = 56;
  double flip_probability = 0.5;
  double min_area = 0.8;        // Random resized crop: area fraction in [min_area, 1].
  double max_aspect_jitter = 0.1;  // log-uniform aspect ratio within +-10%.
  double brightness = 0.2;      // Colour jitter: multiply by U(1 - b, 1 + b).
  double contrast = 0.2;
  double saturation = 0.2;
  double max_rotation_degrees = 0;  // Rotation by U(-r, r) about the centre (reflected border).
  // Random erasing (Zhong et al. 2017): with this probability one rectangle of
  // 2-25% of the image, aspect 1/3-3, is filled with uniform noise. Occlusion
  // the net must see past: the strongest regulariser for small re-id sets.
  double erase_probability = 0;
  // Test-time: embed the mirror image too and sum (pipeline::Embed). Ignored
  // by Augment itself.
  bool flip_test = false;
};

// One image -> the augmented (or, when disabled, resized) H x W RGB image.
// Pure OpenCV: per-image LibTorch ops cost more than the augmentation itself.
// `rng` may be null when augmentation is disabled.
cv::Mat Augment(const cv::Mat& rgb, const AugmentOptions& options, std::mt19937_64* rng);

// Equal-sized 8-bit RGB images -> [N, 3, H, W] float in [0, 1], in one conversion.
at::Tensor ImagesToBatch(const std::vector<cv::Mat>& images);

// One image -> 3 x H x W float in [0, 1] (Augment + ImagesToBatch).
at::Tensor Transform(const cv::Mat& rgb, const AugmentOptions& options, std::mt19937_64* rng);

struct SamplerOptions {
  // 0: every image once per epoch in random order, batch_size per batch (the
  // last partial batch is dropped). > 0: P x K batches of `identities_per_batch`
  // identities with `images_per_identity` images each (drawn with replacement
  // when an identity has fewer), batches per epoch = images / (P * K).
  int identities_per_batch = 0;
  int images_per_identity = 4;
  int batch_size = 64;
};

struct Batch {
  at::Tensor images;  // [B, 3, H, W] float.
  at::Tensor labels;  // [B] int64.
  // [B] int64: each row's index in the loader's FaceImages, for what is known
  // per image beyond its label (a teacher's embedding: losses/distillation.h).
  at::Tensor rows;
};

// OK when `options` can draw batches from images with these labels:
// batch_size >= 1 (plain batches), or P >= 1, K >= 1 and at least P distinct
// identities (P x K batches), and at least one batch per epoch. Otherwise
// InvalidArgumentError naming the field and what is allowed. Call it before
// building a BatchLoader: the loader's threads CHECK these.
absl::Status ValidateSampler(const SamplerOptions& options, const std::vector<int>& labels);

// Sample indices of batch `batch` of epoch `epoch`.
std::vector<size_t> SampleBatch(const std::vector<int>& labels, const SamplerOptions& options,
                                uint64_t seed, int64_t epoch, int64_t batch);
int64_t BatchesPerEpoch(size_t images, const SamplerOptions& options);

class BatchLoader {
 public:
  // `images` must outlive the loader. `workers` >= 1 threads prefetch up to
  // 2 * workers batches ahead.
  BatchLoader(const FaceImages* images, const SamplerOptions& sampler,
              const AugmentOptions& augment, uint64_t seed, int workers);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  int64_t BatchesPerEpoch() const;
  // Images per batch: batch_size, or P x K.
  int64_t BatchSize() const;
  // From now on, batches hold only their rows [begin, end): a data-parallel
  // rank's shard (train/data_parallel.h). The rows are the ones the whole
  // batch has there, augmented the same way, so the ranks' shards together
  // are exactly the one-process batch; only the shard is augmented. Call
  // before the first Get.
  void KeepRows(int64_t begin, int64_t end);
  // Batches must be requested in order within an epoch (any epoch may start).
  Batch Get(int64_t epoch, int64_t batch);

 private:
  Batch Make(int64_t epoch, int64_t batch) const;
  void Work();

  const FaceImages* images_;
  const SamplerOptions sampler_;
  const AugmentOptions augment_;
  const uint64_t seed_;
  const int64_t batches_per_epoch_;
  const size_t max_ahead_;
  int64_t keep_begin_ = 0;   // Set before the first Get; read by the workers after it.
  int64_t keep_end_ = -1;    // -1: to the batch's end.

  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t epoch_ = -1;
  int64_t next_to_claim_ = 0;   // Next batch index a worker will build.
  int64_t next_to_return_ = 0;
  std::map<int64_t, Batch> ready_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace facerec::data

#endif  // FACEREC_DATA_FACE_BATCHES_H_
