#include "facerec/tracking/model_registry.h"

#include "facerec/core/sha256.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "facerec/core/status_macros.h"

namespace facerec::tracking {
namespace {

constexpr ModelKind kKinds[] = {ModelKind::kDetector, ModelKind::kLandmarks, ModelKind::kRecogniser};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Names and aliases: what a shell, a URL and a file name take as they are.
absl::Status CheckName(const char* what, absl::string_view name) {
  const bool ok = !name.empty() && name.size() <= 64 &&
                  std::all_of(name.begin(), name.end(),
                              [](char c) { return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.'; }) &&
                  std::any_of(name.begin(), name.end(), [](char c) { return c != '.'; });
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, " '", name,
                                                 "': use 1-64 letters, digits, '_', '-' or '.'"));
}

// One models row and its metrics (inside the caller's transaction); its id.
absl::StatusOr<int64_t> InsertModelRow(sqlite::Database& db, const RegisteredModel& m) {
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement insert,
      db.Prepare("INSERT INTO models(name, version, kind, run_uid, sha256, path, size_bytes, description, "
                 "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, m.name)
      .Bind(2, m.version)
      .Bind(3, ModelKindName(m.kind))
      .Bind(4, m.run_uid)
      .Bind(5, m.sha256)
      .Bind(6, m.path)
      .Bind(7, m.size_bytes)
      .Bind(8, m.description)
      .Bind(9, m.created_ms);
  FACEREC_RETURN_IF_ERROR(insert.Run());
  const int64_t id = db.LastInsertRowId();
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement metric,
                           db.Prepare("INSERT INTO model_metrics(model_id, key, value) VALUES (?, ?, ?)"));
  for (const auto& [key, value] : m.metrics) {
    metric.Reset();
    metric.Bind(1, id).Bind(2, key).Bind(3, value);
    FACEREC_RETURN_IF_ERROR(metric.Run());
  }
  return id;
}

}  // namespace

const char* ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kDetector:
      return "detector";
    case ModelKind::kLandmarks:
      return "landmarks";
    case ModelKind::kRecogniser:
      return "recogniser";
  }
  return "unknown";
}

absl::StatusOr<ModelKind> ParseModelKind(absl::string_view name) {
  for (ModelKind kind : kKinds) {
    if (name == ModelKindName(kind)) return kind;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown model kind '", name, "'; known: detector, landmarks, recogniser"));
}

std::string RegisteredModel::Label() const { return absl::StrCat(name, ":", version); }

absl::StatusOr<ModelReference> ParseModelReference(absl::string_view text) {
  ModelReference r;
  const size_t at = text.find('@');
  const size_t colon = text.find(':');
  if (at != absl::string_view::npos && colon != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("model '", text, "': give NAME, NAME@ALIAS or NAME:VERSION, not both"));
  }
  if (at != absl::string_view::npos) {
    r.name = std::string(text.substr(0, at));
    r.alias = std::string(text.substr(at + 1));
    FACEREC_RETURN_IF_ERROR(CheckName("alias", r.alias));
  } else if (colon != absl::string_view::npos) {
    r.name = std::string(text.substr(0, colon));
    const absl::string_view version = text.substr(colon + 1);
    if (!absl::SimpleAtoi(version, &r.version) || r.version < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("model '", text, "': version '", version, "' is not a whole number >= 1"));
    }
  } else {
    r.name = std::string(text);
  }
  FACEREC_RETURN_IF_ERROR(CheckName("model name", r.name));
  return r;
}

bool LooksLikeModelPath(absl::string_view text) {
  return absl::StrContains(text, '/') || absl::EndsWith(text, ".pt") || absl::EndsWith(text, ".onnx");
}

