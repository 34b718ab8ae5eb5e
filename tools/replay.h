// Replaying a run from its record (tools:runs reproduce): the recorded
// commit checked out into a clean worktree and built, the recorded command
// run again at the recorded thread count into a store of its own, the
// replay imported beside the original, and every recorded number shown side
// by side with the seeds' spread and both machines' numerics facts.
//
//   FACEREC_ASSIGN_OR_RETURN(tracking::RunRecord run, store->GetRunByUid("c75176d4"));
//   FACEREC_ASSIGN_OR_RETURN(ReplayPlan plan, PlanReplay(run, *store->GetParams(run.id)));
//   // plan.commit "4ae4b57", plan.target "//experiments:compare_losses",
//   // plan.args {"--losses=arcface", "--threads=2"}
//   ReplayOptions options;  // options.binary set: no git, no build (tests)
//   FACEREC_ASSIGN_OR_RETURN(int64_t replay_id, RunReplay(*store, run, plan, options));
//   FACEREC_ASSIGN_OR_RETURN(std::string text, ReplayReportText(*store, run.id, replay_id));
//
// A run from a tree with uncommitted changes ("-dirty") or of an unknown
// version cannot be replayed: its code is nowhere to check out.
//
// Thread-safety: functions of their arguments; RunReplay starts processes
// and waits for them (call it from one thread).
#ifndef FACEREC_TOOLS_REPLAY_H_
#define FACEREC_TOOLS_REPLAY_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::tools {

struct ReplayPlan {
  std::string commit;             // The run's code_version.
  std::string target;             // "//experiments:compare_losses"; "" when started as a plain binary.
  // The recorded arguments, then --threads=<the params' threads> when the
  // run recorded one (else the command line's --threads stays).
  std::vector<std::string> args;
};

// FailedPreconditionError for a -dirty code version or a run not FINISHED;
// InvalidArgumentError for a command line this cannot split exactly
// (quotes) or a `tools/bazel run` without a target.
absl::StatusOr<ReplayPlan> PlanReplay(const tracking::RunRecord& run,
                                      const std::map<std::string, std::string>& params);

struct ReplayOptions {
  // The checkout this tool runs in (git worktree add is run from it).
  std::filesystem::path workspace;
  // Where the recorded commit is checked out, and the replay's store and
  // artifacts go (replay-<uid>/ inside it). Default (empty):
  // <workspace>/../facerec-replay-<commit>, beside the checkout so the data
  // beside it is found the same way.
  std::filesystem::path worktree;
  // The data root the replay reads (FACEREC_DATA for the child).
  std::filesystem::path data_root;
  // When set, this binary is run in `workspace` instead of checking out and
  // building the commit (it must be that commit's build of the target):
  // the test's path.
  std::filesystem::path binary;
  // Where the child's output goes; empty = this process's stdout/stderr.
  std::string log_path;
};

// Checks out plan.commit (unless options.binary; FailedPreconditionError
// without it for an unknown version or target), builds plan.target, runs
// it with plan.args into a fresh store and artifacts directory of its own,
// and imports the run of the same experiment, name and seed as `original`
// into `store`. Returns the replay's run id in `store`. Errors name the
// step that failed (checkout, build, run, import) and its command.
absl::StatusOr<int64_t> RunReplay(tracking::ExperimentStore& store, const tracking::RunRecord& original,
                                  const ReplayPlan& plan, const ReplayOptions& options);

// Runs recorded before numerics facts existed (core/numerics_facts.h) do
// not record them, and neither does their replay. For such a replay, tags
// the facts of the machine it ran on as this process reads them (the same
// machine, libraries and packages), without the per-process ones (threads,
// env, OpenBLAS's kernels), plus numerics/read_by saying so. Does nothing when the run records
// any numerics fact.
absl::Status TagMissingNumericsFacts(tracking::ExperimentStore& store, int64_t replay_id);

// The replay beside the original: host names, data fingerprints, params that differ,
// each artifact kind both saved compared by sha256 (the weights),
// every recorded metric (last value) and evaluation with the difference
// and the standard deviation of that number over the finished runs of the
// same configuration with other seeds (when the store has at least two),
// timing metrics apart (they are never expected to agree), a count of the
// numbers identical bit for bit, and both runs' numerics facts, marked
// where they differ.
absl::StatusOr<std::string> ReplayReportText(tracking::ExperimentStore& store, int64_t original_id,
                                             int64_t replay_id);

}  // namespace facerec::tools

#endif  // FACEREC_TOOLS_REPLAY_H_
