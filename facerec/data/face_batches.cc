#include "facerec/data/face_batches.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "facerec/data/image.h"
#include "glog/logging.h"

namespace facerec::data {
namespace {

// SplitMix64 finaliser: turns (seed, a, b, c) into well-spread generator seeds.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t SeedFor(uint64_t seed, int64_t a, int64_t b = -1, int64_t c = -1) {
  return Mix(Mix(Mix(Mix(seed) ^ static_cast<uint64_t>(a)) ^ static_cast<uint64_t>(b)) ^
             static_cast<uint64_t>(c));
}

double Uniform(std::mt19937_64* rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(*rng);
}

}  // namespace

absl::StatusOr<FaceImages> FaceImages::Load(const std::vector<std::string>& paths,
                                            const std::vector<int>& labels,
                                            const std::optional<cv::Rect>& window, int threads) {
  CHECK_EQ(paths.size(), labels.size());
  FaceImages result;
  result.images_.resize(paths.size());
  result.labels_ = labels;
  std::atomic<bool> stop{false};
  std::mutex mutex;
  absl::Status first_error;
  const int64_t n = static_cast<int64_t>(paths.size());
  // At most `threads` chunks, run on LibTorch's intra-op threads.
  at::parallel_for(0, n, (n + std::max(1, threads) - 1) / std::max(1, threads), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end && !stop; ++i) {
      absl::StatusOr<cv::Mat> rgb = ReadRgbImage(paths[i]);
      absl::Status status = rgb.status();
      if (status.ok() && window.has_value()) {
        if (rgb->cols < window->x + window->width || rgb->rows < window->y + window->height) {
          status = absl::InvalidArgumentError(absl::StrCat(
              paths[i], ": ", rgb->cols, "x", rgb->rows, " is smaller than the crop window"));
        } else {
          result.images_[i] = (*rgb)(*window).clone();
        }
      } else if (status.ok()) {
        result.images_[i] = *rgb;
      }
      if (!status.ok()) {
        std::lock_guard<std::mutex> lock(mutex);
        if (first_error.ok()) first_error = status;
        stop = true;  // Stop everyone.
      }
    }
  });
  if (!first_error.ok()) return first_error;
  return result;
}

FaceImages FaceImages::FromImages(std::vector<cv::Mat> images, std::vector<int> labels) {
  CHECK_EQ(images.size(), labels.size());
  FaceImages result;
  result.images_ = std::move(images);
  result.labels_ = std::move(labels);
  return result;
}

void FaceImages::Append(const FaceImages& other) {
  images_.insert(images_.end(), other.images_.begin(), other.images_.end());
  labels_.insert(labels_.end(), other.labels_.begin(), other.labels_.end());
}

