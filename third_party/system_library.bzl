"""A rule that exposes a system include directory to C++ dependents.

Debian installs LibTorch's and OpenCV's headers below /usr/include in
sub-directories that need their own -isystem flag. The compiler treats all of
/usr/include as a built-in include directory, so the headers need not be
declared (declaring ATen's 7,000 headers would make every sandboxed compile
symlink them); this rule only propagates the flag.

Usage (in a third_party/*.BUILD file):

    system_includes(name = "torch_includes", dirs = ["/usr/include/torch/csrc/api/include"])
    cc_library(name = "torch", deps = [":torch_includes"], linkopts = ["-ltorch"])
"""

def _system_includes_impl(ctx):
    return [CcInfo(compilation_context = cc_common.create_compilation_context(
        system_includes = depset(ctx.attr.dirs),
    ))]

system_includes = rule(
    implementation = _system_includes_impl,
    attrs = {"dirs": attr.string_list(mandatory = True, doc = "Absolute include directories.")},
    doc = "Propagates absolute system include directories to dependents.",
)
