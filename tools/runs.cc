// runs: look at the experiment store from the command line.
//
//   tools/bazel run //tools:runs -- list [--experiment=NAME] [--limit=N]
//   tools/bazel run //tools:runs -- show RUN_ID
//   tools/bazel run //tools:runs -- compare RUN_ID RUN_ID ...   (no ids: the latest --limit runs
//                                                                of --experiment)
//   tools/bazel run //tools:runs -- export [RUN ...] --out=runs.tsv      (whole runs, as text)
//   tools/bazel run //tools:runs -- export --metric_points=300 --out=experiments/results_runs.tsv
//   tools/bazel run //tools:runs -- import runs.tsv                       (into --db)
//   tools/bazel run //tools:runs -- export runs|params|metrics|evaluations [RUN ...] [--out=F]
//   tools/bazel run //tools:runs -- reproduce RUN      (checkout, build, rerun, side by side)
//
// RUN is a run's number in this store (12) or its uid, whole or its first 8+
// hex digits (e3455ae5), which is the same in every store: documents cite it.
// The text export (tracking/run_export.h) moves runs between stores; import
// skips runs the store already has.
//
// reproduce (tools/replay.h) checks the run's commit out into a worktree
// beside this checkout (--replay_worktree), builds its target, runs the
// recorded command at the recorded thread count into a store of its own,
// imports that run into --db (tagged replay_of=<uid>) and prints every
// recorded number beside the replay's, with the seeds' spread and both
// machines' numerics facts. The committed runs are in
// experiments/results_runs.tsv: `runs import` it first.
//
// --db defaults to results.db in the workspace root. For anything else, the
// file is plain SQLite: `sqlite3 results.db "select * from leaderboard"`.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "facerec/core/data_root.h"
#include "facerec/core/environment.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run_export.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "tools/replay.h"
#include "tools/runs_report.h"

DEFINE_string(db, "results.db", "Experiment store; relative paths are from the workspace root.");
DEFINE_string(experiment, "", "Only runs of this experiment (list, compare without ids).");
DEFINE_int32(limit, 50, "At most this many runs (list; compare and export without ids).");
DEFINE_string(out, "", "export: write here instead of standard output.");
DEFINE_int32(metric_points, 0,
             "export (whole runs): at most this many points per metric series, evenly spaced, "
             "first and last kept; 0 = every point (tracking/run_export.h).");

DEFINE_string(replay_worktree, "",
              "reproduce: check the commit out here (default: ../facerec-replay-<commit> beside the "
              "workspace root).");
DEFINE_string(replay_binary, "",
              "reproduce: run this build of the run's target instead of checking out and building its "
              "commit (it must be that commit's build; tests use it).");
DEFINE_string(data_root, "", "reproduce: dataset directory (default $FACEREC_DATA, else ../shared/data).");

