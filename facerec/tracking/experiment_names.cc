#include "facerec/tracking/experiment_names.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace facerec::tracking {
namespace {

// A SQL string literal.
std::string Quoted(const std::string& text) { return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "''"}}), "'"); }

}  // namespace

const std::vector<LegacyExperimentName>& LegacyExperimentNames() {
  // Three binaries recorded as "landmarks"; their run names tell them apart.
  static const auto* names = new std::vector<LegacyExperimentName>{
      {"landmarks", "dlib_68", kDlibLandmarks},
      {"landmarks", "label_audit", kAuditLandmarkLabels},
      {"landmarks", "", kTrainLandmarks},  // landmark_net, landmark_net_eval, landmark_seeds.
      {"attacks", "", kAttackRecogniser},
      {"detection", "", kEvaluateDetectors},
      {"detector", "", kTrainDetector},
      {"gallery", "", kEvaluateGallery},
      {"pipeline", "", kEvaluatePipeline},
  };
  return *names;
}

std::string CurrentExperimentName(const std::string& experiment, const std::string& run_name) {
  for (const LegacyExperimentName& legacy : LegacyExperimentNames()) {
    if (legacy.experiment == experiment && (legacy.run_name.empty() || legacy.run_name == run_name)) {
      return legacy.renamed_to;
    }
  }
  return experiment;
}

std::string LegacyExperimentRenameSql() {
  std::string sql;
  for (const LegacyExperimentName& legacy : LegacyExperimentNames()) {
    const std::string from = Quoted(legacy.experiment);
    const std::string to = Quoted(legacy.renamed_to);
    // The new experiment keeps the old one's creation time.
    absl::StrAppend(&sql, "INSERT INTO experiments(name, created_ms) SELECT ", to,
                    ", created_ms FROM experiments WHERE name = ", from,
                    " AND EXISTS (SELECT 1 FROM runs r WHERE r.experiment_id = experiments.id",
                    legacy.run_name.empty() ? "" : absl::StrCat(" AND r.name = ", Quoted(legacy.run_name)),
                    ") ON CONFLICT(name) DO NOTHING;\n");
    absl::StrAppend(&sql, "UPDATE runs SET experiment_id = (SELECT id FROM experiments WHERE name = ", to,
                    ") WHERE experiment_id = (SELECT id FROM experiments WHERE name = ", from, ")",
                    legacy.run_name.empty() ? "" : absl::StrCat(" AND name = ", Quoted(legacy.run_name)), ";\n");
  }
  for (const LegacyExperimentName& legacy : LegacyExperimentNames()) {
    absl::StrAppend(&sql, "DELETE FROM experiments WHERE name = ", Quoted(legacy.experiment),
                    " AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.experiment_id = experiments.id);\n");
  }
  return sql;
}

}  // namespace facerec::tracking
