#include "tools/replay.h"

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "facerec/core/child_process.h"
#include "facerec/core/numerics_facts.h"
#include "facerec/core/statistics.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/run_export.h"
#include "tools/runs_report.h"

namespace facerec::tools {

absl::StatusOr<ReplayPlan> PlanReplay(const tracking::RunRecord& run,
                                      const std::map<std::string, std::string>& params) {
  const std::string who = absl::StrCat("run ", run.uid.substr(0, 8));
  if (run.status != tracking::RunStatus::kFinished) {
    return absl::FailedPreconditionError(
        absl::StrCat(who, " is ", tracking::RunStatusName(run.status), ": only a finished run has numbers to replay"));
  }
  if (absl::EndsWith(run.code_version, "-dirty")) {
    return absl::FailedPreconditionError(absl::StrCat(
        who, " was recorded from a tree with uncommitted changes (code version ", run.code_version,
        "): the code it ran is in no commit, so it cannot be replayed"));
  }
  if (absl::StrContains(run.command_line, "'") || absl::StrContains(run.command_line, "\"")) {
    return absl::InvalidArgumentError(absl::StrCat(who, "'s command line has quotes, which the record does not "
                                                   "keep exactly: ",
                                                   run.command_line));
  }
  const std::vector<std::string> words = absl::StrSplit(run.command_line, ' ', absl::SkipEmpty());
  if (words.empty()) return absl::InvalidArgumentError(absl::StrCat(who, " has no command line"));
  ReplayPlan plan;
  plan.commit = run.code_version;
  size_t first = 1;  // A binary started directly: no target, only --replay_binary replays it.
  if (words.size() >= 3 && words[0] == "tools/bazel" && words[1] == "run") {
    if (!absl::StartsWith(words[2], "//") || !absl::StrContains(words[2], ":")) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, "'s command line does not name a Bazel target: ", run.command_line));
    }
    plan.target = words[2];
    first = 3;
    if (words.size() > 3 && words[3] == "--") first = 4;
  }
  auto threads = params.find("threads");
  for (size_t i = first; i < words.size(); ++i) {
    // Where things go is the replay's own; the thread count is the record's.
    if ((absl::StartsWith(words[i], "--threads=") && threads != params.end()) ||
        absl::StartsWith(words[i], "--db=") || absl::StartsWith(words[i], "--artifacts_dir=")) {
      continue;
    }
    plan.args.push_back(words[i]);
  }
  if (threads != params.end()) plan.args.push_back(absl::StrCat("--threads=", threads->second));
  return plan;
}

