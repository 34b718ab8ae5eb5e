"""cc_library, cc_binary and cc_test that parse <torch/torch.h> once per build.

Every facerec source file that uses LibTorch includes <torch/torch.h>, and the
compiler spends most of such a file's time parsing it (benchmarks/README.md,
"Build time"). GCC can load a header it parsed before: these wrappers give a target
that depends on @libtorch the precompiled <torch/torch.h> of //third_party:torch_pch
(compiled once, with the very flags of every other compile) through
`-include`, and leave any other target as the native rule would.

A target whose sources reach <torch/torch.h> only through a facerec header
(one that declares modules, say) lists @libtorch too: it compiles against
LibTorch's headers all the same, and without the precompiled one each such
file parses them anew, about three times as long as loading the precompiled
one (benchmarks/README.md, "Build time").
Headers that only name a tensor or a device include <ATen/core/Tensor.h> or
<c10/core/Device.h> instead, so their users parse neither.

A BUILD file opts in by loading them under the native names:

    load("//third_party:torch_pch.bzl", "cc_binary", "cc_library", "cc_test")

The header is only a speed-up: GCC silently parses <torch/torch.h> itself when
the precompiled one does not fit a compile's flags (-Winvalid-pch says why),
so the results are the same either way.
"""

_TORCH = ["@libtorch", "@libtorch//:libtorch"]
_PCH = "//third_party:torch_pch"
_PCH_COPTS = ["-include", "third_party/torch_pch.h"]

def _with_pch(kwargs):
    deps = kwargs.get("deps", [])
    if type(deps) != "list" or not [d for d in deps if d in _TORCH]:
        return kwargs
    kwargs = dict(kwargs)
    kwargs["deps"] = deps + [_PCH]
    kwargs["copts"] = _PCH_COPTS + kwargs.get("copts", [])
    return kwargs

def cc_library(**kwargs):
    native.cc_library(**_with_pch(kwargs))

def cc_binary(**kwargs):
    native.cc_binary(**_with_pch(kwargs))

def cc_test(**kwargs):
    native.cc_test(**_with_pch(kwargs))
