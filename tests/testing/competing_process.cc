#include "tests/testing/competing_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <thread>

namespace facerec::testing {

CompetingProcess::CompetingProcess(Kind kind) {
  if (kind == kNone) return;
  pid_ = fork();
  if (pid_ == 0) {
    // Only async-signal-safe calls here: the parent may have had threads.
    setsid();  // A new session is a new autogroup.
    if (kind == kLowestPriority) {
      const int fd = open("/proc/self/autogroup", O_WRONLY);
      if (fd >= 0) {
        (void)!write(fd, "19", 2);
        close(fd);
      }
      setpriority(PRIO_PROCESS, 0, 19);
    }
    volatile uint64_t spin = 0;
    for (;;) spin = spin + 1;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

CompetingProcess::~CompetingProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

}  // namespace facerec::testing
