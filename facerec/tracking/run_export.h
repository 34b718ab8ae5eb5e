// Runs as text: a small, diff-friendly export of whole runs (the run row,
// params, tags, metric series, evaluations, artifact records; never the
// artifacts' files) that moves runs between stores and lives in git beside
// the documents that cite them.
//
//   FACEREC_ASSIGN_OR_RETURN(std::string text, ExportRuns(*store, {12, 13}));
//   // ... write it, commit it; elsewhere:
//   FACEREC_ASSIGN_OR_RETURN(std::vector<ExportedRun> runs, ParseRunExport("runs.tsv", text));
//   FACEREC_ASSIGN_OR_RETURN(ImportSummary summary, ImportRuns(*other_store, runs));
//
// Format: UTF-8 text, one record per line, fields separated by tabs, each
// field escaped (\\ \t \n \r), the first line a header naming the format.
// Every record starts with its run's uid, so a run's lines stay together and
// a diff shows which run changed:
//   <uid> run <experiment> <name> <status> <start_ms> <end_ms> <heartbeat_ms>
//             <code_version> <config_hash> <dataset_fingerprint> <seed>
//             <command_line> <host> <pid> <error>
//   <uid> param <key> <value>
//   <uid> tag <key> <value>
//   <uid> metric <key> <step> <timestamp_ms> <value>        (value "nan" for NaN)
//   <uid> evaluation <dataset> <protocol> <target_fpr> <tpr> <threshold>
//             <positive_pairs> <false_pairs>                (empty = none)
//   <uid> artifact <kind> <path> <sha256> <size_bytes>
//   <uid> model <name> <version> <kind> <sha256> <path> <size_bytes>
//             <created_ms> <description>      (registry rows of models the
//                                              run trained: model_registry.h)
//   <uid> model_metric <name> <version> <key> <value>
//   <uid> model_alias <name> <version> <alias>
// Numbers are written in the shortest form that reads back to the same
// double, so export -> import -> export gives the same bytes.
//
// Thread-safety: functions of their arguments; the store is thread-safe.
#ifndef FACEREC_TRACKING_RUN_EXPORT_H_
#define FACEREC_TRACKING_RUN_EXPORT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/model_registry.h"

namespace facerec::tracking {

inline constexpr char kRunExportHeader[] = "# facerec runs export, format 1";

struct ExportedRun {
  RunRecord run;
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> tags;
  std::vector<MetricPoint> metrics;
  std::vector<Evaluation> evaluations;
  std::vector<ArtifactRecord> artifacts;
  std::vector<RegisteredModel> models;  // Registered from this run.
};

struct ExportOptions {
  // At most this many points per metric series (a key of a run), evenly
  // spaced over the series with its first and last point kept; 0 = every
  // point. A per-step loss of a long run has thousands of points, and a
  // curve in a document needs a few hundred. Default 0.
  int max_points_per_series = 0;
};

// The runs with these ids (this store's numbers), in that order.
absl::StatusOr<std::string> ExportRuns(ExperimentStore& store, const std::vector<int64_t>& run_ids,
                                       const ExportOptions& options = {});

// The indices of `count` points kept when at most `max_points` may be (see
// ExportOptions): all of them when max_points is 0 or count <= max_points.
std::vector<size_t> EvenlySpacedIndices(size_t count, int max_points);

// Parses an export. `file` names it in errors: InvalidArgumentError
// "<file>:<line>: <what>" for a malformed line or a record of an unknown run.
absl::StatusOr<std::vector<ExportedRun>> ParseRunExport(absl::string_view file,
                                                        absl::string_view text);

struct ImportSummary {
  std::vector<int64_t> imported;      // New ids in the store, in export order.
  std::vector<std::string> skipped;   // Uids the store already had.
};

// Inserts every run the store does not have yet (by uid), each in one
// transaction; runs it has are skipped, so importing twice is harmless.
// Their registered models are inserted as ModelRegistry::Insert says (a
// name:version the store has for another file is an error).
absl::StatusOr<ImportSummary> ImportRuns(ExperimentStore& store,
                                         const std::vector<ExportedRun>& runs);

// A store in memory holding every run of the export file at `path` (read
// tools that take --export_file instead of --db). NotFoundError naming the
// file when it cannot be read; ParseRunExport's errors name it too.
absl::StatusOr<std::unique_ptr<ExperimentStore>> OpenExportAsStore(const std::string& path);

}  // namespace facerec::tracking

#endif  // FACEREC_TRACKING_RUN_EXPORT_H_
