#include "facerec/tracking/experiment_store.h"

#include <cstdio>
#include <random>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/core/data_root.h"
#include "facerec/core/environment.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/experiment_names.h"
#include "facerec/tracking/schema.h"

namespace facerec::tracking {
namespace {

absl::StatusOr<RunStatus> ParseRunStatus(const std::string& name) {
  if (name == "RUNNING") return RunStatus::kRunning;
  if (name == "FINISHED") return RunStatus::kFinished;
  if (name == "FAILED") return RunStatus::kFailed;
  if (name == "KILLED") return RunStatus::kKilled;
  return absl::DataLossError(absl::StrCat("unknown run status '", name, "'"));
}

std::optional<double> OptionalDouble(const sqlite::Statement& row, int column) {
  if (row.ColumnIsNull(column)) return std::nullopt;
  return row.ColumnDouble(column);
}

std::optional<int64_t> OptionalInt(const sqlite::Statement& row, int column) {
  if (row.ColumnIsNull(column)) return std::nullopt;
  return row.ColumnInt(column);
}

void BindOptionalInt(sqlite::Statement& statement, int index, const std::optional<int64_t>& v) {
  if (v.has_value()) {
    statement.Bind(index, *v);
  } else {
    statement.BindNull(index);
  }
}

constexpr char kRunColumns[] =
    "r.id, e.name, r.name, r.status, r.start_ms, r.end_ms, r.heartbeat_ms, r.code_version, "
    "r.config_hash, r.dataset_fingerprint, r.seed, r.command_line, r.host, r.pid, r.error, r.uid";

// 128 random bits as 32 hex digits.
std::string NewRunUid() {
  std::random_device device;
  std::string uid;
  for (int i = 0; i < 4; ++i) uid += absl::StrFormat("%08x", device());
  return uid;
}

}  // namespace

const char* RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "RUNNING";
    case RunStatus::kFinished:
      return "FINISHED";
    case RunStatus::kFailed:
      return "FAILED";
    case RunStatus::kKilled:
      return "KILLED";
  }
  return "UNKNOWN";
}

std::map<std::string, std::string> WithoutExecutionParams(std::map<std::string, std::string> params) {
  params.erase("threads");
  return params;
}

std::string ConfigHash(const std::map<std::string, std::string>& params) {
  Sha256 hasher;
  for (const auto& [key, value] : params) hasher.Update(absl::StrCat(key, "=", value, "\n"));
  return hasher.HexDigest();
}

absl::StatusOr<std::unique_ptr<ExperimentStore>> ExperimentStore::Open(const std::string& path) {
  FACEREC_ASSIGN_OR_RETURN(sqlite::Database db, sqlite::Database::Open(path));
  FACEREC_RETURN_IF_ERROR(ApplyMigrations(db));
  return std::unique_ptr<ExperimentStore>(new ExperimentStore(std::move(db), path));
}

absl::StatusOr<int64_t> ExperimentStore::StartRun(const RunOptions& options) {
  if (options.experiment.empty()) {
    return absl::InvalidArgumentError("RunOptions.experiment must be set");
  }
  absl::MutexLock lock(&mutex_);
  const int64_t now = NowMs();
  FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction transaction, db_.BeginImmediate());
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement upsert,
      db_.Prepare("INSERT INTO experiments(name, created_ms) VALUES (?, ?) "
                  "ON CONFLICT(name) DO NOTHING"));
  upsert.Bind(1, options.experiment).Bind(2, now);
  FACEREC_RETURN_IF_ERROR(upsert.Run());
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement insert,
      db_.Prepare("INSERT INTO runs(experiment_id, name, status, start_ms, heartbeat_ms, "
                  "code_version, config_hash, dataset_fingerprint, seed, command_line, host, pid, "
                  "uid) "
                  "VALUES ((SELECT id FROM experiments WHERE name = ?), ?, 'RUNNING', ?, ?, ?, ?, "
                  "?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, options.experiment)
      .Bind(2, options.name)
      .Bind(3, now)
      .Bind(4, now)
      .Bind(5, options.code_version.empty() ? CodeVersion() : options.code_version)
      .Bind(6, ConfigHash(options.params))
      .Bind(7, options.dataset_fingerprint);
  BindOptionalInt(insert, 8, options.seed);
  insert.Bind(9, options.command_line.empty() ? ProcessCommandLine() : options.command_line)
      .Bind(10, options.host.empty() ? HostName() : options.host)
      .Bind(11, static_cast<int64_t>(getpid()))
      .Bind(12, NewRunUid());
  FACEREC_RETURN_IF_ERROR(insert.Run());
  const int64_t run_id = db_.LastInsertRowId();
  FACEREC_RETURN_IF_ERROR(LogParamsLocked(run_id, options.params));
  FACEREC_RETURN_IF_ERROR(transaction.Commit());
  return run_id;
}

