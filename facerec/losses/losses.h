// Training losses for face embeddings, built by name, all behind one interface.
//
//   LossOptions options;
//   options.name = "arcface";                 // ce | normface | arcface | cosface | sphereface | triplet
//   options.num_classes = 500;
//   options.embedding_size = 256;
//   FACEREC_ASSIGN_OR_RETURN(Loss loss, MakeLoss(options));
//   LossOutput out = loss->forward(embeddings, labels);   // out.loss, out.logits (if any)
//
// Classification losses:
//   ce          softmax cross-entropy over a linear head (W x + b).
//   normface / arcface / cosface / sphereface
//               one combined-margin head: weights and embeddings L2-normalised,
//               the target logit cos(theta) becomes cos(m1*theta + m2) - m3, all
//               logits scaled by s. normface: m1=1, m2=0, m3=0; arcface: m2
//               (default 0.5); cosface: m3 (default 0.35); sphereface: m1
//               (default 1.35). Where m1*theta + m2 would pass pi the target
//               falls back to cos(theta) - m3 - m2*sin(m2) (insightface's rule), so
//               the logit keeps decreasing with theta.
//   curricularface (Huang et al., CVPR 2020): ArcFace's target (m2, default
//               0.5), and every negative whose cosine beats the margined
//               target is re-weighted cos_j * (t + cos_j), t a running mean
//               (momentum 0.01) of the target cosine: easy samples first,
//               hard ones as training matures. With no hard negative it is
//               ArcFace.
//   adaface     (Kim et al., CVPR 2022): a margin that follows image quality,
//               read from the feature norm: z = clip(h (|x| - mu) / sigma, -1,
//               1) with the batch's norm statistics (running, momentum 0.01)
//               and h = 0.333; target cos(theta - m z) - (m + m z), m = m2
//               (default 0.4). z = -1 is ArcFace(m), z = 0 CosFace(m): low
//               quality gets the angular margin, high quality the larger
//               additive one.
//   elasticface_arc / elasticface_cos (Boutros et al., CVPRW 2022): ArcFace's
//               or CosFace's margin drawn per sample from N(m, sigma) while
//               training (m2 default 0.5, m3 default 0.35; elastic_sigma
//               default 0.05); the mean margin at evaluation. sigma = 0 is
//               ArcFace / CosFace.
//   magface     (Meng et al., CVPR 2021): ArcFace with a margin that grows
//               with the feature magnitude a = clip(|x|, 10, 110): m(a) from
//               0.45 at a = 10 to 0.8 at a = 110 (gradient flows through a),
//               plus lambda_g (35) * mean(1/a + a/110^2), which pulls easy
//               faces to large magnitudes: the magnitude becomes a quality
//               score. With m(a) constant and lambda_g 0 it is ArcFace.
//   circle      Circle loss in its class-level form (Sun et al., CVPR 2020),
//               the head's weights as class proxies: target logit
//               gamma a_p (s_p - (1 - m)), others gamma a_n (s_n - m), with
//               a_p = [1 + m - s_p]+, a_n = [s_n + m]+ (not differentiated,
//               as the authors' code); m = m3 (default 0.25), gamma = scale
//               (default 256). With a_p = a_n = 1 it is CosFace with margin
//               1 - 2m.
//   Options for small data: margin warm-up (SetMarginScale scales every margin
//   from 0 to 1 while training starts), K sub-centres per class (the best of
//   K, Deng et al. 2020), label smoothing.
// Auxiliary term, on top of any classification loss:
//   center_loss_weight > 0 adds lambda * mean_i |u_i - c_{y_i}|^2 / 2 (Wen
//               et al., ECCV 2016), u_i the unit embedding (the space the
//               margin heads compare in), c_y a learned centre per class
//               (trained by the optimizer with the rest, not by the paper's
//               separate update rule).
// Metric loss:
//   triplet     margin loss on L2-normalised embeddings with Euclidean distances,
//               mined inside P x K batches: batch-hard (hardest positive and
//               negative per anchor, Hermans et al. 2017) or semi-hard (per
//               positive pair, the closest negative farther than the positive;
//               the farthest negative when none is, as in FaceNet).
#ifndef FACEREC_LOSSES_LOSSES_H_
#define FACEREC_LOSSES_LOSSES_H_

#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace facerec::losses {

struct LossOptions {
  std::string name = "ce";
  int num_classes = 0;       // Required for classification losses.
  int embedding_size = 0;    // Required for classification losses.
  double scale = 0;          // s; 0 = the loss's default (64 for margins; unused by ce).
  double m1 = -1, m2 = -1, m3 = -1;  // < 0: the loss's default.
  int subcenters = 1;        // K sub-centres per class (margin heads). Default 1.
  double label_smoothing = 0;  // Default 0.
  double elastic_sigma = 0.05;  // Spread of ElasticFace's margin. Default 0.05.
  double center_loss_weight = 0;  // lambda of the centre-loss term; 0 (default) = none.
  double triplet_margin = 0.2;         // Default 0.2 (unit-sphere Euclidean distance).
  std::string triplet_mining = "batch_hard";  // batch_hard | semi_hard.
};

