// Results section: compare_losses over seeds: mean ± std, intervals, paired differences.
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
#include "facerec/core/statistics.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/experiment_names.h"
#include "tools/markdown_table.h"
#include "tools/results_table.h"
#include "tools/results_table/common.h"

namespace facerec::tools {

using tracking::ExperimentStore;

namespace {

// One summary run of SeedsMarkdown.
absl::StatusOr<std::string> SeedSummaryMarkdown(ExperimentStore& store, const tracking::RunRecord* newest) {
  FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(newest->id));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::MetricPoint> points, store.GetMetrics(newest->id));
  std::map<std::string, double> m;
  for (const tracking::MetricPoint& p : points) m[p.key] = p.value;
  // Losses in the order their runs were recorded (params are sorted by key,
  // so by loss name: the order a table reads best in anyway).
  std::vector<std::string> losses;
  std::map<std::string, std::vector<std::string>> seeds_of;
  for (const auto& [key, uid] : params) {
    const std::vector<std::string> parts = absl::StrSplit(key, '/');
    if (parts.size() != 3 || parts[0] != "run") continue;
    if (!seeds_of.count(parts[1])) losses.push_back(parts[1]);
    seeds_of[parts[1]].push_back(absl::StrCat(parts[2].substr(4), " (", uid.substr(0, 8), ")"));
  }
  const std::vector<std::string> fprs = {"0.5", "0.2", "0.1", "0.05", "0.01", "0.001"};
  const auto value = [&](const std::string& key) -> std::optional<double> {
    const auto it = m.find(key);
    return it == m.end() ? std::optional<double>() : std::optional<double>(it->second);
  };
  const auto param = [&](const std::string& key) {
    const auto it = params.find(key);
    return it == params.end() ? std::string("?") : it->second;
  };
  double confidence = 0;
  const std::string coverage =
      absl::SimpleAtod(param("bootstrap_confidence"), &confidence) ? absl::StrFormat("%g %%", 100 * confidence) : "?";
  std::string md = absl::StrCat(
      "Run ", ShortUid(*newest), newest->name.empty() ? "" : absl::StrCat(" (", newest->name, ")"),
      ": every loss trained once per seed; mean ± standard deviation over the seeds, ",
      "then the identification rate's ", coverage, " bootstrap interval over query identities (",
      param("bootstrap_replicates"),
      " replicates; the distractors stay whole), and each pair of losses' difference with the same seeds and "
      "resamples: bold where the interval excludes 0.\n\n");
  const std::vector<std::string> columns = {"tpr@0.5", "tpr@0.2", "tpr@0.1", "tpr@0.05", "tpr@0.01",
                                            "tpr@0.001", "tpir@0.1", "lfw"};
  std::vector<std::string> header = {"loss", "seeds (run)"};
  header.insert(header.end(), columns.begin(), columns.end());
  MarkdownTable spread(std::move(header));
  for (const std::string& loss : losses) {
    std::vector<std::string> row = {loss, absl::StrJoin(seeds_of[loss], ", ")};
    for (const std::string& c : columns) {
      const std::optional<double> mean = value(absl::StrCat(loss, "/", c, "/mean"));
      const std::optional<double> sd = value(absl::StrCat(loss, "/", c, "/std"));
      row.push_back(mean && sd ? absl::StrFormat("%.3f ± %.3f", *mean, *sd) : std::string("–"));
    }
    spread.AddRow(std::move(row));
  }
  absl::StrAppend(&md, spread.ToString());
  // "estimate [low, high]" of the metrics <prefix><estimate_suffix>, <prefix>/low
  // and <prefix>/high; bold where it excludes 0 when `mark` (differences).
  const auto interval = [&](const std::string& prefix, const char* estimate_suffix,
                            const absl::FormatSpec<double, double, double>& format, bool mark) {
    const std::optional<double> e = value(prefix + estimate_suffix), lo = value(prefix + "/low"),
                                hi = value(prefix + "/high");
    if (!e || !lo || !hi) return std::string("–");
    const std::string text = absl::StrFormat(format, *e, *lo, *hi);
    return mark && (*lo > 0 || *hi < 0) ? absl::StrCat("**", text, "**") : text;
  };
  const auto table = [&](const std::string& first_column, const std::vector<std::string>& rows,
                         const std::function<std::string(const std::string&)>& label, const std::string& kind) {
    std::vector<std::string> header = {first_column};
    for (const std::string& f : fprs) header.push_back(absl::StrCat("TPR@", f));
    MarkdownTable intervals(std::move(header));
    for (const std::string& row : rows) {
      std::vector<std::string> cells = {label(row)};
      for (const std::string& f : fprs) {
        cells.push_back(kind == "difference"
                            ? interval(absl::StrCat("difference/", row, "/tpr@", f), "/estimate", "%+.3f [%+.3f, %+.3f]", true)
                            : interval(absl::StrCat(row, "/tpr@", f), "/mean", "%.3f [%.3f, %.3f]", false));
      }
      intervals.AddRow(std::move(cells));
    }
    absl::StrAppend(&md, "\n", intervals.ToString());
  };
  table("loss", losses, [](const std::string& loss) { return loss; }, "loss");
  std::vector<std::string> differences;
  for (const auto& [key, v] : m) {
    const std::vector<std::string> parts = absl::StrSplit(key, '/');
    if (parts.size() == 4 && parts[0] == "difference" && parts[3] == "estimate" &&
        std::find(differences.begin(), differences.end(), parts[1]) == differences.end()) {
      differences.push_back(parts[1]);
    }
  }
  if (!differences.empty()) {
    table("difference", differences, [](const std::string& d) { return absl::StrReplaceAll(d, {{"-", " − "}}); },
          "difference");
  }
  absl::StrAppend(&md, "\n    ", newest->command_line, "\n\n");
  return md;
}

}  // namespace

