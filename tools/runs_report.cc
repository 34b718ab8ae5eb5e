#include "tools/runs_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "facerec/core/csv.h"
#include "facerec/core/numerics_facts.h"
#include "facerec/core/status_macros.h"

namespace facerec::tools {
namespace {

using tracking::Evaluation;
using tracking::ExperimentStore;
using tracking::MetricPoint;
using tracking::RunRecord;

std::string FormatTime(int64_t ms) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

std::string FormatDurationMs(const RunRecord& run) {
  const int64_t end = run.end_ms.value_or(run.heartbeat_ms);
  return absl::StrFormat("%.1f", (end - run.start_ms) / 1000.0);
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "nan";
  return absl::StrFormat("%.6g", value);
}

std::string OptionalText(const std::optional<double>& value) {
  return value.has_value() ? FormatValue(*value) : "";
}

// One evaluation's identity within a run. Rows with a target FPR are keyed
// by it (their threshold is what was measured there); rows without one, such
// as the 61 points of a landmark CED (protocol nme_ced, threshold = NME), are
// keyed by their threshold.
std::string EvaluationKey(const Evaluation& e) {
  if (e.target_fpr.has_value()) {
    return absl::StrCat("TPR ", e.dataset, " ", e.protocol, " @FPR ", FormatValue(*e.target_fpr));
  }
  return absl::StrCat("value ", e.dataset, " ", e.protocol,
                      e.threshold.has_value() ? absl::StrCat(" @", FormatValue(*e.threshold)) : "");
}

// The last point of each metric key.
std::map<std::string, MetricPoint> LastMetrics(const std::vector<MetricPoint>& points) {
  std::map<std::string, MetricPoint> last;
  for (const MetricPoint& point : points) {
    auto it = last.find(point.key);
    if (it == last.end() || point.step >= it->second.step) last[point.key] = point;
  }
  return last;
}

}  // namespace

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      absl::StrAppend(&line, row[c]);
      if (c + 1 < row.size()) line.append(widths[c] - row[c].size() + 2, ' ');
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

absl::StatusOr<std::string> ListRunsText(ExperimentStore& store, const std::string& experiment,
                                         int limit) {
  FACEREC_RETURN_IF_ERROR(store.MarkStaleRunsKilled().status());
  FACEREC_ASSIGN_OR_RETURN(const std::vector<RunRecord> runs, store.ListRuns(experiment, limit));
  if (runs.empty()) return std::string("no runs\n");
  std::vector<std::vector<std::string>> rows = {
      {"id", "experiment", "name", "status", "started (UTC)", "seconds", "code", "seed", "error"}};
  for (const RunRecord& run : runs) {
    rows.push_back({absl::StrCat(run.id), run.experiment, run.name,
                    tracking::RunStatusName(run.status), FormatTime(run.start_ms),
                    FormatDurationMs(run), run.code_version,
                    run.seed.has_value() ? absl::StrCat(*run.seed) : "",
                    run.error.substr(0, 60)});
  }
  return FormatTable(rows);
}

absl::StatusOr<std::string> ShowRunText(ExperimentStore& store, int64_t run_id) {
  FACEREC_ASSIGN_OR_RETURN(const RunRecord run, store.GetRun(run_id));
  std::string out = FormatTable({
      {"run", absl::StrCat(run.id)},
      {"experiment", run.experiment},
      {"name", run.name},
      {"status", tracking::RunStatusName(run.status)},
      {"started (UTC)", FormatTime(run.start_ms)},
      {"seconds", FormatDurationMs(run)},
      {"code version", run.code_version},
      {"config hash", run.config_hash},
      {"dataset fingerprint", run.dataset_fingerprint},
      {"seed", run.seed.has_value() ? absl::StrCat(*run.seed) : ""},
      {"host / pid", absl::StrCat(run.host, " / ", run.pid)},
      {"command line", run.command_line},
      {"error", run.error},
  });
  FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(run_id));
  std::vector<std::vector<std::string>> rows = {{"param", "value"}};
  for (const auto& [key, value] : params) rows.push_back({key, value});
  absl::StrAppend(&out, "\n", FormatTable(rows));

