#include "facerec/core/progress.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "glog/logging.h"

namespace facerec {

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<int64_t>(std::llround(seconds));
  const int64_t hours = total / 3600;
  const int64_t minutes = (total / 60) % 60;
  const int64_t secs = total % 60;
  if (hours > 0) return absl::StrFormat("%d:%02d:%02d", hours, minutes, secs);
  return absl::StrFormat("%d:%02d", minutes, secs);
}

std::string FormatProgress(const std::string& label, int64_t done_before, int64_t done,
                           int64_t total, const std::string& unit, double elapsed_seconds,
                           const std::string& extra) {
  const double rate = elapsed_seconds > 0 ? (done - done_before) / elapsed_seconds : 0;
  const double eta = rate > 0 ? (total - done) / rate : -1;
  return absl::StrFormat("%s %d/%d (%.0f%%) %.1f %s/s ETA %s%s%s", label, done, total,
                         total > 0 ? 100.0 * done / total : 0.0, rate, unit, FormatDuration(eta),
                         extra.empty() ? "" : " ", extra);
}

ProgressMeter::ProgressMeter(std::string label, int64_t total, std::string unit,
                             double interval_seconds, int64_t done_before)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      interval_seconds_(interval_seconds),
      done_before_(done_before),
      start_(Clock::now()),
      last_log_(start_),
      done_(done_before) {}

double ProgressMeter::ElapsedSeconds() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

bool ProgressMeter::Update(int64_t done, const std::string& extra) {
  done_ = done;
  const Clock::time_point now = Clock::now();
  if (std::chrono::duration<double>(now - last_log_).count() < interval_seconds_) return false;
  last_log_ = now;
  LOG(INFO) << FormatProgress(label_, done_before_, done, total_, unit_, ElapsedSeconds(), extra);
  return true;
}

void ProgressMeter::Finish(const std::string& extra) {
  const double elapsed = ElapsedSeconds();
  LOG(INFO) << absl::StrFormat("%s %d/%d in %.1f s, %.1f %s/s%s%s", label_, done_, total_,
                               elapsed, elapsed > 0 ? (done_ - done_before_) / elapsed : 0.0, unit_,
                               extra.empty() ? "" : " ", extra);
}

}  // namespace facerec
