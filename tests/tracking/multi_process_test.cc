// Several processes on one experiment store: concurrent writers lose no row,
// a writer SIGKILLed mid-transaction leaves a readable file with every
// committed row, and SIGTERM marks an active run KILLED with its metrics.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "facerec/tracking/experiment_store.h"
#include "glog/logging.h"

extern char** environ;

namespace facerec::tracking {
namespace {

std::string WriterPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  CHECK(srcdir != nullptr && workspace != nullptr) << "run under bazel test";
  return absl::StrCat(srcdir, "/", workspace, "/tests/tracking/store_writer");
}

std::string FreshPath(const std::string& name) {
  const std::string path = testing::TempDir() + "/" + name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

struct Child {
  pid_t pid = -1;
  int stdout_fd = -1;
};

// Starts store_writer with `args`; its stdout comes back through a pipe.
Child Spawn(const std::vector<std::string>& args) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<std::string> argv_strings = {WriterPath()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  Child child;
  EXPECT_EQ(posix_spawn(&child.pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  child.stdout_fd = fds[0];
  return child;
}

// Blocks until the child prints `word` (or exits).
bool WaitForLine(const Child& child, const std::string& word) {
  std::string seen;
  char c;
  while (read(child.stdout_fd, &c, 1) == 1) {
    if (c == '\n') {
      if (seen == word) return true;
      seen.clear();
    } else {
      seen.push_back(c);
    }
  }
  return false;
}

int WaitForExit(const Child& child) {
  int status = 0;
  EXPECT_EQ(waitpid(child.pid, &status, 0), child.pid);
  close(child.stdout_fd);
  return status;
}

TEST(MultiProcessTest, ConcurrentWritersLoseNoRow) {
  const std::string db = FreshPath("concurrent.db");
  constexpr int kWriters = 4;
  constexpr int kPoints = 3000;
  std::vector<Child> children;
  for (int i = 0; i < kWriters; ++i) {
    children.push_back(Spawn({"--db=" + db, absl::StrCat("--points=", kPoints), "--batch=50",
                              absl::StrCat("--name=w", i)}));
  }
  for (const Child& child : children) {
    const int status = WaitForExit(child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer status " << status;
  }
  auto store = ExperimentStore::Open(db);
  ASSERT_TRUE(store.ok()) << store.status();
  auto& database = (*store)->database();
  EXPECT_EQ(*database.QueryInt("SELECT COUNT(*) FROM metrics"), kWriters * kPoints);
  EXPECT_EQ(*database.QueryInt("SELECT COUNT(*) FROM runs WHERE status = 'FINISHED'"), kWriters);
  // Every writer's every step, exactly once.
  EXPECT_EQ(*database.QueryInt("SELECT COUNT(*) FROM (SELECT run_id, step FROM metrics "
                               "GROUP BY run_id, step HAVING COUNT(*) = 1)"),
            kWriters * kPoints);
}

TEST(MultiProcessTest, SigkillMidTransactionKeepsCommittedRows) {
  const std::string db = FreshPath("sigkill.db");
  Child child = Spawn({"--db=" + db, "--points=1000", "--batch=100", "--hold"});
  ASSERT_TRUE(WaitForLine(child, "holding"));
  ASSERT_EQ(kill(child.pid, SIGKILL), 0);
  const int status = WaitForExit(child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  auto store = ExperimentStore::Open(db);
  ASSERT_TRUE(store.ok()) << store.status();
  auto& database = (*store)->database();
  auto check = database.Prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check.ok());
  ASSERT_TRUE(*check->Step());
  EXPECT_EQ(check->ColumnText(0), "ok");
  EXPECT_EQ(*database.QueryInt("SELECT COUNT(*) FROM metrics WHERE key = 'loss'"), 1000);
  EXPECT_EQ(*database.QueryInt("SELECT COUNT(*) FROM metrics WHERE key = 'uncommitted'"), 0);
  // The dead writer's run is still RUNNING until someone looks.
  EXPECT_EQ((*store)->GetRun(1)->status, RunStatus::kRunning);
  EXPECT_EQ(*(*store)->MarkStaleRunsKilled(), 1);
  EXPECT_EQ((*store)->GetRun(1)->status, RunStatus::kKilled);
  // And the file still takes writes.
  EXPECT_TRUE((*store)->SetTag(1, "checked", "yes").ok());
}

TEST(MultiProcessTest, SigtermMarksActiveRunKilledAndFlushesMetrics) {
  for (int signal_number : {SIGTERM, SIGINT}) {
    const std::string db = FreshPath(absl::StrCat("sigterm", signal_number, ".db"));
    // 250 points, flushed every 100: 50 are still buffered when the signal comes.
    Child child = Spawn({"--db=" + db, "--points=250", "--batch=100", "--wait_for_signal"});
    ASSERT_TRUE(WaitForLine(child, "ready"));
    ASSERT_EQ(kill(child.pid, signal_number), 0);
    const int status = WaitForExit(child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signal_number) << status;

    auto store = ExperimentStore::Open(db);
    ASSERT_TRUE(store.ok());
    auto run = (*store)->GetRun(1);
    ASSERT_TRUE(run.ok());
    EXPECT_EQ(run->status, RunStatus::kKilled);
    EXPECT_NE(run->error.find("signal"), std::string::npos) << run->error;
    EXPECT_EQ((*store)->GetMetrics(1)->size(), 250u);
  }
}

}  // namespace
}  // namespace facerec::tracking
