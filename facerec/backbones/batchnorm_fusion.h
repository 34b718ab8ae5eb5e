// Folds each BatchNorm into the convolution before it, for inference: the
// folded convolution computes what the pair computed from the BatchNorm's
// running statistics, in one op instead of two.
//
//   torch::nn::Sequential layers = ...;          // Conv2d, BatchNorm2d, ReLU, ...
//   layers->eval();
//   torch::nn::Sequential fused = FuseConvBatchNorm(layers);
//   // fused->forward(x) equals layers->forward(x) to float rounding.
//
//   LandmarkNet inference = FusedInferenceCopy(trained_net, torch::kCPU);
//
// Modules other than a Conv2d-BatchNorm2d pair are shared with `layers`, not
// copied (LibTorch cannot nest Sequentials). The result is for inference only: its convolutions
// carry the statistics as weights, so training it would not update them.
//
// Thread-safety: a function of its argument, which it does not change.
#ifndef FACEREC_BACKBONES_BATCHNORM_FUSION_H_
#define FACEREC_BACKBONES_BATCHNORM_FUSION_H_

#include <torch/torch.h>

namespace facerec::backbones {

torch::nn::Sequential FuseConvBatchNorm(const torch::nn::Sequential& layers);

// A copy of `trained` for inference on `device`: BatchNorm folded in (the
// net's own FuseBatchNorm) and, on the CPU, 4-d weights in channels-last
// order (oneDNN's native layout, so no reorder per convolution: ~25 % less
// time per forward pass at batch 1, benchmarks/README.md). Later changes to
// `trained` do not reach the copy, and `trained` stays as it was. `Net` is a
// TORCH_MODULE holder whose module has options(), a constructor from them,
// and FuseBatchNorm().
template <typename Net>
Net FusedInferenceCopy(const Net& trained, torch::Device device) {
  Net copy(trained->options());
  {
    torch::NoGradGuard no_grad;
    const auto parameters = trained->named_parameters();
    for (auto& p : copy->named_parameters()) p.value().copy_(parameters[p.key()]);
    const auto buffers = trained->named_buffers();
    for (auto& b : copy->named_buffers()) b.value().copy_(buffers[b.key()]);
  }
  copy->FuseBatchNorm();
  copy->to(device);
  if (device.is_cpu()) {
    for (torch::Tensor& p : copy->parameters()) {
      if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
    }
  }
  return copy;
}

}  // namespace facerec::backbones

#endif  // FACEREC_BACKBONES_BATCHNORM_FUSION_H_
