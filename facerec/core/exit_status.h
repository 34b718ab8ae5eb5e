// The exit status every facerec binary gives for its outcome, so scripts can
// tell input the user can fix from everything else.
//
//   int main(int argc, char** argv) {
//     facerec::InitProcess(&argc, &argv, "...");
//     return facerec::ReportToolOutcome("my_tool", facerec::Main());
//   }
//
// Thread-safety: functions of their arguments (ReportToolOutcome writes stderr).
#ifndef FACEREC_CORE_EXIT_STATUS_H_
#define FACEREC_CORE_EXIT_STATUS_H_

#include "absl/status/status.h"

namespace facerec {

// 0 when ok; 2 for input the user can fix (InvalidArgument: a bad flag or
// value; NotFound: a missing file or name; DataLoss: a corrupt or foreign
// file, such as a truncated model); 1 for everything else.
int ExitStatusFor(const absl::Status& status);

// Prints "<tool>: <message>" to stderr when `status` is an error; returns
// ExitStatusFor(status).
int ReportToolOutcome(const char* tool, const absl::Status& status);

}  // namespace facerec

#endif  // FACEREC_CORE_EXIT_STATUS_H_
