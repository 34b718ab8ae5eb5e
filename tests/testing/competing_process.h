// A CPU-bound process beside the caller, for tests and benchmarks that
// check what another program on the machine does to training: a busy loop
// in a session of its own (its own scheduling group, as a user's other work
// is: `nice` inside our group would not reach it), optionally at the lowest
// priority of its group (autogroup nice 19), as a background job would be.
//
//   {
//     CompetingProcess busy(CompetingProcess::kBusy);
//     ... train; compare with the same training alone ...
//   }  // killed and reaped here
//
// Thread-safety: not thread-safe; forks, so construct it where no other
// thread holds a lock the child could need (the child only spins).
#ifndef FACEREC_TESTS_TESTING_COMPETING_PROCESS_H_
#define FACEREC_TESTS_TESTING_COMPETING_PROCESS_H_

#include <sys/types.h>

namespace facerec::testing {

class CompetingProcess {
 public:
  enum Kind { kNone, kBusy, kLowestPriority };

  // Starts the process (nothing for kNone) and gives it 300 ms to be scheduled.
  explicit CompetingProcess(Kind kind);
  ~CompetingProcess();
  CompetingProcess(const CompetingProcess&) = delete;
  CompetingProcess& operator=(const CompetingProcess&) = delete;

  // The child's pid, or -1 for kNone.
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace facerec::testing

#endif  // FACEREC_TESTS_TESTING_COMPETING_PROCESS_H_
