// Facts about the running process that a run record keeps: code version,
// host, pid, wall-clock time. No LibTorch dependency.
//
//   const std::string version = facerec::CodeVersion();  // "c2fdae0-dirty"
//   const std::string host = facerec::HostName();
#ifndef FACEREC_CORE_ENVIRONMENT_H_
#define FACEREC_CORE_ENVIRONMENT_H_

#include <cstdint>
#include <filesystem>
#include <string>

namespace facerec {

// `git describe --always --dirty` of the workspace root, or "unknown" outside
// a git checkout (e.g. inside the test sandbox).
std::string CodeVersion();

std::string HostName();

// `argument` as a record keeps it: a --flag=/absolute/path inside
// `workspace` or beside it (one directory up) becomes relative to it
// (--data_root=/srv/shared/data with workspace /srv/facerec:
// --data_root=../shared/data); anything else is unchanged.
std::string PortableArgument(const std::string& argument, const std::filesystem::path& workspace);

// The command line recorded by SetProcessCommandLine (InitProcess calls it
// before flag parsing strips anything), each argument PortableArgument of
// the workspace; empty if never set.
std::string ProcessCommandLine();
void SetProcessCommandLine(int argc, char** argv);

// Milliseconds since the Unix epoch.
int64_t NowMs();

}  // namespace facerec

#endif  // FACEREC_CORE_ENVIRONMENT_H_
