#include "facerec/pipeline/seed_intervals.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/core/status_macros.h"

namespace facerec::pipeline {

absl::Status SeedIntervals::Add(const std::string& variant, const std::string& set, const std::string& metric,
                                int32_t units, metrics::UnitStatistic statistic) {
  for (Entry& e : entries_) {
    if (e.set == set && e.units != units) {
      return absl::InvalidArgumentError(absl::StrCat("set ", set, " has ", e.units, " units in variant ", e.variant,
                                                     " but ", units, " in ", variant));
    }
  }
  for (Entry& e : entries_) {
    if (e.variant == variant && e.set == set && e.metric == metric) {
      e.seeds.push_back(std::move(statistic));
      return absl::OkStatus();
    }
  }
  entries_.push_back({variant, set, metric, units, {std::move(statistic)}});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SeedIntervalRow>> SeedIntervals::Summarise() const {
  FACEREC_RETURN_IF_ERROR(metrics::ValidateBootstrapOptions(options_));
  if (entries_.empty()) return absl::FailedPreconditionError("no seed measured");
  const std::string& first_variant = entries_.front().variant;
  std::vector<SeedIntervalRow> rows;
  for (const Entry& e : entries_) {
    SeedIntervalRow row{e.variant, e.set, e.metric, e.units};
    FACEREC_ASSIGN_OR_RETURN(row.value, metrics::BootstrapSeedMean(e.units, e.seeds, options_));
    if (e.variant != first_variant) {
      for (const Entry& reference : entries_) {
        if (reference.variant != first_variant || reference.set != e.set || reference.metric != e.metric) continue;
        if (reference.seeds.size() != e.seeds.size()) {
          return absl::InvalidArgumentError(absl::StrCat(e.variant, " has ", e.seeds.size(), " seeds on ", e.set,
                                                         ", ", first_variant, " has ", reference.seeds.size()));
        }
        FACEREC_ASSIGN_OR_RETURN(row.difference, metrics::BootstrapSeedMeanDifference(e.units, e.seeds,
                                                                                      reference.seeds, options_));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string SeedIntervalTable(const std::vector<SeedIntervalRow>& rows, bool percent) {
  const double scale = percent ? 100 : 1;
  auto value = [&](double x) { return percent ? absl::StrFormat("%.2f", scale * x) : absl::StrFormat("%.3f", x); };
  std::string out = absl::StrFormat("%-18s %-18s %-13s %6s %5s %17s %19s %31s\n", "variant", "set", "metric", "units",
                                    "seeds", "mean ± std", "interval", "difference [interval]");
  for (const SeedIntervalRow& r : rows) {
    std::string difference = "";
    if (r.difference) {
      difference = absl::StrCat(value(r.difference->mean), " [", value(r.difference->low), ", ",
                                value(r.difference->high), "]", r.difference->ExcludesZero() ? " *" : "");
    }
    absl::StrAppend(&out, absl::StrFormat("%-18s %-18s %-13s %6d %5d %17s %19s %31s\n", r.variant, r.set, r.metric,
                                          r.units, r.value.seeds,
                                          absl::StrCat(value(r.value.mean), " ± ", value(r.value.stddev)),
                                          absl::StrCat("[", value(r.value.low), ", ", value(r.value.high), "]"),
                                          difference));
  }
  absl::StrAppend(&out, percent ? "Values in %. " : "",
                  "mean ± std over seeds; interval: bootstrap over the set's units of the seeds' mean; "
                  "difference: from the first variant, same seeds and resamples, * where its interval excludes 0.\n");
  return out;
}

absl::Status RecordSeedIntervals(const std::vector<SeedIntervalRow>& rows,
                                 const metrics::BootstrapOptions& options, tracking::Run* run) {
  FACEREC_RETURN_IF_ERROR(run->LogParams({
      {"bootstrap_replicates", absl::StrCat(options.replicates)},
      {"bootstrap_confidence", absl::StrFormat("%g", options.confidence)},
      {"bootstrap_seed", absl::StrCat(options.seed)},
  }));
  const std::string first_variant = rows.empty() ? "" : rows.front().variant;
  // Each row's metrics at step = its place in `rows`, so a reader of the
  // store can show the rows in the order they were measured.
  for (size_t i = 0; i < rows.size(); ++i) {
    const SeedIntervalRow& r = rows[i];
    const auto step = static_cast<int64_t>(i);
    const std::string key = absl::StrCat(r.variant, "/", r.set, "/", r.metric);
    FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/mean", step, r.value.mean));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/std", step, r.value.stddev));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/low", step, r.value.low));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/high", step, r.value.high));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/units", step, r.units));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/seeds", step, r.value.seeds));
    if (!r.difference) continue;
    const std::string d = absl::StrCat("difference/", r.variant, "-", first_variant, "/", r.set, "/", r.metric);
    FACEREC_RETURN_IF_ERROR(run->LogMetric(d + "/estimate", step, r.difference->mean));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(d + "/std", step, r.difference->stddev));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(d + "/low", step, r.difference->low));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(d + "/high", step, r.difference->high));
  }
  return run->Flush();
}

}  // namespace facerec::pipeline
