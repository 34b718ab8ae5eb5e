// Evidence that an image carries the wrong identity label, from held-out
// predictions only: a stratified k-fold split (no image is ever scored by a
// model that trained on it), confident learning on out-of-fold class
// probabilities (Northcutt, Jiang & Chuang, JAIR 2021), and the embedding's
// agreement with its label (cosine to its identity's centre against the
// nearest other centre, k-NN label agreement), combined into one rank score.
//
//   std::vector<int> fold = StratifiedFolds(labels, /*k=*/5, /*seed=*/1);
//   // For each fold f: train on fold != f, predict probabilities [n_f, C] and
//   // embeddings of the images of fold f, then:
//   ConfidentLearningResult cl = ConfidentLearning(out_of_fold_probabilities, labels);
//   std::vector<EmbeddingEvidence> ev = EmbeddingAgreement(held_out, held_out_labels,
//                                                          training, training_labels, /*k=*/10);
//   std::vector<double> score = MeanPercentile({1 - self_confidence, margin, disagreement});
//
// Labels are dense class indices 0..C-1 (the caller maps identities).
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_ANALYSIS_LABEL_NOISE_H_
#define FACEREC_ANALYSIS_LABEL_NOISE_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace facerec::analysis {

// fold[i] in 0..k-1. Each class's images, in an order shuffled by `seed`, are
// dealt round-robin starting at a per-class random fold, so every fold holds
// 1/k of each class (within one image) and a class of n >= 2 images keeps at
// least one image in every training part. k >= 2 (CHECK).
std::vector<int> StratifiedFolds(const std::vector<int>& labels, int k, uint64_t seed);

struct ConfidentLearningResult {
  // t_j: the mean predicted probability of class j over the images labelled
  // j; +inf for a class nobody is labelled with (never a confident label).
  std::vector<double> thresholds;
  // C[i][j]: images labelled i whose confident label is j ([C, C] int64).
  at::Tensor confident_joint;
  // Per image: argmax of p_j over the classes with p_j >= t_j, or -1 when no
  // class reaches its threshold.
  std::vector<int> confident_label;
  // p_label: the predicted probability of the given label.
  std::vector<double> self_confidence;
  // p_label - max_{j != label} p_j: negative when another class is preferred.
  std::vector<double> margin;
  // Classes predicted more probable than the given label (0: it is the argmax).
  // A misclassified clean image keeps its label among the first few; a
  // swapped one lands anywhere, because no image like it carries that label.
  std::vector<int> label_rank;
  // The confident label is another class: a label issue (the off-diagonal
  // of the confident joint).
  std::vector<bool> issue;
};

// `probabilities` [N, C] rows summing to 1 (out of fold); `labels` N in 0..C-1.
ConfidentLearningResult ConfidentLearning(const at::Tensor& probabilities, const std::vector<int>& labels);

struct EmbeddingEvidence {
  // Cosine to the centre of its label's references; NaN when no reference
  // carries its label (nothing to agree with).
  double own_cosine = 0;
  // The largest cosine to another label's centre, and that label.
  double nearest_other_cosine = 0;
  int nearest_other_label = -1;
  // The largest cosine to any centre: how face-like the image is to the set.
  double max_centre_cosine = 0;
  // Share of its k nearest references (by cosine) that carry its label.
  double knn_agreement = 0;
  // Centres closer to it than its own label's (0: its own is the nearest);
  // the number of centres when its label has none.
  int own_centre_rank = 0;
};

// `queries` [M, D] and `references` [R, D] unit rows; a centre is the
// normalised mean of a label's reference rows. The queries are never among
// the references (the caller's k-fold split guarantees it).
std::vector<EmbeddingEvidence> EmbeddingAgreement(const at::Tensor& queries,
                                                  const std::vector<int>& query_labels,
                                                  const at::Tensor& references,
                                                  const std::vector<int>& reference_labels, int k);

// Per item, the mean over `signals` of its percentile rank within that
// signal (in (0, 1], ties share their mean rank; larger = more suspicious).
// Rank averaging combines signals of different scales without weights.
// Every signal has the same length and no NaN (CHECK).
std::vector<double> MeanPercentile(const std::vector<std::vector<double>>& signals);

}  // namespace facerec::analysis

#endif  // FACEREC_ANALYSIS_LABEL_NOISE_H_