namespace {

// Runs `args` to completion in `directory`; an error naming `step` and the
// command unless it exits 0.
absl::Status RunStep(const std::string& step, const std::filesystem::path& directory,
                     const std::vector<std::string>& args, const std::string& log_path) {
  // The child's output goes to stderr (or the log): stdout is the report's.
  std::vector<std::string> command = {"/usr/bin/env", "-C", directory.string(), "sh", "-c", "exec \"$@\" >&2", "sh"};
  command.insert(command.end(), args.begin(), args.end());
  std::fprintf(stderr, "reproduce: %s: %s\n", step.c_str(), absl::StrJoin(args, " ").c_str());
  const auto start = std::chrono::steady_clock::now();
  FACEREC_ASSIGN_OR_RETURN(const pid_t pid, StartChild(command, log_path));
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return absl::InternalError(absl::StrCat(step, ": waitpid failed"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "reproduce: %s took %.0f s\n", step.c_str(), seconds);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::AbortedError(absl::StrCat(step, " failed (", WIFEXITED(status) ? "exit " : "signal ",
                                           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), "): ",
                                           absl::StrJoin(args, " ")));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> RunReplay(tracking::ExperimentStore& store, const tracking::RunRecord& original,
                                  const ReplayPlan& plan, const ReplayOptions& options) {
  std::filesystem::path worktree = options.worktree;
  if (worktree.empty()) {
    worktree = options.workspace.parent_path() / absl::StrCat("facerec-replay-", plan.commit);
  }
  std::filesystem::path binary = options.binary;
  if (binary.empty()) {
    if (plan.commit.empty() || plan.commit == "unknown") {
      return absl::FailedPreconditionError(absl::StrCat(
          "run ", original.uid.substr(0, 8), " was recorded outside a git checkout (code version '", plan.commit,
          "'): there is no commit to check out"));
    }
    if (plan.target.empty()) {
      return absl::FailedPreconditionError(absl::StrCat("run ", original.uid.substr(0, 8),
                                                        " was not started by `tools/bazel run`, so its target is "
                                                        "not recorded: give its binary (--replay_binary)"));
    }
    if (!std::filesystem::exists(worktree)) {
      FACEREC_RETURN_IF_ERROR(RunStep("checkout", options.workspace,
                                      {"git", "worktree", "add", "--detach", worktree.string(), plan.commit},
                                      options.log_path));
    } else {
      // A worktree left by an earlier replay: the commit again, nothing else.
      FACEREC_RETURN_IF_ERROR(
          RunStep("checkout", worktree, {"git", "checkout", "--detach", plan.commit}, options.log_path));
      FACEREC_RETURN_IF_ERROR(RunStep("check clean", worktree,
                                      {"sh", "-c", "test -z \"$(git status --porcelain --untracked-files=no)\""},
                                      options.log_path));
    }
    FACEREC_RETURN_IF_ERROR(
        RunStep("build", worktree, {(worktree / "tools/bazel").string(), "build", plan.target}, options.log_path));
    const std::string label = plan.target.substr(2);  // "experiments:compare_losses"
    const size_t colon = label.find(':');
    binary = worktree / "bazel-bin" / label.substr(0, colon) / label.substr(colon + 1);
  }
  const std::filesystem::path scratch = worktree / absl::StrCat("replay-", original.uid.substr(0, 8));
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  std::filesystem::create_directories(scratch);
  const std::filesystem::path replay_db = scratch / "replay.db";
  // The checkout the binary belongs to: the worktree, or this one when the
  // binary was given (its configs and relative paths are this checkout's).
  const std::filesystem::path checkout = options.binary.empty() ? worktree : options.workspace;
  std::vector<std::string> command = {"env", absl::StrCat("BUILD_WORKSPACE_DIRECTORY=", checkout.string()),
                                      absl::StrCat("FACEREC_DATA=", options.data_root.string()), binary.string()};
  command.insert(command.end(), plan.args.begin(), plan.args.end());
  command.push_back(absl::StrCat("--db=", replay_db.string()));
  command.push_back(absl::StrCat("--artifacts_dir=", (scratch / "artifacts").string()));
  FACEREC_RETURN_IF_ERROR(RunStep("run", checkout, command, options.log_path));

  FACEREC_ASSIGN_OR_RETURN(auto replay_store, tracking::ExperimentStore::Open(replay_db.string()));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, replay_store->ListRuns(original.experiment));
  for (const tracking::RunRecord& run : runs) {  // Newest first.
    if (run.name != original.name || run.seed != original.seed || run.status != tracking::RunStatus::kFinished) {
      continue;
    }
    FACEREC_ASSIGN_OR_RETURN(const std::string text, tracking::ExportRuns(*replay_store, {run.id}));
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::ExportedRun> exported,
                             tracking::ParseRunExport(replay_db.string(), text));
    FACEREC_RETURN_IF_ERROR(tracking::ImportRuns(store, exported).status());
    FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord imported, store.GetRunByUid(run.uid));
    FACEREC_RETURN_IF_ERROR(store.SetTag(imported.id, "replay_of", original.uid));
    FACEREC_RETURN_IF_ERROR(TagMissingNumericsFacts(store, imported.id));
    return imported.id;
  }
  return absl::NotFoundError(absl::StrCat("import: the replay recorded no finished ", original.experiment, " run named '",
                                          original.name, "' in ", replay_db.string()));
}

