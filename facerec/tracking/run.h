// One active run: what a training or evaluation binary records while it works.
//
//   FACEREC_ASSIGN_OR_RETURN(auto store, ExperimentStore::Open(db_path));
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<Run> run, Run::Start(store.get(), options));
//   for (...) run->LogMetric("train/loss", step, loss);    // buffered
//   FACEREC_RETURN_IF_ERROR(run->LogEvaluation(evaluation));
//   FACEREC_RETURN_IF_ERROR(run->Finish());                // FINISHED
//
// Metrics are buffered and written in one transaction per flush (every
// Options::flush_every points or flush_interval_ms, and before any other
// write), because one transaction per point costs a disk sync each.
//
// Run::Start also installs SIGINT/SIGTERM handling: on either signal every
// active run flushes its metrics and is marked KILLED, then the process dies
// of the signal as it would have. A crash - a fatal signal (SIGABRT, SIGSEGV,
// SIGBUS, SIGFPE, SIGILL), and so a failed CHECK or an uncaught exception,
// which abort - flushes every active run's metrics and marks it FAILED with
// the reason ("crashed: SIGABRT: trainer.cc:52: Check failed: ..."), then the
// process dies of the signal. The handler itself only writes the reason to a
// crash note opened at Start (beside the store's file); a watcher thread does
// the SQLite work, and should it be unable to (the crash holds a lock it
// needs), the next MarkStaleRunsKilled reads the note. A Run destroyed
// without Finish() is marked FAILED. A SIGKILL cannot be caught:
// ExperimentStore::MarkStaleRunsKilled (called by Run::Start and tools/runs)
// marks such runs KILLED later.
//
// Thread-safety: thread-safe. Ownership: the store must outlive the Run.
#ifndef FACEREC_TRACKING_RUN_H_
#define FACEREC_TRACKING_RUN_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::tracking {

class Run {
 public:
  struct Options {
    // Flush after this many buffered points. Default 512.
    int flush_every = 512;
    // ... or when the oldest buffered point is this old. Default 5 s.
    int64_t flush_interval_ms = 5000;
  };

  static absl::StatusOr<std::unique_ptr<Run>> Start(ExperimentStore* store,
                                                    const RunOptions& run_options);
  static absl::StatusOr<std::unique_ptr<Run>> Start(ExperimentStore* store,
                                                    const RunOptions& run_options,
                                                    const Options& options);
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  int64_t id() const { return id_; }
  // True once Finish (or a signal or crash handler) set the final status.
  bool finished() const;

  // Buffers one point; returns the flush's error when it flushed and failed
  // (the points stay buffered for the next try).
  absl::Status LogMetric(const std::string& key, int64_t step, double value);
  absl::Status Flush();

  absl::Status LogParams(const std::map<std::string, std::string>& params);
  absl::Status LogEvaluation(const Evaluation& evaluation);
  absl::Status LogArtifact(const std::string& kind, const std::string& path);
  absl::Status SetTag(const std::string& key, const std::string& value);

  // Flushes and sets the final status (FINISHED unless told otherwise).
  absl::Status Finish(RunStatus status = RunStatus::kFinished, const std::string& error = "");
  // Finishes by the outcome of the work: FINISHED if `outcome` is OK, else
  // FAILED with its message. Returns `outcome` when it is an error, else
  // what finishing returned: `return run->FinishWith(status);`.
  absl::Status FinishWith(const absl::Status& outcome);
  // Called from the signal watcher thread.
  void MarkKilled(int signal_number);
  void MarkCrashed(const std::string& reason);

 private:
  Run(ExperimentStore* store, int64_t id, const Options& options)
      : store_(store), id_(id), options_(options) {}
  absl::Status FlushLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status FinishLocked(RunStatus status, const std::string& error)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  void RemoveCrashNote();

  ExperimentStore* const store_;
  std::string note_path_;  // Set by Start; see ExperimentStore::CrashNotePath.
  int note_fd_ = -1;
  const int64_t id_;
  const Options options_;
  mutable absl::Mutex mutex_;
  std::vector<MetricPoint> buffer_ ABSL_GUARDED_BY(mutex_);
  int64_t oldest_buffered_ms_ ABSL_GUARDED_BY(mutex_) = 0;
  bool finished_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace facerec::tracking

#endif  // FACEREC_TRACKING_RUN_H_
