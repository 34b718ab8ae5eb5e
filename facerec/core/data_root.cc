#include "facerec/core/data_root.h"

#include <cstdlib>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace facerec {
namespace {

std::string GetEnv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

std::filesystem::path WorkspaceRoot() {
  const std::string workspace = GetEnv("BUILD_WORKSPACE_DIRECTORY");
  if (!workspace.empty()) return workspace;
  return std::filesystem::current_path();
}

std::filesystem::path ResolveAgainstWorkspace(const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return p;
  return WorkspaceRoot() / p;
}

std::string WorkspaceRelative(const std::string& path) {
  // Lexically first: a file reached through a symlinked folder of the
  // workspace (artifacts/ on a bigger disk) keeps its place in the workspace,
  // which is where every checkout will look for it. Resolving the link would
  // record the machine's target instead.
  const std::filesystem::path lexical =
      ResolveAgainstWorkspace(path).lexically_normal().lexically_relative(WorkspaceRoot().lexically_normal());
  if (!lexical.empty() && *lexical.begin() != "..") return lexical.string();
  // Then by the real paths: the workspace itself may be named through a link.
  std::error_code error;
  const std::filesystem::path root = std::filesystem::weakly_canonical(WorkspaceRoot(), error);
  if (error) return ResolveAgainstWorkspace(path).lexically_normal().string();
  const std::filesystem::path full =
      std::filesystem::weakly_canonical(ResolveAgainstWorkspace(path), error);
  if (error) return ResolveAgainstWorkspace(path).lexically_normal().string();
  const std::filesystem::path relative = full.lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") return full.string();
  return relative.string();
}

absl::StatusOr<std::filesystem::path> ResolveDataRoot(const std::string& flag_value) {
  std::filesystem::path candidate;
  std::string source;
  if (!flag_value.empty()) {
    candidate = ResolveAgainstWorkspace(flag_value);
    source = "--data_root";
  } else if (const std::string env = GetEnv("FACEREC_DATA"); !env.empty()) {
    candidate = env;
    source = "$FACEREC_DATA";
  } else {
    candidate = WorkspaceRoot() / ".." / "shared" / "data";
    source = "the default ../shared/data from the workspace root";
  }
  std::error_code error;
  if (!std::filesystem::is_directory(candidate, error)) {
    return absl::NotFoundError(absl::StrCat(
        "data root '", candidate.string(), "' (from ", source,
        ") is not a directory; pass --data_root=DIR or set FACEREC_DATA"));
  }
  return std::filesystem::canonical(candidate);
}

}  // namespace facerec
