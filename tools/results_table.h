// The loss-comparison table as Markdown, generated from the experiment store
// (experiments/RESULTS.md is this tool's output, never typed by hand).
//
//   FACEREC_ASSIGN_OR_RETURN(std::string markdown, ComparisonMarkdown(*store, "full-1795..."));
#ifndef FACEREC_TOOLS_RESULTS_TABLE_H_
#define FACEREC_TOOLS_RESULTS_TABLE_H_

#include <string>

#include "absl/status/statusor.h"
#include "facerec/tracking/experiment_names.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::tools {

// The newest `comparison` tag among FINISHED compare_losses runs whose tag
// starts with `prefix` ("quick", "full", or "" for any) and whose FINISHED
// runs trained at least two losses: one loss over seeds (a recipe's
// confirmation) is not a loss comparison, and a process over seeds
// (--seeds, tag origin/seeds) is the seeds section's.
absl::StatusOr<std::string> LatestComparison(tracking::ExperimentStore& store,
                                             const std::string& prefix);

// The newest comparison tag that includes a FINISHED run on our own
// alignment (run name "<loss>+landmark_net", experiments:compare_alignment)
// and one on the provided crops: a comparison, not a lone aligned run.
absl::StatusOr<std::string> LatestAlignmentComparison(tracking::ExperimentStore& store);

// The newest FINISHED landmark_net run (experiment train_landmarks) and
// dlib_68 run (experiment dlib_landmarks): NME, median NME and failure rate
// on each test set, and the per-face times that were recorded.
absl::StatusOr<std::string> LandmarksMarkdown(tracking::ExperimentStore& store);

// The newest FINISHED run of each detector (ours, haar, dlib_hog) of
// experiment evaluate_detectors: AP, AP on faces >= 24 px and recall at one false positive per photo on every set it
// scored; then our detector's newest training run (experiment train_detector):
// size, cost, epochs and time.
absl::StatusOr<std::string> DetectionMarkdown(tracking::ExperimentStore& store);

// The newest FINISHED run of experiment evaluate_pipeline: LFW and celebA_ir through the chain beside the
// datasets' crops, and the latency per stage.
absl::StatusOr<std::string> PipelineMarkdown(tracking::ExperimentStore& store);

// The newest FINISHED run of experiment attack_recogniser per attacked
// recogniser: white-box success at FAR 1e-3
// against ε for each attack and goal, PSNR and SSIM, then the transfer
// table at the largest ε. Recognisers of adversarial-training experiments
// (fine-tuned runs and the runs they started from) are left to
// DefenceMarkdown.
absl::StatusOr<std::string> AttacksMarkdown(tracking::ExperimentStore& store);

// The trash search: per (swap rate, injection seed) the newest FINISHED run
// of experiment "validate_trash_search", one row per fault kind (injected,
// flagged, found, precision@k, recall, precision, ROC AUC); then per set the
// newest FINISHED run of "find_trash" with its counts.
absl::StatusOr<std::string> TrashMarkdown(tracking::ExperimentStore& store);

// Adversarial training as a defence: per FINISHED compare_losses run
// fine-tuned with PGD (params adversarial_steps > 0 and finetune_from_run),
// the recogniser it started from, the newest clean fine-tuning of that
// start with the same epochs and learning rate (the control: same extra
// budget, clean images) and itself: clean celebA_ir TPR@FPR 0.1 and 0.01,
// and white-box PGD success at FAR 1e-3 against ε from each one's newest
// attack run. NotFoundError when no run was adversarially trained.
absl::StatusOr<std::string> DefenceMarkdown(tracking::ExperimentStore& store);

// Retraining without trash: per FINISHED compare_losses run with an
// exclusion list (param exclude_sha256), the newest FINISHED run whose params
// are the same but for the list (and the thread count): celebA_ir TPR at the
// six course FPRs and val 1-NN accuracy, before -> after. NotFoundError when
// no run excluded images.
absl::StatusOr<std::string> RetrainMarkdown(tracking::ExperimentStore& store);

// Per kind of comparison over seeds (experiment "loss_comparison", named
// "<variant><preset>-<time>" by compare_losses --seeds: the quick preset's
// four losses, the full preset's confirmation of a recipe, ...; two recipes
// at one preset are two kinds, told apart by their seeds' runs' params), its
// newest FINISHED run: mean ± std over seeds per loss, the TPR intervals, and the
// paired differences, bold where an interval excludes 0. Newest kind first.
// NotFoundError when there is none.
absl::StatusOr<std::string> SeedsMarkdown(tracking::ExperimentStore& store);

// Whether the embedding's norm predicts failures (MagFace's claim for its
// magnitude), per loss of the loss comparison over seeds of the most losses
// (the newest of those) whose seed runs recorded it (evaluation fnmr_vs_reject_by_norm on celebA_ir,
// pipeline/recognition.h): FNMR at FMR 0.01 with the lowest-norm 0-50 % of
// genuine pairs rejected, mean ± std over the seeds. NotFoundError when no
// seed run recorded the curve.
absl::StatusOr<std::string> NormQualityMarkdown(tracking::ExperimentStore& store);

