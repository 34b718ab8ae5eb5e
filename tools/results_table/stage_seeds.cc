// Results section: a stage trained over seeds (train_landmarks --seeds,
// train_detector --seeds), from its summary run (pipeline/seed_intervals.h).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"
#include "tools/markdown_table.h"
#include "tools/results_table.h"

namespace facerec::tools {
namespace {

struct Stats {
  double mean = 0, stddev = 0, low = 0, high = 0, units = 0, seeds = 0, estimate = 0;
  bool has_difference = false;
  double difference = 0, difference_low = 0, difference_high = 0;
};

}  // namespace

absl::StatusOr<std::string> StageSeedsMarkdown(tracking::ExperimentStore& store, const StageSeedsSection& section) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(section.experiment));
  const tracking::RunRecord* newest = nullptr;
  for (const tracking::RunRecord& run : runs) {  // Newest first.
    if (run.name == section.run_name && run.status == tracking::RunStatus::kFinished) {
      newest = &run;
      break;
    }
  }
  if (newest == nullptr) {
    return absl::NotFoundError(absl::StrCat("no finished ", section.run_name, " run in ", store.path(), " (",
                                            section.how_to_make, ")"));
  }
  FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(newest->id));
  FACEREC_ASSIGN_OR_RETURN(const auto points, store.GetMetrics(newest->id));
  // <variant>/<set>/<metric>/<stat> and difference/<variant>-<first>/<set>/<metric>/<stat>.
  std::map<std::vector<std::string>, Stats> rows;
  std::map<std::vector<std::string>, int64_t> place;  // The step: the row's place when recorded.
  std::string first_variant;
  for (const tracking::MetricPoint& p : points) {
    std::vector<std::string> parts = absl::StrSplit(p.key, '/');
    const bool difference = parts.size() == 5 && parts[0] == "difference";
    if (!difference && parts.size() != 4) continue;
    if (difference) {
      parts.erase(parts.begin());
      const size_t dash = parts[0].rfind('-');
      if (dash == std::string::npos) continue;
      first_variant = parts[0].substr(dash + 1);
      parts[0] = parts[0].substr(0, dash);
    }
    const std::string stat = parts.back();
    parts.pop_back();
    place.emplace(parts, p.step);
    Stats& s = rows[parts];
    if (difference) {
      s.has_difference = true;
      if (stat == "estimate") s.difference = p.value;
      if (stat == "low") s.difference_low = p.value;
      if (stat == "high") s.difference_high = p.value;
      continue;
    }
    if (stat == "mean") s.mean = p.value;
    if (stat == "std") s.stddev = p.value;
    if (stat == "low") s.low = p.value;
    if (stat == "high") s.high = p.value;
    if (stat == "units") s.units = p.value;
    if (stat == "seeds") s.seeds = p.value;
  }
  // As recorded: the reference variant first, then each variant's sets and
  // metrics in the order measured.
  std::vector<std::vector<std::string>> order;
  for (const auto& [key, stats] : rows) order.push_back(key);
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) { return place[a] < place[b]; });
  std::vector<std::string> variants;
  for (const auto& key : order) {
    if (std::find(variants.begin(), variants.end(), key[0]) == variants.end()) variants.push_back(key[0]);
  }
  std::stable_partition(variants.begin(), variants.end(),
                        [&](const std::string& v) { return v == first_variant || first_variant.empty(); });
  const double scale = section.percent ? 100 : 1;
  auto number = [&](double x) {
    return section.percent ? absl::StrFormat("%.2f", scale * x) : absl::StrFormat("%.3f", x);
  };
  const std::string confidence = params.count("bootstrap_confidence")
                                     ? absl::StrCat(100 * std::stod(params.at("bootstrap_confidence")), " %")
                                     : "95 %";
  MarkdownTable table({"variant", "set", "metric", section.unit, "seeds", "mean ± std over seeds",
                       confidence + " interval over " + section.unit,
                       absl::StrCat("difference from ", first_variant.empty() ? "–" : first_variant, " [interval]")});
  for (const std::string& variant : variants) {
    for (const auto& key : order) {
      if (key[0] != variant) continue;
      const Stats& s = rows.at(key);
      std::string difference = "–";
      if (s.has_difference) {
        const bool excludes_zero = s.difference_low > 0 || s.difference_high < 0;
        difference = absl::StrCat(number(s.difference), " [", number(s.difference_low), ", ",
                                  number(s.difference_high), "]",
                                  excludes_zero ? " **differs**" : " no measurable difference");
      }
      table.AddRow({variant, key[1], section.percent ? key[2] + " %" : key[2], absl::StrFormat("%.0f", s.units),
                    absl::StrFormat("%.0f", s.seeds), absl::StrCat(number(s.mean), " ± ", number(s.stddev)),
                    absl::StrCat("[", number(s.low), ", ", number(s.high), "]"), difference});
    }
  }
  std::vector<std::string> seed_runs;
  for (const auto& [key, value] : params) {
    if (absl::StartsWith(key, "run/seed")) seed_runs.push_back(absl::StrCat(key.substr(8), ": ", value.substr(0, 8)));
  }
  return absl::StrCat(
      "Run ", newest->uid.substr(0, 8), " (code ", newest->code_version, "; seeds ",
      absl::StrJoin(seed_runs, ", "), "; bootstrap ",
      params.count("bootstrap_replicates") ? params.at("bootstrap_replicates") : "?", " replicates; threads ",
      params.count("threads") ? params.at("threads") : "?", ").\n\n", table.ToString(), "\n", section.legend,
      " mean ± std: over the seeds, each net scored on every ", section.unit,
      "; interval: percentile bootstrap over the ", section.unit,
      " of the seeds' mean; difference: the variant minus ", first_variant,
      " on the same nets, seeds and resamples, **differs** where its interval excludes 0.\n\nProduced by:\n\n    ",
      newest->command_line, "\n");
}

}  // namespace facerec::tools