  FACEREC_ASSIGN_OR_RETURN(const auto tags, store.GetTags(run_id));
  if (!tags.empty()) {
    rows = {{"tag", "value"}};
    for (const auto& [key, value] : tags) rows.push_back({key, value});
    absl::StrAppend(&out, "\n", FormatTable(rows));
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<MetricPoint> points, store.GetMetrics(run_id));
  if (!points.empty()) {
    rows = {{"metric", "last step", "last value"}};
    for (const auto& [key, point] : LastMetrics(points)) {
      rows.push_back({key, absl::StrCat(point.step), FormatValue(point.value)});
    }
    absl::StrAppend(&out, "\n", FormatTable(rows));
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Evaluation> evaluations, store.GetEvaluations(run_id));
  if (!evaluations.empty()) {
    rows = {{"dataset", "protocol", "target FPR", "TPR", "threshold", "pos pairs", "false pairs"}};
    for (const Evaluation& e : evaluations) {
      rows.push_back({e.dataset, e.protocol, OptionalText(e.target_fpr), OptionalText(e.tpr),
                      OptionalText(e.threshold),
                      e.positive_pairs.has_value() ? absl::StrCat(*e.positive_pairs) : "",
                      e.false_pairs.has_value() ? absl::StrCat(*e.false_pairs) : ""});
    }
    absl::StrAppend(&out, "\n", FormatTable(rows));
  }
  FACEREC_ASSIGN_OR_RETURN(const auto artifacts, store.GetArtifacts(run_id));
  if (!artifacts.empty()) {
    rows = {{"artifact", "path", "sha256", "bytes"}};
    for (const auto& a : artifacts) {
      rows.push_back({a.kind, a.path, a.sha256.substr(0, 16), absl::StrCat(a.size_bytes)});
    }
    absl::StrAppend(&out, "\n", FormatTable(rows));
  }
  return out;
}

bool IsTimingMetric(const std::string& key) {
  const absl::string_view last = absl::string_view(key).substr(key.rfind('/') + 1);
  return absl::EndsWith(last, "seconds") || absl::EndsWith(last, "per_second") || absl::StartsWith(last, "ms_per");
}

namespace {
// Whether the runs' cells of one row are not all the same (the row's '*').
bool Differ(const std::vector<std::string>& cells) {
  return std::set<std::string>(cells.begin(), cells.end()).size() > 1;
}
}  // namespace

