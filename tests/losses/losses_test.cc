#include "facerec/losses/losses.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <torch/torch.h>

namespace facerec::losses {
namespace {

// A head small enough to work by hand: 3 classes of 4-d embeddings.
LossOptions SmallHead(const std::string& name, double scale = 0) {
  LossOptions options;
  options.name = name;
  options.num_classes = 3;
  options.embedding_size = 4;
  options.scale = scale;
  return options;
}

// Expects `analytic` (the gradient autograd gave) to match central
// differences of `loss` over every element of `t`, which is moved by +-h one
// element at a time and put back.
void ExpectFiniteDifferences(torch::Tensor t, const torch::Tensor& analytic, const std::function<double()>& loss,
                             const std::string& what) {
  torch::NoGradGuard no_grad;
  const double h = 1e-6;
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = t.view(-1)[i].item<double>();
    t.view(-1)[i] = v + h;
    const double up = loss();
    t.view(-1)[i] = v - h;
    const double down = loss();
    t.view(-1)[i] = v;
    EXPECT_NEAR(analytic.view(-1)[i].item<double>(), (up - down) / (2 * h), 1e-5) << what << " element " << i;
  }
}

TEST(LossesTest, UnknownNameListsKnownOnes) {
  LossOptions options;
  options.name = "no_such_loss";
  auto loss = MakeLoss(options);
  ASSERT_FALSE(loss.ok());
  EXPECT_NE(loss.status().message().find("arcface"), std::string::npos) << loss.status();
}

TEST(LossesTest, SmoothedCrossEntropyByHand) {
  const torch::Tensor logits = torch::tensor({{std::log(1.0f), std::log(3.0f)}});  // p = 1/4, 3/4
  const torch::Tensor label = torch::tensor({1}, torch::kInt64);
  EXPECT_NEAR(SmoothedCrossEntropy(logits, label, 0).item<double>(), -std::log(0.75), 1e-6);
  const double uniform = -(std::log(0.25) + std::log(0.75)) / 2;
  EXPECT_NEAR(SmoothedCrossEntropy(logits, label, 0.2).item<double>(),
              0.8 * -std::log(0.75) + 0.2 * uniform, 1e-6);
}

TEST(LossesTest, MarginTargetsByHand) {
  const torch::Tensor cos = torch::tensor({0.5, -0.9}, torch::kFloat64);  // theta = 60 deg, ~154 deg
  // ArcFace m2 = 0.5: cos(pi/3 + 0.5).
  const torch::Tensor arc = MarginTargetLogit(cos, 1.0, 0.5, 0.0);
  EXPECT_NEAR(arc[0].item<double>(), std::cos(M_PI / 3 + 0.5), 1e-6);
  // 154 deg + 0.5 rad passes pi: fallback cos - m2 sin m2.
  EXPECT_NEAR(arc[1].item<double>(), -0.9 - 0.5 * std::sin(0.5), 1e-6);
  // CosFace m3 = 0.35.
  EXPECT_NEAR(MarginTargetLogit(cos, 1.0, 0.0, 0.35)[0].item<double>(), 0.15, 1e-9);
  // SphereFace-style m1 = 1.35.
  EXPECT_NEAR(MarginTargetLogit(cos, 1.35, 0.0, 0.0)[0].item<double>(),
              std::cos(1.35 * M_PI / 3), 1e-6);
  // Monotone in theta across the fallback boundary.
  const torch::Tensor sweep = torch::linspace(0.999, -0.999, 2001, torch::kFloat64);
  const torch::Tensor t = MarginTargetLogit(sweep, 1.0, 0.5, 0.0);
  EXPECT_TRUE((t.slice(0, 1) <= t.slice(0, 0, -1) + 1e-12).all().item<bool>());
}

TEST(LossesTest, ArcFaceLogitsAndWarmup) {
  torch::manual_seed(0);
  LossOptions options = SmallHead("arcface", 10);
  auto loss = MakeLoss(options);
  ASSERT_TRUE(loss.ok());
  const torch::Tensor x = torch::randn({5, 4});
  const torch::Tensor y = torch::tensor({0, 1, 2, 0, 1}, torch::kInt64);
  const torch::Tensor plain = (*loss)->Logits(x);  // s * cos, no margin.
  const LossOutput with_margin = (*loss)->forward(x, y);
  // Non-target logits equal plain ones; target logits are smaller.
  const torch::Tensor target_mask = torch::zeros({5, 3}).scatter(1, y.unsqueeze(1), 1).to(torch::kBool);
  EXPECT_TRUE(torch::allclose(with_margin.logits.masked_select(target_mask.logical_not()),
                              plain.masked_select(target_mask.logical_not())));
  EXPECT_TRUE((with_margin.logits.masked_select(target_mask) <
               plain.masked_select(target_mask)).all().item<bool>());
  (*loss)->SetMarginScale(0.0);  // Warm-up start: NormFace.
  EXPECT_TRUE(torch::allclose((*loss)->forward(x, y).logits, plain, 1e-5, 1e-5));
}

TEST(LossesTest, ResolvedOptionsSpellOutEachLossesDefaults) {
  LossOptions arcface;
  arcface.name = "arcface";
  const LossOptions a = ResolvedLossOptions(arcface);
  EXPECT_EQ(a.scale, 64);
  EXPECT_EQ(a.m1, 1.0);
  EXPECT_EQ(a.m2, 0.5);
  EXPECT_EQ(a.m3, 0.0);
  LossOptions cosface;
  cosface.name = "cosface";
  cosface.scale = 32;  // Given values stay.
  const LossOptions c = ResolvedLossOptions(cosface);
  EXPECT_EQ(c.scale, 32);
  EXPECT_EQ(c.m2, 0.0);
  EXPECT_EQ(c.m3, 0.35);
  LossOptions ce;  // No margins: nothing to resolve.
  const LossOptions r = ResolvedLossOptions(ce);
  EXPECT_EQ(r.scale, 0);
  EXPECT_EQ(r.m2, -1);
}

TEST(LossesTest, ResolvedOptionsMakeTheSameLoss) {
  LossOptions options = SmallHead("arcface");
  torch::manual_seed(0);
  auto by_default = MakeLoss(options);
  torch::manual_seed(0);
  auto resolved = MakeLoss(ResolvedLossOptions(options));
  ASSERT_TRUE(by_default.ok() && resolved.ok());
  const torch::Tensor x = torch::randn({5, 4});
  const torch::Tensor y = torch::tensor({0, 1, 2, 0, 1}, torch::kInt64);
  EXPECT_TRUE(torch::equal((*by_default)->forward(x, y).logits, (*resolved)->forward(x, y).logits));
  // And the resolved margin is the one applied: a different m2 changes the logits.
  options.m2 = 0.2;
  torch::manual_seed(0);
  auto other = MakeLoss(options);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(torch::equal((*by_default)->forward(x, y).logits, (*other)->forward(x, y).logits));
}

// Triplet losses written as loops over (anchor, positive, negative).
double BruteTriplet(const torch::Tensor& x, const std::vector<int>& y, double margin,
                    bool semi_hard) {
  const int n = static_cast<int>(y.size());
  auto d = [&](int i, int j) { return (x[i] - x[j]).norm().item<double>(); };
  double total = 0;
  int count = 0;
  for (int a = 0; a < n; ++a) {
    if (!semi_hard) {
      double hp = -1, hn = 1e9;
      for (int j = 0; j < n; ++j) {
        if (j != a && y[j] == y[a]) hp = std::max(hp, d(a, j));
        if (y[j] != y[a]) hn = std::min(hn, d(a, j));
      }
      if (hp < 0 || hn > 1e8) continue;
      total += std::max(0.0, hp - hn + margin);
      ++count;
      continue;
    }
    for (int p = 0; p < n; ++p) {
      if (p == a || y[p] != y[a]) continue;
      double best = 1e9, farthest = -1;
      for (int m = 0; m < n; ++m) {
        if (y[m] == y[a]) continue;
        if (d(a, m) > d(a, p)) best = std::min(best, d(a, m));
        farthest = std::max(farthest, d(a, m));
      }
      if (farthest < 0) continue;
      const double chosen = best < 1e8 ? best : farthest;
      total += std::max(0.0, d(a, p) - chosen + margin);
      ++count;
    }
  }
  return total / count;
}

TEST(LossesTest, TripletMiningMatchesBruteForce) {
  torch::manual_seed(5);
  const std::vector<int> labels = {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3};
  const torch::Tensor raw = torch::randn({12, 6});
  const torch::Tensor x = raw / raw.norm(2, 1, true);
  const torch::Tensor y = torch::tensor(std::vector<int64_t>(labels.begin(), labels.end()));
  for (bool semi_hard : {false, true}) {
    const LossOutput out = TripletLoss(x, y, 0.3, semi_hard);
    EXPECT_NEAR(out.loss.item<double>(), BruteTriplet(x, labels, 0.3, semi_hard), 1e-5)
        << (semi_hard ? "semi-hard" : "batch-hard");
    EXPECT_GE(out.active_fraction, 0);
  }
}

TEST(LossesTest, EveryLossTrainsDownOnSeparableData) {
  for (const std::string& name : KnownLosses()) {
    torch::manual_seed(7);
    LossOptions options;
    options.name = name;
    options.num_classes = 4;
    options.embedding_size = 8;
    options.scale = 16;
    auto loss = MakeLoss(options);
    ASSERT_TRUE(loss.ok()) << name;
    torch::nn::Linear net(6, 8);
    // Overlapping clusters: every loss starts well above zero.
    const torch::Tensor centres = torch::randn({4, 6}) * 1.5;
    const torch::Tensor y = torch::arange(32, torch::kInt64) % 4;
    const torch::Tensor x = centres.index({y}) + 0.6 * torch::randn({32, 6});
    std::vector<torch::Tensor> params = net->parameters();
    for (const auto& p : (*loss)->parameters()) params.push_back(p);
    torch::optim::SGD sgd(params, torch::optim::SGDOptions(0.05).momentum(0.9));
    const double first = (*loss)->forward(net(x), y).loss.item<double>();
    ASSERT_GT(first, 0.05) << name;
    for (int step = 0; step < 100; ++step) {
      sgd.zero_grad();
      torch::Tensor l = (*loss)->forward(net(x), y).loss;
      l.backward();
      sgd.step();
    }
    const double last = (*loss)->forward(net(x), y).loss.item<double>();
    EXPECT_LT(last, 0.5 * first) << name << ": " << first << " -> " << last;
  }
}

TEST(LossesTest, AdaFaceTargetsByHandAndItsReductionsToArcFaceAndCosFace) {
  const torch::Tensor cos = torch::tensor({{0.5}}, torch::kFloat64);  // theta = 60 deg
  auto at = [&](double z) {
    return AdaFaceTargetLogit(cos, torch::full({1, 1}, z, torch::kFloat64), 0.4).item<double>();
  };
  // Low quality (z = -1): the angular margin alone, as ArcFace(0.4).
  EXPECT_NEAR(at(-1), std::cos(M_PI / 3 + 0.4), 1e-9);
  EXPECT_NEAR(at(-1), MarginTargetLogit(cos, 1.0, 0.4, 0.0).item<double>(), 1e-9);
  // Average quality (z = 0): the additive margin alone, as CosFace(0.4).
  EXPECT_NEAR(at(0), 0.5 - 0.4, 1e-9);
  // High quality (z = 1): the angle shrinks by m, the additive margin doubles.
  EXPECT_NEAR(at(1), std::cos(M_PI / 3 - 0.4) - 0.8, 1e-9);
  EXPECT_NEAR(at(0.5), std::cos(M_PI / 3 - 0.2) - 0.6, 1e-9);
}

TEST(LossesTest, ElasticFaceIsArcFaceOrCosFaceAtZeroSpreadAndDrawsMarginsOnlyWhileTraining) {
  const torch::Tensor sweep = torch::linspace(0.999, -0.999, 501, torch::kFloat64).unsqueeze(1);
  const torch::Tensor m = torch::full_like(sweep, 0.3);
  EXPECT_TRUE(torch::allclose(PerSampleTargetLogit(sweep, m, true), MarginTargetLogit(sweep, 1.0, 0.3, 0.0)));
  EXPECT_TRUE(torch::allclose(PerSampleTargetLogit(sweep, m, false), sweep - 0.3));
  // Per-sample margins by hand: 60 deg with 0.2 and 0.4.
  const torch::Tensor two = PerSampleTargetLogit(torch::tensor({{0.5}, {0.5}}, torch::kFloat64),
                                               torch::tensor({{0.2}, {0.4}}, torch::kFloat64), true);
  EXPECT_NEAR(two[0][0].item<double>(), std::cos(M_PI / 3 + 0.2), 1e-9);
  EXPECT_NEAR(two[1][0].item<double>(), std::cos(M_PI / 3 + 0.4), 1e-9);

  const torch::Tensor x = torch::randn({6, 4});
  const torch::Tensor y = torch::tensor({0, 1, 2, 0, 1, 2}, torch::kInt64);
  for (const auto& [elastic, plain] : std::vector<std::pair<std::string, std::string>>{
           {"elasticface_arc", "arcface"}, {"elasticface_cos", "cosface"}}) {
    LossOptions options;
    options.num_classes = 3;
    options.embedding_size = 4;
    options.scale = 10;
    options.name = plain;
    torch::manual_seed(3);
    auto reference = MakeLoss(options);
    options.name = elastic;
    options.elastic_sigma = 0;
    torch::manual_seed(3);  // The same head weights.
    auto still = MakeLoss(options);
    options.elastic_sigma = 0.05;
    torch::manual_seed(3);
    auto spread = MakeLoss(options);
    ASSERT_TRUE(reference.ok() && still.ok() && spread.ok());
    const torch::Tensor expected = (*reference)->forward(x, y).logits;
    EXPECT_TRUE(torch::allclose((*still)->forward(x, y).logits, expected)) << elastic;
    const torch::Tensor a = (*spread)->forward(x, y).logits, b = (*spread)->forward(x, y).logits;
    EXPECT_FALSE(torch::allclose(a, b)) << elastic << ": training draws a margin per sample";
    EXPECT_LT((a - expected).abs().max().item<double>(), 10 * 0.05 * 6) << elastic;
    (*spread)->eval();
    EXPECT_TRUE(torch::allclose((*spread)->forward(x, y).logits, expected)) << elastic << ": evaluation uses the mean";
  }
}

TEST(LossesTest, CurricularFaceReweightsOnlyHardNegativesAndTracksTheTargetCosine) {
  // Target 0.5 at 60 deg, margined by 0.5 rad: cos(pi/3 + 0.5) = 0.0424.
  const torch::Tensor cos = torch::tensor({{0.3, 0.0, -0.4}}, torch::kFloat64);
  const torch::Tensor margined = MarginTargetLogit(torch::tensor({{0.5}}, torch::kFloat64), 1.0, 0.5, 0.0);
  const torch::Tensor out = CurricularNegatives(cos, margined, 0.2);
  EXPECT_NEAR(out[0][0].item<double>(), 0.3 * (0.2 + 0.3), 1e-12);  // Hard: 0.3 > 0.0424.
  EXPECT_DOUBLE_EQ(out[0][1].item<double>(), 0.0);                  // Easy: unchanged.
  EXPECT_DOUBLE_EQ(out[0][2].item<double>(), -0.4);
  // With no hard negative it is ArcFace.
  EXPECT_TRUE(torch::equal(CurricularNegatives(cos, torch::full({1, 1}, 0.9, torch::kFloat64), 0.7), cos));

  torch::manual_seed(5);
  LossOptions options = SmallHead("curricularface");
  auto loss = MakeLoss(options);
  ASSERT_TRUE(loss.ok());
  const torch::Tensor x = torch::randn({6, 4});
  const torch::Tensor y = torch::tensor({0, 1, 2, 0, 1, 2}, torch::kInt64);
  const double mean_target = (*loss)->Logits(x).gather(1, y.unsqueeze(1)).mean().item<double>() / 64;
  (*loss)->forward(x, y);
  EXPECT_NEAR((*loss)->named_buffers()["curricular_t"].item<double>(), 0.01 * mean_target, 1e-6);
  EXPECT_EQ((*loss)->named_buffers().size(), 1u);
  options.name = "arcface";
  EXPECT_EQ((*MakeLoss(options))->named_buffers().size(), 0u) << "other heads' checkpoints stay as they were";
}

TEST(LossesTest, AdaFaceFollowsTheFeatureNormThroughItsRunningStatistics) {
  torch::manual_seed(6);
  LossOptions options = SmallHead("adaface", 10);
  auto loss = MakeLoss(options);
  ASSERT_TRUE(loss.ok());
  const torch::Tensor y = torch::tensor({0, 1, 2, 0}, torch::kInt64);
  const torch::Tensor x = torch::randn({4, 4});
  const torch::Tensor norms = x.norm(2, 1).to(torch::kFloat64);
  (*loss)->forward(x, y);
  auto buffers = (*loss)->named_buffers();
  EXPECT_NEAR(buffers["norm_mean"].item<double>(), 0.99 * 20 + 0.01 * norms.mean().item<double>(), 1e-9);
  EXPECT_NEAR(buffers["norm_std"].item<double>(), 0.99 * 100 + 0.01 * norms.std().item<double>(), 1e-9);
  // Same direction, larger norm: higher quality, so a larger margin (a smaller target logit).
  (*loss)->eval();
  buffers["norm_mean"].fill_(1.0);
  buffers["norm_std"].fill_(0.1);
  const torch::Tensor low = (*loss)->forward(x / x.norm(2, 1, true) * 0.7, y).logits;
  const torch::Tensor high = (*loss)->forward(x / x.norm(2, 1, true) * 1.3, y).logits;
  const torch::Tensor index = y.unsqueeze(1);
  EXPECT_TRUE((high.gather(1, index) < low.gather(1, index)).all().item<bool>());
}

// Central differences of the loss against its head's weights (the feature
// norms AdaFace reads are constants to autograd by design, so the weights,
// not the embeddings, are what every head's gradient is checked on).
TEST(LossesTest, EveryNewMarginLossHasTheGradientOfItsFiniteDifferences) {
  for (const std::string name :
       {"curricularface", "adaface", "elasticface_arc", "elasticface_cos", "magface", "arcface"}) {
    torch::manual_seed(11);
    LossOptions options = SmallHead(name, 8);
    auto made = MakeLoss(options);
    ASSERT_TRUE(made.ok()) << name;
    Loss loss = *made;
    loss->to(torch::kFloat64);
    const torch::Tensor x = torch::randn({5, 4}, torch::kFloat64);
    const torch::Tensor y = torch::tensor({0, 1, 2, 0, 1}, torch::kInt64);
    loss->forward(x, y);  // Running statistics set once, then frozen:
    loss->eval();         // evaluation mode is deterministic (ElasticFace's mean margin).
    torch::Tensor weight = loss->named_parameters()["weight"];
    weight.grad().defined() ? weight.grad().zero_() : torch::Tensor();
    loss->forward(x, y).loss.backward();
    ExpectFiniteDifferences(weight, weight.grad().clone(), [&] { return loss->forward(x, y).loss.item<double>(); },
                            name + " weight");
  }
}

TEST(LossesTest, MagFaceMarginAndRegulariserByHandAndItsReductionToArcFace) {
  const torch::Tensor a = torch::tensor({{5.0}, {10.0}, {60.0}, {110.0}, {200.0}}, torch::kFloat64);
  const torch::Tensor m = MagFaceMargin(a);
  EXPECT_NEAR(m[0][0].item<double>(), 0.45, 1e-12);  // Clipped at 10.
  EXPECT_NEAR(m[1][0].item<double>(), 0.45, 1e-12);
  EXPECT_NEAR(m[2][0].item<double>(), 0.45 + 0.35 * 50 / 100, 1e-12);
  EXPECT_NEAR(m[3][0].item<double>(), 0.8, 1e-12);
  EXPECT_NEAR(m[4][0].item<double>(), 0.8, 1e-12);
  EXPECT_NEAR(MagFaceRegulariser(torch::tensor({20.0}, torch::kFloat64)).item<double>(), 1.0 / 20 + 20.0 / 12100,
              1e-12);
  // g(a) falls to its minimum at a = 110 (the upper bound): easy faces are pushed there.
  const torch::Tensor sweep = torch::linspace(10, 110, 101, torch::kFloat64);
  const torch::Tensor g = MagFaceRegulariser(sweep);
  EXPECT_TRUE((g.slice(0, 1) < g.slice(0, 0, -1)).all().item<bool>());

  // A MagFace head whose features all have magnitude 10 is ArcFace(0.45) plus
  // 35 g(10), the same weights otherwise.
  const torch::Tensor x = torch::randn({6, 4});
  const torch::Tensor x10 = x / x.norm(2, 1, true) * 10;
  const torch::Tensor y = torch::tensor({0, 1, 2, 0, 1, 2}, torch::kInt64);
  LossOptions options;
  options.num_classes = 3;
  options.embedding_size = 4;
  options.scale = 16;
  options.name = "magface";
  torch::manual_seed(4);
  auto mag = MakeLoss(options);
  options.name = "arcface";
  options.m2 = 0.45;
  torch::manual_seed(4);
  auto arc = MakeLoss(options);
  ASSERT_TRUE(mag.ok() && arc.ok());
  const LossOutput a_out = (*arc)->forward(x10, y), m_out = (*mag)->forward(x10, y);
  EXPECT_TRUE(torch::allclose(m_out.logits, a_out.logits, 1e-5, 1e-5));
  EXPECT_NEAR(m_out.loss.item<double>(), a_out.loss.item<double>() + 35 * (0.1 + 10.0 / 12100), 1e-4);
}

TEST(LossesTest, CircleLogitsByHandAndItsReductionToCosFace) {
  const torch::Tensor cos = torch::tensor({{0.6, 0.1, -0.5}}, torch::kFloat64);
  const torch::Tensor y = torch::tensor({0}, torch::kInt64);
  const torch::Tensor logits = CircleLogits(cos, y, 0.25, 10, true);
  // Target: a_p = 1.25 - 0.6 = 0.65, times 0.6 - 0.75.
  EXPECT_NEAR(logits[0][0].item<double>(), 10 * 0.65 * (0.6 - 0.75), 1e-12);
  // Negative 0.1: a_n = 0.35, times 0.1 - 0.25; negative -0.5: a_n = 0.
  EXPECT_NEAR(logits[0][1].item<double>(), 10 * 0.35 * (0.1 - 0.25), 1e-12);
  EXPECT_NEAR(logits[0][2].item<double>(), 0.0, 1e-12);
  // Unweighted, it is CosFace with margin 1 - 2m: the same cross-entropy
  // (the logits differ by the constant gamma m).
  const torch::Tensor sweep = torch::rand({7, 5}, torch::kFloat64) * 2 - 1;
  const torch::Tensor labels = torch::tensor({0, 1, 2, 3, 4, 0, 1}, torch::kInt64);
  const torch::Tensor circle = CircleLogits(sweep, labels, 0.25, 10, false);
  const torch::Tensor cosface =
      10 * sweep.scatter(1, labels.unsqueeze(1), MarginTargetLogit(sweep.gather(1, labels.unsqueeze(1)), 1, 0, 0.5));
  EXPECT_TRUE(torch::allclose(circle + 10 * 0.25, cosface));
  EXPECT_NEAR(SmoothedCrossEntropy(circle, labels, 0).item<double>(),
              SmoothedCrossEntropy(cosface, labels, 0).item<double>(), 1e-12);
  // The weights a_p, a_n are constants to autograd (as in the authors' code):
  // each logit's derivative by its own cosine is gamma times its weight.
  const torch::Tensor c = cos.clone().set_requires_grad(true);
  CircleLogits(c, y, 0.25, 10, true).sum().backward();
  EXPECT_NEAR(c.grad()[0][0].item<double>(), 10 * 0.65, 1e-12);
  EXPECT_NEAR(c.grad()[0][1].item<double>(), 10 * 0.35, 1e-12);
  EXPECT_NEAR(c.grad()[0][2].item<double>(), 0.0, 1e-12);
}

TEST(LossesTest, MagFaceHasTheGradientOfItsFiniteDifferencesThroughTheMagnitude) {
  torch::manual_seed(12);
  LossOptions options = SmallHead("magface", 8);
  auto made = MakeLoss(options);
  ASSERT_TRUE(made.ok());
  Loss loss = *made;
  loss->to(torch::kFloat64);
  // Magnitudes inside (10, 110): the margin and regulariser are smooth there.
  torch::Tensor x = torch::randn({5, 4}, torch::kFloat64);
  x = (x / x.norm(2, 1, true) * torch::tensor({{20.0}, {35.0}, {50.0}, {70.0}, {95.0}}, torch::kFloat64))
          .set_requires_grad(true);
  const torch::Tensor y = torch::tensor({0, 1, 2, 0, 1}, torch::kInt64);
  loss->forward(x, y).loss.backward();
  torch::Tensor probe = x.detach().clone();
  ExpectFiniteDifferences(probe, x.grad().clone(), [&] { return loss->forward(probe, y).loss.item<double>(); },
                          "magface embedding");
}

TEST(LossesTest, TheCentreLossTermByHandAddsToAnyClassificationLossAndHasItsGradient) {
  const torch::Tensor u = torch::tensor({{1.0, 0.0}, {0.0, 1.0}}, torch::kFloat64);
  const torch::Tensor centres = torch::tensor({{0.5, 0.0}, {0.0, 0.0}}, torch::kFloat64);
  // (0.25 + 1) / 2 samples / 2.
  EXPECT_NEAR(CenterLossTerm(u, centres, torch::tensor({0, 1}, torch::kInt64)).item<double>(), 0.3125, 1e-12);

  const torch::Tensor x = torch::randn({6, 4}, torch::kFloat64);
  const torch::Tensor y = torch::tensor({0, 1, 2, 0, 1, 2}, torch::kInt64);
  for (const std::string name : {"ce", "arcface"}) {
    LossOptions options = SmallHead(name);
    torch::manual_seed(9);
    auto plain = MakeLoss(options);
    options.center_loss_weight = 0.5;
    torch::manual_seed(9);  // The inner head's weights come first: the same.
    auto with = MakeLoss(options);
    ASSERT_TRUE(plain.ok() && with.ok());
    (*plain)->to(torch::kFloat64);
    (*with)->to(torch::kFloat64);
    const torch::Tensor centres = (*with)->named_parameters()["centres"];
    const torch::Tensor unit = x / x.norm(2, 1, true);
    EXPECT_NEAR((*with)->forward(x, y).loss.item<double>(),
                (*plain)->forward(x, y).loss.item<double>() + 0.5 * CenterLossTerm(unit, centres, y).item<double>(),
                1e-9)
        << name;
    // Finite differences against the embeddings.
    const torch::Tensor probe = x.clone().set_requires_grad(true);
    (*with)->forward(probe, y).loss.backward();
    torch::Tensor moved = x.clone();
    ExpectFiniteDifferences(moved, probe.grad().clone(), [&] { return (*with)->forward(moved, y).loss.item<double>(); },
                            name + " with centres, embedding");
  }
}

}  // namespace
}  // namespace facerec::losses
