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
#include "tools/results_table.h"
#include "tools/results_table/common.h"

namespace facerec::tools {

using tracking::ExperimentStore;

absl::StatusOr<std::string> TrashMarkdown(ExperimentStore& store) {
  std::string md;
  {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns("validate_trash_search"));
    std::map<std::pair<double, std::string>, std::string> rows;  // (rate, seed) -> rows, newest only
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
      std::string text;
      for (const char* kind : {"swap", "exact_duplicate", "near_duplicate", "junk"}) {
        const std::string k = absl::StrCat("injection/", kind, "/");
        if (!m.count(k + "injected")) continue;
        absl::StrAppend(&text, "| ", absl::StrFormat("%g", 100 * rate), " % | ", key.second, " | ", ShortUid(run), " | ",
                        kind, " | ", absl::StrFormat("%.0f", m[k + "injected"]), " | ",
                        absl::StrFormat("%.0f", m[k + "flagged"]), " | ", absl::StrFormat("%.0f", m[k + "found"]),
                        " | ", absl::StrFormat("%.3f", m[k + "precision_at_k"]), " | ",
                        absl::StrFormat("%.3f", m[k + "recall"]), " | ", absl::StrFormat("%.3f", m[k + "precision"]),
                        " | ", absl::StrFormat("%.3f", m[k + "roc_auc"]), " |\n");
      }
      absl::StrAppend(&text, "| ", absl::StrFormat("%g", 100 * rate), " % | ", key.second, " | ", ShortUid(run),
                      " | the set's own near-duplicate pairs (not counted) | ",
                      absl::StrFormat("%.0f", m["injection/own_duplicate_pairs"]), " | | | | | | |\n");
      rows[key] = text;
      commands.insert(absl::StrCat("    ", run.command_line, "\n"));
    }
    if (!rows.empty()) {
      absl::StrAppend(&md,
                      "Faults injected into a copy of CelebA-500 (experiments:validate_trash_search), each kind "
                      "scored against the items it applies to (analysis/fault_injection.h): precision@k at k = the "
                      "number injected, recall and precision of the flagged items, ROC AUC of the score.\n\n"
                      "| swaps | seed | run | kind | injected | flagged | found | precision@k | recall | precision | "
                      "ROC AUC |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
      for (const auto& [key, text] : rows) absl::StrAppend(&md, text);
      absl::StrAppend(&md, "\n");
      for (const std::string& c : commands) absl::StrAppend(&md, c);
      absl::StrAppend(&md, "\n");
    }
  }
  {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns("find_trash"));
    std::map<std::string, std::string> rows;
    for (const tracking::RunRecord& run : runs) {
      if (run.status != tracking::RunStatus::kFinished || rows.count(run.name)) continue;
      FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::MetricPoint> points, store.GetMetrics(run.id));
      std::map<std::string, double> m;
      for (const tracking::MetricPoint& p : points) m[p.key] = p.value;
      rows[run.name] = absl::StrCat(
          "| ", run.name, " | ", ShortUid(run), " | ", absl::StrFormat("%.0f", m["trash/images"]), " | ",
          absl::StrFormat("%.3f", m["trash/held_out_accuracy"]), " | ",
          absl::StrFormat("%.0f", m["trash/wrong_identity/count"]), " | ",
          absl::StrFormat("%.0f (%.0f exact)", m["trash/duplicate/count"], m["trash/duplicate/exact_count"]), " | ",
          absl::StrFormat("%.0f", m["trash/unusable/count"]), " |\n    ", run.command_line, "\n");
    }
    if (!rows.empty()) {
      absl::StrAppend(&md,
                      "The search on the real sets (experiments:find_trash): suspects per kind (a duplicate is "
                      "counted once per pair), and the fold recognisers' held-out accuracy.\n\n"
                      "| set | run | images | held-out accuracy | wrong identity | duplicates | unusable |\n"
                      "| --- | --- | --- | --- | --- | --- | --- |\n");
      for (const auto& [name, text] : rows) {
        const size_t cut = text.find("\n    ");
        absl::StrAppend(&md, text.substr(0, cut + 1));
      }
      absl::StrAppend(&md, "\n");
      for (const auto& [name, text] : rows) absl::StrAppend(&md, text.substr(text.find("\n    ") + 1));
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
