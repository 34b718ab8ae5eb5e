#include "facerec/losses/losses.h"

#include <cmath>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace facerec::losses {
namespace {

namespace F = torch::nn::functional;

torch::Tensor Normalise(const torch::Tensor& x) {
  return F::normalize(x, F::NormalizeFuncOptions().dim(1).eps(1e-12));
}

class SoftmaxLossImpl : public LossImpl {
 public:
  explicit SoftmaxLossImpl(const LossOptions& o) : label_smoothing_(o.label_smoothing) {
    head_ = register_module("head", torch::nn::Linear(o.embedding_size, o.num_classes));
  }
  LossOutput forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override {
    LossOutput out;
    out.logits = head_(embeddings);
    out.loss = SmoothedCrossEntropy(out.logits, labels, label_smoothing_);
    return out;
  }
  torch::Tensor Logits(const torch::Tensor& embeddings) override { return head_(embeddings); }

 private:
  const double label_smoothing_;
  torch::nn::Linear head_{nullptr};
};

// The one margin head: every margin loss shares its weights, sub-centres,
// scale, warm-up and smoothing; `name` picks how the target (and, for
// CurricularFace, the hard negatives) are margined.
class MarginSoftmaxLossImpl : public LossImpl {
 public:
  MarginSoftmaxLossImpl(const LossOptions& o, double m1, double m2, double m3, double scale)
      : name_(o.name), m1_(m1), m2_(m2), m3_(m3), scale_(scale), elastic_sigma_(o.elastic_sigma),
        subcenters_(o.subcenters), num_classes_(o.num_classes), label_smoothing_(o.label_smoothing) {
    weight_ = register_parameter(
        "weight", torch::randn({o.num_classes * o.subcenters, o.embedding_size}) * 0.01);
    // Running statistics, saved with the head (buffers) so a resumed run
    // continues them. AdaFace's initial values are its paper's (20, 100).
    // Only the losses that keep them have them: the other heads' checkpoints stay as they were.
    if (name_ == "curricularface") {
      curricular_t_ = register_buffer("curricular_t", torch::zeros({1}, torch::kFloat64));
    }
    if (name_ == "adaface") {
      norm_mean_ = register_buffer("norm_mean", torch::full({1}, 20.0, torch::kFloat64));
      norm_std_ = register_buffer("norm_std", torch::full({1}, 100.0, torch::kFloat64));
    }
  }

  LossOutput forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override {
    torch::Tensor cos = Cosines(embeddings);
    const double m1 = 1.0 + (m1_ - 1.0) * margin_scale_;
    const double m2 = m2_ * margin_scale_, m3 = m3_ * margin_scale_;
    const torch::Tensor index = labels.unsqueeze(1);
    const torch::Tensor target_cos = cos.gather(1, index);
    torch::Tensor target, extra_loss;  // extra_loss: MagFace's magnitude term.
    if (name_ == "adaface") {
      const torch::Tensor norms = embeddings.detach().norm(2, 1, true).clamp(0.001, 100).to(torch::kFloat64);
      if (is_training()) {
        torch::NoGradGuard no_grad;
        const torch::Tensor std = norms.numel() > 1 ? norms.std() : torch::zeros({}, norms.options());
        norm_mean_.mul_(1 - kMomentum).add_(kMomentum * norms.mean());
        norm_std_.mul_(1 - kMomentum).add_(kMomentum * std);
      }
      const torch::Tensor z =
          ((norms - norm_mean_) / (norm_std_ + 1e-3) * kAdaFaceH).clamp(-1, 1).to(target_cos.dtype());
      target = AdaFaceTargetLogit(target_cos, z, m2);
    } else if (name_ == "magface") {
      const torch::Tensor a = embeddings.norm(2, 1, true).clamp(kMagMinA, kMagMaxA).to(target_cos.dtype());
      const torch::Tensor m = MagFaceMargin(a) * margin_scale_;
      target = PerSampleTargetLogit(target_cos, m, true);
      extra_loss = kMagLambda * MagFaceRegulariser(a).mean();
    } else if (name_ == "circle") {
      LossOutput out;
      out.logits = CircleLogits(cos, labels, m3, scale_, true);
      out.loss = SmoothedCrossEntropy(out.logits, labels, label_smoothing_);
      return out;
    } else if (IsElasticLoss(name_)) {
      const bool angular = name_ == "elasticface_arc";
      const double mean = angular ? m2 : m3;
      torch::Tensor margins = torch::full_like(target_cos, mean);
      if (is_training() && elastic_sigma_ > 0) {
        margins = margins + torch::randn_like(target_cos) * (elastic_sigma_ * margin_scale_);
      }
      target = PerSampleTargetLogit(target_cos, margins, angular);
    } else {
      target = MarginTargetLogit(target_cos, m1, m2, m3);
    }
    if (name_ == "curricularface") {
      if (is_training()) {
        torch::NoGradGuard no_grad;
        curricular_t_.mul_(1 - kMomentum).add_(kMomentum * target_cos.to(torch::kFloat64).mean());
      }
      cos = CurricularNegatives(cos, target.detach(), curricular_t_.item<double>());
    }
    LossOutput out;
    out.logits = cos.scatter(1, index, target) * scale_;
    out.loss = SmoothedCrossEntropy(out.logits, labels, label_smoothing_);
    if (extra_loss.defined()) out.loss = out.loss + extra_loss;
    return out;
  }

