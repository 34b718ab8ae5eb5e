#include "facerec/experiment/flag_layers.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/text_file.h"
#include "gflags/gflags.h"

namespace facerec::experiment {
namespace {

absl::Status LineError(absl::string_view file, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(file, ":", line, ": ", what));
}

}  // namespace

absl::StatusOr<std::vector<FlagSetting>> ParseFlagfile(absl::string_view file,
                                                       absl::string_view text) {
  std::vector<FlagSetting> settings;
  int number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++number;
    const absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line.find('\0') != absl::string_view::npos) {
      return LineError(file, number, "a NUL byte in the line");
    }
    absl::string_view body = line;
    if (!absl::ConsumePrefix(&body, "--") && !absl::ConsumePrefix(&body, "-")) {
      return LineError(file, number, absl::StrCat("expected --name=value, got '", line, "'"));
    }
    FlagSetting setting;
    setting.line = number;
    const size_t equals = body.find('=');
    if (equals == absl::string_view::npos) {
      setting.name = std::string(body);  // --flag or --noflag: a boolean.
      setting.value = "true";
    } else {
      setting.name = std::string(body.substr(0, equals));
      setting.value = std::string(body.substr(equals + 1));
    }
    if (setting.name.empty()) {
      return LineError(file, number, absl::StrCat("no flag name in '", line, "'"));
    }
    settings.push_back(std::move(setting));
  }
  return settings;
}

FlagLayers FlagLayers::FromCommandLine() {
  FlagLayers layers;
  std::vector<gflags::CommandLineFlagInfo> all;
  gflags::GetAllFlags(&all);
  for (const auto& flag : all) {
    if (!flag.is_default && flag.name != "flagfile") {
      layers.command_line_[flag.name] = flag.current_value;
      layers.origins_[flag.name] = "command line";
    }
  }
  return layers;
}

absl::Status FlagLayers::Read(const std::string& layer, const std::filesystem::path& path) {
  FACEREC_ASSIGN_OR_RETURN(std::string text, ReadFileBytes(path.string()));
  const std::string file = path.filename().string();
  FACEREC_ASSIGN_OR_RETURN(std::vector<FlagSetting> settings, ParseFlagfile(file, text));
  // Resolve boolean --noname and check every value against its flag's type,
  // leaving every flag as it was.
  gflags::FlagSaver saver;
  for (FlagSetting& s : settings) {
    gflags::CommandLineFlagInfo info;
    if (!gflags::GetCommandLineFlagInfo(s.name.c_str(), &info) &&
        absl::StartsWith(s.name, "no") &&
        gflags::GetCommandLineFlagInfo(s.name.substr(2).c_str(), &info) && info.type == "bool" &&
        s.value == "true") {
      s.name = s.name.substr(2);
      s.value = "false";
    }
    if (!gflags::GetCommandLineFlagInfo(s.name.c_str(), &info)) {
      return LineError(file, s.line, absl::StrCat("unknown flag --", s.name));
    }
    if (gflags::SetCommandLineOption(s.name.c_str(), s.value.c_str()).empty()) {
      return LineError(file, s.line, absl::StrCat("--", s.name, "=", s.value, ": not a valid ",
                                                  info.type));
    }
  }
  layers_[layer] = Layer{file, std::move(settings)};
  return absl::OkStatus();
}

absl::Status FlagLayers::Set(const Layer& layer, bool as_default) {
  for (const FlagSetting& s : layer.settings) {
    const bool from_command_line = command_line_.count(s.name) > 0;
    const std::string result =
        as_default ? gflags::SetCommandLineOptionWithMode(s.name.c_str(), s.value.c_str(),
                                                          gflags::SET_FLAGS_DEFAULT)
                   : (from_command_line ? std::string("kept")
                                        : gflags::SetCommandLineOption(s.name.c_str(),
                                                                       s.value.c_str()));
    if (result.empty()) {  // Checked by Read; only a flag redefined since could fail.
      return LineError(layer.file, s.line, absl::StrCat("cannot set --", s.name, "=", s.value));
    }
    if (!from_command_line) origins_[s.name] = absl::StrCat(layer.file, ":", s.line);
  }
  return absl::OkStatus();
}

absl::Status FlagLayers::ApplyLayers(const std::vector<std::string>& layers, bool as_default) {
  for (const std::string& name : layers) {
    const auto it = layers_.find(name);
    if (it == layers_.end()) {
      return absl::FailedPreconditionError(absl::StrCat("layer '", name, "' was not read"));
    }
    FACEREC_RETURN_IF_ERROR(Set(it->second, as_default));
  }
  return absl::OkStatus();
}

absl::Status FlagLayers::ApplyAsDefaults(const std::vector<std::string>& layers) {
  return ApplyLayers(layers, /*as_default=*/true);
}

absl::Status FlagLayers::Apply(const std::vector<std::string>& layers) {
  return ApplyLayers(layers, /*as_default=*/false);
}

}  // namespace facerec::experiment
