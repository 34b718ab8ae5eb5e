// A peer's detections, exported photos and rows read back, on dlib's real
// test photos: the exported PNGs are pixel for pixel what the evaluation
// decodes, and a peer's rows score exactly as a detector that gives the same
// boxes (EvaluateDetector is the reference). Missing and malformed rows are
// errors that name the photo, the file and the line.
#include "facerec/detect/external_detections.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/testing/test_data.h"

namespace facerec::detect {
namespace {
namespace fs = std::filesystem;

DetectionSet DlibTest() {
  auto set = LoadDetectionSet(testing::DataRoot(), "dlib_test");
  EXPECT_TRUE(set.ok()) << set.status();
  return *set;
}

// Per photo (known by its size, all Detect sees): the annotated boxes moved
// by up to a third of their size, with random scores, plus one box where no
// face is; so matches, misses and false positives all occur.
std::map<std::pair<int, int>, std::vector<Detection>> Jittered(const DetectionSet& set) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> shift(-0.33, 0.33), score(0, 1);
  std::map<std::pair<int, int>, std::vector<Detection>> out;
  for (const DetectionPhoto& p : set.photos) {
    const cv::Mat image = cv::imread(p.image_path);
    std::vector<Detection>& found = out[{image.cols, image.rows}];
    for (const metrics::AnnotatedFace& f : p.faces) {
      Detection d;
      d.box = {f.box.x + shift(rng) * f.box.width, f.box.y + shift(rng) * f.box.height, f.box.width,
               f.box.height};
      d.score = score(rng);
      found.push_back(d);
    }
    Detection stray;
    stray.box = {1, 1, 20.5, 24.25};
    stray.score = score(rng);
    found.push_back(stray);
  }
  return out;
}

class Replay : public FaceDetector {
 public:
  explicit Replay(std::map<std::pair<int, int>, std::vector<Detection>> by_size) : by_size_(std::move(by_size)) {}
  absl::StatusOr<std::vector<Detection>> Detect(const cv::Mat& photo) override {
    return by_size_.at({photo.cols, photo.rows});
  }
  std::string name() const override { return "replay"; }