namespace {

// What a summary over seeds trained: the losses it compares ("run/<loss>/
// seed<N>" keys) and the params of one of its seeds' runs without the seed
// and the thread count, hashed ("" when that run is not in the store: a
// summary imported without its runs).
struct SeedRunsKind {
  std::set<std::string> losses;
  std::string configuration;
};
absl::StatusOr<SeedRunsKind> SeedRunsConfiguration(ExperimentStore& store, int64_t summary_id) {
  FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(summary_id));
  SeedRunsKind kind;
  for (const auto& [key, uid] : params) {
    const std::vector<std::string> parts = absl::StrSplit(key, '/');
    if (parts.size() != 3 || parts[0] != "run") continue;
    kind.losses.insert(parts[1]);
    if (!kind.configuration.empty()) continue;
    const absl::StatusOr<tracking::RunRecord> seed_run = store.GetRunByUid(uid);
    if (!seed_run.ok()) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto config, store.GetParams(seed_run->id));
    std::map<std::string, std::string> trained = tracking::WithoutExecutionParams(config);
    trained.erase("seed");
    kind.configuration = tracking::ConfigHash(trained);
  }
  return kind;
}

}  // namespace

absl::StatusOr<std::string> SeedsMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kLossComparison));
  // (name prefix, configuration, losses) of every summary shown so far.
  std::vector<std::tuple<std::string, std::string, std::set<std::string>>> shown;
  std::string md;
  for (const tracking::RunRecord& run : runs) {  // Newest first.
    if (run.status != tracking::RunStatus::kFinished) continue;
    // "quick-1796350418475" is superseded by a newer "quick-..." whose seeds
    // trained the same configuration and compared every loss it compares;
    // two recipes confirmed at one preset (--erase_probability=0.25 or not)
    // are two kinds, and so is a comparison of other losses (ArcFace against
    // its bf16 variant beside the table of every loss).
    const size_t dash = run.name.rfind('-');
    const std::string name = dash == std::string::npos ? run.name : run.name.substr(0, dash);
    FACEREC_ASSIGN_OR_RETURN(const SeedRunsKind kind, SeedRunsConfiguration(store, run.id));
    const bool superseded = std::any_of(shown.begin(), shown.end(), [&](const auto& newer) {
      const auto& [newer_name, newer_configuration, newer_losses] = newer;
      return newer_name == name && newer_configuration == kind.configuration &&
             std::includes(newer_losses.begin(), newer_losses.end(), kind.losses.begin(), kind.losses.end());
    });
    if (superseded) continue;
    shown.emplace_back(name, kind.configuration, kind.losses);
    FACEREC_ASSIGN_OR_RETURN(const std::string text, SeedSummaryMarkdown(store, &run));
    absl::StrAppend(&md, text);
  }
  if (md.empty()) {
    return absl::NotFoundError(absl::StrCat("no finished loss comparison over seeds in ", store.path(),
                                            " (compare_losses --seeds=1,2,3)"));
  }
  return md;
}

