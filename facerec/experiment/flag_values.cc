#include "facerec/experiment/flag_values.h"

#include <algorithm>
#include <cmath>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "facerec/core/data_root.h"
#include "facerec/core/status_macros.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

namespace facerec::experiment {

std::string AllowedText(const FlagBound& b) {
  const bool has_low = std::isfinite(b.low), has_high = std::isfinite(b.high);
  if (has_low && !has_high) return absl::StrCat("must be ", b.low_included ? ">= " : "> ", b.low);
  if (!has_low && has_high) return absl::StrCat("must be ", b.high_included ? "<= " : "< ", b.high);
  if (!has_low && !has_high) return "must be a number";
  return absl::StrCat("must be in ", b.low_included ? "[" : "(", b.low, ", ", b.high, b.high_included ? "]" : ")");
}

absl::Status CheckFlagBounds(const std::vector<FlagBound>& bounds) {
  for (const FlagBound& b : bounds) {
    gflags::CommandLineFlagInfo info;
    CHECK(gflags::GetCommandLineFlagInfo(b.flag.c_str(), &info)) << "no flag --" << b.flag;
    CHECK(info.type == "int32" || info.type == "int64" || info.type == "uint32" || info.type == "uint64" ||
          info.type == "double")
        << "--" << b.flag << " is a " << info.type << " flag, not a number";
    double value = 0;
    CHECK(absl::SimpleAtod(info.current_value, &value)) << info.current_value;
    const bool above_low = b.low_included ? value >= b.low : value > b.low;
    const bool below_high = b.high_included ? value <= b.high : value < b.high;
    if (above_low && below_high) continue;  // NaN fails both.
    return FlagError(b.flag, info.type == "double" ? absl::StrCat(value) : info.current_value, AllowedText(b));
  }
  return absl::OkStatus();
}

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

absl::Status AsFlagError(absl::string_view flag, const absl::Status& status) {
  if (status.ok() || status.code() != absl::StatusCode::kInvalidArgument) return status;
  absl::string_view message = status.message();
  const size_t equals = message.find('=');
  // "field=value: allowed" -> "--flag=value: allowed"; anything else is prefixed.
  if (equals != absl::string_view::npos && message.substr(0, equals).find(' ') == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, message.substr(equals)));
  }
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", message));
}

absl::StatusOr<std::vector<double>> ParseDoubleList(absl::string_view flag,
                                                    absl::string_view text) {
  std::vector<double> values;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    double value = 0;
    if (!absl::SimpleAtod(item, &value)) {
      return FlagError(flag, text, absl::StrCat("'", item, "' is not a number"));
    }
    values.push_back(value);
  }
  return values;
}

absl::StatusOr<std::vector<int64_t>> ParseSeedList(absl::string_view flag, absl::string_view text) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<double> values, ParseDoubleList(flag, text));
  std::vector<int64_t> seeds;
  for (double v : values) {
    if (!(v >= 0 && v == std::floor(v) && v < 9e15)) {
      return FlagError(flag, text, absl::StrCat("'", v, "' is not a seed (a whole number >= 0)"));
    }
    if (std::find(seeds.begin(), seeds.end(), static_cast<int64_t>(v)) != seeds.end()) {
      return FlagError(flag, text, absl::StrCat("seed ", v, " is listed twice"));
    }
    seeds.push_back(static_cast<int64_t>(v));
  }
  return seeds;
}

std::vector<std::string> SplitFlagList(absl::string_view text) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    items.emplace_back(absl::StripAsciiWhitespace(item));
  }
  return items;
}

absl::StatusOr<std::vector<std::string>> ParseNameList(absl::string_view flag,
                                                       absl::string_view text,
                                                       const std::vector<std::string>& allowed) {
  std::vector<std::string> names;
  for (const std::string& name : SplitFlagList(text)) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return FlagError(flag, text,
                       absl::StrCat("unknown '", name, "'; allowed: ", absl::StrJoin(allowed, ", ")));
    }
    names.push_back(name);
  }
  if (names.empty()) {
    return FlagError(flag, text, absl::StrCat("name at least one of ", absl::StrJoin(allowed, ", ")));
  }
  return names;
}

}  // namespace facerec::experiment