 private:
  std::map<std::pair<int, int>, std::vector<Detection>> by_size_;
};

struct ListedPhoto {
  std::string set, photo, file;
  int width = 0, height = 0;
};

std::vector<ListedPhoto> ReadPhotoList(const fs::path& dir) {
  std::ifstream in(dir / "photos.tsv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "set\tphoto\tfile\twidth\theight");
  std::vector<ListedPhoto> out;
  while (std::getline(in, line)) {
    const std::vector<std::string> f = absl::StrSplit(line, '\t');
    EXPECT_EQ(f.size(), 5u) << line;
    if (f.size() != 5) continue;
    out.push_back({f[0], f[1], f[2], std::stoi(f[3]), std::stoi(f[4])});
  }
  return out;
}

// Writes the peer's file for the listed photos, each answered from `by_size`,
// with its ms; `skip` leaves one photo's row out.
std::string PeerFile(const std::vector<ListedPhoto>& photos,
                     const std::map<std::pair<int, int>, std::vector<Detection>>& by_size,
                     const std::string& skip = "") {
  std::ostringstream out;
  out.precision(17);
  out << "# model=stand-in\n# min_confidence = 0.05\nset\tphoto\tms\tdetections\n";
  int i = 0;
  for (const ListedPhoto& p : photos) {
    if (p.photo == skip) continue;
    out << p.set << '\t' << p.photo << '\t' << 10 + i++ << '\t';
    const char* separator = "";
    for (const Detection& d : by_size.at({p.width, p.height})) {
      out << separator << d.box.x << ',' << d.box.y << ',' << d.box.width << ',' << d.box.height << ','
          << d.score;
      separator = ";";
    }
    out << '\n';
  }
  return out.str();
}

TEST(ExternalDetectionsTest, ExportedPhotosArePixelForPixelWhatTheEvaluationDecodes) {
  const DetectionSet set = DlibTest();
  const fs::path dir = testing::FreshTempDir("export") / "photos";
  auto written = ExportDetectionPhotos({set}, testing::DataRoot(), dir);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, 5);
  const std::vector<ListedPhoto> listed = ReadPhotoList(dir);
  ASSERT_EQ(listed.size(), set.photos.size());
  for (size_t i = 0; i < listed.size(); ++i) {
    const cv::Mat original = cv::imread(set.photos[i].image_path, cv::IMREAD_COLOR);
    const cv::Mat exported = cv::imread((dir / listed[i].file).string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(exported.empty()) << listed[i].file;
    EXPECT_EQ(listed[i].set, "dlib_test");
    EXPECT_EQ(listed[i].width, original.cols);
    EXPECT_EQ(listed[i].height, original.rows);
    EXPECT_EQ(cv::norm(original, exported, cv::NORM_INF), 0) << listed[i].file;
    // Relative to the data root: the same name on every machine.
    EXPECT_EQ(testing::DataRoot() / listed[i].photo, fs::path(set.photos[i].image_path));
    EXPECT_NE(listed[i].photo.front(), '/');
  }
  // A second export into the same folder would mix two lists.
  EXPECT_TRUE(absl::IsInvalidArgument(ExportDetectionPhotos({set}, testing::DataRoot(), dir).status()));
}

TEST(ExternalDetectionsTest, APeersRowsScoreExactlyAsADetectorGivingTheSameBoxes) {
  const DetectionSet set = DlibTest();
  const fs::path dir = testing::FreshTempDir("peer") / "photos";
  ASSERT_TRUE(ExportDetectionPhotos({set}, testing::DataRoot(), dir).ok());
  const auto by_size = Jittered(set);
  const fs::path file = dir.parent_path() / "peer.tsv";
  testing::WriteFile(file, PeerFile(ReadPhotoList(dir), by_size));

  auto peer = ReadExternalDetections(file.string());
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_EQ(peer->description.at("model"), "stand-in");
  EXPECT_EQ(peer->description.at("min_confidence"), "0.05");
  DetectionEvaluationOptions options;
  options.min_face_side = 60;  // Some of dlib's faces are smaller: `large` differs from `all`.
  auto scored = EvaluateExternalDetections(*peer, set, testing::DataRoot(), options);
  ASSERT_TRUE(scored.ok()) << scored.status();
  Replay replay(by_size);
  auto reference = EvaluateDetector(replay, set, options);
  ASSERT_TRUE(reference.ok());

  EXPECT_EQ(scored->photos, reference->photos);
  EXPECT_GT(reference->all.average_precision, 0.2);  // Neither trivial end.
  EXPECT_LT(reference->all.average_precision, 1.0);
  EXPECT_EQ(scored->all.average_precision, reference->all.average_precision);
  EXPECT_EQ(scored->large.average_precision, reference->large.average_precision);
  EXPECT_EQ(scored->all.recall_at_false_positive_rate, reference->all.recall_at_false_positive_rate);
  EXPECT_EQ(scored->all.faces, reference->all.faces);
  EXPECT_EQ(scored->large.faces, reference->large.faces);
  EXPECT_EQ(scored->all.curve.size(), reference->all.curve.size());
  // The peer's own clock: rows say 10..14 ms.
  EXPECT_EQ(scored->median_ms_per_photo, 12);
}

TEST(ExternalDetectionsTest, APhotoWithoutARowIsNamedNotScoredAsEmpty) {
  const DetectionSet set = DlibTest();
  const fs::path dir = testing::FreshTempDir("missing") / "photos";
  ASSERT_TRUE(ExportDetectionPhotos({set}, testing::DataRoot(), dir).ok());
  const std::vector<ListedPhoto> listed = ReadPhotoList(dir);
  const fs::path file = dir.parent_path() / "peer.tsv";
  testing::WriteFile(file, PeerFile(listed, Jittered(set), /*skip=*/listed[2].photo));
  auto peer = ReadExternalDetections(file.string());
  ASSERT_TRUE(peer.ok()) << peer.status();
  auto scored = EvaluateExternalDetections(*peer, set, testing::DataRoot(), {});
  EXPECT_TRUE(absl::IsNotFound(scored.status())) << scored.status();
  EXPECT_NE(scored.status().message().find(listed[2].photo), std::string::npos) << scored.status();
}

TEST(ExternalDetectionsTest, MalformedRowsAreRefusedNamingFileAndLine) {
  const fs::path dir = testing::FreshTempDir("malformed");
  const std::string header = "set\tphoto\tms\tdetections\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"set photo ms detections\n", "expected the header"},
      {header + "dlib_test\ta.jpg\t5\n", "expected 'set<TAB>photo"},
      {header + "dlib_test\ta.jpg\tfast\t\n", "ms must be a finite number"},
      {header + "dlib_test\ta.jpg\t-1\t\n", "ms must be a finite number"},
      {header + "dlib_test\ta.jpg\t5\t1,2,3,4\n", "is not x,y,width,height,score"},
      {header + "dlib_test\ta.jpg\t5\t1,2,3,4,nan\n", "needs finite numbers"},
      {header + "dlib_test\ta.jpg\t5\t1,2,0,4,0.5\n", "positive size"},
      {header + "dlib_test\ta.jpg\t5\t1,2,3,4,0.5;\n", "is not x,y,width,height,score"},
      {header + "dlib_test\ta.jpg\t5\t\ndlib_test\ta.jpg\t6\t\n", "listed twice"},
  };
  int i = 0;
  for (const auto& [text, expected] : cases) {
    const fs::path file = dir / absl::StrCat("case", i++, ".tsv");
    testing::WriteFile(file, text);
    auto read = ReadExternalDetections(file.string());
    ASSERT_FALSE(read.ok()) << text;
    EXPECT_TRUE(absl::IsInvalidArgument(read.status())) << read.status();
    const std::string message(read.status().message());
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_NE(message.find(absl::StrCat(file.filename().string(), ":")), std::string::npos) << message;
  }
  testing::WriteFile(dir / "empty.tsv", "# only a comment\n");
  EXPECT_TRUE(absl::IsInvalidArgument(ReadExternalDetections((dir / "empty.tsv").string()).status()));
  EXPECT_TRUE(absl::IsNotFound(ReadExternalDetections((dir / "absent.tsv").string()).status()));
}

TEST(ExternalDetectionsTest, NamedFilesAreReadRelativeToTheBaseAndHashed) {
  const fs::path dir = testing::FreshTempDir("named");
  const std::string text = "# model=ssd\nset\tphoto\tms\tdetections\ndlib_test\ta.jpg\t5\t1,2,3,4,0.5\n";
  testing::WriteFile(dir / "ssd.tsv", text);
  testing::WriteFile(dir / "other.tsv", text);
  auto peers = ReadNamedExternalDetections(" ssd=ssd.tsv, other=" + (dir / "other.tsv").string(), dir);
  ASSERT_TRUE(peers.ok()) << peers.status();
  ASSERT_EQ(peers->size(), 2u);
  EXPECT_EQ((*peers)[0].name, "ssd");
  EXPECT_EQ((*peers)[1].name, "other");
  // The same bytes: the same hash (SHA-256 of the file, 64 hex digits).
  EXPECT_EQ((*peers)[0].sha256.size(), 64u);
  EXPECT_EQ((*peers)[0].sha256, (*peers)[1].sha256);
  EXPECT_EQ((*peers)[0].detections.description.at("model"), "ssd");
  EXPECT_EQ((*peers)[0].detections.photos.size(), 1u);
  EXPECT_TRUE(ReadNamedExternalDetections("", dir)->empty());

  auto bare = ReadNamedExternalDetections("ssd", dir);
  EXPECT_TRUE(absl::IsInvalidArgument(bare.status()));
  EXPECT_NE(bare.status().message().find("'ssd' is not NAME=FILE"), std::string::npos) << bare.status();
  auto twice = ReadNamedExternalDetections("ssd=ssd.tsv,ssd=other.tsv", dir);
  EXPECT_NE(twice.status().message().find("the name ssd is used twice"), std::string::npos) << twice.status();
  EXPECT_TRUE(absl::IsNotFound(ReadNamedExternalDetections("ssd=absent.tsv", dir).status()));
}

}  // namespace
}  // namespace facerec::detect
