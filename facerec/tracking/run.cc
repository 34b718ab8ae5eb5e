#include "facerec/tracking/run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "facerec/core/environment.h"
#include "facerec/core/status_macros.h"
#include "glog/logging.h"

namespace facerec::tracking {
namespace {

// Takes `mutex` within about 2 s, or gives up: a crash handler must not wait
// for ever on a lock the crashed thread may hold.
bool TryLockBriefly(absl::Mutex& mutex) ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true, mutex) {
  for (int i = 0; i < 200; ++i) {
    if (mutex.TryLock()) return true;
    usleep(10000);
  }
  return false;
}

constexpr int kFatalSignals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
constexpr unsigned char kFatalBit = 0x80;  // In the pipe byte: a fatal signal.
constexpr int kMaxNotes = 64;              // Crash-note descriptors kept for the handler.

// The last FATAL log line (a failed CHECK says what failed) or an uncaught
// exception's what(), kept for the crash record. Written in normal context
// just before abort(); read by the watcher thread and the signal handler.
char g_last_words[1024] = {0};
std::atomic<int> g_note_fds[kMaxNotes];

void SetLastWords(absl::string_view text) {
  const size_t n = std::min(text.size(), sizeof(g_last_words) - 1);
  std::memcpy(g_last_words, text.data(), n);
  g_last_words[n] = '\0';
}

class FatalMessageSink : public google::LogSink {
 public:
  void send(google::LogSeverity severity, const char* /*full_filename*/,
            const char* base_filename, int line, const struct ::tm* /*tm_time*/,
            const char* message, size_t message_len) override {
    if (severity != google::GLOG_FATAL) return;
    SetLastWords(absl::StrCat(base_filename, ":", line, ": ",
                              absl::string_view(message, message_len)));
  }
};

const char* SignalName(int signal_number) {  // strsignal is not async-signal-safe.
  switch (signal_number) {
    case SIGABRT: return "SIGABRT";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
  }
  return "a signal";
}

// Signal handling with a self-pipe: the handler only writes the signal number
// (async-signal-safe); a watcher thread does the SQLite work. SIGINT/SIGTERM:
// runs are marked KILLED, then the default action is restored and the signal
// raised again, so the exit status still says "killed by SIGINT/SIGTERM".
// Fatal signals (and so failed CHECKs and uncaught exceptions, which abort):
// the handler first writes the reason into each run's pre-opened crash note
// (write(2) only), then waits up to kFatalWaitMs for the watcher to flush the
// runs' metrics and mark them FAILED, then hands the signal to the handler
// installed before (glog's stack trace) so the process dies as it would have.
// If the crashed thread holds a lock the watcher needs, the wait ends and the
// note lets the next ExperimentStore::MarkStaleRunsKilled record the reason.
class TerminationWatcher {
 public:
  static constexpr int kFatalWaitMs = 5000;

  static TerminationWatcher& Get() {
    static auto* watcher = new TerminationWatcher;  // Never destroyed: the thread lives on.
    return *watcher;
  }

  void Register(Run* run, int note_fd) {
    absl::MutexLock lock(&mutex_);
    runs_.insert(run);
    for (auto& slot : g_note_fds) {
      int expected = -1;
      if (note_fd >= 0 && slot.compare_exchange_strong(expected, note_fd)) break;
    }
  }
  void Unregister(Run* run) {
    absl::MutexLock lock(&mutex_);
    runs_.erase(run);
  }
  // Before the note's descriptor is closed.
  static void ForgetNote(int note_fd) {
    for (auto& slot : g_note_fds) {
      int expected = note_fd;
      if (note_fd >= 0 && slot.compare_exchange_strong(expected, -1)) break;
    }
  }