absl::Status ExperimentStore::LogParamsLocked(int64_t run_id,
                                              const std::map<std::string, std::string>& params) {
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement insert,
                           db_.Prepare("INSERT INTO params(run_id, key, value) VALUES (?, ?, ?)"));
  for (const auto& [key, value] : params) {
    insert.Bind(1, run_id).Bind(2, key).Bind(3, value);
    absl::Status status = insert.Run();
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("param '", key, "' of run ", run_id, ": ",
                                                      status.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status ExperimentStore::LogParams(int64_t run_id,
                                        const std::map<std::string, std::string>& params) {
  absl::MutexLock lock(&mutex_);
  FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction transaction, db_.BeginImmediate());
  FACEREC_RETURN_IF_ERROR(LogParamsLocked(run_id, params));
  return transaction.Commit();
}

absl::Status ExperimentStore::LogMetrics(int64_t run_id, const std::vector<MetricPoint>& points) {
  absl::MutexLock lock(&mutex_);
  const int64_t now = NowMs();
  FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction transaction, db_.BeginImmediate());
  FACEREC_RETURN_IF_ERROR(LogMetricsLocked(run_id, points));
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement heartbeat,
                           db_.Prepare("UPDATE runs SET heartbeat_ms = ? WHERE id = ?"));
  heartbeat.Bind(1, now).Bind(2, run_id);
  FACEREC_RETURN_IF_ERROR(heartbeat.Run());
  return transaction.Commit();
}

absl::Status ExperimentStore::LogMetricsLocked(int64_t run_id,
                                               const std::vector<MetricPoint>& points) {
  const int64_t now = NowMs();
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement insert,
      db_.Prepare("INSERT INTO metrics(run_id, key, step, timestamp_ms, value, is_nan) "
                  "VALUES (?, ?, ?, ?, ?, ?)"));
  for (const MetricPoint& point : points) {
    const bool is_nan = std::isnan(point.value);
    insert.Bind(1, run_id)
        .Bind(2, point.key)
        .Bind(3, point.step)
        .Bind(4, point.timestamp_ms == 0 ? now : point.timestamp_ms)
        .Bind(6, int64_t{is_nan});
    if (is_nan) {
      insert.BindNull(5);
    } else {
      insert.Bind(5, point.value);
    }
    FACEREC_RETURN_IF_ERROR(insert.Run());
  }
  return absl::OkStatus();
}

absl::Status ExperimentStore::LogEvaluation(int64_t run_id, const Evaluation& evaluation) {
  absl::MutexLock lock(&mutex_);
  return LogEvaluationLocked(run_id, evaluation);
}

