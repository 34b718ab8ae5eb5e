#include "facerec/backbones/batchnorm_fusion.h"

#include <vector>

namespace facerec::backbones {
namespace nn = torch::nn;

nn::Sequential FuseConvBatchNorm(const nn::Sequential& layers) {
  torch::NoGradGuard no_grad;
  nn::Sequential fused;
  const std::vector<nn::AnyModule> children(layers->begin(), layers->end());
  for (size_t i = 0; i < children.size(); ++i) {
    auto* conv = children[i].ptr()->as<nn::Conv2d>();
    auto* bn = i + 1 < children.size() ? children[i + 1].ptr()->as<nn::BatchNorm2d>() : nullptr;
    if (conv == nullptr || bn == nullptr) {
      fused->push_back(children[i]);
      continue;
    }
    const torch::Tensor scale = bn->weight / torch::sqrt(bn->running_var + bn->options.eps());
    const auto& o = conv->options;
    nn::Conv2d folded(nn::Conv2dOptions(o.in_channels(), o.out_channels(), o.kernel_size())
                          .stride(o.stride())
                          .padding(o.padding())
                          .dilation(o.dilation())
                          .groups(o.groups())
                          .bias(true));
    folded->weight.copy_(conv->weight * scale.view({-1, 1, 1, 1}));
    torch::Tensor bias = bn->bias - bn->running_mean * scale;
    if (conv->options.bias()) bias = bias + conv->bias * scale;
    folded->bias.copy_(bias);
    fused->push_back(folded);
    ++i;  // The BatchNorm is now inside the convolution.
  }
  fused->eval();
  return fused;
}

}  // namespace facerec::backbones
