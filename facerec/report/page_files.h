// The report page's own parts (facerec/report/page/*.html, .css, .js),
// embedded at build time by the genrule //facerec/report:page_files: real
// files that editors, linters and the headless-browser test read as what
// they are; ReportHtml (html_report.h) puts them around the data.
//
//   std::string page = absl::StrCat("<style>", page::kReportCss, "</style>");
//
// Thread-safety: constants.
#ifndef FACEREC_REPORT_PAGE_FILES_H_
#define FACEREC_REPORT_PAGE_FILES_H_

namespace facerec::report::page {

extern const char kReportCss[];    // page/report.css: the page's style.
extern const char kErrorTrapJs[];  // page/error_trap.js: counts errors for #selfcheck; runs first.
extern const char kBodyHtml[];     // page/body.html: the sections' markup.
extern const char kReportJs[];     // page/report.js: the table, the charts and #selfcheck.

}  // namespace facerec::report::page

#endif  // FACEREC_REPORT_PAGE_FILES_H_
