#include "facerec/attacks/attacks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <torch/torch.h>

namespace facerec::attacks {
namespace {

constexpr int64_t kH = 16, kW = 14;

// embed(x) = [<a, x>, 1]: with t = <a, r> > 0 for the reference, the pair's
// cosine grows with s = <a, x> while s < t, so the similarity's gradient is a
// positive multiple of a there: impersonation must move along sign(a),
// dodging against it.
struct LinearToy {
  torch::Tensor a;
  DifferentiableEmbedding embedder() const {
    return [a = a](const torch::Tensor& x) {
      const torch::Tensor s = (x * a).sum({1, 2, 3}).unsqueeze(1);
      return torch::cat({s, torch::ones_like(s)}, 1);
    };
  }
};

LinearToy MakeLinearToy() {
  torch::manual_seed(11);
  torch::Tensor a = torch::randn({1, 3, kH, kW});
  a = a + a.sign() * 0.1;  // no coefficient near zero: sign(a) is the direction
  return {a / a.abs().sum()};
}

// A small random conv net: a real, non-linear embedder with BatchNorm in eval mode.
DifferentiableEmbedding ConvEmbedder() {
  torch::manual_seed(5);
  torch::nn::Sequential net(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3).stride(2)),
                            torch::nn::BatchNorm2d(8), torch::nn::ReLU(),
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 8, 3)), torch::nn::Flatten(),
                            torch::nn::Linear(8 * 5 * 4, 16));
  net->eval();
  return [net](const torch::Tensor& x) mutable { return net->forward((x - 0.5) / 0.5); };
}

torch::Tensor RandomImages(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  // Some pixels at 0 and 1 exactly, so the range clip is exercised.
  return (torch::rand({n, 3, kH, kW}) * 1.4 - 0.2).clamp(0, 1);
}

TEST(AttacksTest, FgsmMovesEveryPixelByEpsilonAlongTheKnownGradientSign) {
  const LinearToy toy = MakeLinearToy();
  const torch::Tensor probe = torch::full({1, 3, kH, kW}, 0.5f);
  // <a, reference> well above <a, probe>, so the pair is on the rising side.
  const torch::Tensor reference = (0.5 + 0.3 * toy.a.sign()).clamp(0, 1);
  AttackOptions options;
  options.method = AttackMethod::kFgsm;
  options.epsilon = 2.0 / 255;
  for (AttackGoal goal : {AttackGoal::kImpersonation, AttackGoal::kDodging}) {
    options.goal = goal;
    auto r = AttackPairs(toy.embedder(), probe, reference, options);
    ASSERT_TRUE(r.ok()) << r.status();
    const double direction = goal == AttackGoal::kImpersonation ? 1 : -1;
    EXPECT_TRUE(torch::allclose(r->adversarial - probe, direction * options.epsilon * toy.a.sign(), 0, 1e-6))
        << AttackGoalName(goal);
    if (goal == AttackGoal::kImpersonation) {
      EXPECT_GT(r->similarity_after.item<double>(), r->similarity_before.item<double>());
    } else {
      EXPECT_LT(r->similarity_after.item<double>(), r->similarity_before.item<double>());
    }
  }
}

TEST(AttacksTest, NoMethodLeavesTheEpsilonBallOrThePixelRange) {
  const torch::Tensor probes = RandomImages(4, 1), references = RandomImages(4, 2);
  for (AttackMethod method : {AttackMethod::kFgsm, AttackMethod::kPgd, AttackMethod::kMiFgsm}) {
    for (AttackGoal goal : {AttackGoal::kDodging, AttackGoal::kImpersonation}) {
      AttackOptions options;
      options.method = method;
      options.goal = goal;
      options.epsilon = 8.0 / 255;
      options.steps = 7;
      options.step_size = 5.0 / 255;  // large steps that would overshoot without the projection
      auto r = AttackPairs(ConvEmbedder(), probes, references, options);
      ASSERT_TRUE(r.ok()) << r.status();
      const std::string what = AttackMethodName(method) + " " + AttackGoalName(goal);
      EXPECT_LE((r->adversarial - probes).abs().max().item<double>(), options.epsilon + 1e-6) << what;
      EXPECT_GE(r->adversarial.min().item<double>(), 0) << what;
      EXPECT_LE(r->adversarial.max().item<double>(), 1) << what;
      EXPECT_GT((r->adversarial - probes).abs().max().item<double>(), 0) << what;
    }
  }
}

