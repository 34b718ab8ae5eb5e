#include "facerec/losses/distillation.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>

namespace facerec::losses {
namespace {

torch::Tensor Doubles(std::initializer_list<std::initializer_list<double>> rows) {
  std::vector<torch::Tensor> out;
  for (const auto& row : rows) out.push_back(torch::tensor(std::vector<double>(row), torch::kFloat64));
  return torch::stack(out);
}

// The relational term pair by pair, as its definition reads.
double RelationalByPairs(const torch::Tensor& s, const torch::Tensor& t) {
  const int64_t n = s.size(0);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const double cs = (s[i] * s[j]).sum().item<double>() / (s[i].norm() * s[j].norm()).item<double>();
      const double ct = (t[i] * t[j]).sum().item<double>() / (t[i].norm() * t[j].norm()).item<double>();
      sum += (cs - ct) * (cs - ct);
    }
  }
  return sum / static_cast<double>(n * (n - 1));
}

// Central differences of `term` at `x`, element by element, against autograd's gradient.
void ExpectGradientMatchesDifferences(torch::Tensor x, const std::function<torch::Tensor(const torch::Tensor&)>& term) {
  x = x.clone().set_requires_grad(true);
  term(x).backward();
  const torch::Tensor analytic = x.grad().clone();
  torch::NoGradGuard no_grad;
  const double h = 1e-6;
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double v = x.view(-1)[i].item<double>();
    x.view(-1)[i] = v + h;
    const double up = term(x).item<double>();
    x.view(-1)[i] = v - h;
    const double down = term(x).item<double>();
    x.view(-1)[i] = v;
    EXPECT_NEAR(analytic.view(-1)[i].item<double>(), (up - down) / (2 * h), 1e-6) << "element " << i;
  }
}

TEST(DistillationTest, CosineTermByHand) {
  // Row 0 agrees with its teacher (1 - 1 = 0); row 1 is 45 degrees off (1 - 1/sqrt 2).
  const torch::Tensor student = Doubles({{2, 0}, {0, 3}});
  const torch::Tensor teacher = Doubles({{5, 0}, {1, 1}});
  EXPECT_NEAR(CosineDistillationTerm(student, teacher).item<double>(), (1 - 1 / std::sqrt(2.0)) / 2, 1e-12);
}

TEST(DistillationTest, RelationalTermMatchesItsDefinitionPairByPair) {
  torch::manual_seed(3);
  const torch::Tensor student = torch::randn({5, 4}, torch::kFloat64);
  const torch::Tensor teacher = torch::randn({5, 7}, torch::kFloat64);
  EXPECT_NEAR(RelationalDistillationTerm(student, teacher).item<double>(), RelationalByPairs(student, teacher),
              1e-12);
}

TEST(DistillationTest, RelationalTermByHand) {
  // Student: two orthogonal rows (cos 0); teacher: the same direction twice (cos 1).
  // Pairs (0,1) and (1,0) each contribute (0 - 1)^2: mean 1.
  EXPECT_NEAR(RelationalDistillationTerm(Doubles({{1, 0}, {0, 2}}), Doubles({{3, 3}, {1, 1}})).item<double>(), 1.0,
              1e-12);
}

TEST(DistillationTest, RelationalTermIsZeroForARotatedWiderTeacher) {
  // A teacher that is the student in another basis of a wider space (zero-padded,
  // then rotated and scaled) has the same similarities: nothing to learn.
  torch::manual_seed(4);
  const torch::Tensor student = torch::randn({6, 3}, torch::kFloat64);
  const torch::Tensor padded = torch::cat({student, torch::zeros({6, 2}, torch::kFloat64)}, 1);
  const torch::Tensor rotation = std::get<0>(torch::linalg_qr(torch::randn({5, 5}, torch::kFloat64)));
  const torch::Tensor teacher = padded.matmul(rotation) * 7.0;
  EXPECT_NEAR(RelationalDistillationTerm(student, teacher).item<double>(), 0, 1e-12);
  EXPECT_GT(RelationalDistillationTerm(student, torch::randn({6, 5}, torch::kFloat64)).item<double>(), 0.01);
}

TEST(DistillationTest, GradientsMatchFiniteDifferences) {
  torch::manual_seed(5);
  const torch::Tensor teacher_same = torch::randn({4, 3}, torch::kFloat64);
  const torch::Tensor teacher_wide = torch::randn({4, 6}, torch::kFloat64);
  ExpectGradientMatchesDifferences(torch::randn({4, 3}, torch::kFloat64),
                                   [&](const torch::Tensor& s) { return CosineDistillationTerm(s, teacher_same); });
  ExpectGradientMatchesDifferences(torch::randn({4, 3}, torch::kFloat64), [&](const torch::Tensor& s) {
    return RelationalDistillationTerm(s, teacher_wide);
  });
}

