// Progress lines for long-running work: count, rate and ETA, at most one line
// per interval, to glog.
//
//   ProgressMeter meter("decode", /*total=*/12011, "img");
//   for (...) { ...; meter.Update(done); }   // "decode 4000/12011 (33%) 812 img/s ETA 0:09"
//   meter.Finish();                          // "decode 12011/12011 in 14.8 s, 811 img/s"
//
// A job resumed part-way passes the units already done (`done_before`): they
// count towards done/total, not towards the rate, so the first lines after a
// resume do not claim the earlier work was done in the last few seconds (and
// the ETA is not that much too short).
//
// Thread-compatible; callers that update from several threads serialise.
#ifndef FACEREC_CORE_PROGRESS_H_
#define FACEREC_CORE_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace facerec {

// "1:02:03" or "2:03".
std::string FormatDuration(double seconds);

// The line ProgressMeter::Update logs, from its inputs: "train 900/1000 (90%)
// 10.0 step/s ETA 0:10 loss 2.3" for 100 units in 10 s after 800 done before.
std::string FormatProgress(const std::string& label, int64_t done_before, int64_t done,
                           int64_t total, const std::string& unit, double elapsed_seconds,
                           const std::string& extra);

class ProgressMeter {
 public:
  // `unit` names what is counted ("img", "step"). Default interval: 2 s.
  // `done_before`: units already done when the meter starts (a resumed job).
  // Default 0.
  ProgressMeter(std::string label, int64_t total, std::string unit, double interval_seconds = 2,
                int64_t done_before = 0);

  // Logs when the interval has passed since the last line; `extra` is
  // appended ("loss 2.31 lr 0.1"). Returns true when it logged.
  bool Update(int64_t done, const std::string& extra = "");
  // Logs the final line with the total time and mean rate.
  void Finish(const std::string& extra = "");

  double ElapsedSeconds() const;

 private:
  using Clock = std::chrono::steady_clock;
  const std::string label_;
  const int64_t total_;
  const std::string unit_;
  const double interval_seconds_;
  const int64_t done_before_;
  const Clock::time_point start_;
  Clock::time_point last_log_;
  int64_t done_ = 0;
};

}  // namespace facerec

#endif  // FACEREC_CORE_PROGRESS_H_
