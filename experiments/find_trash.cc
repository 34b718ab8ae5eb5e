// find_trash: the trash-photo search (facerec/analysis/trash_search.h) over
// a labelled face set: wrong identities (out-of-fold confident learning and
// embedding agreement), exact and near duplicates, unusable images. Writes a
// ranked CSV and a contact sheet, and records the run (counts per kind, the
// fold models' held-out accuracy, both files as artifacts).
//
//   tools/bazel run //experiments:find_trash -- --set=celeba500 --out=trash.csv
//   tools/bazel run //experiments:find_trash -- --set=celeba_ir --out=trash_ir.csv
//   tools/bazel run //experiments:find_trash -- --dataset=folder:my_people --out=trash_mine.csv
//
// --dataset=folder:DIR|list:FILE searches your own people: each photo's
// aligned face (through the chain, cached) labelled with its person, a photo
// without a face as it is (pipeline/trash_datasets.h).
//   tools/bazel run //experiments:find_trash -- --list=mine/labels.txt --out=mine.csv
//
// The fold recognisers take the recognition flags (experiments/configs/
// base.flags, then find_trash.flags, then the command line); --loss must have
// a classification head.
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/analysis/trash_search.h"
#include "facerec/analysis/trash_sets.h"
#include "facerec/core/data_root.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/experiment/dataset_config.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/experiment/trash_search_config.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/pipeline/trash_datasets.h"
#include "facerec/tracking/run.h"
#include "facerec/tracking/experiment_names.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(set, "celeba500", "Named set: celeba500 or celeba_ir (ignored with --list).");
DEFINE_string(list, "", "A '<file> <id>' list to search instead of --set; files relative to the list's folder.");
DEFINE_string(out, "trash.csv", "Ranked CSV, relative to the workspace root.");
DEFINE_string(sheet, "", "Contact sheet PNG, relative to the workspace root; default: --out with .png.");
DEFINE_int32(sheet_rows, 40, "Suspects drawn on the contact sheet.");

