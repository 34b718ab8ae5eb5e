#include "facerec/pipeline/trained_models.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "facerec/core/data_root.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/experiment_names.h"
#include "glog/logging.h"

namespace facerec::pipeline {

absl::StatusOr<std::string> LatestRunArtifact(tracking::ExperimentStore& store,
                                              const std::string& experiment,
                                              const std::string& run_name,
                                              const std::string& kind,
                                              const std::string& how_to_make) {
  FACEREC_ASSIGN_OR_RETURN(std::vector<tracking::RunRecord> runs, store.ListRuns(experiment));
  std::string newest_missing;  // A run recorded the file, but it is not here (an imported export).
  for (const tracking::RunRecord& run : runs) {  // Newest first.
    if (run.name != run_name || run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(std::vector<tracking::ArtifactRecord> artifacts,
                             store.GetArtifacts(run.id));
    for (const tracking::ArtifactRecord& a : artifacts) {
      if (a.kind != kind) continue;
      const std::string path = ResolveAgainstWorkspace(a.path).string();
      std::error_code error;
      if (std::filesystem::is_regular_file(path, error)) return path;
      if (newest_missing.empty()) newest_missing = absl::StrCat(path, " (run ", run.uid.substr(0, 8), ")");
    }
  }
  if (!newest_missing.empty()) {
    return absl::NotFoundError(absl::StrCat("no ", kind, " file on disk; the newest run's was ", newest_missing,
                                            ": ", how_to_make));
  }
  return absl::NotFoundError(absl::StrCat("no ", kind, " in the store: ", how_to_make));
}

absl::StatusOr<TrainedRun> FinishedRunOfConfig(tracking::ExperimentStore& store, const std::string& experiment,
                                               const std::map<std::string, std::string>& params, int64_t seed,
                                               const std::string& dataset_fingerprint, const std::string& kind) {
  const std::map<std::string, std::string> wanted = tracking::WithoutExecutionParams(params);
  std::optional<TrainedRun> other_execution;
  FACEREC_ASSIGN_OR_RETURN(std::vector<tracking::RunRecord> runs, store.ListRuns(experiment));
  for (const tracking::RunRecord& run : runs) {  // Newest first.
    if (run.status != tracking::RunStatus::kFinished || run.seed != seed ||
        run.dataset_fingerprint != dataset_fingerprint) {
      continue;
    }
    using Params = std::map<std::string, std::string>;
    FACEREC_ASSIGN_OR_RETURN(Params recorded, store.GetParams(run.id));
    if (tracking::WithoutExecutionParams(recorded) != wanted) continue;
    if (other_execution && recorded != params) continue;
    FACEREC_ASSIGN_OR_RETURN(std::vector<tracking::ArtifactRecord> artifacts, store.GetArtifacts(run.id));
    for (const tracking::ArtifactRecord& a : artifacts) {
      if (a.kind != kind) continue;
      const std::string path = ResolveAgainstWorkspace(a.path).string();
      if (!std::filesystem::exists(path)) continue;
      absl::StatusOr<std::string> sha = Sha256OfFile(path);
      if (!sha.ok() || *sha != a.sha256) continue;
      // The same execution (thread count) first: its numbers are the ones
      // this configuration gives here.
      if (recorded == params) return TrainedRun{run.uid, path, a.sha256};
      if (!other_execution) other_execution = TrainedRun{run.uid, path, a.sha256};
    }
  }
  if (other_execution) return *other_execution;
  return absl::NotFoundError(absl::StrCat("no finished ", experiment, " run of this configuration with seed ", seed,
                                          " and its ", kind, " on disk"));
}

absl::StatusOr<std::vector<TrainedRun>> FindOrTrainSeeds(
    tracking::ExperimentStore& store, const std::string& experiment, const std::vector<int64_t>& seeds,
    const std::function<std::map<std::string, std::string>(int64_t)>& params, const std::string& dataset_fingerprint,
    const std::string& kind, const std::function<absl::StatusOr<TrainedRun>(int64_t)>& train) {
  std::vector<TrainedRun> trained;
  for (int64_t seed : seeds) {
    absl::StatusOr<TrainedRun> found =
        FinishedRunOfConfig(store, experiment, params(seed), seed, dataset_fingerprint, kind);
    if (!found.ok() && !absl::IsNotFound(found.status())) return found.status();
    if (found.ok()) {
      LOG(INFO) << "seed " << seed << ": trained by run " << found->run_uid.substr(0, 8) << ", evaluated again";
    } else {
      LOG(INFO) << "seed " << seed << ": training";
      found = train(seed);
      if (!found.ok()) return found.status();
    }
    trained.push_back(*found);
  }
  return trained;
}

absl::StatusOr<std::string> LatestLandmarkModel(tracking::ExperimentStore& store) {
  return LatestRunArtifact(store, tracking::kTrainLandmarks, "landmark_net", "landmark_net",
                           "train one with `tools/bazel run //experiments:train_landmarks`, or "
                           "pass --landmark_model");
}

absl::StatusOr<std::string> LatestDetectorModel(tracking::ExperimentStore& store) {
  return LatestRunArtifact(store, tracking::kTrainDetector, "detector_net", "detector_net",
                           "train one with `tools/bazel run //experiments:train_detector`, or "
                           "pass --detector_model");
}

namespace {

constexpr char kHowToTrainRecogniser[] =
    "train one with `tools/bazel run //experiments:compare_losses`, or pass --embedding_model";

}  // namespace

absl::StatusOr<std::vector<TrainedRecogniser>> TrainedRecognisers(tracking::ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kCompareLosses));
  std::vector<TrainedRecogniser> out;
  for (const tracking::RunRecord& run : runs) {
    if (run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(std::vector<tracking::ArtifactRecord> artifacts,
                             store.GetArtifacts(run.id));
    for (const tracking::ArtifactRecord& a : artifacts) {
      if (a.kind != "embedding_net") continue;
      TrainedRecogniser r{ResolveAgainstWorkspace(a.path).string(), a.sha256, run.id, run.uid, run.name};
      FACEREC_ASSIGN_OR_RETURN(std::vector<tracking::MetricPoint> val,
                               store.GetMetrics(run.id, "val/nn_accuracy"));
      if (!val.empty()) r.val_accuracy = val.back().value;
      out.push_back(r);
    }
  }
  return out;
}

absl::StatusOr<TrainedRecogniser> BestRecogniser(tracking::ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<TrainedRecogniser> all, TrainedRecognisers(store));
  if (all.empty()) {
    return absl::NotFoundError(absl::StrCat("no recogniser in the store: ", kHowToTrainRecogniser));
  }
  const TrainedRecogniser* best = &all[0];
  for (const TrainedRecogniser& r : all) {
    if (r.val_accuracy > best->val_accuracy) best = &r;  // Ties: the newest.
  }
  return *best;
}

