#include "facerec/attacks/attacks.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "facerec/core/status_macros.h"

namespace facerec::attacks {
namespace {

absl::Status NonNegativeFinite(const char* name, double value) {
  if (!std::isfinite(value) || value < 0) {
    return absl::InvalidArgumentError(absl::StrCat("attack option ", name, " = ", value,
                                                   ": must be finite and >= 0"));
  }
  return absl::OkStatus();
}

absl::Status CheckImages(const char* name, const torch::Tensor& images) {
  if (!images.defined() || images.dim() != 4 || images.size(1) != 3 || !images.is_floating_point()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be a float [N, 3, H, W] tensor, got ",
                     images.defined() ? absl::StrCat("sizes ", images.dim(), "-d") : "undefined"));
  }
  if (images.numel() > 0) {
    const double lo = images.min().item<double>();
    const double hi = images.max().item<double>();
    if (!(lo >= 0 && hi <= 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " must hold pixels in [0, 1], found [", lo, ", ", hi, "]"));
    }
  }
  return absl::OkStatus();
}

// The mask as [N, 3, H, W] of exact 0/1, or InvalidArgument.
absl::StatusOr<torch::Tensor> BroadcastMask(const torch::Tensor& mask, const torch::Tensor& probes) {
  const int64_t n = probes.size(0), h = probes.size(2), w = probes.size(3);
  torch::Tensor m = mask;
  if (m.dim() == 2 && m.size(0) == h && m.size(1) == w) {
    m = m.view({1, 1, h, w});
  } else if (!(m.dim() == 4 && m.size(0) == n && (m.size(1) == 1 || m.size(1) == 3) && m.size(2) == h &&
               m.size(3) == w)) {
    return absl::InvalidArgumentError(absl::StrCat("the attack's mask must be [", h, ", ", w, "] or [", n,
                                                   ", 1 or 3, ", h, ", ", w, "]"));
  }
  return (m.to(probes.device()) > 0.5).to(probes.scalar_type()).expand_as(probes).contiguous();
}

torch::Tensor PairSimilarity(const DifferentiableEmbedding& embed, const torch::Tensor& x, const torch::Tensor& reference_unit) {
  return (torch::nn::functional::normalize(embed(x), torch::nn::functional::NormalizeFuncOptions().dim(1)) *
          reference_unit)
      .sum(1);
}

}  // namespace

std::vector<std::string> KnownAttackMethods() { return {"fgsm", "pgd", "mi_fgsm"}; }

std::string AttackMethodName(AttackMethod method) {
  switch (method) {
    case AttackMethod::kFgsm:
      return "fgsm";
    case AttackMethod::kPgd:
      return "pgd";
    case AttackMethod::kMiFgsm:
      return "mi_fgsm";
  }
  return "unknown";
}

