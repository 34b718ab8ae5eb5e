// Helpers the results sections share (tools/results_table/*.cc): how a run
// is cited, how a missing number is shown, the runs several sections read.
// Internal to //tools:results_table.
//
//   absl::StrAppend(&md, "| ", ShortUid(run), " | ", Cell(tpr), " |\n");
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_TOOLS_RESULTS_TABLE_COMMON_H_
#define FACEREC_TOOLS_RESULTS_TABLE_COMMON_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::tools {

// Runs are cited by the first 8 hex digits of their uid: the same in every
// store the run is imported into (tools:runs show and compare take it).
std::string ShortUid(const tracking::RunRecord& run);

// kCourseFprs, without linking LibTorch into the report tools.
extern const std::vector<double> kCourseFprs;

// A number to 3 decimals, "–" when absent.
std::string Cell(const std::optional<double>& value);

// The last value of every metric of a run.
absl::StatusOr<std::map<std::string, double>> LastValues(tracking::ExperimentStore& store, int64_t run);

// last[key] with `format`, "–" when absent.
std::string Fixed(const std::map<std::string, double>& last, const std::string& key,
                  const absl::FormatSpec<double>& format = "%.3f");

struct CompareLossesRun {
  tracking::RunRecord run;
  std::map<std::string, std::string> params;
  std::string param(const std::string& key) const {
    const auto it = params.find(key);
    return it == params.end() ? std::string() : it->second;
  }
};

// Whether the run was made to reproduce another (tag replay_of, set by
// tools:runs reproduce): results cite it where they discuss the replay, and
// no table takes it for a result of its own.
absl::StatusOr<bool> IsReplay(tracking::ExperimentStore& store, int64_t run_id);

// Every FINISHED compare_losses run with its params, newest first; no replays.
absl::StatusOr<std::vector<CompareLossesRun>> FinishedCompareLossesRuns(tracking::ExperimentStore& store);

// The recognisers of adversarial-training experiments: every fine-tuned run
// and every run one was fine-tuned from. The defence section compares them;
// the attacks section keeps to the other recognisers (the comparison's).
absl::StatusOr<std::set<std::string>> DefenceRecogniserUids(tracking::ExperimentStore& store);

// A finished attack run with its params and series.
struct AttackRun {
  tracking::RunRecord run;
  std::map<std::string, std::string> params;
  std::map<std::string, std::map<int64_t, double>> series;
  std::string param(const std::string& key) const {
    const auto it = params.find(key);
    return it == params.end() ? std::string("?") : it->second;
  }
};

// Per attacked recogniser, the newest finished run of experiment attack_recogniser
// that has series `radii` (a run may hold the ε grid, the eyeglass attack or
// both), in ListRuns order (newest first).
absl::StatusOr<std::vector<AttackRun>> NewestAttackRuns(tracking::ExperimentStore& store, const std::string& radii);

// series[key][step] to `digits` decimals, "–" when absent.
std::string Rate(const std::map<std::string, std::map<int64_t, double>>& series, const std::string& key,
                 int64_t step, int digits = 3);

// The run's celebA_ir identification rate at `fpr`.
absl::StatusOr<std::optional<double>> IdRateAt(tracking::ExperimentStore& store, int64_t run_id, double fpr);

}  // namespace facerec::tools

#endif  // FACEREC_TOOLS_RESULTS_TABLE_COMMON_H_
