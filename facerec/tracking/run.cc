#include "facerec/tracking/run.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "facerec/core/environment.h"
#include "facerec/core/status_macros.h"
#include "glog/logging.h"

namespace facerec::tracking {
namespace {

// Signal handling with a self-pipe: the handler only writes the signal number
// (async-signal-safe); a watcher thread does the SQLite work, then restores
// the default action and re-raises so the exit status still says "killed by
// SIGINT/SIGTERM".
class TerminationWatcher {
 public:
  static TerminationWatcher& Get() {
    static auto* watcher = new TerminationWatcher;  // Never destroyed: the thread lives on.
    return *watcher;
  }

  void Register(Run* run) {
    absl::MutexLock lock(&mutex_);
    runs_.insert(run);
  }
  void Unregister(Run* run) {
    absl::MutexLock lock(&mutex_);
    runs_.erase(run);
  }

 private:
  TerminationWatcher() {
    CHECK_EQ(pipe(pipe_fds_), 0);
    write_fd_ = pipe_fds_[1];
    struct sigaction action {};
    action.sa_handler = &TerminationWatcher::Handle;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    CHECK_EQ(sigaction(SIGINT, &action, nullptr), 0);
    CHECK_EQ(sigaction(SIGTERM, &action, nullptr), 0);
    std::thread([this] { Watch(); }).detach();
  }

  static void Handle(int signal_number) {
    const unsigned char byte = static_cast<unsigned char>(signal_number);
    const int saved_errno = errno;
    (void)!write(write_fd_, &byte, 1);
    errno = saved_errno;
  }

  void Watch() {
    unsigned char byte = 0;
    while (read(pipe_fds_[0], &byte, 1) != 1) {
      if (errno != EINTR) return;
    }
    const int signal_number = byte;
    LOG(WARNING) << "signal " << signal_number << ": marking active runs KILLED";
    {
      absl::MutexLock lock(&mutex_);
      for (Run* run : runs_) run->MarkKilled(signal_number);
    }
    signal(signal_number, SIG_DFL);
    raise(signal_number);
  }

  static inline int write_fd_ = -1;
  int pipe_fds_[2] = {-1, -1};
  absl::Mutex mutex_;
  std::set<Run*> runs_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<Run>> Run::Start(ExperimentStore* store,
                                                const RunOptions& run_options) {
  return Start(store, run_options, Options());
}

absl::StatusOr<std::unique_ptr<Run>> Run::Start(ExperimentStore* store,
                                                const RunOptions& run_options,
                                                const Options& options) {
  CHECK(store != nullptr);
  absl::StatusOr<int> stale = store->MarkStaleRunsKilled();
  if (!stale.ok()) return stale.status();
  LOG_IF(INFO, *stale > 0) << "marked " << *stale << " run(s) of dead processes KILLED";
  FACEREC_ASSIGN_OR_RETURN(const int64_t id, store->StartRun(run_options));
  std::unique_ptr<Run> run(new Run(store, id, options));
  TerminationWatcher::Get().Register(run.get());
  return run;
}

Run::~Run() {
  TerminationWatcher::Get().Unregister(this);
  absl::MutexLock lock(&mutex_);
  if (finished_) return;
  const absl::Status status =
      FinishLocked(RunStatus::kFailed, "the run ended without Finish() (an error or a crash)");
  LOG_IF(ERROR, !status.ok()) << "could not mark run " << id_ << " FAILED: " << status;
}

absl::Status Run::LogMetric(const std::string& key, int64_t step, double value) {
  absl::MutexLock lock(&mutex_);
  const int64_t now = NowMs();
  if (buffer_.empty()) oldest_buffered_ms_ = now;
  buffer_.push_back({key, step, value, now});
  if (static_cast<int>(buffer_.size()) >= options_.flush_every ||
      now - oldest_buffered_ms_ >= options_.flush_interval_ms) {
    return FlushLocked();
  }
  return absl::OkStatus();
}

bool Run::finished() const {
  absl::MutexLock lock(&mutex_);
  return finished_;
}

absl::Status Run::Flush() {
  absl::MutexLock lock(&mutex_);
  return FlushLocked();
}

absl::Status Run::FlushLocked() {
  if (buffer_.empty()) return absl::OkStatus();
  FACEREC_RETURN_IF_ERROR(store_->LogMetrics(id_, buffer_));
  buffer_.clear();
  return absl::OkStatus();
}

absl::Status Run::LogParams(const std::map<std::string, std::string>& params) {
  absl::MutexLock lock(&mutex_);
  return store_->LogParams(id_, params);
}

absl::Status Run::LogEvaluation(const Evaluation& evaluation) {
  absl::MutexLock lock(&mutex_);
  FACEREC_RETURN_IF_ERROR(FlushLocked());
  return store_->LogEvaluation(id_, evaluation);
}

absl::Status Run::LogArtifact(const std::string& kind, const std::string& path) {
  absl::MutexLock lock(&mutex_);
  FACEREC_RETURN_IF_ERROR(FlushLocked());
  return store_->LogArtifact(id_, kind, path);
}

absl::Status Run::SetTag(const std::string& key, const std::string& value) {
  absl::MutexLock lock(&mutex_);
  return store_->SetTag(id_, key, value);
}

absl::Status Run::Finish(RunStatus status, const std::string& error) {
  absl::MutexLock lock(&mutex_);
  return FinishLocked(status, error);
}

absl::Status Run::FinishWith(const absl::Status& outcome) {
  if (outcome.ok()) return Finish();
  const absl::Status finished = Finish(RunStatus::kFailed, std::string(outcome.message()));
  LOG_IF(ERROR, !finished.ok()) << "run " << id_ << ": cannot record the failure: " << finished;
  return outcome;
}

absl::Status Run::FinishLocked(RunStatus status, const std::string& error) {
  if (finished_) {
    return absl::FailedPreconditionError(absl::StrCat("run ", id_, " is already finished"));
  }
  // Keep what was measured even if the final status cannot be written.
  const absl::Status flushed = FlushLocked();
  LOG_IF(ERROR, !flushed.ok()) << "run " << id_ << ": lost buffered metrics: " << flushed;
  FACEREC_RETURN_IF_ERROR(store_->FinishRun(id_, status, error));
  finished_ = true;
  return flushed;
}

void Run::MarkKilled(int signal_number) {
  absl::MutexLock lock(&mutex_);
  if (finished_) return;
  const absl::Status status =
      FinishLocked(RunStatus::kKilled, absl::StrCat("killed by signal ", signal_number, " (",
                                                    strsignal(signal_number), ")"));
  LOG_IF(ERROR, !status.ok()) << "could not mark run " << id_ << " KILLED: " << status;
}

}  // namespace facerec::tracking
