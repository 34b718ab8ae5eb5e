#include "facerec/pipeline/recognition.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <fstream>
#include <map>
#include <set>
#include <utility>
#include <vector>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"

#include "facerec/data/celeba.h"
#include "facerec/losses/losses.h"
#include "facerec/metrics/identification_rate.h"
#include "tests/testing/test_data.h"

namespace facerec::pipeline {
namespace {

// An untrained quarter-width ir_mini, seeded: fast enough for a unit test.
absl::StatusOr<backbones::Backbone> TinyBackbone(int embedding_size) {
  torch::manual_seed(0);
  backbones::BackboneOptions options;
  options.name = "ir_mini";
  options.width_multiplier = 0.25;
  options.stem_stride = 2;
  options.embedding_size = embedding_size;
  return backbones::MakeBackbone(options);
}

// With the test-time flip an image and its mirror image get the same
// embedding (f(x) + f(flip x) is symmetric); without it they do not.
TEST(EmbedTest, FlipTestMakesMirrorImagesEmbedAlike) {
  auto net = TinyBackbone(256);
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

// The validation identification rate is the course protocol over every pair
// of the images: checked against the pairs scored one by one (brute force)
// and their TPR at each FPR; the head and 1-NN accuracies come along.
// One pass gives both views: the single view is Embed without the flip and
// their sum is Embed with it.
TEST(EmbedTest, BothViewsAreThePlainEmbeddingAndWhatTheFlipAdds) {
  auto net = TinyBackbone(64);
  ASSERT_TRUE(net.ok()) << net.status();
  std::vector<cv::Mat> pixels(3);
  for (cv::Mat& image : pixels) {
    image.create(100, 83, CV_8UC3);
    cv::randu(image, 0, 255);
  }
  const data::FaceImages images = data::FaceImages::FromImages(pixels, {0, 1, 2});
  data::AugmentOptions transform;
  transform.enabled = false;
  const ViewEmbeddings views = EmbedBothViews(**net, images, transform, 2, torch::kCPU);
  ASSERT_EQ(views.plain.sizes(), torch::IntArrayRef({3, 64}));
  ASSERT_EQ(views.mirrored.sizes(), torch::IntArrayRef({3, 64}));
  EXPECT_TRUE(torch::equal(views.plain, Embed(**net, images, transform, 2, torch::kCPU)));
  transform.flip_test = true;
  EXPECT_TRUE(torch::allclose(views.plain + views.mirrored, Embed(**net, images, transform, 2, torch::kCPU)));
  EXPECT_FALSE(torch::allclose(views.plain, views.mirrored, 1e-3, 1e-3));
}

TEST(ValidateTest, IdentificationRateScoresEveryPairOfTheImagesOnce) {
  auto net = TinyBackbone(16);
  ASSERT_TRUE(net.ok()) << net.status();
  losses::LossOptions loss_options;
  loss_options.name = "ce";
  loss_options.num_classes = 4;
  loss_options.embedding_size = 16;
  auto loss = losses::MakeLoss(loss_options);
  ASSERT_TRUE(loss.ok()) << loss.status();
  cv::RNG rng(7);
  std::vector<cv::Mat> pictures;
  std::vector<int> ids;
  for (int person = 0; person < 4; ++person) {
    cv::Mat face(100, 83, CV_8UC3);
    rng.fill(face, cv::RNG::UNIFORM, 0, 255);
    for (int k = 0; k < 3; ++k) {  // The person's face with a little noise of its own.
      cv::Mat noise(face.size(), CV_8UC3), noisy;
      rng.fill(noise, cv::RNG::UNIFORM, 0, 40);
      cv::add(face, noise, noisy);
      pictures.push_back(noisy);
      ids.push_back(person);
    }
  }
  const data::FaceImages images = data::FaceImages::FromImages(pictures, ids);
  data::AugmentOptions transform;
  transform.enabled = false;
  const ValidationResult v = Validate(**net, **loss, images, transform, torch::kCPU);

  const torch::Tensor e = Embed(**net, images, transform, 5, torch::kCPU);
  std::vector<float> positives, falses;
  for (int i = 0; i < 12; ++i) {
    for (int j = i + 1; j < 12; ++j) {
      const float cosine = (torch::dot(e[i], e[j]) / (e[i].norm() * e[j].norm())).item<float>();
      (ids[i] == ids[j] ? positives : falses).push_back(cosine);
    }
  }
  ASSERT_EQ(positives.size(), 4u * 3u);
  ASSERT_EQ(falses.size(), 66u - 12u);
  const std::vector<metrics::RocPoint> expected = metrics::TprAtFpr(positives, falses, kValidationFprs);
  ASSERT_EQ(v.id_rate.size(), kValidationFprs.size());
  for (size_t k = 0; k < expected.size(); ++k) {
    EXPECT_EQ(v.id_rate[k].target_fpr, kValidationFprs[k]);
    EXPECT_NEAR(v.id_rate[k].threshold, expected[k].threshold, 1e-5) << kValidationFprs[k];
    EXPECT_DOUBLE_EQ(v.id_rate[k].tpr, expected[k].tpr) << kValidationFprs[k];
  }
  // Near copies of one face are nearer each other than other faces, even
  // through an untrained net: the identification rate sees it.
  EXPECT_GT(v.id_rate[0].tpr, 0.5);
  EXPECT_TRUE(v.head_accuracy.has_value());
  EXPECT_GT(v.nearest_neighbour_accuracy, 0.5);

  // Identities the head has no class for: the same embedding metrics, no head.
  const ValidationResult u = ValidateUnseenIdentities(**net, images, transform, torch::kCPU);
  EXPECT_FALSE(u.head_accuracy.has_value());
  EXPECT_EQ(u.nearest_neighbour_accuracy, v.nearest_neighbour_accuracy);
  ASSERT_EQ(u.id_rate.size(), v.id_rate.size());
  for (size_t k = 0; k < v.id_rate.size(); ++k) EXPECT_EQ(u.id_rate[k].tpr, v.id_rate[k].tpr);
}

// Images whose one pixel value names their identity (and the split, so every
// image can be traced to where it came from).
data::FaceImages Tagged(const std::vector<int>& labels, int split) {
  std::vector<cv::Mat> images;
  for (int label : labels) images.push_back(cv::Mat(2, 2, CV_8UC3, cv::Scalar(label, split, 0)));
  return data::FaceImages::FromImages(images, labels);
}

TEST(HeldOutIdentitiesTest, EveryImageOfAHeldOutIdentityIsUnseenAndTheOthersAreRelabelledInOrder) {
  RecognitionData d;
  d.num_classes = 10;
  std::vector<int> three_each;
  for (int label = 0; label < 10; ++label) three_each.insert(three_each.end(), {label, label, label});
  d.train = Tagged(three_each, 0);
  d.val = Tagged({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 1);
  d.test = Tagged({9, 6, 3, 0, 1}, 2);
  d.queries = Tagged({42}, 3);
  d.fingerprint = "f";

  absl::StatusOr<RecognitionData> held = WithHeldOutIdentities(d, 3);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->num_classes, 7);
  // Spread over the labels: every third, three of them.
  const std::set<int> out = {0, 3, 6};
  // The reference: the kept labels in their order get 0, 1, 2, ...
  std::map<int, int> relabel;
  for (int label = 0; label < 10; ++label) {
    if (!out.count(label)) relabel.emplace(label, static_cast<int>(relabel.size()));
  }
  size_t expected_unseen = 0;
  for (const auto& [split, original] :
       {std::pair{&held->train, &d.train}, std::pair{&held->val, &d.val}, std::pair{&held->test, &d.test}}) {
    std::vector<int> kept;
    for (int label : original->labels()) {
      if (out.count(label)) {
        ++expected_unseen;
      } else {
        kept.push_back(relabel.at(label));
      }
    }
    EXPECT_EQ(split->labels(), kept);
    for (size_t i = 0; i < split->size(); ++i) {  // The pixels came along with their label.
      EXPECT_EQ(relabel.at(split->image(i).at<cv::Vec3b>(0, 0)[0]), split->label(i));
    }
  }
  ASSERT_EQ(held->unseen.size(), expected_unseen);
  for (size_t i = 0; i < held->unseen.size(); ++i) {
    EXPECT_TRUE(out.count(held->unseen.label(i))) << held->unseen.label(i);
    EXPECT_EQ(held->unseen.image(i).at<cv::Vec3b>(0, 0)[0], held->unseen.label(i));
  }
  // celebA_ir and the fingerprint are not touched.
  EXPECT_EQ(held->queries.labels(), d.queries.labels());
  EXPECT_EQ(held->fingerprint, d.fingerprint);
}

TEST(HeldOutIdentitiesTest, NoneHeldOutChangesNothingAndTooManyIsAnError) {
  RecognitionData d;
  d.num_classes = 10;
  d.train = Tagged({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0);
  absl::StatusOr<RecognitionData> none = WithHeldOutIdentities(d, 0);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->train.labels(), d.train.labels());
  EXPECT_EQ(none->unseen.size(), 0u);
  EXPECT_EQ(none->num_classes, 10);
  absl::StatusOr<RecognitionData> most = WithHeldOutIdentities(d, 8);  // Two left to train on.
  ASSERT_TRUE(most.ok()) << most.status();
  EXPECT_EQ(most->train.labels(), std::vector<int>({0, 1}));
  EXPECT_EQ(most->unseen.size(), 8u);
  for (int bad : {-1, 9, 10}) {
    const absl::Status s = WithHeldOutIdentities(d, bad).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find(absl::StrCat(bad)), std::string::npos) << s;
  }
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
