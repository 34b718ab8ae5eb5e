// The precompiled header every C++ target that depends on LibTorch compiles
// with (third_party/torch_pch.bzl).
#include <torch/torch.h>
