#include "facerec/data/face_batches.h"

#include <gtest/gtest.h>

#include <map>
#include <opencv2/imgproc.hpp>
#include <set>
#include <torch/torch.h>

#include "facerec/data/celeba.h"
#include "facerec/data/image.h"
#include "tests/testing/test_data.h"

namespace facerec::data {
namespace {

FaceImages SmallSet() {
  auto celeba = LoadCeleba500(testing::DataRoot());
  CHECK(celeba.ok()) << celeba.status();
  std::vector<std::string> paths;
  std::vector<int> labels;
  for (size_t i = 0; i < 120; ++i) {
    paths.push_back(celeba->images[i].path);
    labels.push_back(celeba->images[i].identity);
  }
  auto images = FaceImages::Load(paths, labels, kIdRateWindow, 2);
  CHECK(images.ok()) << images.status();
  return std::move(*images);
}

TEST(FaceBatchesTest, LoadKeepsTheWindowAndFailsOnABadImage) {
  const FaceImages images = SmallSet();
  ASSERT_EQ(images.size(), 120u);
  EXPECT_EQ(images.image(0).cols, kIdRateWindow.width);
  EXPECT_EQ(images.image(0).rows, kIdRateWindow.height);
  const auto dir = testing::FreshTempDir("bad_batch");
  testing::WriteFile(dir / "bad.jpg", "not a jpeg");
  auto bad = FaceImages::Load({(dir / "bad.jpg").string()}, {0}, kIdRateWindow, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad.jpg"), std::string::npos);
}

TEST(FaceBatchesTest, BatchesDependOnSeedEpochAndIndexOnlyNotOnWorkers) {
  const FaceImages images = SmallSet();
  SamplerOptions sampler;
  sampler.batch_size = 16;
  AugmentOptions augment;
  BatchLoader one(&images, sampler, augment, /*seed=*/9, /*workers=*/1);
  BatchLoader three(&images, sampler, augment, /*seed=*/9, /*workers=*/3);
  ASSERT_EQ(one.BatchesPerEpoch(), 7);  // 120 / 16, last partial batch dropped.
  for (int64_t epoch : {0, 1}) {
    std::set<int64_t> seen;
    for (int64_t b = 0; b < one.BatchesPerEpoch(); ++b) {
      const Batch x = one.Get(epoch, b);
      const Batch y = three.Get(epoch, b);
      ASSERT_TRUE(torch::equal(x.images, y.images)) << epoch << "/" << b;
      ASSERT_TRUE(torch::equal(x.labels, y.labels));
      EXPECT_EQ(x.images.sizes(), (std::vector<int64_t>{16, 3, 64, 56}));
      EXPECT_GE(x.images.min().item<float>(), 0.0f);
      EXPECT_LE(x.images.max().item<float>(), 1.0f);
    }
  }
  // Resuming mid-epoch gives the batch an uninterrupted epoch would have.
  BatchLoader resumed(&images, sampler, augment, 9, 2);
  EXPECT_TRUE(torch::equal(resumed.Get(1, 4).images, one.Get(1, 4).images));
  // Another epoch reshuffles.
  EXPECT_FALSE(torch::equal(one.Get(0, 0).labels, one.Get(1, 0).labels));
}

TEST(FaceBatchesTest, KeptRowsAreThoseRowsOfTheWholeBatchSoRanksTogetherMakeIt) {
  const FaceImages images = SmallSet();
  SamplerOptions sampler;
  sampler.batch_size = 16;
  AugmentOptions augment;  // Random crops, flips, colour: the rows must still agree.
  BatchLoader whole(&images, sampler, augment, /*seed=*/5, /*workers=*/2);
  BatchLoader first(&images, sampler, augment, 5, 2), second(&images, sampler, augment, 5, 1);
  EXPECT_EQ(whole.BatchSize(), 16);
  first.KeepRows(0, 8);
  second.KeepRows(8, 16);
  for (int64_t b : {0, 1, 2}) {
    const Batch all = whole.Get(1, b);
    const Batch a = first.Get(1, b), c = second.Get(1, b);
    ASSERT_EQ(a.images.size(0), 8);
    EXPECT_TRUE(torch::equal(torch::cat({a.images, c.images}), all.images)) << "batch " << b;
    EXPECT_TRUE(torch::equal(torch::cat({a.labels, c.labels}), all.labels)) << "batch " << b;
    EXPECT_TRUE(torch::equal(torch::cat({a.rows, c.rows}), all.rows)) << "batch " << b;
  }
}

TEST(FaceBatchesTest, EachRowNamesTheImageItCameFrom) {
  // Image i is filled with grey level 10 i and labelled i % 3: a row's
  // pixels, label and index must agree, and the indices are the sampler's.
  std::vector<cv::Mat> pictures;
  std::vector<int> labels;
  for (int i = 0; i < 12; ++i) {
    pictures.emplace_back(8, 8, CV_8UC3, cv::Scalar::all(10 * i));
    labels.push_back(i % 3);
  }
  const FaceImages images = FaceImages::FromImages(pictures, labels);
  SamplerOptions sampler;
  sampler.batch_size = 4;
  AugmentOptions plain;
  plain.enabled = false;
  plain.output_height = 8;
  plain.output_width = 8;
  BatchLoader loader(&images, sampler, plain, /*seed=*/3, /*workers=*/1);
  for (int64_t b = 0; b < loader.BatchesPerEpoch(); ++b) {
    const Batch batch = loader.Get(0, b);
    const std::vector<size_t> sampled = SampleBatch(labels, sampler, 3, 0, b);
    ASSERT_EQ(batch.rows.size(0), 4);
    for (int64_t r = 0; r < 4; ++r) {
      const int64_t i = batch.rows[r].item<int64_t>();
      EXPECT_EQ(static_cast<size_t>(i), sampled[r]);
      EXPECT_EQ(batch.labels[r].item<int64_t>(), i % 3);
      EXPECT_NEAR(batch.images[r].mean().item<double>(), 10.0 * i / 255, 1e-6);
    }
  }
}

TEST(FaceBatchesTest, EpochSamplerVisitsEveryImageOnce) {
  std::vector<int> labels(50);
  for (int i = 0; i < 50; ++i) labels[i] = i % 5;
  SamplerOptions sampler;
  sampler.batch_size = 10;
  std::multiset<size_t> seen;
  for (int64_t b = 0; b < BatchesPerEpoch(50, sampler); ++b) {
    for (size_t i : SampleBatch(labels, sampler, 1, 0, b)) seen.insert(i);
  }
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(std::set<size_t>(seen.begin(), seen.end()).size(), 50u);
}

TEST(FaceBatchesTest, PkBatchesHavePIdentitiesWithKImagesEach) {
  std::vector<int> labels;
  for (int id = 0; id < 20; ++id) {
    for (int k = 0; k < (id == 0 ? 2 : 6); ++k) labels.push_back(id);  // id 0 has only 2.
  }
  SamplerOptions sampler;
  sampler.identities_per_batch = 8;
  sampler.images_per_identity = 4;
  for (int64_t b = 0; b < 5; ++b) {
    std::map<int, int> per_identity;
    for (size_t i : SampleBatch(labels, sampler, 3, 0, b)) ++per_identity[labels[i]];
    EXPECT_EQ(per_identity.size(), 8u);
    for (const auto& [id, count] : per_identity) EXPECT_EQ(count, 4) << id;
  }
}

TEST(FaceBatchesTest, EvalTransformOnlyResizesAndFlipMirrors) {
  cv::Mat image(100, 83, CV_8UC3, cv::Scalar(0, 0, 0));
  image(cv::Rect(0, 0, 40, 100)).setTo(cv::Scalar(255, 255, 255));  // Left part white.
  AugmentOptions eval;
  eval.enabled = false;
  const torch::Tensor plain = Transform(image, eval, nullptr);
  EXPECT_EQ(plain.sizes(), (std::vector<int64_t>{3, 64, 56}));
  EXPECT_GT(plain[0][32][2].item<float>(), 0.9f);
  EXPECT_LT(plain[0][32][53].item<float>(), 0.1f);
  AugmentOptions flip_only;
  flip_only.flip_probability = 1.0;
  flip_only.min_area = 1.0;
  flip_only.max_aspect_jitter = 0;
  flip_only.brightness = flip_only.contrast = flip_only.saturation = 0;
  std::mt19937_64 rng(1);
  const torch::Tensor flipped = Transform(image, flip_only, &rng);
  EXPECT_TRUE(torch::allclose(flipped, plain.flip({2}), 1e-5, 1e-5));
}

TEST(FaceBatchesTest, RandomErasingFillsOneRectangleWithTheGivenProbability) {
  const cv::Mat grey(64, 56, CV_8UC3, cv::Scalar(128, 128, 128));
  AugmentOptions erase_only;
  erase_only.flip_probability = 0;
  erase_only.min_area = 1.0;
  erase_only.max_aspect_jitter = 0;
  erase_only.brightness = erase_only.contrast = erase_only.saturation = 0;
  erase_only.erase_probability = 0.5;
  int erased = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::mt19937_64 rng(trial);
    const cv::Mat out = Augment(grey, erase_only, &rng);
    cv::Mat changed;
    cv::compare(out.reshape(1), 128, changed, cv::CMP_NE);
    if (cv::countNonZero(changed) == 0) continue;
    ++erased;
    // Every changed pixel lies in one rectangle of 2-25% of the image.
    std::vector<cv::Point> where;
    cv::findNonZero(changed, where);
    const cv::Rect box = cv::boundingRect(where);
    EXPECT_LE(box.area() / 3.0, 0.26 * 64 * 56) << "trial " << trial;
    EXPECT_GE(box.area() / 3.0, 0.5 * 0.02 * 64 * 56) << "trial " << trial;
  }
  EXPECT_GT(erased, 70);
  EXPECT_LT(erased, 130);
}

TEST(FaceBatchesTest, RotationKeepsTheSizeAndTheCentre) {
  cv::Mat image(64, 56, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::circle(image, cv::Point(28, 32), 3, cv::Scalar(255, 255, 255), cv::FILLED);
  image(cv::Rect(0, 0, 56, 4)).setTo(cv::Scalar(255, 255, 255));  // A top bar to rotate.
  AugmentOptions rotate_only;
  rotate_only.flip_probability = 0;
  rotate_only.min_area = 1.0;
  rotate_only.max_aspect_jitter = 0;
  rotate_only.brightness = rotate_only.contrast = rotate_only.saturation = 0;
  rotate_only.max_rotation_degrees = 20;
  double largest_change = 0;
  for (int seed = 0; seed < 10; ++seed) {
    std::mt19937_64 rng(seed);
    const cv::Mat out = Augment(image, rotate_only, &rng);
    ASSERT_EQ(out.size(), image.size());
    EXPECT_GT(out.at<cv::Vec3b>(32, 28)[0], 200) << "seed " << seed;  // The centre stays.
    largest_change = std::max(largest_change, cv::norm(out, image, cv::NORM_L1));
  }
  EXPECT_GT(largest_change, 5000);  // The bar turned.
}

}  // namespace
}  // namespace facerec::data
