#include "facerec/data/validation.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <ATen/Parallel.h>

#include "absl/strings/str_cat.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/celeba.h"
#include "facerec/data/face_boxes.h"
#include "facerec/data/image.h"
#include "facerec/data/landmarks.h"
#include "facerec/data/lfw.h"

namespace facerec::data {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Unique(std::vector<std::string> paths) {
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

template <typename T>
std::vector<std::string> ImagePaths(const std::vector<T>& items) {
  std::vector<std::string> paths;
  for (const T& item : items) paths.push_back(item.image_path);
  return Unique(std::move(paths));
}

int64_t CountBoxes(const std::vector<BoxedImage>& images) {
  int64_t n = 0;
  for (const BoxedImage& image : images) n += static_cast<int64_t>(image.boxes.size());
  return n;
}

}  // namespace

absl::StatusOr<std::vector<DatasetInventory>> InventoryAll(const fs::path& root) {
  std::vector<DatasetInventory> all;
  {
    FACEREC_ASSIGN_OR_RETURN(const Celeba500 celeba, LoadCeleba500(root));
    DatasetInventory d{"celeba500/train"};
    for (const LabeledImage& image : celeba.images) d.images.push_back(image.path);
    d.image_size = std::make_pair(kCelebaWidth, kCelebaHeight);
    d.counts = {{"images", static_cast<int64_t>(celeba.images.size())},
                {"identities", celeba.num_identities},
                {"split_train", static_cast<int64_t>(celeba.Indices(Split::kTrain).size())},
                {"split_val", static_cast<int64_t>(celeba.Indices(Split::kVal).size())},
                {"split_test", static_cast<int64_t>(celeba.Indices(Split::kTest).size())}};
    d.annotation_files = celeba.annotation_files;
    all.push_back(std::move(d));
  }
  {
    FACEREC_ASSIGN_OR_RETURN(const IdRateSet ir, LoadIdRateSet(root));
    DatasetInventory d{"celeba500/id_rate"};
    for (const LabeledImage& query : ir.queries) d.images.push_back(query.path);
    d.images.insert(d.images.end(), ir.distractors.begin(), ir.distractors.end());
    d.image_size = std::make_pair(kIdRateWindow.width, kIdRateWindow.height);
    const IdRatePairCounts pairs = ir.PairCounts();
    d.counts = {{"query_images", static_cast<int64_t>(ir.queries.size())},
                {"query_identities", ir.NumQueryIdentities()},
                {"distractor_images", static_cast<int64_t>(ir.distractors.size())},
                {"positive_pairs", pairs.positive},
                {"query_false_pairs", pairs.query_negative},
                {"distractor_false_pairs", pairs.distractor_negative}};
    d.annotation_files = ir.annotation_files;
    all.push_back(std::move(d));
  }
  for (const auto& [name, list] : {std::make_pair("mtfl/train", "new_training.txt"),
                                   std::make_pair("mtfl/test", "new_testing.txt")}) {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<LandmarkFace> faces, LoadMtfl(root, list));
    DatasetInventory d{name};
    d.images = ImagePaths(faces);
    d.image_size = std::make_pair(80, 80);
    d.counts = {{"faces", static_cast<int64_t>(faces.size())}};
    d.annotation_files = {(root / "mtfl" / list).string()};
    all.push_back(std::move(d));
  }
  {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<LandmarkFace> faces, LoadAfw(root));
    DatasetInventory d{"afw"};
    d.images = ImagePaths(faces);
    d.counts = {{"photos", static_cast<int64_t>(d.images.size())},
                {"faces", static_cast<int64_t>(faces.size())}};
    for (const LandmarkFace& face : faces) d.annotation_files.push_back(face.source);
    all.push_back(std::move(d));
  }
  {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<BoxedImage> photos, LoadFacemask(root));
    DatasetInventory d{"facemask"};
    d.images = ImagePaths(photos);
    d.counts = {{"photos", static_cast<int64_t>(photos.size())}, {"faces", CountBoxes(photos)}};
    for (const BoxedImage& photo : photos) d.annotation_files.push_back(photo.source);
    all.push_back(std::move(d));
  }
  {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<BoxedImage> photos, LoadCelebaWild(root));
    DatasetInventory d{"celeba_wild"};
    d.images = ImagePaths(photos);
    d.counts = {{"photos", static_cast<int64_t>(photos.size())}, {"faces", CountBoxes(photos)}};
    d.annotation_files = {(root / "celeba_wild" / "list_bbox_celeba_subset.csv").string()};
    all.push_back(std::move(d));
  }
  {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<LandmarkFace> faces, LoadWebFaces(root));
    DatasetInventory d{"webfaces"};
    d.images = ImagePaths(faces);
    d.counts = {{"photos", static_cast<int64_t>(d.images.size())},
                {"faces", static_cast<int64_t>(faces.size())}};
    d.annotation_files = {(root / "webfaces" / "WebFaces_GroundThruth.txt").string()};
    all.push_back(std::move(d));
  }
  {
    DatasetInventory d{"dlib_faces"};
    for (const char* xml : {"training.xml", "testing.xml"}) {
      FACEREC_ASSIGN_OR_RETURN(const std::vector<BoxedImage> photos, LoadDlibFaces(root, xml));
      const std::string split = xml[1] == 'r' ? "train" : "test";
      d.counts.push_back({split + "_photos", static_cast<int64_t>(photos.size())});
      d.counts.push_back({split + "_faces", CountBoxes(photos)});
      for (const std::string& path : ImagePaths(photos)) d.images.push_back(path);
      d.annotation_files.push_back((root / "dlib_faces" / xml).string());
    }
    d.images = Unique(std::move(d.images));
    all.push_back(std::move(d));
  }
  {
    FACEREC_ASSIGN_OR_RETURN(const LfwPairs lfw, LoadLfwPairs(root / "lfw_fold1"));
    DatasetInventory d{"lfw_fold1"};
    int64_t same = 0;
    for (const LfwPair& pair : lfw.pairs) {
      d.images.push_back(pair.first);
      d.images.push_back(pair.second);
      same += pair.same ? 1 : 0;
    }
    d.images = Unique(std::move(d.images));
    d.image_size = std::make_pair(250, 250);
    d.counts = {{"folds", lfw.folds},
                {"same_pairs", same},
                {"different_pairs", static_cast<int64_t>(lfw.pairs.size()) - same},
                {"images", static_cast<int64_t>(d.images.size())}};
    d.annotation_files = {lfw.pairs_file};
    all.push_back(std::move(d));
  }
  return all;
}

