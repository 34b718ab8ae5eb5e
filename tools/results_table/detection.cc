// Results section: the detectors side by side and our detector's training.
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

absl::StatusOr<std::string> DetectionMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kEvaluateDetectors));
  MarkdownTable table({"detector", "run", "set", "photos", "faces", "AP", "AP, faces ≥ 24 px",
                       "recall at 1 FP/photo", "recall at 1 FP/photo, ≥ 24 px",
                       "recall at the operating point", "ms/photo"});
  std::vector<std::string> commands;
  constexpr const char* kSets[] = {"facemask_val", "webfaces_val", "dlib_test", "afw"};
  // Our detector and the two library ones, then each peer whose detections
  // were made outside facerec (evaluate_detectors --external_detections:
  // its runs record the file's sha256), by name.
  std::vector<std::string> detectors = {"ours", "haar", "dlib_hog"};
  std::set<std::string> peers;
  for (const tracking::RunRecord& run : runs) {
    if (run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(run.id));
    if (params.count("detections_sha256") > 0) peers.insert(run.name);
  }
  detectors.insert(detectors.end(), peers.begin(), peers.end());
  for (const std::string& detector : detectors) {
    for (const tracking::RunRecord& run : runs) {  // Newest first.
      if (run.name != detector || run.status != tracking::RunStatus::kFinished) continue;
      FACEREC_ASSIGN_OR_RETURN(const auto last, LastValues(store, run.id));
      // The newest run that scored every set: runs on some sets only are
      // choices made on the validation splits (cited in the notes).
      if (!std::all_of(std::begin(kSets), std::end(kSets), [&](const char* set) {
            return last.count(absl::StrCat("eval/", set, "/ap")) > 0;
          })) {
        continue;
      }
      for (const char* set : kSets) {
        const std::string k = absl::StrCat("eval/", set, "/");
        if (last.count(k + "ap") == 0) continue;
        const bool recall_only = std::string(set) == "afw";
        table.AddRow({detector, ShortUid(run), absl::StrCat(set, recall_only ? " (recall only)" : ""),
                      Fixed(last, k + "photos", "%.0f"), Fixed(last, k + "faces", "%.0f"),
                      recall_only ? "–" : Fixed(last, k + "ap"), recall_only ? "–" : Fixed(last, k + "ap_large"),
                      Fixed(last, k + "recall_at_1fp"), Fixed(last, k + "recall_at_1fp_large"),
                      Fixed(last, k + "recall_at_operating_point"), Fixed(last, k + "ms_per_photo", "%.1f")});
      }
      commands.push_back(run.command_line);
      break;
    }
  }
  if (commands.empty()) {
    return absl::NotFoundError(absl::StrCat("no finished detection runs in ", store.path(),
                                            " (tools/bazel run //experiments:evaluate_detectors)"));
  }
  std::sort(commands.begin(), commands.end());
  commands.erase(std::unique(commands.begin(), commands.end()), commands.end());
  std::string markdown = absl::StrCat(
      table.ToString(),
      "\nAFW annotates only some faces of a photo: recall only, and its recall at 1 FP/photo counts "
      "detections of unannotated faces as false. The recall at the operating point keeps the "
      "detections scoring at least the detector's score at 1 FP/photo on facemask_val, whose every "
      "face is annotated (detect::RecallsAtOperatingPoint). ms/photo is Detect() alone, "
      "as the evaluation ran (photos of every size; the benchmark's 640×480 numbers are in "
      "benchmarks/README.md).",
      peers.empty() ? ""
                    : absl::StrCat(" ", absl::StrJoin(peers, ", "),
                                   ": detections made outside facerec on the same photos as OpenCV decodes "
                                   "them (benchmarks/ssd_anchor/), scored by the same code; their ms/photo is "
                                   "the peer's own clock and runtime, not comparable with ours."),
      "\n\nProduced by:\n\n    ",
      absl::StrJoin(commands, "\n    "), "\n");
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> trained, store.ListRuns(tracking::kTrainDetector));
  for (const tracking::RunRecord& run : trained) {
    if (run.name != "detector_net" || run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto last, LastValues(store, run.id));
    FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(run.id));
    auto param = [&](const char* key) {
      auto it = params.find(key);
      return it == params.end() ? std::string("?") : it->second;
    };
    const double minutes = run.end_ms ? (*run.end_ms - run.start_ms) / 60000.0 : 0;
    absl::StrAppend(&markdown,
                    absl::StrFormat(
                        "\nOur detector: run %s, %s parameters, %s M multiply-adds at 640×480, "
                        "%s epochs (preset %s) in %.0f minutes including its evaluation; "
                        "facemask_val AP during training: %s.\n\n    %s\n",
                        ShortUid(run), Fixed(last, "net/parameters", "%.0f"),
                        Fixed(last, "net/mmac_640x480", "%.0f"), param("epochs"), param("preset"),
                        minutes, Fixed(last, "val/facemask_ap"), run.command_line));
    break;
  }
  return markdown;
}

}  // namespace facerec::tools
