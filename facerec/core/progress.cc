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

ProgressMeter::ProgressMeter(std::string label, int64_t total, std::string unit,
                             double interval_seconds)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      interval_seconds_(interval_seconds),
      start_(Clock::now()),
      last_log_(start_) {}

double ProgressMeter::ElapsedSeconds() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

bool ProgressMeter::Update(int64_t done, const std::string& extra) {
  done_ = done;
  const Clock::time_point now = Clock::now();
  if (std::chrono::duration<double>(now - last_log_).count() < interval_seconds_) return false;
  last_log_ = now;
  const double elapsed = ElapsedSeconds();
  const double rate = elapsed > 0 ? done / elapsed : 0;
  const double eta = rate > 0 ? (total_ - done) / rate : -1;
  LOG(INFO) << absl::StrFormat("%s %d/%d (%.0f%%) %.1f %s/s ETA %s%s%s", label_, done, total_,
                               total_ > 0 ? 100.0 * done / total_ : 0.0, rate, unit_,
                               FormatDuration(eta), extra.empty() ? "" : " ", extra);
  return true;
}

void ProgressMeter::Finish(const std::string& extra) {
  const double elapsed = ElapsedSeconds();
  LOG(INFO) << absl::StrFormat("%s %d/%d in %.1f s, %.1f %s/s%s%s", label_, done_, total_,
                               elapsed, elapsed > 0 ? done_ / elapsed : 0.0, unit_,
                               extra.empty() ? "" : " ", extra);
}

}  // namespace facerec
