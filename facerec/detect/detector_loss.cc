#include "facerec/detect/detector_loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <torch/torch.h>

#include "glog/logging.h"

namespace facerec::detect {
namespace {

struct Level {
  int64_t begin = 0;  // First cell.
  int64_t rows = 0, cols = 0;
  double stride = 0;
};

// The levels of `cells` (DetectorCells' layout: by stride, row by row).
std::vector<Level> LevelsOf(const torch::Tensor& cells) {
  const auto c = cells.accessor<float, 2>();
  std::vector<Level> levels;
  for (int64_t i = 0; i < cells.size(0); ++i) {
    if (levels.empty() || c[i][2] != levels.back().stride) {
      levels.push_back({i, 0, 0, c[i][2]});
    }
  }
  for (size_t l = 0; l < levels.size(); ++l) {
    const int64_t end = l + 1 < levels.size() ? levels[l + 1].begin : cells.size(0);
    Level& level = levels[l];
    while (level.begin + level.cols < end && c[level.begin + level.cols][1] == c[level.begin][1]) {
      ++level.cols;
    }
    level.rows = (end - level.begin) / level.cols;
  }
  return levels;
}

double Side(const data::FaceBox& b) { return std::sqrt(std::max(0.0, b.width * b.height)); }

}  // namespace

DetectorTargets AssignDetectorTargets(const std::vector<std::vector<TrainingFace>>& faces,
                                      const std::vector<bool>& background_reliable,
                                      const torch::Tensor& cells,
                                      const DetectorLossOptions& options) {
  CHECK_EQ(faces.size(), background_reliable.size());
  const int64_t n = static_cast<int64_t>(faces.size()), a = cells.size(0);
  const torch::Tensor cpu_cells = cells.to(torch::kCPU).contiguous();
  const auto c = cpu_cells.accessor<float, 2>();
  const std::vector<Level> levels = LevelsOf(cpu_cells);
  CHECK_EQ(levels.size(), 3u);
  DetectorTargets t;
  t.scored = torch::ones({n, a});
  t.positive = torch::zeros({n, a}, torch::kBool);
  t.boxes = torch::zeros({n, a, 4});
  t.points = torch::zeros({n, a, 10});
  t.point_known = torch::zeros({n, a, 10});
  t.side = torch::ones({n, a});
  auto scored = t.scored.accessor<float, 2>();
  auto positive = t.positive.accessor<bool, 2>();
  auto boxes = t.boxes.accessor<float, 3>();
  auto points = t.points.accessor<float, 3>();
  auto known = t.point_known.accessor<float, 3>();
  auto side = t.side.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> best_area(a, std::numeric_limits<double>::infinity());
    std::vector<int> owner(a, -1);
    if (!background_reliable[i]) {
      for (int64_t k = 0; k < a; ++k) scored[i][k] = 0;
    }
    for (size_t f = 0; f < faces[i].size(); ++f) {
      const TrainingFace& face = faces[i][f];
      const data::FaceBox& b = face.box;
      const double x2 = b.x + b.width, y2 = b.y + b.height;
      if (face.ignore) {
        for (int64_t k = 0; k < a; ++k) {
          if (c[k][0] >= b.x && c[k][0] <= x2 && c[k][1] >= b.y && c[k][1] <= y2) scored[i][k] = 0;
        }
        continue;
      }
      const double s = Side(b), cx = b.x + b.width / 2, cy = b.y + b.height / 2;
      if (!background_reliable[i]) {
        const double m = options.background_context * s;
        for (int64_t k = 0; k < a; ++k) {
          if (c[k][0] >= b.x - m && c[k][0] <= x2 + m && c[k][1] >= b.y - m && c[k][1] <= y2 + m) {
            scored[i][k] = 1;
          }
        }
      }
      for (size_t l = 0; l < levels.size(); ++l) {
        if (s < options.min_side[l] || s > options.max_side[l]) continue;
        const Level& level = levels[l];
        const double r = options.centre_radius * level.stride;
        // Columns whose centre (col + 0.5) * stride lies in [lo, hi].
        auto range = [&](double lo, double hi, int64_t count, int64_t* first, int64_t* last) {
          *first = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(lo / level.stride - 0.5)));
          *last = std::min<int64_t>(count - 1,
                                    static_cast<int64_t>(std::floor(hi / level.stride - 0.5)));
        };
        int64_t c0, c1, r0, r1;
        range(std::max(b.x, cx - r), std::min(x2, cx + r), level.cols, &c0, &c1);
        range(std::max(b.y, cy - r), std::min(y2, cy + r), level.rows, &r0, &r1);
        if (c0 > c1 || r0 > r1) {
          c0 = c1 = std::clamp<int64_t>(static_cast<int64_t>(std::floor(cx / level.stride)), 0,
                                        level.cols - 1);
          r0 = r1 = std::clamp<int64_t>(static_cast<int64_t>(std::floor(cy / level.stride)), 0,
                                        level.rows - 1);
        }
        for (int64_t row = r0; row <= r1; ++row) {
          for (int64_t col = c0; col <= c1; ++col) {
            const int64_t k = level.begin + row * level.cols + col;
            if (b.width * b.height < best_area[k]) {
              best_area[k] = b.width * b.height;
              owner[k] = static_cast<int>(f);
            }
          }
        }
      }
    }
    for (int64_t k = 0; k < a; ++k) {
      if (owner[k] < 0) continue;
      const TrainingFace& face = faces[i][owner[k]];
      positive[i][k] = true;
      scored[i][k] = 1;
      boxes[i][k][0] = face.box.x;
      boxes[i][k][1] = face.box.y;
      boxes[i][k][2] = face.box.x + face.box.width;
      boxes[i][k][3] = face.box.y + face.box.height;
      side[i][k] = std::max(1.0, Side(face.box));
      for (size_t p = 0; p < face.points.size() && p < 5; ++p) {
        if (std::isnan(face.points[p].x) || std::isnan(face.points[p].y)) continue;
        points[i][k][2 * p] = face.points[p].x;
        points[i][k][2 * p + 1] = face.points[p].y;
        known[i][k][2 * p] = known[i][k][2 * p + 1] = 1;
      }
    }
  }
  return t;
}

