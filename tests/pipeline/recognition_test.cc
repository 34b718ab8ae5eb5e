#include "facerec/pipeline/recognition.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>

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

}  // namespace
}  // namespace facerec::pipeline