absl::Status ExperimentStore::LogEvaluationLocked(int64_t run_id, const Evaluation& evaluation) {
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement insert,
      db_.Prepare("INSERT INTO evaluations(run_id, dataset, protocol, target_fpr, tpr, threshold, "
                  "positive_pairs, false_pairs, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, run_id)
      .Bind(2, evaluation.dataset)
      .Bind(3, evaluation.protocol)
      .Bind(4, evaluation.target_fpr)
      .Bind(5, evaluation.tpr)
      .Bind(6, evaluation.threshold);
  BindOptionalInt(insert, 7, evaluation.positive_pairs);
  BindOptionalInt(insert, 8, evaluation.false_pairs);
  insert.Bind(9, NowMs());
  return insert.Run();
}

absl::Status ExperimentStore::LogArtifact(int64_t run_id, const std::string& kind,
                                          const std::string& path) {
  FACEREC_ASSIGN_OR_RETURN(const std::string digest, Sha256OfFile(path));
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) return absl::NotFoundError(absl::StrCat(path, ": ", error.message()));
  absl::MutexLock lock(&mutex_);
  return InsertArtifactLocked(
      run_id, {kind, WorkspaceRelative(path), digest, static_cast<int64_t>(size)}, NowMs());
}

absl::Status ExperimentStore::InsertArtifactLocked(int64_t run_id, const ArtifactRecord& artifact,
                                                   int64_t created_ms) {
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement insert,
      db_.Prepare("INSERT INTO artifacts(run_id, kind, path, sha256, size_bytes, created_ms) "
                  "VALUES (?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, run_id)
      .Bind(2, artifact.kind)
      .Bind(3, artifact.path)
      .Bind(4, artifact.sha256)
      .Bind(5, artifact.size_bytes)
      .Bind(6, created_ms);
  return insert.Run();
}

absl::Status ExperimentStore::SetTag(int64_t run_id, const std::string& key,
                                     const std::string& value) {
  absl::MutexLock lock(&mutex_);
  return SetTagLocked(run_id, key, value);
}

absl::Status ExperimentStore::SetTagLocked(int64_t run_id, const std::string& key,
                                           const std::string& value) {
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement insert,
      db_.Prepare("INSERT INTO tags(run_id, key, value) VALUES (?, ?, ?) "
                  "ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value"));
  insert.Bind(1, run_id).Bind(2, key).Bind(3, value);
  return insert.Run();
}

