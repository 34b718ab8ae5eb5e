#include "facerec/report/report_data.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace facerec::report {
namespace {

using tracking::ExperimentStore;
using tracking::RunStatus;

struct TestStore {
  std::unique_ptr<ExperimentStore> store;
  std::vector<int64_t> ids;  // In the order they were started.
  std::vector<std::string> uids;
};

// Four runs: two of compare_losses tagged comparison quick-1, one of
// compare_losses untagged, one of detection; the second and third are points
// of sweep "margins".
TestStore MakeStore() {
  auto store = ExperimentStore::Open(":memory:");
  CHECK(store.ok()) << store.status();
  TestStore t{std::move(*store), {}, {}};
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"compare_losses", "arcface"}, {"compare_losses", "cosface"}, {"compare_losses", "ce"},
      {"evaluate_detectors", "ours"}};
  for (size_t i = 0; i < runs.size(); ++i) {
    tracking::RunOptions options;
    options.experiment = runs[i].first;
    options.name = runs[i].second;
    options.params = {{"loss", runs[i].second}, {"note", "</script><b>\"quoted\"\\"}};
    auto id = t.store->StartRun(options);
    CHECK(id.ok());
    if (i < 2) CHECK(t.store->SetTag(*id, "comparison", "quick-1").ok());
    if (i == 1 || i == 2) CHECK(t.store->SetTag(*id, "sweep", "margins").ok());
    t.ids.push_back(*id);
    t.uids.push_back(t.store->GetRun(*id)->uid);
  }
  return t;
}

TEST(SelectRunsTest, WithNoSelectorTakesEveryRunNewestFirst) {
  TestStore t = MakeStore();
  auto ids = SelectRuns(*t.store, RunSelection());
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, (std::vector<int64_t>{t.ids[3], t.ids[2], t.ids[1], t.ids[0]}));
}

TEST(SelectRunsTest, SelectorsCombineAsAUnionWithEachRunOnce) {
  TestStore t = MakeStore();
  RunSelection selection;
  selection.comparison = "quick-1";
  selection.runs = {t.uids[0].substr(0, 8), t.uids[3]};  // The first is tagged too.
  auto ids = SelectRuns(*t.store, selection);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, (std::vector<int64_t>{t.ids[3], t.ids[1], t.ids[0]}));

  RunSelection sweep;
  sweep.sweep = "margins";
  ids = SelectRuns(*t.store, sweep);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, (std::vector<int64_t>{t.ids[2], t.ids[1]}));
  sweep.comparison = "quick-1";
  ids = SelectRuns(*t.store, sweep);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, (std::vector<int64_t>{t.ids[2], t.ids[1], t.ids[0]}));

  RunSelection experiment;
  experiment.experiment = "compare_losses";
  experiment.limit = 2;
  ids = SelectRuns(*t.store, experiment);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, (std::vector<int64_t>{t.ids[2], t.ids[1]}));
}

TEST(SelectRunsTest, NamesWhatItCannotFind) {
  TestStore t = MakeStore();
  RunSelection selection;
  selection.experiment = "sweep";
  auto ids = SelectRuns(*t.store, selection);
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(ids.status().message(), "sweep")) << ids.status();
  selection = RunSelection();
  selection.comparison = "full-9";
  ids = SelectRuns(*t.store, selection);
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(ids.status().message(), "full-9")) << ids.status();
  selection = RunSelection();
  selection.sweep = "no_such_sweep";
  ids = SelectRuns(*t.store, selection);
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(ids.status().message(), "sweep=no_such_sweep")) << ids.status();
  selection = RunSelection();
  selection.runs = {"0123456789abcdef"};
  EXPECT_EQ(SelectRuns(*t.store, selection).status().code(), absl::StatusCode::kNotFound);
  selection.limit = 0;
  EXPECT_EQ(SelectRuns(*t.store, selection).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonStringTest, EscapesWhatJsonAndAnHtmlScriptElementNeed) {
  EXPECT_EQ(JsonString("plain"), "\"plain\"");
  EXPECT_EQ(JsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonString("tab\tline\nret\r"), "\"tab\\tline\\nret\\r\"");
  EXPECT_EQ(JsonString(std::string("\x01", 1)), "\"\\u0001\"");
  EXPECT_EQ(JsonString("</script>"), "\"<\\/script>\"");
  EXPECT_EQ(JsonString("a/b"), "\"a/b\"");  // Only "</" needs the escape.
  EXPECT_EQ(JsonString("naïve"), "\"naïve\"");  // UTF-8 passes through.
}

TEST(ReportJsonTest, HoldsParamsSeriesAndEvaluationsWithNaNAsNull) {
  TestStore t = MakeStore();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ASSERT_TRUE(t.store->LogMetrics(t.ids[0], {{"train/loss", 0, 2.5}, {"train/loss", 1, nan},
                                             {"train/loss", 2, 0.125}, {"val/accuracy", 0, 0.5}})
                  .ok());
  ASSERT_TRUE(t.store->LogEvaluation(t.ids[0], {"celeba_ir", "id_rate_roc", 0.1, 0.75, 0.5}).ok());
  ASSERT_TRUE(t.store->FinishRun(t.ids[0], RunStatus::kFinished).ok());
  auto json = ReportJson(*t.store, {t.ids[0]}, 0);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_TRUE(absl::StrContains(*json, absl::StrCat("\"uid\":\"", t.uids[0], "\""))) << *json;
  EXPECT_TRUE(absl::StrContains(*json, "\"status\":\"FINISHED\"")) << *json;
  EXPECT_TRUE(absl::StrContains(*json, "\"train/loss\":[[0,2.5],[1,null],[2,0.125]]")) << *json;
  EXPECT_TRUE(absl::StrContains(*json, "\"val/accuracy\":[[0,0.5]]")) << *json;
  EXPECT_TRUE(absl::StrContains(*json, "[\"celeba_ir\",\"id_rate_roc\",0.1,0.75,0.5]")) << *json;
  EXPECT_TRUE(absl::StrContains(*json, "\"note\":\"<\\/script><b>\\\"quoted\\\"\\\\\"")) << *json;
  EXPECT_FALSE(absl::StrContains(*json, "</script")) << *json;
  EXPECT_FALSE(absl::StrContains(*json, "nan")) << *json;
}

TEST(ReportJsonTest, ThinsLongSeriesKeepingTheEnds) {
  TestStore t = MakeStore();
  std::vector<tracking::MetricPoint> points;
  for (int step = 0; step < 1000; ++step) points.push_back({"train/loss", step, 1.0 / (step + 1)});
  ASSERT_TRUE(t.store->LogMetrics(t.ids[1], points).ok());
  auto json = ReportJson(*t.store, {t.ids[1]}, 10);
  ASSERT_TRUE(json.ok()) << json.status();
  const size_t start = json->find("\"train/loss\":[");
  ASSERT_NE(start, std::string::npos);
  const std::string series = json->substr(start, json->find("]]", start) - start);
  int kept = 0;
  for (size_t at = series.find("[", 14); at != std::string::npos; at = series.find("[", at + 1)) ++kept;
  EXPECT_EQ(kept, 10) << series;
  EXPECT_TRUE(absl::StrContains(series, "[[0,1.0]")) << series;  // The shortest text that reads back exactly.
  EXPECT_TRUE(absl::EndsWith(series, "[999,0.001")) << series;  // Up to the closing "]]".
  EXPECT_EQ(ReportJson(*t.store, {t.ids[1]}, -1).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace facerec::report
