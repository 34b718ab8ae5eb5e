// Adversarial attacks on a face recogniser's pair similarity: FGSM, PGD
// (L∞, random start) and MI-FGSM, in the pixel space of the input image,
// with an optional mask that confines the perturbation (the eyeglass frame of
// Sharif et al., CCS 2016), and the perturbation's size as L∞, PSNR and SSIM.
//
//   backbones::EmbeddingNet net = ...;            // net.backbone->eval() first
//   const DifferentiableEmbedding embed = [&](const torch::Tensor& x) { return net.backbone->forward(x); };
//   AttackOptions options;
//   options.method = AttackMethod::kPgd;
//   options.goal = AttackGoal::kDodging;          // push a same-identity pair apart
//   options.epsilon = 4.0 / 255;
//   FACEREC_ASSIGN_OR_RETURN(AttackResult r, AttackPairs(embed, probes, references, options));
//   // r.adversarial: probes moved at most epsilon per pixel, still in [0, 1];
//   // r.similarity_after < threshold where the dodging succeeded.
//
// The images are what the recogniser takes: [N, 3, H, W] RGB in [0, 1] (the
// backbones normalise inside the net, so an ε of k/255 is k grey levels of the
// photo). Each probe is attacked against its own reference (row i against row
// i); the references stay clean. The objective is the cosine similarity of the
// pair's embeddings: dodging lowers it (a genuine pair rejected), impersonation
// raises it (an impostor pair accepted). The pairs of a batch are independent
// because the objective is their sum and the net is in eval mode (BatchNorm
// with its running statistics); in train mode the attack would see the batch's
// statistics, which is the caller's mistake.
//
// The methods (x the probe, g the objective's gradient, Π the projection onto
// the ε-ball around x, the mask and [0, 1]):
//   kFgsm    x' = Π(x + ε sign(g)) (Goodfellow et al. 2015), one step.
//   kPgd     x₀ = Π(x + U(-ε, ε)) when random_start, then `steps` times
//            x ← Π(x + α sign(g)) (Madry et al. 2018).
//   kMiFgsm  v ← μ v + g / ‖g‖₁ (per image), x ← Π(x + α sign(v)), from the
//            clean image (Dong et al. 2018): the momentum's direction
//            transfers better to other models than the raw gradient's.
// α is `step_size`, or 2.5 ε / steps when it is 0 (Madry's choice, which lets
// a walk reach the ball's boundary from any start).
//
// Thread-safety: functions of their arguments; the embedder is called from
// the calling thread only.
#ifndef FACEREC_ATTACKS_ATTACKS_H_
#define FACEREC_ATTACKS_ATTACKS_H_

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace facerec::attacks {

enum class AttackMethod { kFgsm, kPgd, kMiFgsm };
enum class AttackGoal { kDodging, kImpersonation };

// "fgsm", "pgd", "mi_fgsm"; "dodging", "impersonation".
std::vector<std::string> KnownAttackMethods();
std::string AttackMethodName(AttackMethod method);
// InvalidArgumentError naming the known methods for another name.
absl::StatusOr<AttackMethod> AttackMethodByName(const std::string& name);
std::string AttackGoalName(AttackGoal goal);
absl::StatusOr<AttackGoal> AttackGoalByName(const std::string& name);

struct AttackOptions {
  // Default kPgd.
  AttackMethod method = AttackMethod::kPgd;
  // Default kDodging.
  AttackGoal goal = AttackGoal::kDodging;
  // L∞ radius in pixel units of [0, 1] images, ≥ 0. Default 4/255.
  double epsilon = 4.0 / 255;
  // Iterations of kPgd and kMiFgsm (kFgsm takes one step of ε), ≥ 1.
  // Default 10.
  int steps = 10;
  // α per step, ≥ 0; 0 means 2.5 ε / steps. Ignored by kFgsm. Default 0.
  double step_size = 0;
  // kPgd starts from a uniform point of the ball (inside the mask). Default true.
  bool random_start = true;
  // kMiFgsm's decay μ, ≥ 0. Default 1 (Dong et al.'s value).
  double momentum = 1.0;
  // The random start's seed (the run is deterministic given it). Default 0.
  uint64_t seed = 0;
};

// InvalidArgumentError naming the option for a value out of range or not finite.
absl::Status ValidateAttackOptions(const AttackOptions& options);

// [N, 3, H, W] float in [0, 1] -> [N, D]; differentiable (autograd on): a
// recogniser's backbone (backbones::EmbeddingNet) as the function an attack
// takes gradients through.
using DifferentiableEmbedding = std::function<at::Tensor(const at::Tensor&)>;

struct AttackResult {
  at::Tensor adversarial;        // [N, 3, H, W] in [0, 1], detached.
  at::Tensor similarity_before;  // [N] cosine of (probe, reference), clean.
  at::Tensor similarity_after;   // [N] cosine of (adversarial, reference).
};

// `probes` and `references` [N, 3, H, W] float in [0, 1], same shape.
// `mask`, when defined, [H, W] or [N, 1, H, W] or [N, 3, H, W] of 0/1 (any
// value > 0.5 is 1): the perturbation is zero outside it. InvalidArgumentError
// for bad options, shapes or pixel values outside [0, 1].
absl::StatusOr<AttackResult> AttackPairs(const DifferentiableEmbedding& embed, const at::Tensor& probes,
                                         const at::Tensor& references, const AttackOptions& options,
                                         const at::Tensor& mask = {});

// [N, 3, H, W] images -> a scalar to increase, differentiable; the sum of
// independent per-image terms when the images are to be attacked apart.
using Objective = std::function<at::Tensor(const at::Tensor&)>;

// The engine of AttackPairs, for any objective (adversarial training's is
// the training loss, train/trainer.h): `images` moved by options.method
// (fgsm, pgd with its random start, mi_fgsm; options.goal is ignored) to
// increase `objective`, never leaving the ε-ball, the mask or [0, 1].
// ε = 0 returns the images unchanged without calling the objective.
// InvalidArgumentError as AttackPairs.
absl::StatusOr<at::Tensor> AscendInBall(const Objective& objective, const at::Tensor& images,
                                           const AttackOptions& options, const at::Tensor& mask = {});

// Whether each pair reached the goal at `threshold` (the verifier accepts a
// pair scoring strictly above it, as metrics::IdentificationRate counts).
// Dodging succeeds where the adversarial pair is not accepted, impersonation
// where it is. [N] bool.
at::Tensor AttackSucceeded(const AttackResult& result, AttackGoal goal, double threshold);

// An eyeglass frame, [H, W] float of 0/1: two elliptical rims centred on the
// eyes (`left_eye`, `right_eye` as {x, y} pixels, the eye on the image's left
// first), each rim `rim_width` eye distances thick, joined by a bridge over
// the nose, like the frames Sharif et al. print. The rims' half-axes are 0.45
// and 0.3 eye distances (a frame that covers the eye region of an aligned
// crop without reaching the mouth). InvalidArgumentError when the eyes
// coincide or the size is not positive.
absl::StatusOr<at::Tensor> EyeglassMask(int64_t height, int64_t width, std::array<double, 2> left_eye,
                                           std::array<double, 2> right_eye, double rim_width = 0.12);

// `count` pairs (i, j), i != j, of images whose labels are equal (`same`) or
// differ, drawn without repetition (an unordered pair at most once) by a
// generator seeded with `seed`; fewer when fewer exist. Deterministic.
std::vector<std::pair<int64_t, int64_t>> SamplePairs(const std::vector<int>& labels, int64_t count, bool same,
                                                     uint64_t seed);

// How large a perturbation is, per image: [N] each.
struct PerturbationSize {
  at::Tensor linf;  // max |adversarial - clean|, in [0, 1] units.
  at::Tensor psnr;  // dB for a peak of 1; inf for identical images.
  at::Tensor ssim;  // Wang et al. 2004: 11x11 Gaussian window, σ 1.5,
                       // K1 0.01, K2 0.03, valid windows only, mean over
                       // channels and positions. 1 for identical images.
};
// `clean` and `adversarial` [N, 3, H, W] in [0, 1], H and W ≥ 11.
PerturbationSize MeasurePerturbation(const at::Tensor& clean, const at::Tensor& adversarial);

}  // namespace facerec::attacks

#endif  // FACEREC_ATTACKS_ATTACKS_H_
