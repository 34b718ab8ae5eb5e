"""Declares one repository per Debian library, each rooted at /usr.

`tools/bazel` installs the packages; this file only makes them visible to
Bazel as `@<name>//:<name>` targets. Call `system_libraries()` from WORKSPACE.
"""

_LIBRARIES = [
    "absl",
    "benchmark",
    "dlib",
    "gflags",
    "glog",
    "gtest",
    "hnswlib",
    "httplib",
    "libtorch",
    "nlohmann_json",
    "onnx",
    "openssl",
    "opencv",
    "sqlite3",
]

def system_libraries():
    for name in _LIBRARIES:
        native.new_local_repository(
            name = name,
            path = "/usr",
            build_file = "//third_party:%s.BUILD" % name,
        )
