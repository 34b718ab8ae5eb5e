#include "experiments/experiment_flags.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gflags/gflags.h"

namespace facerec {

std::map<std::string, std::string> FlagsDefinedIn(const std::string& file,
                                                  const std::set<std::string>& excluded) {
  std::map<std::string, std::string> params;
  std::vector<gflags::CommandLineFlagInfo> all;
  gflags::GetAllFlags(&all);
  for (const auto& flag : all) {
    if (flag.filename.find(file) == std::string::npos || excluded.count(flag.name)) continue;
    double value = 0;
    params[flag.name] = flag.type == "double" && absl::SimpleAtod(flag.current_value, &value)
                            ? absl::StrCat(value)
                            : flag.current_value;
  }
  return params;
}

}  // namespace facerec