TEST(AttacksTest, PgdWithZeroEpsilonChangesNothingEvenFromARandomStart) {
  const torch::Tensor probes = RandomImages(3, 3), references = RandomImages(3, 4);
  AttackOptions options;
  options.epsilon = 0;
  options.random_start = true;
  auto r = AttackPairs(ConvEmbedder(), probes, references, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(torch::equal(r->adversarial, probes));
  EXPECT_TRUE(torch::allclose(r->similarity_after, r->similarity_before));
}

TEST(AttacksTest, PgdDodgingAndImpersonationMoveEverySimilarityTheirWay) {
  const torch::Tensor probes = RandomImages(6, 5), references = RandomImages(6, 6);
  AttackOptions options;
  options.epsilon = 8.0 / 255;
  options.goal = AttackGoal::kDodging;
  auto dodged = AttackPairs(ConvEmbedder(), probes, references, options);
  ASSERT_TRUE(dodged.ok()) << dodged.status();
  EXPECT_TRUE((dodged->similarity_after < dodged->similarity_before).all().item<bool>());
  options.goal = AttackGoal::kImpersonation;
  auto impersonated = AttackPairs(ConvEmbedder(), probes, references, options);
  ASSERT_TRUE(impersonated.ok()) << impersonated.status();
  EXPECT_TRUE((impersonated->similarity_after > impersonated->similarity_before).all().item<bool>());
}

TEST(AttacksTest, MiFgsmWithoutMomentumIsPgdWithoutARandomStart) {
  const torch::Tensor probes = RandomImages(3, 7), references = RandomImages(3, 8);
  AttackOptions pgd;
  pgd.method = AttackMethod::kPgd;
  pgd.random_start = false;
  pgd.steps = 5;
  AttackOptions mi = pgd;
  mi.method = AttackMethod::kMiFgsm;
  mi.momentum = 0;
  auto a = AttackPairs(ConvEmbedder(), probes, references, pgd);
  auto b = AttackPairs(ConvEmbedder(), probes, references, mi);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(torch::allclose(a->adversarial, b->adversarial, 0, 1e-6));
}

TEST(AttacksTest, TheRandomStartIsSeededAndLeavesTheGlobalGeneratorAlone) {
  const torch::Tensor probes = RandomImages(2, 9), references = RandomImages(2, 10);
  const DifferentiableEmbedding embed = ConvEmbedder();
  AttackOptions options;
  options.steps = 1;
  options.step_size = 1e-9;  // the result is essentially the random start
  torch::manual_seed(123);
  const torch::Tensor untouched = torch::rand({4});
  torch::manual_seed(123);
  auto first = AttackPairs(embed, probes, references, options);
  const torch::Tensor after_attack = torch::rand({4});
  auto again = AttackPairs(embed, probes, references, options);
  options.seed = 1;
  auto other = AttackPairs(embed, probes, references, options);
  ASSERT_TRUE(first.ok() && again.ok() && other.ok());
  EXPECT_TRUE(torch::equal(first->adversarial, again->adversarial));
  EXPECT_FALSE(torch::equal(first->adversarial, other->adversarial));
  EXPECT_TRUE(torch::equal(untouched, after_attack));
}

TEST(AttacksTest, AMaskedAttackChangesOnlyPixelsInsideTheMask) {
  const torch::Tensor probes = RandomImages(2, 11), references = RandomImages(2, 12);
  auto mask = EyeglassMask(kH, kW, {4, 6}, {10, 6}, 0.25);
  ASSERT_TRUE(mask.ok()) << mask.status();
  AttackOptions options;
  options.epsilon = 64.0 / 255;  // the eyeglasses' large budget
  auto r = AttackPairs(ConvEmbedder(), probes, references, options, *mask);
  ASSERT_TRUE(r.ok()) << r.status();
  const torch::Tensor changed = ((r->adversarial - probes).abs() > 0).any(1).any(0).to(torch::kFloat32);
  EXPECT_EQ((changed * (1 - *mask)).sum().item<double>(), 0);
  EXPECT_GT(changed.sum().item<double>(), 0);
}

TEST(AttacksTest, TheEyeglassFrameSurroundsTheEyesAndSparesTheirCentresAndTheMouth) {
  // An aligned 112x112 crop's eyes; the mouth 40 px below them.
  auto mask = EyeglassMask(112, 112, {38.3, 51.7}, {73.5, 51.5});
  ASSERT_TRUE(mask.ok()) << mask.status();
  const auto at = [&](int x, int y) { return (*mask)[y][x].item<float>(); };
  EXPECT_EQ(at(38, 52), 0);      // the left eye is seen through the frame
  EXPECT_EQ(at(74, 51), 0);
  EXPECT_EQ(at(56, 92), 0);      // the mouth
  EXPECT_EQ(at(38 + 14, 52), 1);  // the left rim, 0.4 eye distances right of the eye
  EXPECT_EQ(at(38 - 14, 52), 1);
  EXPECT_EQ(at(56, 45), 1);      // the bridge, between and above the eyes
  const double covered = mask->mean().item<double>();
  EXPECT_GT(covered, 0.03);
  EXPECT_LT(covered, 0.2);
  // Level eyes symmetric about the middle give a mirror-symmetric frame.
  auto level = EyeglassMask(40, 41, {12, 15}, {28, 15});
  ASSERT_TRUE(level.ok());
  EXPECT_TRUE(torch::equal(*level, level->flip({1})));
}

TEST(AttacksTest, SuccessFollowsTheVerifiersStrictThreshold) {
  AttackResult r;
  r.similarity_after = torch::tensor({0.2f, 0.5f, 0.7f});
  EXPECT_TRUE(torch::equal(AttackSucceeded(r, AttackGoal::kImpersonation, 0.5), torch::tensor({false, false, true})));
  EXPECT_TRUE(torch::equal(AttackSucceeded(r, AttackGoal::kDodging, 0.5), torch::tensor({true, true, false})));
}

TEST(AttacksTest, BadOptionsAndInputsAreInvalidArgumentsNamingThem) {
  const torch::Tensor probes = RandomImages(2, 13);
  AttackOptions options;
  options.epsilon = std::numeric_limits<double>::quiet_NaN();
  auto r = AttackPairs(ConvEmbedder(), probes, probes, options);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("epsilon"), std::string::npos) << r.status();
  options = AttackOptions();
  options.steps = 0;
  EXPECT_NE(ValidateAttackOptions(options).message().find("steps"), std::string::npos);
  options = AttackOptions();
  options.step_size = -1;
  EXPECT_NE(ValidateAttackOptions(options).message().find("step_size"), std::string::npos);
  r = AttackPairs(ConvEmbedder(), probes * 255, probes, AttackOptions());
  EXPECT_NE(r.status().message().find("[0, 1]"), std::string::npos) << r.status();
  r = AttackPairs(ConvEmbedder(), probes, probes.narrow(0, 0, 1), AttackOptions());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  r = AttackPairs(ConvEmbedder(), probes, probes, AttackOptions(), torch::ones({3, 3}));
  EXPECT_NE(r.status().message().find("mask"), std::string::npos) << r.status();
  EXPECT_FALSE(EyeglassMask(10, 10, {3, 3}, {3, 3}).ok());
  EXPECT_FALSE(AttackMethodByName("cw").ok());
  for (const std::string& name : KnownAttackMethods()) {
    auto m = AttackMethodByName(name);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(AttackMethodName(*m), name);
  }
  EXPECT_EQ(AttackGoalByName("impersonation").value(), AttackGoal::kImpersonation);
}