absl::StatusOr<std::string> NormQualityMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kLossComparison));
  const std::vector<double> rejects = {0, 0.1, 0.2, 0.3, 0.5};
  std::string best;
  size_t best_losses = 0;
  for (const tracking::RunRecord& summary : runs) {  // Newest first.
    if (summary.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(summary.id));
    // Per loss (in the summary's order), per reject fraction, one FNMR per seed.
    std::vector<std::string> losses;
    std::map<std::string, std::map<double, std::vector<double>>> fnmr;
    std::map<std::string, std::vector<std::string>> seeds_of;
    bool complete = true;
    for (const auto& [key, uid] : params) {
      const std::vector<std::string> parts = absl::StrSplit(key, '/');
      if (parts.size() != 3 || parts[0] != "run") continue;
      const absl::StatusOr<tracking::RunRecord> seed_run = store.GetRunByUid(uid);
      if (!seed_run.ok()) {
        complete = false;
        break;
      }
      FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::Evaluation> evaluations,
                               store.GetEvaluations(seed_run->id));
      std::map<double, double> curve;
      for (const tracking::Evaluation& e : evaluations) {
        if (e.protocol == "fnmr_vs_reject_by_norm" && e.target_fpr && e.tpr) curve[*e.target_fpr] = *e.tpr;
      }
      if (curve.empty()) {
        complete = false;
        break;
      }
      if (!fnmr.count(parts[1])) losses.push_back(parts[1]);
      seeds_of[parts[1]].push_back(absl::StrCat(parts[2].substr(4), " (", uid.substr(0, 8), ")"));
      for (double r : rejects) {
        const auto it = curve.lower_bound(r - 1e-9);
        if (it == curve.end() || std::abs(it->first - r) > 1e-9) {
          complete = false;
          break;
        }
        fnmr[parts[1]][r].push_back(it->second);
      }
      if (!complete) break;
    }
    if (!complete || losses.empty()) continue;
    std::vector<std::string> header = {"loss", "seeds (run)"};
    for (double r : rejects) header.push_back(absl::StrFormat("FNMR, %g %% rejected", 100 * r));
    header.push_back("FNMR 50 % / 0 %");
    MarkdownTable table(std::move(header));
    for (const std::string& loss : losses) {
      std::vector<std::string> row = {loss, absl::StrJoin(seeds_of[loss], ", ")};
      for (double r : rejects) {
        const std::vector<double>& v = fnmr[loss][r];
        double mean = 0;
        for (double x : v) mean += x / v.size();
        row.push_back(absl::StrFormat("%.3f ± %.3f", mean, SampleStddev(v)));
      }
      double first = 0, last = 0;
      for (double x : fnmr[loss][0]) first += x;
      for (double x : fnmr[loss][0.5]) last += x;
      row.push_back(first > 0 ? absl::StrFormat("%.2f", last / first) : std::string("–"));
      table.AddRow(std::move(row));
    }
    // The comparison of the most losses (the newest of those): a later
    // summary of two variants (arcface against arcface_bf16) does not hide
    // the table of every loss.
    if (losses.size() <= best_losses) continue;
    best_losses = losses.size();
    best = absl::StrCat(
        "Run ", ShortUid(summary), " (", summary.name,
        "): the seed runs' celebA_ir query pairs, FNMR at FMR 0.01 (threshold fixed on every impostor pair) "
        "after rejecting the genuine pairs whose lower embedding norm is smallest "
        "(metrics/error_versus_reject.h); mean ± std over the seeds. A norm that predicts failures makes FNMR "
        "fall as more is rejected (the last column well under 1); one that does not leaves it flat.\n\n",
        table.ToString(), "\n    ", summary.command_line, "\n");
  }
  if (!best.empty()) return best;
  return absl::NotFoundError(absl::StrCat("no loss comparison over seeds whose runs recorded fnmr_vs_reject_by_norm in ",
                                          store.path()));
}

}  // namespace facerec::tools
