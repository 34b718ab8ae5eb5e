// Starting a child process that dies with its parent: the sweep's points and
// the local data-parallel ranks are both processes of a job that must not
// outlive the process that started it.
//
//   FACEREC_ASSIGN_OR_RETURN(pid_t pid, StartChild({"/bin/echo", "hi"}, "out.log"));
//   int status = 0;
//   waitpid(pid, &status, 0);
//
// Thread-safety: call from one thread (it forks).
#ifndef FACEREC_CORE_CHILD_PROCESS_H_
#define FACEREC_CORE_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace facerec {

// Runs args[0] with `args` (execv: args[0] is a path). The child gets
// SIGTERM when this process dies (Linux's parent-death signal), so Ctrl-C or
// kill on the parent stops it too. Its stdout and stderr are appended to
// `output_path`, or shared with this process when it is empty. An exec that
// fails shows as exit status 127.
absl::StatusOr<pid_t> StartChild(std::vector<std::string> args, const std::string& output_path = "");

}  // namespace facerec

#endif  // FACEREC_CORE_CHILD_PROCESS_H_