absl::StatusOr<AttackMethod> AttackMethodByName(const std::string& name) {
  for (AttackMethod m : {AttackMethod::kFgsm, AttackMethod::kPgd, AttackMethod::kMiFgsm}) {
    if (AttackMethodName(m) == name) return m;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown attack '", name, "'; known: ", absl::StrJoin(KnownAttackMethods(), ", ")));
}

std::string AttackGoalName(AttackGoal goal) {
  return goal == AttackGoal::kDodging ? "dodging" : "impersonation";
}

absl::StatusOr<AttackGoal> AttackGoalByName(const std::string& name) {
  for (AttackGoal g : {AttackGoal::kDodging, AttackGoal::kImpersonation}) {
    if (AttackGoalName(g) == name) return g;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown attack goal '", name, "'; known: dodging, impersonation"));
}

absl::Status ValidateAttackOptions(const AttackOptions& options) {
  if (auto s = NonNegativeFinite("epsilon", options.epsilon); !s.ok()) return s;
  if (auto s = NonNegativeFinite("step_size", options.step_size); !s.ok()) return s;
  if (auto s = NonNegativeFinite("momentum", options.momentum); !s.ok()) return s;
  if (options.steps < 1) {
    return absl::InvalidArgumentError(absl::StrCat("attack option steps = ", options.steps, ": must be >= 1"));
  }
  return absl::OkStatus();
}

absl::StatusOr<torch::Tensor> AscendInBall(const Objective& objective, const torch::Tensor& images,
                                           const AttackOptions& options, const torch::Tensor& mask) {
  if (auto s = ValidateAttackOptions(options); !s.ok()) return s;
  if (auto s = CheckImages("images", images); !s.ok()) return s;
  torch::Tensor allowed = torch::ones_like(images);
  if (mask.defined()) {
    auto m = BroadcastMask(mask, images);
    if (!m.ok()) return m.status();
    allowed = *m;
  }
  const torch::Tensor clean = images.detach();
  const double eps = options.epsilon;
  // Nothing can move: the clean images, without the gradients' cost (the ε = 0 baseline).
  if (eps == 0) return clean;
  // The caller may hold a NoGradGuard (evaluation code does); the attack needs the gradient.
  torch::AutoGradMode grad_mode(true);
  const auto project = [&](const torch::Tensor& x) {
    return (clean + ((x - clean).clamp(-eps, eps) * allowed)).clamp(0, 1);
  };
  const auto gradient = [&](const torch::Tensor& x) {
    torch::Tensor leaf = x.detach().requires_grad_(true);
    return torch::autograd::grad({objective(leaf)}, {leaf})[0].detach();
  };
  if (options.method == AttackMethod::kFgsm) return project(clean + eps * gradient(clean).sign()).detach();
  const double alpha = options.step_size > 0 ? options.step_size : 2.5 * eps / options.steps;
  torch::Tensor x = clean;
  if (options.method == AttackMethod::kPgd && options.random_start) {
    at::Generator generator = at::detail::createCPUGenerator(options.seed);
    const torch::Tensor u =
        torch::rand(clean.sizes(), generator, torch::TensorOptions().dtype(clean.scalar_type()));
    x = project(clean + (2 * u.to(clean.device()) - 1) * eps);
  }
  torch::Tensor velocity = torch::zeros_like(clean);
  for (int step = 0; step < options.steps; ++step) {
    torch::Tensor g = gradient(x);
    if (options.method == AttackMethod::kMiFgsm) {
      // Per-image L1 normalisation (Dong et al., eq. 6); the epsilon keeps a zero gradient zero.
      const torch::Tensor l1 = g.abs().sum({1, 2, 3}, /*keepdim=*/true).clamp_min(1e-12);
      velocity = options.momentum * velocity + g / l1;
      g = velocity;
    }
    x = project(x + alpha * g.sign());
  }
  return x.detach();
}

absl::StatusOr<AttackResult> AttackPairs(const DifferentiableEmbedding& embed, const torch::Tensor& probes,
                                         const torch::Tensor& references, const AttackOptions& options,
                                         const torch::Tensor& mask) {
  if (auto s = ValidateAttackOptions(options); !s.ok()) return s;
  if (auto s = CheckImages("probes", probes); !s.ok()) return s;
  if (auto s = CheckImages("references", references); !s.ok()) return s;
  if (probes.sizes() != references.sizes()) {
    return absl::InvalidArgumentError("probes and references must have the same shape (pair i is row i of each)");
  }
  const torch::Tensor clean = probes.detach();
  torch::Tensor reference_unit;
  AttackResult result;
  {
    torch::NoGradGuard no_grad;
    reference_unit = torch::nn::functional::normalize(embed(references.detach()),
                                                      torch::nn::functional::NormalizeFuncOptions().dim(1));
    result.similarity_before = PairSimilarity(embed, clean, reference_unit);
  }
  const double ascend = options.goal == AttackGoal::kImpersonation ? 1.0 : -1.0;
  // ascend * similarity, summed over pairs: each pair's term depends only on its own probe.
  const Objective objective = [&](const torch::Tensor& x) {
    return (ascend * PairSimilarity(embed, x, reference_unit)).sum();
  };
  FACEREC_ASSIGN_OR_RETURN(result.adversarial, AscendInBall(objective, clean, options, mask));
  {
    torch::NoGradGuard no_grad;
    result.similarity_after = PairSimilarity(embed, result.adversarial, reference_unit);
  }
  return result;
}

torch::Tensor AttackSucceeded(const AttackResult& result, AttackGoal goal, double threshold) {
  const torch::Tensor accepted = result.similarity_after > threshold;
  return goal == AttackGoal::kImpersonation ? accepted : accepted.logical_not();
}

absl::StatusOr<torch::Tensor> EyeglassMask(int64_t height, int64_t width, std::array<double, 2> left_eye,
                                           std::array<double, 2> right_eye, double rim_width) {
  if (height <= 0 || width <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("eyeglass mask size ", width, "x", height, " must be positive"));
  }
  const double dx = right_eye[0] - left_eye[0], dy = right_eye[1] - left_eye[1];
  const double d = std::hypot(dx, dy);
  if (!(d > 0) || !std::isfinite(d)) {
    return absl::InvalidArgumentError("eyeglass mask: the eyes coincide (or are not finite)");
  }
  if (!(rim_width > 0 && rim_width < 0.3)) {
    return absl::InvalidArgumentError(absl::StrCat("eyeglass mask rim_width ", rim_width,
                                                   " must be in (0, 0.3) eye distances"));
  }
  const double c = dx / d, s = dy / d;
  const double a = 0.45 * d, b = 0.3 * d, t = rim_width * d;
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor ys = torch::arange(height, opts).view({height, 1}).expand({height, width});
  const torch::Tensor xs = torch::arange(width, opts).view({1, width}).expand({height, width});
  // Coordinates along (u) and across (v) the eye line, origin at `centre`.
  const auto frame = [&](double cx, double cy) {
    return std::pair{(xs - cx) * c + (ys - cy) * s, -(xs - cx) * s + (ys - cy) * c};
  };
  const auto inside = [](const torch::Tensor& u, const torch::Tensor& v, double ha, double hb) {
    return (u / ha).square() + (v / hb).square() <= 1;
  };
  torch::Tensor mask = torch::zeros({height, width}, torch::kBool);
  for (const auto& eye : {left_eye, right_eye}) {
    const auto [u, v] = frame(eye[0], eye[1]);
    mask = mask | (inside(u, v, a, b) & inside(u, v, a - t, b - t).logical_not());
  }
  // The bridge: a band of the rims' thickness across the gap, in the rims' upper half.
  const auto [u, v] = frame((left_eye[0] + right_eye[0]) / 2, (left_eye[1] + right_eye[1]) / 2);
  mask = mask | ((u.abs() <= 0.2 * d) & (v >= -0.7 * b) & (v <= -0.7 * b + t));
  return mask.to(torch::kFloat32);
}

std::vector<std::pair<int64_t, int64_t>> SamplePairs(const std::vector<int>& labels, int64_t count, bool same,
                                                     uint64_t seed) {
  // Every candidate pair listed, shuffled, the first `count` kept: exact and
  // without rejection loops (celebA_ir's queries give ~0.75 M pairs).
  std::vector<std::pair<int64_t, int64_t>> all;
  const int64_t n = static_cast<int64_t>(labels.size());
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) {
      if ((labels[i] == labels[j]) == same) all.emplace_back(i, j);
    }
  }
  std::mt19937_64 rng(seed);
  std::shuffle(all.begin(), all.end(), rng);
  if (static_cast<int64_t>(all.size()) > count) all.resize(std::max<int64_t>(count, 0));
  return all;
}

