// The runs a report shows, chosen from an experiment store and written as
// one JSON document for the report page (report/html_report.h): each run's
// record, params, tags, metric series (thinned to a few hundred points per
// key, as the run export thins them) and evaluations.
//
//   facerec::report::RunSelection selection;
//   selection.comparison = "quick-1796...";   // or .experiment, or .runs
//   FACEREC_ASSIGN_OR_RETURN(std::vector<int64_t> ids, SelectRuns(*store, selection));
//   FACEREC_ASSIGN_OR_RETURN(std::string json, ReportJson(*store, ids, /*max_points_per_series=*/300));
//
// The JSON (all numbers finite or null; strings escaped so the text may sit
// inside an HTML <script> element):
//   {"runs": [{"uid", "experiment", "name", "status", "start_ms", "end_ms",
//              "code_version", "config_hash", "seed", "command_line", "error",
//              "params": {k: v}, "tags": {k: v},
//              "metrics": {key: [[step, value], ...]},
//              "evaluations": [[dataset, protocol, target_fpr, tpr, threshold], ...]}]}
//
// Thread-safety: functions of their arguments; the store is thread-safe.
#ifndef FACEREC_REPORT_REPORT_DATA_H_
#define FACEREC_REPORT_REPORT_DATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::report {

// Which runs. The selectors combine as a union; with none set, the newest
// `limit` runs of the store. Runs come newest first, each once.
struct RunSelection {
  // Uids or unique prefixes of at least 8 hex digits. Default none.
  std::vector<std::string> runs;
  // Every run of this experiment ("compare_losses"). Default none.
  std::string experiment;
  // Every run tagged comparison=<this> (compare_losses' runs and their
  // seeds' summary). Default none.
  std::string comparison;
  // Every run tagged sweep=<this>: the points of experiments:sweep. Default
  // none.
  std::string sweep;
  // At most this many runs per experiment/comparison/sweep/whole-store selector.
  // Default 1000.
  int limit = 1000;
};

// The store's ids of the selected runs. NotFoundError naming a uid the store
// lacks, an experiment or a comparison without runs; InvalidArgumentError
// for a malformed or ambiguous uid.
absl::StatusOr<std::vector<int64_t>> SelectRuns(tracking::ExperimentStore& store,
                                                const RunSelection& selection);

// The document described above for these runs, in this order.
// `max_points_per_series` as tracking::ExportOptions (0 = every point).
absl::StatusOr<std::string> ReportJson(tracking::ExperimentStore& store,
                                       const std::vector<int64_t>& run_ids,
                                       int max_points_per_series);

// `text` as a JSON string literal, quotes included; "</" is written "<\/" so
// the literal cannot end an HTML script element.
std::string JsonString(absl::string_view text);

}  // namespace facerec::report

#endif  // FACEREC_REPORT_REPORT_DATA_H_