absl::Status ExperimentStore::FinishRun(int64_t run_id, RunStatus status,
                                        const std::string& error) {
  if (status == RunStatus::kRunning) {
    return absl::InvalidArgumentError("FinishRun needs a final status, not RUNNING");
  }
  absl::MutexLock lock(&mutex_);
  const int64_t now = NowMs();
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement update,
      db_.Prepare("UPDATE runs SET status = ?, end_ms = MAX(?, start_ms), heartbeat_ms = ?, "
                  "error = ? WHERE id = ? AND status = 'RUNNING'"));
  update.Bind(1, RunStatusName(status)).Bind(2, now).Bind(3, now).Bind(4, error).Bind(5, run_id);
  FACEREC_RETURN_IF_ERROR(update.Run());
  if (db_.Changes() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("run ", run_id, " does not exist or is already finished"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ExperimentStore::MarkStaleRunsKilled() {
  absl::MutexLock lock(&mutex_);
  FACEREC_ASSIGN_OR_RETURN(
      std::vector<RunRecord> running,
      QueryRuns("r.status = 'RUNNING' AND r.host = ?", [](sqlite::Statement& q) {
        q.Bind(1, HostName());
        return 2;
      }));
  int marked = 0;
  for (const RunRecord& run : running) {
    // kill(pid, 0) probes without signalling. EPERM means the pid exists
    // (another user's process), so only ESRCH proves the run's process is gone.
    if (run.pid > 0 && (kill(static_cast<pid_t>(run.pid), 0) == 0 || errno != ESRCH)) continue;
    const std::string note_path = CrashNotePath(run.id);
    std::string note;
    if (std::FILE* f = std::fopen(note_path.c_str(), "r")) {
      char buffer[2048];
      const size_t n = std::fread(buffer, 1, sizeof(buffer), f);
      std::fclose(f);
      note.assign(buffer, n);
      while (!note.empty() && (note.back() == '\n' || note.back() == '\0')) note.pop_back();
    }
    FACEREC_ASSIGN_OR_RETURN(
        sqlite::Statement update,
        note.empty()
            ? db_.Prepare("UPDATE runs SET status = 'KILLED', end_ms = heartbeat_ms, "
                          "error = 'process ' || pid || ' ended without finishing the run' "
                          "WHERE id = ? AND status = 'RUNNING'")
            : db_.Prepare("UPDATE runs SET status = 'FAILED', end_ms = heartbeat_ms, "
                          "error = ? WHERE id = ? AND status = 'RUNNING'"));
    if (note.empty()) {
      update.Bind(1, run.id);
    } else {
      update.Bind(1, absl::StrCat(note, " (recorded from the crash note)")).Bind(2, run.id);
    }
    FACEREC_RETURN_IF_ERROR(update.Run());
    marked += db_.Changes();
    std::remove(note_path.c_str());
  }
  return marked;
}

std::string ExperimentStore::CrashNotePath(int64_t run_id) const {
  return absl::StrCat(path_, ".run-", run_id, ".crash");
}

absl::StatusOr<std::vector<RunRecord>> ExperimentStore::QueryRuns(
    const std::string& where, const std::function<int(sqlite::Statement&)>& bind) {
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement query,
      db_.Prepare(absl::StrCat("SELECT ", kRunColumns,
                               " FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ",
                               where, " ORDER BY r.id DESC LIMIT ?")));
  const int limit_index = bind(query);
  query.Bind(limit_index, int64_t{1000000});
  std::vector<RunRecord> runs;
  absl::Status parse_error;
  FACEREC_RETURN_IF_ERROR(query.ForEachRow([&](const sqlite::Statement& row) {
      RunRecord run;
      run.id = row.ColumnInt(0);
      run.experiment = row.ColumnText(1);
      run.name = row.ColumnText(2);
      absl::StatusOr<RunStatus> status = ParseRunStatus(row.ColumnText(3));
      if (!status.ok()) {
        parse_error = status.status();
        return;
      }
      run.status = *status;
      run.start_ms = row.ColumnInt(4);
      run.end_ms = OptionalInt(row, 5);
      run.heartbeat_ms = row.ColumnInt(6);
      run.code_version = row.ColumnText(7);
      run.config_hash = row.ColumnText(8);
      run.dataset_fingerprint = row.ColumnText(9);
      run.seed = OptionalInt(row, 10);
      run.command_line = row.ColumnText(11);
      run.host = row.ColumnText(12);
      run.pid = row.ColumnInt(13);
      run.error = row.ColumnText(14);
      run.uid = row.ColumnText(15);
      runs.push_back(std::move(run));
  }));
  FACEREC_RETURN_IF_ERROR(parse_error);
  return runs;
}

bool IsRunUidPrefix(absl::string_view text) {
  return text.size() >= 8 && text.size() <= 32 &&
         text.find_first_not_of("0123456789abcdef") == absl::string_view::npos;
}

absl::StatusOr<RunRecord> ExperimentStore::GetRunByUid(const std::string& uid) {
  if (!IsRunUidPrefix(uid)) {
    return absl::InvalidArgumentError(
        absl::StrCat("run uid '", uid, "': expected 8 to 32 lowercase hex digits"));
  }
  absl::MutexLock lock(&mutex_);
  FACEREC_ASSIGN_OR_RETURN(std::vector<RunRecord> runs,
                           QueryRuns("substr(r.uid, 1, ?) = ?", [&uid](sqlite::Statement& q) {
                             q.Bind(1, static_cast<int64_t>(uid.size())).Bind(2, uid);
                             return 3;
                           }));
  if (runs.empty()) return absl::NotFoundError(absl::StrCat("no run with uid ", uid));
  if (runs.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat("run uid prefix ", uid, " is ambiguous (",
                                                   runs.size(), " runs)"));
  }
  return runs[0];
}

