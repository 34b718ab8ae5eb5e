// Describes a dataset of people's photos; exports CelebA-500 as a folder and
// the detection sets' photos for a peer detector.
//
//   tools/bazel run //tools:datasets -- describe --dataset=folder:photos/team
//   tools/bazel run //tools:datasets -- describe --dataset=list:team.txt --aligned
//   tools/bazel run //tools:datasets -- export celeba500 --out=/tmp/celeba500_folder
//   tools/bazel run //tools:datasets -- export detection_photos --sets=facemask_val --out=/tmp/photos
//
// describe: identities, photos per identity (min, median, max and a
// histogram), the faces the chain finds (none, one, several; unless
// --aligned), byte-identical duplicates (within one person, and the same
// photo under two persons: a labelling error), and the split it would get.
// export celeba500: DIR/<identity as %04d>/<file> with the original bytes
// and DIR/split.txt (train|val|test from celebA_train_split.txt, in its
// order): read back with --dataset=folder:DIR --aligned --split_file=DIR/split.txt
// --eval_dataset=celeba_ir, it is CelebA-500 as the built-in reader gives it.
// export detection_photos: the detection sets' photos as OpenCV decodes them
// (PNG) and DIR/photos.tsv, for a detector that runs outside facerec; its
// rows are scored by evaluate_detectors --external_detections
// (detect/external_detections.h, benchmarks/ssd_anchor/).

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/core/data_root.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/process.h"
#include "facerec/core/progress.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/celeba.h"
#include "facerec/data/person_photos.h"
#include "facerec/detect/detection_sets.h"
#include "facerec/detect/external_detections.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/pipeline/face_cache.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/pipeline/recognition_datasets.h"
#include "facerec/tracking/experiment_store.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(dataset, "", "describe: folder:DIR or list:FILE (relative to the workspace).");
DEFINE_bool(aligned, false, "describe: the photos are aligned crops; do not look for faces.");
DEFINE_string(out, "", "export: the folder to write (must not exist yet, or be empty).");
DEFINE_string(sets, "facemask_val,webfaces_val,dlib_test,afw",
              "export detection_photos: comma-separated detection sets (detect/detection_sets.h).");
DEFINE_string(data_root, "", "Data root (default: $FACEREC_DATA or ../shared/data).");
DEFINE_string(db, "results.db", "Store whose model registry chooses the detector and landmark net.");
DEFINE_string(detector_model, "", "Detector: file or registry name (default: alias default).");
DEFINE_string(landmark_model, "", "Landmark net: file or registry name (default: alias default).");
DEFINE_string(face_cache, facerec::pipeline::kDefaultFaceCache, "Face crop cache, relative to the workspace.");

