// Results section: the trash search against injected faults and on the real sets.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <optional>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/experiment_names.h"
#include "tools/markdown_table.h"
#include "tools/results_table.h"
#include "tools/results_table/common.h"

namespace facerec::tools {

using tracking::ExperimentStore;

absl::StatusOr<std::string> TrashMarkdown(ExperimentStore& store) {
  std::string md;
  {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kValidateTrashSearch));
    // (rate, seed) -> that run's rows, newest run only.
    std::map<std::pair<double, std::string>, std::vector<std::vector<std::string>>> rows;
    std::set<std::string> commands;
    for (const tracking::RunRecord& run : runs) {
      if (run.status != tracking::RunStatus::kFinished) continue;
      FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(run.id));
      const auto param = [&](const std::string& k) {
        const auto it = params.find(k);
        return it == params.end() ? std::string("?") : it->second;
      };
      double rate = 0;
      if (!absl::SimpleAtod(param("swap_rate"), &rate)) continue;
      const std::pair<double, std::string> key{-rate, param("injection_seed")};
      if (rows.count(key)) continue;
      FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::MetricPoint> points, store.GetMetrics(run.id));
      std::map<std::string, double> m;
      for (const tracking::MetricPoint& p : points) m[p.key] = p.value;
      std::vector<std::vector<std::string>>& run_rows = rows[key];
      const std::string swaps = absl::StrFormat("%g %%", 100 * rate);
      for (const char* kind : {"swap", "exact_duplicate", "near_duplicate", "junk"}) {
        const std::string k = absl::StrCat("injection/", kind, "/");
        if (!m.count(k + "injected")) continue;
        run_rows.push_back({swaps, key.second, ShortUid(run), kind, absl::StrFormat("%.0f", m[k + "injected"]),
                            absl::StrFormat("%.0f", m[k + "flagged"]), absl::StrFormat("%.0f", m[k + "found"]),
                            absl::StrFormat("%.3f", m[k + "precision_at_k"]), absl::StrFormat("%.3f", m[k + "recall"]),
                            absl::StrFormat("%.3f", m[k + "precision"]), absl::StrFormat("%.3f", m[k + "roc_auc"])});
      }
      run_rows.push_back({swaps, key.second, ShortUid(run), "the set's own near-duplicate pairs (not counted)",
                          absl::StrFormat("%.0f", m["injection/own_duplicate_pairs"]), "", "", "", "", "", ""});
      commands.insert(absl::StrCat("    ", run.command_line, "\n"));
    }
    if (!rows.empty()) {
      absl::StrAppend(&md,
                      "Faults injected into a copy of CelebA-500 (experiments:validate_trash_search), each kind "
                      "scored against the items it applies to (analysis/fault_injection.h): precision@k at k = the "
                      "number injected, recall and precision of the flagged items, ROC AUC of the score.\n\n");
      MarkdownTable table({"swaps", "seed", "run", "kind", "injected", "flagged", "found", "precision@k", "recall",
                           "precision", "ROC AUC"});
      for (const auto& [key, run_rows] : rows) {
        for (const std::vector<std::string>& row : run_rows) table.AddRow(row);
      }
      absl::StrAppend(&md, table.ToString(), "\n");
      for (const std::string& c : commands) absl::StrAppend(&md, c);
      absl::StrAppend(&md, "\n");
    }
  }
  {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kFindTrash));
    std::map<std::string, std::vector<std::string>> rows;  // Set -> its newest run's row.
    std::map<std::string, std::string> commands;
    for (const tracking::RunRecord& run : runs) {
      if (run.status != tracking::RunStatus::kFinished || rows.count(run.name)) continue;
      FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::MetricPoint> points, store.GetMetrics(run.id));
      std::map<std::string, double> m;
      for (const tracking::MetricPoint& p : points) m[p.key] = p.value;
      rows[run.name] = {run.name,
                        ShortUid(run),
                        absl::StrFormat("%.0f", m["trash/images"]),
                        absl::StrFormat("%.3f", m["trash/held_out_accuracy"]),
                        absl::StrFormat("%.0f", m["trash/wrong_identity/count"]),
                        absl::StrFormat("%.0f (%.0f exact)", m["trash/duplicate/count"], m["trash/duplicate/exact_count"]),
                        absl::StrFormat("%.0f", m["trash/unusable/count"])};
      commands[run.name] = absl::StrCat("    ", run.command_line, "\n");
    }
    if (!rows.empty()) {
      absl::StrAppend(&md,
                      "The search on the real sets (experiments:find_trash): suspects per kind (a duplicate is "
                      "counted once per pair), and the fold recognisers' held-out accuracy.\n\n");
      MarkdownTable table({"set", "run", "images", "held-out accuracy", "wrong identity", "duplicates", "unusable"});
      for (const auto& [name, row] : rows) table.AddRow(row);
      absl::StrAppend(&md, table.ToString(), "\n");
      for (const auto& [name, command] : commands) absl::StrAppend(&md, command);
      absl::StrAppend(&md, "\n");
    }
  }
  if (md.empty()) {
    return absl::NotFoundError(absl::StrCat("no finished trash-search run in ", store.path(),
                                            " (tools/bazel run //experiments:find_trash)"));
  }
  return md;
}

}  // namespace facerec::tools