absl::StatusOr<std::string> BestRecogniserModel(tracking::ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const TrainedRecogniser r, BestRecogniser(store));
  return r.model_path;
}

absl::StatusOr<TrainedRecogniser> RecogniserBySha256(tracking::ExperimentStore& store,
                                              const std::string& sha256) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<TrainedRecogniser> all, TrainedRecognisers(store));
  for (const TrainedRecogniser& r : all) {
    if (r.sha256 == sha256) return r;
  }
  return absl::NotFoundError(absl::StrCat("no run in ", store.path(),
                                          " trained the recogniser with sha256 ",
                                          sha256.substr(0, 12), "..."));
}

absl::StatusOr<TrainingCheckpoint> TrainingCheckpointOfRun(tracking::ExperimentStore& store,
                                                           const std::string& uid_or_prefix) {
  FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord run, store.GetRunByUid(uid_or_prefix));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<TrainedRecogniser> all, TrainedRecognisers(store));
  const auto it = std::find_if(all.begin(), all.end(), [&](const TrainedRecogniser& r) { return r.run_id == run.id; });
  if (it == all.end()) {
    return absl::NotFoundError(absl::StrCat("run ", run.uid.substr(0, 8),
                                            " is no finished compare_losses run with a recogniser"));
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::ArtifactRecord> artifacts, store.GetArtifacts(run.id));
  for (const tracking::ArtifactRecord& a : artifacts) {
    if (a.kind != "checkpoint") continue;
    TrainingCheckpoint checkpoint{ResolveAgainstWorkspace(a.path).string(), *it};
    absl::StatusOr<std::string> sha = Sha256OfFile(checkpoint.path);
    if (!sha.ok()) {
      return absl::NotFoundError(absl::StrCat("run ", run.uid.substr(0, 8), "'s checkpoint ", a.path,
                                              " cannot be read: ", sha.status().message()));
    }
    if (*sha != a.sha256) {
      return absl::FailedPreconditionError(absl::StrCat(
          "run ", run.uid.substr(0, 8), "'s checkpoint ", a.path,
          " is not the file the run recorded (sha256 differs; a later run of its configuration rewrote it)"));
    }
    return checkpoint;
  }
  return absl::NotFoundError(absl::StrCat("run ", run.uid.substr(0, 8), " recorded no checkpoint"));
}

absl::StatusOr<double> ThresholdAtFalseAcceptRate(tracking::ExperimentStore& store,
                                                  int64_t run_id, double far) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::Evaluation> evaluations,
                           store.GetEvaluations(run_id));
  std::optional<double> exact, below;
  double below_fpr = -1;
  for (const tracking::Evaluation& e : evaluations) {
    if (e.dataset != "celeba_ir" || !e.target_fpr || !e.threshold) continue;
    if (e.protocol == "id_rate" && std::abs(*e.target_fpr - far) <= 1e-12 * std::max(1.0, far)) {
      exact = e.threshold;
    }
    if (e.protocol == "id_rate_roc" && *e.target_fpr <= far && *e.target_fpr > below_fpr) {
      below_fpr = *e.target_fpr;
      below = e.threshold;
    }
  }
  if (exact) return *exact;
  if (below) return *below;
  return absl::NotFoundError(absl::StrCat("run ", run_id,
                                          " has no celebA_ir identification-rate point at FPR <= ",
                                          far));
}

}  // namespace facerec::pipeline
