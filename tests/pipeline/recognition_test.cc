#include "facerec/pipeline/recognition.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <fstream>

#include "facerec/data/celeba.h"
#include "tests/testing/test_data.h"

namespace facerec::pipeline {
namespace {

// With the test-time flip an image and its mirror image get the same
// embedding (f(x) + f(flip x) is symmetric); without it they do not.
TEST(EmbedTest, FlipTestMakesMirrorImagesEmbedAlike) {
  torch::manual_seed(0);
  backbones::BackboneOptions options;
  options.name = "ir_mini";
  options.width_multiplier = 0.25;
  options.stem_stride = 2;
  auto net = backbones::MakeBackbone(options);
  ASSERT_TRUE(net.ok()) << net.status();
  cv::Mat image(100, 83, CV_8UC3);
  cv::randu(image, 0, 255);
  cv::Mat mirror;
  cv::flip(image, mirror, 1);
  const data::FaceImages images = data::FaceImages::FromImages({image, mirror}, {0, 0});
  data::AugmentOptions transform;
  transform.enabled = false;
  const torch::Tensor plain = Embed(**net, images, transform, 2, torch::kCPU);
  EXPECT_FALSE(torch::allclose(plain[0], plain[1], 1e-3, 1e-3));
  transform.flip_test = true;
  const torch::Tensor flipped = Embed(**net, images, transform, 2, torch::kCPU);
  // INTER_AREA resizing of a mirrored image is the mirror of the resized one.
  EXPECT_TRUE(torch::allclose(flipped[0], flipped[1], 1e-4, 1e-4))
      << (flipped[0] - flipped[1]).abs().max().item<float>();
}

TEST(ExclusionListTest, ReadsOneRelativeFilePerLineWithReasonsAfterAHash) {
  const auto dir = testing::FreshTempDir("exclusion_list");
  testing::WriteFile(dir / "list.txt",
                     "# confirmed by eye\n"
                     "celeba500/a/1.jpg  # another person\n"
                     "\n"
                     "celeba500/./a/2.jpg\n");
  const absl::StatusOr<std::set<std::string>> list = ReadExclusionList((dir / "list.txt").string());
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(*list, (std::set<std::string>{"celeba500/a/1.jpg", "celeba500/a/2.jpg"}));

  testing::WriteFile(dir / "bad.txt", "celeba500/a/1.jpg\nceleba500/a/2.jpg 17\n");
  const absl::Status bad = ReadExclusionList((dir / "bad.txt").string()).status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("bad.txt:2"), std::string::npos) << bad;
  testing::WriteFile(dir / "absolute.txt", "/data/celeba500/a/1.jpg\n");
  EXPECT_NE(ReadExclusionList((dir / "absolute.txt").string()).status().message().find("relative"),
            std::string::npos);
  EXPECT_EQ(ReadExclusionList((dir / "missing.txt").string()).status().code(), absl::StatusCode::kNotFound);
}

TEST(LoadRecognitionDataTest, ExcludedImagesLeaveTheirSplitsAndNothingElse) {
  const std::filesystem::path root = testing::DataRoot();
  const absl::StatusOr<data::Celeba500> celeba = data::LoadCeleba500(root);
  ASSERT_TRUE(celeba.ok()) << celeba.status();
  // Two training images and one test image.
  const auto relative = [&](size_t i) {
    return std::filesystem::path(celeba->images[i].path).lexically_relative(root).generic_string();
  };
  const std::vector<size_t> train = celeba->Indices(data::Split::kTrain);
  const std::vector<size_t> test = celeba->Indices(data::Split::kTest);
  const std::set<std::string> excluded = {relative(train[0]), relative(train[5]), relative(test[3])};

  absl::StatusOr<RecognitionData> d = LoadRecognitionData(root, 2, excluded);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->train.size(), train.size() - 2);
  EXPECT_EQ(d->val.size(), celeba->Indices(data::Split::kVal).size());
  EXPECT_EQ(d->test.size(), test.size() - 1);
  // The labels of the images kept, in order.
  std::vector<int> kept;
  for (size_t k = 0; k < train.size(); ++k) {
    if (k != 0 && k != 5) kept.push_back(celeba->images[train[k]].identity);
  }
  EXPECT_EQ(d->train.labels(), kept);
  EXPECT_GT(d->queries.size(), 0u);
  EXPECT_GT(d->lfw.size(), 0u);

  const absl::Status typo = LoadRecognitionData(root, 2, {"celeba500/no_such_image.jpg"}).status();
  EXPECT_EQ(typo.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(typo.message().find("celeba500/no_such_image.jpg"), std::string::npos) << typo;
}

}  // namespace
}  // namespace facerec::pipeline