TEST(AttacksTest, SampledPairsAreDistinctOfTheAskedKindAndRepeatableBySeed) {
  const std::vector<int> labels = {0, 0, 0, 1, 1, 2, 3, 3};
  const auto genuine = SamplePairs(labels, 100, /*same=*/true, 1);
  EXPECT_EQ(genuine.size(), 3u + 1 + 1);  // every same-label pair, since fewer than asked exist
  const auto impostor = SamplePairs(labels, 10, /*same=*/false, 1);
  ASSERT_EQ(impostor.size(), 10u);
  std::set<std::pair<int64_t, int64_t>> seen;
  for (const auto& [i, j] : impostor) {
    EXPECT_LT(i, j);
    EXPECT_NE(labels[i], labels[j]);
    EXPECT_TRUE(seen.insert({i, j}).second);
  }
  for (const auto& [i, j] : genuine) EXPECT_EQ(labels[i], labels[j]);
  EXPECT_EQ(SamplePairs(labels, 10, false, 1), impostor);
  EXPECT_NE(SamplePairs(labels, 10, false, 2), impostor);
}

// SSIM by its definition: every 11x11 window, Gaussian weights, loops.
double BruteForceSsim(const torch::Tensor& x, const torch::Tensor& y) {
  const auto xa = x.to(torch::kFloat64).contiguous(), ya = y.to(torch::kFloat64).contiguous();
  const auto xs = xa.accessor<double, 3>(), ys = ya.accessor<double, 3>();
  double w[11][11], total = 0;
  for (int i = 0; i < 11; ++i) {
    for (int j = 0; j < 11; ++j) total += w[i][j] = std::exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / 4.5);
  }
  double sum = 0;
  int64_t count = 0;
  for (int64_t c = 0; c < x.size(0); ++c) {
    for (int64_t r = 0; r + 11 <= x.size(1); ++r) {
      for (int64_t q = 0; q + 11 <= x.size(2); ++q) {
        double mx = 0, my = 0;
        for (int i = 0; i < 11; ++i) {
          for (int j = 0; j < 11; ++j) {
            mx += w[i][j] / total * xs[c][r + i][q + j];
            my += w[i][j] / total * ys[c][r + i][q + j];
          }
        }
        double vx = 0, vy = 0, cxy = 0;
        for (int i = 0; i < 11; ++i) {
          for (int j = 0; j < 11; ++j) {
            const double dx = xs[c][r + i][q + j] - mx, dy = ys[c][r + i][q + j] - my;
            vx += w[i][j] / total * dx * dx;
            vy += w[i][j] / total * dy * dy;
            cxy += w[i][j] / total * dx * dy;
          }
        }
        const double c1 = 1e-4, c2 = 9e-4;
        sum += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        ++count;
      }
    }
  }
  return sum / count;
}