cv::Mat Augment(const cv::Mat& rgb, const AugmentOptions& o, std::mt19937_64* rng) {
  cv::Mat image = rgb;
  if (o.enabled) {
    const double area = Uniform(rng, o.min_area, 1.0);
    const double aspect = std::exp(Uniform(rng, -o.max_aspect_jitter, o.max_aspect_jitter));
    const int w = std::min(rgb.cols, static_cast<int>(std::lround(rgb.cols * std::sqrt(area * aspect))));
    const int h = std::min(rgb.rows, static_cast<int>(std::lround(rgb.rows * std::sqrt(area / aspect))));
    const int x = std::uniform_int_distribution<int>(0, rgb.cols - w)(*rng);
    const int y = std::uniform_int_distribution<int>(0, rgb.rows - h)(*rng);
    image = rgb(cv::Rect(x, y, w, h));
  }
  cv::Mat out;
  cv::resize(image, out, cv::Size(o.output_width, o.output_height), 0, 0, cv::INTER_AREA);
  if (!o.enabled) return out;
  if (Uniform(rng, 0, 1) < o.flip_probability) cv::flip(out, out, 1);
  if (o.max_rotation_degrees > 0) {
    const double angle = Uniform(rng, -o.max_rotation_degrees, o.max_rotation_degrees);
    const cv::Mat rotation =
        cv::getRotationMatrix2D(cv::Point2f(out.cols / 2.0f, out.rows / 2.0f), angle, 1.0);
    cv::warpAffine(out, out, rotation, out.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
  }
  const double brightness = Uniform(rng, 1 - o.brightness, 1 + o.brightness);
  const double contrast = Uniform(rng, 1 - o.contrast, 1 + o.contrast);
  const double saturation = Uniform(rng, 1 - o.saturation, 1 + o.saturation);
  cv::Mat work;
  out.convertTo(work, CV_32FC3, brightness);
  cv::Mat grey, grey3;
  cv::cvtColor(work, grey, cv::COLOR_RGB2GRAY);
  cv::cvtColor(grey, grey3, cv::COLOR_GRAY2RGB);
  // Saturation: blend with the grey image; contrast: blend with its mean.
  cv::addWeighted(work, saturation, grey3, 1 - saturation, 0, work);
  const double mean = cv::mean(grey)[0];
  work.convertTo(out, CV_8UC3, contrast, (1 - contrast) * mean);  // Saturates to [0, 255].
  if (Uniform(rng, 0, 1) < o.erase_probability) {
    const double area = Uniform(rng, 0.02, 0.25) * out.rows * out.cols;
    const double aspect = std::exp(Uniform(rng, std::log(1 / 3.0), std::log(3.0)));
    const int w = std::clamp(static_cast<int>(std::lround(std::sqrt(area * aspect))), 1, out.cols);
    const int h = std::clamp(static_cast<int>(std::lround(std::sqrt(area / aspect))), 1, out.rows);
    const int x = std::uniform_int_distribution<int>(0, out.cols - w)(*rng);
    const int y = std::uniform_int_distribution<int>(0, out.rows - h)(*rng);
    cv::Mat patch = out(cv::Rect(x, y, w, h));
    for (int r = 0; r < h; ++r) {
      uint8_t* row = patch.ptr<uint8_t>(r);
      for (int c = 0; c < w * 3; ++c) row[c] = static_cast<uint8_t>((*rng)() & 0xff);
    }
  }
  return out;
}

torch::Tensor ImagesToBatch(const std::vector<cv::Mat>& images) {
  CHECK(!images.empty());
  const int h = images[0].rows, w = images[0].cols;
  torch::Tensor batch = torch::empty({static_cast<int64_t>(images.size()), h, w, 3}, torch::kUInt8);
  uint8_t* data = batch.data_ptr<uint8_t>();
  const size_t bytes = static_cast<size_t>(h) * w * 3;
  for (size_t i = 0; i < images.size(); ++i) {
    CHECK(images[i].rows == h && images[i].cols == w && images[i].type() == CV_8UC3);
    const cv::Mat contiguous = images[i].isContinuous() ? images[i] : images[i].clone();
    std::memcpy(data + i * bytes, contiguous.data, bytes);
  }
  return batch.permute({0, 3, 1, 2}).to(torch::kFloat32).div_(255.0f);
}

torch::Tensor Transform(const cv::Mat& rgb, const AugmentOptions& options, std::mt19937_64* rng) {
  return ImagesToBatch({Augment(rgb, options, rng)})[0];
}

absl::Status ValidateSampler(const SamplerOptions& o, const std::vector<int>& labels) {
  if (o.identities_per_batch < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "identities_per_batch=", o.identities_per_batch, ": must be 0 (plain batches) or >= 1"));
  }
  if (o.identities_per_batch == 0 && o.batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size=", o.batch_size, ": must be at least 1"));
  }
  if (o.identities_per_batch > 0) {
    if (o.images_per_identity < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("images_per_identity=", o.images_per_identity, ": must be at least 1"));
    }
    const size_t identities = std::set<int>(labels.begin(), labels.end()).size();
    if (static_cast<size_t>(o.identities_per_batch) > identities) {
      return absl::InvalidArgumentError(
          absl::StrCat("identities_per_batch=", o.identities_per_batch,
                       ": the training images have only ", identities, " identities"));
    }
  }
  if (BatchesPerEpoch(labels.size(), o) < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a batch of ", o.identities_per_batch > 0 ? o.identities_per_batch * o.images_per_identity
                                                   : o.batch_size,
        " images is more than the ", labels.size(), " training images"));
  }
  return absl::OkStatus();
}

int64_t BatchesPerEpoch(size_t images, const SamplerOptions& o) {
  const int64_t batch = o.identities_per_batch > 0
                            ? static_cast<int64_t>(o.identities_per_batch) * o.images_per_identity
                            : o.batch_size;
  CHECK_GT(batch, 0);
  return static_cast<int64_t>(images) / batch;
}

