#include "facerec/core/environment.h"

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
  MutableCommandLine() = argc > 1 ? absl::StrCat(program, " ", absl::StrJoin(argv + 1, argv + argc, " "))
                                  : program;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace facerec
