#include "facerec/core/thread_governor.h"

#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "glog/logging.h"

namespace facerec {
namespace {

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Busy ticks of all CPUs since boot (user + nice + system + irq + softirq +
// steal), or -1.
int64_t MachineBusyTicks() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  int64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) ||
      cpu != "cpu") {
    return -1;
  }
  return user + nice + system + irq + softirq + steal;
}

// This process's user + system ticks, or -1.
int64_t OwnTicks() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');  // The command name may hold spaces.
  if (paren == std::string::npos) return -1;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  int64_t utime = -1, stime = -1;
  // Fields after the name start at 3 (state); utime and stime are 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::atoll(field.c_str());
    if (i == 15) stime = std::atoll(field.c_str());
  }
  return utime < 0 || stime < 0 ? -1 : utime + stime;
}

bool EnabledByEnvironment() {
  const char* value = std::getenv("FACEREC_THREAD_GOVERNOR");
  return value == nullptr || std::string(value) != "0";
}

}  // namespace

ThreadGovernor::ThreadGovernor(int max_threads) : ThreadGovernor(max_threads, Options()) {}

ThreadGovernor::ThreadGovernor(int max_threads, const Options& options)
    : max_threads_(std::max(1, max_threads)),
      options_(options),
      enabled_(options.enabled && EnabledByEnvironment()),
      threads_(std::max(1, max_threads)) {}

ThreadGovernor::~ThreadGovernor() {
  if (threads_ != max_threads_) torch::set_num_threads(max_threads_);
}

int ThreadGovernor::ThreadsFor(int max_threads, double other_cores) {
  return std::max(1, max_threads - static_cast<int>(std::lround(std::max(0.0, other_cores))));
}

int ThreadGovernor::Tick() {
  if (!enabled_ || max_threads_ < 2) return threads_;
  const int64_t now = MonotonicMs();
  if (last_ms_ != 0 && now - last_ms_ < options_.interval_ms) return threads_;
  const int64_t machine = MachineBusyTicks();
  const int64_t own = OwnTicks();
  if (machine < 0 || own < 0) return threads_;
  if (last_machine_ticks_ >= 0) {
    const double seconds = (now - last_ms_) / 1000.0;
    const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double others =
        ((machine - last_machine_ticks_) - (own - last_own_ticks_)) / ticks_per_second / seconds;
    const int wanted = ThreadsFor(max_threads_, others);
    if (wanted != threads_) {
      VLOG(1) << "other processes use " << others << " cores: " << wanted << " threads";
      torch::set_num_threads(wanted);
      threads_ = wanted;
    }
  }
  last_ms_ = now;
  last_machine_ticks_ = machine;
  last_own_ticks_ = own;
  return threads_;
}

}  // namespace facerec