  torch::Tensor Logits(const torch::Tensor& embeddings) override {
    return Cosines(embeddings) * scale_;
  }
  void SetMarginScale(double scale) override { margin_scale_ = scale; }

 private:
  // [N, classes]: the best of each class's sub-centres.
  torch::Tensor Cosines(const torch::Tensor& embeddings) {
    torch::Tensor cos = torch::mm(Normalise(embeddings), Normalise(weight_).t());
    if (subcenters_ > 1) {
      cos = std::get<0>(cos.view({-1, num_classes_, subcenters_}).max(2));
    }
    return cos.clamp(-1.0, 1.0);
  }

  // The papers' momentum for the running statistics and AdaFace's h.
  static constexpr double kMomentum = 0.01;
  static constexpr double kAdaFaceH = 0.333;
  // MagFace's magnitude range and regulariser weight (the paper's).
  static constexpr double kMagMinA = 10, kMagMaxA = 110, kMagLambda = 35;
  const std::string name_;
  const double m1_, m2_, m3_, scale_, elastic_sigma_;
  const int subcenters_, num_classes_;
  const double label_smoothing_;
  double margin_scale_ = 1.0;
  torch::Tensor weight_, curricular_t_, norm_mean_, norm_std_;
};

// Any classification loss plus the centre-loss term on unit embeddings.
class WithCenterLossImpl : public LossImpl {
 public:
  WithCenterLossImpl(const LossOptions& o, Loss inner) : weight_(o.center_loss_weight) {
    inner_ = register_module("inner", std::move(inner));
    centres_ = register_parameter("centres", torch::randn({o.num_classes, o.embedding_size}) * 0.01);
  }
  LossOutput forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override {
    LossOutput out = inner_->forward(embeddings, labels);
    out.loss = out.loss + weight_ * CenterLossTerm(Normalise(embeddings), centres_, labels);
    return out;
  }
  void SetMarginScale(double scale) override { inner_->SetMarginScale(scale); }
  torch::Tensor Logits(const torch::Tensor& embeddings) override { return inner_->Logits(embeddings); }

 private:
  const double weight_;
  Loss inner_;
  torch::Tensor centres_;
};

class TripletLossImpl : public LossImpl {
 public:
  explicit TripletLossImpl(const LossOptions& o)
      : margin_(o.triplet_margin), semi_hard_(o.triplet_mining == "semi_hard") {}
  LossOutput forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override {
    return TripletLoss(Normalise(embeddings), labels, margin_, semi_hard_);
  }

 private:
  const double margin_;
  const bool semi_hard_;
};

struct MarginDefaults {
  double m1, m2, m3;
};

const std::map<std::string, MarginDefaults>& MarginLosses() {
  static const auto* losses = new std::map<std::string, MarginDefaults>{
      {"normface", {1.0, 0.0, 0.0}},
      {"arcface", {1.0, 0.5, 0.0}},
      {"cosface", {1.0, 0.0, 0.35}},
      {"sphereface", {1.35, 0.0, 0.0}},
      {"curricularface", {1.0, 0.5, 0.0}},
      {"adaface", {1.0, 0.4, 0.0}},
      {"elasticface_arc", {1.0, 0.5, 0.0}},
      {"elasticface_cos", {1.0, 0.0, 0.35}},
      {"magface", {1.0, 0.0, 0.0}},   // Its margin follows the magnitude.
      {"circle", {1.0, 0.0, 0.25}},   // m3 is Circle loss's relaxation m.
  };
  return *losses;
}

}  // namespace

torch::Tensor SmoothedCrossEntropy(const torch::Tensor& logits, const torch::Tensor& labels,
                                   double label_smoothing) {
  const torch::Tensor log_p = torch::log_softmax(logits, 1);
  const torch::Tensor nll = -log_p.gather(1, labels.unsqueeze(1)).squeeze(1);
  if (label_smoothing <= 0) return nll.mean();
  const torch::Tensor uniform = -log_p.mean(1);
  return ((1.0 - label_smoothing) * nll + label_smoothing * uniform).mean();
}

