// Results section: the landmark net beside dlib, and the label audit.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <optional>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/experiment_names.h"
#include "tools/markdown_table.h"
#include "tools/results_table.h"
#include "tools/results_table/common.h"

namespace facerec::tools {

using tracking::ExperimentStore;

absl::StatusOr<std::string> LandmarksMarkdown(ExperimentStore& store) {
  MarkdownTable table({"method", "run", "dataset", "faces", "NME %", "median NME %", "failure % (NME > 10%)",
                       "offset x %", "offset y %", "NME, offset removed %"});
  std::vector<std::string> commands;
  for (const auto& [experiment, method] :
       {std::pair{tracking::kTrainLandmarks, "landmark_net"}, std::pair{tracking::kDlibLandmarks, "dlib_68"}}) {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(experiment));
    for (const tracking::RunRecord& run : runs) {  // Newest first.
      if (run.name != method || run.status != tracking::RunStatus::kFinished) continue;
      FACEREC_ASSIGN_OR_RETURN(const bool replay, IsReplay(store, run.id));
      if (replay) continue;
      FACEREC_ASSIGN_OR_RETURN(const auto points, store.GetMetrics(run.id));
      std::map<std::string, double> last;
      for (const auto& p : points) last[p.key] = p.value;
      for (const char* dataset :
           {"mtfl_holdout", "mtfl_holdout_pose", "mtfl_test", "mtfl_test_minus1px", "afw", "mtfl_train_lfw", "mtfl_train_net"}) {
        const std::string prefix = absl::StrCat("eval/", dataset, "/");
        if (last.count(prefix + "nme") == 0) continue;  // Not evaluated by this run.
        auto percent = [&](const char* key) {
          auto it = last.find(prefix + key);
          return it == last.end() ? std::string("–") : absl::StrFormat("%.2f", 100 * it->second);
        };
        auto faces = last.find(prefix + "faces");
        table.AddRow({method, ShortUid(run), dataset, faces == last.end() ? "–" : absl::StrCat(faces->second),
                      percent("nme"), percent("median_nme"), percent("failure_rate"), percent("offset_x"),
                      percent("offset_y"), percent("nme_offset_removed")});
      }
      commands.push_back(run.command_line);
      break;
    }
  }
  if (commands.empty()) {
    return absl::NotFoundError(absl::StrCat("no finished landmark runs in ", store.path()));
  }
  std::string markdown =
      absl::StrCat(table.ToString(), "\nProduced by:\n\n    ", absl::StrJoin(commands, "\n    "), "\n");
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> audits,
                           store.ListRuns(tracking::kAuditLandmarkLabels));
  for (const tracking::RunRecord& run : audits) {  // The newest label audit, if any.
    if (run.name != "label_audit" || run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto points, store.GetMetrics(run.id));
    std::map<std::string, double> last;
    std::vector<std::string> sets;
    for (const auto& p : points) {
      last[p.key] = p.value;
      // audit/<set>/faces: one per audited set.
      if (absl::StartsWith(p.key, "audit/") && absl::EndsWith(p.key, "/faces")) {
        sets.push_back(p.key.substr(6, p.key.size() - 6 - 6));
      }
    }
    // The noise floor first, the rest by name.
    std::stable_partition(sets.begin(), sets.end(),
                          [](const std::string& s) { return absl::StartsWith(s, "reference"); });
    absl::StrAppend(&markdown,
                    "\nLabel audit (run ", ShortUid(run),
                    "; no model: mean patches around the labels, align/label_audit.h): where each "
                    "set's labels sit relative to MTFL's training labels on the same content.\n\n");
    MarkdownTable audit({"set", "faces", "median eye distance px", "x % eye", "y % eye", "x px", "y px"});
    for (const std::string& set : sets) {
      const std::string prefix = absl::StrCat("audit/", set, "/");
      const double eyes = last[prefix + "median_eye_distance_px"];
      const double x = last[prefix + "x"], y = last[prefix + "y"];
      audit.AddRow({set, absl::StrFormat("%.0f", last[prefix + "faces"]), absl::StrFormat("%.1f", eyes),
                    absl::StrFormat("%+.2f", 100 * x), absl::StrFormat("%+.2f", 100 * y),
                    absl::StrFormat("%+.2f", x * eyes), absl::StrFormat("%+.2f", y * eyes)});
    }
    absl::StrAppend(&markdown, audit.ToString());
    absl::StrAppend(&markdown, "\nProduced by:\n\n    ", run.command_line, "\n");
    break;
  }
  return markdown;
}

}  // namespace facerec::tools