 private:
  TerminationWatcher() {
    for (auto& slot : g_note_fds) slot = -1;
    CHECK_EQ(pipe(pipe_fds_), 0);
    CHECK_EQ(pipe(ack_fds_), 0);
    write_fd_ = pipe_fds_[1];
    ack_read_fd_ = ack_fds_[0];
    struct sigaction action {};
    action.sa_handler = &TerminationWatcher::Handle;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    CHECK_EQ(sigaction(SIGINT, &action, nullptr), 0);
    CHECK_EQ(sigaction(SIGTERM, &action, nullptr), 0);
    struct sigaction fatal {};
    fatal.sa_handler = &TerminationWatcher::HandleFatal;
    sigemptyset(&fatal.sa_mask);
    fatal.sa_flags = SA_RESTART;
    for (int s : kFatalSignals) CHECK_EQ(sigaction(s, &fatal, &previous_[s]), 0);
    google::AddLogSink(new FatalMessageSink);  // Never removed.
    std::set_terminate([] {
      std::string what = "uncaught exception";
      if (std::exception_ptr e = std::current_exception()) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& error) {
          what = absl::StrCat("uncaught exception: ", error.what());
        } catch (...) {
        }
      }
      SetLastWords(what);
      std::abort();
    });
    std::thread([this] { Watch(); }).detach();
  }

  static void Handle(int signal_number) {
    const unsigned char byte = static_cast<unsigned char>(signal_number);
    const int saved_errno = errno;
    (void)!write(write_fd_, &byte, 1);
    errno = saved_errno;
  }

  static void WriteAll(int fd, const char* text) {
    size_t n = 0;
    while (text[n] != '\0') ++n;
    (void)!write(fd, text, n);
  }

  static void HandleFatal(int signal_number) {
    static std::atomic<bool> handling{false};
    if (!handling.exchange(true)) {
      // The crash notes first: they survive whatever happens next.
      for (auto& slot : g_note_fds) {
        const int fd = slot.load();
        if (fd < 0) continue;
        WriteAll(fd, "crashed: ");
        WriteAll(fd, SignalName(signal_number));
        if (g_last_words[0] != '\0') {
          WriteAll(fd, ": ");
          WriteAll(fd, g_last_words);
        }
        (void)fsync(fd);
      }
      const unsigned char byte = static_cast<unsigned char>(signal_number) | kFatalBit;
      (void)!write(write_fd_, &byte, 1);
      struct pollfd ack {ack_read_fd_, POLLIN, 0};
      (void)poll(&ack, 1, kFatalWaitMs);
    }
    // Hand over to the handler installed before (glog's prints the stack and
    // re-raises with the default action).
    sigaction(signal_number, &Get().previous_[signal_number], nullptr);
    raise(signal_number);
  }

  void Watch() {
    for (;;) {
      unsigned char byte = 0;
      if (read(pipe_fds_[0], &byte, 1) != 1) {
        if (errno == EINTR) continue;
        return;
      }
      const bool fatal = (byte & kFatalBit) != 0;
      const int signal_number = byte & ~kFatalBit;
      if (!fatal) {
        LOG(WARNING) << "signal " << signal_number << ": marking active runs KILLED";
        {
          absl::MutexLock lock(&mutex_);
          for (Run* run : runs_) run->MarkKilled(signal_number);
        }
        signal(signal_number, SIG_DFL);
        raise(signal_number);
        return;
      }
      const std::string reason =
          g_last_words[0] == '\0'
              ? absl::StrCat("crashed: ", SignalName(signal_number))
              : absl::StrCat("crashed: ", SignalName(signal_number), ": ", g_last_words);
      // The crashed thread may hold this lock (a crash while registering):
      // then the crash notes carry the reason.
      if (TryLockBriefly(mutex_)) {
        for (Run* run : runs_) run->MarkCrashed(reason);
        mutex_.Unlock();
      }
      const char ack = 1;
      (void)!write(ack_fds_[1], &ack, 1);
    }
  }

  static inline int write_fd_ = -1;
  static inline int ack_read_fd_ = -1;
  int pipe_fds_[2] = {-1, -1};
  int ack_fds_[2] = {-1, -1};
  struct sigaction previous_[NSIG] = {};
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
  // Opened now: a crashing process may only write(2) to what is already open.
  run->note_path_ = store->CrashNotePath(id);
  run->note_fd_ = open(run->note_path_.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  LOG_IF(WARNING, run->note_fd_ < 0) << run->note_path_ << ": cannot create the crash note";
  TerminationWatcher::Get().Register(run.get(), run->note_fd_);
  return run;
}

void Run::RemoveCrashNote() {
  if (note_fd_ < 0) return;
  TerminationWatcher::ForgetNote(note_fd_);
  close(note_fd_);
  note_fd_ = -1;
  unlink(note_path_.c_str());
}

Run::~Run() {
  TerminationWatcher::Get().Unregister(this);
  absl::MutexLock lock(&mutex_);
  RemoveCrashNote();
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
  RemoveCrashNote();  // The store has the outcome.
  return flushed;
}

void Run::MarkCrashed(const std::string& reason) {
  // The crashed thread may hold this run's lock (a crash inside LogMetric):
  // then the crash note carries the reason and the buffered points are lost.
  if (!TryLockBriefly(mutex_)) return;
  if (!finished_) {
    const absl::Status status = FinishLocked(RunStatus::kFailed, reason);
    LOG_IF(ERROR, !status.ok()) << "could not mark run " << id_ << " FAILED: " << status;
  }
  mutex_.Unlock();
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
