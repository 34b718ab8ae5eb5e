#include "facerec/report/report_data.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/run_export.h"

namespace facerec::report {
namespace {

using tracking::ExperimentStore;

// Shortest text that reads back to the same double; null when not finite
// (JSON has no NaN or infinity).
std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  for (int precision = 6; precision <= 17; ++precision) {
    std::string text = absl::StrFormat("%.*g", precision, value);
    if (std::stod(text) == value) return text;
  }
  return absl::StrFormat("%.17g", value);
}

std::string JsonNumber(const std::optional<double>& value) {
  return value ? JsonNumber(*value) : "null";
}

std::string JsonObject(const std::map<std::string, std::string>& values) {
  std::string out = "{";
  for (const auto& [key, value] : values) {
    if (out.size() > 1) out += ",";
    absl::StrAppend(&out, JsonString(key), ":", JsonString(value));
  }
  return out + "}";
}

std::string RunJson(const tracking::ExportedRun& r) {
  const tracking::RunRecord& run = r.run;
  std::string out = absl::StrCat(
      "{\"uid\":", JsonString(run.uid), ",\"experiment\":", JsonString(run.experiment),
      ",\"name\":", JsonString(run.name), ",\"status\":",
      JsonString(tracking::RunStatusName(run.status)), ",\"start_ms\":", run.start_ms,
      ",\"end_ms\":", run.end_ms ? absl::StrCat(*run.end_ms) : "null",
      ",\"code_version\":", JsonString(run.code_version), ",\"config_hash\":",
      JsonString(run.config_hash), ",\"seed\":", run.seed ? absl::StrCat(*run.seed) : "null",
      ",\"command_line\":", JsonString(run.command_line), ",\"error\":", JsonString(run.error),
      ",\"params\":", JsonObject(r.params), ",\"tags\":", JsonObject(r.tags), ",\"metrics\":{");
  // r.metrics is ordered by key, then step (the export's order).
  std::string key;
  for (const tracking::MetricPoint& p : r.metrics) {
    if (p.key != key) {
      if (!key.empty()) out += "],";
      key = p.key;
      absl::StrAppend(&out, JsonString(key), ":[");
    } else {
      out += ",";
    }
    absl::StrAppend(&out, "[", p.step, ",", JsonNumber(p.value), "]");
  }
  if (!key.empty()) out += "]";
  out += "},\"evaluations\":[";
  for (size_t i = 0; i < r.evaluations.size(); ++i) {
    const tracking::Evaluation& e = r.evaluations[i];
    absl::StrAppend(&out, i ? "," : "", "[", JsonString(e.dataset), ",", JsonString(e.protocol), ",",
                    JsonNumber(e.target_fpr), ",", JsonNumber(e.tpr), ",", JsonNumber(e.threshold),
                    "]");
  }
  return out + "]}";
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

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = text[i];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '/':
        out += (i > 0 && text[i - 1] == '<') ? "\\/" : "/";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

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
  std::string out = "{\"runs\":[";
  for (size_t i = 0; i < runs.size(); ++i) absl::StrAppend(&out, i ? ",\n" : "\n", RunJson(runs[i]));
  return out + "\n]}";
}

}  // namespace facerec::report
