#include "facerec/losses/distillation.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"

namespace facerec::losses {
namespace {

namespace F = torch::nn::functional;

torch::Tensor Unit(const torch::Tensor& x) { return F::normalize(x, F::NormalizeFuncOptions().p(2).dim(1)); }

class DistilledLossImpl : public LossImpl {
 public:
  DistilledLossImpl(Loss base, torch::Tensor teacher, int student_embedding_size, DistillationOptions options)
      : base_(register_module("base", std::move(base))), teacher_(std::move(teacher)), options_(std::move(options)) {
    if (options_.kind == "cosine" && teacher_.size(1) != student_embedding_size) {
      projection_ = register_module(
          "projection",
          torch::nn::Linear(torch::nn::LinearOptions(student_embedding_size, teacher_.size(1)).bias(false)));
    }
  }

  LossOutput forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override {
    LOG(FATAL) << "a distilled loss needs each batch's rows: call ForwardRows";
    return {};
  }

  LossOutput ForwardRows(const torch::Tensor& embeddings, const torch::Tensor& labels,
                         const torch::Tensor& rows) override {
    CHECK(rows.defined() && rows.dim() == 1 && rows.size(0) == embeddings.size(0))
        << "ForwardRows: one row index per embedding";
    CHECK(rows.numel() == 0 || (rows.min().item<int64_t>() >= 0 && rows.max().item<int64_t>() < teacher_.size(0)))
        << "ForwardRows: a row outside the teacher's " << teacher_.size(0) << " images";
    LossOutput out = base_->forward(embeddings, labels);
    const torch::Tensor teacher = teacher_.index_select(0, rows.to(teacher_.device())).to(embeddings.device());
    torch::Tensor term;
    if (options_.kind == "cosine") {
      term = CosineDistillationTerm(projection_ ? projection_->forward(embeddings) : embeddings, teacher);
    } else {
      term = RelationalDistillationTerm(embeddings, teacher);
    }
    out.parts.emplace_back("base_loss", out.loss.detach());
    out.parts.emplace_back("distillation", term.detach());
    out.loss = out.loss + options_.weight * term;
    return out;
  }

  void SetMarginScale(double scale) override { base_->SetMarginScale(scale); }
  torch::Tensor Logits(const torch::Tensor& embeddings) override { return base_->Logits(embeddings); }

 private:
  Loss base_;
  torch::Tensor teacher_;
  const DistillationOptions options_;
  torch::nn::Linear projection_{nullptr};
};

}  // namespace

std::vector<std::string> KnownDistillationKinds() { return {"cosine", "relational"}; }

torch::Tensor CosineDistillationTerm(const torch::Tensor& student, const torch::Tensor& teacher) {
  CHECK_EQ(student.dim(), 2);
  CHECK(student.sizes() == teacher.sizes()) << "cosine distillation: student " << student.sizes() << ", teacher "
                                            << teacher.sizes();
  return (1 - (Unit(student) * Unit(teacher)).sum(1)).mean();
}

torch::Tensor RelationalDistillationTerm(const torch::Tensor& student, const torch::Tensor& teacher) {
  CHECK(student.dim() == 2 && teacher.dim() == 2 && student.size(0) == teacher.size(0) && student.size(0) >= 2)
      << "relational distillation: student " << student.sizes() << ", teacher " << teacher.sizes();
  const int64_t n = student.size(0);
  const torch::Tensor s = Unit(student), t = Unit(teacher);
  const torch::Tensor difference = s.matmul(s.t()) - t.matmul(t.t());
  // The diagonal is 1 - 1 = 0 for both; dividing by the off-diagonal count
  // makes the term the mean over pairs i != j.
  return difference.pow(2).sum() / static_cast<double>(n * (n - 1));
}

absl::StatusOr<Loss> MakeDistilledLoss(Loss base, torch::Tensor teacher, int student_embedding_size,
                                       const DistillationOptions& options) {
  const std::vector<std::string> kinds = KnownDistillationKinds();
  if (std::find(kinds.begin(), kinds.end(), options.kind) == kinds.end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown distillation '", options.kind,
                                                   "'; allowed: ", absl::StrJoin(kinds, ", ")));
  }
  if (!std::isfinite(options.weight) || options.weight < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("distillation weight ", options.weight, ": must be finite and at least 0"));
  }
  if (!teacher.defined() || teacher.dim() != 2 || teacher.size(0) < 1 || teacher.size(1) < 1 ||
      !teacher.is_floating_point()) {
    return absl::InvalidArgumentError(
        "the teacher's embeddings must be a float tensor [images, D] with at least one image");
  }
  if (student_embedding_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("student embedding size ", student_embedding_size, ": must be at least 1"));
  }
  if (base == nullptr) return absl::InvalidArgumentError("no base loss to distil into");
  return Loss(std::make_shared<DistilledLossImpl>(std::move(base), teacher.to(torch::kFloat32),
                                                  student_embedding_size, options));
}

}  // namespace facerec::losses
