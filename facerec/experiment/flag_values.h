// Flags as data: an experiment's flags as the params a run records, their
// numeric ranges as a table, and errors that name the flag, the value and
// what is allowed.
//
//   std::map<std::string, std::string> params =
//       FlagsDefinedIn("train_landmarks", {"db", "data_root"});
//   absl::Status in_range = CheckFlagBounds({
//       AtLeast("epochs", 1),
//       Above("lr", 0),
//       Closed("max_rotation", 0, 180),
//   });
//   // --epochs=0 gives "--epochs=0: must be >= 1"
//   if (FLAGS_holdout_every == 1) {
//     return FlagError("holdout_every", FLAGS_holdout_every, "must be 0 (none) or >= 2");
//   }
#ifndef FACEREC_EXPERIMENT_FLAG_VALUES_H_
#define FACEREC_EXPERIMENT_FLAG_VALUES_H_

#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace facerec::experiment {

// Flags whose defining file name contains `file`, minus `excluded` (where
// things are, not what the run is), as the strings the store records.
// Doubles are printed shortest (0.1, not gflags' 0.10000000000000001).
std::map<std::string, std::string> FlagsDefinedIn(const std::string& file,
                                                  const std::set<std::string>& excluded);

// InvalidArgumentError "--<flag>=<value>: <allowed>".
template <typename T>
absl::Status FlagError(absl::string_view flag, const T& value, absl::string_view allowed) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, "=", value, ": ", allowed));
}

// A numeric flag's allowed interval, one row of an experiment's table. Made
// by the functions below, which say which ends are included.
struct FlagBound {
  std::string flag;  // The gflags name, without "--".
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool low_included = true;
  bool high_included = true;
};
inline FlagBound AtLeast(std::string flag, double low) { return {std::move(flag), low}; }  // [low, inf)
inline FlagBound Above(std::string flag, double low) {                                     // (low, inf)
  return {std::move(flag), low, std::numeric_limits<double>::infinity(), false, true};
}
inline FlagBound Closed(std::string flag, double low, double high) { return {std::move(flag), low, high}; }
inline FlagBound Open(std::string flag, double low, double high) {  // (low, high)
  return {std::move(flag), low, high, false, false};
}
inline FlagBound HalfOpen(std::string flag, double low, double high) {  // [low, high)
  return {std::move(flag), low, high, true, false};
}
inline FlagBound LeftOpen(std::string flag, double low, double high) {  // (low, high]
  return {std::move(flag), low, high, false, true};
}

// "must be >= 1", "must be > 0", "must be in [0, 0.5)".
std::string AllowedText(const FlagBound& bound);

// Reads each listed flag's current value (int32, int64, uint32, uint64 or
// double) and returns FlagError(flag, value, AllowedText) for the first
// outside its interval (NaN is outside every interval). A name that is no
// numeric flag of this binary is a programmer error (CHECK).
absl::Status CheckFlagBounds(const std::vector<FlagBound>& bounds);

// A library's InvalidArgumentError "<field>=<value>: <allowed>" about an
// option that flag `flag` set, as "--<flag>=<value>: <allowed>". Other
// errors pass unchanged.
absl::Status AsFlagError(absl::string_view flag, const absl::Status& status);

// The items of a comma-separated flag value, each trimmed of white space;
// empty items are skipped ("a, b,,c " -> a, b, c).
std::vector<std::string> SplitFlagList(absl::string_view text);

// Comma-separated numbers ("10,15"); empty text gives none. The error names
// the flag and the item.
absl::StatusOr<std::vector<double>> ParseDoubleList(absl::string_view flag,
                                                    absl::string_view text);

// Comma-separated seeds ("1,2,3"): whole numbers >= 0, none listed twice;
// empty text gives none. The error names the flag and the item.
absl::StatusOr<std::vector<int64_t>> ParseSeedList(absl::string_view flag, absl::string_view text);

// Comma-separated names, trimmed, each one of `allowed`; the error names the
// flag, the unknown item and the allowed ones. Empty items are skipped; no
// items at all is an error.
absl::StatusOr<std::vector<std::string>> ParseNameList(absl::string_view flag,
                                                       absl::string_view text,
                                                       const std::vector<std::string>& allowed);

}  // namespace facerec::experiment

#endif  // FACEREC_EXPERIMENT_FLAG_VALUES_H_
