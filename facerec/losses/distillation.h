// Embedding distillation: a student trained with its own loss plus a term
// that pulls its embeddings towards a teacher's (one net, or an ensemble's
// combined embedding: backbones/ensemble_net.h), given per training image.
//
//   // teacher: [images, D] float, row i the teacher's embedding of training image i.
//   DistillationOptions options;
//   options.kind = "relational";
//   options.weight = 10;
//   FACEREC_ASSIGN_OR_RETURN(Loss student_loss,
//                            MakeDistilledLoss(arcface, teacher, /*student_embedding_size=*/256, options));
//   // The trainer passes each batch's rows (data::Batch::rows):
//   LossOutput out = student_loss->ForwardRows(embeddings, labels, rows);
//   // out.loss = arcface + weight * term; out.parts: "distillation" and "base_loss".
//
// Terms (both on L2-normalised embeddings, so a teacher's scale is moot):
//   cosine      mean_i (1 - cos(P s_i, t_i)): each face's embedding towards
//               the teacher's own. P is a learned linear map from the
//               student's width to the teacher's when they differ (a
//               concatenated ensemble is wider than one net), the identity
//               when they agree; it is trained with the rest and never used
//               at inference.
//   relational  mean over pairs i != j of (cos(s_i, s_j) - cos(t_i, t_j))^2:
//               the batch's similarity structure, which is what a recogniser
//               is judged by, and needs no map between the spaces
//               (similarity-preserving distillation: Tung & Mori, ICCV 2019,
//               on cosines as in face distillation since).
// The teacher's embeddings are fixed per image (computed once on the clean
// image), while the student sees the augmented one: the student learns to
// map every view of a face to where the teacher puts the face.
//
// Thread-safety: a torch module; one training loop at a time.
#ifndef FACEREC_LOSSES_DISTILLATION_H_
#define FACEREC_LOSSES_DISTILLATION_H_

#include <torch/torch.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/losses/losses.h"

namespace facerec::losses {

struct DistillationOptions {
  std::string kind = "cosine";  // cosine | relational. Default cosine.
  // lambda in loss = base + lambda * term. Default 10: the margin losses at
  // scale 32 start near 20 and the terms below 1 (cosine) or 0.1 (relational).
  double weight = 10;
};

// The names DistillationOptions::kind takes.
std::vector<std::string> KnownDistillationKinds();

// mean_i (1 - cos(student_i, teacher_i)); both [N, d] with the same d.
torch::Tensor CosineDistillationTerm(const torch::Tensor& student, const torch::Tensor& teacher);
// mean over ordered pairs i != j of (cos(s_i, s_j) - cos(t_i, t_j))^2;
// student [N, ds], teacher [N, dt], N >= 2.
torch::Tensor RelationalDistillationTerm(const torch::Tensor& student, const torch::Tensor& teacher);

// `base` (which keeps its parameters, now a submodule) plus the distillation
// term towards `teacher`'s rows ([images, D] float; kept, not copied, and not
// saved in checkpoints: a run records which teachers made it). Its
// ForwardRows adds the term; plain forward, which has no rows, is a
// programmer error. Logits and SetMarginScale are the base loss's.
// InvalidArgumentError for an unknown kind, a weight that is negative or not
// finite, a teacher that is not a 2-D float tensor with rows, or
// student_embedding_size < 1.
absl::StatusOr<Loss> MakeDistilledLoss(Loss base, torch::Tensor teacher, int student_embedding_size,
                                       const DistillationOptions& options);

}  // namespace facerec::losses

#endif  // FACEREC_LOSSES_DISTILLATION_H_