absl::StatusOr<int64_t> ExperimentStore::InsertRecordedRun(
    const RunRecord& run, const std::map<std::string, std::string>& params,
    const std::vector<MetricPoint>& metrics, const std::vector<Evaluation>& evaluations,
    const std::vector<ArtifactRecord>& artifacts, const std::map<std::string, std::string>& tags) {
  absl::MutexLock lock(&mutex_);
  FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction transaction, db_.BeginImmediate());
  {
    FACEREC_ASSIGN_OR_RETURN(sqlite::Statement exists,
                             db_.Prepare("SELECT COUNT(*) FROM runs WHERE uid = ?"));
    exists.Bind(1, run.uid);
    int64_t count = 0;
    FACEREC_RETURN_IF_ERROR(exists.ForEachRow([&](const sqlite::Statement& row) {
      count = row.ColumnInt(0);
    }));
    if (count > 0) {
      return absl::AlreadyExistsError(absl::StrCat("run ", run.uid, " is already in ", path_));
    }
  }
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement upsert,
      db_.Prepare("INSERT INTO experiments(name, created_ms) VALUES (?, ?) "
                  "ON CONFLICT(name) DO NOTHING"));
  // A run exported before the experiments were renamed lands under its
  // binary's name, as the store migration moved the runs of a store.
  const std::string experiment = CurrentExperimentName(run.experiment, run.name);
  upsert.Bind(1, experiment).Bind(2, run.start_ms);
  FACEREC_RETURN_IF_ERROR(upsert.Run());
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement insert,
      db_.Prepare("INSERT INTO runs(experiment_id, name, status, start_ms, end_ms, heartbeat_ms, "
                  "code_version, config_hash, dataset_fingerprint, seed, command_line, host, pid, "
                  "error, uid) VALUES ((SELECT id FROM experiments WHERE name = ?), ?, ?, ?, ?, "
                  "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, experiment).Bind(2, run.name).Bind(3, RunStatusName(run.status));
  insert.Bind(4, run.start_ms);
  BindOptionalInt(insert, 5, run.end_ms);
  insert.Bind(6, run.heartbeat_ms)
      .Bind(7, run.code_version)
      .Bind(8, run.config_hash)
      .Bind(9, run.dataset_fingerprint);
  BindOptionalInt(insert, 10, run.seed);
  insert.Bind(11, run.command_line).Bind(12, run.host).Bind(13, run.pid).Bind(14, run.error);
  insert.Bind(15, run.uid);
  FACEREC_RETURN_IF_ERROR(insert.Run());
  const int64_t id = db_.LastInsertRowId();
  FACEREC_RETURN_IF_ERROR(LogParamsLocked(id, params));
  FACEREC_RETURN_IF_ERROR(LogMetricsLocked(id, metrics));
  for (const Evaluation& e : evaluations) FACEREC_RETURN_IF_ERROR(LogEvaluationLocked(id, e));
  for (const ArtifactRecord& a : artifacts) {
    FACEREC_RETURN_IF_ERROR(InsertArtifactLocked(id, a, run.end_ms.value_or(run.heartbeat_ms)));
  }
  for (const auto& [key, value] : tags) FACEREC_RETURN_IF_ERROR(SetTagLocked(id, key, value));
  FACEREC_RETURN_IF_ERROR(transaction.Commit());
  return id;
}

absl::StatusOr<RunRecord> ExperimentStore::GetRun(int64_t run_id) {
  absl::MutexLock lock(&mutex_);
  FACEREC_ASSIGN_OR_RETURN(std::vector<RunRecord> runs, QueryRuns("r.id = ?", [run_id](sqlite::Statement& q) {
                             q.Bind(1, run_id);
                             return 2;
                           }));
  if (runs.empty()) return absl::NotFoundError(absl::StrCat("no run ", run_id, " in ", path_));
  return runs.front();
}

absl::StatusOr<std::vector<RunRecord>> ExperimentStore::ListRuns(const std::string& experiment,
                                                                 int limit) {
  absl::MutexLock lock(&mutex_);
  FACEREC_ASSIGN_OR_RETURN(std::vector<RunRecord> runs,
                           QueryRuns(experiment.empty() ? "1" : "e.name = ?",
                                     [&experiment](sqlite::Statement& q) {
                                       if (experiment.empty()) return 1;
                                       q.Bind(1, experiment);
                                       return 2;
                                     }));
  if (limit >= 0 && runs.size() > static_cast<size_t>(limit)) runs.resize(limit);
  return runs;
}

