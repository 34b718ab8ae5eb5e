// Our face detector's network: a single-stage, anchor-free CNN in the manner
// of YuNet (libfacedetection), scoring every cell of three feature maps
// (strides 8, 16, 32) as a face centre and regressing, per cell, the box and
// the five points.
//
//   DetectorNet net(DetectorNetOptions{});
//   torch::Tensor raw = net->forward(images);           // [N, 3, H, W] -> [N, A, 15]
//   torch::Tensor cells = DetectorCells(H, W);            // [A, 3]: x, y, stride
//   DecodedDetections d = DecodeDetectorOutput(raw[0], cells);
//   // d.scores [A] in (0, 1), d.boxes [A, 4] x1 y1 x2 y2, d.points [A, 10]
//
// Why this design. The detector runs on every photo before anything else, on
// a CPU, and most faces in the shared data are small (face-mask's median
// short side ~21 px): it must see fine detail cheaply. YuNet's recipe fits:
// depthwise-separable convolutions (a 3x3 per channel, then a 1x1 across
// channels: ~1/8 of a full 3x3's multiply-adds at 64 channels), max-pooling
// between stages, a light top-down path that hands the stride-8 map the
// context of the coarser ones, and one prior per cell (anchor-free), so
// there are no anchor shapes to tune and decoding is one exp per cell. A
// two-stage or anchor-based net (RetinaFace, SSD) costs far more per photo
// for faces this size; SCRFD's search-found shapes need a search budget we
// do not have. Levels split the sizes: a face is assigned to the stride
// whose range holds its side (detector_loss.h).
//
// Outputs per cell, in this order: the face logit; the distances from the
// cell centre to the box's left, top, right and bottom edges, as log(d /
// stride); the five points' (x, y) offsets from the cell centre in strides.
// Inputs are RGB in [0, 1]; H and W multiples of 32 (OurDetector pads).
//
// Thread-safety: as any torch::nn::Module; the free functions are pure.
#ifndef FACEREC_DETECT_DETECTOR_NET_H_
#define FACEREC_DETECT_DETECTOR_NET_H_

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace facerec::detect {

inline constexpr int kDetectorStrides[] = {8, 16, 32};
inline constexpr int kDetectorInputMultiple = 32;
inline constexpr int kDetectorOutputs = 15;  // 1 logit + 4 box + 10 point values.

struct DetectorNetOptions {
  int stem_width = 16;  // Channels at strides 2 and 4 (twice this at 4). Default 16.
  int width = 64;       // Channels from stride 8 on, neck and heads. Default 64.
};

class DetectorNetImpl : public torch::nn::Module {
 public:
  explicit DetectorNetImpl(const DetectorNetOptions& options);
  // [N, 3, H, W] RGB in [0, 1] -> [N, A, 15]: the cells of stride 8, then 16,
  // then 32, each map row by row (DetectorCells' order).
  torch::Tensor forward(torch::Tensor images);
  const DetectorNetOptions& options() const { return options_; }
  // For inference only (backbones/batchnorm_fusion.h): puts the net in eval
  // mode for good; training it afterwards CHECK-fails.
  void FuseBatchNorm();

 private:
  DetectorNetOptions options_;
  bool fused_ = false;
  torch::nn::Sequential stem_{nullptr}, stage8_{nullptr}, stage16_{nullptr}, stage32_{nullptr};
  torch::nn::Sequential lateral8_{nullptr}, lateral16_{nullptr}, lateral32_{nullptr};
  torch::nn::Sequential head8_{nullptr}, head16_{nullptr}, head32_{nullptr};
};
TORCH_MODULE(DetectorNet);

// Parameters and multiply-adds of one forward pass at `height` x `width`
// (convolutions only; pooling, additions and upsampling are negligible).
struct DetectorNetCost {
  int64_t parameters = 0;
  int64_t multiply_adds = 0;
};
DetectorNetCost MeasureDetectorNetCost(const DetectorNetOptions& options, int height, int width);

// The cells of an input of `height` x `width` (multiples of 32): [A, 3] with
// each cell's centre x, y in input pixels and its stride.
torch::Tensor DetectorCells(int height, int width);

struct DecodedDetections {
  torch::Tensor scores;  // [A], the sigmoid of the logit.
  torch::Tensor boxes;   // [A, 4]: x1, y1, x2, y2 in input pixels.
  torch::Tensor points;  // [A, 10]: x, y of the five points in input pixels.
};
// One image's raw output [A, 15] with its cells [A, 3].
DecodedDetections DecodeDetectorOutput(const torch::Tensor& raw, const torch::Tensor& cells);
// Boxes only ([A, 4]), differentiable: what the box loss compares.
torch::Tensor DecodeDetectorBoxes(const torch::Tensor& raw_box, const torch::Tensor& cells);

// Writes the net and its options to `path` atomically (a temporary file, then rename).
absl::Status SaveDetectorNet(DetectorNet net, const std::string& path);
// NotFoundError / DataLossError naming the file.
absl::StatusOr<DetectorNet> LoadDetectorNet(const std::string& path);

}  // namespace facerec::detect

#endif  // FACEREC_DETECT_DETECTOR_NET_H_
