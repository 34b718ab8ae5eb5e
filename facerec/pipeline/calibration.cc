#include "facerec/pipeline/calibration.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "facerec/core/status_macros.h"
#include "facerec/metrics/identification_rate.h"
#include "facerec/metrics/unit_rows.h"

namespace facerec::pipeline {

absl::StatusOr<CalibrationSet> EmbedCalibrationSet(const DatasetOptions& options, chain::FaceEmbedder& embedder) {
  FACEREC_ASSIGN_OR_RETURN(const LoadedDataset loaded, LoadEvaluationDataset(options));
  CalibrationSet set;
  set.name = loaded.data.eval_name;
  set.photos = loaded.report.photos;
  set.skipped = static_cast<int64_t>(loaded.report.skipped.size());
  std::vector<cv::Mat> crops;
  for (size_t i = 0; i < loaded.data.queries.size(); ++i) crops.push_back(loaded.data.queries.image(i));
  for (size_t i = 0; i < loaded.data.distractors.size(); ++i) crops.push_back(loaded.data.distractors.image(i));
  set.embeddings = metrics::UnitRows(embedder.Embed(crops));
  set.persons = loaded.eval_persons;
  return set;
}

CalibrationSet WithoutPersons(const CalibrationSet& set, const std::vector<std::string>& names) {
  const std::set<std::string> excluded(names.begin(), names.end());
  CalibrationSet kept;
  kept.name = set.name;
  kept.photos = set.photos;
  kept.skipped = set.skipped;
  std::vector<int64_t> rows;
  for (size_t i = 0; i < set.persons.size(); ++i) {
    if (excluded.count(set.persons[i])) continue;
    rows.push_back(static_cast<int64_t>(i));
    kept.persons.push_back(set.persons[i]);
  }
  kept.embeddings = set.embeddings.index_select(0, torch::tensor(rows, torch::kInt64));
  return kept;
}

absl::StatusOr<double> PairThresholdAtFar(const CalibrationSet& set, double far) {
  if (!(far > 0 && far < 1)) return absl::InvalidArgumentError(absl::StrCat("far ", far, ": must be in (0, 1)"));
  std::map<std::string, int> label;
  std::vector<int> ids;
  std::map<int, int64_t> per_person;
  for (const std::string& p : set.persons) {
    const int id = label.emplace(p, static_cast<int>(label.size())).first->second;
    ids.push_back(id);
    ++per_person[id];
  }
  const auto n = static_cast<int64_t>(ids.size());
  int64_t same = 0;
  for (const auto& [id, k] : per_person) same += k * (k - 1) / 2;
  const int64_t different = n * (n - 1) / 2 - same;
  if (static_cast<double>(different) < 10 / far) {
    return absl::InvalidArgumentError(absl::StrCat(
        set.name, ": ", different, " different-person pairs cannot resolve a false-accept rate of ", far,
        " (need at least ", std::ceil(10 / far), "): calibrate on more people"));
  }
  const metrics::IdRateResult r = metrics::IdentificationRate(
      set.embeddings, ids, set.embeddings.new_empty({0, set.embeddings.size(1)}), {far}, /*roc_points=*/0);
  return r.points.at(0).threshold;
}

absl::StatusOr<GalleryCalibration> GalleryThresholdAtFpir(const CalibrationSet& set, const chain::Gallery& gallery,
                                                          double fpir) {
  if (!(fpir > 0 && fpir < 1)) return absl::InvalidArgumentError(absl::StrCat("fpir ", fpir, ": must be in (0, 1)"));
  const CalibrationSet strangers = WithoutPersons(set, gallery.names());
  const auto n = static_cast<int64_t>(strangers.persons.size());
  const auto needed = static_cast<int64_t>(std::ceil(1 / fpir - 1e-9));
  if (n < needed) {
    return absl::InvalidArgumentError(absl::StrCat(set.name, ": ", n, " photos of people not in the gallery cannot "
                                                   "resolve an FPIR of ", fpir, " (need at least ", needed, ")"));
  }
  std::vector<double> best;
  for (int64_t i = 0; i < n; ++i) best.push_back(gallery.BestMatch(strangers.embeddings[i]).score);
  std::sort(best.begin(), best.end(), std::greater<double>());
  // Accept at most k = floor(fpir * n) strangers: the threshold lies just
  // above the (k+1)-th best score.
  const auto k = static_cast<int64_t>(std::floor(fpir * static_cast<double>(n) + 1e-9));
  GalleryCalibration c;
  c.strangers = n;
  c.threshold = std::nextafter(best[k], std::numeric_limits<double>::infinity());
  c.accepted = std::count_if(best.begin(), best.end(), [&](double s) { return s >= c.threshold; });
  return c;
}

absl::StatusOr<double> RunThresholdAtFar(tracking::ExperimentStore& store, const std::string& uid,
                                         const std::string& recogniser_sha256, double far) {
  FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord run, store.GetRunByUid(uid));
  FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(run.id));
  const auto measured = params.find("embedding_model_sha256");
  if (measured != params.end() && measured->second != recogniser_sha256) {
    return absl::FailedPreconditionError(absl::StrCat("run ", run.uid.substr(0, 8), " measured recogniser ",
                                                      measured->second.substr(0, 12), ", not the gallery's ",
                                                      recogniser_sha256.substr(0, 12)));
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::Evaluation> evaluations, store.GetEvaluations(run.id));
  std::optional<double> exact, below;
  double below_fpr = -1;
  std::string dataset;
  for (const tracking::Evaluation& e : evaluations) {
    if (!(absl::StartsWith(e.dataset, "folder:") || absl::StartsWith(e.dataset, "list:"))) continue;
    if (!e.target_fpr || !e.threshold) continue;
    if (e.protocol != "id_rate" && e.protocol != "id_rate_roc") continue;
    if (!dataset.empty() && e.dataset != dataset) {
      return absl::InvalidArgumentError(absl::StrCat("run ", run.uid.substr(0, 8), " evaluated two own datasets (",
                                                     dataset, ", ", e.dataset, "); calibrate on one with "
                                                     "--calibration=folder:DIR"));
    }
    dataset = e.dataset;
    if (std::abs(*e.target_fpr - far) <= 1e-12 * std::max(1.0, far)) exact = e.threshold;
    if (*e.target_fpr <= far && *e.target_fpr > below_fpr) {
      below_fpr = *e.target_fpr;
      below = e.threshold;
    }
  }
  if (exact) return *exact;
  if (below) return *below;
  return absl::NotFoundError(absl::StrCat("run ", run.uid.substr(0, 8),
                                          " has no identification-rate evaluation of an own dataset (folder: or "
                                          "list:) at FPR <= ", far, " (experiments:evaluate_pipeline --dataset "
                                          "records one)"));
}

}  // namespace facerec::pipeline