namespace facerec {
namespace {
namespace fs = std::filesystem;

absl::StatusOr<std::string> Describe() {
  if (FLAGS_dataset.empty()) return absl::InvalidArgumentError("describe needs --dataset=folder:DIR or list:FILE");
  absl::StatusOr<pipeline::DatasetSpec> spec = pipeline::ParseDatasetSpec(FLAGS_dataset);
  if (!spec.ok()) return absl::InvalidArgumentError(absl::StrCat("--dataset: ", spec.status().message()));
  if (spec->builtin()) return absl::InvalidArgumentError("--dataset: describe reads folder: and list: datasets");
  spec->location = ResolveAgainstWorkspace(spec->location).string();
  FACEREC_ASSIGN_OR_RETURN(const data::PersonPhotos photos, spec->kind == pipeline::DatasetSpec::Kind::kFolder
                                                                ? data::ReadPhotoFolder(spec->location)
                                                                : data::ReadPhotoList(spec->location));
  std::map<std::string, int> per_person;
  for (const data::PersonPhoto& p : photos.photos) ++per_person[p.person];
  std::vector<int> counts;
  for (const auto& [person, n] : per_person) counts.push_back(n);
  std::sort(counts.begin(), counts.end());
  std::string out = absl::StrFormat("%s: %d photos of %d identities\n", spec->Name(), photos.photos.size(),
                                    per_person.size());
  absl::StrAppend(&out, absl::StrFormat("photos per identity: min %d, median %d, max %d\n", counts.front(),
                                        counts[counts.size() / 2], counts.back()));
  std::map<int, int> histogram;
  for (int n : counts) ++histogram[n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : n <= 10 ? 10 : n <= 50 ? 50 : 1000000];
  for (const auto& [upper, n] : histogram) {
    absl::StrAppend(&out, absl::StrFormat("  %-12s %d identities\n",
                                          upper == 1 ? "1 photo" : upper == 1000000 ? "> 50 photos"
                                                                                    : absl::StrCat("<= ", upper, " photos"),
                                          n));
  }
  if (!photos.empty_persons.empty()) {
    absl::StrAppend(&out, photos.empty_persons.size(), " person folders without a photo:");
    for (const std::string& p : photos.empty_persons) absl::StrAppend(&out, " ", p);
    absl::StrAppend(&out, "\n");
  }
  // Faces and duplicates in one pass over the bytes.
  std::unique_ptr<pipeline::FaceCache> cache;
  if (!FLAGS_aligned) {
    FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<tracking::ExperimentStore> store,
                             tracking::ExperimentStore::Open(ResolveAgainstWorkspace(FLAGS_db).string()));
    chain::FaceChainOptions options;
    FACEREC_ASSIGN_OR_RETURN(options.detector_model,
                             pipeline::ChooseModelPath(pipeline::OpenedStore(*store), tracking::ModelKind::kDetector,
                                                       "detector_model", FLAGS_detector_model));
    FACEREC_ASSIGN_OR_RETURN(options.landmark_model,
                             pipeline::ChooseModelPath(pipeline::OpenedStore(*store), tracking::ModelKind::kLandmarks,
                                                       "landmark_model", FLAGS_landmark_model));
    FACEREC_ASSIGN_OR_RETURN(cache, pipeline::FaceCache::Open(ResolveAgainstWorkspace(FLAGS_face_cache), options));
  }
  std::map<std::string, std::vector<size_t>> by_sha;
  int64_t unreadable = 0;
  std::map<int, int64_t> faces;  // 0, 1, 2 (= several)
  ProgressMeter meter("describe", static_cast<int64_t>(photos.photos.size()), "photo", 10);
  for (size_t i = 0; i < photos.photos.size(); ++i) {
    const data::PersonPhoto& photo = photos.photos[i];
    if (cache != nullptr) {
      absl::StatusOr<pipeline::PhotoFace> face = cache->Find(photo.path);
      if (!face.ok()) {
        ++unreadable;
        std::fprintf(stderr, "%s: %s\n", photo.name.c_str(), std::string(face.status().message()).c_str());
        continue;
      }
      ++faces[std::min(face->faces_found, 2)];
      by_sha[face->photo_sha256].push_back(i);
    } else {
      absl::StatusOr<std::string> bytes = ReadFileBytes(photo.path);
      if (!bytes.ok()) {
        ++unreadable;
        std::fprintf(stderr, "%s: %s\n", photo.name.c_str(), std::string(bytes.status().message()).c_str());
        continue;
      }
      by_sha[Sha256Hex(*bytes)].push_back(i);
    }
    meter.Update(static_cast<int64_t>(i + 1));
  }
  if (cache != nullptr) {
    absl::StrAppend(&out, absl::StrFormat("faces found (largest used): none %d, one %d, several %d; unreadable %d\n",
                                          faces[0], faces[1], faces[2], unreadable));
  } else if (unreadable > 0) {
    absl::StrAppend(&out, unreadable, " photos unreadable\n");
  }
  int64_t same_person = 0, across = 0;
  std::string across_list;
  for (const auto& [sha, indices] : by_sha) {
    if (indices.size() < 2) continue;
    std::set<std::string> persons;
    for (size_t i : indices) persons.insert(photos.photos[i].person);
    if (persons.size() == 1) {
      same_person += static_cast<int64_t>(indices.size()) - 1;
    } else {
      ++across;
      if (across > 20) continue;  // The first 20 listed; the count says the rest.
      for (size_t k = 0; k < indices.size() && k < 6; ++k) {
        absl::StrAppend(&across_list, k == 0 ? "  " : " = ", photos.photos[indices[k]].name);
      }
      absl::StrAppend(&across_list, indices.size() > 6 ? absl::StrCat(" (", indices.size(), " copies)") : "", "\n");
    }
  }
  absl::StrAppend(&out, absl::StrFormat("byte-identical duplicates: %d extra copies within a person, %d photos "
                                        "under several persons%s\n",
                                        same_person, across, across > 0 ? ":" : ""),
                  across_list, across > 20 ? absl::StrCat("  ... and ", across - 20, " more\n") : "");
  absl::StatusOr<std::vector<data::PhotoRole>> roles = data::SplitByIdentity(photos, data::IdentitySplitOptions());
  if (roles.ok()) {
    const data::IdentitySplitCounts split = data::CountSplit(photos, *roles);
    absl::StrAppend(&out, "the default seeded split (--split_seed=1):\n");
    for (const auto& [role, n] : split.photos) {
      absl::StrAppend(&out, absl::StrFormat("  %-10s %6d photos of %5d identities\n", data::PhotoRoleName(role), n,
                                            split.identities.at(role)));
    }
  } else {
    absl::StrAppend(&out, "no default split: ", roles.status().message(), "\n");
  }
  return out;
}

absl::StatusOr<std::string> ExportCeleba500() {
  if (FLAGS_out.empty()) return absl::InvalidArgumentError("export needs --out=DIR");
  const fs::path out = ResolveAgainstWorkspace(FLAGS_out);
  if (fs::exists(out) && !fs::is_empty(out)) {
    return absl::AlreadyExistsError(absl::StrCat("--out=", FLAGS_out, ": ", out.string(), " exists and is not empty"));
  }
  FACEREC_ASSIGN_OR_RETURN(const fs::path root, ResolveDataRoot(FLAGS_data_root));
  FACEREC_ASSIGN_OR_RETURN(const data::Celeba500 celeba, data::LoadCeleba500(root));
  FACEREC_RETURN_IF_ERROR(data::ExportCeleba500AsFolder(celeba, out));
  return absl::StrFormat(
      "wrote %d photos of %d identities to %s, split file %s\nread it back with: --dataset=folder:%s --aligned "
      "--split_file=%s/split.txt --eval_dataset=celeba_ir\n",
      celeba.images.size(), celeba.num_identities, out.string(), (out / "split.txt").string(), FLAGS_out, FLAGS_out);
}

absl::StatusOr<std::string> ExportDetectionPhotos() {
  if (FLAGS_out.empty()) return absl::InvalidArgumentError("export needs --out=DIR");
  const fs::path out = ResolveAgainstWorkspace(FLAGS_out);
  if (fs::exists(out) && !fs::is_empty(out)) {
    return absl::AlreadyExistsError(absl::StrCat("--out=", FLAGS_out, ": ", out.string(), " exists and is not empty"));
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<std::string> names,
                           experiment::ParseNameList("sets", FLAGS_sets, detect::KnownDetectionSets()));
  FACEREC_ASSIGN_OR_RETURN(const fs::path root, ResolveDataRoot(FLAGS_data_root));
  std::vector<detect::DetectionSet> sets;
  for (const std::string& name : names) {
    FACEREC_ASSIGN_OR_RETURN(detect::DetectionSet set, detect::LoadDetectionSet(root, name));
    sets.push_back(std::move(set));
  }
  FACEREC_ASSIGN_OR_RETURN(const int64_t written, detect::ExportDetectionPhotos(sets, root, out));
  return absl::StrFormat("wrote %d photos of %s to %s, listed in %s\n", written, FLAGS_sets, out.string(),
                         (out / "photos.tsv").string());
}

absl::StatusOr<std::string> Main(const std::vector<std::string>& args) {
  if (args.size() == 1 && args[0] == "describe") return Describe();
  if (args.size() == 2 && args[0] == "export" && args[1] == "celeba500") return ExportCeleba500();
  if (args.size() == 2 && args[0] == "export" && args[1] == "detection_photos") return ExportDetectionPhotos();
  if (args.size() == 2 && args[0] == "export") {
    return absl::InvalidArgumentError(
        absl::StrCat("export ", args[1], ": unknown; allowed: celeba500, detection_photos"));
  }
  return absl::InvalidArgumentError("usage: datasets describe --dataset=folder:DIR|list:FILE [--aligned] | "
                                    "datasets export celeba500|detection_photos --out=DIR");
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  facerec::InitProcess(&argc, &argv,
                       "Describes a dataset of people's photos; exports CelebA-500 as a folder.\n"
                       "Usage: datasets describe --dataset=folder:DIR|list:FILE [--aligned]\n"
                       "       datasets export celeba500 --out=DIR\n"
                       "       datasets export detection_photos [--sets=facemask_val,...] --out=DIR");
  const absl::StatusOr<std::string> out = facerec::Main(std::vector<std::string>(argv + 1, argv + argc));
  if (!out.ok()) {
    std::fprintf(stderr, "datasets: %s\n", std::string(out.status().message()).c_str());
    return facerec::ExitStatusFor(out.status());
  }
  std::fputs(out->c_str(), stdout);
  return 0;
}
