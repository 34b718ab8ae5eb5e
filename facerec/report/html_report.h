// The report page: one self-contained HTML file (opens from disk; no
// network, no server) that shows a report document (report/report_data.h)
// with Chart.js, the copy Debian's libjs-chart.js installs (tools/bazel
// installs the package), inlined into the page.
//
//   FACEREC_ASSIGN_OR_RETURN(std::string json, ReportJson(*store, ids, 300));
//   ReportPageOptions page;
//   page.title = "quick comparison";
//   FACEREC_ASSIGN_OR_RETURN(std::string html, ReportHtml(json, page));
//
// What the page holds, each part only when the runs have its data:
//   - the runs table: filter (every word typed must appear in the row or
//     the run's params), sort by any column (click its header), the params
//     that differ between the runs as columns, one chosen final metric;
//     clicking a row shows that run's params, final metrics and curves;
//   - curves: any metric series of the runs the table shows, overlaid,
//     against step or epoch;
//   - ROC curves (evaluations "id_rate_roc"), TPR@FPR with the seeds'
//     bootstrap intervals and the paired differences (experiment
//     loss_comparison), the landmark CED ("nme_ced"), detection
//     precision-recall ("eval/<set>/pr/..."), attack success against ε
//     ("attack/..."), and parallel coordinates of the numeric params that
//     differ between the shown runs against a chosen metric (sweeps).
// Every chart but the table follows the table's filter.
//
// Live (ReportLiveHtml, for tools:serve): the page holds no data; it fetches
// the document from a URL, and the model registry from another, then polls
// a version URL and redraws when the store changed, keeping what the reader
// chose (filter, sort, the selected run, each chart's choices). A page
// opened as /#run=UID shows that run's details, its curves growing while it
// trains. With a registry, a section lists its models (versions, aliases,
// metrics).
//
// Opened as report.html#selfcheck=WORDS the page, once drawn, types WORDS
// into the filter and writes what it saw into <pre id="selfcheck"> as JSON
// ({"charts": [{"id", "drawn"}], "rows", "rows_after_filter",
// "filter_rows_match", "errors": [...]}), for tests in a headless browser.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_REPORT_HTML_REPORT_H_
#define FACEREC_REPORT_HTML_REPORT_H_

#include <string>

#include "absl/status/statusor.h"

namespace facerec::report {

// Chart.js 3 (UMD build) as Debian's libjs-chart.js installs it.
inline constexpr char kDebianChartJs[] = "/usr/share/javascript/chart.js/chart.min.js";

struct ReportPageOptions {
  // The page's title and heading. Default "facerec runs".
  std::string title = "facerec runs";
  // Chart.js to inline. Default kDebianChartJs.
  std::string chart_js_path = kDebianChartJs;
};

// The page for `report_json` (ReportJson's output, inserted as is).
// NotFoundError naming chart_js_path and the Debian package when it cannot
// be read.
absl::StatusOr<std::string> ReportHtml(const std::string& report_json,
                                       const ReportPageOptions& options);

// Where a live page gets its data (paths on the page's own server).
struct ReportLiveSource {
  std::string report_url;   // The report document (report_data.h).
  std::string models_url;   // {"models": [...]}; empty: no registry section.
  std::string version_url;  // {"version": "..."}, changing with the store.
  int poll_ms = 2000;       // Default 2000.
};

// The live page for `source`. Errors as ReportHtml.
absl::StatusOr<std::string> ReportLiveHtml(const ReportLiveSource& source, const ReportPageOptions& options);

}  // namespace facerec::report

#endif  // FACEREC_REPORT_HTML_REPORT_H_
