#include "facerec/core/exit_status.h"

#include <cstdio>
#include <string>

namespace facerec {

int ExitStatusFor(const absl::Status& status) {
  if (status.ok()) return 0;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:  // A bad flag or value.
    case absl::StatusCode::kNotFound:         // A missing file or name.
    case absl::StatusCode::kDataLoss:         // A file that is not what it should be (a truncated model).
      return 2;
    default:
      return 1;
  }
}

int ReportToolOutcome(const char* tool, const absl::Status& status) {
  if (!status.ok()) std::fprintf(stderr, "%s: %s\n", tool, std::string(status.message()).c_str());
  return ExitStatusFor(status);
}

}  // namespace facerec
