// Keeps LibTorch's intra-op threads to the cores other processes leave free.
//
//   ThreadGovernor governor(torch::get_num_threads());
//   for (...each training step...) {
//     governor.Tick();  // cheap; looks at the machine every Options::interval_ms
//     ...step...
//   }
//
// Why: OpenMP parallel regions end at a barrier that waits for every thread.
// When another process takes one of two cores, the thread on that core runs
// only in its scheduler slices, and each of the thousands of small parallel
// regions of a training step waits for it: a step ran 13-21x slower beside
// one busy process, where a fair share of the cores would cost 2x. libgomp's
// passive waiting or a short spin count help only partly and cost speed alone
// (benchmarks/README.md, "Training beside another process"). One thread
// fewer than the cores in use by others never waits for a descheduled peer.
//
// Every Options::interval_ms, Tick compares the machine's busy CPU time
// (/proc/stat) with this process's own (/proc/self/stat): the difference is
// what other processes used. The thread count becomes
// max(1, max_threads - round(others' cores)), so a process at the lowest
// priority (which gets almost no CPU while we compute) takes no thread away,
// and the threads come back when the competitor ends. Where /proc cannot be
// read the governor does nothing.
//
// Thread-safety: not thread-safe; call Tick from the thread that runs the
// parallel work (torch::set_num_threads applies to the calling thread's
// OpenMP regions).
#ifndef FACEREC_CORE_THREAD_GOVERNOR_H_
#define FACEREC_CORE_THREAD_GOVERNOR_H_

#include <cstdint>

namespace facerec {

class ThreadGovernor {
 public:
  struct Options {
    // How often the machine is looked at. Default 1000 ms.
    int64_t interval_ms = 1000;
    // false: Tick does nothing (the thread count stays as started). Default
    // true; FACEREC_THREAD_GOVERNOR=0 in the environment turns it off.
    bool enabled = true;
  };

  explicit ThreadGovernor(int max_threads);
  ThreadGovernor(int max_threads, const Options& options);
  // Gives back the threads it took.
  ~ThreadGovernor();
  ThreadGovernor(const ThreadGovernor&) = delete;
  ThreadGovernor& operator=(const ThreadGovernor&) = delete;

  // Re-decides the thread count when an interval has passed; returns the
  // count in force.
  int Tick();

  int threads() const { return threads_; }

  // The thread count for `max_threads` when others used `other_cores` cores
  // on average: max(1, max_threads - round(other_cores)).
  static int ThreadsFor(int max_threads, double other_cores);

 private:
  const int max_threads_;
  const Options options_;
  const bool enabled_;  // Options::enabled and FACEREC_THREAD_GOVERNOR, read once.
  int threads_;
  int64_t last_ms_ = 0;
  int64_t last_machine_ticks_ = -1;
  int64_t last_own_ticks_ = -1;
};

}  // namespace facerec

#endif  // FACEREC_CORE_THREAD_GOVERNOR_H_
