// Results section: the best loss retrained without the confirmed trash.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <optional>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"
#include "tools/markdown_table.h"
#include "tools/results_table.h"
#include "tools/results_table/common.h"

namespace facerec::tools {

using tracking::ExperimentStore;

absl::StatusOr<std::string> RetrainMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<CompareLossesRun> runs, FinishedCompareLossesRuns(store));
  const auto without_list = [](std::map<std::string, std::string> params) {
    params = tracking::WithoutExecutionParams(std::move(params));
    for (const char* key : {"exclude_sha256", "excluded_images"}) params.erase(key);
    return params;
  };
  std::vector<std::string> header = {"run", "excluded"};
  for (double fpr : kCourseFprs) header.push_back(absl::StrFormat("TPR@%g", fpr));
  header.push_back("val 1-NN");
  MarkdownTable table(std::move(header));
  for (const CompareLossesRun& after : runs) {
    if (after.param("exclude_sha256").empty()) continue;
    const std::map<std::string, std::string> same = without_list(after.params);
    // The control is the run the retrain was paired with: the same code version first (a later run of
    // the configuration, e.g. one seed of a --seeds summary, is another experiment), then the nearest in time.
    const auto distance = [&](const CompareLossesRun& r) {
      return std::make_pair(r.run.code_version != after.run.code_version,
                            std::abs(r.run.start_ms - after.run.start_ms));
    };
    const CompareLossesRun* before = nullptr;
    for (const CompareLossesRun& r : runs) {
      if (!r.param("exclude_sha256").empty() || without_list(r.params) != same) continue;
      if (before == nullptr || distance(r) < distance(*before)) before = &r;
    }
    std::vector<std::string> row = {
        absl::StrCat(before == nullptr ? std::string("(no run without the list)") : ShortUid(before->run), " → ",
                     ShortUid(after.run)),
        after.param("excluded_images")};
    const auto last_val = [&](const CompareLossesRun* r) -> absl::StatusOr<std::optional<double>> {
      if (r == nullptr) return std::optional<double>();
      FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::MetricPoint> val,
                               store.GetMetrics(r->run.id, "val/nn_accuracy"));
      return val.empty() ? std::optional<double>() : std::optional<double>(val.back().value);
    };
    for (double fpr : kCourseFprs) {
      std::optional<double> b;
      if (before != nullptr) {
        FACEREC_ASSIGN_OR_RETURN(b, IdRateAt(store, before->run.id, fpr));
      }
      FACEREC_ASSIGN_OR_RETURN(const std::optional<double> a, IdRateAt(store, after.run.id, fpr));
      row.push_back(absl::StrCat(Cell(b), " → ", Cell(a)));
    }
    FACEREC_ASSIGN_OR_RETURN(const std::optional<double> vb, last_val(before));
    FACEREC_ASSIGN_OR_RETURN(const std::optional<double> va, last_val(&after));
    row.push_back(absl::StrCat(Cell(vb), " → ", Cell(va)));
    table.AddRow(std::move(row));
  }
  if (table.empty()) {
    return absl::NotFoundError(absl::StrCat("no compare_losses run with an exclusion list in ", store.path(),
                                            " (compare_losses --exclude=<list>)"));
  }
  return absl::StrCat(
      "Retrained without the confirmed trash: the same configuration and seed with the images of an "
      "exclusion list left out of CelebA-500's splits (celebA_ir and LFW unchanged). celebA_ir TPR at "
      "each FPR and val 1-NN accuracy, before → after.\n\n",
      table.ToString());
}

}  // namespace facerec::tools