ValidationReport DecodeAll(const std::vector<std::string>& images,
                           const std::optional<std::pair<int, int>>& image_size, int threads,
                           const std::function<void(const DecodeProgress&)>& progress) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto elapsed = [&start] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  std::atomic<int64_t> done{0};
  std::mutex mutex;
  ValidationReport report;
  std::atomic<double> last_progress{0};
  const int64_t n = static_cast<int64_t>(images.size());
  // At most `threads` chunks, run on LibTorch's intra-op threads; the calling
  // thread (number 0) reports progress.
  at::parallel_for(0, n, (n + std::max(1, threads) - 1) / std::max(1, threads), [&](int64_t begin, int64_t end) {
    const bool reports_progress = at::get_thread_num() == 0;
    for (int64_t i = begin; i < end; ++i) {
      absl::StatusOr<cv::Mat> image = ReadRgbImage(images[i]);
      std::string reason;
      if (!image.ok()) {
        reason = std::string(image.status().message());
      } else if (image_size.has_value() &&
                 (image->cols != image_size->first || image->rows != image_size->second)) {
        reason = absl::StrCat(images[i], ": size ", image->cols, "x", image->rows, ", expected ",
                              image_size->first, "x", image_size->second);
      }
      if (!reason.empty()) {
        std::lock_guard<std::mutex> lock(mutex);
        report.failures.push_back({images[i], reason});
      }
      const int64_t finished = ++done;
      if (reports_progress && progress && elapsed() - last_progress >= 1.0) {
        last_progress = elapsed();
        progress({finished, static_cast<int64_t>(images.size()), elapsed()});
      }
    }
  });
  std::sort(report.failures.begin(), report.failures.end(),
            [](const DecodeFailure& a, const DecodeFailure& b) { return a.path < b.path; });
  report.decoded = static_cast<int64_t>(images.size() - report.failures.size());
  report.seconds = elapsed();
  return report;
}

}  // namespace facerec::data
