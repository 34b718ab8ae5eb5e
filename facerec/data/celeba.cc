#include "facerec/data/celeba.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/text_file.h"

namespace facerec::data {
namespace fs = std::filesystem;

std::vector<size_t> Celeba500::Indices(Split split) const {
  std::vector<size_t> indices;
  for (size_t i = 0; i < images.size(); ++i) {
    if (images[i].split == split) indices.push_back(i);
  }
  return indices;
}

std::map<int, std::vector<size_t>> Celeba500::ByIdentity(Split split) const {
  std::map<int, std::vector<size_t>> groups;
  for (size_t i = 0; i < images.size(); ++i) {
    if (images[i].split == split) groups[images[i].identity].push_back(i);
  }
  return groups;
}

absl::StatusOr<Celeba500> LoadCeleba500(const fs::path& data_root) {
  const fs::path dir = data_root / "celeba500" / "celebA_train_500";
  FACEREC_RETURN_IF_ERROR(RequireDirectory(dir.string()));
  const std::string anno_path = (dir / "celebA_anno.txt").string();
  const std::string split_path = (dir / "celebA_train_split.txt").string();
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Line> anno, ReadLines(anno_path));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Line> splits, ReadLines(split_path));
  Celeba500 dataset;
  dataset.annotation_files = {anno_path, split_path};
  std::set<int> identities;
  int max_identity_line = 0;
  for (size_t i = 0; i < std::min(anno.size(), splits.size()); ++i) {
    const std::vector<std::string> a = absl::StrSplit(anno[i].text, ' ', absl::SkipEmpty());
    const std::vector<std::string> s = absl::StrSplit(splits[i].text, ' ', absl::SkipEmpty());
    LabeledImage image;
    if (a.size() != 2 || !ParseInt(a[1], &image.identity) || image.identity < 0) {
      return LineError(anno_path, anno[i].number, "expected '<file> <identity >= 0>'",
                       anno[i].text);
    }
    int split = -1;
    if (s.size() != 2 || !ParseInt(s[1], &split) || split < 0 || split > 2) {
      return LineError(split_path, splits[i].number, "expected '<file> <split 0|1|2>'",
                       splits[i].text);
    }
    if (s[0] != a[0]) {
      return LineError(split_path, splits[i].number,
                       absl::StrCat("file differs from ", anno_path, ":", anno[i].number, " ('",
                                    a[0], "')"),
                       splits[i].text);
    }
    image.file = a[0];
    image.path = (dir / "celebA_imgs" / image.file).string();
    image.split = static_cast<Split>(split);
    FACEREC_RETURN_IF_ERROR(RequireImage(image.path, absl::StrCat(anno_path, ":", anno[i].number)));
    if (identities.empty() || image.identity > *identities.rbegin()) {
      max_identity_line = anno[i].number;
    }
    identities.insert(image.identity);
    dataset.images.push_back(std::move(image));
  }
  if (anno.size() != splits.size()) {  // Rows pair up by position: name the first unpaired one.
    const bool more_anno = anno.size() > splits.size();
    const Line& extra = more_anno ? anno[splits.size()] : splits[anno.size()];
    return LineError(more_anno ? anno_path : split_path, extra.number,
                     absl::StrCat("no matching row in ", more_anno ? split_path : anno_path,
                                  " (it has ", std::min(anno.size(), splits.size()), " rows)"),
                     extra.text);
  }
  if (dataset.images.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(anno_path, ": no images"));
  }
  dataset.num_identities = *identities.rbegin() + 1;
  if (static_cast<int>(identities.size()) != dataset.num_identities) {
    return absl::InvalidArgumentError(absl::StrCat(
        anno_path, ":", max_identity_line, ": identities are not dense: ", identities.size(),
        " distinct ids, but this row has id ", dataset.num_identities - 1));
  }
  return dataset;
}

