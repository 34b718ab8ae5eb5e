// What the live dashboard reads from an experiment store: the report
// document of report/report_data.h for a selection of runs, the model
// registry, and a cheap marker that changes whenever the store does (so a
// page polls the marker and fetches the document only after a change).
//
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<DashboardData> data, DashboardData::Open("results.db"));
//   FACEREC_ASSIGN_OR_RETURN(std::string marker, data->Version());
//   report::RunSelection selection;                 // newest runs
//   FACEREC_ASSIGN_OR_RETURN(std::string json, data->ReportJson(selection));
//
// The store is opened by path and read as training processes write it
// (SQLite WAL: readers never block the writer).
//
// Thread-safety: thread-safe (calls are serialised on one connection).
#ifndef FACEREC_SERVE_DASHBOARD_DATA_H_
#define FACEREC_SERVE_DASHBOARD_DATA_H_

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "facerec/report/report_data.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::serve {

class DashboardData {
 public:
  // The store's own errors (it is created when missing, as every tool does).
  static absl::StatusOr<std::unique_ptr<DashboardData>> Open(const std::string& store_path);

  // Changes whenever a run starts, logs, finishes, or a model or alias is
  // registered: "<runs>.<last metric row>.<finished runs>.<last evaluation>.<models>.<aliases>".
  absl::StatusOr<std::string> Version();
  // report::ReportJson of the selected runs, at most `max_points_per_series`
  // points per series. The selection's errors (an unknown uid: NotFoundError).
  absl::StatusOr<std::string> ReportJson(const report::RunSelection& selection, int max_points_per_series);
  // {"models": [{"name", "version", "kind", "aliases", "sha256", "run_uid",
  //   "size_bytes", "created_ms", "description", "metrics": {k: v}}]}.
  absl::StatusOr<std::string> ModelsJson();

 private:
  explicit DashboardData(std::unique_ptr<tracking::ExperimentStore> store) : store_(std::move(store)) {}
  std::mutex mutex_;
  std::unique_ptr<tracking::ExperimentStore> store_;
};

}  // namespace facerec::serve

#endif  // FACEREC_SERVE_DASHBOARD_DATA_H_
