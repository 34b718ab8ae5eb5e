// models: the model registry of the experiment store (tracking/model_registry.h).
//
//   tools/bazel run //tools:models -- list
//   tools/bazel run //tools:models -- show NAME[@ALIAS|:VERSION]
//   tools/bazel run //tools:models -- register RUN --name=NAME [--alias=A] [--description=TEXT]
//   tools/bazel run //tools:models -- alias NAME:VERSION ALIAS
//   tools/bazel run //tools:models -- ship RUN --name=NAME
//   tools/bazel run //tools:models -- export NAME[@ALIAS|:VERSION] --format=onnx --out=FILE [--input_size=640x480]
//
// RUN is a run uid (or its first 8+ hex digits) whose model artifact
// (detector_net, landmark_net, embedding_net) becomes the next version of
// NAME, with the run's key metrics (pipeline/run_models.h). An alias names
// one model of a kind at a time: `alias arcface-full:2 default` moves the
// recogniser default there, and every tool that is not given a model uses
// it (pipeline/model_choice.h). The shipped models (models/manifest.json)
// are registered on first use of a store; `ship` copies a run's model into
// models/NAME.pt and writes its entry into models/manifest.json
// (pipeline/shipped_models.h), for committing. `export` writes the model as
// an ONNX file (export/onnx_export.h) that OpenCV's dnn module runs; a
// detector is exported at --input_size (width x height, multiples of 32).
//
// Exit status: 0 done, 2 bad input (unknown name, wrong run, bad flag).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "facerec/core/data_root.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/export/onnx_export.h"
#include "facerec/export/onnx_graph.h"
#include "facerec/pipeline/run_models.h"
#include "facerec/pipeline/shipped_models.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/model_registry.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(db, "results.db", "Experiment store; relative paths are from the workspace root.");
DEFINE_string(name, "", "register: the model's name (letters, digits, '_', '-', '.').");
DEFINE_string(alias, "", "register: also point this alias at the new version.");
DEFINE_string(description, "", "register: free text (default: which run trained it).");
DEFINE_string(format, "onnx", "export: the file format (onnx).");
DEFINE_string(out, "", "export: the file to write (relative to the workspace root).");
DEFINE_string(input_size, "640x480", "export: a detector's input, WIDTHxHEIGHT, multiples of 32.");

