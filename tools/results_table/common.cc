// Results section: helpers shared by the sections (common.h).
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
#include "facerec/tracking/experiment_names.h"
#include "tools/results_table.h"
#include "tools/results_table/common.h"

namespace facerec::tools {

using tracking::ExperimentStore;

std::string ShortUid(const tracking::RunRecord& run) { return run.uid.substr(0, 8); }

const std::vector<double> kCourseFprs = {0.5, 0.2, 0.1, 0.05, 0.01, 0.001};

std::string Cell(const std::optional<double>& value) {
  return value.has_value() ? absl::StrFormat("%.3f", *value) : "–";
}

absl::StatusOr<std::map<std::string, double>> LastValues(ExperimentStore& store, int64_t run) {
  FACEREC_ASSIGN_OR_RETURN(const auto points, store.GetMetrics(run));
  std::map<std::string, double> last;
  for (const auto& p : points) last[p.key] = p.value;
  return last;
}

std::string Fixed(const std::map<std::string, double>& last, const std::string& key,
                  const absl::FormatSpec<double>& format) {
  auto it = last.find(key);
  return it == last.end() ? std::string("–") : absl::StrFormat(format, it->second);
}

absl::StatusOr<bool> IsReplay(ExperimentStore& store, int64_t run_id) {
  FACEREC_ASSIGN_OR_RETURN(const auto tags, store.GetTags(run_id));
  return tags.count("replay_of") > 0;
}

absl::StatusOr<std::vector<CompareLossesRun>> FinishedCompareLossesRuns(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kCompareLosses));
  std::vector<CompareLossesRun> out;
  for (const tracking::RunRecord& run : runs) {
    if (run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(const bool replay, IsReplay(store, run.id));
    if (replay) continue;
    CompareLossesRun r{run};
    FACEREC_ASSIGN_OR_RETURN(r.params, store.GetParams(run.id));
    out.push_back(std::move(r));
  }
  return out;
}

// The recognisers of adversarial-training experiments: every fine-tuned run

absl::StatusOr<std::set<std::string>> DefenceRecogniserUids(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<CompareLossesRun> runs, FinishedCompareLossesRuns(store));
  std::set<std::string> uids;
  for (const CompareLossesRun& r : runs) {
    const std::string start = r.param("finetune_from_run");
    if (start.empty()) continue;
    uids.insert(r.run.uid);
    uids.insert(start);
  }
  return uids;
}

absl::StatusOr<std::vector<AttackRun>> NewestAttackRuns(ExperimentStore& store, const std::string& radii) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kAttackRecogniser));
  std::vector<AttackRun> newest;
  std::set<std::string> seen;
  for (const tracking::RunRecord& run : runs) {
    if (run.status != tracking::RunStatus::kFinished) continue;
    AttackRun a{run};
    FACEREC_ASSIGN_OR_RETURN(a.params, store.GetParams(run.id));
    if (seen.count(a.params["embedding_model_sha256"])) continue;
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::MetricPoint> points, store.GetMetrics(run.id));
    for (const tracking::MetricPoint& p : points) a.series[p.key][p.step] = p.value;
    if (!a.series.count(radii)) continue;
    seen.insert(a.params["embedding_model_sha256"]);
    newest.push_back(std::move(a));
  }
  return newest;
}

std::string Rate(const std::map<std::string, std::map<int64_t, double>>& series, const std::string& key,
                 int64_t step, int digits) {
  const auto s = series.find(key);
  if (s == series.end() || !s->second.count(step)) return "–";
  return absl::StrFormat("%.*f", digits, s->second.at(step));
}


absl::StatusOr<std::optional<double>> IdRateAt(ExperimentStore& store, int64_t run_id, double fpr) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::Evaluation> evaluations, store.GetEvaluations(run_id));
  for (const tracking::Evaluation& e : evaluations) {
    if (e.dataset == "celeba_ir" && e.protocol == "id_rate" && e.target_fpr &&
        std::abs(*e.target_fpr - fpr) <= 1e-12) {
      return std::optional<double>(e.tpr);
    }
  }
  return std::optional<double>();
}

}  // namespace facerec::tools
