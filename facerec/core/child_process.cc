#include "facerec/core/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "absl/status/status.h"

namespace facerec {

absl::StatusOr<pid_t> StartChild(std::vector<std::string> args, const std::string& output_path) {
  if (args.empty()) return absl::InvalidArgumentError("no program to start");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // Stop with the parent: SIGTERM when it dies (and now, if it already did).
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    if (!output_path.empty()) {
      const int fd = open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
      }
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace facerec
