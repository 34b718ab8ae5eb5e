// What our detector learns from: which cells of DetectorCells are a face
// (assignment), and the loss on the net's raw output.
//
//   DetectorTargets t = AssignDetectorTargets(samples_faces, reliable, cells, options);
//   DetectorLoss loss = ComputeDetectorLoss(net->forward(images), t, cells, options);
//   loss.total.backward();
//
// Assignment (FCOS-style centre sampling, one level per face size): a face
// of side s = sqrt(w h) belongs to each stride whose [min_side, max_side]
// holds s; at those strides, the cells whose centre lies inside the box and
// within centre_radius strides of its centre (in x and in y) are its
// positives, or the one cell nearest its centre when none is. A cell
// claimed by two faces goes to the smaller. Cells whose centre is inside an
// ignored face are not scored at all. Where background is unreliable (faces
// left unannotated), only cells within background_context face sides of an
// annotated face are scored as background.
//
// Loss: quality focal loss (Li et al., Generalized Focal Loss, 2020) on the
// face logit with, for positives, the IoU of the predicted box as target:
// the score learns to rank boxes by how well they fit, which is what AP and
// NMS reward; summed over scored cells and divided by the positives. GIoU
// loss on positive boxes; L1 on the known points of positives, in units of
// the face side.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_DETECT_DETECTOR_LOSS_H_
#define FACEREC_DETECT_DETECTOR_LOSS_H_

#include <ATen/core/Tensor.h>

#include <array>
#include <vector>

#include "facerec/detect/detector_examples.h"
#include "facerec/detect/detector_net.h"

namespace facerec::detect {

struct DetectorLossOptions {
  // Face sides each stride (8, 16, 32) learns. Defaults: 8 up to 64 px, 16
  // from 32 to 128, 32 from 96 up: overlapping, so a face near a bound is
  // learnt by both levels and NMS keeps the better.
  std::array<double, 3> min_side = {0, 32, 96};
  std::array<double, 3> max_side = {64, 128, 1e9};
  double centre_radius = 1.5;       // In strides. Default 1.5.
  double background_context = 1.0;  // In face sides around the box. Default 1.
  double box_weight = 2.0;          // GIoU loss weight. Default 2 (GFL's).
  double point_weight = 1.0;        // Point L1 weight. Default 1.
};

struct DetectorTargets {
  at::Tensor scored;       // [N, A] float: 1 where the face logit is scored.
  at::Tensor positive;     // [N, A] bool.
  at::Tensor boxes;        // [N, A, 4] x1 y1 x2 y2 of the assigned face.
  at::Tensor points;       // [N, A, 10] its points (0 where unknown).
  at::Tensor point_known;  // [N, A, 10] float: 1 where known.
  at::Tensor side;         // [N, A] the assigned face's side (1 elsewhere).
};

// faces[i] and background_reliable[i] belong to image i; `cells` from
// DetectorCells of the input size.
DetectorTargets AssignDetectorTargets(const std::vector<std::vector<TrainingFace>>& faces,
                                      const std::vector<bool>& background_reliable,
                                      const at::Tensor& cells,
                                      const DetectorLossOptions& options);

struct DetectorLoss {
  at::Tensor total;  // Scalar, differentiable.
  double score = 0, box = 0, points = 0;  // The parts, for the record.
  int64_t positives = 0;
};

DetectorLoss ComputeDetectorLoss(const at::Tensor& raw, const DetectorTargets& targets,
                                 const at::Tensor& cells, const DetectorLossOptions& options);

// Element-wise IoU and GIoU of [K, 4] x1 y1 x2 y2 boxes.
at::Tensor PairedIou(const at::Tensor& a, const at::Tensor& b);
at::Tensor PairedGeneralizedIou(const at::Tensor& a, const at::Tensor& b);

}  // namespace facerec::detect

#endif  // FACEREC_DETECT_DETECTOR_LOSS_H_
