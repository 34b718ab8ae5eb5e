#include "facerec/core/exit_status.h"

#include <cstdio>
#include <string>

namespace facerec {

int ExitStatusFor(const absl::Status& status) {
  if (status.ok()) return 0;
  return status.code() == absl::StatusCode::kInvalidArgument ||
                 status.code() == absl::StatusCode::kNotFound
             ? 2
             : 1;
}

int ReportToolOutcome(const char* tool, const absl::Status& status) {
  if (!status.ok()) std::fprintf(stderr, "%s: %s\n", tool, std::string(status.message()).c_str());
  return ExitStatusFor(status);
}

}  // namespace facerec
