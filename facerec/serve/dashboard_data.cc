#include "facerec/serve/dashboard_data.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/model_registry.h"
#include "nlohmann/json.hpp"

namespace facerec::serve {

absl::StatusOr<std::unique_ptr<DashboardData>> DashboardData::Open(const std::string& store_path) {
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<tracking::ExperimentStore> store,
                           tracking::ExperimentStore::Open(store_path));
  return std::unique_ptr<DashboardData>(new DashboardData(std::move(store)));
}

absl::StatusOr<std::string> DashboardData::Version() {
  std::lock_guard<std::mutex> lock(mutex_);
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement query,
      store_->database().Prepare("SELECT (SELECT count(*) FROM runs), (SELECT coalesce(max(rowid), 0) FROM metrics), "
                                 "(SELECT count(*) FROM runs WHERE end_ms IS NOT NULL), "
                                 "(SELECT coalesce(max(rowid), 0) FROM evaluations), (SELECT count(*) FROM models), "
                                 "(SELECT count(*) * 1000003 + coalesce(sum(model_id), 0) FROM model_aliases)"));
  FACEREC_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return absl::InternalError("the store's version query returned no row");
  std::string version;
  for (int c = 0; c < 6; ++c) absl::StrAppend(&version, c ? "." : "", query.ColumnInt(c));
  return version;
}

absl::StatusOr<std::string> DashboardData::ReportJson(const report::RunSelection& selection,
                                                      int max_points_per_series) {
  std::lock_guard<std::mutex> lock(mutex_);
  FACEREC_ASSIGN_OR_RETURN(const std::vector<int64_t> ids, report::SelectRuns(*store_, selection));
  return report::ReportJson(*store_, ids, max_points_per_series);
}

absl::StatusOr<std::string> DashboardData::ModelsJson() {
  std::lock_guard<std::mutex> lock(mutex_);
  tracking::ModelRegistry registry(*store_);
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RegisteredModel> models, registry.List());
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const tracking::RegisteredModel& m : models) {
    nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
    for (const auto& [k, v] : m.metrics) {
      if (std::isfinite(v)) metrics[k] = v;
      else metrics[k] = nullptr;
    }
    list.push_back({{"name", m.name},
                    {"version", m.version},
                    {"kind", tracking::ModelKindName(m.kind)},
                    {"aliases", m.aliases},
                    {"sha256", m.sha256},
                    {"run_uid", m.run_uid},
                    {"size_bytes", m.size_bytes},
                    {"created_ms", m.created_ms},
                    {"description", m.description},
                    {"metrics", metrics}});
  }
  return nlohmann::ordered_json{{"models", list}}.dump(-1, ' ', false,
                                                      nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace facerec::serve
