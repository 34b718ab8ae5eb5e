#include "facerec/analysis/trash_sets.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/celeba.h"
#include "facerec/data/image.h"
#include "facerec/data/text_file.h"

namespace facerec::analysis {
namespace {

const char* SplitName(data::Split split) {
  switch (split) {
    case data::Split::kTrain:
      return "train";
    case data::Split::kVal:
      return "val";
    case data::Split::kTest:
      return "test";
  }
  return "?";
}

// `path` relative to `root` when it lies under it.
std::string RelativeTo(const std::filesystem::path& root, const std::string& path) {
  const std::filesystem::path relative = std::filesystem::path(path).lexically_relative(root);
  return relative.empty() || *relative.begin() == ".." ? path : relative.string();
}

absl::Status AddItem(const std::string& path, const std::string& file, const std::string& split, int identity,
                     std::vector<TrashItem>* items) {
  FACEREC_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  items->push_back({file, split, identity, std::move(bytes)});
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> KnownTrashSets() { return {"celeba500", "celeba_ir"}; }

absl::StatusOr<std::vector<TrashItem>> LoadTrashSet(const std::filesystem::path& data_root, const std::string& name,
                                                    TrashSearchOptions* options) {
  std::vector<TrashItem> items;
  if (name == "celeba500") {
    FACEREC_ASSIGN_OR_RETURN(const data::Celeba500 set, data::LoadCeleba500(data_root));
    for (const data::LabeledImage& image : set.images) {
      FACEREC_RETURN_IF_ERROR(
          AddItem(image.path, RelativeTo(data_root, image.path), SplitName(image.split), image.identity, &items));
    }
    options->window = data::kIdRateWindow;
    options->frame = cv::Size(178, 218);
    return items;
  }
  if (name == "celeba_ir") {
    FACEREC_ASSIGN_OR_RETURN(const data::IdRateSet set, data::LoadIdRateSet(data_root));
    for (const data::LabeledImage& image : set.queries) {
      FACEREC_RETURN_IF_ERROR(AddItem(image.path, RelativeTo(data_root, image.path), "query", image.identity, &items));
    }
    for (const std::string& path : set.distractors) {
      FACEREC_RETURN_IF_ERROR(AddItem(path, RelativeTo(data_root, path), "distractor", -1, &items));
    }
    options->window.reset();
    return items;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown set '", name, "'; allowed: ", absl::StrJoin(KnownTrashSets(), ", ")));
}

absl::StatusOr<std::vector<TrashItem>> LoadTrashList(const std::filesystem::path& list, TrashSearchOptions* options) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<data::Line> lines, data::ReadLines(list.string()));
  std::vector<TrashItem> items;
  for (const data::Line& line : lines) {
    const std::vector<std::string> fields = absl::StrSplit(line.text, ' ', absl::SkipWhitespace());
    int identity = 0;
    if (fields.size() != 2 || !data::ParseInt(fields[1], &identity) || identity < 0) {
      return data::LineError(list.string(), line.number, "expected '<file> <id>' with id >= 0", line.text);
    }
    const std::filesystem::path path =
        std::filesystem::path(fields[0]).is_absolute() ? std::filesystem::path(fields[0]) : list.parent_path() / fields[0];
    absl::StatusOr<std::string> bytes = ReadFileBytes(path.string());
    if (!bytes.ok()) {
      return absl::NotFoundError(absl::StrCat(list.string(), ":", line.number, ": ", bytes.status().message()));
    }
    items.push_back({fields[0], "list", identity, std::move(*bytes)});
  }
  options->window.reset();
  return items;
}

}  // namespace facerec::analysis