absl::Status TagMissingNumericsFacts(tracking::ExperimentStore& store, int64_t replay_id) {
  FACEREC_ASSIGN_OR_RETURN(const auto tags, store.GetTags(replay_id));
  for (const auto& [key, value] : tags) {
    if (absl::StartsWith(key, kNumericsTagPrefix)) return absl::OkStatus();
  }
  for (const auto& [key, value] : NumericsFacts()) {
    // Per process, so the replayed process's own, which this one cannot read:
    // the thread count, the environment, and OpenBLAS's kernels (chosen from
    // OPENBLAS_CORETYPE, which the experiments' start-up sets and this tool's
    // does not).
    if (key == "threads" || key == "env" || key == "openblas_core" || key == "openblas_config") continue;
    FACEREC_RETURN_IF_ERROR(store.SetTag(replay_id, absl::StrCat(kNumericsTagPrefix, key), value));
  }
  return store.SetTag(replay_id, absl::StrCat(kNumericsTagPrefix, "read_by"),
                      "tools:runs reproduce on the machine the replay ran on (the replayed code records none)");
}

namespace {

std::string Number(double value) { return std::isnan(value) ? "nan" : absl::StrFormat("%.9g", value); }

std::map<std::string, double> LastValues(const std::vector<tracking::MetricPoint>& points) {
  std::map<std::string, std::pair<int64_t, double>> last;
  for (const tracking::MetricPoint& p : points) {
    auto it = last.find(p.key);
    if (it == last.end() || p.step >= it->second.first) last[p.key] = {p.step, p.value};
  }
  std::map<std::string, double> out;
  for (const auto& [key, v] : last) out[key] = v.second;
  return out;
}

std::map<std::string, double> EvaluationValues(const std::vector<tracking::Evaluation>& evaluations) {
  std::map<std::string, double> out;
  for (const tracking::Evaluation& e : evaluations) {
    if (!e.tpr.has_value()) continue;
    const std::string at = e.target_fpr.has_value() ? absl::StrCat("@FPR ", Number(*e.target_fpr))
                                                    : absl::StrCat("@", Number(e.threshold.value_or(0)));
    out[absl::StrCat(e.dataset, " ", e.protocol, " ", at)] = *e.tpr;
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> ReplayReportText(tracking::ExperimentStore& store, int64_t original_id,
                                             int64_t replay_id) {
  FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord original, store.GetRun(original_id));
  FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord replay, store.GetRun(replay_id));
  FACEREC_ASSIGN_OR_RETURN(const auto original_params, store.GetParams(original_id));
  FACEREC_ASSIGN_OR_RETURN(const auto replay_params, store.GetParams(replay_id));
  std::string out = absl::StrFormat("Replay of run %s (%s/%s, seed %s, code %s): run %s.\n", original.uid.substr(0, 8),
                                    original.experiment, original.name,
                                    original.seed ? absl::StrCat(*original.seed) : "-", original.code_version,
                                    replay.uid.substr(0, 8));
  absl::StrAppend(&out, "Host: ", original.host.empty() ? "(not recorded)" : original.host, " -> ",
                  replay.host.empty() ? "(not recorded)" : replay.host, "\n");
  absl::StrAppend(&out, "Data fingerprint: ",
                  original.dataset_fingerprint == replay.dataset_fingerprint
                      ? absl::StrCat("same (", original.dataset_fingerprint.empty() ? "none recorded"
                                                   : original.dataset_fingerprint.substr(0, 16), ")")
                      : absl::StrCat("DIFFERS: recorded ", original.dataset_fingerprint.substr(0, 16), ", now ",
                                     replay.dataset_fingerprint.substr(0, 16)),
                  "\n");
  std::vector<std::string> param_differences;
  std::set<std::string> param_keys;
  for (const auto& [k, v] : original_params) param_keys.insert(k);
  for (const auto& [k, v] : replay_params) param_keys.insert(k);
  for (const std::string& k : param_keys) {
    auto a = original_params.find(k), b = replay_params.find(k);
    const std::string x = a == original_params.end() ? "(none)" : a->second;
    const std::string y = b == replay_params.end() ? "(none)" : b->second;
    if (x != y) param_differences.push_back(absl::StrCat(k, ": ", x, " -> ", y));
  }
  absl::StrAppend(&out, "Params: ",
                  param_differences.empty() ? "identical" : absl::StrJoin(param_differences, "; "), "\n");
  // The saved models, by content: the same sha256 is the same weights.
  FACEREC_ASSIGN_OR_RETURN(const auto original_artifacts, store.GetArtifacts(original_id));
  FACEREC_ASSIGN_OR_RETURN(const auto replay_artifacts, store.GetArtifacts(replay_id));
  for (const tracking::ArtifactRecord& a : original_artifacts) {
    for (const tracking::ArtifactRecord& b : replay_artifacts) {
      if (a.kind != b.kind) continue;
      absl::StrAppend(&out, "Artifact ", a.kind, ": ",
                      a.sha256 == b.sha256 ? absl::StrCat("identical bytes (sha256 ", a.sha256.substr(0, 16), ")")
                                           : absl::StrCat("DIFFERS: sha256 ", a.sha256.substr(0, 16), " -> ",
                                                          b.sha256.substr(0, 16)),
                      "\n");
      break;
    }
  }

  // The same configuration with other seeds: each seed's newest finished
  // run, replays left out.
  std::map<std::string, std::string> configuration = tracking::WithoutExecutionParams(original_params);
  configuration.erase("seed");
  std::map<int64_t, int64_t> run_per_seed;
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> candidates, store.ListRuns(original.experiment));
  for (const tracking::RunRecord& run : candidates) {  // Newest first.
    if (run.name != original.name || run.status != tracking::RunStatus::kFinished || !run.seed.has_value() ||
        run_per_seed.count(*run.seed) > 0 || run.id == replay_id) {
      continue;
    }
    FACEREC_ASSIGN_OR_RETURN(const auto tags, store.GetTags(run.id));
    if (tags.count("replay_of") > 0) continue;
    FACEREC_ASSIGN_OR_RETURN(auto params, store.GetParams(run.id));
    params = tracking::WithoutExecutionParams(params);
    params.erase("seed");
    if (params == configuration) run_per_seed[*run.seed] = run.id;
  }
  auto values_of = [&](int64_t id) -> absl::StatusOr<std::map<std::string, double>> {
    FACEREC_ASSIGN_OR_RETURN(const auto points, store.GetMetrics(id));
    FACEREC_ASSIGN_OR_RETURN(const auto evaluations, store.GetEvaluations(id));
    std::map<std::string, double> values = LastValues(points);
    for (const auto& [k, v] : EvaluationValues(evaluations)) values["eval " + k] = v;
    return values;
  };
  std::vector<std::map<std::string, double>> seed_values;
  for (const auto& [seed, id] : run_per_seed) {
    FACEREC_ASSIGN_OR_RETURN(auto values, values_of(id));
    seed_values.push_back(std::move(values));
  }
  std::vector<int64_t> spread_seeds;
  for (const auto& [seed, id] : run_per_seed) spread_seeds.push_back(seed);
  absl::StrAppend(&out, "Seed spread: ",
                  seed_values.size() >= 2
                      ? absl::StrCat("std over ", seed_values.size(), " seeds (", absl::StrJoin(spread_seeds, ","),
                                     ") of this configuration")
                      : "fewer than 2 seeds of this configuration in the store (train --seeds=1,2,3 for one)",
                  "\n\n");

