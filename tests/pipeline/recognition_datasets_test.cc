// A dataset is a value: CelebA-500 exported as a folder reads back exactly as
// the built-in reader gives it; photos of any size go through the chain once
// and come back from the face cache, keyed by photo and models; bad photos
// are skipped, counted and listed, never fatal.
#include "facerec/pipeline/recognition_datasets.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "facerec/data/celeba.h"
#include "tests/testing/test_data.h"

namespace facerec::pipeline {
namespace {

namespace fs = std::filesystem;

bool SamePixels(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

void ExpectSameImages(const data::FaceImages& a, const data::FaceImages& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  EXPECT_EQ(a.labels(), b.labels()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(SamePixels(a.image(i), b.image(i))) << what << " image " << i;
  }
}

TEST(DatasetSpecTest, ParsesTheFourKindsAndNamesThemWithoutMachinePaths) {
  EXPECT_EQ(ParseDatasetSpec("celeba500")->kind, DatasetSpec::Kind::kCeleba500);
  EXPECT_EQ(ParseDatasetSpec("celeba_ir")->kind, DatasetSpec::Kind::kCelebaIr);
  const absl::StatusOr<DatasetSpec> folder = ParseDatasetSpec("folder:/srv/photos/team/");
  ASSERT_TRUE(folder.ok());
  EXPECT_EQ(folder->location, "/srv/photos/team/");
  EXPECT_EQ(folder->Name(), "folder:team");
  EXPECT_EQ(ParseDatasetSpec("list:/x/y/people.txt")->Name(), "list:people.txt");
  for (const char* bad : {"", "folder:", "list:", "celeba", "dir:/x"}) {
    const absl::Status s = ParseDatasetSpec(bad).status();
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << bad;
    EXPECT_NE(s.message().find("allowed: celeba500, celeba_ir, folder:DIR"), std::string::npos) << s;
  }
}

// The acceptance's data half: with the data identical (pixels, labels,
// order), training is too (the loader and trainer are pure functions of the
// data and the seed: data/face_batches.h, tests/train).
TEST(RecognitionDatasetTest, Celeba500ExportedAsAFolderReadsBackAsTheBuiltInReaderGivesIt) {
  const fs::path root = testing::DataRoot();
  const fs::path out = testing::FreshTempDir("celeba_folder") / "celeba500";
  const absl::StatusOr<data::Celeba500> celeba = data::LoadCeleba500(root);
  ASSERT_TRUE(celeba.ok()) << celeba.status();
  ASSERT_TRUE(data::ExportCeleba500AsFolder(*celeba, out).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(data::ExportCeleba500AsFolder(*celeba, out)));

  DatasetOptions builtin;
  DatasetOptions folder;
  folder.dataset = *ParseDatasetSpec(absl::StrCat("folder:", out.string()));
  folder.aligned = true;
  folder.split_file = (out / "split.txt").string();
  folder.eval_dataset = *ParseDatasetSpec("celeba_ir");
  const absl::StatusOr<LoadedDataset> a = LoadRecognitionDataset(root, builtin, 2);
  const absl::StatusOr<LoadedDataset> b = LoadRecognitionDataset(root, folder, 2);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->data.num_classes, b->data.num_classes);
  ExpectSameImages(a->data.train, b->data.train, "train");
  ExpectSameImages(a->data.val, b->data.val, "val");
  ExpectSameImages(a->data.test, b->data.test, "test");
  ExpectSameImages(a->data.queries, b->data.queries, "queries");
  ExpectSameImages(a->data.distractors, b->data.distractors, "distractors");
  ExpectSameImages(a->data.lfw, b->data.lfw, "lfw");
  EXPECT_EQ(a->data.lfw_pairs, b->data.lfw_pairs);
  EXPECT_EQ(b->data.eval_name, "celeba_ir");
  EXPECT_EQ(b->report.crops, 12011);
  EXPECT_TRUE(b->report.skipped.empty());
  // The folder's own name and no machine path in what a run records.
  const std::map<std::string, std::string> params = DatasetParams(folder, b->report);
  EXPECT_EQ(params.at("dataset"), "folder:celeba500");
  EXPECT_EQ(params.at("split"), "file");
  for (const auto& [key, value] : params) EXPECT_EQ(value.find(out.string()), std::string::npos) << key;
  EXPECT_TRUE(DatasetParams(builtin, a->report).empty());  // celeba500 runs keep their configuration hashes.
}

class ChainDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    const fs::path lfw = testing::DataRoot() / "lfw_fold1" / "lfw-deepfunneled";
    // Four people with two photos or more, one with one: real 250x250 photos.
    int copied = 0;
    for (const char* person : {"Abel_Pacheco", "Akhmed_Zakayev", "Antony_Leung", "Bernard_Law", "Abdel_Madi_Shabneh"}) {
      for (const auto& f : fs::directory_iterator(lfw / person)) {
        fs::create_directories(dir_ / "people" / person);
        fs::copy_file(f.path(), dir_ / "people" / person / f.path().filename());
        ++copied;
      }
    }
    ASSERT_GE(copied, 9);
    // A photo without a face, a truncated JPEG, and a person with nothing readable.
    cv::imwrite((dir_ / "people" / "Bernard_Law" / "grey.png").string(), cv::Mat(200, 200, CV_8UC3, cv::Scalar(128, 128, 128)));
    testing::WriteFile(dir_ / "people" / "Bernard_Law" / "cut.jpg", std::string("\xff\xd8\xff\xe0 not a whole jpeg", 20));
    testing::WriteFile(dir_ / "people" / "Zed" / "broken.jpg", "garbage");
    options_.dataset = *ParseDatasetSpec(absl::StrCat("folder:", (dir_ / "people").string()));
    options_.chain.detector_model = "models/facerec-detector.pt";
    options_.chain.landmark_model = "models/facerec-landmarks.pt";
    options_.face_cache = dir_ / "cache";
  }
  fs::path dir_;
  DatasetOptions options_;
};

