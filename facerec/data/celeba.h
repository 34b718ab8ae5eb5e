// Readers for CelebA-500 (the recognition training set) and its
// identification-rate set (queries + distractors).
//
//   FACEREC_ASSIGN_OR_RETURN(Celeba500 train, LoadCeleba500(data_root));
//   for (size_t i : train.Indices(Split::kTrain)) Use(train.images[i].path, train.images[i].identity);
//
//   FACEREC_ASSIGN_OR_RETURN(IdRateSet ir, LoadIdRateSet(data_root));
//   IdRatePairCounts counts = ir.PairCounts();   // 14,721 positive pairs, ...
//
// Layout under the data root (see ../shared/data/README.md):
//   celeba500/celebA_train_500/{celebA_imgs/, celebA_anno.txt, celebA_train_split.txt}
//   celeba500/celebA_ir/{celebA_query/, celebA_distractors/, celebA_anno_query.csv}
// Malformed lines fail with "file:line: what (got '...')"; files listed but
// absent fail naming the file. Images are not decoded here (see image.h).
#ifndef FACEREC_DATA_CELEBA_H_
#define FACEREC_DATA_CELEBA_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace facerec::data {

// The closed-set split of celebA_train_split.txt: 0, 1, 2.
enum class Split { kTrain = 0, kVal = 1, kTest = 2 };

struct LabeledImage {
  std::string path;   // Absolute path of the JPEG.
  std::string file;   // As written in the annotation ("000001.jpg").
  int identity = -1;  // 0..499 for CelebA-500; CelebA's own id for queries.
  Split split = Split::kTrain;
};

struct Celeba500 {
  std::vector<LabeledImage> images;  // In annotation order.
  int num_identities = 0;            // max id + 1 (ids are dense 0..N-1, checked).
  // Annotation files read, for the dataset fingerprint.
  std::vector<std::string> annotation_files;

  std::vector<size_t> Indices(Split split) const;
  // identity -> indices into `images` of that identity within `split`.
  std::map<int, std::vector<size_t>> ByIdentity(Split split) const;
};

absl::StatusOr<Celeba500> LoadCeleba500(const std::filesystem::path& data_root);

// `celeba` as a folder dataset (person_photos.h): out/<identity as %04d>/<file>
// with the original bytes, and out/split.txt giving each photo's split
// (train, val, test) in annotation order, so reading the folder back with
// that split file gives the images in the built-in reader's order and with
// its labels. Written under out + ".partial" and renamed when whole.
// AlreadyExists when `out` exists and is not empty; errors name the file.
absl::Status ExportCeleba500AsFolder(const Celeba500& celeba, const std::filesystem::path& out);

struct IdRatePairCounts {
  int64_t positive = 0;            // Query pairs of one identity.
  int64_t query_negative = 0;      // Query pairs of different identities.
  int64_t distractor_negative = 0; // Every query x distractor pair.
  int64_t negative() const { return query_negative + distractor_negative; }
};

struct IdRateSet {
  std::vector<LabeledImage> queries;       // identity = CelebA's own id.
  std::vector<std::string> distractors;    // Absolute paths, sorted by file name.
  std::vector<std::string> annotation_files;

  IdRatePairCounts PairCounts() const;
  int NumQueryIdentities() const;
};

absl::StatusOr<IdRateSet> LoadIdRateSet(const std::filesystem::path& data_root);

}  // namespace facerec::data

#endif  // FACEREC_DATA_CELEBA_H_