// A CosFace head of 3 classes over 4-d embeddings: what the student's own loss is here.
Loss SmallBase() {
  LossOptions options;
  options.name = "cosface";
  options.num_classes = 3;
  options.embedding_size = 4;
  options.scale = 8;
  return MakeLoss(options).value();
}

TEST(DistillationTest, DistilledLossIsTheBaseLossPlusTheWeightedTermOnTheBatchsRows) {
  torch::manual_seed(6);
  const Loss base = SmallBase();
  const torch::Tensor teacher = torch::randn({10, 4});  // 10 training images, same width as the student.
  DistillationOptions options;
  options.kind = "cosine";
  options.weight = 2.5;
  const Loss distilled = MakeDistilledLoss(base, teacher, 4, options).value();
  const torch::Tensor embeddings = torch::randn({3, 4});
  const torch::Tensor labels = torch::tensor({0, 2, 1}, torch::kInt64);
  const torch::Tensor rows = torch::tensor({7, 0, 4}, torch::kInt64);
  const LossOutput out = distilled->ForwardRows(embeddings, labels, rows);
  const double base_value = base->forward(embeddings, labels).loss.item<double>();
  const double term = CosineDistillationTerm(embeddings, teacher.index_select(0, rows)).item<double>();
  EXPECT_NEAR(out.loss.item<double>(), base_value + 2.5 * term, 1e-5);
  ASSERT_EQ(out.parts.size(), 2u);
  EXPECT_EQ(out.parts[0].first, "base_loss");
  EXPECT_NEAR(out.parts[0].second.item<double>(), base_value, 1e-5);
  EXPECT_EQ(out.parts[1].first, "distillation");
  EXPECT_NEAR(out.parts[1].second.item<double>(), term, 1e-6);
  // Other rows, another target: the rows are what the term looks up.
  const torch::Tensor other_rows = torch::tensor({1, 2, 3}, torch::kInt64);
  EXPECT_GT(std::abs(distilled->ForwardRows(embeddings, labels, other_rows).loss.item<double>() -
                     out.loss.item<double>()),
            1e-4);
  // Its logits (for accuracy) are the base head's.
  EXPECT_TRUE(torch::allclose(distilled->Logits(embeddings), base->Logits(embeddings)));
}

TEST(DistillationTest, CosineTermLearnsAMapOnlyForAWiderTeacher) {
  const size_t base_parameters = SmallBase()->parameters().size();
  DistillationOptions cosine;
  cosine.kind = "cosine";
  EXPECT_EQ(MakeDistilledLoss(SmallBase(), torch::randn({10, 4}), 4, cosine).value()->parameters().size(),
            base_parameters);
  const Loss wide = MakeDistilledLoss(SmallBase(), torch::randn({10, 12}), 4, cosine).value();
  ASSERT_EQ(wide->parameters().size(), base_parameters + 1);
  // The map takes the student's 4 dimensions to the teacher's 12, and gets a gradient.
  const torch::Tensor embeddings = torch::randn({3, 4});
  wide->ForwardRows(embeddings, torch::tensor({0, 1, 2}, torch::kInt64), torch::tensor({0, 1, 2}, torch::kInt64))
      .loss.backward();
  bool found = false;
  for (const auto& named : wide->named_parameters()) {
    if (named.key().find("projection") == std::string::npos) continue;
    found = true;
    EXPECT_EQ(named.value().sizes(), torch::IntArrayRef({12, 4}));
    EXPECT_GT(named.value().grad().abs().sum().item<double>(), 0);
  }
  EXPECT_TRUE(found);
  DistillationOptions relational;
  relational.kind = "relational";
  EXPECT_EQ(MakeDistilledLoss(SmallBase(), torch::randn({10, 12}), 4, relational).value()->parameters().size(),
            base_parameters);
}

TEST(DistillationTest, BadOptionsAreErrorsNamingThem) {
  DistillationOptions unknown;
  unknown.kind = "kl";
  auto made = MakeDistilledLoss(SmallBase(), torch::randn({10, 4}), 4, unknown);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.status().message().find("relational"), std::string::npos) << made.status();
  DistillationOptions negative;
  negative.weight = -1;
  made = MakeDistilledLoss(SmallBase(), torch::randn({10, 4}), 4, negative);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.status().message().find("weight -1"), std::string::npos) << made.status();
  DistillationOptions nan;
  nan.weight = std::nan("");
  EXPECT_FALSE(MakeDistilledLoss(SmallBase(), torch::randn({10, 4}), 4, nan).ok());
  EXPECT_FALSE(MakeDistilledLoss(SmallBase(), torch::randn({10}), 4, {}).ok());
  EXPECT_FALSE(MakeDistilledLoss(SmallBase(), torch::zeros({10, 4}, torch::kInt64), 4, {}).ok());
  EXPECT_FALSE(MakeDistilledLoss(SmallBase(), torch::randn({10, 4}), 0, {}).ok());
}

}  // namespace
}  // namespace facerec::losses
