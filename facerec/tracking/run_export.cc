#include "facerec/tracking/run_export.h"

#include <cmath>
#include <map>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/status_macros.h"

namespace facerec::tracking {
namespace {

std::string Escape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out;
}

bool Unescape(absl::string_view text, std::string* out) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      *out += text[i];
      continue;
    }
    if (++i == text.size()) return false;
    switch (text[i]) {
      case '\\': *out += '\\'; break;
      case 't': *out += '\t'; break;
      case 'n': *out += '\n'; break;
      case 'r': *out += '\r'; break;
      default: return false;
    }
  }
  return true;
}

// The shortest %g form that reads back to the same double.
std::string Number(double value) {
  if (std::isnan(value)) return "nan";
  char buffer[40];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

std::string Optional(const std::optional<double>& value) {
  return value.has_value() ? Number(*value) : "";
}
std::string Optional(const std::optional<int64_t>& value) {
  return value.has_value() ? absl::StrCat(*value) : "";
}

std::string Line(const std::string& uid, absl::string_view kind,
                 const std::vector<std::string>& fields) {
  std::string line = absl::StrCat(uid, "\t", kind);
  for (const std::string& field : fields) absl::StrAppend(&line, "\t", Escape(field));
  return line + "\n";
}

}  // namespace

std::vector<size_t> EvenlySpacedIndices(size_t count, int max_points) {
  std::vector<size_t> kept;
  if (max_points <= 0 || count <= static_cast<size_t>(max_points)) {
    for (size_t i = 0; i < count; ++i) kept.push_back(i);
    return kept;
  }
  if (max_points == 1) return {count - 1};  // The final value.
  for (int i = 0; i < max_points; ++i) {
    // Rounded positions are strictly increasing: the spacing is > 1.
    kept.push_back(static_cast<size_t>(std::llround(static_cast<double>(i) * (count - 1) /
                                                    (max_points - 1))));
  }
  return kept;
}

absl::StatusOr<std::string> ExportRuns(ExperimentStore& store, const std::vector<int64_t>& run_ids,
                                       const ExportOptions& options) {
  std::string out = absl::StrCat(kRunExportHeader, "\n");
  ModelRegistry registry(store);
  for (int64_t id : run_ids) {
    FACEREC_ASSIGN_OR_RETURN(const RunRecord run, store.GetRun(id));
    const std::string& uid = run.uid;
    out += Line(uid, "run",
                {run.experiment, run.name, RunStatusName(run.status), absl::StrCat(run.start_ms),
                 Optional(run.end_ms), absl::StrCat(run.heartbeat_ms), run.code_version,
                 run.config_hash, run.dataset_fingerprint, Optional(run.seed), run.command_line,
                 run.host, absl::StrCat(run.pid), run.error});
    FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(id));
    for (const auto& [key, value] : params) out += Line(uid, "param", {key, value});
    FACEREC_ASSIGN_OR_RETURN(const auto tags, store.GetTags(id));
    for (const auto& [key, value] : tags) out += Line(uid, "tag", {key, value});
    FACEREC_ASSIGN_OR_RETURN(const auto metrics, store.GetMetrics(id));
    // Series in the store's order, each thinned on its own.
    std::vector<std::string> keys;
    std::map<std::string, std::vector<const MetricPoint*>> series;
    for (const MetricPoint& m : metrics) {
      auto& points = series[m.key];
      if (points.empty()) keys.push_back(m.key);
      points.push_back(&m);
    }
    for (const std::string& key : keys) {
      const std::vector<const MetricPoint*>& points = series[key];
      for (size_t i : EvenlySpacedIndices(points.size(), options.max_points_per_series)) {
        const MetricPoint& m = *points[i];
        out += Line(uid, "metric",
                    {m.key, absl::StrCat(m.step), absl::StrCat(m.timestamp_ms), Number(m.value)});
      }
    }
    FACEREC_ASSIGN_OR_RETURN(const auto evaluations, store.GetEvaluations(id));
    for (const Evaluation& e : evaluations) {
      out += Line(uid, "evaluation",
                  {e.dataset, e.protocol, Optional(e.target_fpr), Optional(e.tpr),
                   Optional(e.threshold), Optional(e.positive_pairs), Optional(e.false_pairs)});
    }
    FACEREC_ASSIGN_OR_RETURN(const auto artifacts, store.GetArtifacts(id));
    for (const ArtifactRecord& a : artifacts) {
      out += Line(uid, "artifact", {a.kind, a.path, a.sha256, absl::StrCat(a.size_bytes)});
    }
    FACEREC_ASSIGN_OR_RETURN(const std::vector<RegisteredModel> models, registry.OfRun(uid));
    for (const RegisteredModel& m : models) {
      const std::string version = absl::StrCat(m.version);
      out += Line(uid, "model",
                  {m.name, version, ModelKindName(m.kind), m.sha256, m.path, absl::StrCat(m.size_bytes),
                   absl::StrCat(m.created_ms), m.description});
      for (const auto& [key, value] : m.metrics) out += Line(uid, "model_metric", {m.name, version, key, Number(value)});
      for (const std::string& alias : m.aliases) out += Line(uid, "model_alias", {m.name, version, alias});
    }
  }
  return out;
}

