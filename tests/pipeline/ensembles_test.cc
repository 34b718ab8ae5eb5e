// Recognisers used together: chosen by file or by the sha256 of a run's
// net, loaded as one ensemble (refused when they take different inputs),
// and the teachers' target per image against a per-image reference.
// Runs in a workspace of its own (BUILD_WORKSPACE_DIRECTORY).
#include "facerec/pipeline/ensembles.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <opencv2/core.hpp>

#include "facerec/backbones/embedding_net.h"
#include "facerec/core/sha256.h"
#include "glog/logging.h"
#include "tests/testing/test_data.h"

namespace facerec::pipeline {
namespace {

namespace F = torch::nn::functional;

class EnsemblesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workspace_ = testing::FreshTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    setenv("BUILD_WORKSPACE_DIRECTORY", workspace_.c_str(), 1);
    auto store = tracking::ExperimentStore::Open((workspace_ / "results.db").string());
    CHECK(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // A small untrained recogniser saved as an embedding_net file; returns its sha256.
  std::string SaveNet(const std::string& relative, int height, int width, uint64_t seed) {
    torch::manual_seed(seed);
    backbones::BackboneOptions options;
    options.name = "ir_mini";
    options.embedding_size = 8;
    options.input_height = height;
    options.input_width = width;
    options.width_multiplier = 0.25;
    auto net = backbones::MakeBackbone(options);
    CHECK(net.ok()) << net.status();
    (*net)->eval();
    std::filesystem::create_directories((workspace_ / relative).parent_path());
    CHECK(backbones::SaveEmbeddingNet({*net, options, /*flip_test=*/true}, (workspace_ / relative).string()).ok());
    return *Sha256OfFile((workspace_ / relative).string());
  }

  // A FINISHED compare_losses run whose embedding_net artifact is `relative`.
  std::string RecordRun(const std::string& relative) {
    tracking::RunOptions options;
    options.experiment = "compare_losses";
    options.name = "arcface";
    auto id = store_->StartRun(options);
    CHECK(id.ok()) << id.status();
    CHECK(store_->LogArtifact(*id, "embedding_net", (workspace_ / relative).string()).ok());
    CHECK(store_->FinishRun(*id, tracking::RunStatus::kFinished).ok());
    return store_->GetRun(*id)->uid;
  }

  absl::StatusOr<std::vector<ChosenModel>> Choose(const std::vector<std::string>& values) {
    return ChooseRecognisers(OpenedStore(*store_), "teachers", values);
  }

  std::filesystem::path workspace_;
  std::unique_ptr<tracking::ExperimentStore> store_;
};

TEST_F(EnsemblesTest, MembersAreChosenByFileOrByTheSha256OfARunsNet) {
  const std::string a = SaveNet("nets/a.pt", 16, 16, 1);
  const std::string b = SaveNet("runs/b.pt", 16, 16, 2);
  const std::string uid = RecordRun("runs/b.pt");
  const auto chosen = Choose({"nets/a.pt", b});
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  ASSERT_EQ(chosen->size(), 2u);
  EXPECT_EQ((*chosen)[0].sha256, a);
  EXPECT_EQ((*chosen)[1].sha256, b);
  EXPECT_EQ((*chosen)[1].path, (workspace_ / "runs/b.pt").string());
  EXPECT_NE((*chosen)[1].reason.find(uid.substr(0, 8)), std::string::npos) << (*chosen)[1].reason;
}

TEST_F(EnsemblesTest, AnUnknownSha256OrFileOrNoMemberIsAnErrorNamingTheFlag) {
  const auto unknown = Choose({std::string(64, 'a')});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound) << unknown.status();
  EXPECT_NE(unknown.status().message().find("--teachers=aaaaaaaaaaaa"), std::string::npos) << unknown.status();
  const auto missing = Choose({"nets/none.pt"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  EXPECT_NE(missing.status().message().find("teachers"), std::string::npos) << missing.status();
  EXPECT_EQ(Choose({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EnsemblesTest, MembersTakingDifferentInputsAreRefusedNamingBoth) {
  SaveNet("nets/a.pt", 16, 16, 1);
  SaveNet("nets/c.pt", 20, 16, 3);
  const auto chosen = Choose({"nets/a.pt", "nets/c.pt"});
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  const auto loaded = LoadEnsemble(*chosen, backbones::EnsembleCombination::kConcatenate);
  ASSERT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument) << loaded.status();
  EXPECT_NE(loaded.status().message().find("16x16"), std::string::npos) << loaded.status();
  EXPECT_NE(loaded.status().message().find("20x16"), std::string::npos) << loaded.status();
}

TEST_F(EnsemblesTest, TeacherEmbeddingsAreTheUnitSumOfEachViewsConcatenatedUnitEmbeddings) {
  const std::string a = SaveNet("nets/a.pt", 16, 16, 1), b = SaveNet("nets/b.pt", 16, 16, 2);
  const auto chosen = Choose({"nets/a.pt", "nets/b.pt"});
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  auto ensemble = LoadEnsemble(*chosen, backbones::EnsembleCombination::kConcatenate);
  ASSERT_TRUE(ensemble.ok()) << ensemble.status();
  EXPECT_EQ(ensemble->net->embedding_size(), 16);
  EXPECT_EQ(ensemble->sha256, (std::vector<std::string>{a, b}));
  EXPECT_TRUE(ensemble->flip_test);
  const int64_t one = [&] {
    int64_t n = 0;
    for (const auto& p : backbones::LoadEmbeddingNet((workspace_ / "nets/a.pt").string())->backbone->parameters()) {
      n += p.numel();
    }
    return n;
  }();
  EXPECT_EQ(ensemble->parameters, 2 * one);

  // Three 24x20 photos of noise; the members take 16x16.
  cv::RNG rng(7);
  std::vector<cv::Mat> photos;
  for (int i = 0; i < 3; ++i) {
    cv::Mat m(24, 20, CV_8UC3);
    rng.fill(m, cv::RNG::UNIFORM, 0, 255);
    photos.push_back(m);
  }
  const data::FaceImages images = data::FaceImages::FromImages(photos, {0, 1, 2});
  const torch::Tensor teacher = TeacherEmbeddings(*ensemble, images, torch::kCPU);
  ASSERT_EQ(teacher.sizes(), torch::IntArrayRef({3, 16}));

  // Per image, by hand: resize, both views through each member, unit
  // length per member, concatenated, the views summed, unit length.
  data::AugmentOptions resize;
  resize.enabled = false;
  resize.output_height = 16;
  resize.output_width = 16;
  auto net_a = backbones::LoadEmbeddingNet((workspace_ / "nets/a.pt").string()).value().backbone;
  auto net_b = backbones::LoadEmbeddingNet((workspace_ / "nets/b.pt").string()).value().backbone;
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < 3; ++i) {
    const torch::Tensor x = data::Transform(images.image(i), resize, nullptr).unsqueeze(0);
    torch::Tensor sum = torch::zeros({1, 16});
    for (const torch::Tensor& view : {x, x.flip({3})}) {
      sum += torch::cat({F::normalize(net_a->forward(view), F::NormalizeFuncOptions().dim(1)),
                         F::normalize(net_b->forward(view), F::NormalizeFuncOptions().dim(1))},
                        1);
    }
    const torch::Tensor expected = F::normalize(sum, F::NormalizeFuncOptions().dim(1))[0];
    EXPECT_TRUE(torch::allclose(teacher[i], expected, 1e-4, 1e-5)) << i << ": " << teacher[i] << " vs " << expected;
  }
}

TEST_F(EnsemblesTest, CachedTeacherEmbeddingsAreWrittenOnceThenReadAndRecomputedWhenTheyDoNotFit) {
  SaveNet("nets/a.pt", 16, 16, 1);
  auto ensemble = LoadEnsemble(*Choose({"nets/a.pt"}), backbones::EnsembleCombination::kConcatenate);
  ASSERT_TRUE(ensemble.ok()) << ensemble.status();
  cv::Mat photo(16, 16, CV_8UC3, cv::Scalar(10, 200, 90));
  const data::FaceImages images = data::FaceImages::FromImages({photo, photo.clone()}, {0, 1});
  const std::string file = (workspace_ / "cache/teacher.pt").string();
  const auto first = CachedTeacherEmbeddings(*ensemble, images, torch::kCPU, file);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(torch::allclose(*first, TeacherEmbeddings(*ensemble, images, torch::kCPU)));
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(file + ".partial"));
  // What the file holds is what comes back (it is read, not recomputed).
  const torch::Tensor marked = torch::full({2, 8}, 0.5);
  torch::save(marked, file);
  EXPECT_TRUE(torch::equal(*CachedTeacherEmbeddings(*ensemble, images, torch::kCPU, file), marked));
  // A file of the wrong shape, or not a tensor, is computed again.
  torch::save(torch::zeros({3, 8}), file);
  EXPECT_TRUE(torch::allclose(*CachedTeacherEmbeddings(*ensemble, images, torch::kCPU, file), *first));
  testing::WriteFile(file, "not a tensor");
  EXPECT_TRUE(torch::allclose(*CachedTeacherEmbeddings(*ensemble, images, torch::kCPU, file), *first));
}

}  // namespace
}  // namespace facerec::pipeline