TEST_F(ChainDatasetTest, PhotosGoThroughTheChainOnceAndComeBackFromTheCache) {
  const absl::StatusOr<LoadedDataset> first = LoadEvaluationDataset(options_);
  ASSERT_TRUE(first.ok()) << first.status();
  const DatasetReport& r = first->report;
  EXPECT_EQ(r.photos, r.crops + r.no_face + r.unreadable);
  EXPECT_EQ(r.no_face, 1);
  EXPECT_EQ(r.unreadable, 2);
  ASSERT_EQ(r.skipped.size(), 3u);
  std::set<std::string> skipped;
  for (const SkippedPhoto& s : r.skipped) skipped.insert(s.photo + ": " + s.reason);
  EXPECT_TRUE(skipped.count("Bernard_Law/grey.png: no face found")) << *skipped.begin();
  EXPECT_EQ(r.cache_hits, 0);
  EXPECT_EQ(r.cache_misses, r.crops + r.no_face);  // Undecodable photos are not cached.
  // Two photos or more: a query identity; the one-photo person a distractor.
  EXPECT_EQ(first->data.distractors.size(), 1u);
  EXPECT_EQ(first->data.queries.size() + 1, static_cast<size_t>(r.crops));
  EXPECT_EQ(first->eval_persons.back(), "Abdel_Madi_Shabneh");
  EXPECT_EQ(first->data.queries.image(0).size(), cv::Size(83, 100));

  const absl::StatusOr<LoadedDataset> second = LoadEvaluationDataset(options_);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->report.cache_hits, r.crops + r.no_face);
  EXPECT_EQ(second->report.cache_misses, 0);
  ExpectSameImages(first->data.queries, second->data.queries, "queries from the cache");
  EXPECT_EQ(first->data.fingerprint, second->data.fingerprint);

  // Other detection settings: another key, another folder, the chain again.
  DatasetOptions stricter = options_;
  stricter.chain.detection.score_threshold = 0.9;
  const absl::StatusOr<LoadedDataset> third = LoadEvaluationDataset(stricter);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->report.cache_hits, 0);
  EXPECT_NE(third->data.fingerprint, first->data.fingerprint);
}

TEST_F(ChainDatasetTest, ACacheFolderWrittenByOtherModelsIsRefusedNamingBoth) {
  ASSERT_TRUE(LoadEvaluationDataset(options_).ok());
  absl::StatusOr<std::unique_ptr<FaceCache>> cache = FaceCache::Open(options_.face_cache, options_.chain);
  ASSERT_TRUE(cache.ok());
  testing::WriteFile((*cache)->dir() / "models.txt", "detector ours 0000\n");
  const absl::Status status = LoadEvaluationDataset(options_).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_NE(status.message().find("was written by other models"), std::string::npos) << status;
  EXPECT_NE(status.message().find((*cache)->detector_sha256()), std::string::npos) << status;
}

TEST_F(ChainDatasetTest, TrainingOnAFolderHoldsIdentitiesOutAndListsWhatItSkipped) {
  DatasetOptions options = options_;
  options.split.held_out_identities = 0.5;  // 3 of 6 persons: at least one with two photos.
  options.split.distractor_identities = 0;
  const absl::StatusOr<LoadedDataset> loaded = LoadRecognitionDataset(testing::DataRoot(), options, 2);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const RecognitionData& d = loaded->data;
  EXPECT_EQ(d.eval_name, "folder:people");
  EXPECT_GE(d.num_classes, 2);
  for (int label : d.train.labels()) EXPECT_LT(label, d.num_classes);
  EXPECT_GT(d.lfw_pairs.size(), 0u);  // LFW fold 1's pairs are always measured.
  const DatasetReport& r = loaded->report;
  EXPECT_EQ(r.split_source, "seeded");
  EXPECT_NE(std::find(r.persons_without_photos.begin(), r.persons_without_photos.end(), "Zed"),
            r.persons_without_photos.end());
  EXPECT_NE(DatasetReportText(r).find("no face 1"), std::string::npos) << DatasetReportText(r);
}

TEST_F(ChainDatasetTest, AnEmptyFolderIsOneClearError) {
  DatasetOptions options = options_;
  fs::create_directories(dir_ / "nobody");
  options.dataset = *ParseDatasetSpec(absl::StrCat("folder:", (dir_ / "nobody").string()));
  const absl::Status status = LoadRecognitionDataset(testing::DataRoot(), options, 2).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_NE(status.message().find("no photos"), std::string::npos) << status;
}

}  // namespace
}  // namespace facerec::pipeline