struct LossOutput {
  torch::Tensor loss;     // Scalar.
  torch::Tensor logits;   // [N, classes] for classification losses, undefined otherwise.
  // Share of active (non-zero) triplets, for triplet losses; -1 otherwise.
  double active_fraction = -1;
  // Named parts of `loss` worth a curve of their own (the trainer records
  // each as train/<name>): a distillation term and the loss it is added to.
  std::vector<std::pair<std::string, torch::Tensor>> parts;
};

class LossImpl : public torch::nn::Module {
 public:
  virtual LossOutput forward(const torch::Tensor& embeddings, const torch::Tensor& labels) = 0;
  // The loss of a training batch whose rows are known: `rows` [N] int64 are
  // the images' indices in the training set (data::Batch::rows). Losses with
  // a target per image (losses/distillation.h) need them; the rest are
  // forward(embeddings, labels), which is the default. Trainers call this.
  virtual LossOutput ForwardRows(const torch::Tensor& embeddings, const torch::Tensor& labels,
                                 const torch::Tensor& rows) {
    return forward(embeddings, labels);
  }
  // Margin warm-up: 0 = no margin, 1 = full margin. Default 1; no-op for
  // losses without margins.
  virtual void SetMarginScale(double scale) {}
  // Logits without margin, for accuracy on held-out data (undefined for triplet).
  virtual torch::Tensor Logits(const torch::Tensor& embeddings) { return {}; }
};
using Loss = std::shared_ptr<LossImpl>;

absl::StatusOr<Loss> MakeLoss(const LossOptions& options);

// `options` with every "the loss's default" made explicit, as MakeLoss uses
// them: for the margin losses scale 0 becomes 64 and each margin < 0 that
// loss's own (arcface m2 0.5, cosface m3 0.35, ...). Other losses and unknown
// names come back unchanged. What a run records as its configuration.
LossOptions ResolvedLossOptions(LossOptions options);
std::vector<std::string> KnownLosses();

// Cross-entropy with label smoothing eps: (1 - eps) * NLL + eps * mean(-log p).
torch::Tensor SmoothedCrossEntropy(const torch::Tensor& logits, const torch::Tensor& labels,
                                   double label_smoothing);

// The combined-margin target logit (before scaling), exposed for tests.
torch::Tensor MarginTargetLogit(const torch::Tensor& cos_theta, double m1, double m2, double m3);

// AdaFace's target logit (before scaling) for quality z in [-1, 1]:
// cos(clip(theta - m z, 0, pi)) - m - m z. Exposed for tests.
torch::Tensor AdaFaceTargetLogit(const torch::Tensor& cos_theta, const torch::Tensor& z, double m);
// Target logits for per-sample margins `margins` ([N, 1]; ElasticFace's
// draws, MagFace's magnitude margins): angular (ArcFace's rule per sample,
// with its fallback) or additive.
torch::Tensor PerSampleTargetLogit(const torch::Tensor& cos_theta, const torch::Tensor& margins, bool angular);
// CurricularFace's negative logits: cos_j where cos_j <= target_margined,
// else cos_j * (t + cos_j). `cos` [N, C], `target_margined` [N, 1].
torch::Tensor CurricularNegatives(const torch::Tensor& cos, const torch::Tensor& target_margined, double t);
// MagFace's margin for magnitudes `a` (clipped to [10, 110]).
torch::Tensor MagFaceMargin(const torch::Tensor& a);
// MagFace's magnitude regulariser g(a) = 1/a + a/110^2 (per sample).
torch::Tensor MagFaceRegulariser(const torch::Tensor& a);
// Circle loss's class-level logits (scaled) for cosines `cos` [N, C]; with
// `weighted` false, a_p = a_n = 1.
torch::Tensor CircleLogits(const torch::Tensor& cos, const torch::Tensor& labels, double m, double gamma,
                           bool weighted);
// The centre-loss term: mean_i |embeddings_i - centres_{labels_i}|^2 / 2.
torch::Tensor CenterLossTerm(const torch::Tensor& embeddings, const torch::Tensor& centres,
                             const torch::Tensor& labels);
// Whether the loss uses elastic_sigma (its params record it).
bool IsElasticLoss(const std::string& name);

// Triplet loss on already-normalised embeddings; `semi_hard` picks the mining.
LossOutput TripletLoss(const torch::Tensor& embeddings, const torch::Tensor& labels, double margin,
                       bool semi_hard);

}  // namespace facerec::losses

#endif  // FACEREC_LOSSES_LOSSES_H_
