// The experiment store: every run's config, code version, data fingerprint,
// metric time series, evaluations and artifacts, in one SQLite file that plain
// SQL can query (see schema.h for the tables and views).
//
//   FACEREC_ASSIGN_OR_RETURN(auto store, facerec::tracking::ExperimentStore::Open("results.db"));
//   facerec::tracking::RunOptions options;
//   options.experiment = "compare_losses";
//   options.params = {{"loss", "arcface"}, {"lr", "0.1"}};
//   FACEREC_ASSIGN_OR_RETURN(int64_t run, store->StartRun(options));
//   FACEREC_RETURN_IF_ERROR(store->LogMetrics(run, {{"train/loss", 10, 2.31}}));
//   FACEREC_RETURN_IF_ERROR(store->FinishRun(run, RunStatus::kFinished));
//
// Most code uses tracking::Run (run.h), which batches metrics and marks the
// run KILLED on SIGINT/SIGTERM; this class is the storage underneath.
//
// Thread-safety: thread-safe (one internal mutex around the connection).
// Several processes may write to one file at once: writes take SQLite's write
// lock with BEGIN IMMEDIATE and wait up to the busy timeout.
#ifndef FACEREC_TRACKING_EXPERIMENT_STORE_H_
#define FACEREC_TRACKING_EXPERIMENT_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "facerec/tracking/sqlite.h"

namespace facerec::tracking {

enum class RunStatus { kRunning, kFinished, kFailed, kKilled };
const char* RunStatusName(RunStatus status);

struct RunOptions {
  std::string experiment;  // Required: groups runs ("compare_losses").
  std::string name;        // Optional label within the experiment ("arcface").
  // Every hyperparameter. The config hash is the SHA-256 of these, sorted.
  std::map<std::string, std::string> params;
  std::optional<int64_t> seed;
  std::string dataset_fingerprint;
  // Default (empty): facerec::CodeVersion(), facerec::HostName() and the
  // command line InitProcess saw.
  std::string code_version;
  std::string host;
  std::string command_line;
};

struct MetricPoint {
  std::string key;
  int64_t step = 0;
  double value = 0;            // NaN is stored as value NULL, is_nan 1.
  int64_t timestamp_ms = 0;    // 0: now.
};

struct Evaluation {
  std::string dataset;   // "celeba_ir"
  std::string protocol;  // "id_rate"
  std::optional<double> target_fpr;
  std::optional<double> tpr;
  std::optional<double> threshold;
  std::optional<int64_t> positive_pairs;
  std::optional<int64_t> false_pairs;
};

struct RunRecord {
  int64_t id = 0;    // This store's number for the run.
  std::string uid;   // The run's id in every store (32 hex digits).
  std::string experiment;
  std::string name;
  RunStatus status = RunStatus::kRunning;
  int64_t start_ms = 0;
  std::optional<int64_t> end_ms;
  int64_t heartbeat_ms = 0;
  std::string code_version;
  std::string config_hash;
  std::string dataset_fingerprint;
  std::optional<int64_t> seed;
  std::string command_line;
  std::string host;
  int64_t pid = 0;
  std::string error;
};

struct ArtifactRecord {
  std::string kind;
  std::string path;
  std::string sha256;
  int64_t size_bytes = 0;
};

// Whether `text` can name a run by uid: 8 to 32 lowercase hex digits (a
// whole uid is 32).
bool IsRunUidPrefix(absl::string_view text);

// SHA-256 of "key=value\n" over the sorted params.
std::string ConfigHash(const std::map<std::string, std::string>& params);

// `params` without those that record how a run was executed rather than what
// it trained ("threads": it changes only the order of float sums), for keys
// that must match across thread counts (checkpoints, kinds of comparison).
std::map<std::string, std::string> WithoutExecutionParams(std::map<std::string, std::string> params);

class ExperimentStore {
 public:
  // Opens or creates the file and migrates it to the current schema.
  static absl::StatusOr<std::unique_ptr<ExperimentStore>> Open(const std::string& path);

