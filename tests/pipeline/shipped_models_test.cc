// The models shipped in models/ are what the manifest says: each file has
// its sha256 and size, loads as its kind, and the three together name LFW
// people: on real photos the chain finds one face each, and two photos of
// one person are closer than photos of two people. The recogniser's
// threshold table rises as the false-accept rate falls.
#include "facerec/pipeline/shipped_models.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

#include <opencv2/imgcodecs.hpp>

#include "facerec/align/landmark_detector.h"
#include "facerec/chain/face_chain.h"
#include "facerec/chain/face_embedder.h"
#include "facerec/core/sha256.h"
#include "facerec/detect/our_detector.h"
#include "tests/testing/test_data.h"

namespace facerec::pipeline {
namespace {

using tracking::ModelKind;

// Under `bazel test` the current directory is the workspace's runfiles.
std::vector<ShippedModel> Shipped() {
  const absl::StatusOr<std::vector<ShippedModel>> shipped = ReadShippedModels(std::filesystem::current_path());
  EXPECT_TRUE(shipped.ok()) << shipped.status();
  return shipped.ok() ? *shipped : std::vector<ShippedModel>{};
}

const ShippedModel* OfKind(const std::vector<ShippedModel>& shipped, ModelKind kind) {
  for (const ShippedModel& s : shipped) {
    if (s.registration.kind == kind) return &s;
  }
  return nullptr;
}

TEST(ShippedModelsTest, EveryFileIsTheOneTheManifestNames) {
  const std::vector<ShippedModel> shipped = Shipped();
  for (ModelKind kind : {ModelKind::kDetector, ModelKind::kLandmarks, ModelKind::kRecogniser}) {
    EXPECT_NE(OfKind(shipped, kind), nullptr) << "no shipped " << tracking::ModelKindName(kind);
  }
  int64_t total = 0;
  for (const ShippedModel& s : shipped) {
    const tracking::ModelRegistration& r = s.registration;
    SCOPED_TRACE(r.name);
    EXPECT_EQ(*Sha256OfFile(r.path), r.sha256);
    EXPECT_EQ(static_cast<int64_t>(std::filesystem::file_size(r.path)), r.size_bytes);
    EXPECT_EQ(r.run_uid.size(), 32u);  // Its run is in experiments/results_runs.tsv (cited_runs_test).
    EXPECT_FALSE(s.input.empty());
    total += r.size_bytes;
  }
  EXPECT_LE(total, 20 << 20);
}

TEST(ShippedModelsTest, EachLoadsAsItsKind) {
  const std::vector<ShippedModel> shipped = Shipped();
  for (const ShippedModel& s : shipped) {
    const std::string& path = s.registration.path;
    switch (s.registration.kind) {
      case ModelKind::kDetector:
        EXPECT_TRUE(detect::OurDetector::Load(path, {}).ok()) << path;
        break;
      case ModelKind::kLandmarks:
        EXPECT_TRUE(align::LandmarkDetector::Load(path).ok()) << path;
        break;
      case ModelKind::kRecogniser:
        EXPECT_TRUE(chain::FaceEmbedder::Load(path).ok()) << path;
        break;
    }
  }
}

TEST(ShippedModelsTest, TheRecognisersThresholdRisesAsTheFalseAcceptRateFalls) {
  const std::vector<ShippedModel> shipped = Shipped();
  const ShippedModel* recogniser = OfKind(shipped, ModelKind::kRecogniser);
  ASSERT_NE(recogniser, nullptr);
  std::map<double, double> by_far;
  for (const auto& [key, value] : recogniser->registration.metrics) {
    if (key.rfind(kThresholdAtFarPrefix, 0) == 0) by_far[std::stod(key.substr(std::strlen(kThresholdAtFarPrefix)))] = value;
  }
  ASSERT_GE(by_far.size(), 3u);
  EXPECT_TRUE(by_far.count(1e-3));  // tools:identify's default --far.
  double previous = 2;
  for (const auto& [far, threshold] : by_far) {  // Lowest rate first.
    EXPECT_LE(threshold, previous) << far;
    EXPECT_GT(threshold, -1);
    previous = threshold;
  }
}

TEST(ShippedModelsTest, TheChainOfShippedModelsTellsLfwPeopleApart) {
  const std::vector<ShippedModel> shipped = Shipped();
  ASSERT_EQ(shipped.size(), 3u);
  chain::FaceChainOptions options;
  options.detector_model = OfKind(shipped, ModelKind::kDetector)->registration.path;
  options.landmark_model = OfKind(shipped, ModelKind::kLandmarks)->registration.path;
  options.embedding_model = OfKind(shipped, ModelKind::kRecogniser)->registration.path;
  auto made = chain::FaceChain::Create(options);
  ASSERT_TRUE(made.ok()) << made.status();
  const std::filesystem::path lfw = testing::DataRoot() / "lfw_fold1" / "lfw-deepfunneled";
  const std::vector<std::pair<std::string, std::vector<std::string>>> people = {
      {"Hugo_Chavez", {"Hugo_Chavez_0002.jpg", "Hugo_Chavez_0027.jpg"}},
      {"Jennifer_Garner", {"Jennifer_Garner_0001.jpg", "Jennifer_Garner_0003.jpg"}},
      {"Pervez_Musharraf", {"Pervez_Musharraf_0001.jpg", "Pervez_Musharraf_0002.jpg"}},
      {"Jacques_Rogge", {"Jacques_Rogge_0001.jpg", "Jacques_Rogge_0003.jpg"}}};
  std::vector<std::pair<int, at::Tensor>> embeddings;
  for (size_t person = 0; person < people.size(); ++person) {
    for (const std::string& file : people[person].second) {
      const cv::Mat photo = cv::imread((lfw / people[person].first / file).string(), cv::IMREAD_COLOR);
      ASSERT_FALSE(photo.empty()) << file;
      auto faces = (*made)->Process(photo);
      ASSERT_TRUE(faces.ok()) << faces.status();
      ASSERT_FALSE(faces->empty()) << "no face in " << file;
      // LFW's photos are centred on the named person: the face nearest the centre.
      const chain::ChainFace* best = &faces->front();
      auto distance = [&](const chain::ChainFace& f) {
        const auto& b = f.detection.box;
        return std::hypot(b.x + b.width / 2 - photo.cols / 2.0, b.y + b.height / 2 - photo.rows / 2.0);
      };
      for (const chain::ChainFace& f : *faces) {
        if (distance(f) < distance(*best)) best = &f;
      }
      embeddings.emplace_back(static_cast<int>(person), best->embedding);
    }
  }
  double same = 0, other = 0;
  int same_pairs = 0, other_pairs = 0;
  for (size_t i = 0; i < embeddings.size(); ++i) {
    for (size_t j = i + 1; j < embeddings.size(); ++j) {
      const double cosine = embeddings[i].second.dot(embeddings[j].second).item<double>();
      if (embeddings[i].first == embeddings[j].first) same += cosine, ++same_pairs;
      else other += cosine, ++other_pairs;
    }
  }
  EXPECT_GT(same / same_pairs, other / other_pairs + 0.2)
      << "same person " << same / same_pairs << ", different people " << other / other_pairs;
}

}  // namespace
}  // namespace facerec::pipeline
