// The frame every experiment runs in, written once: process start-up, the
// configuration layers (shown by --help), the data root, the store, the runs'
// lifecycle, failure recording and the closing summary line. An experiment's
// own file holds only what is specific to it.
//
//   absl::Status TrainThing(experiment::Experiment& e) {
//     // Check every flag (and what the data allows) before any run starts.
//     FACEREC_ASSIGN_OR_RETURN(ThingOptions options, ThingOptionsFromFlags());
//     tracking::RunOptions run_options;
//     run_options.name = "thing";
//     run_options.params = ThingParams(options);
//     FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
//     FACEREC_RETURN_IF_ERROR(run->LogMetric("loss", 0, 1.5));
//     return absl::OkStatus();  // The frame finishes the run: FINISHED, or FAILED with the error.
//   }
//
//   int main(int argc, char** argv) {
//     return facerec::experiment::RunExperiment(
//         argc, argv, {.name = "thing", .usage = "Trains a thing.", .main = TrainThing});
//   }
//
// Flags defined here, for every experiment:
//   --data_root    dataset directory (core/data_root.h); default $FACEREC_DATA, else ../shared/data
//   --db           experiment store, relative to the workspace root; default results.db
//   --config_dir   flagfiles, relative to the workspace root; default experiments/configs
//   --artifacts_dir  checkpoints and models, relative to the workspace root; default artifacts
//   --device       torch device (cpu, cuda, cuda:1, ...); default cpu
//   --run_tags     key=value,... tags for every run started; default none
//
// Exit status: 0 when every run finished; 2 when the experiment stopped
// before starting a run on an InvalidArgument or NotFound error (a bad flag,
// file or value: one line on stderr naming it, nothing written to the store);
// 1 otherwise. A run still open when `main` returns is finished with its
// outcome. Crashes are recorded by tracking::Run itself (run.h).
//
// Thread-safety: one Experiment per process, used from the main thread.
#ifndef FACEREC_EXPERIMENT_EXPERIMENT_MAIN_H_
#define FACEREC_EXPERIMENT_EXPERIMENT_MAIN_H_

#include <c10/core/Device.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "facerec/experiment/flag_layers.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"

namespace facerec::experiment {

class Experiment;

struct ExperimentDefinition {
  // The store's experiment name ("compare_losses"): RunOptions::experiment
  // of every run started through Experiment::StartRun.
  std::string name;
  std::string usage;
  // The flags that name configuration files, for errors ("--preset").
  std::string layer_flags;
  // Configuration files (names in --config_dir without ".flags") applied as
  // defaults at start-up, so --help shows what a plain run uses. Called after
  // the command line is parsed: it may depend on flags (--preset). Empty
  // function: no layers.
  std::function<std::vector<std::string>()> default_layers;
  // Further layers read at start-up but applied per variant by `main`
  // (FlagLayers::Apply), e.g. one file per loss. Optional: a variant without
  // a file has no overrides (FlagLayers::Has tells).
  std::function<std::vector<std::string>()> variant_layers;
  std::function<absl::Status(Experiment&)> main;
};

class Experiment {
 public:
  explicit Experiment(std::string name, FlagLayers layers)
      : name_(std::move(name)), layers_(std::move(layers)) {}
  ~Experiment();

  const std::string& name() const { return name_; }
  FlagLayers& layers() { return layers_; }

  // --data_root resolved (core/data_root.h).
  absl::StatusOr<std::filesystem::path> DataRoot() const;
  // --device parsed; InvalidArgumentError naming the flag for a bad one.
  absl::StatusOr<c10::Device> Device() const;
  // --artifacts_dir resolved against the workspace.
  std::filesystem::path ArtifactsDir() const;

  // Where a training of `kind` keeps its checkpoint and saved weights, the one
  // place every experiment keys them: ArtifactsDir()/<kind>/<16 hex digits>,
  // the start of the ConfigHash of `params` without execution params
  // (tracking::WithoutExecutionParams: a resumed run may take another thread
  // count) plus "dataset_fingerprint" (when not empty). A run started again
  // with the same configuration on the same data finds its checkpoint there;
  // any other configuration or data gets a directory of its own.
  std::filesystem::path CheckpointDir(const std::string& kind, std::map<std::string, std::string> params,
                                      const std::string& dataset_fingerprint) const;

  // The store at --db, opened on first use.
  absl::StatusOr<tracking::ExperimentStore*> Store();

  // Starts a run of this experiment (options.experiment defaults to the
  // experiment's name) and tags it with each layered flag's origin and with
  // the machine's numerics facts (core/numerics_facts.h, tags numerics/*). The
  // frame finishes it if `main` does not. Owned by the Experiment.
  absl::StatusOr<tracking::Run*> StartRun(tracking::RunOptions options);
  const std::vector<std::unique_ptr<tracking::Run>>& runs() const { return runs_; }

  // Finishes every open run with `outcome` (FINISHED, or FAILED with its
  // message). Called by RunExperiment when `main` returns.
  absl::Status FinishOpenRuns(const absl::Status& outcome);

 private:
  const std::string name_;
  FlagLayers layers_;
  std::unique_ptr<tracking::ExperimentStore> store_;
  std::vector<std::unique_ptr<tracking::Run>> runs_;
};

// main() of an experiment binary: InitProcess (the layers as defaults before
// --help), then `definition.main`, then the summary line. Returns the exit status.
int RunExperiment(int argc, char** argv, const ExperimentDefinition& definition);

// The exit status for an experiment's outcome (see the header comment).
int ExitStatus(const absl::Status& outcome, bool any_run_started);

}  // namespace facerec::experiment

#endif  // FACEREC_EXPERIMENT_EXPERIMENT_MAIN_H_
