// Facts about the running process that a run record keeps: code version,
// host, pid, wall-clock time. No LibTorch dependency.
//
//   const std::string version = facerec::CodeVersion();  // "c2fdae0-dirty"
//   const std::string host = facerec::HostName();
#ifndef FACEREC_CORE_ENVIRONMENT_H_
#define FACEREC_CORE_ENVIRONMENT_H_

#include <cstdint>
#include <string>

namespace facerec {

// `git describe --always --dirty` of the workspace root, or "unknown" outside
// a git checkout (e.g. inside the test sandbox).
std::string CodeVersion();

std::string HostName();

// The command line recorded by SetProcessCommandLine (InitProcess calls it
// before flag parsing strips anything); empty if never set.
std::string ProcessCommandLine();
void SetProcessCommandLine(int argc, char** argv);

// Milliseconds since the Unix epoch.
int64_t NowMs();

}  // namespace facerec

#endif  // FACEREC_CORE_ENVIRONMENT_H_
