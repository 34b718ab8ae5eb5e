// A run whose process dies of an error it cannot handle - abort(), a failed
// CHECK, a segmentation fault, a floating-point trap, an uncaught exception -
// is recorded FAILED with the reason, and every metric it logged (still
// buffered in memory when it died) is in the store. Each ending happens in a
// forked child; the parent reads the store afterwards.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "glog/logging.h"

namespace facerec::tracking {
namespace {

std::string FreshPath(const std::string& name) {
  const std::string path = testing::TempDir() + "/" + name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

constexpr int kPoints = 37;  // Fewer than Run's flush_every: all still buffered.

// Forks; the child starts a run, logs kPoints, then `die`s. Returns the
// child's wait status.
int RunAndDie(const std::string& db, const std::function<void()>& die) {
  const pid_t pid = fork();
  if (pid == 0) {
    auto store = ExperimentStore::Open(db);
    if (!store.ok()) _exit(90);
    RunOptions options;
    options.experiment = "crash_test";
    auto run = Run::Start(store->get(), options);
    if (!run.ok()) _exit(91);
    for (int i = 0; i < kPoints; ++i) {
      if (!(*run)->LogMetric("train/loss", i, 1.0 / (i + 1)).ok()) _exit(92);
    }
    // noexcept: an exception must not unwind into the test framework, which
    // would catch it; out of main it would reach std::terminate the same way.
    [&]() noexcept { die(); }();
    _exit(0);  // Not reached.
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

void ExpectFailedWithEverything(const std::string& db, int wait_status, int signal_number,
                                const std::string& reason_part) {
  ASSERT_TRUE(WIFSIGNALED(wait_status)) << "the child should die of its signal";
  EXPECT_EQ(WTERMSIG(wait_status), signal_number);
  auto store = ExperimentStore::Open(db);
  ASSERT_TRUE(store.ok());
  auto runs = (*store)->ListRuns("crash_test");
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  const RunRecord& run = (*runs)[0];
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_NE(run.error.find("crashed"), std::string::npos) << run.error;
  EXPECT_NE(run.error.find(reason_part), std::string::npos) << run.error;
  auto metrics = (*store)->GetMetrics(run.id, "train/loss");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->size(), static_cast<size_t>(kPoints));
  EXPECT_FALSE(std::filesystem::exists((*store)->CrashNotePath(run.id)))
      << "the note is removed once the store has the outcome";
}

TEST(CrashTest, AbortMarksTheRunFailedAndKeepsItsMetrics) {
  const std::string db = FreshPath("abort.db");
  const int status = RunAndDie(db, [] { std::abort(); });
  ExpectFailedWithEverything(db, status, SIGABRT, "SIGABRT");
}

TEST(CrashTest, FailedCheckRecordsWhatFailed) {
  const std::string db = FreshPath("check.db");
  const int status = RunAndDie(db, [] {
    const int batch = 0;
    CHECK_GT(batch, 0) << "batch size";
  });
  ExpectFailedWithEverything(db, status, SIGABRT, "Check failed: batch > 0");
}

TEST(CrashTest, SegfaultMarksTheRunFailed) {
  const std::string db = FreshPath("segv.db");
  const int status = RunAndDie(db, [] {
    volatile int* nowhere = nullptr;
    *nowhere = 1;
  });
  ExpectFailedWithEverything(db, status, SIGSEGV, "SIGSEGV");
}

TEST(CrashTest, BusErrorAndFloatingPointTrapAreRecordedToo) {
  for (int signal_number : {SIGBUS, SIGFPE}) {
    const std::string db = FreshPath("signal.db");
    const int status = RunAndDie(db, [signal_number] { raise(signal_number); });
    ExpectFailedWithEverything(db, status, signal_number,
                               signal_number == SIGBUS ? "SIGBUS" : "SIGFPE");
  }
}

TEST(CrashTest, UncaughtExceptionRecordsItsMessage) {
  const std::string db = FreshPath("throw.db");
  const int status = RunAndDie(db, [] { throw std::runtime_error("tensor shape mismatch"); });
  ExpectFailedWithEverything(db, status, SIGABRT, "uncaught exception: tensor shape mismatch");
}

TEST(CrashTest, ACrashNoteLeftBehindIsReadByTheNextStart) {
  // The watcher could not reach the store (say the crash held its lock):
  // only the note and a RUNNING row remain, as a SIGKILL leaves them.
  const std::string db = FreshPath("note.db");
  const pid_t pid = fork();
  if (pid == 0) {
    auto store = ExperimentStore::Open(db);
    RunOptions options;
    options.experiment = "crash_test";
    auto run = Run::Start(store->get(), options);
    FILE* note = std::fopen((*store)->CrashNotePath((*run)->id()).c_str(), "w");
    std::fputs("crashed: SIGSEGV: in the loader", note);
    std::fclose(note);
    raise(SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  auto store = ExperimentStore::Open(db);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->MarkStaleRunsKilled().ok());
  auto runs = (*store)->ListRuns("crash_test");
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].status, RunStatus::kFailed);
  EXPECT_NE((*runs)[0].error.find("crashed: SIGSEGV: in the loader"), std::string::npos)
      << (*runs)[0].error;
}

}  // namespace
}  // namespace facerec::tracking