  // Creates the run (status RUNNING) with its params; returns its id.
  absl::StatusOr<int64_t> StartRun(const RunOptions& options);
  // Adds params; a key already set for the run is an error (one value per key).
  absl::Status LogParams(int64_t run_id, const std::map<std::string, std::string>& params);
  // Writes all points in one transaction.
  absl::Status LogMetrics(int64_t run_id, const std::vector<MetricPoint>& points);
  absl::Status LogEvaluation(int64_t run_id, const Evaluation& evaluation);
  // Hashes the file now; NotFoundError naming it when it cannot be read.
  // The path is recorded relative to the workspace root when inside it
  // (core/data_root.h WorkspaceRelative), so records travel between checkouts.
  absl::Status LogArtifact(int64_t run_id, const std::string& kind, const std::string& path);
  absl::Status SetTag(int64_t run_id, const std::string& key, const std::string& value);
  // Sets the final status and end time. Finishing a run twice is an error.
  absl::Status FinishRun(int64_t run_id, RunStatus status, const std::string& error = "");

  // Marks KILLED every RUNNING run of this host whose process is gone (a
  // SIGKILL, a power cut). Returns how many it marked. A run whose process
  // left a crash note (CrashNotePath; tracking::Run writes one when the
  // process dies of a fatal signal before the store could be updated) is
  // marked FAILED with the note instead.
  absl::StatusOr<int> MarkStaleRunsKilled();

  // Where run `run_id`'s crash note lives: beside the store's file.
  std::string CrashNotePath(int64_t run_id) const;

  absl::StatusOr<RunRecord> GetRun(int64_t run_id);
  // The run with this uid, or with a uid starting with it (at least 8 hex
  // digits, like a short git hash); NotFoundError, or InvalidArgumentError
  // when a prefix is ambiguous.
  absl::StatusOr<RunRecord> GetRunByUid(const std::string& uid_or_prefix);

  // Inserts a whole run recorded elsewhere (tracking/run_export.h), keeping
  // its uid, times and status; its own id here is new. AlreadyExistsError
  // when the store has a run with that uid.
  absl::StatusOr<int64_t> InsertRecordedRun(const RunRecord& run,
                                            const std::map<std::string, std::string>& params,
                                            const std::vector<MetricPoint>& metrics,
                                            const std::vector<Evaluation>& evaluations,
                                            const std::vector<ArtifactRecord>& artifacts,
                                            const std::map<std::string, std::string>& tags);
  // Newest first; `experiment` empty means all.
  absl::StatusOr<std::vector<RunRecord>> ListRuns(const std::string& experiment = "",
                                                  int limit = 1000);
  absl::StatusOr<std::map<std::string, std::string>> GetParams(int64_t run_id);
  // Ordered by key, then step. `key` empty means all keys.
  absl::StatusOr<std::vector<MetricPoint>> GetMetrics(int64_t run_id, const std::string& key = "");
  absl::StatusOr<std::vector<Evaluation>> GetEvaluations(int64_t run_id);
  absl::StatusOr<std::vector<ArtifactRecord>> GetArtifacts(int64_t run_id);
  absl::StatusOr<std::map<std::string, std::string>> GetTags(int64_t run_id);

  const std::string& path() const { return path_; }
  // For ad-hoc queries (tools/runs). Callers must not use it concurrently
  // with other methods from another thread.
  sqlite::Database& database() { return db_; }

 private:
  ExperimentStore(sqlite::Database db, std::string path)
      : db_(std::move(db)), path_(std::move(path)) {}
  // The key/value rows of `table` ("params" or "tags") for one run.
  absl::StatusOr<std::map<std::string, std::string>> KeyValues(const char* table, int64_t run_id);
  absl::Status LogParamsLocked(int64_t run_id, const std::map<std::string, std::string>& params)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status LogMetricsLocked(int64_t run_id, const std::vector<MetricPoint>& points)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status LogEvaluationLocked(int64_t run_id, const Evaluation& evaluation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status InsertArtifactLocked(int64_t run_id, const ArtifactRecord& artifact,
                                    int64_t created_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status SetTagLocked(int64_t run_id, const std::string& key, const std::string& value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // `bind` binds the parameters of `where` and returns the next free index.
  absl::StatusOr<std::vector<RunRecord>> QueryRuns(
      const std::string& where, const std::function<int(sqlite::Statement&)>& bind)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  absl::Mutex mutex_;
  sqlite::Database db_ ABSL_GUARDED_BY(mutex_);
  const std::string path_;
};

}  // namespace facerec::tracking

#endif  // FACEREC_TRACKING_EXPERIMENT_STORE_H_