absl::StatusOr<std::vector<RegisteredModel>> ModelRegistry::Select(const std::string& where,
                                                                   const std::vector<std::string>& binds) {
  sqlite::Database& db = store_.database();
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement select,
      db.Prepare(absl::StrCat("SELECT id, name, version, kind, run_uid, sha256, path, size_bytes, description, "
                              "created_ms FROM models ",
                              where)));
  for (size_t i = 0; i < binds.size(); ++i) select.Bind(static_cast<int>(i + 1), binds[i]);
  std::vector<RegisteredModel> out;
  std::vector<int64_t> ids;
  absl::Status kind_status;
  FACEREC_RETURN_IF_ERROR(select.ForEachRow([&](const sqlite::Statement& row) {
    RegisteredModel m;
    ids.push_back(row.ColumnInt(0));
    m.name = row.ColumnText(1);
    m.version = row.ColumnInt(2);
    absl::StatusOr<ModelKind> kind = ParseModelKind(row.ColumnText(3));
    if (kind.ok()) m.kind = *kind;
    else kind_status = kind.status();
    m.run_uid = row.ColumnText(4);
    m.sha256 = row.ColumnText(5);
    m.path = row.ColumnText(6);
    m.size_bytes = row.ColumnInt(7);
    m.description = row.ColumnText(8);
    m.created_ms = row.ColumnInt(9);
    out.push_back(std::move(m));
  }));
  FACEREC_RETURN_IF_ERROR(kind_status);
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement metrics,
                           db.Prepare("SELECT key, value FROM model_metrics WHERE model_id = ? ORDER BY key"));
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement aliases,
                           db.Prepare("SELECT alias FROM model_aliases WHERE model_id = ? ORDER BY alias"));
  for (size_t i = 0; i < out.size(); ++i) {
    metrics.Reset();
    metrics.Bind(1, ids[i]);
    FACEREC_RETURN_IF_ERROR(metrics.ForEachRow(
        [&](const sqlite::Statement& row) { out[i].metrics[row.ColumnText(0)] = row.ColumnDouble(1); }));
    aliases.Reset();
    aliases.Bind(1, ids[i]);
    FACEREC_RETURN_IF_ERROR(
        aliases.ForEachRow([&](const sqlite::Statement& row) { out[i].aliases.push_back(row.ColumnText(0)); }));
  }
  return out;
}

absl::StatusOr<RegisteredModel> ModelRegistry::Register(const ModelRegistration& r) {
  FACEREC_RETURN_IF_ERROR(CheckName("model name", r.name));
  if (!IsSha256Hex(r.sha256)) {
    return absl::InvalidArgumentError(absl::StrCat("model '", r.name, "': sha256 '", r.sha256,
                                                   "' is not 64 lower-case hex digits"));
  }
  if (r.path.empty() || r.path.front() == '/' || absl::StrContains(r.path, "..")) {
    return absl::InvalidArgumentError(absl::StrCat("model '", r.name, "': path '", r.path,
                                                   "' must be relative to the workspace, without '..'"));
  }
  sqlite::Database& db = store_.database();
  {
    FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction transaction, db.BeginImmediate());
    FACEREC_ASSIGN_OR_RETURN(std::vector<RegisteredModel> same_name,
                             Select("WHERE name = ? ORDER BY version DESC LIMIT 1", {r.name}));
    int64_t version = 1;
    if (!same_name.empty()) {
      const RegisteredModel& newest = same_name.front();
      if (newest.kind != r.kind) {
        return absl::InvalidArgumentError(absl::StrCat("model '", r.name, "' names a ", ModelKindName(newest.kind),
                                                       ", not a ", ModelKindName(r.kind),
                                                       "; choose another name"));
      }
      if (newest.sha256 == r.sha256) return newest;
      version = newest.version + 1;
    }
    RegisteredModel m;
    m.name = r.name;
    m.version = version;
    m.kind = r.kind;
    m.run_uid = r.run_uid;
    m.sha256 = r.sha256;
    m.path = r.path;
    m.size_bytes = r.size_bytes;
    m.metrics = r.metrics;
    m.description = r.description;
    m.created_ms = r.created_ms > 0 ? r.created_ms : NowMs();
    FACEREC_RETURN_IF_ERROR(InsertModelRow(db, m).status());
    FACEREC_RETURN_IF_ERROR(transaction.Commit());
  }
  FACEREC_ASSIGN_OR_RETURN(std::vector<RegisteredModel> added,
                           Select("WHERE name = ? ORDER BY version DESC LIMIT 1", {r.name}));
  return added.front();
}

absl::StatusOr<std::vector<RegisteredModel>> ModelRegistry::List() {
  return Select("ORDER BY name, version", {});
}

absl::StatusOr<std::vector<RegisteredModel>> ModelRegistry::OfRun(const std::string& run_uid) {
  return Select("WHERE run_uid = ? ORDER BY name, version", {run_uid});
}