torch::Tensor MarginTargetLogit(const torch::Tensor& cos_theta, double m1, double m2, double m3) {
  if (m1 == 1.0 && m2 == 0.0) return cos_theta - m3;  // CosFace / NormFace: no angle needed.
  const double eps = 1e-7;
  const torch::Tensor theta = torch::acos(cos_theta.clamp(-1.0 + eps, 1.0 - eps));
  const torch::Tensor margined = torch::cos(m1 * theta + m2) - m3;
  // Past theta = (pi - m2) / m1 the cosine would rise again: fall back.
  const torch::Tensor fallback = cos_theta - m3 - m2 * std::sin(m2);
  return torch::where(theta <= (M_PI - m2) / m1, margined, fallback);
}

torch::Tensor AdaFaceTargetLogit(const torch::Tensor& cos_theta, const torch::Tensor& z, double m) {
  const double eps = 1e-7;
  const torch::Tensor theta = torch::acos(cos_theta.clamp(-1.0 + eps, 1.0 - eps));
  return torch::cos((theta - m * z).clamp(eps, M_PI - eps)) - m - m * z;
}

torch::Tensor PerSampleTargetLogit(const torch::Tensor& cos_theta, const torch::Tensor& margins, bool angular) {
  if (!angular) return cos_theta - margins;
  const double eps = 1e-7;
  const torch::Tensor theta = torch::acos(cos_theta.clamp(-1.0 + eps, 1.0 - eps));
  // ArcFace's rule, per sample: past theta = pi - m, fall back to cos - m sin m.
  return torch::where(theta <= M_PI - margins, torch::cos(theta + margins),
                      cos_theta - margins * torch::sin(margins));
}

torch::Tensor CurricularNegatives(const torch::Tensor& cos, const torch::Tensor& target_margined, double t) {
  const torch::Tensor hard = cos > target_margined;
  return torch::where(hard, cos * (t + cos), cos);
}

torch::Tensor MagFaceMargin(const torch::Tensor& a) {
  return (0.8 - 0.45) / (110.0 - 10.0) * (a.clamp(10, 110) - 10.0) + 0.45;
}

torch::Tensor MagFaceRegulariser(const torch::Tensor& a) { return 1.0 / a + a / (110.0 * 110.0); }

torch::Tensor CircleLogits(const torch::Tensor& cos, const torch::Tensor& labels, double m, double gamma,
                           bool weighted) {
  const torch::Tensor target = torch::zeros_like(cos).scatter(1, labels.unsqueeze(1), 1).to(torch::kBool);
  torch::Tensor alpha_p = torch::ones_like(cos), alpha_n = torch::ones_like(cos);
  if (weighted) {
    alpha_p = (1.0 + m - cos.detach()).clamp_min(0);
    alpha_n = (cos.detach() + m).clamp_min(0);
  }
  return gamma * torch::where(target, alpha_p * (cos - (1.0 - m)), alpha_n * (cos - m));
}

torch::Tensor CenterLossTerm(const torch::Tensor& embeddings, const torch::Tensor& centres,
                             const torch::Tensor& labels) {
  return 0.5 * (embeddings - centres.index_select(0, labels)).pow(2).sum(1).mean();
}

bool IsElasticLoss(const std::string& name) { return name == "elasticface_arc" || name == "elasticface_cos"; }