IdRatePairCounts IdRateSet::PairCounts() const {
  std::map<int, int64_t> per_identity;
  for (const LabeledImage& query : queries) ++per_identity[query.identity];
  IdRatePairCounts counts;
  for (const auto& [identity, n] : per_identity) counts.positive += n * (n - 1) / 2;
  const auto q = static_cast<int64_t>(queries.size());
  counts.query_negative = q * (q - 1) / 2 - counts.positive;
  counts.distractor_negative = q * static_cast<int64_t>(distractors.size());
  return counts;
}

int IdRateSet::NumQueryIdentities() const {
  std::set<int> identities;
  for (const LabeledImage& query : queries) identities.insert(query.identity);
  return static_cast<int>(identities.size());
}

absl::StatusOr<IdRateSet> LoadIdRateSet(const fs::path& data_root) {
  const fs::path dir = data_root / "celeba500" / "celebA_ir";
  FACEREC_RETURN_IF_ERROR(RequireDirectory(dir.string()));
  const std::string csv_path = (dir / "celebA_anno_query.csv").string();
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Line> lines, ReadLines(csv_path));
  if (lines.empty() || lines.front().text != "img,id") {
    return LineError(csv_path, lines.empty() ? 1 : lines.front().number,
                     "expected the header 'img,id'", lines.empty() ? "" : lines.front().text);
  }
  IdRateSet set;
  set.annotation_files = {csv_path};
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> fields = absl::StrSplit(lines[i].text, ',');
    LabeledImage query;
    if (fields.size() != 2 || fields[0].empty() || !ParseInt(fields[1], &query.identity)) {
      return LineError(csv_path, lines[i].number, "expected '<file>,<identity>'", lines[i].text);
    }
    query.file = fields[0];
    query.path = (dir / "celebA_query" / query.file).string();
    FACEREC_RETURN_IF_ERROR(RequireImage(query.path, absl::StrCat(csv_path, ":", lines[i].number)));
    set.queries.push_back(std::move(query));
  }
  const fs::path distractor_dir = dir / "celebA_distractors";
  FACEREC_RETURN_IF_ERROR(RequireDirectory(distractor_dir.string()));
  for (const fs::directory_entry& entry : fs::directory_iterator(distractor_dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".jpg") {
      set.distractors.push_back(entry.path().string());
    }
  }
  std::sort(set.distractors.begin(), set.distractors.end());
  return set;
}

absl::Status ExportCeleba500AsFolder(const Celeba500& celeba, const fs::path& out) {
  std::error_code error;
  if (fs::exists(out) && !fs::is_empty(out, error)) {
    return absl::AlreadyExistsError(absl::StrCat(out.string(), " exists and is not empty"));
  }
  const fs::path partial = out.string() + ".partial";
  fs::remove_all(partial, error);
  std::string split;
  static const char* const kSplits[] = {"train", "val", "test"};
  for (const LabeledImage& image : celeba.images) {
    const std::string person = absl::StrFormat("%04d", image.identity);
    fs::create_directories(partial / person, error);
    if (error) return absl::PermissionDeniedError(absl::StrCat((partial / person).string(), ": ", error.message()));
    fs::copy_file(image.path, partial / person / image.file, error);
    if (error) return absl::DataLossError(absl::StrCat(image.path, ": cannot copy: ", error.message()));
    absl::StrAppend(&split, person, "/", image.file, " ", kSplits[static_cast<int>(image.split)], "\n");
  }
  {
    std::ofstream file(partial / "split.txt", std::ios::binary);
    file << split;
    file.close();
    if (!file) return absl::DataLossError(absl::StrCat((partial / "split.txt").string(), ": cannot write"));
  }
  if (fs::exists(out)) fs::remove(out, error);
  fs::rename(partial, out, error);
  if (error) return absl::DataLossError(absl::StrCat(out.string(), ": ", error.message()));
  return absl::OkStatus();
}

}  // namespace facerec::data