absl::StatusOr<std::string> CompareRunsText(ExperimentStore& store,
                                            const std::vector<int64_t>& run_ids) {
  if (run_ids.empty()) return absl::InvalidArgumentError("compare needs at least one run id");
  std::vector<RunRecord> runs;
  std::vector<std::map<std::string, std::string>> params;
  std::vector<std::map<std::string, MetricPoint>> metrics;
  std::vector<std::map<std::string, Evaluation>> evaluations;
  std::vector<std::map<std::string, std::string>> facts;  // numerics/* tags, prefix removed.
  std::set<std::string> param_keys, metric_keys, fact_keys;
  std::vector<std::string> evaluation_keys;  // In first-seen order (FPRs stay sorted as logged).
  for (int64_t id : run_ids) {
    FACEREC_ASSIGN_OR_RETURN(RunRecord run, store.GetRun(id));
    runs.push_back(std::move(run));
    FACEREC_ASSIGN_OR_RETURN(auto p, store.GetParams(id));
    for (const auto& [key, value] : p) param_keys.insert(key);
    params.push_back(std::move(p));
    FACEREC_ASSIGN_OR_RETURN(const auto points, store.GetMetrics(id));
    metrics.push_back(LastMetrics(points));
    for (const auto& [key, point] : metrics.back()) metric_keys.insert(key);
    FACEREC_ASSIGN_OR_RETURN(const auto evals, store.GetEvaluations(id));
    std::map<std::string, Evaluation> by_key;
    for (const Evaluation& e : evals) {
      const std::string key = EvaluationKey(e);
      if (std::find(evaluation_keys.begin(), evaluation_keys.end(), key) ==
          evaluation_keys.end()) {
        evaluation_keys.push_back(key);
      }
      by_key[key] = e;
    }
    evaluations.push_back(std::move(by_key));
    FACEREC_ASSIGN_OR_RETURN(const auto tags, store.GetTags(id));
    std::map<std::string, std::string> run_facts;
    for (const auto& [key, value] : tags) {
      absl::string_view fact = key;
      if (absl::ConsumePrefix(&fact, kNumericsTagPrefix)) {
        run_facts[std::string(fact)] = value;
        fact_keys.insert(std::string(fact));
      }
    }
    facts.push_back(std::move(run_facts));
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {""};
  for (const RunRecord& run : runs) header.push_back(absl::StrCat("run ", run.id));
  rows.push_back(header);
  auto add_row = [&rows](const std::string& label, const std::vector<std::string>& cells) {
    std::vector<std::string> row = {label};
    row.insert(row.end(), cells.begin(), cells.end());
    rows.push_back(std::move(row));
  };
  auto per_run = [&runs](auto&& cell) {
    std::vector<std::string> cells;
    for (size_t i = 0; i < runs.size(); ++i) cells.push_back(cell(i));
    return cells;
  };
  add_row("experiment", per_run([&](size_t i) { return runs[i].experiment; }));
  add_row("name", per_run([&](size_t i) { return runs[i].name; }));
  add_row("status", per_run([&](size_t i) { return tracking::RunStatusName(runs[i].status); }));
  add_row("seconds", per_run([&](size_t i) { return FormatDurationMs(runs[i]); }));
  add_row("code", per_run([&](size_t i) { return runs[i].code_version; }));
  add_row("data", per_run([&](size_t i) { return runs[i].dataset_fingerprint.substr(0, 12); }));
  for (const std::string& key : param_keys) {
    std::vector<std::string> cells = per_run([&](size_t i) {
      auto it = params[i].find(key);
      return it == params[i].end() ? std::string("-") : it->second;
    });
    add_row(absl::StrCat(Differ(cells) ? "* " : "  ", "param ", key), cells);
  }
  // Results, each row marked where the runs' numbers differ.
  bool numbers_differ = false;
  auto add_result_row = [&](const std::string& label, const std::vector<std::string>& cells, bool timing = false) {
    const bool differs = Differ(cells);
    // A timing differs between any two runs; only results call for the facts.
    numbers_differ = numbers_differ || (differs && !timing);
    add_row(absl::StrCat(differs ? "* " : "  ", label), cells);
  };
  for (const std::string& key : metric_keys) {
    add_result_row(absl::StrCat("last ", key), per_run([&](size_t i) {
                     auto it = metrics[i].find(key);
                     return it == metrics[i].end() ? std::string("-") : FormatValue(it->second.value);
                   }),
                   IsTimingMetric(key));
  }
  for (const std::string& key : evaluation_keys) {
    add_result_row(key, per_run([&](size_t i) {
                     auto it = evaluations[i].find(key);
                     return it == evaluations[i].end() ? std::string("-")
                                                       : OptionalText(it->second.tpr);
                   }));
  }
  // Where numbers differ, what else the numbers depend on: the machines'
  // kernels, library versions, threading (core/numerics_facts.h).
  if (numbers_differ && runs.size() > 1) {
    for (const std::string& key : fact_keys) {
      const std::vector<std::string> cells = per_run([&](size_t i) {
        auto it = facts[i].find(key);
        return it == facts[i].end() ? std::string("(not recorded)") : it->second;
      });
      add_row(absl::StrCat(Differ(cells) ? "* " : "  ", "numerics ", key), cells);
    }
    if (fact_keys.empty()) add_row("  numerics", per_run([](size_t) { return "(not recorded)"; }));
  }
  return FormatTable(rows);
}

absl::StatusOr<std::string> ExportCsv(ExperimentStore& store, const std::vector<int64_t>& run_ids,
                                      const std::string& what) {
  std::vector<std::vector<std::string>> rows;
  if (what == "runs") {
    rows.push_back({"run_id", "experiment", "name", "status", "start_ms", "end_ms",
                    "code_version", "config_hash", "dataset_fingerprint", "seed", "host",
                    "command_line", "error"});
  } else if (what == "params") {
    rows.push_back({"run_id", "key", "value"});
  } else if (what == "metrics") {
    rows.push_back({"run_id", "key", "step", "timestamp_ms", "value"});
  } else if (what == "evaluations") {
    rows.push_back({"run_id", "dataset", "protocol", "target_fpr", "tpr", "threshold",
                    "positive_pairs", "false_pairs"});
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown export '", what, "'; expected runs, params, metrics or evaluations"));
  }
  for (int64_t id : run_ids) {
    if (what == "runs") {
      FACEREC_ASSIGN_OR_RETURN(const RunRecord r, store.GetRun(id));
      rows.push_back({absl::StrCat(r.id), r.experiment, r.name, tracking::RunStatusName(r.status),
                      absl::StrCat(r.start_ms), r.end_ms ? absl::StrCat(*r.end_ms) : "",
                      r.code_version, r.config_hash, r.dataset_fingerprint,
                      r.seed ? absl::StrCat(*r.seed) : "", r.host, r.command_line, r.error});
    } else if (what == "params") {
      FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(id));
      for (const auto& [key, value] : params) rows.push_back({absl::StrCat(id), key, value});
    } else if (what == "metrics") {
      FACEREC_ASSIGN_OR_RETURN(const auto points, store.GetMetrics(id));
      for (const MetricPoint& p : points) {
        rows.push_back({absl::StrCat(id), p.key, absl::StrCat(p.step),
                        absl::StrCat(p.timestamp_ms), FormatValue(p.value)});
      }
    } else {
      FACEREC_ASSIGN_OR_RETURN(const auto evals, store.GetEvaluations(id));
      for (const Evaluation& e : evals) {
        rows.push_back({absl::StrCat(id), e.dataset, e.protocol, OptionalText(e.target_fpr),
                        OptionalText(e.tpr), OptionalText(e.threshold),
                        e.positive_pairs ? absl::StrCat(*e.positive_pairs) : "",
                        e.false_pairs ? absl::StrCat(*e.false_pairs) : ""});
      }
    }
  }
  std::string csv;
  for (const auto& row : rows) {
    std::vector<std::string> fields;
    for (const std::string& cell : row) fields.push_back(CsvField(cell));
    absl::StrAppend(&csv, absl::StrJoin(fields, ","), "\n");
  }
  return csv;
}

}  // namespace facerec::tools
