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

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

_TORCH = ["@libtorch", "@libtorch//:libtorch"]
_PCH = "//third_party:torch_pch"
# Bazel's caches restore files with new times, and machines install the
# system headers at different times: the header's inputs are compared by
# content when their times differ. The header must be built with the same
# flag (//third_party:torch_pch_precompiled), which stores the hashes compared.
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

def _precompiled_header_impl(ctx):
    cc_toolchain = find_cpp_toolchain(ctx)
    features = cc_common.configure_features(
        ctx = ctx,
        cc_toolchain = cc_toolchain,
        requested_features = ctx.features,
        unsupported_features = ctx.disabled_features,
    )
    deps = cc_common.merge_cc_infos(cc_infos = [d[CcInfo] for d in ctx.attr.deps]).compilation_context
    out = ctx.actions.declare_file(ctx.attr.out)
    variables = cc_common.create_compile_variables(
        feature_configuration = features,
        cc_toolchain = cc_toolchain,
        user_compile_flags = ctx.fragments.cpp.copts + ctx.fragments.cpp.cxxopts + ctx.attr.copts,
        source_file = ctx.attr.header,
        output_file = out.path,
        include_directories = deps.includes,
        quote_include_directories = deps.quote_includes,
        system_include_directories = deps.system_includes,
        preprocessor_defines = deps.defines,
        # --force_pic (.bazelrc): every compile that loads it has -fPIC.
        use_pic = True,
    )
    action = ACTION_NAMES.cpp_compile
    ctx.actions.run(
        executable = cc_common.get_tool_for_action(feature_configuration = features, action_name = action),
        arguments = cc_common.get_memory_inefficient_command_line(
            feature_configuration = features,
            action_name = action,
            variables = variables,
        ),
        env = cc_common.get_environment_variables(
            feature_configuration = features,
            action_name = action,
            variables = variables,
        ),
        inputs = depset(transitive = [cc_toolchain.all_files, deps.headers]),
        outputs = [out],
        mnemonic = "PrecompileHeader",
        progress_message = "Precompiling %s" % ctx.attr.header,
    )
    return [DefaultInfo(files = depset([out]))]

# A system header precompiled by the C++ toolchain's own compile command
# line (the configuration's flags, --copt and --cxxopt, the deps' include
# paths and defines) plus `copts`: what a cc_library compile would run, but
# with the header's absolute system path as the main file. Clang names a
# precompiled header's main file, by absolute path, in the dependency file
# of every compile that loads it; a system path there is one Bazel accepts
# as a toolchain header, where a workspace file would be /proc/self/cwd/...,
# an undeclared absolute path.
precompiled_header = rule(
    implementation = _precompiled_header_impl,
    attrs = {
        "header": attr.string(mandatory = True, doc = "Absolute path of the system header."),
        "out": attr.string(mandatory = True, doc = "The precompiled header's file name."),
        "copts": attr.string_list(doc = "Flags after the configuration's."),
        "deps": attr.label_list(providers = [CcInfo], doc = "Libraries whose include paths it needs."),
        "_cc_toolchain": attr.label(default = "@bazel_tools//tools/cpp:current_cc_toolchain"),
    },
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    fragments = ["cpp"],
)
