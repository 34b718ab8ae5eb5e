// Where the datasets live.
//
// Every binary takes --data_root. Resolution order:
//   1. the --data_root flag, when non-empty;
//   2. the FACEREC_DATA environment variable, when non-empty;
//   3. ../shared/data relative to the workspace root; under `bazel run` the
//      workspace root is $BUILD_WORKSPACE_DIRECTORY, otherwise the current
//      directory is taken to be it.
// Tests have no workspace root: tools/bazel exports FACEREC_DATA and .bazelrc
// passes it through with --test_env, so a test that finds neither fails with
// a message that says so instead of guessing.
//
//   absl::StatusOr<std::filesystem::path> root = facerec::ResolveDataRoot(FLAGS_data_root);
//   if (!root.ok()) { LOG(ERROR) << root.status(); return 1; }
#ifndef FACEREC_CORE_DATA_ROOT_H_
#define FACEREC_CORE_DATA_ROOT_H_

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace facerec {

// Returns the resolved, existing data directory (made absolute), or
// NotFoundError naming the candidate that was tried and where it came from.
absl::StatusOr<std::filesystem::path> ResolveDataRoot(const std::string& flag_value);

// The workspace root: $BUILD_WORKSPACE_DIRECTORY under `bazel run`, else the
// current directory. Default home of results.db and artifacts.
std::filesystem::path WorkspaceRoot();

// Resolves `path` against the workspace root unless it is already absolute,
// so `--db=results.db` means the same file however the binary was started.
std::filesystem::path ResolveAgainstWorkspace(const std::string& path);

// How a path is recorded: relative to the workspace root when it lies inside
// it ("artifacts/landmarks/ab12/landmark_net.pt"), else absolute. A relative
// `path` is taken against the workspace root first. Inside means by name
// first: a file under a symlinked folder of the workspace (artifacts -> a
// bigger disk) is recorded by its place in the workspace, not the link's
// target; a path inside only once links are resolved (the workspace named
// through a link) is recorded relative too. Records holding it mean the same
// file in any checkout.
std::string WorkspaceRelative(const std::string& path);

}  // namespace facerec

#endif  // FACEREC_CORE_DATA_ROOT_H_
