// Thresholds that make a gallery's "unknown" mean a stated error rate on the
// user's own kind of photos, measured on photos of people who are not in the
// gallery (a calibration set).
//
//   FACEREC_ASSIGN_OR_RETURN(CalibrationSet set, EmbedCalibrationSet(options, chain->embedder()));
//   // Per pair: one stranger's photo against one person's template.
//   FACEREC_ASSIGN_OR_RETURN(double t_far, PairThresholdAtFar(set, 1e-3));
//   // Per probe against the whole gallery: what a user of identify asks.
//   FACEREC_ASSIGN_OR_RETURN(GalleryCalibration c, GalleryThresholdAtFpir(set, gallery, 0.01));
//
// Which one a user wants: FPIR (Cheng et al., "Surveillance Face Recognition
// Challenge", §3.2.3) is the share of strangers' photos that identify names
// as somebody, against this gallery. A per-pair false-accept rate (FAR)
// says nothing about that by itself: a stranger is compared with every
// person, so with N people the share accepted grows towards 1 - (1 - FAR)^N
// (faster still when scores are correlated), and the FAR threshold of
// another dataset (celebA_ir) transfers to other photos only roughly.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_PIPELINE_CALIBRATION_H_
#define FACEREC_PIPELINE_CALIBRATION_H_

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/chain/face_embedder.h"
#include "facerec/chain/gallery.h"
#include "facerec/pipeline/recognition_datasets.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::pipeline {

// Faces of known persons, embedded by one recogniser.
struct CalibrationSet {
  std::string name;                  // The dataset's (DatasetSpec::Name()).
  at::Tensor embeddings;             // [N, D] unit rows.
  std::vector<std::string> persons;  // Of each row.
  int64_t photos = 0, skipped = 0;   // Listed; without a usable face.
};

// Every usable face of `options.dataset` (a folder: or list: dataset; its
// photos through options.chain's detector and landmarks, cached, or
// --aligned), embedded by `embedder`. Photos without a face are skipped and
// counted.
absl::StatusOr<CalibrationSet> EmbedCalibrationSet(const DatasetOptions& options, chain::FaceEmbedder& embedder);

// The rows of `set` whose person is not in `names` (the strangers of a gallery).
CalibrationSet WithoutPersons(const CalibrationSet& set, const std::vector<std::string>& names);

// The score that different-person pairs of `set` reach at rate `far`
// (metrics::IdentificationRate's threshold). InvalidArgument when the set
// has fewer than 10 / far different-person pairs (too few to say) or far is
// outside (0, 1).
absl::StatusOr<double> PairThresholdAtFar(const CalibrationSet& set, double far);

struct GalleryCalibration {
  double threshold = 0;
  int64_t strangers = 0;  // Calibration photos of people not in the gallery.
  int64_t accepted = 0;   // Of those, scoring >= threshold (<= fpir * strangers).
};

// The threshold at which at most a share `fpir` of the calibration photos of
// people not in `gallery` (by name) would be named as somebody of it: the
// smallest score above all but floor(fpir * n) of their best-match scores.
// InvalidArgument when fewer than ceil(1 / fpir) such photos are left (the
// rate cannot be resolved) or fpir is outside (0, 1).
absl::StatusOr<GalleryCalibration> GalleryThresholdAtFpir(const CalibrationSet& set, const chain::Gallery& gallery,
                                                          double fpir);

// The per-pair threshold at `far` from a run's own-dataset evaluation (an
// evaluation whose dataset is a folder: or list: one, as
// experiments:evaluate_pipeline --dataset records): the exact FPR point or
// the ROC point with the largest FPR not above it. `uid` may be a prefix.
// NotFound naming the run when it has no such evaluation; FailedPrecondition
// when the run measured another recogniser than `recogniser_sha256`.
absl::StatusOr<double> RunThresholdAtFar(tracking::ExperimentStore& store, const std::string& uid,
                                         const std::string& recogniser_sha256, double far);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_CALIBRATION_H_