LossOutput TripletLoss(const torch::Tensor& embeddings, const torch::Tensor& labels, double margin,
                       bool semi_hard) {
  // Squared distances from the Gram matrix (unit vectors: |a-b|^2 = 2 - 2 a.b).
  const torch::Tensor dist =
      (2.0 - 2.0 * torch::mm(embeddings, embeddings.t())).clamp_min(1e-12).sqrt();
  const torch::Tensor same = labels.unsqueeze(0).eq(labels.unsqueeze(1));
  const torch::Tensor eye = torch::eye(labels.size(0), same.options());
  const torch::Tensor positive = same.logical_and(eye.logical_not());
  const torch::Tensor negative = same.logical_not();
  const double big = 1e4;
  LossOutput out;
  if (!semi_hard) {
    const torch::Tensor hardest_positive =
        std::get<0>(torch::where(positive, dist, torch::zeros_like(dist)).max(1));
    const torch::Tensor hardest_negative =
        std::get<0>(torch::where(negative, dist, torch::full_like(dist, big)).min(1));
    const torch::Tensor valid =
        positive.any(1).logical_and(negative.any(1)).to(dist.dtype());
    const torch::Tensor per_anchor = torch::relu(hardest_positive - hardest_negative + margin) * valid;
    out.loss = per_anchor.sum() / valid.sum().clamp_min(1.0);
    out.active_fraction =
        (per_anchor.gt(0).to(torch::kFloat64).sum() / valid.sum().clamp_min(1.0)).item<double>();
    return out;
  }
  // Semi-hard: for every (anchor a, positive p), the closest negative n with
  // d(a,n) > d(a,p); if there is none, the farthest negative.
  const torch::Tensor d_ap = dist.unsqueeze(2);            // [a, p, 1]
  const torch::Tensor d_an = dist.unsqueeze(1);            // [a, 1, n]
  const torch::Tensor neg = negative.unsqueeze(1);         // [a, 1, n]
  const torch::Tensor farther = neg.logical_and(d_an > d_ap);  // [a, p, n]
  const torch::Tensor closest_farther =
      std::get<0>(torch::where(farther, d_an.expand_as(farther), torch::full_like(farther, big,
                                                                                   dist.options()))
                      .min(2));                             // [a, p]
  const torch::Tensor farthest =
      std::get<0>(torch::where(negative, dist, torch::full_like(dist, -big)).max(1));  // [a]
  const torch::Tensor chosen =
      torch::where(farther.any(2), closest_farther, farthest.unsqueeze(1).expand_as(closest_farther));
  const torch::Tensor pair_mask =
      positive.logical_and(negative.any(1).unsqueeze(1)).to(dist.dtype());
  const torch::Tensor per_pair = torch::relu(dist - chosen + margin) * pair_mask;
  out.loss = per_pair.sum() / pair_mask.sum().clamp_min(1.0);
  out.active_fraction =
      (per_pair.gt(0).to(torch::kFloat64).sum() / pair_mask.sum().clamp_min(1.0)).item<double>();
  return out;
}

std::vector<std::string> KnownLosses() {
  std::vector<std::string> names = {"ce", "triplet"};
  for (const auto& [name, defaults] : MarginLosses()) names.push_back(name);
  return names;
}

LossOptions ResolvedLossOptions(LossOptions o) {
  const auto margin = MarginLosses().find(o.name);
  if (margin == MarginLosses().end()) return o;
  const MarginDefaults& d = margin->second;
  if (o.m1 < 0) o.m1 = d.m1;
  if (o.m2 < 0) o.m2 = d.m2;
  if (o.m3 < 0) o.m3 = d.m3;
  if (o.scale <= 0) o.scale = o.name == "circle" ? 256.0 : 64.0;
  return o;
}

absl::StatusOr<Loss> MakeLoss(const LossOptions& options) {
  const LossOptions o = ResolvedLossOptions(options);
  if (o.name == "triplet") {
    if (o.triplet_mining != "batch_hard" && o.triplet_mining != "semi_hard") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown triplet mining '", o.triplet_mining, "'; known: batch_hard, semi_hard"));
    }
    if (o.triplet_margin <= 0) return absl::InvalidArgumentError("triplet_margin must be > 0");
    return std::make_shared<TripletLossImpl>(o);
  }
  const auto margin = MarginLosses().find(o.name);
  if (o.name != "ce" && margin == MarginLosses().end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown loss '", o.name, "'; known: ",
                                                   absl::StrJoin(KnownLosses(), ", ")));
  }
  if (o.num_classes < 2 || o.embedding_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "loss '", o.name, "' needs num_classes >= 2 and embedding_size >= 1, got ",
        o.num_classes, " and ", o.embedding_size));
  }
  if (o.label_smoothing < 0 || o.label_smoothing >= 1) {
    return absl::InvalidArgumentError("label_smoothing must be in [0, 1)");
  }
  if (!(o.center_loss_weight >= 0)) return absl::InvalidArgumentError("center_loss_weight must be >= 0");
  auto with_centres = [&o](Loss inner) -> Loss {
    if (o.center_loss_weight == 0) return inner;
    return std::make_shared<WithCenterLossImpl>(o, std::move(inner));
  };
  if (o.name == "ce") return with_centres(std::make_shared<SoftmaxLossImpl>(o));
  if (o.subcenters < 1) return absl::InvalidArgumentError("subcenters must be >= 1");
  if (o.m1 < 1.0) return absl::InvalidArgumentError("m1 must be >= 1");
  if (o.m1 != 1.0 && (o.name == "curricularface" || o.name == "adaface" || o.name == "magface" ||
                      o.name == "circle" || IsElasticLoss(o.name))) {
    return absl::InvalidArgumentError(absl::StrCat("loss '", o.name, "' has no multiplicative margin (m1 must be 1)"));
  }
  if (!(o.elastic_sigma >= 0 && o.elastic_sigma < 1)) {
    return absl::InvalidArgumentError("elastic_sigma must be in [0, 1)");
  }
  return with_centres(std::make_shared<MarginSoftmaxLossImpl>(o, o.m1, o.m2, o.m3, o.scale));
}

}  // namespace facerec::losses