absl::StatusOr<RegisteredModel> ModelRegistry::Find(absl::string_view text) {
  FACEREC_ASSIGN_OR_RETURN(const ModelReference ref, ParseModelReference(text));
  std::vector<RegisteredModel> found;
  if (!ref.alias.empty()) {
    FACEREC_ASSIGN_OR_RETURN(found, Select("WHERE name = ? AND id IN (SELECT model_id FROM model_aliases "
                                           "WHERE alias = ?)",
                                           {ref.name, ref.alias}));
  } else if (ref.version > 0) {
    FACEREC_ASSIGN_OR_RETURN(found, Select("WHERE name = ? AND version = ?", {ref.name, absl::StrCat(ref.version)}));
  } else {
    FACEREC_ASSIGN_OR_RETURN(found, Select("WHERE name = ? ORDER BY version DESC LIMIT 1", {ref.name}));
  }
  if (!found.empty()) return found.front();
  FACEREC_ASSIGN_OR_RETURN(const std::vector<RegisteredModel> any, Select("WHERE name = ? LIMIT 1", {ref.name}));
  if (any.empty()) {
    return absl::NotFoundError(absl::StrCat("no model named '", ref.name, "' in the registry of ", store_.path(),
                                            " (tools:models list shows them)"));
  }
  return absl::NotFoundError(absl::StrCat("model '", ref.name, "' has no ",
                                          ref.alias.empty() ? absl::StrCat("version ", ref.version)
                                                            : absl::StrCat("alias '", ref.alias, "'"),
                                          " (tools:models show ", ref.name, ")"));
}

absl::StatusOr<std::optional<RegisteredModel>> ModelRegistry::FindAlias(ModelKind kind, const std::string& alias) {
  FACEREC_ASSIGN_OR_RETURN(std::vector<RegisteredModel> found,
                           Select("WHERE id IN (SELECT model_id FROM model_aliases WHERE kind = ? AND alias = ?)",
                                  {ModelKindName(kind), alias}));
  if (found.empty()) return std::nullopt;
  return found.front();
}

absl::StatusOr<std::optional<RegisteredModel>> ModelRegistry::FindBySha256(const std::string& sha256) {
  FACEREC_ASSIGN_OR_RETURN(std::vector<RegisteredModel> found,
                           Select("WHERE sha256 = ? ORDER BY id DESC LIMIT 1", {sha256}));
  if (found.empty()) return std::nullopt;
  return found.front();
}

absl::Status ModelRegistry::SetAlias(const std::string& name, int64_t version, const std::string& alias) {
  FACEREC_RETURN_IF_ERROR(CheckName("alias", alias));
  FACEREC_ASSIGN_OR_RETURN(const RegisteredModel model, Find(absl::StrCat(name, ":", version)));
  sqlite::Database& db = store_.database();
  FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction transaction, db.BeginImmediate());
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement upsert,
      db.Prepare("INSERT INTO model_aliases(kind, alias, model_id) VALUES (?, ?, (SELECT id FROM models WHERE "
                 "name = ? AND version = ?)) ON CONFLICT(kind, alias) DO UPDATE SET model_id = excluded.model_id"));
  upsert.Bind(1, ModelKindName(model.kind)).Bind(2, alias).Bind(3, name).Bind(4, version);
  FACEREC_RETURN_IF_ERROR(upsert.Run());
  return transaction.Commit();
}

absl::Status ModelRegistry::Insert(const RegisteredModel& model) {
  FACEREC_RETURN_IF_ERROR(CheckName("model name", model.name));
  if (model.version < 1) {
    return absl::InvalidArgumentError(absl::StrCat("model '", model.name, "': version ", model.version, " < 1"));
  }
  sqlite::Database& db = store_.database();
  FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction transaction, db.BeginImmediate());
  FACEREC_ASSIGN_OR_RETURN(const std::vector<RegisteredModel> existing,
                           Select("WHERE name = ? AND version = ?", {model.name, absl::StrCat(model.version)}));
  if (!existing.empty()) {
    if (existing.front().sha256 != model.sha256) {
      return absl::AlreadyExistsError(absl::StrCat("model ", model.Label(), " is already in ", store_.path(),
                                                   " for another file (sha256 ", existing.front().sha256.substr(0, 12),
                                                   ", not ", model.sha256.substr(0, 12), ")"));
    }
    return transaction.Commit();
  }
  FACEREC_ASSIGN_OR_RETURN(const int64_t id, InsertModelRow(db, model));
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement alias,
                           db.Prepare("INSERT INTO model_aliases(kind, alias, model_id) VALUES (?, ?, ?) "
                                      "ON CONFLICT(kind, alias) DO NOTHING"));
  for (const std::string& a : model.aliases) {
    FACEREC_RETURN_IF_ERROR(CheckName("alias", a));
    alias.Reset();
    alias.Bind(1, ModelKindName(model.kind)).Bind(2, a).Bind(3, id);
    FACEREC_RETURN_IF_ERROR(alias.Run());
  }
  return transaction.Commit();
}

}  // namespace facerec::tracking
