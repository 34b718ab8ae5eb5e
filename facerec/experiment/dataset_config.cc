#include "facerec/experiment/dataset_config.h"

#include "absl/strings/str_cat.h"
#include "facerec/core/data_root.h"
#include "facerec/core/status_macros.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/pipeline/model_choice.h"
#include "gflags/gflags.h"

namespace {
const facerec::pipeline::DatasetOptions kDataset;
}  // namespace

DEFINE_string(dataset, "celeba500",
              "The recognition data: celeba500 (CelebA-500 and its celebA_ir protocol); folder:DIR, one folder "
              "per person holding that person's photos; or list:FILE, '<photo path> <person>' lines. DIR and "
              "FILE are relative to the workspace. Photos of any size go through the chain (detect, five "
              "points, warp) unless --aligned; crops are cached in --face_cache.");
DEFINE_bool(aligned, kDataset.aligned,
            "The --dataset photos are aligned faces: 178x218 as CelebA's aligned images (the ID-rate window is "
            "cut from them) or crops of any other size (used whole); the chain is skipped.");
DEFINE_string(split_file, kDataset.split_file,
              "'<photo> train|val|test|query|distractor' lines naming every photo of --dataset as the dataset "
              "names it; empty: a seeded split by identity (--split_seed, --held_out_identities, ...).");
DEFINE_string(eval_dataset, "",
              "Where the identification rate is measured: celeba_ir, folder:DIR or list:FILE (every person "
              "evaluated: two photos or more a query identity, one a distractor). Empty: celeba_ir for "
              "celeba500, the held-out identities of --dataset otherwise.");
DEFINE_bool(eval_aligned, kDataset.eval_aligned, "--aligned for --eval_dataset.");
DEFINE_string(multiple_faces, kDataset.multiple_faces,
              "A photo with several faces: largest (its largest face) or skip. Counted and listed in the run.");
DEFINE_int64(split_seed, kDataset.split.seed,
             "Seed of the split by identity (apart from --seed, so training seeds share one split).");
DEFINE_double(held_out_identities, kDataset.split.held_out_identities,
              "Share of identities held out of training for the identification-rate protocol.");
DEFINE_double(distractor_identities, kDataset.split.distractor_identities,
              "Share of the held-out identities whose photos are distractors (the rest are query identities).");
DEFINE_double(val_photos, kDataset.split.val_photos, "Share of each training identity's photos in val.");
DEFINE_double(test_photos, kDataset.split.test_photos, "Share of each training identity's photos in test.");
DEFINE_string(face_cache, facerec::pipeline::kDefaultFaceCache,
              "Folder of the aligned face crops, by photo and model sha256, relative to the workspace.");
DEFINE_string(dataset_detector_model, "",
              "Detector finding the --dataset faces: a file or registry name (default: alias default).");
DEFINE_string(dataset_landmark_model, "",
              "Landmark net aligning the --dataset faces: a file or registry name (default: alias default).");

namespace facerec::experiment {
namespace {

absl::StatusOr<pipeline::DatasetSpec> SpecFromFlag(const char* flag, const std::string& value) {
  absl::StatusOr<pipeline::DatasetSpec> spec = pipeline::ParseDatasetSpec(value);
  if (!spec.ok()) return FlagError(flag, value, spec.status().message());
  if (!spec->builtin()) spec->location = ResolveAgainstWorkspace(spec->location).string();
  return spec;
}

}  // namespace

absl::StatusOr<pipeline::DatasetOptions> DatasetOptionsFromFlags(tracking::ExperimentStore& store) {
  pipeline::DatasetOptions o;
  FACEREC_ASSIGN_OR_RETURN(o.dataset, SpecFromFlag("dataset", FLAGS_dataset));
  o.aligned = FLAGS_aligned;
  if (!FLAGS_split_file.empty()) o.split_file = ResolveAgainstWorkspace(FLAGS_split_file).string();
  if (!FLAGS_eval_dataset.empty()) {
    FACEREC_ASSIGN_OR_RETURN(o.eval_dataset, SpecFromFlag("eval_dataset", FLAGS_eval_dataset));
    if (o.eval_dataset->kind == pipeline::DatasetSpec::Kind::kCeleba500) {
      return FlagError("eval_dataset", FLAGS_eval_dataset, "celeba500 is training data; its evaluation is celeba_ir");
    }
  }
  o.eval_aligned = FLAGS_eval_aligned;
  if (FLAGS_multiple_faces != "largest" && FLAGS_multiple_faces != "skip") {
    return FlagError("multiple_faces", FLAGS_multiple_faces, "allowed: largest, skip");
  }
  o.multiple_faces = FLAGS_multiple_faces;
  o.split.seed = FLAGS_split_seed;
  o.split.held_out_identities = FLAGS_held_out_identities;
  o.split.distractor_identities = FLAGS_distractor_identities;
  o.split.val_photos = FLAGS_val_photos;
  o.split.test_photos = FLAGS_test_photos;
  const absl::Status split = data::ValidateIdentitySplitOptions(o.split);
  if (!split.ok()) return absl::InvalidArgumentError(absl::StrCat("--", split.message()));
  o.face_cache = ResolveAgainstWorkspace(FLAGS_face_cache);
  const bool celeba = o.dataset.kind == pipeline::DatasetSpec::Kind::kCeleba500;
  if (celeba && (o.aligned || !o.split_file.empty())) {
    return FlagError(o.aligned ? "aligned" : "split_file", o.aligned ? "true" : FLAGS_split_file,
                     "applies to folder: and list: datasets; celeba500 has its own crops and split");
  }
  const bool chain = (!celeba && !o.aligned) || (o.eval_dataset && !o.eval_dataset->builtin() && !o.eval_aligned);
  if (chain) {
    FACEREC_ASSIGN_OR_RETURN(o.chain.detector_model,
                             pipeline::ChooseModelPath(pipeline::OpenedStore(store), tracking::ModelKind::kDetector,
                                                       "dataset_detector_model", FLAGS_dataset_detector_model));
    FACEREC_ASSIGN_OR_RETURN(o.chain.landmark_model,
                             pipeline::ChooseModelPath(pipeline::OpenedStore(store), tracking::ModelKind::kLandmarks,
                                                       "dataset_landmark_model", FLAGS_dataset_landmark_model));
  }
  return o;
}

}  // namespace facerec::experiment
