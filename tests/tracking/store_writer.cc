// Test helper: a separate process that writes to an experiment store, so the
// tests can run several at once, SIGKILL one mid-transaction or SIGTERM one
// holding an active Run.
//
//   store_writer --db=F --points=N --batch=B            write N metric points, finish
//   store_writer --db=F --points=N --batch=B --hold     then start a transaction,
//                                                       insert more, print "holding", sleep
//   store_writer --db=F --points=N --batch=B --wait_for_signal
//                                                       use tracking::Run, print "ready", sleep
#include <unistd.h>

#include <cstdio>
#include <string>

#include "facerec/core/status_macros.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(db, "", "Experiment store path.");
DEFINE_int32(points, 1000, "Metric points to write and commit.");
DEFINE_int32(batch, 100, "Points per transaction.");
DEFINE_string(name, "writer", "Run name.");
DEFINE_bool(hold, false, "After committing, hold an open transaction with more rows.");
DEFINE_bool(wait_for_signal, false, "Use tracking::Run and wait to be signalled.");

using facerec::tracking::ExperimentStore;
using facerec::tracking::MetricPoint;

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  google::InitGoogleLogging(argv[0]);
  auto store = ExperimentStore::Open(FLAGS_db);
  CHECK(store.ok()) << store.status();
  facerec::tracking::RunOptions options;
  options.experiment = "concurrency";
  options.name = FLAGS_name;
  options.params = {{"points", std::to_string(FLAGS_points)}};

  if (FLAGS_wait_for_signal) {
    facerec::tracking::Run::Options run_options;
    run_options.flush_every = FLAGS_batch;
    auto run = facerec::tracking::Run::Start(store->get(), options, run_options);
    CHECK(run.ok()) << run.status();
    // FLAGS_points points, flush_every = batch: the tail stays buffered until
    // the signal handler flushes it.
    for (int i = 0; i < FLAGS_points; ++i) FACEREC_CHECK_OK((*run)->LogMetric("loss", i, 1.0 / (i + 1)));
    std::printf("ready\n");
    std::fflush(stdout);
    while (true) pause();
  }

  auto run_id = (*store)->StartRun(options);
  CHECK(run_id.ok()) << run_id.status();
  std::vector<MetricPoint> batch;
  for (int i = 0; i < FLAGS_points; ++i) {
    batch.push_back({"loss", i, static_cast<double>(i)});
    if (static_cast<int>(batch.size()) == FLAGS_batch || i + 1 == FLAGS_points) {
      FACEREC_CHECK_OK((*store)->LogMetrics(*run_id, batch));
      batch.clear();
    }
  }
  if (FLAGS_hold) {
    auto& db = (*store)->database();
    FACEREC_CHECK_OK(db.Execute("BEGIN IMMEDIATE"));
    for (int i = 0; i < 500; ++i) {
      FACEREC_CHECK_OK(db.Execute(
          "INSERT INTO metrics(run_id, key, step, timestamp_ms, value) VALUES (" +
          std::to_string(*run_id) + ", 'uncommitted', " + std::to_string(i) + ", 0, 1.0)"));
    }
    std::printf("holding\n");
    std::fflush(stdout);
    while (true) pause();
  }
  FACEREC_CHECK_OK((*store)->FinishRun(*run_id, facerec::tracking::RunStatus::kFinished));
  return 0;
}
