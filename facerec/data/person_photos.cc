#include "facerec/data/person_photos.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <random>
#include <set>
#include <system_error>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/text_file.h"

namespace facerec::data {
namespace fs = std::filesystem;
namespace {

bool Hidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

// The text before the last run of spaces or tabs, and the field after it.
bool SplitLastField(const std::string& text, std::string* head, std::string* last) {
  const size_t end = text.find_last_not_of(" \t");
  if (end == std::string::npos) return false;
  const size_t space = text.find_last_of(" \t", end);
  if (space == std::string::npos) return false;
  *last = text.substr(space + 1, end - space);
  *head = std::string(absl::StripTrailingAsciiWhitespace(text.substr(0, space)));
  return !head->empty() && !last->empty();
}

std::string Uncommented(const std::string& text) {
  return std::string(absl::StripAsciiWhitespace(text.substr(0, text.find('#'))));
}

}  // namespace

std::vector<std::string> PersonPhotos::Persons() const {
  std::set<std::string> persons;
  for (const PersonPhoto& photo : photos) persons.insert(photo.person);
  return {persons.begin(), persons.end()};
}

bool LooksLikePhoto(const std::string& path) {
  const fs::path p(path);
  if (Hidden(p)) return false;
  const std::string extension = absl::AsciiStrToLower(p.extension().string());
  static const std::set<std::string>* const kExtensions =
      new std::set<std::string>{".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"};
  return kExtensions->count(extension) > 0;
}

absl::StatusOr<std::vector<std::string>> FindPhotos(const std::string& dir) {
  FACEREC_RETURN_IF_ERROR(RequireDirectory(dir));
  std::vector<std::string> found;
  std::error_code error;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, error), end;
  if (error) return absl::NotFoundError(absl::StrCat(dir, ": ", error.message()));
  for (; it != end; it.increment(error)) {
    if (error) return absl::DataLossError(absl::StrCat(dir, ": cannot list: ", error.message()));
    if (Hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && LooksLikePhoto(it->path().string())) found.push_back(it->path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

absl::StatusOr<PersonPhotos> ReadPhotoFolder(const std::string& dir) {
  FACEREC_RETURN_IF_ERROR(RequireDirectory(dir));
  std::vector<fs::path> persons;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_directory() && !Hidden(entry.path())) persons.push_back(entry.path());
  }
  std::sort(persons.begin(), persons.end());
  PersonPhotos result;
  for (const fs::path& person : persons) {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<std::string> files, FindPhotos(person.string()));
    if (files.empty()) {
      result.empty_persons.push_back(person.filename().string());
      continue;
    }
    for (const std::string& file : files) {
      result.photos.push_back({file, fs::path(file).lexically_relative(dir).generic_string(),
                               person.filename().string()});
    }
  }
  if (result.photos.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        dir, ": no photos: expected one folder per person holding that person's photos (",
        persons.size(), " folders found", persons.empty() ? "" : ", none with a .jpg, .png, ... file", ")"));
  }
  return result;
}

absl::StatusOr<PersonPhotos> ReadPhotoList(const std::string& list_file) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Line> lines, ReadLines(list_file));
  const fs::path base = fs::path(list_file).parent_path();
  PersonPhotos result;
  result.annotation_files = {list_file};
  std::set<std::string> seen;
  for (const Line& line : lines) {
    const std::string text = Uncommented(line.text);
    if (text.empty()) continue;
    PersonPhoto photo;
    if (!SplitLastField(text, &photo.name, &photo.person)) {
      return LineError(list_file, line.number, "expected '<photo path> <person>'", line.text);
    }
    const fs::path path(photo.name);
    photo.name = path.lexically_normal().generic_string();
    photo.path = path.is_absolute() ? path.string() : (base / path).lexically_normal().string();
    FACEREC_RETURN_IF_ERROR(RequireImage(photo.path, absl::StrCat(list_file, ":", line.number)));
    if (!seen.insert(photo.path).second) {
      return LineError(list_file, line.number, "the photo is listed twice", line.text);
    }
    result.photos.push_back(std::move(photo));
  }
  if (result.photos.empty()) return absl::InvalidArgumentError(absl::StrCat(list_file, ": no photos listed"));
  return result;
}

const char* PhotoRoleName(PhotoRole role) {
  switch (role) {
    case PhotoRole::kTrain: return "train";
    case PhotoRole::kVal: return "val";
    case PhotoRole::kTest: return "test";
    case PhotoRole::kQuery: return "query";
    case PhotoRole::kDistractor: return "distractor";
  }
  return "?";
}

