#include "facerec/core/environment.h"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>

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
  MutableCommandLine() = absl::StrJoin(argv, argv + argc, " ");
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace facerec
