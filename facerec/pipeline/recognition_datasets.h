// Recognition data from any collection of people's photos: CelebA-500 (the
// built-in reader, pipeline/recognition.h), a folder of one folder per person,
// or a list file, loaded into the RecognitionData every recognition
// experiment trains and evaluates on. A dataset is a value (a DatasetSpec),
// not a reader wired into an experiment.
//
//   DatasetOptions options;
//   FACEREC_ASSIGN_OR_RETURN(options.dataset, ParseDatasetSpec("folder:/photos/team"));
//   options.chain.detector_model = "models/detector_net.pt";   // for photos not --aligned
//   options.chain.landmark_model = "models/landmark_net.pt";
//   FACEREC_ASSIGN_OR_RETURN(LoadedDataset loaded, LoadRecognitionDataset(data_root, options, 2));
//   // loaded.data.train / val / test: training identities (closed set)
//   // loaded.data.queries / distractors: held-out identities (identification rate)
//   // loaded.report: photos, faces found, skipped photos, split counts
//
// A photo becomes a crop one of two ways. --aligned: the photo is a face
// already aligned, either like CelebA's aligned images (178x218: the ID-rate
// window is cut from it, exactly as the built-in reader cuts CelebA-500) or
// cropped (any other size: taken whole and resized to the net's input, as
// celebA_ir's 83x100 crops are). Otherwise the photo goes through the chain
// (detect -> five points -> similarity warp to the ID-rate window), cached
// on disk by the photo's and the models' sha256 (face_cache.h); a photo
// with no face is skipped, one with several faces gives its largest face
// (or is skipped with multiple_faces = "skip"); both are counted and listed.
// A photo that does not decode is skipped with its decoder's message; a
// person left without a photo is reported as such.
//
// The split (which identities train, which are held out) is the split file's
// when given (data/person_photos.h), else a seeded split by identity
// (data::SplitByIdentity; its own seed, so training seeds 1, 2, 3 are scored
// on the same held-out people). Training identities are labelled 0..N-1 in
// name order. The identification-rate evaluation uses the held-out query and
// distractor identities ("own"), or celebA_ir, or another dataset, all of
// whose people are then evaluated (those with two photos or more as query
// identities, the others as distractors). LFW fold 1's pairs are always
// evaluated when the data root has them (never trained on).
//
// Thread-safety: functions of their arguments (and the file system).
#ifndef FACEREC_PIPELINE_RECOGNITION_DATASETS_H_
#define FACEREC_PIPELINE_RECOGNITION_DATASETS_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/chain/face_chain.h"
#include "facerec/data/person_photos.h"
#include "facerec/pipeline/face_cache.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/tracking/run.h"

namespace facerec::pipeline {

struct DatasetSpec {
  enum class Kind { kCeleba500, kCelebaIr, kFolder, kList };
  Kind kind = Kind::kCeleba500;
  std::string location;  // The folder or list file; empty for the built-in sets.

  // "celeba500", "celeba_ir", "folder:<folder's name>", "list:<file's name>":
  // portable (no machine path), for params and evaluation records.
  std::string Name() const;
  bool builtin() const { return kind == Kind::kCeleba500 || kind == Kind::kCelebaIr; }
};

// "celeba500", "celeba_ir", "folder:DIR" or "list:FILE"; an empty DIR or
// FILE, or any other text, is an InvalidArgumentError saying what is allowed.
// Paths are taken as given (resolve them against the workspace first).
absl::StatusOr<DatasetSpec> ParseDatasetSpec(const std::string& text);

struct DatasetOptions {
  DatasetSpec dataset;  // Default celeba500.
  // The photos are aligned faces: skip the chain (see above). Default false.
  bool aligned = false;
  // "<photo> train|val|test|query|distractor" lines; empty: the seeded split.
  std::string split_file;
  data::IdentitySplitOptions split;  // The seeded split's shares and seed.
  // Where the identification rate is measured. Empty: celeba_ir for
  // celeba500, the dataset's own held-out identities otherwise.
  std::optional<DatasetSpec> eval_dataset;
  bool eval_aligned = false;  // --aligned for eval_dataset. Default false.
  // A photo with several faces: "largest" (default) or "skip".
  std::string multiple_faces = "largest";
  // The chain's detector and landmark stages (embedding_model unused).
  chain::FaceChainOptions chain;
  std::filesystem::path face_cache = kDefaultFaceCache;  // Resolve against the workspace.
  // CelebA-500 only: images left out (LoadRecognitionData's `excluded`).
  std::set<std::string> excluded;
};

// A photo left out, and why ("no face found", "3 faces (multiple_faces=skip)",
// the decoder's message).
struct SkippedPhoto {
  std::string photo;  // As the dataset names it.
  std::string reason;
};

struct DatasetReport {
  std::string name;       // DatasetSpec::Name().
  std::string eval_name;  // Where the identification rate is measured.
  int64_t photos = 0;     // Listed (train to distractor), before any skip.
  int64_t crops = 0;      // Photos that gave a crop.
  int64_t no_face = 0, several_faces = 0, unreadable = 0;  // several_faces: found, skipped or not.
  std::vector<SkippedPhoto> skipped;
  std::vector<std::string> persons_without_photos;  // Empty folders, or every photo skipped.
  data::IdentitySplitCounts split;  // After skips.
  std::string split_source;         // "seeded" or "file".
  std::string split_sha256;         // Of the split as used (its split file text).
  int64_t cache_hits = 0, cache_misses = 0;
  std::string detector_sha256, landmark_sha256;  // When the chain cut the crops.
};

struct LoadedDataset {
  RecognitionData data;
  DatasetReport report;
  // Whose the evaluation rows are, for an own evaluation dataset: the
  // persons of data.queries, then of data.distractors, row by row.
  std::vector<std::string> eval_persons;
};

// Loads `options.dataset` (and its evaluation data) with at most `threads`
// decoding threads. Errors: the readers' (naming file and line), an empty
// dataset, no training identity or no query identity left after skips.
absl::StatusOr<LoadedDataset> LoadRecognitionDataset(const std::filesystem::path& data_root,
                                                     const DatasetOptions& options, int threads);

// Every person of `options.dataset` (a folder: or list: dataset, photos
// --aligned or through options.chain) as evaluation data only: the persons
// with two usable photos or more are query identities (labelled in name
// order), the others distractors; nothing trains. data.train, val, test and
// lfw stay empty; data.eval_name is the dataset's name. InvalidArgument when
// no person has two usable photos.
absl::StatusOr<LoadedDataset> LoadEvaluationDataset(const DatasetOptions& options);

// What a run on `options` records beside its recognition options: nothing
// for celeba500 with celeba_ir (runs keep their configuration hashes);
// otherwise dataset, aligned, the split (its sha256, or the seeded split's
// options), eval_dataset, multiple_faces and the chain's model sha256s.
std::map<std::string, std::string> DatasetParams(const DatasetOptions& options, const DatasetReport& report);

// The report into `run`: metrics data/photos, data/crops, data/no_face,
// data/several_faces, data/unreadable, data/<role>_photos and
// data/<role>_identities, and the tag "data_skipped" listing skipped photos
// (the first 1000, then a count). Nothing for celeba500.
absl::Status RecordDatasetReport(const DatasetReport& report, tracking::Run* run);

// One line per number of the report, for logs and tools.
std::string DatasetReportText(const DatasetReport& report);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_RECOGNITION_DATASETS_H_
