#include "facerec/core/environment.h"

#include <filesystem>
#include <vector>

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "facerec/core/data_root.h"

namespace facerec {

std::string CodeVersion() {
  const std::string command = absl::StrCat(
      "git -C '", WorkspaceRoot().string(), "' describe --always --dirty 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "unknown";
  std::array<char, 256> buffer{};
  std::string output;
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = pclose(pipe);
  const std::string version(absl::StripAsciiWhitespace(output));
  if (status != 0 || version.empty()) return "unknown";
  return version;
}

std::string HostName() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "unknown";
  return name.data();
}

namespace {
std::string& MutableCommandLine() {
  static auto* command_line = new std::string;
  return *command_line;
}
}  // namespace

std::string ProcessCommandLine() { return MutableCommandLine(); }

std::string PortableArgument(const std::string& argument, const std::filesystem::path& workspace) {
  const size_t equals = argument.find('=');
  if (argument.rfind("--", 0) != 0 || equals == std::string::npos || workspace.empty()) {
    return argument;
  }
  const std::filesystem::path value(argument.substr(equals + 1));
  if (!value.is_absolute()) return argument;
  const std::filesystem::path relative = value.lexically_normal().lexically_relative(workspace);
  // Inside the workspace or beside it (one level up), not across the machine.
  const std::string text = relative.string();
  if (relative.empty() || text.rfind("../..", 0) == 0) return argument;
  return absl::StrCat(argument.substr(0, equals + 1), text);
}

void SetProcessCommandLine(int argc, char** argv) {
  // Under `bazel run`, argv[0] is a path deep in Bazel's output tree; record
  // the command a user would type again instead.
  std::string program = argc > 0 ? argv[0] : "";
  const size_t bin = program.find("/bin/");
  if (std::getenv("BUILD_WORKSPACE_DIRECTORY") != nullptr && bin != std::string::npos &&
      program.find("bazel-out/") != std::string::npos) {
    const std::string target = program.substr(bin + 5);  // "experiments/compare_losses"
    const size_t slash = target.rfind('/');
    program = absl::StrCat("tools/bazel run //", target.substr(0, slash), ":",
                           target.substr(slash + 1), argc > 1 ? " --" : "");
  }
  // Absolute paths near the workspace (the data beside it, files inside it)
  // are recorded relative to it, so a command line in a record holds no
  // machine's directories and means the same beside any checkout.
  const char* workspace_env = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  std::error_code error;
  const std::filesystem::path workspace =
      workspace_env != nullptr ? std::filesystem::path(workspace_env)
                               : std::filesystem::current_path(error);
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.push_back(PortableArgument(argv[i], workspace));
  MutableCommandLine() = args.empty() ? program : absl::StrCat(program, " ", absl::StrJoin(args, " "));
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace facerec
