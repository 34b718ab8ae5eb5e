// Results section: the photo-to-identity chain.
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

absl::StatusOr<std::string> PipelineMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kEvaluatePipeline));
  for (const tracking::RunRecord& run : runs) {
    if (run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto last, LastValues(store, run.id));
    FACEREC_ASSIGN_OR_RETURN(const auto evaluations, store.GetEvaluations(run.id));
    std::string md = absl::StrCat(
        "Run ", ShortUid(run), " (", run.name, "): every photo through detect → landmarks → "
        "similarity warp → embedding, beside the datasets' own crops embedded by the same "
        "recogniser.\n\n");
    MarkdownTable lfw({"", "LFW fold 1 accuracy", "faces found"});
    lfw.AddRow({"through the chain", Fixed(last, "eval/lfw/pipeline_accuracy"), Fixed(last, "eval/lfw/found_share")});
    lfw.AddRow({"fixed window", Fixed(last, "eval/lfw/window_accuracy"), "–"});
    absl::StrAppend(&md, lfw.ToString(), "\n");
    std::map<std::string, std::map<double, double>> tpr;  // dataset -> fpr -> tpr
    for (const tracking::Evaluation& e : evaluations) {
      if (e.protocol == "id_rate" && e.target_fpr && e.tpr) tpr[e.dataset][*e.target_fpr] = *e.tpr;
    }
    // CelebA-500 val (the chain's options are chosen there), then celebA_ir.
    for (const auto& [set, title] :
         {std::pair{"celeba500_val", "CelebA-500 val windows (no distractors)"},
          std::pair{"celeba_ir", "celebA_ir"}}) {
      const std::map<double, double>& chain = tpr[absl::StrCat(set, "_pipeline")];
      if (chain.empty()) continue;
      std::vector<std::string> header = {title};
      for (auto it = chain.rbegin(); it != chain.rend(); ++it) header.push_back(absl::StrFormat("TPR@%g", it->first));
      header.push_back("faces found");
      MarkdownTable table(header);
      for (const auto& [suffix, label] : {std::pair{"_pipeline", "through the chain (crops padded)"},
                                          std::pair{"_crops", "provided crops"}}) {
        std::vector<std::string> cells = {label};
        const std::map<double, double>& row = tpr[absl::StrCat(set, suffix)];
        for (auto it = row.rbegin(); it != row.rend(); ++it) cells.push_back(absl::StrFormat("%.3f", it->second));
        cells.push_back(std::string(suffix) == "_pipeline" ? Fixed(last, absl::StrCat("eval/", set, "/found_share"))
                                                           : std::string("–"));
        // A set scored at fewer FPRs than the chain keeps the table's width.
        cells.resize(header.size(), "–");
        table.AddRow(std::move(cells));
      }
      absl::StrAppend(&md, table.ToString(), "\n");
    }
    FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(run.id));
    const auto param = [&](const std::string& key) -> std::string {
      const auto it = params.find(key);
      return it == params.end() ? "" : it->second;
    };
    // Runs before --crop_padding and --score_threshold existed lack them (or hold nan).
    const std::string padding_mode = param("crop_padding");
    const std::string threshold = param("score_threshold");
    absl::StrAppend(&md, "Tight crops padded by ", param("tight_crop_padding").empty() ? "?" : param("tight_crop_padding"),
                    " of their size on each side",
                    padding_mode.empty() ? "" : absl::StrCat(" (", padding_mode, ")"),
                    "; detection score threshold ",
                    threshold.empty() || threshold == "nan" ? "the detector's default" : threshold, ".\n");
    const double total = last.count("latency/total_ms") ? last.at("latency/total_ms") : 0;
    MarkdownTable latency({"stage", "ms", "share"});
    for (const char* stage : {"detect", "landmarks", "align", "embed", "total"}) {
      const std::string key = absl::StrCat("latency/", stage, "_ms");
      const double v = last.count(key) ? last.at(key) : 0;
      latency.AddRow({stage, absl::StrFormat("%.2f", v), absl::StrFormat("%.0f%%", total > 0 ? 100 * v / total : 0)});
    }
    absl::StrAppend(&md, "\nLatency per 640×480 photo with one face (medians):\n\n", latency.ToString());
    absl::StrAppend(&md, "\nProduced by:\n\n    ", run.command_line, "\n");
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> galleries,
                             store.ListRuns(tracking::kEvaluateGallery));
    for (const tracking::RunRecord& g : galleries) {
      if (g.status != tracking::RunStatus::kFinished) continue;
      FACEREC_ASSIGN_OR_RETURN(const auto v, LastValues(store, g.id));
      const std::string k = "eval/lfw_gallery/";
      absl::StrAppend(
          &md, "\nEnroll and identify on LFW fold 1 (run ", ShortUid(g), "): ",
          Fixed(v, k + "people_enrolled", "%.0f"), " people enrolled from two photos each, ",
          Fixed(v, k + "known_probes", "%.0f"), " other photos of them and ",
          Fixed(v, k + "stranger_probes", "%.0f"),
          " photos of never-enrolled people identified. Rank-1 accuracy ",
          Fixed(v, k + "rank1_accuracy"), "; right and accepted at FAR 1e-3 (threshold ",
          Fixed(v, k + "threshold"), "): ", Fixed(v, k + "known_accepted"),
          "; strangers rejected as unknown: ", Fixed(v, k + "unknown_rejected"), ".\n\n    ",
          g.command_line, "\n");
      break;
    }
    return md;
  }
  return absl::NotFoundError(absl::StrCat("no finished pipeline run in ", store.path(),
                                          " (tools/bazel run //experiments:evaluate_pipeline)"));
}

}  // namespace facerec::tools