  FACEREC_ASSIGN_OR_RETURN(const auto a, values_of(original_id));
  FACEREC_ASSIGN_OR_RETURN(const auto b, values_of(replay_id));
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  std::vector<std::vector<std::string>> rows = {{"", "recorded", "replay", "difference", "seed std", "|diff|/std"}};
  std::vector<std::vector<std::string>> timing_rows = rows;
  int identical = 0, compared = 0, beyond_spread = 0;
  for (const std::string& key : keys) {
    auto x = a.find(key), y = b.find(key);
    std::vector<std::string> row = {key, x == a.end() ? "-" : Number(x->second), y == b.end() ? "-" : Number(y->second)};
    const bool both = x != a.end() && y != b.end();
    const bool same = both && (x->second == y->second || (std::isnan(x->second) && std::isnan(y->second)));
    std::vector<double> over_seeds;
    for (const auto& values : seed_values) {
      auto it = values.find(key);
      if (it != values.end()) over_seeds.push_back(it->second);
    }
    // No spread from fewer than two seeds: shown as "-", not as 0.
    const double spread = over_seeds.size() < 2 ? std::nan("") : SampleStddev(over_seeds);
    row.push_back(!both ? "-" : same ? "=" : Number(y->second - x->second));
    row.push_back(std::isnan(spread) ? "-" : Number(spread));
    row.push_back(!both || same || std::isnan(spread) || spread == 0
                      ? "-"
                      : absl::StrFormat("%.2f", std::abs(y->second - x->second) / spread));
    const bool timing = !absl::StartsWith(key, "eval ") && IsTimingMetric(key);
    if (timing) {
      timing_rows.push_back(std::move(row));
      continue;
    }
    ++compared;
    if (same) ++identical;
    if (both && !same && !std::isnan(spread) && std::abs(y->second - x->second) > 2 * spread) ++beyond_spread;
    rows.push_back(std::move(row));
  }
  absl::StrAppend(&out, absl::StrFormat("Results: %d of %d numbers identical bit for bit", identical, compared));
  if (!seed_values.empty() && seed_values.size() >= 2) {
    absl::StrAppend(&out, absl::StrFormat("; %d differ by more than 2 seed standard deviations", beyond_spread));
  }
  absl::StrAppend(&out, ".\n\n", FormatTable(rows));
  if (timing_rows.size() > 1) {
    absl::StrAppend(&out, "\nTimings (never expected to agree):\n", FormatTable(timing_rows));
  }

