// A trained net's forward pass as a plain function, so an inference stage
// (our detector, the landmark detector, the face embedder) runs the same
// pre- and post-processing whichever runtime computes the net: a LibTorch
// module, or its ONNX export in OpenCV's dnn module (export/opencv_dnn.h).
//
//   NetForward forward = [net](const at::Tensor& x) { return net->forward(x); };
//   at::Tensor y = forward(batch);  // [N, 3, H, W] float on the CPU -> the net's output
//
// Thread-safety: as the function; the stages call it from one thread.
#ifndef FACEREC_BACKBONES_NET_FORWARD_H_
#define FACEREC_BACKBONES_NET_FORWARD_H_

#include <functional>

#include <ATen/core/Tensor.h>

namespace facerec::backbones {

// Input: a contiguous float32 CPU tensor, NCHW. Output: on the CPU.
using NetForward = std::function<at::Tensor(const at::Tensor&)>;

}  // namespace facerec::backbones

#endif  // FACEREC_BACKBONES_NET_FORWARD_H_