absl::StatusOr<std::map<std::string, std::string>> ExperimentStore::KeyValues(
    const char* table, int64_t run_id) {
  absl::MutexLock lock(&mutex_);
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement query,
      db_.Prepare(absl::StrCat("SELECT key, value FROM ", table, " WHERE run_id = ?")));
  query.Bind(1, run_id);
  std::map<std::string, std::string> values;
  FACEREC_RETURN_IF_ERROR(query.ForEachRow(
      [&](const sqlite::Statement& row) { values[row.ColumnText(0)] = row.ColumnText(1); }));
  return values;
}

absl::StatusOr<std::map<std::string, std::string>> ExperimentStore::GetParams(int64_t run_id) {
  return KeyValues("params", run_id);
}

absl::StatusOr<std::vector<MetricPoint>> ExperimentStore::GetMetrics(int64_t run_id,
                                                                     const std::string& key) {
  absl::MutexLock lock(&mutex_);
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement query,
      db_.Prepare("SELECT key, step, timestamp_ms, value, is_nan FROM metrics "
                  "WHERE run_id = ?1 AND (?2 = '' OR key = ?2) ORDER BY key, step, rowid"));
  query.Bind(1, run_id).Bind(2, key);
  std::vector<MetricPoint> points;
  FACEREC_RETURN_IF_ERROR(query.ForEachRow([&](const sqlite::Statement& row) {
      MetricPoint point;
      point.key = row.ColumnText(0);
      point.step = row.ColumnInt(1);
      point.timestamp_ms = row.ColumnInt(2);
      point.value = row.ColumnInt(4) != 0 ? std::nan("") : row.ColumnDouble(3);
      points.push_back(std::move(point));
  }));
  return points;
}

absl::StatusOr<std::vector<Evaluation>> ExperimentStore::GetEvaluations(int64_t run_id) {
  absl::MutexLock lock(&mutex_);
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement query,
      db_.Prepare("SELECT dataset, protocol, target_fpr, tpr, threshold, positive_pairs, "
                  "false_pairs FROM evaluations WHERE run_id = ? ORDER BY id"));
  query.Bind(1, run_id);
  std::vector<Evaluation> evaluations;
  FACEREC_RETURN_IF_ERROR(query.ForEachRow([&](const sqlite::Statement& row) {
      Evaluation evaluation;
      evaluation.dataset = row.ColumnText(0);
      evaluation.protocol = row.ColumnText(1);
      evaluation.target_fpr = OptionalDouble(row, 2);
      evaluation.tpr = OptionalDouble(row, 3);
      evaluation.threshold = OptionalDouble(row, 4);
      evaluation.positive_pairs = OptionalInt(row, 5);
      evaluation.false_pairs = OptionalInt(row, 6);
      evaluations.push_back(std::move(evaluation));
  }));
  return evaluations;
}

absl::StatusOr<std::vector<ArtifactRecord>> ExperimentStore::GetArtifacts(int64_t run_id) {
  absl::MutexLock lock(&mutex_);
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement query,
      db_.Prepare("SELECT kind, path, sha256, size_bytes FROM artifacts WHERE run_id = ? "
                  "ORDER BY id"));
  query.Bind(1, run_id);
  std::vector<ArtifactRecord> artifacts;
  FACEREC_RETURN_IF_ERROR(query.ForEachRow([&](const sqlite::Statement& row) {
      artifacts.push_back({row.ColumnText(0), row.ColumnText(1), row.ColumnText(2),
                           row.ColumnInt(3)});
  }));
  return artifacts;
}

absl::StatusOr<std::map<std::string, std::string>> ExperimentStore::GetTags(int64_t run_id) {
  return KeyValues("tags", run_id);
}

}  // namespace facerec::tracking
