// Results section: the loss comparison and the alignment comparison, one row per run.
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
#include "tools/markdown_table.h"
#include "tools/results_table.h"
#include "tools/results_table/common.h"

namespace facerec::tools {

using tracking::ExperimentStore;

absl::StatusOr<std::string> LatestComparison(ExperimentStore& store, const std::string& prefix) {
  FACEREC_ASSIGN_OR_RETURN(auto statement,
                           store.database().Prepare(
                               "SELECT t.value FROM tags t JOIN runs r ON r.id = t.run_id "
                               "JOIN experiments e ON e.id = r.experiment_id "
                               "WHERE e.name = 'compare_losses' AND t.key = 'comparison' "
                               "AND r.status = 'FINISHED' AND t.value LIKE ? || '%' "
                               // Losses compared, not one recipe confirmed over seeds.
                               "AND (SELECT COUNT(DISTINCT p.value) FROM tags t2 "
                               "     JOIN runs r2 ON r2.id = t2.run_id "
                               "     JOIN params p ON p.run_id = r2.id AND p.key = 'loss' "
                               "     WHERE t2.key = 'comparison' AND t2.value = t.value "
                               "     AND r2.status = 'FINISHED') >= 2 "
                               // Not a process over seeds (--seeds): the seeds section shows it.
                               "AND NOT EXISTS (SELECT 1 FROM tags t3 WHERE t3.run_id = r.id "
                               "                AND t3.key = 'origin/seeds') "
                               "ORDER BY r.id DESC LIMIT 1"));
  statement.Bind(1, prefix);
  FACEREC_ASSIGN_OR_RETURN(const bool found, statement.Step());
  if (!found) {
    return absl::NotFoundError(absl::StrCat("no finished compare_losses run tagged '", prefix,
                                            "*' in ", store.path()));
  }
  return statement.ColumnText(0);
}

absl::StatusOr<std::string> LatestAlignmentComparison(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(auto statement,
                           store.database().Prepare(
                               "SELECT t.value FROM tags t JOIN runs r ON r.id = t.run_id "
                               "WHERE t.key = 'comparison' AND r.status = 'FINISHED' "
                               "AND r.name LIKE '%+landmark_net' AND EXISTS ("
                               "SELECT 1 FROM tags t2 JOIN runs r2 ON r2.id = t2.run_id "
                               "WHERE t2.key = 'comparison' AND t2.value = t.value "
                               "AND r2.status = 'FINISHED' AND r2.name NOT LIKE '%+landmark_net') "
                               "ORDER BY r.id DESC LIMIT 1"));
  FACEREC_ASSIGN_OR_RETURN(const bool found, statement.Step());
  if (!found) {
    return absl::NotFoundError(absl::StrCat(
        "no finished run on our own alignment in ", store.path(),
        " (tools/bazel run //experiments:compare_alignment)"));
  }
  return statement.ColumnText(0);
}

absl::StatusOr<std::string> ComparisonMarkdown(ExperimentStore& store,
                                               const std::string& comparison) {
  FACEREC_ASSIGN_OR_RETURN(auto statement,
                           store.database().Prepare(
                               "SELECT r.id FROM runs r JOIN tags t ON t.run_id = r.id "
                               "JOIN experiments e ON e.id = r.experiment_id "
                               // Not the summary over seeds (experiment loss_comparison).
                               "WHERE e.name = 'compare_losses' AND t.key = 'comparison' AND t.value = ? "
                               "AND r.status = 'FINISHED' ORDER BY r.id"));
  statement.Bind(1, comparison);
  std::vector<int64_t> ids;
  FACEREC_RETURN_IF_ERROR(statement.ForEachRow(
      [&ids](const sqlite::Statement& row) { ids.push_back(row.ColumnInt(0)); }));
  if (ids.empty()) {
    return absl::NotFoundError(absl::StrCat("no finished runs tagged comparison=", comparison));
  }
  const std::vector<double>& fprs = kCourseFprs;
  const std::vector<double> fpirs = {0.3, 0.1, 0.01};
  std::vector<std::string> header = {"loss", "run"};
  for (double f : fprs) header.push_back(absl::StrCat("TPR@", f));
  for (double f : fpirs) header.push_back(absl::StrCat("TPIR@", f));
  for (const char* column : {"val acc", "test acc", "NC val", "NC test", "LFW", "train min"}) header.push_back(column);
  MarkdownTable table(header);
  std::map<std::string, std::map<int64_t, std::string>> params_by_key;
  std::map<int64_t, std::string> short_uid;
  std::string command, code_version, fingerprint, lfw_protocol;
  for (int64_t id : ids) {
    FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord run, store.GetRun(id));
    short_uid[id] = ShortUid(run);
    FACEREC_ASSIGN_OR_RETURN(const auto evaluations, store.GetEvaluations(id));
    FACEREC_ASSIGN_OR_RETURN(const auto points, store.GetMetrics(id));
    FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(id));
    FACEREC_ASSIGN_OR_RETURN(const auto tags, store.GetTags(id));
    for (const auto& [key, value] : params) params_by_key[key][id] = value;
    command = run.command_line;
    code_version = run.code_version;
    fingerprint = run.dataset_fingerprint;
    if (tags.count("lfw_protocol")) lfw_protocol = tags.at("lfw_protocol");
    std::map<std::string, double> last;
    for (const auto& p : points) last[p.key] = p.value;
    auto metric = [&last](const std::string& key) -> std::optional<double> {
      auto it = last.find(key);
      if (it == last.end()) return std::nullopt;
      return it->second;
    };
    auto evaluation = [&evaluations](const std::string& protocol, double target) {
      std::optional<double> tpr;
      for (const auto& e : evaluations) {
        if (e.protocol == protocol && e.target_fpr && std::abs(*e.target_fpr - target) < 1e-12) {
          tpr = e.tpr;
        }
      }
      return tpr;
    };
    std::vector<std::string> cells = {run.name, ShortUid(run)};
    for (double f : fprs) cells.push_back(Cell(evaluation("id_rate", f)));
    for (double f : fpirs) cells.push_back(Cell(evaluation("tpir_fpir", f)));
    for (const char* key : {"eval/val_accuracy", "eval/test_accuracy", "eval/val_centroid_accuracy",
                            "eval/test_centroid_accuracy", "eval/lfw_accuracy"}) {
      cells.push_back(Cell(metric(key)));
    }
    const std::optional<double> seconds = metric("train/seconds");
    // Until eacbe5a a run that found a finished checkpoint (tag
    // resumed_from_epoch) recorded only its own ~0 s, not the weights' training.
    const bool time_not_carried = tags.count("resumed_from_epoch") && seconds && *seconds < 1;
    cells.push_back(time_not_carried ? "– (resumed)"
                    : seconds        ? absl::StrFormat("%.1f", *seconds / 60)
                                     : "–");
    table.AddRow(std::move(cells));
  }
  std::vector<std::string> shared, differing;
  for (const auto& [key, values] : params_by_key) {
    std::set<std::string> distinct;
    for (const auto& [id, value] : values) distinct.insert(value);
    if (distinct.size() == 1 && values.size() == ids.size()) {
      shared.push_back(absl::StrCat("`--", key, "=", *distinct.begin(), "`"));
    } else {
      std::vector<std::string> per_run;
      for (const auto& [id, value] : values) {
        per_run.push_back(absl::StrCat(short_uid[id], ": ", value));
      }
      differing.push_back(absl::StrCat("- `", key, "`: ", absl::StrJoin(per_run, ", ")));
    }
  }
  return absl::StrCat(
      "Comparison `", comparison, "` (code ", code_version, ", data fingerprint ",
      fingerprint.substr(0, 16), ").\n\n", table.ToString(),
      "\nTPR@FPR: identification rate on celebA_ir (14,721 positive, 3,176,532 false pairs). "
      "TPIR@FPIR: open-set rank-1 (gallery = first half of each query identity by file name). "
      "val/test acc: classification head (– for triplet). NC: nearest-centroid accuracy "
      "(centroids from the training split). LFW: ",
      lfw_protocol, ".\n\nShared configuration: ", absl::StrJoin(shared, " "),
      "\n\nPer-loss settings:\n", absl::StrJoin(differing, "\n"), "\n\nProduced by:\n\n    ",
      command, "\n");
}

}  // namespace facerec::tools
