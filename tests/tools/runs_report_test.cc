#include "tools/runs_report.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace facerec::tools {
namespace {

using tracking::ExperimentStore;
using tracking::RunOptions;
using tracking::RunStatus;

class RunsReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = ::testing::TempDir() + "/runs_report.db";
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    auto store = ExperimentStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    for (const auto& [loss, tpr] : {std::make_pair("ce", 0.70), std::make_pair("arcface", 0.55)}) {
      RunOptions options;
      options.experiment = "compare_losses";
      options.name = loss;
      options.params = {{"loss", loss}, {"lr", "0.1"}, {"note", "a, \"quoted\" value"}};
      auto id = store_->StartRun(options);
      ASSERT_TRUE(id.ok());
      ASSERT_TRUE(store_->LogMetrics(*id, {{"loss", 1, 5.0}, {"loss", 2, 1.5}}).ok());
      ASSERT_TRUE(store_->LogEvaluation(*id, {"celeba_ir", "id_rate", 0.1, tpr}).ok());
      ASSERT_TRUE(store_->FinishRun(*id, RunStatus::kFinished).ok());
    }
  }
  std::unique_ptr<ExperimentStore> store_;
};

TEST_F(RunsReportTest, ListShowsEveryRunNewestFirst) {
  auto text = ListRunsText(*store_, "", 10);
  ASSERT_TRUE(text.ok()) << text.status();
  const size_t arcface = text->find("arcface");
  const size_t ce = text->find(" ce ");
  ASSERT_NE(arcface, std::string::npos) << *text;
  ASSERT_NE(ce, std::string::npos) << *text;
  EXPECT_LT(arcface, ce);
  EXPECT_NE(text->find("FINISHED"), std::string::npos);
}

TEST_F(RunsReportTest, ShowHasParamsLastMetricAndEvaluation) {
  auto text = ShowRunText(*store_, 1);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("lr"), std::string::npos);
  EXPECT_NE(text->find("1.5"), std::string::npos) << *text;   // Last loss, not the first.
  EXPECT_EQ(text->find(" 5 "), std::string::npos) << *text;
  EXPECT_NE(text->find("0.7"), std::string::npos);
  EXPECT_EQ(ShowRunText(*store_, 42).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RunsReportTest, CompareMarksDifferingParamsAndAlignsTpr) {
  auto text = CompareRunsText(*store_, {1, 2});
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("* param loss"), std::string::npos) << *text;
  EXPECT_NE(text->find("  param lr"), std::string::npos) << *text;
  const size_t tpr_row = text->find("TPR celeba_ir id_rate @FPR 0.1");
  ASSERT_NE(tpr_row, std::string::npos) << *text;
  const std::string row = text->substr(tpr_row, text->find('\n', tpr_row) - tpr_row);
  EXPECT_LT(row.find("0.7"), row.find("0.55")) << row;
}

TEST_F(RunsReportTest, CompareShowsTheMachineFactsWhereTheNumbersDiffer) {
  ASSERT_TRUE(store_->SetTag(1, "numerics/openblas_core", "SkylakeX").ok());
  ASSERT_TRUE(store_->SetTag(2, "numerics/openblas_core", "Haswell").ok());
  ASSERT_TRUE(store_->SetTag(1, "numerics/threads", "2").ok());
  ASSERT_TRUE(store_->SetTag(2, "numerics/threads", "2").ok());
  auto text = CompareRunsText(*store_, {1, 2});  // TPR 0.7 against 0.55.
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("* TPR celeba_ir id_rate @FPR 0.1"), std::string::npos) << *text;
  const size_t core_row = text->find("* numerics openblas_core");
  ASSERT_NE(core_row, std::string::npos) << *text;
  const std::string row = text->substr(core_row, text->find('\n', core_row) - core_row);
  EXPECT_LT(row.find("SkylakeX"), row.find("Haswell")) << row;
  EXPECT_NE(text->find("  numerics threads"), std::string::npos) << *text;
}

TEST_F(RunsReportTest, CompareLeavesTheMachineFactsOutWhereTheNumbersAgree) {
  ASSERT_TRUE(store_->SetTag(1, "numerics/openblas_core", "SkylakeX").ok());
  auto text = CompareRunsText(*store_, {1, 1});
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->find("numerics"), std::string::npos) << *text;
}

TEST_F(RunsReportTest, ATimingThatDiffersIsMarkedButDoesNotCallForTheMachineFacts) {
  // Two runs with equal results but different training times.
  std::vector<int64_t> ids;
  for (double seconds : {60.0, 75.0}) {
    RunOptions options;
    options.experiment = "compare_losses";
    options.name = "ce";
    auto id = store_->StartRun(options);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store_->LogMetrics(*id, {{"loss", 1, 1.5}, {"train/seconds", 0, seconds}}).ok());
    ASSERT_TRUE(store_->SetTag(*id, "numerics/threads", "2").ok());
    ASSERT_TRUE(store_->FinishRun(*id, RunStatus::kFinished).ok());
    ids.push_back(*id);
  }
  auto text = CompareRunsText(*store_, ids);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("* last train/seconds"), std::string::npos) << *text;
  EXPECT_EQ(text->find("numerics"), std::string::npos) << *text;
  EXPECT_TRUE(IsTimingMetric("eval/afw/ms_per_photo"));
  EXPECT_FALSE(IsTimingMetric("eval/afw/ap"));
}

TEST_F(RunsReportTest, CompareKeepsEveryCedPointApart) {
  // A landmark run logs one nme_ced row per NME threshold, without a target FPR.
  for (int64_t run : {1, 2}) {
    for (int i = 0; i <= 60; ++i) {
      tracking::Evaluation e;
      e.dataset = "mtfl_test";
      e.protocol = "nme_ced";
      e.threshold = i / 600.0;
      e.tpr = run == 1 ? i / 60.0 : i / 120.0;
      ASSERT_TRUE(store_->LogEvaluation(run, e).ok());
    }
  }
  auto text = CompareRunsText(*store_, {1, 2});
  ASSERT_TRUE(text.ok()) << text.status();
  size_t rows = 0;
  for (size_t at = text->find("value mtfl_test nme_ced @"); at != std::string::npos;
       at = text->find("value mtfl_test nme_ced @", at + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, 61u) << *text;
  EXPECT_EQ(text->find("TPR mtfl_test"), std::string::npos) << "a CED point is not a TPR";
}

TEST_F(RunsReportTest, ExportsQuotedCsv) {
  auto csv = ExportCsv(*store_, {1}, "params");
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_EQ(*csv,
            "run_id,key,value\n"
            "1,loss,ce\n"
            "1,lr,0.1\n"
            "1,note,\"a, \"\"quoted\"\" value\"\n");
  auto metrics = ExportCsv(*store_, {1, 2}, "metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(std::count(metrics->begin(), metrics->end(), '\n'), 5);  // Header + 4 points.
  auto bad = ExportCsv(*store_, {1}, "bogus");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bogus"), std::string::npos);
}

TEST(FormatTableTest, PadsColumns) {
  EXPECT_EQ(FormatTable({{"a", "bb"}, {"ccc", "d"}}), "a    bb\nccc  d\n");
}

}  // namespace
}  // namespace facerec::tools
