#include "facerec/report/report_data.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/run_export.h"
#include "nlohmann/json.hpp"

namespace facerec::report {
namespace {

using tracking::ExperimentStore;

using Json = nlohmann::json;

// JSON has no NaN or infinity: null instead.
Json Number(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }
Json Number(const std::optional<double>& value) { return value ? Number(*value) : Json(nullptr); }
template <typename T>
Json Optional(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

// The document's text, safe inside an HTML script element: "</" can only
// occur inside strings, where JSON allows "<\/" for it.
std::string ScriptSafeDump(const Json& json) {
  // Invalid UTF-8 (a store holds what it was given) is replaced, not thrown.
  return absl::StrReplaceAll(json.dump(-1, ' ', false, Json::error_handler_t::replace), {{"</", "<\\/"}});
}

Json RunJson(const tracking::ExportedRun& r) {
  const tracking::RunRecord& run = r.run;
  Json metrics = Json::object();
  // r.metrics is ordered by key, then step (the export's order).
  for (const tracking::MetricPoint& p : r.metrics) metrics[p.key].push_back(Json::array({p.step, Number(p.value)}));
  Json evaluations = Json::array();
  for (const tracking::Evaluation& e : r.evaluations) {
    evaluations.push_back(Json::array({e.dataset, e.protocol, Number(e.target_fpr), Number(e.tpr), Number(e.threshold)}));
  }
  return Json{{"uid", run.uid},
              {"experiment", run.experiment},
              {"name", run.name},
              {"status", tracking::RunStatusName(run.status)},
              {"start_ms", run.start_ms},
              {"end_ms", Optional(run.end_ms)},
              {"code_version", run.code_version},
              {"config_hash", run.config_hash},
              {"seed", Optional(run.seed)},
              {"command_line", run.command_line},
              {"error", run.error},
              {"params", r.params},
              {"tags", r.tags},
              {"metrics", metrics},
              {"evaluations", evaluations}};
}

absl::StatusOr<std::vector<int64_t>> Ids(ExperimentStore& store, const std::string& sql,
                                         const std::string& bound, int limit) {
  FACEREC_ASSIGN_OR_RETURN(auto statement, store.database().Prepare(sql));
  int next = 1;
  if (!bound.empty()) statement.Bind(next++, bound);
  statement.Bind(next, limit);
  std::vector<int64_t> ids;
  FACEREC_RETURN_IF_ERROR(statement.ForEachRow(
      [&ids](const sqlite::Statement& row) { ids.push_back(row.ColumnInt(0)); }));
  return ids;
}

}  // namespace

std::string JsonString(absl::string_view text) { return ScriptSafeDump(Json(std::string(text))); }

absl::StatusOr<std::vector<int64_t>> SelectRuns(ExperimentStore& store,
                                                const RunSelection& selection) {
  if (selection.limit < 1) return absl::InvalidArgumentError("limit must be >= 1");
  std::vector<int64_t> ids;
  for (const std::string& uid : selection.runs) {
    FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord run, store.GetRunByUid(uid));
    ids.push_back(run.id);
  }
  if (!selection.experiment.empty()) {
    FACEREC_ASSIGN_OR_RETURN(
        const std::vector<int64_t> of_experiment,
        Ids(store,
            "SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id "
            "WHERE e.name = ? ORDER BY r.start_ms DESC, r.id DESC LIMIT ?",
            selection.experiment, selection.limit));
    if (of_experiment.empty()) {
      return absl::NotFoundError(absl::StrCat("no runs of experiment ", selection.experiment));
    }
    ids.insert(ids.end(), of_experiment.begin(), of_experiment.end());
  }
  for (const auto& [key, value] : {std::pair<const char*, const std::string&>{"comparison", selection.comparison},
                                    std::pair<const char*, const std::string&>{"sweep", selection.sweep}}) {
    if (value.empty()) continue;
    FACEREC_ASSIGN_OR_RETURN(
        const std::vector<int64_t> tagged,
        Ids(store,
            absl::StrCat("SELECT r.id FROM runs r JOIN tags t ON t.run_id = r.id WHERE t.key = '", key,
                         "' AND t.value = ? ORDER BY r.start_ms DESC, r.id DESC LIMIT ?"),
            value, selection.limit));
    if (tagged.empty()) return absl::NotFoundError(absl::StrCat("no runs tagged ", key, "=", value));
    ids.insert(ids.end(), tagged.begin(), tagged.end());
  }
  if (selection.runs.empty() && selection.experiment.empty() && selection.comparison.empty() &&
      selection.sweep.empty()) {
    FACEREC_ASSIGN_OR_RETURN(
        ids, Ids(store, "SELECT id FROM runs ORDER BY start_ms DESC, id DESC LIMIT ?", "",
                 selection.limit));
  }
  // Newest first, each once.
  std::vector<std::pair<int64_t, int64_t>> by_start;
  std::set<int64_t> seen;
  for (int64_t id : ids) {
    if (!seen.insert(id).second) continue;
    FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord run, store.GetRun(id));
    by_start.push_back({run.start_ms, id});
  }
  std::stable_sort(by_start.begin(), by_start.end(),
                   [](const auto& a, const auto& b) { return a > b; });
  std::vector<int64_t> ordered;
  for (const auto& [start, id] : by_start) ordered.push_back(id);
  return ordered;
}

absl::StatusOr<std::string> ReportJson(ExperimentStore& store, const std::vector<int64_t>& run_ids,
                                       int max_points_per_series) {
  if (max_points_per_series < 0) {
    return absl::InvalidArgumentError("max_points_per_series must be >= 0");
  }
  // The export gathers and thins a run exactly as the committed exports are
  // made, so a report of an export and of its store agree.
  tracking::ExportOptions options;
  options.max_points_per_series = max_points_per_series;
  FACEREC_ASSIGN_OR_RETURN(const std::string text, tracking::ExportRuns(store, run_ids, options));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::ExportedRun> runs,
                           tracking::ParseRunExport(store.path(), text));
  // One run per line, so a page's source stays readable.
  std::string out = "{\"runs\":[";
  for (size_t i = 0; i < runs.size(); ++i) absl::StrAppend(&out, i ? ",\n" : "\n", ScriptSafeDump(RunJson(runs[i])));
  return out + "\n]}";
}

}  // namespace facerec::report
