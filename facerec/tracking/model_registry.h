// The model registry: named, versioned models of three kinds (detector,
// landmarks, recogniser) in the experiment store, each pointing at the run
// that trained it and at its file by workspace-relative path and sha256, with
// its key metrics at registration and aliases ("default", "best-arcface")
// that name one version of one kind at a time.
//
//   ModelRegistry registry(store);
//   ModelRegistration r;
//   r.name = "arcface-full";
//   r.kind = ModelKind::kRecogniser;
//   r.run_uid = run_uid;                  // The run that trained it.
//   r.path = "models/arcface-full.pt";    // Workspace-relative.
//   r.sha256 = sha256;                    // Of that file.
//   FACEREC_ASSIGN_OR_RETURN(RegisteredModel m, registry.Register(r));  // Version 1.
//   FACEREC_RETURN_IF_ERROR(registry.SetAlias(m.name, m.version, "default"));
//   FACEREC_ASSIGN_OR_RETURN(RegisteredModel same, registry.Find("arcface-full@default"));
//
// Tables (schema.h, version 5): models, model_metrics, model_aliases. The
// rows travel with the run that trained the model (run_export.h).
//
// Thread-safety: not thread-safe: it uses the store's connection outside the
// store's lock, so keep one thread per store while it is in use (the tools
// do). Each writing call is one transaction, so other processes are safe.
// Does not own the store, which must outlive it.
#ifndef FACEREC_TRACKING_MODEL_REGISTRY_H_
#define FACEREC_TRACKING_MODEL_REGISTRY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::tracking {

enum class ModelKind { kDetector, kLandmarks, kRecogniser };

// "detector", "landmarks", "recogniser".
const char* ModelKindName(ModelKind kind);
// The inverse; InvalidArgumentError naming the known kinds.
absl::StatusOr<ModelKind> ParseModelKind(absl::string_view name);

// What Register records. `name`: letters, digits, '_', '-', '.' (not only
// dots), at most 64; path: workspace-relative, no "..".
struct ModelRegistration {
  std::string name;
  ModelKind kind = ModelKind::kRecogniser;
  std::string run_uid;  // Empty: not trained in a recorded run.
  std::string sha256;   // Of the file, 64 hex digits.
  std::string path;
  int64_t size_bytes = 0;
  std::map<std::string, double> metrics;  // Key metrics at registration.
  std::string description;
  int64_t created_ms = 0;  // 0: now.
};

struct RegisteredModel {
  std::string name;
  int64_t version = 0;  // 1, 2, ... per name.
  ModelKind kind = ModelKind::kRecogniser;
  std::string run_uid;
  std::string sha256;
  std::string path;
  int64_t size_bytes = 0;
  std::map<std::string, double> metrics;
  std::vector<std::string> aliases;  // Sorted.
  std::string description;
  int64_t created_ms = 0;

  // "name:version".
  std::string Label() const;
};

// A parsed "NAME", "NAME@ALIAS" or "NAME:VERSION" (NAME alone: its newest
// version).
struct ModelReference {
  std::string name;
  std::string alias;
  int64_t version = 0;  // 0: not given.
};
// InvalidArgumentError saying what is wrong with `text`.
absl::StatusOr<ModelReference> ParseModelReference(absl::string_view text);
// True when `text` reads as a file rather than a registry reference: it has
// a '/' or ends in a known model extension (.pt, .onnx).
bool LooksLikeModelPath(absl::string_view text);

class ModelRegistry {
 public:
  explicit ModelRegistry(ExperimentStore& store) : store_(store) {}

  // Records `r` as the next version of its name. A name holds one kind:
  // InvalidArgumentError when it already names another kind. When the name's
  // newest version is the same file (sha256), returns that version instead.
  absl::StatusOr<RegisteredModel> Register(const ModelRegistration& r);

  // Every model, by name then version.
  absl::StatusOr<std::vector<RegisteredModel>> List();
  // The models trained by the run with this uid.
  absl::StatusOr<std::vector<RegisteredModel>> OfRun(const std::string& run_uid);

  // NAME, NAME@ALIAS or NAME:VERSION; NotFoundError naming what is missing.
  absl::StatusOr<RegisteredModel> Find(absl::string_view reference);
  // The model `alias` points at among models of `kind`, if any.
  absl::StatusOr<std::optional<RegisteredModel>> FindAlias(ModelKind kind, const std::string& alias);
  // The newest version registered with this file, if any.
  absl::StatusOr<std::optional<RegisteredModel>> FindBySha256(const std::string& sha256);

  // Points `alias` at name:version, taking it from the model of the same
  // kind that had it. Alias names follow the rules of model names.
  absl::Status SetAlias(const std::string& name, int64_t version, const std::string& alias);

  // Inserts a model exactly as recorded elsewhere (run_export.h): kept as is
  // when this store has name:version with the same sha256;
  // AlreadyExistsError when it has name:version for another file. Aliases are
  // set only where this store has none of that name for the kind.
  absl::Status Insert(const RegisteredModel& model);

 private:
  absl::StatusOr<std::vector<RegisteredModel>> Select(const std::string& where, const std::vector<std::string>& binds);

  ExperimentStore& store_;
};

}  // namespace facerec::tracking

#endif  // FACEREC_TRACKING_MODEL_REGISTRY_H_