TEST(AttacksTest, PerturbationSizeMatchesItsDefinitions) {
  const torch::Tensor clean = RandomImages(2, 14);
  torch::manual_seed(15);
  const torch::Tensor noisy = (clean + 0.05 * torch::randn_like(clean)).clamp(0, 1);
  const PerturbationSize size = MeasurePerturbation(clean, noisy);
  for (int64_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(size.ssim[i].item<double>(), BruteForceSsim(clean[i], noisy[i]), 1e-5);
    const double mse = (noisy[i] - clean[i]).to(torch::kFloat64).square().mean().item<double>();
    EXPECT_NEAR(size.psnr[i].item<double>(), 10 * std::log10(1 / mse), 1e-3);
    EXPECT_FLOAT_EQ(size.linf[i].item<float>(), (noisy[i] - clean[i]).abs().max().item<float>());
  }
  // A uniform shift of k: PSNR exactly 20 log10(1/k).
  const torch::Tensor grey = torch::full({1, 3, kH, kW}, 0.5f);
  const PerturbationSize shifted = MeasurePerturbation(grey, grey + 4.0f / 255);
  EXPECT_NEAR(shifted.psnr[0].item<double>(), 20 * std::log10(255.0 / 4), 1e-3);
  const PerturbationSize same = MeasurePerturbation(clean, clean);
  EXPECT_TRUE(std::isinf(same.psnr[0].item<double>()));
  EXPECT_NEAR(same.ssim[0].item<double>(), 1, 1e-9);
  EXPECT_EQ(same.linf[0].item<double>(), 0);
}

}  // namespace
}  // namespace facerec::attacks
