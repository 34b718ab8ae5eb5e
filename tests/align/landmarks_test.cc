// The landmark stage's pieces: Wing loss values, the soft-argmax head against
// a brute-force mean position, crop geometry under
// rotation/framing/edge cuts/mirroring (the point must stay on the pixel it marks, with
// left and right swapped by a flip), model files, a short real training, and
// a killed training resumed from its checkpoint.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/imgproc.hpp>
#include <random>
#include <torch/torch.h>

#include "facerec/align/landmark_crops.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/align/landmark_examples.h"
#include "facerec/align/landmark_net.h"
#include "facerec/metrics/landmarks.h"
#include "facerec/train/landmark_trainer.h"
#include "tests/testing/test_data.h"

namespace facerec::align {
namespace {

using data::Point2;

// The shipped net, in the test's runfiles (//models:shipped).
constexpr char kShippedLandmarks[] = "models/facerec-landmarks.pt";

TEST(WingLossTest, MatchesHandValuesOnBothBranches) {
  // w = 10, eps = 2: |d| = 1 -> 10 ln 1.5; |d| = 20 -> 20 - (10 - 10 ln 6).
  const torch::Tensor truth = torch::zeros({1, 5, 2});
  torch::Tensor predicted = torch::zeros({1, 5, 2});
  predicted[0][0][0] = 1.0;
  predicted[0][1][1] = -20.0;
  const double expected = (10 * std::log(1.5) + 20 - (10 - 10 * std::log(6.0))) / 10;
  EXPECT_NEAR(WingLoss(predicted, truth).item<double>(), expected, 1e-5);
  // Continuous at |d| = w.
  predicted = torch::full({1, 5, 2}, 10.0);
  EXPECT_NEAR(WingLoss(predicted, truth).item<double>(), 10 * std::log(6.0), 1e-4);
}

// A photo with one distinct bright dot per landmark.
cv::Mat DotsPhoto(const std::vector<Point2>& points) {
  cv::Mat photo(240, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  for (size_t i = 0; i < points.size(); ++i) {
    cv::circle(photo, cv::Point(static_cast<int>(points[i].x), static_cast<int>(points[i].y)), 4,
               cv::Scalar(50.0 * (i + 1), 255, 0), cv::FILLED);
  }
  return photo;
}

TEST(LandmarkCropsTest, AugmentedPointsStayOnTheirDotsAndFlipsSwapSides) {
  const std::vector<Point2> points = {{80, 100}, {130, 95}, {105, 125}, {85, 150}, {128, 148}};
  const cv::Mat photo = DotsPhoto(points);
  const SquareBox box = BoxAroundPoints(points, 2.0);
  LandmarkAugmentOptions options;
  // Dots stay inside the crop and a few pixels wide: this checks geometry, not framing.
  options.min_eye_mouth_fraction = 0.3;
  options.max_eye_mouth_fraction = 0.42;
  options.tight_crop_probability = 0.5;  // Cut edges must spare the dots.
  options.color_jitter = 0;
  options.grey_probability = 0;
  int mirrored = 0;
  for (int trial = 0; trial < 40; ++trial) {
    std::mt19937_64 rng(trial);
    const LandmarkSample s = MakeLandmarkSample(photo, points, box, 64, options, &rng);
    ASSERT_EQ(s.crop.rows, 64);
    for (size_t i = 0; i < 5; ++i) {
      const int x = static_cast<int>(std::lround(s.points[i].x * 64 - 0.5));
      const int y = static_cast<int>(std::lround(s.points[i].y * 64 - 0.5));
      ASSERT_TRUE(x >= 0 && x < 64 && y >= 0 && y < 64) << "trial " << trial << " point " << i;
      const cv::Vec3b pixel = s.crop.at<cv::Vec3b>(y, x);
      // Point i of the sample must sit on a dot; after a flip, point 0 (the
      // eye on the image's left) is the dot drawn for the other eye.
      EXPECT_GT(pixel[1], 100) << "trial " << trial << " point " << i;
      const double red = pixel[0];
      const bool flipped_here = std::abs(red - 50.0 * (i + 1)) > 20;
      if (i == 0 && flipped_here) {
        ++mirrored;
        EXPECT_NEAR(red, 100, 25) << "left eye after a flip is the dot of point 1";
      }
    }
    // The left eye is left of the right eye, flipped or not.
    EXPECT_LT(s.points[0].x, s.points[1].x);
    EXPECT_LT(s.points[3].x, s.points[4].x);
  }
  EXPECT_GT(mirrored, 5);
  EXPECT_LT(mirrored, 35);
}

TEST(LandmarkCropsTest, AugmentedCropsAreFramedAroundThePointsWhateverTheBox) {
  const std::vector<Point2> points = {{80, 100}, {130, 95}, {105, 125}, {85, 150}, {128, 148}};
  const cv::Mat photo = DotsPhoto(points);
  const SquareBox far_off{10, 10, 15};  // Ignored when augmenting.
  LandmarkAugmentOptions options;
  for (int trial = 0; trial < 40; ++trial) {
    std::mt19937_64 rng(trial);
    const LandmarkSample s = MakeLandmarkSample(photo, points, far_off, 64, options, &rng);
    double mean_x = 0, mean_y = 0;
    for (const Point2& p : s.points) {
      mean_x += p.x / 5;
      mean_y += p.y / 5;
    }
    // The box centre is within max_shift x side of the points' mean per axis
    // (a rotation about the centre turns that offset: sqrt(2) bounds it).
    EXPECT_NEAR(mean_x, 0.5, std::sqrt(2.0) * options.max_shift) << "trial " << trial;
    EXPECT_NEAR(mean_y, 0.5, std::sqrt(2.0) * options.max_shift) << "trial " << trial;
    const double eye_mouth = std::hypot((s.points[0].x + s.points[1].x - s.points[3].x - s.points[4].x) / 2,
                                        (s.points[0].y + s.points[1].y - s.points[3].y - s.points[4].y) / 2);
    EXPECT_GE(eye_mouth, options.min_eye_mouth_fraction - 1e-9) << "trial " << trial;
    EXPECT_LE(eye_mouth, options.max_eye_mouth_fraction + 1e-9) << "trial " << trial;
  }
}

TEST(LandmarkCropsTest, TightCropsRefillCutEdgesFromTheLastRowOrColumn) {
  const std::vector<Point2> points = {{180, 200}, {230, 195}, {205, 225}, {185, 250}, {228, 248}};
  // A gradient background wide enough for every framing: an uncut crop
  // never has two equal edge rows or columns.
  cv::Mat photo(450, 450, CV_8UC3);
  for (int y = 0; y < photo.rows; ++y) {
    for (int x = 0; x < photo.cols; ++x) photo.at<cv::Vec3b>(y, x) = cv::Vec3b(x % 256, y % 256, 0);
  }
  LandmarkAugmentOptions options;
  options.max_rotation_degrees = 0;
  options.flip_probability = 0;
  options.color_jitter = 0;
  options.grey_probability = 0;
  auto edges_replicated = [](const cv::Mat& crop) {
    return cv::norm(crop.row(0), crop.row(1), cv::NORM_INF) == 0 ||
           cv::norm(crop.col(0), crop.col(1), cv::NORM_INF) == 0 ||
           cv::norm(crop.row(63), crop.row(62), cv::NORM_INF) == 0 ||
           cv::norm(crop.col(63), crop.col(62), cv::NORM_INF) == 0;
  };
  int cut = 0;
  for (int trial = 0; trial < 20; ++trial) {
    std::mt19937_64 rng(trial);
    options.tight_crop_probability = 0;
    EXPECT_FALSE(edges_replicated(MakeLandmarkSample(photo, points, {}, 64, options, &rng).crop));
    rng.seed(trial);
    options.tight_crop_probability = 1;
    const LandmarkSample tight = MakeLandmarkSample(photo, points, {}, 64, options, &rng);
    cut += edges_replicated(tight.crop);
  }
  EXPECT_GE(cut, 15);  // An edge is only left whole when its random cut rounds to 0.
}

TEST(LandmarkCropsTest, CropToPhotoInvertsThePlainCrop) {
  const SquareBox box{120.5, 80.25, 90};
  const cv::Matx23d m = PhotoToCrop(box, 64);
  const Point2 photo_point{100, 70};
  const double cx = m(0, 0) * photo_point.x + m(0, 1) * photo_point.y + m(0, 2);
  const double cy = m(1, 0) * photo_point.x + m(1, 1) * photo_point.y + m(1, 2);
  const std::vector<Point2> back = CropToPhoto(box, {{cx / 64, cy / 64}});
  EXPECT_NEAR(back[0].x, photo_point.x, 1e-9);
  EXPECT_NEAR(back[0].y, photo_point.y, 1e-9);
}

TEST(LandmarkCropsTest, CropToPhotoInvertsATurnedCrop) {
  const SquareBox box{120.5, 80.25, 90};
  for (const double angle : {-40.0, 0.0, 30.0}) {
    const cv::Matx23d m = PhotoToCrop(box, 64, angle);
    const Point2 photo_point{100, 70};
    const double cx = m(0, 0) * photo_point.x + m(0, 1) * photo_point.y + m(0, 2);
    const double cy = m(1, 0) * photo_point.x + m(1, 1) * photo_point.y + m(1, 2);
    const std::vector<Point2> back = CropToPhoto(box, {{cx / 64, cy / 64}}, angle);
    EXPECT_NEAR(back[0].x, photo_point.x, 1e-9) << angle;
    EXPECT_NEAR(back[0].y, photo_point.y, 1e-9) << angle;
  }
}

// The detector's crops are the training crops with augmentation off, pixel
// for pixel.
TEST(LandmarkCropsTest, CropOfBoxIsThePlainTrainingCrop) {
  cv::Mat photo(90, 120, CV_8UC3);
  cv::randu(photo, 0, 255);
  const SquareBox box{50.5, 40.25, 70};
  LandmarkAugmentOptions plain;
  plain.enabled = false;
  const cv::Mat expected = MakeLandmarkSample(photo, {}, box, 64, plain, nullptr).crop;
  const cv::Mat crop = CropOfBox(photo, box, 64);
  ASSERT_EQ(crop.size(), expected.size());
  EXPECT_EQ(cv::norm(crop, expected, cv::NORM_INF), 0);
}

TEST(LandmarkDetectorTest, EyeLineDegreesIsTheAngleFromTheLeftEyeToTheOther) {
  EXPECT_NEAR(EyeLineDegrees({{0, 0}, {10, 0}, {5, 5}, {1, 9}, {9, 9}}), 0, 1e-12);
  EXPECT_NEAR(EyeLineDegrees({{0, 0}, {10, 10}, {5, 5}, {1, 9}, {9, 9}}), 45, 1e-12);  // y down: right eye lower.
  EXPECT_NEAR(EyeLineDegrees({{0, 0}, {10, -10 * std::sqrt(3.0)}, {5, 5}, {1, 9}, {9, 9}}), -60, 1e-9);
}

// The shipped net trains on rolls up to 15 degrees; faces rolled by 40 are
// found far better when the refinement crop is turned upright.
TEST(LandmarkDetectorTest, UprightRefinementFindsFacesRolledPastTheTrainedRange) {
  absl::StatusOr<std::vector<LandmarkExample>> all =
      LoadMtflExamples(testing::DataRoot(), "new_training.txt", 2);
  ASSERT_TRUE(all.ok()) << all.status();
  LandmarkDetectorOptions level;
  level.flip_average = false;
  level.upright_refinement = false;
  LandmarkDetectorOptions upright = level;
  upright.upright_refinement = true;
  absl::StatusOr<LandmarkDetector> without = LandmarkDetector::Load(kShippedLandmarks, c10::kCPU, level);
  ASSERT_TRUE(without.ok()) << without.status();
  absl::StatusOr<LandmarkDetector> with = LandmarkDetector::Load(kShippedLandmarks, c10::kCPU, upright);
  ASSERT_TRUE(with.ok()) << with.status();
  std::vector<cv::Mat> photos;
  std::vector<SquareBox> boxes;
  std::vector<std::vector<Point2>> truth;
  for (size_t i = 0; i < all->size() && photos.size() < 60; i += 97) {
    const LandmarkExample& e = (*all)[i];
    // Padded by replication, then turned by 40 degrees about the box's centre.
    const int pad = e.photo.cols / 2;
    cv::Mat padded;
    cv::copyMakeBorder(e.photo, padded, pad, pad, pad, pad, cv::BORDER_REPLICATE);
    const cv::Point2f centre(static_cast<float>(e.box.center_x + pad), static_cast<float>(e.box.center_y + pad));
    const cv::Mat turn = cv::getRotationMatrix2D(centre, 40, 1.0);
    cv::Mat rolled;
    cv::warpAffine(padded, rolled, turn, padded.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    std::vector<Point2> points;
    for (const Point2& p : e.points) {
      const double x = p.x + pad, y = p.y + pad;
      points.push_back({turn.at<double>(0, 0) * x + turn.at<double>(0, 1) * y + turn.at<double>(0, 2),
                        turn.at<double>(1, 0) * x + turn.at<double>(1, 1) * y + turn.at<double>(1, 2)});
    }
    photos.push_back(rolled);
    boxes.push_back({e.box.center_x + pad, e.box.center_y + pad, e.box.side});
    truth.push_back(points);
  }
  const auto mean_nme = [&](LandmarkDetector& detector) {
    const std::vector<double> nme = metrics::NormalisedMeanErrors(detector.Detect(photos, boxes), truth);
    double sum = 0;
    for (double v : nme) sum += v;
    return sum / nme.size();
  };
  const double level_nme = mean_nme(*without);
  const double upright_nme = mean_nme(*with);
  RecordProperty("level_nme", std::to_string(level_nme));
  RecordProperty("upright_nme", std::to_string(upright_nme));
  EXPECT_LT(upright_nme, 0.8 * level_nme) << "NME level " << level_nme << ", upright " << upright_nme;
}

TEST(SoftArgmax2dTest, MatchesABruteForceSoftmaxWeightedMeanOfCellCentres) {
  torch::manual_seed(2);
  const torch::Tensor logits = torch::randn({2, 3, 4, 5}, torch::kDouble) * 3;
  const torch::Tensor got = SoftArgmax2d(logits);
  ASSERT_EQ(got.sizes(), (std::vector<int64_t>{2, 3, 2}));
  for (int n = 0; n < 2; ++n) {
    for (int k = 0; k < 3; ++k) {
      double total = 0, x = 0, y = 0;
      for (int r = 0; r < 4; ++r) {
        for (int c = 0; c < 5; ++c) {
          const double e = std::exp(logits[n][k][r][c].item<double>());
          total += e;
          x += e * (c + 0.5) / 5;
          y += e * (r + 0.5) / 4;
        }
      }
      EXPECT_NEAR(got[n][k][0].item<double>(), x / total, 1e-12);
      EXPECT_NEAR(got[n][k][1].item<double>(), y / total, 1e-12);
    }
  }
}

TEST(SoftArgmax2dTest, UniformMapGivesTheCentreAndAPeakGivesItsCellCentre) {
  torch::Tensor logits = torch::zeros({1, 2, 16, 16});
  logits[0][1][3][12] = 100;  // Row 3, column 12.
  const torch::Tensor got = SoftArgmax2d(logits);
  EXPECT_NEAR(got[0][0][0].item<double>(), 0.5, 1e-6);
  EXPECT_NEAR(got[0][0][1].item<double>(), 0.5, 1e-6);
  EXPECT_NEAR(got[0][1][0].item<double>(), 12.5 / 16, 1e-6);
  EXPECT_NEAR(got[0][1][1].item<double>(), 3.5 / 16, 1e-6);
}

TEST(LandmarkHeadTest, NamesParseBackAndOthersAreRejected) {
  for (LandmarkHead head : {LandmarkHead::kRegression, LandmarkHead::kSoftArgmax}) {
    EXPECT_EQ(ParseLandmarkHead(LandmarkHeadName(head)), head);
  }
  EXPECT_FALSE(ParseLandmarkHead("heatmap").has_value());
  EXPECT_FALSE(ParseLandmarkHead("").has_value());
}

TEST(LandmarkNetTest, SoftArgmaxNetGivesPointsInsideTheCropAndTrainsEveryLayer) {
  torch::manual_seed(6);
  LandmarkNetOptions options;
  options.base_width = 8;
  options.head = LandmarkHead::kSoftArgmax;
  LandmarkNet net(options);
  const torch::Tensor points = net->forward(torch::rand({3, 3, 64, 64}));
  ASSERT_EQ(points.sizes(), (std::vector<int64_t>{3, 5, 2}));
  // A softmax-weighted mean of cell centres lies between the first and last centres.
  EXPECT_GE(points.min().item<double>(), 0.5 / 16);
  EXPECT_LE(points.max().item<double>(), 15.5 / 16);
  WingLoss(points * 64, torch::full({3, 5, 2}, 0.3) * 64).backward();
  for (const auto& p : net->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << p.key();
  }
}

TEST(LandmarkDetectorTest, RefinementBoxIsCentredOnThePointsAndScaledByEyeToMouth) {
  // Eyes at y = 10, mouth corners at y = 37: eye-to-mouth distance 27.
  const std::vector<Point2> points = {{0, 10}, {20, 10}, {10, 20}, {2, 37}, {18, 37}};
  const SquareBox box = RefinementBox(points);
  EXPECT_NEAR(box.center_x, 10, 1e-12);
  EXPECT_NEAR(box.center_y, 22.8, 1e-12);
  EXPECT_NEAR(box.side, 27 / kRefineEyeMouthFraction, 1e-9);
}

TEST(LandmarkDetectorTest, SavedNetLoadsWithItsOptionsAndSameOutputs) {
  for (LandmarkHead head : {LandmarkHead::kRegression, LandmarkHead::kSoftArgmax}) {
    LandmarkNetOptions options;
    options.base_width = 8;
    options.hidden = 32;
    options.head = head;
    LandmarkNet net(options);
    net->eval();
    const std::string path = (testing::FreshTempDir("landmark_net") / "net.pt").string();
    ASSERT_TRUE(SaveLandmarkNet(net, path).ok());
    absl::StatusOr<LandmarkNet> loaded = LoadLandmarkNet(path);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    (*loaded)->eval();
    EXPECT_EQ((*loaded)->options().base_width, 8);
    EXPECT_EQ((*loaded)->options().head, head);
    const torch::Tensor x = torch::rand({2, 3, 64, 64});
    EXPECT_TRUE(torch::equal(net->forward(x), (*loaded)->forward(x))) << LandmarkHeadName(head);
  }
}

// Files written before the head existed hold 3 options; they are regression nets.
TEST(LandmarkDetectorTest, ModelFileWithoutAHeadLoadsAsRegressionAndAnUnknownHeadIsNamed) {
  const auto dir = testing::FreshTempDir("landmark_head");
  LandmarkNetOptions options;
  options.base_width = 8;
  options.hidden = 32;
  options.head = LandmarkHead::kRegression;  // What such a file holds, whatever today's default.
  LandmarkNet net(options);
  const auto save_with = [&](const torch::Tensor& stored_options, const std::string& name) {
    torch::serialize::OutputArchive archive;
    archive.write("options", stored_options);
    net->save(archive);
    archive.save_to((dir / name).string());
    return (dir / name).string();
  };
  absl::StatusOr<LandmarkNet> old_file = LoadLandmarkNet(save_with(torch::tensor({64L, 8L, 32L}), "old.pt"));
  ASSERT_TRUE(old_file.ok()) << old_file.status();
  EXPECT_EQ((*old_file)->options().head, LandmarkHead::kRegression);
  absl::StatusOr<LandmarkNet> unknown = LoadLandmarkNet(save_with(torch::tensor({64L, 8L, 32L, 7L}), "head7.pt"));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(unknown.status().message().find("unknown landmark head 7"), std::string::npos) << unknown.status();
  absl::StatusOr<LandmarkNet> odd = LoadLandmarkNet(save_with(torch::tensor({60L, 8L, 32L}), "size60.pt"));
  EXPECT_EQ(odd.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(odd.status().message().find("input 60"), std::string::npos) << odd.status();
}

TEST(LandmarkNetTest, FusedBatchNormGivesTheSameOutputs) {
  for (LandmarkHead head : {LandmarkHead::kRegression, LandmarkHead::kSoftArgmax}) {
    torch::manual_seed(4);
    LandmarkNetOptions options;
    options.head = head;
    LandmarkNet net(options);
    {
      // Training-mode passes give the BatchNorms running statistics far from
      // their initial 0 / 1, so a wrong fold would show.
      torch::NoGradGuard no_grad;
      for (int i = 0; i < 5; ++i) net->forward(torch::rand({8, 3, 64, 64}) * 3 + 1);
    }
    net->eval();
    const torch::Tensor images = torch::rand({4, 3, 64, 64});
    const torch::Tensor expected = net->forward(images).detach();
    net->FuseBatchNorm();
    EXPECT_TRUE(torch::allclose(net->forward(images), expected, /*rtol=*/1e-4, /*atol=*/1e-5))
        << LandmarkHeadName(head);
    int batch_norms = 0;
    for (const auto& m : net->modules()) batch_norms += m->as<torch::nn::BatchNorm2d>() != nullptr;
    EXPECT_EQ(batch_norms, 0) << LandmarkHeadName(head);
  }
}

TEST(LandmarkDetectorTest, FlipAverageMakesPredictionsMirrorEquivariant) {
  // A random net is not symmetric; averaging with the mirrored crop makes
  // Detect(mirrored photo) the mirror image of Detect(photo), left and right
  // swapped. The boxes are chosen so the two 64x64 crops are exact mirror
  // images (unit scale, integer centres: cv::flip maps column c to W-1-c).
  torch::manual_seed(3);
  LandmarkNetOptions options;
  options.base_width = 8;
  options.hidden = 32;
  std::mt19937 rng(5);
  cv::Mat photo(100, 100, CV_8UC3);
  cv::randu(photo, 0, 255);
  cv::Mat mirrored;
  cv::flip(photo, mirrored, 1);
  const SquareBox box{40, 50, 64};
  const SquareBox mirrored_box{100 - 40, 50, 64};
  auto mirror_error = [&](bool flip_average) {
    LandmarkDetectorOptions detector_options;
    detector_options.refine_passes = 0;
    detector_options.flip_average = flip_average;
    LandmarkDetector detector(LandmarkNet(options), torch::kCPU, detector_options);
    const std::vector<Point2> p = detector.Detect(photo, box);
    const std::vector<Point2> q = SwapLeftRight(detector.Detect(mirrored, mirrored_box));
    double worst = 0;
    for (int k = 0; k < 5; ++k) {
      worst = std::max({worst, std::abs(q[k].x - (99 - p[k].x)), std::abs(q[k].y - p[k].y)});
    }
    return worst;
  };
  torch::manual_seed(3);
  EXPECT_LT(mirror_error(true), 1e-3);
  torch::manual_seed(3);
  EXPECT_GT(mirror_error(false), 0.05);  // The property is the averaging's, not the net's.
}

TEST(LandmarkDetectorTest, MissingOrGarbageModelFileIsNamed) {
  const auto dir = testing::FreshTempDir("landmark_bad");
  absl::StatusOr<LandmarkNet> missing = LoadLandmarkNet((dir / "none.pt").string());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("none.pt"), std::string::npos);
  testing::WriteFile(dir / "garbage.pt", "not a model");
  absl::StatusOr<LandmarkNet> garbage = LoadLandmarkNet((dir / "garbage.pt").string());
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(garbage.status().message().find("garbage.pt"), std::string::npos);
}

TEST(LandmarkExamplesTest, AfwFacesReduceTo5PointsInsideTheirBoxes) {
  absl::StatusOr<std::vector<LandmarkExample>> afw = LoadAfwExamples(testing::DataRoot(), 2);
  ASSERT_TRUE(afw.ok()) << afw.status();
  ASSERT_EQ(afw->size(), 337u);
  for (const LandmarkExample& e : *afw) {
    ASSERT_EQ(e.points.size(), 5u);
    EXPECT_LT(e.points[0].x, e.points[1].x) << e.source;
    for (const Point2& p : e.points) {
      EXPECT_LT(std::abs(p.x - e.box.center_x), e.box.side / 2) << e.source;
      EXPECT_LT(std::abs(p.y - e.box.center_y), e.box.side / 2) << e.source;
    }
  }
}

class ShortTrainingTest : public ::testing::TestWithParam<LandmarkHead> {};

// A few epochs on 512 real MTFL faces, with either head: the error on those
// faces must fall well below the mean-shape error it starts from.
TEST_P(ShortTrainingTest, ShortTrainingOnRealFacesLowersTheError) {
  absl::StatusOr<std::vector<LandmarkExample>> all =
      LoadMtflExamples(testing::DataRoot(), "new_training.txt", 2);
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<LandmarkExample> subset(all->begin(), all->begin() + 512);
  LandmarkNetOptions net_options;
  net_options.base_width = 8;
  net_options.hidden = 64;
  net_options.head = GetParam();
  torch::manual_seed(1);
  LandmarkNet net(net_options);
  auto error = [&]() {
    LandmarkDetector detector(net);
    double sum = 0;
    for (const LandmarkExample& e : subset) {
      const std::vector<Point2> p = detector.Detect(e.photo, e.box);
      for (int k = 0; k < 5; ++k) sum += std::hypot(p[k].x - e.points[k].x, p[k].y - e.points[k].y);
    }
    return sum / (5 * subset.size());
  };
  const double before = error();
  train::LandmarkTrainOptions options;
  options.epochs = 6;
  options.batch_size = 32;
  options.lr = 3e-3;
  options.augment.enabled = false;
  ASSERT_TRUE(train::TrainLandmarkNet(net, subset, options, nullptr).ok());
  const double after = error();
  EXPECT_LT(after, 0.6 * before) << "mean point error before " << before << " px, after " << after;
}

INSTANTIATE_TEST_SUITE_P(BothHeads, ShortTrainingTest,
                         ::testing::Values(LandmarkHead::kRegression, LandmarkHead::kSoftArgmax),
                         [](const ::testing::TestParamInfo<LandmarkHead>& info) {
                           return std::string(LandmarkHeadName(info.param));
                         });

// A run killed in the middle of its second epoch and started again with the
// same checkpoint path trains exactly what an uninterrupted run trains: the
// order and every augmentation are functions of (seed, epoch, step), and the
// checkpoint holds the net's buffers and the optimiser's moments.
TEST(LandmarkTrainerTest, KilledAndResumedTrainingEndsWithTheUninterruptedNet) {
  absl::StatusOr<std::vector<LandmarkExample>> all =
      LoadMtflExamples(testing::DataRoot(), "new_training.txt", 2);
  ASSERT_TRUE(all.ok()) << all.status();
  const std::vector<LandmarkExample> subset(all->begin(), all->begin() + 128);
  LandmarkNetOptions net_options;
  net_options.base_width = 8;
  net_options.hidden = 32;
  const auto fresh_net = [&]() {
    torch::manual_seed(1);
    return LandmarkNet(net_options);
  };
  const auto options_with = [](const std::filesystem::path& checkpoint) {
    train::LandmarkTrainOptions options;
    options.epochs = 3;
    options.batch_size = 32;  // 4 steps an epoch; augmentation on, as trained.
    options.seed = 7;
    options.checkpoint_path = checkpoint.string();
    return options;
  };
  const std::filesystem::path uninterrupted_checkpoint =
      testing::FreshTempDir("uninterrupted") / "checkpoint.pt";
  LandmarkNet uninterrupted = fresh_net();
  ASSERT_TRUE(train::TrainLandmarkNet(uninterrupted, subset, options_with(uninterrupted_checkpoint), nullptr).ok());

  const std::filesystem::path checkpoint = testing::FreshTempDir("resumed") / "checkpoint.pt";
  {
    train::LandmarkTrainOptions options = options_with(checkpoint);
    options.stop_after_steps = 4 + 2;  // Dies in the middle of epoch 2.
    const absl::Status status = train::TrainLandmarkNet(fresh_net(), subset, options, nullptr);
    ASSERT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  }
  std::vector<int> epochs_called;
  LandmarkNet resumed = fresh_net();  // A new process: fresh weights, then the checkpoint.
  ASSERT_TRUE(train::TrainLandmarkNet(resumed, subset, options_with(checkpoint), nullptr, [&](int epoch) {
                epochs_called.push_back(epoch);
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(epochs_called, (std::vector<int>{1, 2}));  // Epoch 0 was the killed run's.

  const auto a = uninterrupted->named_parameters();
  const auto b = resumed->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& item : a) {
    EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
  }
  for (const auto& item : uninterrupted->named_buffers()) {
    EXPECT_TRUE(torch::equal(item.value(), resumed->named_buffers()[item.key()])) << item.key();
  }
  // The last checkpoints agree byte for byte too.
  const auto bytes = [](const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(bytes(uninterrupted_checkpoint), bytes(checkpoint));
}

}  // namespace
}  // namespace facerec::align
