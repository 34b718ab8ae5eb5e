"""cc_library, cc_binary and cc_test that parse <torch/torch.h> once per build.

Every facerec source file that uses LibTorch includes <torch/torch.h>, and the
compiler spends most of such a file's time parsing it (benchmarks/README.md,
"Build time"). Clang can load a header it compiled before: these wrappers give a
target that depends on @libtorch the precompiled <torch/torch.h> of
//third_party:torch_pch (compiled once, with the very flags of every other
compile, its templates instantiated there once) through `-include-pch`, and
leave any other target as the native rule would. A file then includes
<torch/torch.h> as before; its include guard is already defined.

A target whose sources reach <torch/torch.h> only through a facerec header
(one that declares modules, say) lists @libtorch too: it compiles against
LibTorch's headers all the same, and without the precompiled one each such
file parses them anew.
Headers that only name a tensor or a device include <ATen/core/Tensor.h> or
<c10/core/Device.h> instead, so their users parse neither.

A BUILD file opts in by loading them under the native names:

    load("//third_party:torch_pch.bzl", "cc_binary", "cc_library", "cc_test")

Clang refuses a precompiled header built with flags that change the language
(-O0 against -O2, another -std, a macro defined differently): such a compile
fails with an error that names the difference, rather than silently parsing
the header again. Optimisation levels that keep __OPTIMIZE__ (-O1 and -O2, as
.bazelrc gives tests and libraries) and debug levels may differ.
"""

_TORCH = ["@libtorch", "@libtorch//:libtorch"]
_PCH = "//third_party:torch_pch"
# Bazel's caches restore files with new times, and a new checkout gives
# every source one: the header's inputs are compared by content when their
# times differ. The header must be built with the same flag
# (//third_party:torch_pch_compile), which stores the hashes compared.
_PCH_COPTS = [
    "-include-pch",
    "$(GENDIR)/third_party/torch_pch.pch.h",
    "-fpch-validate-input-files-content",
]

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