absl::StatusOr<std::vector<PhotoRole>> ApplySplitFile(const std::string& split_file, PersonPhotos* photos) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Line> lines, ReadLines(split_file));
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < photos->photos.size(); ++i) index.emplace(photos->photos[i].name, i);
  static const std::map<std::string, PhotoRole>* const kRoles = new std::map<std::string, PhotoRole>{
      {"train", PhotoRole::kTrain}, {"val", PhotoRole::kVal}, {"test", PhotoRole::kTest},
      {"query", PhotoRole::kQuery}, {"distractor", PhotoRole::kDistractor}};
  std::vector<PersonPhoto> ordered;
  std::vector<PhotoRole> roles;
  std::vector<bool> listed(photos->photos.size(), false);
  for (const Line& line : lines) {
    const std::string text = Uncommented(line.text);
    if (text.empty()) continue;
    std::string name, role;
    if (!SplitLastField(text, &name, &role)) {
      return LineError(split_file, line.number, "expected '<photo> train|val|test|query|distractor'", line.text);
    }
    const auto r = kRoles->find(role);
    if (r == kRoles->end()) {
      return LineError(split_file, line.number,
                       absl::StrCat("unknown role '", role, "'; allowed: train, val, test, query, distractor"),
                       line.text);
    }
    const auto it = index.find(fs::path(name).lexically_normal().generic_string());
    if (it == index.end()) {
      return LineError(split_file, line.number, "no photo of the dataset has this name", line.text);
    }
    if (listed[it->second]) return LineError(split_file, line.number, "the photo is listed twice", line.text);
    listed[it->second] = true;
    ordered.push_back(photos->photos[it->second]);
    roles.push_back(r->second);
  }
  for (size_t i = 0; i < listed.size(); ++i) {
    if (!listed[i]) {
      return absl::InvalidArgumentError(absl::StrCat(split_file, ": photo ", photos->photos[i].name,
                                                     " of the dataset has no line (every photo needs a role)"));
    }
  }
  photos->photos = std::move(ordered);
  photos->annotation_files.push_back(split_file);
  return roles;
}

absl::Status ValidateIdentitySplitOptions(const IdentitySplitOptions& o) {
  const std::pair<const char*, double> shares[] = {{"held_out_identities", o.held_out_identities},
                                                   {"distractor_identities", o.distractor_identities},
                                                   {"val_photos", o.val_photos},
                                                   {"test_photos", o.test_photos}};
  for (const auto& [name, value] : shares) {
    if (!(value >= 0 && value < 1)) {
      return absl::InvalidArgumentError(absl::StrCat(name, "=", value, ": must be in [0, 1)"));
    }
  }
  if (o.val_photos + o.test_photos >= 1) {
    return absl::InvalidArgumentError(absl::StrCat("val_photos + test_photos = ", o.val_photos + o.test_photos,
                                                   ": must be below 1 (something must train)"));
  }
  return absl::OkStatus();
}

namespace {

// Fisher-Yates with uniform draws of our own: std::shuffle's algorithm is the
// standard library's choice, and a split must not change with it.
template <typename T>
void SeededShuffle(std::vector<T>* values, std::mt19937_64* rng) {
  for (size_t i = values->size(); i > 1; --i) {
    const size_t j = static_cast<size_t>((*rng)() % i);
    std::swap((*values)[i - 1], (*values)[j]);
  }
}

}  // namespace

absl::StatusOr<std::vector<PhotoRole>> SplitByIdentity(const PersonPhotos& photos,
                                                       const IdentitySplitOptions& options) {
  FACEREC_RETURN_IF_ERROR(ValidateIdentitySplitOptions(options));
  std::map<std::string, std::vector<size_t>> by_person;
  for (size_t i = 0; i < photos.photos.size(); ++i) by_person[photos.photos[i].person].push_back(i);
  std::vector<std::string> persons;
  for (const auto& [person, indices] : by_person) persons.push_back(person);
  std::mt19937_64 rng(static_cast<uint64_t>(options.seed));
  SeededShuffle(&persons, &rng);
  const auto held_out = static_cast<size_t>(options.held_out_identities * persons.size());
  if (persons.size() - held_out < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d identities with held_out_identities=%g leave %d to train on; need at least 2", persons.size(),
        options.held_out_identities, persons.size() - held_out));
  }
  const auto distractors = static_cast<size_t>(options.distractor_identities * held_out);
  std::vector<PhotoRole> roles(photos.photos.size(), PhotoRole::kTrain);
  for (size_t p = 0; p < persons.size(); ++p) {
    std::vector<size_t> indices = by_person[persons[p]];
    if (p < held_out) {
      const bool distractor = p < distractors || indices.size() < 2;
      for (size_t i : indices) roles[i] = distractor ? PhotoRole::kDistractor : PhotoRole::kQuery;
      continue;
    }
    SeededShuffle(&indices, &rng);
    const auto val = static_cast<size_t>(options.val_photos * indices.size());
    const auto test = static_cast<size_t>(options.test_photos * indices.size());
    for (size_t k = 0; k < val; ++k) roles[indices[k]] = PhotoRole::kVal;
    for (size_t k = val; k < val + test; ++k) roles[indices[k]] = PhotoRole::kTest;
  }
  return roles;
}

IdentitySplitCounts CountSplit(const PersonPhotos& photos, const std::vector<PhotoRole>& roles) {
  IdentitySplitCounts counts;
  std::map<PhotoRole, std::set<std::string>> persons;
  for (size_t i = 0; i < photos.photos.size() && i < roles.size(); ++i) {
    ++counts.photos[roles[i]];
    persons[roles[i]].insert(photos.photos[i].person);
  }
  for (const auto& [role, names] : persons) counts.identities[role] = static_cast<int64_t>(names.size());
  return counts;
}

std::string SplitFileText(const PersonPhotos& photos, const std::vector<PhotoRole>& roles) {
  std::string text;
  for (size_t i = 0; i < photos.photos.size() && i < roles.size(); ++i) {
    absl::StrAppend(&text, photos.photos[i].name, " ", PhotoRoleName(roles[i]), "\n");
  }
  return text;
}

}  // namespace facerec::data
