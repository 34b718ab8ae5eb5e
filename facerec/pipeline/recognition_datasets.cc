#include "facerec/pipeline/recognition_datasets.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/progress.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/fingerprint.h"
#include "facerec/data/image.h"
#include "glog/logging.h"

namespace facerec::pipeline {
namespace fs = std::filesystem;

absl::StatusOr<DatasetSpec> ParseDatasetSpec(const std::string& text) {
  DatasetSpec spec;
  if (text == "celeba500") return spec;
  if (text == "celeba_ir") {
    spec.kind = DatasetSpec::Kind::kCelebaIr;
    return spec;
  }
  for (const auto& [prefix, kind] : {std::pair{"folder:", DatasetSpec::Kind::kFolder},
                                     std::pair{"list:", DatasetSpec::Kind::kList}}) {
    if (absl::StartsWith(text, prefix)) {
      spec.kind = kind;
      spec.location = text.substr(std::string(prefix).size());
      if (!spec.location.empty()) return spec;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", text, "' is no dataset; allowed: celeba500, celeba_ir, folder:DIR (DIR/<person>/<photos>), "
                              "list:FILE ('<photo> <person>' lines)"));
}

std::string DatasetSpec::Name() const {
  switch (kind) {
    case Kind::kCeleba500: return "celeba500";
    case Kind::kCelebaIr: return "celeba_ir";
    case Kind::kFolder: {
      fs::path dir = fs::path(location).lexically_normal();
      if (dir.filename().empty()) dir = dir.parent_path();  // "photos/" names "photos".
      return absl::StrCat("folder:", dir.filename().string());
    }
    case Kind::kList: return absl::StrCat("list:", fs::path(location).filename().string());
  }
  return "?";
}

namespace {

absl::StatusOr<data::PersonPhotos> ReadPhotos(const DatasetSpec& spec) {
  if (spec.kind == DatasetSpec::Kind::kFolder) return data::ReadPhotoFolder(spec.location);
  if (spec.kind == DatasetSpec::Kind::kList) return data::ReadPhotoList(spec.location);
  return absl::InvalidArgumentError(absl::StrCat(spec.Name(), " is read by the built-in reader"));
}

// One crop per photo (nullopt: skipped, with the reason in `report`).
std::vector<std::optional<cv::Mat>> CropPhotos(const data::PersonPhotos& photos, bool aligned, FaceCache* cache,
                                               const std::string& multiple_faces, const std::string& label,
                                               DatasetReport* report) {
  std::vector<std::optional<cv::Mat>> crops(photos.photos.size());
  ProgressMeter meter(label, static_cast<int64_t>(photos.photos.size()), "photo", 10);
  for (size_t i = 0; i < photos.photos.size(); ++i) {
    const data::PersonPhoto& photo = photos.photos[i];
    auto skip = [&](const std::string& reason) {
      report->skipped.push_back({photo.name, reason});
      LOG(WARNING) << photo.name << ": skipped: " << reason;
    };
    if (aligned) {
      absl::StatusOr<cv::Mat> rgb = data::ReadRgbImage(photo.path);
      if (!rgb.ok()) {
        ++report->unreadable;
        skip(std::string(rgb.status().message()));
      } else if (rgb->cols == data::kCelebaWidth && rgb->rows == data::kCelebaHeight) {
        crops[i] = (*rgb)(data::kIdRateWindow).clone();
      } else {
        crops[i] = *rgb;
      }
    } else {
      absl::StatusOr<PhotoFace> face = cache->Find(photo.path);
      if (!face.ok()) {
        ++report->unreadable;
        skip(std::string(face.status().message()));
      } else if (face->faces_found == 0) {
        ++report->no_face;
        skip("no face found");
      } else {
        if (face->faces_found > 1) ++report->several_faces;
        if (face->faces_found > 1 && multiple_faces == "skip") {
          skip(absl::StrCat(face->faces_found, " faces (multiple_faces=skip)"));
        } else {
          crops[i] = face->crop;
        }
      }
    }
    if (crops[i]) ++report->crops;
    meter.Update(static_cast<int64_t>(i + 1));
  }
  if (meter.ElapsedSeconds() > 10) meter.Finish();
  return crops;
}

void HashPhotos(const data::PersonPhotos& photos, const std::vector<data::PhotoRole>& roles,
                const std::vector<std::optional<cv::Mat>>& crops, Sha256* hasher) {
  for (size_t i = 0; i < photos.photos.size(); ++i) {
    std::error_code error;
    const uintmax_t size = fs::file_size(photos.photos[i].path, error);
    hasher->Update(absl::StrCat(photos.photos[i].name, "\t", error ? 0 : size, "\t", photos.photos[i].person, "\t",
                                i < roles.size() ? data::PhotoRoleName(roles[i]) : "-", "\t",
                                crops[i] ? "crop" : "skipped", "\n"));
  }
}

// Every person of `spec` evaluated: two crops or more make a query identity,
// one a distractor. Labels: person order.
absl::Status LoadEvalPhotos(const DatasetSpec& spec, bool aligned, const std::string& multiple_faces,
                            FaceCache* cache, RecognitionData* d, DatasetReport* report, Sha256* hasher,
                            std::vector<std::string>* persons) {
  FACEREC_ASSIGN_OR_RETURN(const data::PersonPhotos photos, ReadPhotos(spec));
  DatasetReport eval_report;
  const std::vector<std::optional<cv::Mat>> crops =
      CropPhotos(photos, aligned, cache, multiple_faces, "eval faces", &eval_report);
  std::map<std::string, int> count;
  for (size_t i = 0; i < crops.size(); ++i) count[photos.photos[i].person] += crops[i] ? 1 : 0;
  std::map<std::string, int> label;
  for (const auto& [person, n] : count) label.emplace(person, static_cast<int>(label.size()));
  std::vector<cv::Mat> queries, distractors;
  std::vector<int> query_labels;
  std::vector<std::string> query_persons, distractor_persons;
  data::PersonPhotos used;
  std::vector<data::PhotoRole> roles;
  for (size_t i = 0; i < crops.size(); ++i) {
    if (!crops[i]) continue;
    used.photos.push_back(photos.photos[i]);
    if (count[photos.photos[i].person] >= 2) {
      queries.push_back(*crops[i]);
      query_labels.push_back(label[photos.photos[i].person]);
      query_persons.push_back(photos.photos[i].person);
      roles.push_back(data::PhotoRole::kQuery);
    } else {
      distractors.push_back(*crops[i]);
      distractor_persons.push_back(photos.photos[i].person);
      roles.push_back(data::PhotoRole::kDistractor);
    }
  }
  if (queries.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(spec.Name(), ": no person with two usable photos to query"));
  }
  const size_t n_distractors = distractors.size();
  *persons = std::move(query_persons);
  persons->insert(persons->end(), distractor_persons.begin(), distractor_persons.end());
  d->queries = data::FaceImages::FromImages(std::move(queries), std::move(query_labels));
  d->distractors = data::FaceImages::FromImages(std::move(distractors), std::vector<int>(n_distractors, -1));
  d->eval_name = spec.Name();
  hasher->Update(absl::StrCat("eval ", d->eval_name, " aligned=", aligned, "\n"));
  HashPhotos(photos, {}, crops, hasher);
  const bool own = report->name == spec.Name();
  for (const SkippedPhoto& s : eval_report.skipped) {
    report->skipped.push_back({own ? s.photo : absl::StrCat(d->eval_name, "/", s.photo), s.reason});
  }
  if (own) {
    report->photos = static_cast<int64_t>(photos.photos.size());
    report->crops = eval_report.crops;
    report->no_face = eval_report.no_face;
    report->several_faces = eval_report.several_faces;
    report->unreadable = eval_report.unreadable;
    report->split = data::CountSplit(used, roles);
    report->split_source = "evaluation";
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadedDataset> LoadRecognitionDataset(const fs::path& root, const DatasetOptions& options,
                                                     int threads) {
  if (options.multiple_faces != "largest" && options.multiple_faces != "skip") {
    return absl::InvalidArgumentError(
        absl::StrCat("multiple_faces '", options.multiple_faces, "': allowed: largest, skip"));
  }
  LoadedDataset loaded;
  DatasetReport& report = loaded.report;
  report.name = options.dataset.Name();
  const bool celeba_ir_eval =
      options.eval_dataset ? options.eval_dataset->kind == DatasetSpec::Kind::kCelebaIr
                           : options.dataset.kind == DatasetSpec::Kind::kCeleba500;
  if (options.dataset.kind == DatasetSpec::Kind::kCelebaIr) {
    return absl::InvalidArgumentError("celeba_ir is an evaluation set (query identities and distractors): "
                                      "give it as the evaluation dataset, not as training data");
  }
  if (options.dataset.kind == DatasetSpec::Kind::kCeleba500) {
    if (!celeba_ir_eval) {
      return absl::UnimplementedError("celeba500 is evaluated on celeba_ir, its own protocol");
    }
    FACEREC_ASSIGN_OR_RETURN(loaded.data, LoadRecognitionData(root, threads, options.excluded));
    report.eval_name = "celeba_ir";
    return loaded;
  }
  if (!options.excluded.empty()) {
    return absl::InvalidArgumentError("an exclusion list applies to celeba500 only");
  }
  const auto start = std::chrono::steady_clock::now();
  data::PersonPhotos photos;
  FACEREC_ASSIGN_OR_RETURN(photos, ReadPhotos(options.dataset));
  for (const std::string& person : photos.empty_persons) report.persons_without_photos.push_back(person);
  std::vector<data::PhotoRole> roles;
  if (!options.split_file.empty()) {
    FACEREC_ASSIGN_OR_RETURN(roles, data::ApplySplitFile(options.split_file, &photos));
    report.split_source = "file";
  } else {
    FACEREC_ASSIGN_OR_RETURN(roles, data::SplitByIdentity(photos, options.split));
    report.split_source = "seeded";
  }
  report.split_sha256 = Sha256Hex(data::SplitFileText(photos, roles));
  report.photos = static_cast<int64_t>(photos.photos.size());

  std::unique_ptr<FaceCache> cache;
  const bool needs_chain = !options.aligned || (options.eval_dataset && !options.eval_dataset->builtin() &&
                                                !options.eval_aligned);
  if (needs_chain) {
    FACEREC_ASSIGN_OR_RETURN(cache, FaceCache::Open(options.face_cache, options.chain));
    report.detector_sha256 = cache->detector_sha256();
    report.landmark_sha256 = cache->landmark_sha256();
    LOG(INFO) << "faces of " << report.name << " through the chain, cached in " << cache->dir().string();
  }
  const std::vector<std::optional<cv::Mat>> crops =
      CropPhotos(photos, options.aligned, cache.get(), options.multiple_faces, "faces", &report);

  // Training identities: those with a training crop, labelled in name order.
  std::map<std::string, int> train_label, any_label;
  for (size_t i = 0; i < crops.size(); ++i) {
    if (crops[i] && roles[i] == data::PhotoRole::kTrain) train_label.emplace(photos.photos[i].person, 0);
    if (crops[i]) any_label.emplace(photos.photos[i].person, 0);
  }
  int next = 0;
  for (auto& [person, label] : train_label) label = next++;
  next = 0;
  for (auto& [person, label] : any_label) label = next++;
  for (const std::string& person : photos.Persons()) {
    if (!any_label.count(person)) report.persons_without_photos.push_back(person);
  }
  std::map<data::PhotoRole, std::vector<cv::Mat>> images;
  std::map<data::PhotoRole, std::vector<int>> labels;
  data::PersonPhotos used;
  std::vector<data::PhotoRole> used_roles;
  std::vector<std::optional<cv::Mat>> hashed_crops = crops;
  for (size_t i = 0; i < crops.size(); ++i) {
    if (!crops[i]) continue;
    const data::PhotoRole role = roles[i];
    const std::string& person = photos.photos[i].person;
    int label = -1;
    if (role == data::PhotoRole::kTrain || role == data::PhotoRole::kVal || role == data::PhotoRole::kTest) {
      const auto it = train_label.find(person);
      if (it == train_label.end()) {
        report.skipped.push_back({photos.photos[i].name, absl::StrCat(data::PhotoRoleName(role), " photo of ", person,
                                                                      ", who has no training photo")});
        hashed_crops[i].reset();
        continue;
      }
      label = it->second;
    } else if (role == data::PhotoRole::kQuery) {
      label = any_label.at(person);
    }
    images[role].push_back(*crops[i]);
    labels[role].push_back(label);
    used.photos.push_back(photos.photos[i]);
    used_roles.push_back(role);
  }
  report.split = data::CountSplit(used, used_roles);
  if (train_label.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(report.name, ": ", train_label.size(),
                                                   " training identities with a usable photo; need at least 2"));
  }
  RecognitionData& d = loaded.data;
  auto take = [&](data::PhotoRole role) {
    return data::FaceImages::FromImages(std::move(images[role]), std::move(labels[role]));
  };
  d.train = take(data::PhotoRole::kTrain);
  d.val = take(data::PhotoRole::kVal);
  d.test = take(data::PhotoRole::kTest);
  d.num_classes = static_cast<int>(train_label.size());
  Sha256 hasher;
  hasher.Update(absl::StrCat("dataset ", report.name, " aligned=", options.aligned,
                             cache ? absl::StrCat(" faces=", cache->key()) : std::string(), "\n"));
  HashPhotos(photos, roles, hashed_crops, &hasher);
  for (const std::string& annotation : photos.annotation_files) {
    FACEREC_ASSIGN_OR_RETURN(const std::string bytes, ReadFileBytes(annotation));
    hasher.Update(absl::StrCat("--- ", fs::path(annotation).filename().string(), " ", bytes.size(), "\n", bytes));
  }

  std::vector<std::string> files, annotations;
  if (celeba_ir_eval) {
    FACEREC_RETURN_IF_ERROR(LoadCelebaIr(root, threads, &d, &files, &annotations));
  } else if (options.eval_dataset) {
    FACEREC_RETURN_IF_ERROR(LoadEvalPhotos(*options.eval_dataset, options.eval_aligned, options.multiple_faces,
                                           cache.get(), &d, &report, &hasher, &loaded.eval_persons));
  } else {
    d.queries = take(data::PhotoRole::kQuery);
    d.distractors = take(data::PhotoRole::kDistractor);
    d.eval_name = report.name;
    if (d.queries.size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          report.name, ": no query photo to measure the identification rate on: hold identities out "
                       "(held_out_identities > 0, people with two photos or more) or give an evaluation dataset"));
    }
  }
  if (fs::exists(root / "lfw_fold1" / "pairs.txt")) {
    FACEREC_RETURN_IF_ERROR(LoadLfwFold1(root, threads, &d, &files, &annotations));
  } else {
    LOG(WARNING) << "LFW fold 1 is not under " << root.string() << ": its verification is not measured";
  }
  if (!files.empty()) {
    FACEREC_ASSIGN_OR_RETURN(const std::string builtin, data::DatasetFingerprint(root, files, annotations));
    hasher.Update(absl::StrCat("builtin ", builtin, "\n"));
  }
  d.fingerprint = hasher.HexDigest();
  report.eval_name = d.eval_name;
  if (cache) {
    report.cache_hits = cache->hits();
    report.cache_misses = cache->misses();
  }
  LOG(INFO) << absl::StrFormat("%s loaded in %.1f s:\n%s", report.name,
                               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                               DatasetReportText(report));
  return loaded;
}

