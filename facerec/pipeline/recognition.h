// The recognition pipeline's data and evaluation: loads CelebA-500, the
// ID-rate set and LFW fold 1 into memory once, embeds them with a trained
// backbone, and computes every metric of the loss comparison.
//
//   FACEREC_ASSIGN_OR_RETURN(RecognitionData data, LoadRecognitionData(data_root, 2));
//   // Train `backbone` and `loss` on data.train (train/trainer.h), then:
//   FACEREC_ASSIGN_OR_RETURN(RecognitionResult r,
//                            EvaluateRecognition(*backbone, *loss, data, eval_transform,
//                                                torch::kCPU, run));
//
// Crops: CelebA-500 training images are cut to the ID-rate window (rows
// 75-174, columns 44-126), the celebA_ir images already are that window, and
// LFW deep-funneled images (250x250) are cut to kLfwWindow, chosen to frame
// the face like the CelebA window does (eyes ~36% from the top, ~2.1 eye
// distances wide); it is an approximation, since LFW is aligned differently.
#ifndef FACEREC_PIPELINE_RECOGNITION_H_
#define FACEREC_PIPELINE_RECOGNITION_H_

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/backbones/backbone.h"
#include "facerec/data/face_batches.h"
#include "facerec/losses/losses.h"
#include "facerec/metrics/error_versus_reject.h"
#include "facerec/metrics/identification_rate.h"
#include "facerec/metrics/verification.h"
#include "facerec/tracking/run.h"