namespace facerec::tools {
namespace {

constexpr char kUsage[] =
    "Looks at the experiment store.\n"
    "  runs list [--experiment=NAME] [--limit=N]\n"
    "  runs show RUN_ID\n"
    "  runs compare [RUN_ID ...] [--experiment=NAME --limit=N]\n"
    "  runs export [RUN ...] [--out=FILE]      whole runs as text (tracking/run_export.h)\n"
    "  runs import FILE                        runs from such a file into --db\n"
    "  runs export runs|params|metrics|evaluations [RUN ...] [--out=FILE]   one table as CSV\n"
    "  runs reproduce RUN                      replay a run from its record, side by side\n"
    "RUN: a run number of this store, or a run uid (8 to 32 hex digits).";

// A run as typed: this store's number (short, so never mistaken for a uid).
bool IsRunNumber(const std::string& arg) {
  int64_t id = 0;
  return arg.size() < 8 && absl::SimpleAtoi(arg, &id) && id > 0;
}

absl::StatusOr<std::vector<int64_t>> ParseIds(tracking::ExperimentStore& store,
                                              const std::vector<std::string>& args) {
  std::vector<int64_t> ids;
  for (const std::string& arg : args) {
    int64_t id = 0;
    if (IsRunNumber(arg) && absl::SimpleAtoi(arg, &id)) {
      ids.push_back(id);
      continue;
    }
    absl::StatusOr<tracking::RunRecord> run = store.GetRunByUid(arg);
    if (!run.ok()) {
      return absl::Status(run.status().code(),
                          absl::StrCat("'", arg, "' is not a run number or uid: ",
                                       run.status().message()));
    }
    ids.push_back(run->id);
  }
  return ids;
}

absl::StatusOr<std::string> WriteOrReturn(const std::string& text) {
  if (FLAGS_out.empty()) return text;
  const std::string out_path = ResolveAgainstWorkspace(FLAGS_out).string();
  std::ofstream out(out_path);
  out << text;
  if (!out.good()) return absl::PermissionDeniedError(absl::StrCat("cannot write ", out_path));
  return absl::StrCat("wrote ", out_path, "\n");
}

absl::StatusOr<std::vector<int64_t>> IdsOrLatest(tracking::ExperimentStore& store,
                                                 const std::vector<std::string>& args) {
  FACEREC_ASSIGN_OR_RETURN(std::vector<int64_t> ids, ParseIds(store, args));
  if (!ids.empty()) return ids;
  FACEREC_ASSIGN_OR_RETURN(const auto runs, store.ListRuns(FLAGS_experiment, FLAGS_limit));
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) ids.push_back(it->id);  // Oldest first.
  return ids;
}

// The arguments' form and the flags, checked before the store is opened.
absl::Status CheckArgs(const std::vector<std::string>& args) {
  if (FLAGS_metric_points < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--metric_points=", FLAGS_metric_points, ": must be >= 0 (0 = every point)"));
  }
  if (args.empty()) return absl::InvalidArgumentError(kUsage);
  const std::string& command = args[0];
  if (command != "list" && command != "show" && command != "compare" && command != "export" &&
      command != "import" && command != "reproduce") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown command '", command, "'; allowed: list, show, compare, export, import, reproduce (--help)"));
  }
  if (command == "import" || command == "list") return absl::OkStatus();
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (command == "export" && i == 1 &&
        (arg == "runs" || arg == "params" || arg == "metrics" || arg == "evaluations")) {
      continue;
    }
    if (!IsRunNumber(arg) && !tracking::IsRunUidPrefix(arg)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", arg, "' is not a run number or uid (a number, or 8 to 32 hex digits)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Dispatch(const std::vector<std::string>& args) {
  FACEREC_RETURN_IF_ERROR(CheckArgs(args));
  const std::string db = ResolveAgainstWorkspace(FLAGS_db).string();
  if (!std::filesystem::exists(db) && args[0] != "import") {
    return absl::NotFoundError(absl::StrCat("no experiment store at ", db, " (--db)"));
  }
  FACEREC_ASSIGN_OR_RETURN(auto store, tracking::ExperimentStore::Open(db));
  const std::string& command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "list") return ListRunsText(*store, FLAGS_experiment, FLAGS_limit);
  if (command == "show") {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<int64_t> ids, ParseIds(*store, rest));
    if (ids.size() != 1) return absl::InvalidArgumentError("show takes one run");
    return ShowRunText(*store, ids[0]);
  }
  if (command == "compare") {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<int64_t> ids, IdsOrLatest(*store, rest));
    return CompareRunsText(*store, ids);
  }
  if (command == "export") {
    const bool table = !rest.empty() && (rest[0] == "runs" || rest[0] == "params" ||
                                         rest[0] == "metrics" || rest[0] == "evaluations");
    if (table) {
      FACEREC_ASSIGN_OR_RETURN(
          const std::vector<int64_t> ids,
          IdsOrLatest(*store, std::vector<std::string>(rest.begin() + 1, rest.end())));
      FACEREC_ASSIGN_OR_RETURN(std::string csv, ExportCsv(*store, ids, rest[0]));
      return WriteOrReturn(csv);
    }
    FACEREC_ASSIGN_OR_RETURN(const std::vector<int64_t> ids, IdsOrLatest(*store, rest));
    tracking::ExportOptions options;
    options.max_points_per_series = FLAGS_metric_points;
    FACEREC_ASSIGN_OR_RETURN(std::string text, tracking::ExportRuns(*store, ids, options));
    return WriteOrReturn(text);
  }
  if (command == "reproduce") {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<int64_t> ids, ParseIds(*store, rest));
    if (ids.size() != 1) return absl::InvalidArgumentError("reproduce takes one run");
    FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord run, store->GetRun(ids[0]));
    FACEREC_ASSIGN_OR_RETURN(const auto params, store->GetParams(ids[0]));
    FACEREC_ASSIGN_OR_RETURN(const ReplayPlan plan, PlanReplay(run, params));
    ReplayOptions options;
    options.workspace = WorkspaceRoot();
    if (!FLAGS_replay_worktree.empty()) options.worktree = ResolveAgainstWorkspace(FLAGS_replay_worktree);
    if (!FLAGS_replay_binary.empty()) options.binary = ResolveAgainstWorkspace(FLAGS_replay_binary);
    FACEREC_ASSIGN_OR_RETURN(options.data_root, ResolveDataRoot(FLAGS_data_root));
    FACEREC_ASSIGN_OR_RETURN(const int64_t replay_id, RunReplay(*store, run, plan, options));
    return ReplayReportText(*store, ids[0], replay_id);
  }
  if (command == "import") {
    if (rest.size() != 1) return absl::InvalidArgumentError("import takes one export file");
    FACEREC_ASSIGN_OR_RETURN(const std::string text,
                             ReadFileBytes(ResolveAgainstWorkspace(rest[0]).string()));
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::ExportedRun> runs,
                             tracking::ParseRunExport(rest[0], text));
    FACEREC_ASSIGN_OR_RETURN(const tracking::ImportSummary summary,
                             tracking::ImportRuns(*store, runs));
    return absl::StrCat("imported ", summary.imported.size(), " run(s), skipped ",
                        summary.skipped.size(), " already in ", db, "\n");
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown command '", command, "'\n", kUsage));
}

}  // namespace
}  // namespace facerec::tools

int main(int argc, char** argv) {
  gflags::SetUsageMessage(facerec::tools::kUsage);
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  const std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<std::string> output = facerec::tools::Dispatch(args);
  if (!output.ok()) {
    std::cerr << "runs: " << output.status().message() << "\n";
    return facerec::ExitStatusFor(output.status());
  }
  std::cout << *output;
  return 0;
}