absl::StatusOr<LoadedDataset> LoadEvaluationDataset(const DatasetOptions& options) {
  if (options.dataset.builtin()) {
    return absl::InvalidArgumentError(absl::StrCat(options.dataset.Name(), " has its own protocol"));
  }
  LoadedDataset loaded;
  loaded.report.name = options.dataset.Name();
  std::unique_ptr<FaceCache> cache;
  if (!options.aligned) {
    FACEREC_ASSIGN_OR_RETURN(cache, FaceCache::Open(options.face_cache, options.chain));
    loaded.report.detector_sha256 = cache->detector_sha256();
    loaded.report.landmark_sha256 = cache->landmark_sha256();
  }
  Sha256 hasher;
  FACEREC_RETURN_IF_ERROR(LoadEvalPhotos(options.dataset, options.aligned, options.multiple_faces, cache.get(),
                                         &loaded.data, &loaded.report, &hasher, &loaded.eval_persons));
  if (cache) {
    hasher.Update(absl::StrCat("faces=", cache->key(), "\n"));
    loaded.report.cache_hits = cache->hits();
    loaded.report.cache_misses = cache->misses();
  }
  loaded.data.fingerprint = hasher.HexDigest();
  loaded.report.eval_name = loaded.data.eval_name;
  LOG(INFO) << DatasetReportText(loaded.report);
  return loaded;
}