namespace facerec::tools {
namespace {

using tracking::ModelRegistry;
using tracking::RegisteredModel;

constexpr char kUsage[] =
    "The model registry of --db.\n"
    "  models list\n"
    "  models show NAME[@ALIAS|:VERSION]\n"
    "  models register RUN --name=NAME [--alias=A] [--description=TEXT]\n"
    "  models alias NAME:VERSION ALIAS\n"
    "  models ship RUN --name=NAME             copy the run's model into models/ and the manifest\n"
    "  models export NAME[@ALIAS|:VERSION] --format=onnx --out=FILE [--input_size=640x480]";

std::string Date(int64_t ms) {
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

// The few metrics a list row shows: the headline of each kind.
std::string Headline(const RegisteredModel& m) {
  std::vector<std::string> shown;
  for (const auto& [key, value] : m.metrics) {
    const bool headline = key == "celeba_ir/tpr_at_fpr_0.1" || key == "eval/lfw_accuracy" ||
                          absl::EndsWith(key, "/nme") || absl::EndsWith(key, "/ap");
    if (headline) shown.push_back(absl::StrFormat("%s %.4g", key, value));
  }
  return absl::StrJoin(shown, ", ");
}

std::string ListText(const std::vector<RegisteredModel>& models) {
  if (models.empty()) return "no models registered\n";
  std::string out = absl::StrFormat("%-24s %-4s %-10s %-9s %-12s %-14s %s\n", "name", "ver", "kind", "run", "sha256",
                                    "aliases", "metrics");
  for (const RegisteredModel& m : models) {
    absl::StrAppendFormat(&out, "%-24s %-4d %-10s %-9s %-12s %-14s %s\n", m.name, m.version,
                          tracking::ModelKindName(m.kind), m.run_uid.empty() ? "-" : m.run_uid.substr(0, 8),
                          m.sha256.substr(0, 12), m.aliases.empty() ? "-" : absl::StrJoin(m.aliases, ","),
                          Headline(m));
  }
  return out;
}

std::string ShowText(const RegisteredModel& m) {
  std::string out = absl::StrCat(m.Label(), "  (", tracking::ModelKindName(m.kind), ")\n");
  absl::StrAppend(&out, "  file         ", m.path, " (", m.size_bytes, " bytes)\n");
  absl::StrAppend(&out, "  sha256       ", m.sha256, "\n");
  absl::StrAppend(&out, "  trained by   ", m.run_uid.empty() ? "-" : m.run_uid, "\n");
  absl::StrAppend(&out, "  registered   ", Date(m.created_ms), "\n");
  absl::StrAppend(&out, "  aliases      ", m.aliases.empty() ? "-" : absl::StrJoin(m.aliases, ", "), "\n");
  if (!m.description.empty()) absl::StrAppend(&out, "  description  ", m.description, "\n");
  for (const auto& [key, value] : m.metrics) absl::StrAppendFormat(&out, "  %-32s %.6g\n", key, value);
  return out;
}

absl::StatusOr<std::string> Dispatch(const std::vector<std::string>& args) {
  if (args.empty()) return absl::InvalidArgumentError(kUsage);
  const std::string& command = args[0];
  const size_t wanted = command == "list" ? 1 : command == "alias" ? 3 : 2;
  if (command != "list" && command != "show" && command != "register" && command != "alias" && command != "ship" &&
      command != "export") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown command '", command, "'; allowed: list, show, register, alias, ship, export (--help)"));
  }
  int export_width = 0, export_height = 0;
  if (command == "export") {
    if (FLAGS_format != "onnx") {
      return absl::InvalidArgumentError(absl::StrCat("--format=", FLAGS_format, ": allowed: onnx"));
    }
    if (FLAGS_out.empty()) return absl::InvalidArgumentError("export needs --out=FILE");
    const std::vector<std::string> size = absl::StrSplit(FLAGS_input_size, 'x');
    if (size.size() != 2 || !absl::SimpleAtoi(size[0], &export_width) || !absl::SimpleAtoi(size[1], &export_height) ||
        export_width <= 0 || export_height <= 0 || export_width % 32 != 0 || export_height % 32 != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--input_size=", FLAGS_input_size, ": give WIDTHxHEIGHT, both positive multiples of 32"));
    }
  }
  if (args.size() != wanted) {
    return absl::InvalidArgumentError(absl::StrCat(command, " takes ", wanted - 1, " argument(s)\n", kUsage));
  }
  const bool from_run = command == "register" || command == "ship";
  if (from_run && FLAGS_name.empty()) return absl::InvalidArgumentError(absl::StrCat(command, " needs --name"));
  if (from_run && !tracking::IsRunUidPrefix(args[1])) {
    return absl::InvalidArgumentError(absl::StrCat("'", args[1], "' is not a run uid (8 to 32 hex digits)"));
  }
  const std::string db = ResolveAgainstWorkspace(FLAGS_db).string();
  absl::StatusOr<std::unique_ptr<tracking::ExperimentStore>> store = tracking::ExperimentStore::Open(db);
  if (!store.ok()) return absl::Status(store.status().code(), absl::StrCat("--db=", FLAGS_db, ": ", store.status().message()));
  FACEREC_RETURN_IF_ERROR(pipeline::RegisterWorkspaceShippedModels(**store));
  ModelRegistry registry(**store);
  if (command == "list") {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<RegisteredModel> models, registry.List());
    return ListText(models);
  }
  if (command == "show") {
    FACEREC_ASSIGN_OR_RETURN(const RegisteredModel m, registry.Find(args[1]));
    return ShowText(m);
  }
  if (command == "register") {
    FACEREC_ASSIGN_OR_RETURN(tracking::ModelRegistration r, pipeline::RegistrationOfRun(**store, args[1], FLAGS_name));
    if (!FLAGS_description.empty()) r.description = FLAGS_description;
    FACEREC_ASSIGN_OR_RETURN(const RegisteredModel m, registry.Register(r));
    if (!FLAGS_alias.empty()) FACEREC_RETURN_IF_ERROR(registry.SetAlias(m.name, m.version, FLAGS_alias));
    FACEREC_ASSIGN_OR_RETURN(const RegisteredModel shown, registry.Find(m.Label()));
    return absl::StrCat("registered ", ShowText(shown));
  }
  if (command == "ship") {
    FACEREC_ASSIGN_OR_RETURN(pipeline::ShippedModel shipped_model,
                             [&]() -> absl::StatusOr<pipeline::ShippedModel> {
                               pipeline::ShippedModel m;
                               FACEREC_ASSIGN_OR_RETURN(m.registration,
                                                        pipeline::RegistrationOfRun(**store, args[1], FLAGS_name));
                               return m;
                             }());
    tracking::ModelRegistration& r = shipped_model.registration;
    if (!FLAGS_description.empty()) r.description = FLAGS_description;
    FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord run, (*store)->GetRunByUid(r.run_uid));
    FACEREC_ASSIGN_OR_RETURN(const auto params, (*store)->GetParams(run.id));
    shipped_model.input = pipeline::InputContract(r.kind, params);
    const std::string file = absl::StrCat("models/", r.name, ".pt");
    std::error_code error;
    std::filesystem::create_directories(WorkspaceRoot() / "models", error);
    std::filesystem::copy_file(ResolveAgainstWorkspace(r.path), WorkspaceRoot() / file,
                               std::filesystem::copy_options::overwrite_existing, error);
    if (error) return absl::PermissionDeniedError(absl::StrCat("cannot copy ", r.path, " to ", file, ": ", error.message()));
    r.path = file;
    FACEREC_RETURN_IF_ERROR(pipeline::WriteShippedModel(WorkspaceRoot(), shipped_model, run.command_line,
                                                        run.code_version));
    return absl::StrCat("shipped ", file, " (", r.size_bytes, " bytes) and its entry in ", pipeline::kShippedManifest,
                        "\n");
  }
  if (command == "export") {
    FACEREC_ASSIGN_OR_RETURN(const RegisteredModel m, registry.Find(args[1]));
    const std::string path = ResolveAgainstWorkspace(m.path).string();
    absl::StatusOr<std::string> sha = Sha256OfFile(path);
    if (!sha.ok()) return absl::NotFoundError(absl::StrCat("model ", m.Label(), "'s file ", m.path, " is gone"));
    if (*sha != m.sha256) {
      return absl::FailedPreconditionError(
          absl::StrCat("model ", m.Label(), "'s file ", m.path, " has changed since it was registered"));
    }
    const tracking::ModelKind kind = m.kind;
    absl::StatusOr<onnx::ModelProto> model =
        exporting::ExportModelToOnnx(kind, path, export_height, export_width);
    if (!model.ok()) {
      // The model the user named cannot be exported: theirs to change.
      return absl::InvalidArgumentError(absl::StrCat(args[1], ": ", model.status().message()));
    }
    const std::string out = ResolveAgainstWorkspace(FLAGS_out).string();
    FACEREC_RETURN_IF_ERROR(exporting::WriteOnnxModel(*model, out));
    return absl::StrCat("wrote ", out, " (", tracking::ModelKindName(kind), " ", args[1], ", ONNX opset ",
                        exporting::kOnnxOpset, ")\n");
  }
  // alias NAME:VERSION ALIAS
  FACEREC_ASSIGN_OR_RETURN(const tracking::ModelReference ref, tracking::ParseModelReference(args[1]));
  if (ref.version == 0) {
    return absl::InvalidArgumentError(absl::StrCat("alias: give NAME:VERSION, not '", args[1], "'"));
  }
  FACEREC_RETURN_IF_ERROR(registry.SetAlias(ref.name, ref.version, args[2]));
  return absl::StrCat(args[2], " -> ", args[1], "\n");
}

}  // namespace
}  // namespace facerec::tools

int main(int argc, char** argv) {
  gflags::SetUsageMessage(facerec::tools::kUsage);
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  const absl::StatusOr<std::string> out = facerec::tools::Dispatch(std::vector<std::string>(argv + 1, argv + argc));
  if (!out.ok()) {
    std::fprintf(stderr, "models: %s\n", std::string(out.status().message()).c_str());
    return facerec::ExitStatusFor(out.status());
  }
  std::fputs(out->c_str(), stdout);
  return 0;
}