// Every FINISHED evaluate_ensemble run, newest first: its combination, its
// members and reference named by the compare_losses runs that trained them
// (loss, seed, run), the identification rate at FPR 0.1 with its interval,
// the paired difference from the reference, TPR at FPR 1e-3, LFW, the cost
// per face beside one member's, the parameters. NotFoundError when there is
// none.
absl::StatusOr<std::string> EnsemblesMarkdown(tracking::ExperimentStore& store);

// A stage trained over seeds (train_landmarks, train_detector --seeds): its
// summary run's experiment and name, what its units are, and how to read it.
struct StageSeedsSection {
  std::string experiment;   // tracking::kTrainLandmarks
  std::string run_name;     // "landmark_seeds"
  std::string unit;         // "faces": what the bootstrap resamples.
  bool percent = false;     // Values shown × 100.
  std::string legend;       // Prose before the table's reading guide.
  std::string how_to_make;  // The command, for the NotFoundError.
};
inline const StageSeedsSection kLandmarkSeeds = {
    tracking::kTrainLandmarks, "landmark_seeds", "faces", true,
    "nme: mean point error over the eye-centre distance; fail: share of faces with NME > 10 %; "
    "as_flagged: the refinement pass and flip averaging on, as trained; no_refinement, "
    "no_flip_averaging: one of them off, the same nets; upright_refinement or "
    "no_upright_refinement (summaries since issue 35): the refinement crop turned so that the first "
    "pass's eyes lie level, or not, whichever as_flagged does not, the same nets; dlib_68 (summaries "
    "since issue 35's soft-argmax head): dlib's 68-point predictor on the same faces (its HOG box, "
    "experiments/dlib_landmarks.cc), one prediction counted for every seed, so its difference is dlib's "
    "NME minus the nets', paired over faces: above 0, ours is better.",
    "train_landmarks --seeds=1,2,3"};
inline const StageSeedsSection kDetectorSeeds = {
    tracking::kTrainDetector, "detector_seeds", "photos", false,
    "ap: average precision at IoU 0.5; ap_large: faces under 24 px ignored; recall_at_1fp: recall at one "
    "false positive per photo (AFW, where only recall means anything, and where detections of its "
    "unannotated faces count as false); recall_at_operating_point: AFW's recall at the score where the "
    "same net makes one false positive per photo on facemask_val, every face of which is annotated; "
    "as_flagged: the detector's defaults "
    "as the run's code had them (since issue 35 faces from 8 px, each photo enlarged 1.25x; before it from "
    "20 px, enlarged as much); no_enlargement: the photo as it is; smallest_face_20: faces from 20 px at the "
    "same enlargement; each on the same nets; a peer's name (ssd_mobilenetv1): its detections on the same photos "
    "(--external_detections), the same for every seed, so its difference from ours is paired photo by photo; "
    "reference_detector: a net of ours trained before (--reference_detector, the shipped one), its defaults, "
    "paired likewise.",
    "train_detector --seeds=1,2,3"};

// The newest FINISHED summary run of `section`: per variant, set and metric,
// mean ± std over the seeds, the bootstrap interval, and the paired
// difference from the first variant, marked where its interval excludes 0.
// NotFoundError when there is none.
absl::StatusOr<std::string> StageSeedsMarkdown(tracking::ExperimentStore& store, const StageSeedsSection& section);

// Your own data: each compare_losses run on a folder: or list: dataset
// evaluated on celebA_ir beside the built-in run of the same configuration
// (weights' sha256, metrics and evaluations compared); the newest
// evaluate_pipeline --dataset run's identification rate with its thresholds;
// the newest evaluate_gallery run's calibrated thresholds on unseen
// strangers. NotFoundError when there is none of them.
absl::StatusOr<std::string> OwnDataMarkdown(tracking::ExperimentStore& store);

// The newest FINISHED evaluate_clustering run: per set and algorithm at each
// FAR threshold, pairwise and BCubed scores, groups against people, the share
// unassigned and of distractors merged, and the best pairwise F1 over the
// swept thresholds; the default (best BCubed F on CelebA-500 val) in bold.
absl::StatusOr<std::string> ClusteringMarkdown(tracking::ExperimentStore& store);

// One row per FINISHED run tagged `comparison`: TPR at the six course FPRs,
// TPIR at the three FPIRs, accuracies, LFW, training time; then the shared
// configuration, the per-loss differences and the command that produced it.
absl::StatusOr<std::string> ComparisonMarkdown(tracking::ExperimentStore& store,
                                               const std::string& comparison);

}  // namespace facerec::tools

#endif  // FACEREC_TOOLS_RESULTS_TABLE_H_