PerturbationSize MeasurePerturbation(const torch::Tensor& clean, const torch::Tensor& adversarial) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = clean.detach().to(torch::kFloat64);
  const torch::Tensor y = adversarial.detach().to(torch::kFloat64);
  PerturbationSize size;
  const torch::Tensor diff = y - x;
  size.linf = diff.abs().amax({1, 2, 3}).to(torch::kFloat32);
  size.psnr = (10 * torch::log10(1.0 / diff.square().mean({1, 2, 3}))).to(torch::kFloat32);

  constexpr int kWindow = 11;
  constexpr double kSigma = 1.5;
  const torch::Tensor r = torch::arange(kWindow, x.options()) - (kWindow - 1) / 2.0;
  torch::Tensor g = torch::exp(-r.square() / (2 * kSigma * kSigma));
  g = g / g.sum();
  const int64_t channels = x.size(1);
  const torch::Tensor kernel = torch::outer(g, g).expand({channels, 1, kWindow, kWindow}).contiguous();
  const auto blur = [&](const torch::Tensor& t) {
    return torch::nn::functional::conv2d(t, kernel,
                                         torch::nn::functional::Conv2dFuncOptions().groups(channels));
  };
  constexpr double kC1 = 0.01 * 0.01, kC2 = 0.03 * 0.03;  // (K L)^2 with L = 1.
  const torch::Tensor mx = blur(x), my = blur(y);
  const torch::Tensor vx = blur(x * x) - mx * mx, vy = blur(y * y) - my * my, cxy = blur(x * y) - mx * my;
  const torch::Tensor map =
      ((2 * mx * my + kC1) * (2 * cxy + kC2)) / ((mx * mx + my * my + kC1) * (vx + vy + kC2));
  size.ssim = map.mean({1, 2, 3}).to(torch::kFloat32);
  return size;
}

}  // namespace facerec::attacks