std::map<std::string, std::string> DatasetParams(const DatasetOptions& options, const DatasetReport& report) {
  std::map<std::string, std::string> params;
  if (options.dataset.kind == DatasetSpec::Kind::kCeleba500) return params;
  params["dataset"] = options.dataset.Name();
  params["aligned"] = options.aligned ? "true" : "false";
  params["eval_dataset"] = report.eval_name;
  if (options.eval_dataset && !options.eval_dataset->builtin()) {
    params["eval_aligned"] = options.eval_aligned ? "true" : "false";
  }
  params["split"] = report.split_source;
  params["split_sha256"] = report.split_sha256;
  if (report.split_source == "seeded") {
    params["split_seed"] = absl::StrCat(options.split.seed);
    params["held_out_identities"] = absl::StrCat(options.split.held_out_identities);
    params["distractor_identities"] = absl::StrCat(options.split.distractor_identities);
    params["val_photos"] = absl::StrCat(options.split.val_photos);
    params["test_photos"] = absl::StrCat(options.split.test_photos);
  }
  if (!report.detector_sha256.empty()) {
    params["multiple_faces"] = options.multiple_faces;
    params["face_detector"] = options.chain.detector;
    params["face_detector_sha256"] = report.detector_sha256;
    params["face_landmarks"] = options.chain.landmarks;
    params["face_landmark_sha256"] = report.landmark_sha256;
  }
  return params;
}