namespace facerec::pipeline {

inline const cv::Rect kLfwWindow(/*x=*/80, /*y=*/75, /*width=*/95, /*height=*/114);

struct RecognitionData {
  data::FaceImages train, val, test;     // CelebA-500 closed-set splits, labels 0..499.
  // CelebA-500 identities held out of train, val and test
  // (WithHeldOutIdentities), every image of them; empty unless asked for.
  data::FaceImages unseen;
  data::FaceImages queries, distractors;  // celebA_ir; query labels are CelebA ids.
  data::FaceImages lfw;                  // Every image LFW fold 1 uses, label = 0.
  std::vector<std::string> lfw_paths;    // Their files, in the same order.
  std::vector<std::pair<int, int>> lfw_pairs;  // Indices into `lfw`.
  std::vector<bool> lfw_same;
  std::vector<int> lfw_folds;
  int num_classes = 0;
  std::string fingerprint;  // Of everything above.
  // The dataset the identification rate (queries, distractors) is recorded
  // under: "celeba_ir", or an own dataset's name (recognition_datasets.h).
  std::string eval_name = "celeba_ir";
};

// `excluded`: CelebA-500 images to leave out of its three splits, named
// relative to the data root as the trash search's CSV names them
// ("celeba500/celebA_train_500/celebA_imgs/000001.jpg"); celebA_ir and LFW
// are never touched, so runs with and without an exclusion are scored on the
// same test sets. A name that is no CelebA-500 image is an
// InvalidArgumentError naming it (a typo must not exclude nothing silently).
// The fingerprint covers the images loaded, so it changes with `excluded`.
absl::StatusOr<RecognitionData> LoadRecognitionData(const std::filesystem::path& data_root,
                                                    int threads,
                                                    const std::set<std::string>& excluded = {});

// The pieces of LoadRecognitionData, for readers of other datasets
// (recognition_datasets.h): celebA_ir's queries (sorted by file name within
// each identity) and distractors, and LFW fold 1's pairs with their images,
// loaded into `d`; the files read are appended to `files` and the annotation
// files to `annotations` (for the fingerprint).
absl::Status LoadCelebaIr(const std::filesystem::path& data_root, int threads, RecognitionData* d,
                          std::vector<std::string>* files, std::vector<std::string>* annotations);
absl::Status LoadLfwFold1(const std::filesystem::path& data_root, int threads, RecognitionData* d,
                          std::vector<std::string>* files, std::vector<std::string>* annotations);

// The images an exclusion list names: one file per line, relative to the
// data root, anything after '#' a comment (the reason it is excluded).
// Errors name the list's file and line.
absl::StatusOr<std::set<std::string>> ReadExclusionList(const std::string& path);

// `data` with the val split moved into training: train = train + val, and
// val = test, so validation and the "val" closed-set numbers come from test
// alone. Pixels are shared, not copied. The fingerprint is unchanged: the
// images are the same; the run's params say how they were split.
RecognitionData WithValInTraining(const RecognitionData& data);

// `data` with `count` identities held out of all three CelebA-500 splits into
// `unseen`, so validation can measure what celebA_ir measures: faces of people
// the net never trained on. The val split's pairs are of training identities,
// and a recipe that fits those better need not transfer to new people (the
// first recipe search's lesson, experiments/RESULTS.md). The identities held
// out are spread evenly over the labels (0, s, 2s, ... with s = num_classes /
// count); the rest are relabelled 0, 1, ... in their order, so a
// classification head has no class without images. `count` 0 returns `data`;
// a negative count, or one leaving fewer than 2 training identities, is an
// InvalidArgumentError. Pixels are shared, not copied; the fingerprint is
// unchanged (the images are the same; a run's params say how they were split).
absl::StatusOr<RecognitionData> WithHeldOutIdentities(const RecognitionData& data, int count);

struct RecognitionResult {
  metrics::IdRateResult id_rate;
  metrics::OpenSetResult open_set;
  // Does the embedding's norm predict which celebA_ir query pairs fail?
  // (MagFace's claim for its magnitude; every loss gets the curve.) FNMR at
  // FMR 0.01 over the query pairs as the lowest-norm pairs are rejected.
  metrics::ErrorVersusReject norm_error_versus_reject;
  std::optional<double> val_accuracy, test_accuracy;  // Classification heads only.
  double val_centroid_accuracy = 0, test_centroid_accuracy = 0;
  metrics::VerificationResult lfw;
  double seconds = 0;
  // The celebA_ir embeddings id_rate and open_set came from (CPU), so a
  // bootstrap over query identities needs no second pass through the net
  // (pipeline/seed_comparison.h).
  at::Tensor query_embeddings, distractor_embeddings;
};

// L2-normalisable embeddings [N, d] of every image (eval mode, no augmentation).
// With `transform.flip_test` each embedding is the sum of the image's and its
// mirror image's (the usual face-recognition test-time flip): it costs a
// second forward pass and removes the net's left/right asymmetry.
at::Tensor Embed(backbones::BackboneImpl& backbone, const data::FaceImages& images,
                    const data::AugmentOptions& transform, int batch_size, c10::Device device);

// Both views' embeddings [N, d] from one pass over the images, for a caller
// that needs the single view and the flip sum alike (plain + mirrored is what
// Embed returns with flip_test), without a third forward pass.
struct ViewEmbeddings {
  at::Tensor plain;     // Each image as it is.
  at::Tensor mirrored;  // Each image mirrored left to right.
};
ViewEmbeddings EmbedBothViews(backbones::BackboneImpl& backbone, const data::FaceImages& images,
                              const data::AugmentOptions& transform, int batch_size, c10::Device device);

// The FPRs of the validation identification rate: the target's 0.1 and the
// stricter 0.01 (at 1e-3 the val split's ~1.7 million pairs leave too few
// false pairs above the threshold for a stable number).
inline const std::vector<double> kValidationFprs = {0.1, 0.01};

struct ValidationResult {
  std::optional<double> head_accuracy;  // Classification losses only.
  double nearest_neighbour_accuracy = 0;  // Leave-one-out 1-NN among the images.
  // The course identification rate with the images as the query set and no
  // distractors (every pair of images; metrics/identification_rate.h), one
  // point per kValidationFprs: the quantity celebA_ir measures, on a split a
  // search may look at.
  std::vector<metrics::RocPoint> id_rate;
};

// Cheap per-epoch validation on `images` (the val split): the head's accuracy,
// leave-one-out nearest-neighbour accuracy and the identification rate of the
// embeddings (the last two work for every loss). Leaves backbone and loss in
// eval mode.
ValidationResult Validate(backbones::BackboneImpl& backbone, losses::LossImpl& loss,
                          const data::FaceImages& images, const data::AugmentOptions& transform,
                          c10::Device device);

// The same without the head, for identities it has no class for (the
// `unseen` images): nearest-neighbour accuracy and identification rate only;
// head_accuracy stays empty. Leaves backbone in eval mode.
ValidationResult ValidateUnseenIdentities(backbones::BackboneImpl& backbone,
                                          const data::FaceImages& images,
                                          const data::AugmentOptions& transform, c10::Device device);

// Evaluates and, when `run` is non-null, records: evaluations (celeba_ir
// id_rate at the six course FPRs, id_rate_roc curve points, tpir_fpir at
// FPIR 0.3/0.1/0.01, fnmr_vs_reject_by_norm: target_fpr holds the reject
// fraction, tpr the FNMR, positive_pairs the genuine pairs kept) and metrics eval/* (accuracies, LFW, rank-1).
absl::StatusOr<RecognitionResult> EvaluateRecognition(backbones::BackboneImpl& backbone,
                                                      losses::LossImpl& loss,
                                                      const RecognitionData& data,
                                                      const data::AugmentOptions& transform,
                                                      c10::Device device, tracking::Run* run);

// The same for a recogniser without a classification head (an ensemble, a
// net loaded from its file): no head accuracies; everything else alike.
absl::StatusOr<RecognitionResult> EvaluateRecognition(backbones::BackboneImpl& backbone, const RecognitionData& data,
                                                      const data::AugmentOptions& transform, c10::Device device,
                                                      tracking::Run* run);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_RECOGNITION_H_