namespace facerec {
namespace {

absl::Status FindTrash(experiment::Experiment& e) {
  FACEREC_ASSIGN_OR_RETURN(
      experiment::TrashSearchConfig config,
      experiment::TrashSearchConfigFromFlags([&](const std::string& value) -> absl::StatusOr<std::string> {
        return pipeline::ChooseModelPath([&] { return e.Store(); }, tracking::ModelKind::kDetector,
                                         "face_check_model", value);
      }));
  if (FLAGS_sheet_rows < 0) return experiment::FlagError("sheet_rows", FLAGS_sheet_rows, "must be >= 0");
  analysis::TrashSearchOptions& options = config.search;
  FACEREC_ASSIGN_OR_RETURN(const torch::Device device, e.Device());
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  std::vector<analysis::TrashItem> items;
  std::string set_name;
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  FACEREC_ASSIGN_OR_RETURN(const pipeline::DatasetOptions dataset, experiment::DatasetOptionsFromFlags(*store));
  if (dataset.dataset.kind != pipeline::DatasetSpec::Kind::kCeleba500) {
    if (!FLAGS_list.empty()) return experiment::FlagError("list", FLAGS_list, "give --list or --dataset, not both");
    absl::StatusOr<std::vector<analysis::TrashItem>> loaded = pipeline::TrashItemsFromDataset(dataset);
    if (!loaded.ok()) return experiment::AsFlagError("dataset", loaded.status());
    items = std::move(*loaded);
    options.window.reset();  // Crops (or photos) are used whole.
    set_name = dataset.dataset.Name();
  } else if (!FLAGS_list.empty()) {
    const std::filesystem::path list = ResolveAgainstWorkspace(FLAGS_list);
    absl::StatusOr<std::vector<analysis::TrashItem>> loaded = analysis::LoadTrashList(list, &options);
    if (!loaded.ok()) {
      return absl::Status(loaded.status().code(), absl::StrCat("--list=", FLAGS_list, ": ", loaded.status().message()));
    }
    items = std::move(*loaded);
    set_name = absl::StrCat("list:", WorkspaceRelative(list.string()));
  } else {
    absl::StatusOr<std::vector<analysis::TrashItem>> loaded = analysis::LoadTrashSet(root, FLAGS_set, &options);
    if (!loaded.ok()) {
      if (absl::IsInvalidArgument(loaded.status())) return experiment::FlagError("set", FLAGS_set, loaded.status().message());
      return loaded.status();
    }
    items = std::move(*loaded);
    set_name = FLAGS_set;
  }
  const std::filesystem::path out = ResolveAgainstWorkspace(FLAGS_out);
  const std::filesystem::path sheet =
      FLAGS_sheet.empty() ? std::filesystem::path(out).replace_extension(".png") : ResolveAgainstWorkspace(FLAGS_sheet);

  analysis::FoldTraining& training = config.training;

  tracking::RunOptions run_options;
  run_options.name = set_name;
  run_options.params = experiment::TrashSearchParams(config);
  run_options.params["sheet_rows"] = absl::StrCat(FLAGS_sheet_rows);
  run_options.params["set"] = set_name;
  run_options.params["images"] = absl::StrCat(items.size());
  run_options.seed = config.recognition.seed;
  // What was searched: every file's name, label and bytes.
  Sha256 fingerprint;
  for (const analysis::TrashItem& item : items) {
    fingerprint.Update(absl::StrCat(item.file, " ", item.split, " ", item.identity, " ", Sha256Hex(item.bytes), "\n"));
  }
  run_options.dataset_fingerprint = fingerprint.HexDigest();
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
  // A killed search resumes its folds: checkpoints belong to this configuration and data.
  // The fold models depend on what they train and on what: not on the flag rules.
  std::map<std::string, std::string> checkpoint_key = experiment::RecognitionParams(config.recognition);
  checkpoint_key["folds"] = absl::StrCat(options.folds);
  training.checkpoint_dir = e.CheckpointDir("find_trash", checkpoint_key, run_options.dataset_fingerprint);
  LOG(INFO) << "find_trash: " << items.size() << " images of " << set_name << ", " << options.folds << " folds";
  FACEREC_ASSIGN_OR_RETURN(const analysis::TrashReport report,
                           analysis::SearchTrash(items, training, options, device));
  std::map<std::string, int64_t> count;
  for (const analysis::Suspect& s : report.suspects) ++count[analysis::TrashKindName(s.kind)];
  int64_t exact = 0;
  for (const analysis::DuplicatePair& p : report.duplicates) exact += p.kind == analysis::DuplicateKind::kExact;
  FACEREC_RETURN_IF_ERROR(run->LogMetric("trash/images", 0, items.size()));
  FACEREC_RETURN_IF_ERROR(run->LogMetric("trash/held_out_accuracy", 0, report.held_out_accuracy));
  for (const char* kind : {"wrong_identity", "duplicate", "unusable"}) {
    FACEREC_RETURN_IF_ERROR(run->LogMetric(absl::StrCat("trash/", kind, "/count"), 0, count[kind]));
  }
  FACEREC_RETURN_IF_ERROR(run->LogMetric("trash/duplicate/exact_count", 0, exact));

  // The files the run owns, in its artifacts; the user's copies at --out / --sheet.
  const std::filesystem::path dir = e.ArtifactsDir() / "find_trash" / absl::StrCat("run", run->id());
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return absl::InternalError(absl::StrCat("could not create ", dir.string(), ": ", error.message()));
  FACEREC_RETURN_IF_ERROR(analysis::WriteTrashCsv(report, items, (dir / "trash.csv").string()));
  FACEREC_RETURN_IF_ERROR(run->LogArtifact("trash_csv", (dir / "trash.csv").string()));
  FACEREC_RETURN_IF_ERROR(
      analysis::WriteContactSheet(report, items, options, FLAGS_sheet_rows, (dir / "contact_sheet.png").string()));
  FACEREC_RETURN_IF_ERROR(run->LogArtifact("contact_sheet", (dir / "contact_sheet.png").string()));
  for (const auto& [from, to] : {std::pair{dir / "trash.csv", out}, std::pair{dir / "contact_sheet.png", sheet}}) {
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing, error);
    if (error) return absl::InternalError(absl::StrCat("could not write ", to.string(), ": ", error.message()));
  }
  std::printf("\n%s: %zu images; held-out accuracy of the fold models %.3f\n", set_name.c_str(), items.size(),
              report.held_out_accuracy);
  std::printf("  wrong identity %lld, duplicate %lld (%lld exact), unusable %lld\n",
              static_cast<long long>(count["wrong_identity"]), static_cast<long long>(count["duplicate"]),
              static_cast<long long>(exact), static_cast<long long>(count["unusable"]));
  std::printf("  %s\n  %s\n", out.c_str(), sheet.c_str());
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kFindTrash,
       .usage = "Finds mislabelled, duplicated and unusable photos in a labelled face set.\n"
                "Usage: find_trash [--set=celeba500|celeba_ir | --list=FILE] [--out=trash.csv] [--folds=5]",
       .layer_flags = "",
       .default_layers = [] { return std::vector<std::string>{"base", "find_trash"}; },
       .main = facerec::FindTrash});
}