std::vector<size_t> SampleBatch(const std::vector<int>& labels, const SamplerOptions& o,
                                uint64_t seed, int64_t epoch, int64_t batch) {
  if (o.identities_per_batch <= 0) {
    std::vector<size_t> order(labels.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(SeedFor(seed, epoch));
    std::shuffle(order.begin(), order.end(), rng);
    const auto begin = order.begin() + batch * o.batch_size;
    return std::vector<size_t>(begin, begin + o.batch_size);
  }
  std::map<int, std::vector<size_t>> by_identity;
  for (size_t i = 0; i < labels.size(); ++i) by_identity[labels[i]].push_back(i);
  std::vector<int> identities;
  for (const auto& [identity, rows] : by_identity) identities.push_back(identity);
  CHECK_GE(static_cast<int>(identities.size()), o.identities_per_batch)
      << "P x K sampling needs at least P identities";
  std::mt19937_64 rng(SeedFor(seed, epoch, batch));
  std::shuffle(identities.begin(), identities.end(), rng);
  std::vector<size_t> indices;
  for (int p = 0; p < o.identities_per_batch; ++p) {
    std::vector<size_t> rows = by_identity[identities[p]];
    std::shuffle(rows.begin(), rows.end(), rng);
    for (int k = 0; k < o.images_per_identity; ++k) {
      indices.push_back(k < static_cast<int>(rows.size())
                            ? rows[k]
                            : rows[std::uniform_int_distribution<size_t>(0, rows.size() - 1)(rng)]);
    }
  }
  return indices;
}

BatchLoader::BatchLoader(const FaceImages* images, const SamplerOptions& sampler,
                         const AugmentOptions& augment, uint64_t seed, int workers)
    : images_(images),
      sampler_(sampler),
      augment_(augment),
      seed_(seed),
      batches_per_epoch_(data::BatchesPerEpoch(images->size(), sampler)),
      max_ahead_(static_cast<size_t>(2 * std::max(1, workers))) {
  for (int i = 0; i < std::max(1, workers); ++i) workers_.emplace_back([this] { Work(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

int64_t BatchLoader::BatchesPerEpoch() const { return batches_per_epoch_; }

int64_t BatchLoader::BatchSize() const {
  return sampler_.identities_per_batch > 0
             ? static_cast<int64_t>(sampler_.identities_per_batch) * sampler_.images_per_identity
             : sampler_.batch_size;
}

void BatchLoader::KeepRows(int64_t begin, int64_t end) {
  std::lock_guard<std::mutex> lock(mutex_);
  keep_begin_ = begin;
  keep_end_ = end;
}

Batch BatchLoader::Make(int64_t epoch, int64_t batch) const {
  const std::vector<size_t> indices = SampleBatch(images_->labels(), sampler_, seed_, epoch, batch);
  std::vector<cv::Mat> augmented;
  std::vector<int64_t> labels, rows;
  const size_t first = static_cast<size_t>(std::max<int64_t>(0, keep_begin_));
  const size_t last = keep_end_ < 0 ? indices.size() : std::min(indices.size(), static_cast<size_t>(keep_end_));
  for (size_t slot = first; slot < last; ++slot) {
    std::mt19937_64 rng(SeedFor(seed_ ^ 0x5eed, epoch, batch, static_cast<int64_t>(slot)));
    augmented.push_back(Augment(images_->image(indices[slot]), augment_, &rng));
    labels.push_back(images_->label(indices[slot]));
    rows.push_back(static_cast<int64_t>(indices[slot]));
  }
  return {ImagesToBatch(augmented), torch::tensor(labels, torch::kInt64), torch::tensor(rows, torch::kInt64)};
}

void BatchLoader::Work() {
  // Augmentation is cheap next to a training step; keep LibTorch's own ops in
  // this thread single-threaded so they do not fight the training threads.
  at::set_num_threads(1);
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] {
      return stopping_ || (epoch_ >= 0 && next_to_claim_ < batches_per_epoch_ &&
                           next_to_claim_ < next_to_return_ + static_cast<int64_t>(max_ahead_));
    });
    if (stopping_) return;
    const int64_t epoch = epoch_;
    const int64_t batch = next_to_claim_++;
    lock.unlock();
    Batch made = Make(epoch, batch);
    lock.lock();
    if (epoch == epoch_ && batch >= next_to_return_) ready_[batch] = std::move(made);
    changed_.notify_all();
  }
}

Batch BatchLoader::Get(int64_t epoch, int64_t batch) {
  CHECK(batch >= 0 && batch < batches_per_epoch_) << "batch " << batch << " of " << batches_per_epoch_;
  std::unique_lock<std::mutex> lock(mutex_);
  if (epoch != epoch_ || batch != next_to_return_) {
    // A new epoch, or a jump (resume): restart prefetching from here.
    epoch_ = epoch;
    ready_.clear();
    next_to_claim_ = batch;
    next_to_return_ = batch;
    changed_.notify_all();
  }
  changed_.wait(lock, [&] { return ready_.count(batch) > 0; });
  Batch result = std::move(ready_[batch]);
  ready_.erase(batch);
  next_to_return_ = batch + 1;
  changed_.notify_all();
  return result;
}

}  // namespace facerec::data
