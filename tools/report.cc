// report: the experiment store as one self-contained HTML page (runs table,
// curves, ROC, intervals over seeds, CED, detection PR, attack curves,
// parallel coordinates; report/html_report.h) that opens from disk.
//
//   tools/bazel run //tools:report -- --out=report.html
//   tools/bazel run //tools:report -- --out=report.html --comparison=quick-1796...
//   tools/bazel run //tools:report -- --out=report.html --experiment=evaluate_detectors --runs=979c97f2
//   tools/bazel run //tools:report -- --out=report.html --export_file=experiments/results_runs.tsv
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "facerec/core/data_root.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/status_macros.h"
#include "facerec/report/html_report.h"
#include "facerec/report/report_data.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run_export.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(db, "results.db", "Experiment store; relative to the workspace root.");
DEFINE_string(export_file, "",
              "Read the runs of this export (tools:runs export, e.g. experiments/results_runs.tsv) "
              "instead of --db.");
DEFINE_string(out, "", "The HTML file to write (required); relative to the workspace root.");
DEFINE_string(runs, "", "Comma-separated run uids (or 8+ digit prefixes) to show.");
DEFINE_string(experiment, "", "Show every run of this experiment.");
DEFINE_string(comparison, "", "Show every run tagged comparison=<this> (a compare_losses comparison).");
DEFINE_string(sweep, "", "Show every run tagged sweep=<this> (the points of experiments:sweep --name=<this>).");
DEFINE_int32(limit, 1000, "At most this many runs per selector (newest first).");
DEFINE_int32(max_points, 300, "At most this many points per metric series (0: all).");
DEFINE_string(title, "", "The page's title (default: what was selected).");

namespace facerec {
namespace {

absl::Status Main() {
  if (FLAGS_out.empty()) return absl::InvalidArgumentError("--out is required (e.g. --out=report.html)");
  if (FLAGS_limit < 1) return absl::InvalidArgumentError(absl::StrCat("--limit=", FLAGS_limit, ": must be >= 1"));
  if (FLAGS_max_points < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--max_points=", FLAGS_max_points, ": must be >= 0"));
  }
  absl::StatusOr<std::unique_ptr<tracking::ExperimentStore>> store =
      FLAGS_export_file.empty()
          ? tracking::ExperimentStore::Open(ResolveAgainstWorkspace(FLAGS_db).string())
          : tracking::OpenExportAsStore(ResolveAgainstWorkspace(FLAGS_export_file).string());
  if (!store.ok()) {
    return absl::Status(store.status().code(),
                        absl::StrCat(FLAGS_export_file.empty() ? "--db=" + FLAGS_db
                                                               : "--export_file=" + FLAGS_export_file,
                                     ": ", store.status().message()));
  }
  report::RunSelection selection;
  selection.runs = absl::StrSplit(FLAGS_runs, ',', absl::SkipWhitespace());
  for (const std::string& uid : selection.runs) {
    if (!tracking::IsRunUidPrefix(uid)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--runs: '", uid, "' is not a run uid (8 to 32 lowercase hex digits)"));
    }
  }
  selection.experiment = FLAGS_experiment;
  selection.comparison = FLAGS_comparison;
  selection.sweep = FLAGS_sweep;
  selection.limit = FLAGS_limit;
  FACEREC_ASSIGN_OR_RETURN(const std::vector<int64_t> ids, report::SelectRuns(**store, selection));
  if (ids.empty()) return absl::NotFoundError("no runs in the store");
  FACEREC_ASSIGN_OR_RETURN(const std::string json, report::ReportJson(**store, ids, FLAGS_max_points));

  report::ReportPageOptions page;
  std::vector<std::string> what;
  if (!FLAGS_comparison.empty()) what.push_back("comparison " + FLAGS_comparison);
  if (!FLAGS_sweep.empty()) what.push_back("sweep " + FLAGS_sweep);
  if (!FLAGS_experiment.empty()) what.push_back("experiment " + FLAGS_experiment);
  if (!FLAGS_runs.empty()) what.push_back("runs " + FLAGS_runs);
  page.title = !FLAGS_title.empty() ? FLAGS_title
               : what.empty()      ? "facerec runs"
                                   : "facerec: " + absl::StrJoin(what, ", ");
  FACEREC_ASSIGN_OR_RETURN(const std::string html, report::ReportHtml(json, page));
  const std::string out = ResolveAgainstWorkspace(FLAGS_out).string();
  std::ofstream file(out, std::ios::binary);
  file << html;
  file.close();
  if (!file) return absl::PermissionDeniedError(absl::StrCat("--out=", FLAGS_out, ": cannot write ", out));
  std::cout << "report: " << ids.size() << " runs, " << html.size() / 1024 << " KiB -> " << out << "\n";
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  gflags::SetUsageMessage(
      "Writes the experiment store's runs as one self-contained HTML page.\n"
      "Usage: report --out=report.html [--runs=UID,... | --experiment=NAME | --comparison=TAG | --sweep=NAME]");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  return facerec::ReportToolOutcome("report", facerec::Main());
}