absl::Status RecordDatasetReport(const DatasetReport& report, tracking::Run* run) {
  if (report.name == "celeba500") return absl::OkStatus();
  const std::pair<const char*, int64_t> counts[] = {{"data/photos", report.photos},
                                                    {"data/crops", report.crops},
                                                    {"data/no_face", report.no_face},
                                                    {"data/several_faces", report.several_faces},
                                                    {"data/unreadable", report.unreadable},
                                                    {"data/skipped", static_cast<int64_t>(report.skipped.size())}};
  for (const auto& [key, value] : counts) FACEREC_RETURN_IF_ERROR(run->LogMetric(key, 0, static_cast<double>(value)));
  for (const auto& [role, n] : report.split.photos) {
    FACEREC_RETURN_IF_ERROR(
        run->LogMetric(absl::StrCat("data/", data::PhotoRoleName(role), "_photos"), 0, static_cast<double>(n)));
  }
  for (const auto& [role, n] : report.split.identities) {
    FACEREC_RETURN_IF_ERROR(
        run->LogMetric(absl::StrCat("data/", data::PhotoRoleName(role), "_identities"), 0, static_cast<double>(n)));
  }
  std::string skipped;
  constexpr size_t kListed = 1000;
  for (size_t i = 0; i < report.skipped.size() && i < kListed; ++i) {
    absl::StrAppend(&skipped, report.skipped[i].photo, ": ", report.skipped[i].reason, "\n");
  }
  if (report.skipped.size() > kListed) absl::StrAppend(&skipped, "... and ", report.skipped.size() - kListed, " more\n");
  if (!skipped.empty()) FACEREC_RETURN_IF_ERROR(run->SetTag("data_skipped", skipped));
  if (!report.persons_without_photos.empty()) {
    std::string persons;
    for (const std::string& p : report.persons_without_photos) absl::StrAppend(&persons, p, "\n");
    FACEREC_RETURN_IF_ERROR(run->SetTag("data_persons_without_photos", persons));
  }
  return absl::OkStatus();
}

std::string DatasetReportText(const DatasetReport& report) {
  std::string text = absl::StrFormat(
      "  dataset %s (split: %s), evaluated on %s\n  photos %d: crops %d, no face %d, several faces %d, "
      "unreadable %d, skipped %d\n",
      report.name, report.split_source.empty() ? "built-in" : report.split_source, report.eval_name, report.photos,
      report.crops, report.no_face, report.several_faces, report.unreadable, report.skipped.size());
  for (const auto& [role, n] : report.split.photos) {
    const auto identities = report.split.identities.find(role);
    absl::StrAppend(&text, absl::StrFormat("  %-10s %6d photos of %5d identities\n", data::PhotoRoleName(role), n,
                                           identities == report.split.identities.end() ? 0 : identities->second));
  }
  if (!report.persons_without_photos.empty()) {
    absl::StrAppend(&text, "  persons without a usable photo: ", report.persons_without_photos.size(), "\n");
  }
  if (report.cache_hits + report.cache_misses > 0) {
    absl::StrAppend(&text, absl::StrFormat("  face cache: %d found, %d made\n", report.cache_hits, report.cache_misses));
  }
  return text;
}

}  // namespace facerec::pipeline