namespace {

struct Overlap {
  torch::Tensor intersection, union_area;
};

Overlap PairedOverlap(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor lt = torch::max(a.slice(1, 0, 2), b.slice(1, 0, 2));
  const torch::Tensor rb = torch::min(a.slice(1, 2, 4), b.slice(1, 2, 4));
  const torch::Tensor wh = (rb - lt).clamp_min(0);
  auto area = [](const torch::Tensor& x) {
    return (x.select(1, 2) - x.select(1, 0)).clamp_min(0) *
           (x.select(1, 3) - x.select(1, 1)).clamp_min(0);
  };
  Overlap o;
  o.intersection = wh.select(1, 0) * wh.select(1, 1);
  o.union_area = (area(a) + area(b) - o.intersection).clamp_min(1e-6);
  return o;
}

}  // namespace

torch::Tensor PairedIou(const torch::Tensor& a, const torch::Tensor& b) {
  const Overlap o = PairedOverlap(a, b);
  return o.intersection / o.union_area;
}

torch::Tensor PairedGeneralizedIou(const torch::Tensor& a, const torch::Tensor& b) {
  const Overlap o = PairedOverlap(a, b);
  const torch::Tensor hull_wh =
      (torch::max(a.slice(1, 2, 4), b.slice(1, 2, 4)) - torch::min(a.slice(1, 0, 2), b.slice(1, 0, 2)))
          .clamp_min(0);
  const torch::Tensor hull = (hull_wh.select(1, 0) * hull_wh.select(1, 1)).clamp_min(1e-6);
  return o.intersection / o.union_area - (hull - o.union_area) / hull;
}

DetectorLoss ComputeDetectorLoss(const torch::Tensor& raw, const DetectorTargets& targets,
                                 const torch::Tensor& cells, const DetectorLossOptions& options) {
  const torch::Device device = raw.device();
  const int64_t n = raw.size(0), a = raw.size(1);
  const torch::Tensor positive = targets.positive.to(device).reshape({-1});
  const torch::Tensor flat = raw.reshape({n * a, kDetectorOutputs});
  const torch::Tensor flat_cells = cells.to(device).repeat({n, 1});
  const torch::Tensor index = positive.nonzero().squeeze(1);
  const int64_t positives = index.size(0);
  const double normaliser = std::max<int64_t>(1, positives);

  const torch::Tensor pos_raw = flat.index_select(0, index);
  const torch::Tensor pos_cells = flat_cells.index_select(0, index);
  const torch::Tensor truth_boxes = targets.boxes.to(device).reshape({-1, 4}).index_select(0, index);
  const torch::Tensor predicted = DecodeDetectorBoxes(pos_raw.slice(1, 1, 5), pos_cells);

  // Quality target: the IoU the predicted box reaches, 0 for background.
  torch::Tensor quality = torch::zeros({n * a}, raw.options());
  quality.index_put_({index}, PairedIou(predicted.detach(), truth_boxes).clamp_min(0));
  const torch::Tensor logit = flat.select(1, 0);
  const torch::Tensor bce = torch::binary_cross_entropy_with_logits(
      logit, quality, {}, {}, at::Reduction::None);
  const torch::Tensor focus = (torch::sigmoid(logit) - quality).abs().pow(2);
  const torch::Tensor score_loss =
      (bce * focus * targets.scored.to(device).reshape({-1})).sum() / normaliser;

  torch::Tensor box_loss = torch::zeros({}, raw.options());
  torch::Tensor point_loss = torch::zeros({}, raw.options());
  if (positives > 0) {
    box_loss = (1 - PairedGeneralizedIou(predicted, truth_boxes)).mean();
    const torch::Tensor known = targets.point_known.to(device).reshape({-1, 10}).index_select(0, index);
    const torch::Tensor truth_points = targets.points.to(device).reshape({-1, 10}).index_select(0, index);
    const torch::Tensor side = targets.side.to(device).reshape({-1}).index_select(0, index);
    const torch::Tensor predicted_points =
        pos_cells.slice(1, 0, 2).repeat({1, 5}) + pos_raw.slice(1, 5, 15) * pos_cells.slice(1, 2, 3);
    const torch::Tensor error = (predicted_points - truth_points).abs() / side.unsqueeze(1);
    point_loss = (error * known).sum() / known.sum().clamp_min(1);
  }
  DetectorLoss loss;
  loss.total = score_loss + options.box_weight * box_loss + options.point_weight * point_loss;
  loss.score = score_loss.item<double>();
  loss.box = box_loss.item<double>();
  loss.points = point_loss.item<double>();
  loss.positives = positives;
  return loss;
}

}  // namespace facerec::detect
