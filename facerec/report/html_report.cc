#include "facerec/report/html_report.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "facerec/core/file_bytes.h"
#include "facerec/report/page_files.h"
#include "nlohmann/json.hpp"

namespace facerec::report {
namespace {

// JSON inside a <script> element: "</" would end the element.
std::string JsonScriptText(const std::string& json) { return absl::StrReplaceAll(json, {{"</", "<\\/"}}); }

std::string EscapeHtml(const std::string& text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

// The page around one data element: the report document itself, or where a
// live page fetches it.
absl::StatusOr<std::string> Page(const std::string& data_element, const ReportPageOptions& options) {
  absl::StatusOr<std::string> chart_js = ReadFileBytes(options.chart_js_path);
  if (!chart_js.ok()) {
    return absl::Status(chart_js.status().code(),
                        absl::StrCat(chart_js.status().message(),
                                     " (Chart.js: Debian package libjs-chart.js, which tools/bazel installs)"));
  }
  if (chart_js->find("</script") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.chart_js_path, " contains </script and cannot be inlined"));
  }
  // The page's own parts are files in report/page/, embedded at build time
  // (page_files.h); the error trap runs before anything else, so an error
  // anywhere (Chart.js included) is counted for #selfcheck.
  return absl::StrCat("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>",
                      EscapeHtml(options.title), "</title>\n<style>\n", page::kReportCss, "</style>\n<script>\n",
                      page::kErrorTrapJs, "</script>\n<script>\n", *chart_js,
                      "\n</script>\n", data_element, "</head>\n<body>\n<div id=\"report-root\">\n",
                      page::kBodyHtml, "</div>\n<script>\n", page::kReportJs, "</script>\n</body></html>\n");
}

}  // namespace

absl::StatusOr<std::string> ReportHtml(const std::string& report_json, const ReportPageOptions& options) {
  return Page(absl::StrCat("<script id=\"report-data\" type=\"application/json\">\n", report_json, "\n</script>\n"),
              options);
}

absl::StatusOr<std::string> ReportLiveHtml(const ReportLiveSource& source, const ReportPageOptions& options) {
  const std::string live = nlohmann::json{{"report", source.report_url},
                                          {"models", source.models_url},
                                          {"version", source.version_url},
                                          {"poll_ms", source.poll_ms}}
                               .dump();
  return Page(absl::StrCat("<script id=\"report-live\" type=\"application/json\">", JsonScriptText(live),
                           "</script>\n"),
              options);
}

}  // namespace facerec::report
