#include "facerec/pipeline/run_models.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "facerec/core/data_root.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/pipeline/shipped_models.h"
#include "facerec/pipeline/trained_models.h"

namespace facerec::pipeline {
namespace {

using tracking::ModelKind;

// Which recorded metrics a kind's entry keeps (their last values).
bool IsKeyMetric(ModelKind kind, const std::string& key) {
  const std::vector<std::string> parts = absl::StrSplit(key, '/');
  switch (kind) {
    case ModelKind::kDetector:  // eval/<set>/ap, ap_large, recall_at_1fp
      return parts.size() == 3 && parts[0] == "eval" &&
             (parts[2] == "ap" || parts[2] == "ap_large" || parts[2] == "recall_at_1fp");
    case ModelKind::kLandmarks:  // eval/<set>/nme, failure_rate
      return parts.size() == 3 && parts[0] == "eval" && (parts[2] == "nme" || parts[2] == "failure_rate");
    case ModelKind::kRecogniser:
      return key == "eval/lfw_accuracy" || key == "eval/open_set_rank1" || key == "val/nn_accuracy";
  }
  return false;
}

}  // namespace

absl::StatusOr<tracking::ModelRegistration> RegistrationOfRun(tracking::ExperimentStore& store,
                                                             const std::string& run_uid, const std::string& name) {
  FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord run, store.GetRunByUid(run_uid));
  if (run.status != tracking::RunStatus::kFinished) {
    return absl::FailedPreconditionError(absl::StrCat("run ", run.uid.substr(0, 8), " is ",
                                                      tracking::RunStatusName(run.status), ", not FINISHED"));
  }
  const std::map<std::string, ModelKind> kinds = {{"detector_net", ModelKind::kDetector},
                                                  {"landmark_net", ModelKind::kLandmarks},
                                                  {"embedding_net", ModelKind::kRecogniser}};
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::ArtifactRecord> artifacts, store.GetArtifacts(run.id));
  const tracking::ArtifactRecord* model = nullptr;
  for (const tracking::ArtifactRecord& a : artifacts) {
    if (!kinds.count(a.kind)) continue;
    if (model != nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("run ", run.uid.substr(0, 8), " recorded two models (", model->path, ", ", a.path, ")"));
    }
    model = &a;
  }
  if (model == nullptr) {
    return absl::NotFoundError(absl::StrCat("run ", run.uid.substr(0, 8), " (", run.experiment, "/", run.name,
                                            ") recorded no detector_net, landmark_net or embedding_net"));
  }
  const std::string path = ResolveAgainstWorkspace(model->path).string();
  absl::StatusOr<std::string> sha = Sha256OfFile(path);
  if (!sha.ok()) {
    return absl::NotFoundError(absl::StrCat("run ", run.uid.substr(0, 8), "'s model ", model->path,
                                            " is not in this checkout (", sha.status().message(), ")"));
  }
  if (*sha != model->sha256) {
    return absl::FailedPreconditionError(absl::StrCat("run ", run.uid.substr(0, 8), "'s model ", model->path,
                                                      " has changed since the run (a later run rewrote it)"));
  }
  tracking::ModelRegistration r;
  r.name = name;
  r.kind = kinds.at(model->kind);
  r.run_uid = run.uid;
  r.sha256 = model->sha256;
  r.path = WorkspaceRelative(model->path);
  r.size_bytes = model->size_bytes;
  r.description = absl::StrCat(run.experiment, " run ", run.uid.substr(0, 8), " (", run.name, ") at ",
                               run.code_version);
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::MetricPoint> points, store.GetMetrics(run.id));
  for (const tracking::MetricPoint& p : points) {  // In step order: the last value stays.
    if (IsKeyMetric(r.kind, p.key)) r.metrics[p.key] = p.value;
  }
  if (r.kind == ModelKind::kRecogniser) {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::Evaluation> evaluations, store.GetEvaluations(run.id));
    for (const tracking::Evaluation& e : evaluations) {
      if (e.dataset == "celeba_ir" && e.protocol == "id_rate" && e.target_fpr && e.tpr) {
        r.metrics[absl::StrCat("celeba_ir/tpr_at_fpr_", *e.target_fpr)] = *e.tpr;
      }
    }
    for (double far : kRegisteredFars) {
      absl::StatusOr<double> t = ThresholdAtFalseAcceptRate(store, run.id, far);
      if (t.ok()) r.metrics[absl::StrCat(kThresholdAtFarPrefix, far)] = *t;
    }
  }
  return r;
}

}  // namespace facerec::pipeline
