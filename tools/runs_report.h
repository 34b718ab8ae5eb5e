// Text and CSV views of the experiment store, behind the `runs` CLI.
//
//   FACEREC_ASSIGN_OR_RETURN(std::string text, ListRunsText(*store, "compare_losses", 20));
//   FACEREC_ASSIGN_OR_RETURN(std::string text, CompareRunsText(*store, {3, 4, 5}));
//   FACEREC_ASSIGN_OR_RETURN(std::string csv, ExportCsv(*store, {3, 4}, "metrics"));
//
// Every function only reads, except that listing first marks runs of dead
// processes KILLED (ExperimentStore::MarkStaleRunsKilled), so a crashed run
// never shows as RUNNING forever.
#ifndef FACEREC_TOOLS_RUNS_REPORT_H_
#define FACEREC_TOOLS_RUNS_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::tools {

// Columns padded to their widest cell; the first row is the header.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

// Whether a metric measures time rather than a result ("train/seconds",
// "train/images_per_second", "eval/afw/ms_per_photo"): never expected to
// agree between two runs, so never a reason to look at the numerics facts.
bool IsTimingMetric(const std::string& key);

absl::StatusOr<std::string> ListRunsText(tracking::ExperimentStore& store,
                                         const std::string& experiment, int limit);
// The run record, params, tags, last value of each metric, evaluations, artifacts.
absl::StatusOr<std::string> ShowRunText(tracking::ExperimentStore& store, int64_t run_id);
// Side by side: header fields, params, last metric values and TPR per
// (dataset, protocol, target FPR), each row marked '*' where the runs differ;
// where any number differs, also the numerics facts each run recorded
// (core/numerics_facts.h: CPU, kernels, library versions, threads).
absl::StatusOr<std::string> CompareRunsText(tracking::ExperimentStore& store,
                                            const std::vector<int64_t>& run_ids);
// `what`: "runs", "params", "metrics" or "evaluations"; one row per record
// with the run id first. InvalidArgumentError naming `what` otherwise.
absl::StatusOr<std::string> ExportCsv(tracking::ExperimentStore& store,
                                      const std::vector<int64_t>& run_ids,
                                      const std::string& what);

}  // namespace facerec::tools

#endif  // FACEREC_TOOLS_RUNS_REPORT_H_
