// Configuration layers for experiments, arcface_torch style: the option
// structs' defaults (the flags' own defaults), then flagfiles in order (base,
// preset, variant), then the command line, which always wins.
//
//   FlagLayers layers = FlagLayers::FromCommandLine();
//   FACEREC_RETURN_IF_ERROR(layers.Read("base", "experiments/configs/base.flags"));
//   FACEREC_RETURN_IF_ERROR(layers.Read("quick", "experiments/configs/quick.flags"));
//   FACEREC_RETURN_IF_ERROR(layers.ApplyAsDefaults({"base", "quick"}));  // --help shows them
//   for (const char* loss : {"ce", "arcface"}) {
//     gflags::FlagSaver saver;                                        // each variant afresh
//     FACEREC_RETURN_IF_ERROR(layers.Apply({loss}));
//     // FLAGS_* now hold base < quick < loss < command line.
//   }
//
// A flagfile holds one `--name=value` per line (also `--name` and `--noname`
// for booleans); blank lines and lines starting with '#' are ignored. Every
// file is read and checked once, by Read: a missing file, an unknown flag or
// a value the flag's type cannot take is an InvalidArgumentError naming
// file:line, before any run starts, and editing a file while an experiment
// runs cannot change its later variants.
//
// Thread-safety: not thread-safe (gflags' values are process-wide); use from
// the main thread. Ownership: holds copies of the files' text.
#ifndef FACEREC_EXPERIMENT_FLAG_LAYERS_H_
#define FACEREC_EXPERIMENT_FLAG_LAYERS_H_

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace facerec::experiment {

// One `--name=value` line of a flagfile.
struct FlagSetting {
  std::string name;
  std::string value;
  int line = 0;  // 1-based line in its file.
};

// Parses a flagfile's text. `file` names it in errors ("base.flags:3: ...").
// Does not look the flags up (FlagLayers::Read does).
absl::StatusOr<std::vector<FlagSetting>> ParseFlagfile(absl::string_view file,
                                                       absl::string_view text);

class FlagLayers {
 public:
  // Captures the flags given explicitly on the command line (or in a
  // --flagfile named there). Call after gflags has parsed the command line.
  static FlagLayers FromCommandLine();

  // Reads and checks one layer's file now. NotFoundError naming the path when
  // it cannot be read; InvalidArgumentError naming file:line for a bad line.
  absl::Status Read(const std::string& layer, const std::filesystem::path& path);
  bool Has(const std::string& layer) const { return layers_.count(layer) > 0; }

  // Makes the layers' values (in order) the flags' defaults, so --help shows
  // what a plain run uses; values from the command line stay as they are.
  absl::Status ApplyAsDefaults(const std::vector<std::string>& layers);

  // Sets the layers' values in order, then the command line's again.
  absl::Status Apply(const std::vector<std::string>& layers);

  // Where each flag set by a layer or the command line got its current
  // value: "command line" or "<file name>:<line>". Flags not listed hold the
  // option structs' defaults.
  std::map<std::string, std::string> Origins() const { return origins_; }

 private:
  struct Layer {
    std::string file;  // Its file name, for origins.
    std::vector<FlagSetting> settings;
  };
  absl::Status Set(const Layer& layer, bool as_default);
  absl::Status ApplyLayers(const std::vector<std::string>& layers, bool as_default);

  std::map<std::string, std::string> command_line_;  // Flag -> value.
  std::map<std::string, Layer> layers_;
  std::map<std::string, std::string> origins_;
};

}  // namespace facerec::experiment

#endif  // FACEREC_EXPERIMENT_FLAG_LAYERS_H_
