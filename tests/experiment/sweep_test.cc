#include "facerec/experiment/sweep.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace facerec::experiment {
namespace {

std::vector<std::string> Keys(const std::vector<SweepPoint>& points) {
  std::vector<std::string> keys;
  for (const SweepPoint& p : points) keys.push_back(p.Key());
  return keys;
}

TEST(GridPointsTest, GivesEveryCombinationWithTheLastFlagFastest) {
  auto points = GridPoints("scale=16,32; m2=0.2,0.3,0.4");
  ASSERT_TRUE(points.ok()) << points.status();
  EXPECT_EQ(Keys(*points), (std::vector<std::string>{"m2=0.2;scale=16", "m2=0.3;scale=16", "m2=0.4;scale=16",
                                                     "m2=0.2;scale=32", "m2=0.3;scale=32", "m2=0.4;scale=32"}));
  EXPECT_EQ((*points)[0].Args(), (std::vector<std::string>{"--m2=0.2", "--scale=16"}));
  // The key travels inside --run_tags, whose tags are separated by ','.
  for (const SweepPoint& p : *points) EXPECT_EQ(p.Key().find(','), std::string::npos) << p.Key();
  auto one = GridPoints("--lr=0.1");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(Keys(*one), (std::vector<std::string>{"lr=0.1"}));
}

TEST(GridPointsTest, NamesAMalformedPart) {
  for (const char* bad : {"", "m2", "m2=", "=0.1", "m2=0.1,,0.2", "m2=0.1;m2=0.2"}) {
    auto points = GridPoints(bad);
    EXPECT_EQ(points.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(absl::StrContains(GridPoints("m2=0.1;m2=0.2").status().message(), "m2")) << "the flag named";
}

TEST(RandomPointsTest, DrawsInsideEachRangeAndRepeatsWithItsSeed) {
  const char* space = "lr=log:0.01:0.3; m3=0.2:0.45; width=int:32:64; backbone=ir_mini,ir18";
  auto points = RandomPoints(space, 50, 7);
  ASSERT_TRUE(points.ok()) << points.status();
  EXPECT_EQ(points->size(), 50u);
  std::set<std::string> backbones;
  for (const SweepPoint& p : *points) {
    ASSERT_EQ(p.flags.size(), 4u);
    for (const auto& [flag, value] : p.flags) {
      double v = 0;
      if (flag == "backbone") {
        backbones.insert(value);
        continue;
      }
      ASSERT_TRUE(absl::SimpleAtod(value, &v)) << flag << "=" << value;
      if (flag == "lr") {
        EXPECT_TRUE(v >= 0.00999 && v <= 0.3001) << v;
      }
      if (flag == "m3") {
        EXPECT_TRUE(v >= 0.2 && v <= 0.45) << v;
      }
      if (flag == "width") {
        EXPECT_TRUE(v >= 32 && v <= 64 && v == static_cast<int>(v)) << v;
      }
    }
  }
  EXPECT_EQ(backbones, (std::set<std::string>{"ir18", "ir_mini"}));
  auto again = RandomPoints(space, 50, 7);
  auto other = RandomPoints(space, 50, 8);
  ASSERT_TRUE(again.ok() && other.ok());
  EXPECT_EQ(Keys(*again), Keys(*points));
  EXPECT_NE(Keys(*other), Keys(*points));
}

TEST(RandomPointsTest, KeepsAPointDrawnTwiceOnce) {
  auto points = RandomPoints("loss=arcface,cosface", 40, 1);
  ASSERT_TRUE(points.ok()) << points.status();
  EXPECT_EQ(points->size(), 2u);
}

TEST(RandomPointsTest, NamesABadSpace) {
  for (const char* bad : {"lr=0.3:0.1", "lr=log:0:1", "lr=log:a:b", "lr=1:2:3", "lr=a,,b", "lr"}) {
    EXPECT_EQ(RandomPoints(bad, 3, 1).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(RandomPoints("lr=0.1:0.2", 0, 1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SweepPointTest, LogNameIsTheKeyWithoutPathOrShellCharacters) {
  SweepPoint p;
  p.flags = {{"lr", "0.1"}, {"train_list", "lists/a b;c.txt"}};
  EXPECT_EQ(p.Key(), "lr=0.1;train_list=lists/a b;c.txt");
  EXPECT_EQ(p.LogName(), "lr=0.1_train_list=lists_a_b_c.txt.log");
}

TEST(PointFinishedTest, OnlyAFinishedRunOfThatSweepAndPointCounts) {
  auto store = tracking::ExperimentStore::Open(":memory:");
  ASSERT_TRUE(store.ok());
  SweepPoint a{{{"m2", "0.3"}}}, b{{{"m2", "0.5"}}};
  auto add = [&](const std::string& sweep, const SweepPoint& p, tracking::RunStatus status) {
    tracking::RunOptions options;
    options.experiment = "compare_losses";
    auto id = (*store)->StartRun(options);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE((*store)->SetTag(*id, "sweep", sweep).ok());
    ASSERT_TRUE((*store)->SetTag(*id, "sweep_point", p.Key()).ok());
    if (status != tracking::RunStatus::kRunning) {
      ASSERT_TRUE((*store)->FinishRun(*id, status).ok());
    }
  };
  add("margins", a, tracking::RunStatus::kKilled);
  add("other", b, tracking::RunStatus::kFinished);
  EXPECT_FALSE(*PointFinished(**store, "margins", a));
  EXPECT_FALSE(*PointFinished(**store, "margins", b));
  add("margins", a, tracking::RunStatus::kFinished);  // The restart that finished it.
  EXPECT_TRUE(*PointFinished(**store, "margins", a));
}

// A stand-in experiment: appends its arguments to calls.txt, fails when told.
std::string FakeExperiment(const std::string& dir) {
  const std::string path = dir + "/fake_experiment.sh";
  std::ofstream(path) << "#!/bin/sh\necho \"$@\" >> " << dir << "/calls.txt\n"
                      << "case \"$*\" in *--fail=1*) echo broken >&2; exit 3;; esac\nsleep 0.2\n";
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

TEST(RunSweepTest, RunsEveryUnfinishedPointWithItsFlagsTagsAndThreadsAndNamesFailures) {
  const std::string dir = ::testing::TempDir() + "/sweep_runs";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  SweepRunnerOptions options;
  options.binary = FakeExperiment(dir);
  options.base_args = {"--preset=quick"};
  options.sweep = "s";
  options.processes = 2;
  options.threads_per_process = 1;
  options.log_dir = dir + "/logs";
  auto points = GridPoints("fail=0,1;lr=0.1,0.2");
  ASSERT_TRUE(points.ok());
  // "fail=0;lr=0.1" finished in an earlier start of the sweep.
  auto outcome = RunSweep(*points, options, [](const SweepPoint& p) -> absl::StatusOr<bool> {
    return p.Key() == "fail=0;lr=0.1";
  });
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->skipped, 1);
  EXPECT_EQ(outcome->finished, 1);
  ASSERT_EQ(outcome->failed.size(), 2u);
  EXPECT_TRUE(absl::StrContains(outcome->failed[0], "fail=1;lr=0.1: exit status 3")) << outcome->failed[0];
  std::ifstream calls(dir + "/calls.txt");
  std::stringstream text;
  text << calls.rdbuf();
  std::vector<std::string> lines = absl::StrSplit(text.str(), '\n', absl::SkipEmpty());
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "--preset=quick --fail=0 --lr=0.2 --threads=1 --run_tags=sweep=s,sweep_point=fail=0;lr=0.2",
                       "--preset=quick --fail=1 --lr=0.1 --threads=1 --run_tags=sweep=s,sweep_point=fail=1;lr=0.1",
                       "--preset=quick --fail=1 --lr=0.2 --threads=1 --run_tags=sweep=s,sweep_point=fail=1;lr=0.2"}));
  // A failed point's output is kept in its log.
  std::ifstream log(dir + "/logs/fail=1_lr=0.1.log");
  std::string first;
  std::getline(log, first);
  EXPECT_EQ(first, "broken");
}

TEST(RunSweepTest, RefusesAMissingBinaryAndBadCounts) {
  SweepRunnerOptions options;
  options.binary = "/nonexistent/compare_losses";
  options.sweep = "s";
  options.log_dir = ::testing::TempDir() + "/sweep_missing";
  const auto never = [](const SweepPoint&) -> absl::StatusOr<bool> { return false; };
  EXPECT_EQ(RunSweep({}, options, never).status().code(), absl::StatusCode::kNotFound);
  options.binary = "/bin/true";
  options.processes = 0;
  EXPECT_EQ(RunSweep({}, options, never).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace facerec::experiment
