// Results section: trained recognisers used together (experiments:evaluate_ensemble).
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/experiment_names.h"
#include "tools/markdown_table.h"
#include "tools/results_table.h"
#include "tools/results_table/common.h"

namespace facerec::tools {

using tracking::ExperimentStore;

namespace {

// Each recogniser's sha256 → "<loss> s<seed> (<run>)", from the oldest
// compare_losses run that recorded it (later runs re-evaluate the same file).
absl::StatusOr<std::map<std::string, std::string>> RecogniserNames(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<CompareLossesRun> runs, FinishedCompareLossesRuns(store));
  std::map<std::string, std::string> names;
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {  // Oldest first.
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::ArtifactRecord> artifacts, store.GetArtifacts(it->run.id));
    for (const tracking::ArtifactRecord& a : artifacts) {
      if (a.kind != "embedding_net" || names.count(a.sha256) > 0) continue;
      names[a.sha256] = absl::StrCat(it->run.name, it->run.seed ? absl::StrCat(" s", *it->run.seed) : "", " (",
                                     ShortUid(it->run), ")");
    }
  }
  return names;
}

std::string Named(const std::map<std::string, std::string>& names, const std::string& sha256_list) {
  std::vector<std::string> out;
  for (absl::string_view sha : absl::StrSplit(sha256_list, ',', absl::SkipEmpty())) {
    const auto it = names.find(std::string(sha));
    out.push_back(it != names.end() ? it->second : absl::StrCat("sha256 ", sha.substr(0, 8)));
  }
  return out.empty() ? "–" : absl::StrJoin(out, ", ");
}

// last[value] with its interval [last[value_low], last[value_high]]; a
// difference (`difference`) in bold when its interval excludes 0.
std::string WithInterval(const std::map<std::string, double>& last, const std::string& value,
                         const absl::FormatSpec<double>& format, bool difference) {
  if (last.count(value) == 0) return "–";
  std::string cell = absl::StrFormat(format, last.at(value));
  const auto low = last.find(value + "_low"), high = last.find(value + "_high");
  if (low == last.end() || high == last.end()) return cell;
  absl::StrAppend(&cell, " [", absl::StrFormat(format, low->second), ", ", absl::StrFormat(format, high->second), "]");
  return difference && (low->second > 0 || high->second < 0) ? absl::StrCat("**", cell, "**") : cell;
}

}  // namespace

absl::StatusOr<std::string> EnsemblesMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kEvaluateEnsemble));
  FACEREC_ASSIGN_OR_RETURN(const auto names, RecogniserNames(store));
  MarkdownTable table({"run", "combination", "members", "reference", "TPR@0.1 [interval]",
                       "minus the reference [interval]", "TPR@0.001", "LFW", "ms/face (one member)", "parameters"});
  std::vector<std::string> commands;
  for (const tracking::RunRecord& run : runs) {  // Newest first.
    if (run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(run.id));
    FACEREC_ASSIGN_OR_RETURN(const auto last, LastValues(store, run.id));
    const auto param = [&](const char* key) {
      const auto it = params.find(key);
      return it == params.end() ? std::string() : it->second;
    };
    FACEREC_ASSIGN_OR_RETURN(const std::optional<double> tpr, IdRateAt(store, run.id, 0.1));
    FACEREC_ASSIGN_OR_RETURN(const std::optional<double> tpr_low_fpr, IdRateAt(store, run.id, 0.001));
    std::map<std::string, double> rate = last;  // The rate is an evaluation; its interval, metrics.
    if (tpr) rate["interval/tpr_at_fpr_0.1"] = *tpr;
    const std::string tpr_cell = WithInterval(rate, "interval/tpr_at_fpr_0.1", "%.3f", /*difference=*/false);
    table.AddRow({ShortUid(run), param("combination"), Named(names, param("members_sha256")),
                  Named(names, param("reference_sha256")), tpr_cell,
                  WithInterval(last, "versus_reference/tpr_at_fpr_0.1", "%+.3f", /*difference=*/true),
                  Cell(tpr_low_fpr), Fixed(last, "eval/lfw_accuracy"),
                  absl::StrCat(Fixed(last, "inference/ms_per_face", "%.1f"), " (",
                               Fixed(last, "inference/member_ms_per_face", "%.1f"), ")"),
                  Fixed(last, "model/parameters", "%.0f")});
    commands.push_back(run.command_line);
  }
  if (commands.empty()) {
    return absl::NotFoundError(absl::StrCat("no finished evaluate_ensemble runs in ", store.path(),
                                            " (tools/bazel run //experiments:evaluate_ensemble)"));
  }
  std::string md = absl::StrCat(
      "Trained recognisers used together, scored like one on celebA_ir (newest first). concatenate: the "
      "members' unit embeddings side by side, so a similarity is the mean of the members' cosines. TPR@0.1: "
      "the identification rate at FPR 0.1 with its 95 % bootstrap interval over query identities; minus the "
      "reference: the paired difference from the reference (the mean of its recognisers' rates) on the same "
      "resamples, bold where its interval excludes 0. ms/face: one face at a time, both views, timed in the "
      "run's process beside one member (its first).\n\n",
      table.ToString(), "\nProduced by:\n\n");
  for (const std::string& command : commands) absl::StrAppend(&md, "    ", command, "\n");
  return md;
}

}  // namespace facerec::tools
