#include "facerec/pipeline/shipped_models.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "facerec/core/data_root.h"
#include "facerec/core/status_macros.h"
#include "nlohmann/json.hpp"

namespace facerec::pipeline {

absl::StatusOr<std::vector<ShippedModel>> ReadShippedModels(const std::filesystem::path& workspace) {
  const std::filesystem::path path = workspace / kShippedManifest;
  std::vector<ShippedModel> out;
  if (!std::filesystem::exists(path)) return out;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  auto error = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(kShippedManifest, ": ", what));
  };
  if (json.is_discarded()) return error("not valid JSON");
  if (!json.is_object() || json.value("format", 0) != 1 || !json.contains("models") || !json["models"].is_array()) {
    return error("expected {\"format\": 1, \"models\": [...]}");
  }
  for (const nlohmann::json& m : json["models"]) {
    const std::string name = m.is_object() ? m.value("name", "") : "";
    auto entry_error = [&](const std::string& what) { return error(absl::StrCat("model '", name, "': ", what)); };
    if (!m.is_object()) return error("every model must be an object");
    for (const char* key : {"name", "kind", "file", "sha256", "run_uid"}) {
      if (!m.contains(key) || !m[key].is_string()) return entry_error(absl::StrCat("\"", key, "\" must be a string"));
    }
    ShippedModel s;
    tracking::ModelRegistration& r = s.registration;
    r.name = name;
    absl::StatusOr<tracking::ModelKind> kind = tracking::ParseModelKind(m["kind"].get<std::string>());
    if (!kind.ok()) return entry_error(std::string(kind.status().message()));
    r.kind = *kind;
    r.path = m["file"].get<std::string>();
    r.sha256 = m["sha256"].get<std::string>();
    r.run_uid = m["run_uid"].get<std::string>();
    r.size_bytes = m.value("size_bytes", int64_t{0});
    r.description = m.value("description", "");
    for (const char* table : {"metrics", "thresholds_at_far"}) {
      if (!m.contains(table)) continue;
      if (!m[table].is_object()) return entry_error(absl::StrCat("\"", table, "\" must be an object"));
      for (const auto& [key, value] : m[table].items()) {
        if (!value.is_number()) return entry_error(absl::StrCat(table, " '", key, "' is not a number"));
        const std::string k = std::string(table) == "metrics" ? key : absl::StrCat(kThresholdAtFarPrefix, key);
        r.metrics[k] = value.get<double>();
      }
    }
    if (m.contains("input") && m["input"].is_object()) {
      for (const auto& [key, value] : m["input"].items()) s.input[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::map<std::string, std::string> InputContract(tracking::ModelKind kind,
                                                 const std::map<std::string, std::string>& params) {
  auto param = [&](const char* key, const char* otherwise) {
    const auto it = params.find(key);
    return it == params.end() ? std::string(otherwise) : it->second;
  };
  constexpr char kPoints[] =
      "5 points (x, y) in this order: the eye on the image's left, the other eye, nose tip, the mouth corner on "
      "the image's left, the other corner (data/landmarks.h)";
  switch (kind) {
    case tracking::ModelKind::kDetector:
      return {{"tensor", "float32 [N, 3, H, W], RGB in [0, 1]; H and W multiples of 32 (pad at right and bottom)"},
              {"output",
               "[N, A, 15] per cell of strides 8, 16, 32 (row-major, stride 8 first): face logit; log(distance / "
               "stride) from the cell centre to the box's left, top, right, bottom; the 5 points' offsets from "
               "the cell centre in strides (detect/detector_net.h)"},
              {"points", kPoints},
              {"trained_at", absl::StrCat(param("input_size", "?"), " px crops")}};
    case tracking::ModelKind::kLandmarks: {
      const std::string size = param("input_size", "64");
      return {{"tensor", absl::StrCat("float32 [N, 3, ", size, ", ", size, "], RGB in [0, 1]")},
              {"crop", "a square around the face box, enlarged as align/landmark_crops.h does, resized to the input"},
              {"output", absl::StrCat("[N, 5, 2], each point as a fraction of the crop's side")},
              {"points", kPoints}};
    }
    case tracking::ModelKind::kRecogniser: {
      const std::string h = param("input_height", "112"), w = param("input_width", "112");
      return {{"tensor", absl::StrCat("float32 [N, 3, ", h, ", ", w, "], RGB in [0, 1]")},
              {"crop", absl::StrCat("the face warped by a least-squares similarity from its 5 points onto the "
                                    "celebA_ir window's 5-point template (chain/face_alignment.h), resized to ",
                                    h, "x", w)},
              {"points", kPoints},
              {"output", absl::StrCat("[N, ", param("embedding_size", "?"),
                                      "]: add the embedding of the mirrored crop, then L2-normalise; cosine "
                                      "similarity compares two faces")}};
    }
  }
  return {};
}

absl::Status WriteShippedModel(const std::filesystem::path& workspace, const ShippedModel& model,
                               const std::string& command, const std::string& code_version) {
  const std::filesystem::path path = workspace / kShippedManifest;
  nlohmann::ordered_json manifest = {{"format", 1}, {"models", nlohmann::ordered_json::array()}};
  if (std::filesystem::exists(path)) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    manifest = nlohmann::ordered_json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (manifest.is_discarded() || !manifest.contains("models")) {
      return absl::InvalidArgumentError(absl::StrCat(kShippedManifest, ": not a manifest; fix or remove it"));
    }
  }
  const tracking::ModelRegistration& r = model.registration;
  nlohmann::ordered_json entry = {{"name", r.name},
                                  {"kind", tracking::ModelKindName(r.kind)},
                                  {"file", r.path},
                                  {"sha256", r.sha256},
                                  {"size_bytes", r.size_bytes},
                                  {"run_uid", r.run_uid},
                                  {"command", command},
                                  {"code_version", code_version},
                                  {"description", r.description}};
  entry["input"] = nlohmann::ordered_json::object();
  for (const auto& [key, value] : model.input) entry["input"][key] = value;
  entry["metrics"] = nlohmann::ordered_json::object();
  entry["thresholds_at_far"] = nlohmann::ordered_json::object();
  for (const auto& [key, value] : r.metrics) {
    if (key.rfind(kThresholdAtFarPrefix, 0) == 0) {
      entry["thresholds_at_far"][key.substr(std::string(kThresholdAtFarPrefix).size())] = value;
    } else {
      entry["metrics"][key] = value;
    }
  }
  if (entry["thresholds_at_far"].empty()) entry.erase("thresholds_at_far");
  std::vector<nlohmann::ordered_json> models;
  for (const auto& m : manifest["models"]) {
    if (m.value("name", "") != r.name) models.push_back(m);
  }
  models.push_back(entry);
  auto order = [](const nlohmann::ordered_json& m) {
    absl::StatusOr<tracking::ModelKind> kind = tracking::ParseModelKind(m.value("kind", ""));
    return std::make_pair(kind.ok() ? static_cast<int>(*kind) : 99, m.value("name", ""));
  };
  std::sort(models.begin(), models.end(), [&](const auto& a, const auto& b) { return order(a) < order(b); });
  manifest["models"] = models;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path);
  out << manifest.dump(2) << "\n";
  if (!out.good()) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

absl::Status RegisterShippedModels(tracking::ExperimentStore& store, const std::vector<ShippedModel>& shipped) {
  tracking::ModelRegistry registry(store);
  for (const ShippedModel& s : shipped) {
    FACEREC_ASSIGN_OR_RETURN(const std::optional<tracking::RegisteredModel> known,
                             registry.FindBySha256(s.registration.sha256));
    if (known.has_value()) continue;
    FACEREC_ASSIGN_OR_RETURN(const tracking::RegisteredModel added, registry.Register(s.registration));
    FACEREC_ASSIGN_OR_RETURN(const std::optional<tracking::RegisteredModel> default_model,
                             registry.FindAlias(added.kind, "default"));
    if (!default_model.has_value()) {
      FACEREC_RETURN_IF_ERROR(registry.SetAlias(added.name, added.version, "default"));
    }
  }
  return absl::OkStatus();
}

absl::Status RegisterWorkspaceShippedModels(tracking::ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<ShippedModel> shipped, ReadShippedModels(WorkspaceRoot()));
  return RegisterShippedModels(store, shipped);
}

}  // namespace facerec::pipeline
