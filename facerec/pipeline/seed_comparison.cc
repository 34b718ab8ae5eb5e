#include "facerec/pipeline/seed_comparison.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "facerec/core/status_macros.h"

namespace facerec::pipeline {
namespace {

std::string FprKey(const char* what, double fpr) { return absl::StrCat(what, "@", absl::StrFormat("%g", fpr)); }

// Every scalar metric of a run, in table order; absent heads are left out.
std::vector<std::pair<std::string, double>> ScalarMetrics(const RecognitionResult& r) {
  std::vector<std::pair<std::string, double>> out;
  for (const metrics::RocPoint& p : r.id_rate.points) out.push_back({FprKey("tpr", p.target_fpr), p.tpr});
  for (const metrics::RocPoint& p : r.open_set.points) out.push_back({FprKey("tpir", p.target_fpr), p.tpr});
  if (r.val_accuracy) out.push_back({"val_accuracy", *r.val_accuracy});
  if (r.test_accuracy) out.push_back({"test_accuracy", *r.test_accuracy});
  out.push_back({"val_centroid_accuracy", r.val_centroid_accuracy});
  out.push_back({"test_centroid_accuracy", r.test_centroid_accuracy});
  out.push_back({"lfw", r.lfw.mean_accuracy});
  return out;
}

MeanStd MeanAndStd(const std::vector<double>& values) {
  MeanStd m;
  m.seeds = static_cast<int>(values.size());
  if (values.empty()) return m;
  for (double v : values) m.mean += v / static_cast<double>(values.size());
  if (values.size() > 1) {
    double squares = 0;
    for (double v : values) squares += (v - m.mean) * (v - m.mean);
    m.stddev = std::sqrt(squares / static_cast<double>(values.size() - 1));
  }
  return m;
}

}  // namespace

absl::Status SeedComparison::Add(const std::string& loss, int64_t seed, const std::string& run_uid,
                                 const RecognitionResult& result, const std::vector<int>& query_ids) {
  for (const Entry& e : entries_) {
    if (e.loss == loss && e.seed == seed) {
      return absl::InvalidArgumentError(absl::StrCat(loss, " with seed ", seed, " is in the comparison already"));
    }
  }
  if (!result.query_embeddings.defined() || !result.distractor_embeddings.defined() ||
      result.query_embeddings.size(0) != static_cast<int64_t>(query_ids.size())) {
    return absl::InvalidArgumentError(absl::StrCat("the result of ", loss, " seed ", seed,
                                                   " does not hold the embeddings of its ", query_ids.size(),
                                                   " queries"));
  }
  Entry entry{loss, seed, run_uid, ScalarMetrics(result), {}};
  const metrics::IdRatePairs pairs =
      metrics::ScoreIdRatePairs(result.query_embeddings, query_ids, result.distractor_embeddings);
  FACEREC_ASSIGN_OR_RETURN(entry.replicates, metrics::ReplicateIdRate(pairs, metrics::kCourseFprs, options_));
  entries_.push_back(std::move(entry));
  return absl::OkStatus();
}

absl::StatusOr<SeedSummary> SeedComparison::Summarise() const {
  if (entries_.empty()) return absl::FailedPreconditionError("no run was added to the seed comparison");
  SeedSummary summary;
  summary.options = options_;
  std::vector<std::string> losses;
  for (const Entry& e : entries_) {
    if (std::find(losses.begin(), losses.end(), e.loss) == losses.end()) losses.push_back(e.loss);
  }
  const auto entries_of = [&](const std::string& loss) {
    std::vector<const Entry*> out;
    for (const Entry& e : entries_) {
      if (e.loss == loss) out.push_back(&e);
    }
    return out;
  };
  for (const std::string& loss : losses) {
    LossOverSeeds l;
    l.loss = loss;
    std::vector<std::string> keys;
    std::map<std::string, std::vector<double>> values;
    std::vector<const metrics::IdRateReplicates*> replicates;
    for (const Entry* e : entries_of(loss)) {
      l.seeds.push_back(e->seed);
      l.run_uids.push_back(e->run_uid);
      replicates.push_back(&e->replicates);
      for (const auto& [key, value] : e->metrics) {
        if (!values.count(key)) keys.push_back(key);
        values[key].push_back(value);
      }
    }
    for (const std::string& key : keys) l.metrics.push_back({key, MeanAndStd(values[key])});
    FACEREC_ASSIGN_OR_RETURN(l.tpr, metrics::MeanInterval(replicates));
    summary.losses.push_back(std::move(l));
  }
  for (size_t i = 0; i < losses.size(); ++i) {
    for (size_t j = i + 1; j < losses.size(); ++j) {
      // Paired by seed: only the seeds both losses were trained with.
      LossDifference d{losses[i], losses[j], {}, {}};
      std::vector<const metrics::IdRateReplicates*> a, b;
      for (const Entry* x : entries_of(losses[i])) {
        for (const Entry* y : entries_of(losses[j])) {
          if (x->seed != y->seed) continue;
          d.seeds.push_back(x->seed);
          a.push_back(&x->replicates);
          b.push_back(&y->replicates);
        }
      }
      if (d.seeds.empty()) continue;
      FACEREC_ASSIGN_OR_RETURN(d.tpr, metrics::DifferenceInterval(a, b));
      summary.differences.push_back(std::move(d));
    }
  }
  return summary;
}

std::string SeedSummaryTable(const SeedSummary& summary) {
  std::string out = "\nMean ± standard deviation over seeds:\n";
  if (summary.losses.empty()) return out;
  absl::StrAppend(&out, absl::StrFormat("%-14s %-7s", "loss", "seeds"));
  std::vector<std::string> keys;
  for (const auto& [key, m] : summary.losses.front().metrics) keys.push_back(key);
  for (const LossOverSeeds& l : summary.losses) {
    for (const auto& [key, m] : l.metrics) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
  }
  for (const std::string& key : keys) absl::StrAppend(&out, absl::StrFormat(" %15s", key));
  absl::StrAppend(&out, "\n");
  for (const LossOverSeeds& l : summary.losses) {
    absl::StrAppend(&out, absl::StrFormat("%-14s %-7s", l.loss, absl::StrJoin(l.seeds, ",")));
    for (const std::string& key : keys) {
      std::string cell = "-";
      for (const auto& [k, m] : l.metrics) {
        if (k == key) cell = absl::StrFormat("%.3f ± %.3f", m.mean, m.stddev);
      }
      absl::StrAppend(&out, absl::StrFormat(" %15s", cell));
    }
    absl::StrAppend(&out, "\n");
  }
  const auto interval = [](const metrics::IdRateInterval& i) {
    return absl::StrFormat("%.3f [%.3f, %.3f]", i.estimate, i.low, i.high);
  };
  absl::StrAppend(&out, absl::StrFormat("\nTPR at FPR, mean over seeds, %g %% bootstrap interval over query identities "
                                        "(%d replicates):\n%-14s",
                                        100 * summary.options.confidence, summary.options.replicates, "loss"));
  for (const metrics::IdRateInterval& i : summary.losses.front().tpr) {
    absl::StrAppend(&out, absl::StrFormat(" %22s", FprKey("TPR", i.target_fpr)));
  }
  absl::StrAppend(&out, "\n");
  for (const LossOverSeeds& l : summary.losses) {
    absl::StrAppend(&out, absl::StrFormat("%-14s", l.loss));
    for (const metrics::IdRateInterval& i : l.tpr) absl::StrAppend(&out, absl::StrFormat(" %22s", interval(i)));
    absl::StrAppend(&out, "\n");
  }
  if (!summary.differences.empty()) {
    absl::StrAppend(&out, "\nPaired differences (same seeds, same resamples); * where the interval excludes 0:\n");
    absl::StrAppend(&out, absl::StrFormat("%-22s", ""));
    for (const metrics::IdRateInterval& i : summary.differences.front().tpr) {
      absl::StrAppend(&out, absl::StrFormat(" %-24s", FprKey("TPR", i.target_fpr)));
    }
    absl::StrAppend(&out, "\n");
    for (const LossDifference& d : summary.differences) {
      absl::StrAppend(&out, absl::StrFormat("%-22s", absl::StrCat(d.a, " - ", d.b)));
      for (const metrics::IdRateInterval& i : d.tpr) {
        const bool real = i.low > 0 || i.high < 0;
        absl::StrAppend(&out, absl::StrFormat(" %+.3f [%+.3f, %+.3f]%s", i.estimate, i.low, i.high, real ? "*" : " "));
      }
      absl::StrAppend(&out, "\n");
    }
  }
  return out;
}

absl::Status RecordSeedSummary(const SeedSummary& summary, tracking::Run* run) {
  std::map<std::string, std::string> params = {
      {"bootstrap_replicates", absl::StrCat(summary.options.replicates)},
      {"bootstrap_confidence", absl::StrFormat("%g", summary.options.confidence)},
      {"bootstrap_seed", absl::StrCat(summary.options.seed)},
  };
  for (const LossOverSeeds& l : summary.losses) {
    for (size_t s = 0; s < l.seeds.size(); ++s) params[absl::StrCat("run/", l.loss, "/seed", l.seeds[s])] = l.run_uids[s];
  }
  FACEREC_RETURN_IF_ERROR(run->LogParams(params));
  for (const LossOverSeeds& l : summary.losses) {
    for (const auto& [key, m] : l.metrics) {
      FACEREC_RETURN_IF_ERROR(run->LogMetric(absl::StrCat(l.loss, "/", key, "/mean"), 0, m.mean));
      FACEREC_RETURN_IF_ERROR(run->LogMetric(absl::StrCat(l.loss, "/", key, "/std"), 0, m.stddev));
    }
    for (const metrics::IdRateInterval& i : l.tpr) {
      const std::string key = absl::StrCat(l.loss, "/", FprKey("tpr", i.target_fpr));
      FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/low", 0, i.low));
      FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/high", 0, i.high));
    }
  }
  for (const LossDifference& d : summary.differences) {
    for (const metrics::IdRateInterval& i : d.tpr) {
      const std::string key = absl::StrCat("difference/", d.a, "-", d.b, "/", FprKey("tpr", i.target_fpr));
      FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/estimate", 0, i.estimate));
      FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/low", 0, i.low));
      FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "/high", 0, i.high));
    }
  }
  return run->Flush();
}

}  // namespace facerec::pipeline