absl::StatusOr<std::vector<ExportedRun>> ParseRunExport(absl::string_view file,
                                                        absl::string_view text) {
  std::vector<ExportedRun> runs;
  std::map<std::string, size_t> by_uid;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    auto error = [&](absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat(file, ":", number, ": ", what));
    };
    if (number == 1) {
      if (line != kRunExportHeader) {
        return error(absl::StrCat("expected the header '", kRunExportHeader, "'"));
      }
      continue;
    }
    if (line.empty()) continue;
    std::vector<std::string> f;
    for (absl::string_view raw : absl::StrSplit(line, '\t')) {
      std::string field;
      if (!Unescape(raw, &field)) return error("a bad escape sequence");
      f.push_back(std::move(field));
    }
    if (f.size() < 2) return error("expected '<uid>\\t<record>\\t...'");
    const std::string& uid = f[0];
    const std::string& kind = f[1];
    if (uid.size() != 32 || !IsRunUidPrefix(uid)) {
      return error(absl::StrCat("'", uid, "' is not a run uid (32 hex digits)"));
    }
    auto need = [&](size_t fields) -> absl::Status {
      if (f.size() == fields + 2) return absl::OkStatus();
      return error(absl::StrCat("a ", kind, " record has ", fields, " fields after the uid and '",
                                kind, "', this line ", static_cast<int>(f.size()) - 2));
    };
    auto integer = [&](const std::string& field, const char* what, int64_t* value) -> absl::Status {
      if (absl::SimpleAtoi(field, value)) return absl::OkStatus();
      return error(absl::StrCat(what, " '", field, "' is not an integer"));
    };
    auto optional_integer = [&](const std::string& field, const char* what,
                                std::optional<int64_t>* value) -> absl::Status {
      if (field.empty()) return absl::OkStatus();
      int64_t v = 0;
      FACEREC_RETURN_IF_ERROR(integer(field, what, &v));
      *value = v;
      return absl::OkStatus();
    };
    auto real = [&](const std::string& field, const char* what, double* value) -> absl::Status {
      if (field == "nan") {
        *value = std::nan("");
        return absl::OkStatus();
      }
      if (absl::SimpleAtod(field, value)) return absl::OkStatus();
      return error(absl::StrCat(what, " '", field, "' is not a number"));
    };
    auto optional_real = [&](const std::string& field, const char* what,
                             std::optional<double>* value) -> absl::Status {
      if (field.empty()) return absl::OkStatus();
      double v = 0;
      FACEREC_RETURN_IF_ERROR(real(field, what, &v));
      *value = v;
      return absl::OkStatus();
    };
    if (kind == "run") {
      FACEREC_RETURN_IF_ERROR(need(14));
      if (by_uid.count(uid)) return error(absl::StrCat("run ", uid, " appears twice"));
      ExportedRun exported;
      RunRecord& r = exported.run;
      r.uid = uid;
      r.experiment = f[2];
      r.name = f[3];
      if (f[4] == "RUNNING") r.status = RunStatus::kRunning;
      else if (f[4] == "FINISHED") r.status = RunStatus::kFinished;
      else if (f[4] == "FAILED") r.status = RunStatus::kFailed;
      else if (f[4] == "KILLED") r.status = RunStatus::kKilled;
      else return error(absl::StrCat("unknown status '", f[4], "'"));
      FACEREC_RETURN_IF_ERROR(integer(f[5], "start_ms", &r.start_ms));
      FACEREC_RETURN_IF_ERROR(optional_integer(f[6], "end_ms", &r.end_ms));
      FACEREC_RETURN_IF_ERROR(integer(f[7], "heartbeat_ms", &r.heartbeat_ms));
      r.code_version = f[8];
      r.config_hash = f[9];
      r.dataset_fingerprint = f[10];
      FACEREC_RETURN_IF_ERROR(optional_integer(f[11], "seed", &r.seed));
      r.command_line = f[12];
      r.host = f[13];
      FACEREC_RETURN_IF_ERROR(integer(f[14], "pid", &r.pid));
      r.error = f[15];
      if (r.experiment.empty()) return error("a run without an experiment");
      if ((r.status == RunStatus::kRunning) != !r.end_ms.has_value() ||
          (r.end_ms.has_value() && *r.end_ms < r.start_ms)) {
        return error("end_ms must be empty exactly for RUNNING runs and not before start_ms");
      }
      by_uid[uid] = runs.size();
      runs.push_back(std::move(exported));
      continue;
    }
    const auto it = by_uid.find(uid);
    if (it == by_uid.end()) return error(absl::StrCat("a ", kind, " record before its run line"));
    ExportedRun& run = runs[it->second];
    if (kind == "param" || kind == "tag") {
      FACEREC_RETURN_IF_ERROR(need(2));
      auto& map = kind == "param" ? run.params : run.tags;
      if (!map.emplace(f[2], f[3]).second) {
        return error(absl::StrCat(kind, " '", f[2], "' appears twice"));
      }
    } else if (kind == "metric") {
      FACEREC_RETURN_IF_ERROR(need(4));
      MetricPoint m;
      m.key = f[2];
      FACEREC_RETURN_IF_ERROR(integer(f[3], "step", &m.step));
      FACEREC_RETURN_IF_ERROR(integer(f[4], "timestamp_ms", &m.timestamp_ms));
      FACEREC_RETURN_IF_ERROR(real(f[5], "value", &m.value));
      if (m.timestamp_ms <= 0) return error("timestamp_ms must be positive");
      run.metrics.push_back(std::move(m));
    } else if (kind == "evaluation") {
      FACEREC_RETURN_IF_ERROR(need(7));
      Evaluation e;
      e.dataset = f[2];
      e.protocol = f[3];
      FACEREC_RETURN_IF_ERROR(optional_real(f[4], "target_fpr", &e.target_fpr));
      FACEREC_RETURN_IF_ERROR(optional_real(f[5], "tpr", &e.tpr));
      FACEREC_RETURN_IF_ERROR(optional_real(f[6], "threshold", &e.threshold));
      FACEREC_RETURN_IF_ERROR(optional_integer(f[7], "positive_pairs", &e.positive_pairs));
      FACEREC_RETURN_IF_ERROR(optional_integer(f[8], "false_pairs", &e.false_pairs));
      run.evaluations.push_back(std::move(e));
    } else if (kind == "artifact") {
      FACEREC_RETURN_IF_ERROR(need(4));
      ArtifactRecord a;
      a.kind = f[2];
      a.path = f[3];
      a.sha256 = f[4];
      FACEREC_RETURN_IF_ERROR(integer(f[5], "size_bytes", &a.size_bytes));
      run.artifacts.push_back(std::move(a));
    } else if (kind == "model") {
      FACEREC_RETURN_IF_ERROR(need(8));
      RegisteredModel m;
      m.name = f[2];
      FACEREC_RETURN_IF_ERROR(integer(f[3], "version", &m.version));
      absl::StatusOr<ModelKind> model_kind = ParseModelKind(f[4]);
      if (!model_kind.ok()) return error(model_kind.status().message());
      m.kind = *model_kind;
      m.sha256 = f[5];
      m.path = f[6];
      FACEREC_RETURN_IF_ERROR(integer(f[7], "size_bytes", &m.size_bytes));
      FACEREC_RETURN_IF_ERROR(integer(f[8], "created_ms", &m.created_ms));
      m.description = f[9];
      m.run_uid = uid;
      for (const RegisteredModel& other : run.models) {
        if (other.name == m.name && other.version == m.version) {
          return error(absl::StrCat("model ", m.Label(), " appears twice"));
        }
      }
      run.models.push_back(std::move(m));
    } else if (kind == "model_metric" || kind == "model_alias") {
      FACEREC_RETURN_IF_ERROR(need(kind == "model_metric" ? 4 : 3));
      int64_t version = 0;
      FACEREC_RETURN_IF_ERROR(integer(f[3], "version", &version));
      RegisteredModel* model = nullptr;
      for (RegisteredModel& m : run.models) {
        if (m.name == f[2] && m.version == version) model = &m;
      }
      if (model == nullptr) return error(absl::StrCat("a ", kind, " before its model line"));
      if (kind == "model_alias") {
        model->aliases.push_back(f[4]);
      } else {
        double value = 0;
        FACEREC_RETURN_IF_ERROR(real(f[5], "value", &value));
        model->metrics[f[4]] = value;
      }
    } else {
      return error(absl::StrCat("unknown record '", kind,
                                "'; allowed: run, param, tag, metric, evaluation, artifact, model, model_metric, "
                                "model_alias"));
    }
  }
  if (number == 0 || text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ":1: empty, expected the header"));
  }
  return runs;
}