  // What the numbers depend on besides the code: both machines.
  FACEREC_ASSIGN_OR_RETURN(const auto original_tags, store.GetTags(original_id));
  FACEREC_ASSIGN_OR_RETURN(const auto replay_tags, store.GetTags(replay_id));
  std::map<std::string, std::pair<std::string, std::string>> facts;
  for (const auto& [k, v] : original_tags) {
    if (absl::StartsWith(k, kNumericsTagPrefix)) facts[k.substr(sizeof(kNumericsTagPrefix) - 1)].first = v;
  }
  for (const auto& [k, v] : replay_tags) {
    if (absl::StartsWith(k, kNumericsTagPrefix)) facts[k.substr(sizeof(kNumericsTagPrefix) - 1)].second = v;
  }
  std::vector<std::vector<std::string>> fact_rows = {{"", "recorded", "replay"}};
  std::vector<std::string> differing;
  for (const auto& [k, v] : facts) {
    const std::string x = v.first.empty() ? "(not recorded)" : v.first;
    const std::string y = v.second.empty() ? "(not recorded)" : v.second;
    if (x != y) differing.push_back(k);
    fact_rows.push_back({absl::StrCat(x != y ? "* " : "  ", k), x, y});
  }
  absl::StrAppend(&out, "\nMachine facts (core/numerics_facts.h), * where they differ",
                  differing.empty() ? "" : absl::StrCat(": ", absl::StrJoin(differing, ", ")), ":\n",
                  facts.empty() ? "  (recorded by neither run)\n" : FormatTable(fact_rows));
  return out;
}

}  // namespace facerec::tools
