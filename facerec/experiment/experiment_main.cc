#include "facerec/experiment/experiment_main.h"

#include <cstdio>
#include <optional>
#include <utility>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "facerec/core/data_root.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/numerics_facts.h"
#include "facerec/core/process.h"
#include "facerec/core/status_macros.h"
#include "facerec/experiment/flag_values.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(data_root, "", "Dataset directory (default: $FACEREC_DATA, else ../shared/data).");
DEFINE_string(db, "results.db", "Experiment store; relative to the workspace root.");
DEFINE_string(config_dir, "experiments/configs", "Flagfiles; relative to the workspace root.");
DEFINE_string(artifacts_dir, "artifacts",
              "Checkpoints and trained models; relative to the workspace root.");
DEFINE_string(device, "cpu", "torch device: cpu, cuda, cuda:1, ...");
DEFINE_string(run_tags, "",
              "Tags for every run this process starts, key=value,key=value (experiments:sweep marks "
              "its points with them). Tags are not params: they leave the config hash alone.");

namespace facerec::experiment {

Experiment::~Experiment() = default;

absl::StatusOr<std::filesystem::path> Experiment::DataRoot() const {
  return ResolveDataRoot(FLAGS_data_root);
}

absl::StatusOr<torch::Device> Experiment::Device() const {
  try {
    return torch::Device(FLAGS_device);
  } catch (const std::exception&) {
    return FlagError("device", FLAGS_device, "not a torch device; allowed: cpu, cuda, cuda:N");
  }
}

std::filesystem::path Experiment::ArtifactsDir() const {
  return ResolveAgainstWorkspace(FLAGS_artifacts_dir);
}

std::filesystem::path Experiment::CheckpointDir(const std::string& kind, std::map<std::string, std::string> params,
                                               const std::string& dataset_fingerprint) const {
  std::map<std::string, std::string> key = tracking::WithoutExecutionParams(std::move(params));
  if (!dataset_fingerprint.empty()) key["dataset_fingerprint"] = dataset_fingerprint;
  return ArtifactsDir() / kind / tracking::ConfigHash(key).substr(0, 16);
}

absl::StatusOr<tracking::ExperimentStore*> Experiment::Store() {
  if (store_ == nullptr) {
    FACEREC_ASSIGN_OR_RETURN(store_, tracking::ExperimentStore::Open(
                                         ResolveAgainstWorkspace(FLAGS_db).string()));
  }
  return store_.get();
}

absl::StatusOr<tracking::Run*> Experiment::StartRun(tracking::RunOptions options) {
  if (options.experiment.empty()) options.experiment = name_;
  // Checked before the run exists, so a malformed --run_tags records nothing.
  std::vector<std::pair<std::string, std::string>> tags;
  for (absl::string_view pair : absl::StrSplit(FLAGS_run_tags, ',', absl::SkipWhitespace())) {
    const size_t eq = pair.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return FlagError("run_tags", FLAGS_run_tags, absl::StrCat("'", pair, "' is not key=value"));
    }
    tags.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
  }
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, Store());
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<tracking::Run> run,
                           tracking::Run::Start(store, options));
  for (const auto& [flag, origin] : layers_.Origins()) {
    FACEREC_RETURN_IF_ERROR(run->SetTag(absl::StrCat("origin/", flag), origin));
  }
  for (const auto& [key, value] : tags) FACEREC_RETURN_IF_ERROR(run->SetTag(key, value));
  // What the numbers depend on besides the params: the kernels this machine
  // runs and the thread count (`runs compare` shows them where runs differ).
  for (const auto& [key, value] : NumericsFacts()) {
    FACEREC_RETURN_IF_ERROR(run->SetTag(absl::StrCat(kNumericsTagPrefix, key), value));
  }
  runs_.push_back(std::move(run));
  return runs_.back().get();
}

absl::Status Experiment::FinishOpenRuns(const absl::Status& outcome) {
  absl::Status first_error;
  for (const auto& run : runs_) {
    if (run->finished()) continue;
    const absl::Status finished = run->FinishWith(outcome);
    if (outcome.ok() && !finished.ok() && first_error.ok()) first_error = finished;
  }
  return first_error;
}

int ExitStatus(const absl::Status& outcome, bool any_run_started) {
  // Bad input is only the user's to fix when nothing was recorded yet.
  const int status = ExitStatusFor(outcome);
  return status == 2 && any_run_started ? 1 : status;
}

int RunExperiment(int argc, char** argv, const ExperimentDefinition& definition) {
  std::optional<Experiment> experiment;
  InitProcess(&argc, &argv, definition.usage.c_str(), [&]() -> absl::Status {
    FlagLayers layers = FlagLayers::FromCommandLine();
    const std::vector<std::string> defaults =
        definition.default_layers ? definition.default_layers() : std::vector<std::string>{};
    const std::filesystem::path dir = ResolveAgainstWorkspace(FLAGS_config_dir);
    std::vector<std::string> all = defaults;
    if (definition.variant_layers) {
      for (const std::string& v : definition.variant_layers()) {
        std::error_code error;
        if (std::filesystem::is_regular_file(dir / (v + ".flags"), error)) all.push_back(v);
      }
    }
    for (const std::string& layer : all) {
      if (layers.Has(layer)) continue;
      const absl::Status read = layers.Read(layer, dir / (layer + ".flags"));
      if (!read.ok()) {
        return absl::Status(
            read.code(), absl::StrCat("config '", layer, "': ", read.message(), " (named by ",
                                      definition.layer_flags.empty() ? "the experiment"
                                                                     : definition.layer_flags,
                                      "; configs live in --config_dir=", FLAGS_config_dir, ")"));
      }
    }
    FACEREC_RETURN_IF_ERROR(layers.ApplyAsDefaults(defaults));
    experiment.emplace(definition.name, std::move(layers));
    return absl::OkStatus();
  });
  absl::Status outcome;
  try {
    outcome = definition.main(*experiment);
  } catch (const std::exception& e) {
    // A LibTorch error (c10::Error) or similar: recorded like any other.
    outcome = absl::InternalError(absl::StrCat("uncaught exception: ", e.what()));
  }
  const absl::Status finished = experiment->FinishOpenRuns(outcome);
  if (!outcome.ok()) {
    std::fprintf(stderr, "%s: %s\n", gflags::ProgramInvocationShortName(),
                 std::string(outcome.message()).c_str());
  } else if (!finished.ok()) {
    std::fprintf(stderr, "%s: cannot finish a run: %s\n", gflags::ProgramInvocationShortName(),
                 std::string(finished.message()).c_str());
    outcome = finished;
  }
  if (!experiment->runs().empty()) {
    std::vector<std::string> ids;
    for (const auto& run : experiment->runs()) ids.push_back(absl::StrCat(run->id()));
    std::printf("\n%s %s in %s: tools/bazel run //tools:runs -- show %s\n",
                experiment->runs().size() == 1 ? "run" : "runs", absl::StrJoin(ids, ", ").c_str(),
                WorkspaceRelative(FLAGS_db).c_str(), ids.back().c_str());
  }
  std::fflush(stdout);
  return ExitStatus(outcome, !experiment->runs().empty());
}

}  // namespace facerec::experiment