absl::StatusOr<ImportSummary> ImportRuns(ExperimentStore& store,
                                         const std::vector<ExportedRun>& runs) {
  ImportSummary summary;
  for (const ExportedRun& r : runs) {
    absl::StatusOr<int64_t> id = store.InsertRecordedRun(r.run, r.params, r.metrics, r.evaluations,
                                                         r.artifacts, r.tags);
    if (id.ok()) {
      summary.imported.push_back(*id);
    } else if (id.status().code() == absl::StatusCode::kAlreadyExists) {
      summary.skipped.push_back(r.run.uid);
    } else {
      return id.status();
    }
    // Also for a run the store had: its models may have been registered
    // since it was imported.
    ModelRegistry registry(store);
    for (const RegisteredModel& m : r.models) FACEREC_RETURN_IF_ERROR(registry.Insert(m));
  }
  return summary;
}

absl::StatusOr<std::unique_ptr<ExperimentStore>> OpenExportAsStore(const std::string& path) {
  const absl::StatusOr<std::string> text = ReadFileBytes(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat("cannot read run export ", text.status().message()));
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<ExportedRun> runs, ParseRunExport(path, *text));
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<ExperimentStore> store, ExperimentStore::Open(":memory:"));
  FACEREC_RETURN_IF_ERROR(ImportRuns(*store, runs).status());
  return store;
}

}  // namespace facerec::tracking
