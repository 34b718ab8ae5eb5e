#include "tools/results_table.h"

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

namespace facerec::tools {
namespace {

// Runs are cited by the first 8 hex digits of their uid: the same in every
// store the run is imported into (tools:runs show and compare take it).
std::string ShortUid(const tracking::RunRecord& run) { return run.uid.substr(0, 8); }

using tracking::ExperimentStore;

// kCourseFprs, without linking LibTorch into the report tools.
const std::vector<double> kCourseFprs = {0.5, 0.2, 0.1, 0.05, 0.01, 0.001};

std::string Cell(const std::optional<double>& value) {
  return value.has_value() ? absl::StrFormat("%.3f", *value) : "–";
}

}  // namespace

absl::StatusOr<std::string> LatestComparison(ExperimentStore& store, const std::string& prefix) {
  FACEREC_ASSIGN_OR_RETURN(auto statement,
                           store.database().Prepare(
                               "SELECT t.value FROM tags t JOIN runs r ON r.id = t.run_id "
                               "JOIN experiments e ON e.id = r.experiment_id "
                               "WHERE e.name = 'compare_losses' AND t.key = 'comparison' "
                               "AND r.status = 'FINISHED' AND t.value LIKE ? || '%' "
                               // Losses compared, not one recipe confirmed over seeds.
                               "AND (SELECT COUNT(DISTINCT p.value) FROM tags t2 "
                               "     JOIN runs r2 ON r2.id = t2.run_id "
                               "     JOIN params p ON p.run_id = r2.id AND p.key = 'loss' "
                               "     WHERE t2.key = 'comparison' AND t2.value = t.value "
                               "     AND r2.status = 'FINISHED') >= 2 "
                               "ORDER BY r.id DESC LIMIT 1"));
  statement.Bind(1, prefix);
  FACEREC_ASSIGN_OR_RETURN(const bool found, statement.Step());
  if (!found) {
    return absl::NotFoundError(absl::StrCat("no finished compare_losses run tagged '", prefix,
                                            "*' in ", store.path()));
  }
  return statement.ColumnText(0);
}

absl::StatusOr<std::string> LatestAlignmentComparison(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(auto statement,
                           store.database().Prepare(
                               "SELECT t.value FROM tags t JOIN runs r ON r.id = t.run_id "
                               "WHERE t.key = 'comparison' AND r.status = 'FINISHED' "
                               "AND r.name LIKE '%+landmark_net' AND EXISTS ("
                               "SELECT 1 FROM tags t2 JOIN runs r2 ON r2.id = t2.run_id "
                               "WHERE t2.key = 'comparison' AND t2.value = t.value "
                               "AND r2.status = 'FINISHED' AND r2.name NOT LIKE '%+landmark_net') "
                               "ORDER BY r.id DESC LIMIT 1"));
  FACEREC_ASSIGN_OR_RETURN(const bool found, statement.Step());
  if (!found) {
    return absl::NotFoundError(absl::StrCat(
        "no finished run on our own alignment in ", store.path(),
        " (tools/bazel run //experiments:compare_alignment)"));
  }
  return statement.ColumnText(0);
}

absl::StatusOr<std::string> LandmarksMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(std::vector<tracking::RunRecord> runs, store.ListRuns("landmarks"));
  std::string table =
      "| method | run | dataset | faces | NME % | median NME % | failure % (NME > 10%) | "
      "offset x % | offset y % | NME, offset removed % |\n"
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  std::vector<std::string> commands;
  for (const char* method : {"landmark_net", "dlib_68"}) {
    for (const tracking::RunRecord& run : runs) {  // Newest first.
      if (run.name != method || run.status != tracking::RunStatus::kFinished) continue;
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
        absl::StrAppend(&table, "| ", method, " | ", ShortUid(run), " | ", dataset, " | ",
                        faces == last.end() ? "–" : absl::StrCat(faces->second), " | ",
                        percent("nme"), " | ", percent("median_nme"), " | ",
                        percent("failure_rate"), " | ", percent("offset_x"), " | ",
                        percent("offset_y"), " | ", percent("nme_offset_removed"), " |\n");
      }
      commands.push_back(run.command_line);
      break;
    }
  }
  if (commands.empty()) {
    return absl::NotFoundError(absl::StrCat("no finished landmark runs in ", store.path()));
  }
  std::string markdown =
      absl::StrCat(table, "\nProduced by:\n\n    ", absl::StrJoin(commands, "\n    "), "\n");
  for (const tracking::RunRecord& run : runs) {  // The newest label audit, if any.
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
                    "set's labels sit relative to MTFL's training labels on the same content.\n\n"
                    "| set | faces | median eye distance px | x % eye | y % eye | x px | y px |\n"
                    "| --- | --- | --- | --- | --- | --- | --- |\n");
    for (const std::string& set : sets) {
      const std::string prefix = absl::StrCat("audit/", set, "/");
      const double eyes = last[prefix + "median_eye_distance_px"];
      const double x = last[prefix + "x"], y = last[prefix + "y"];
      absl::StrAppend(&markdown,
                      absl::StrFormat("| %s | %.0f | %.1f | %+.2f | %+.2f | %+.2f | %+.2f |\n", set,
                                      last[prefix + "faces"], eyes, 100 * x, 100 * y, x * eyes,
                                      y * eyes));
    }
    absl::StrAppend(&markdown, "\nProduced by:\n\n    ", run.command_line, "\n");
    break;
  }
  return markdown;
}

absl::StatusOr<std::string> ComparisonMarkdown(ExperimentStore& store,
                                               const std::string& comparison) {
  FACEREC_ASSIGN_OR_RETURN(auto statement,
                           store.database().Prepare(
                               "SELECT r.id FROM runs r JOIN tags t ON t.run_id = r.id "
                               "JOIN experiments e ON e.id = r.experiment_id "
                               // Not the summary over seeds (experiment loss_comparison).
                               "WHERE e.name = 'compare_losses' AND t.key = 'comparison' AND t.value = ? "
                               "AND r.status = 'FINISHED' ORDER BY r.id"));
  statement.Bind(1, comparison);
  std::vector<int64_t> ids;
  FACEREC_RETURN_IF_ERROR(statement.ForEachRow(
      [&ids](const sqlite::Statement& row) { ids.push_back(row.ColumnInt(0)); }));
  if (ids.empty()) {
    return absl::NotFoundError(absl::StrCat("no finished runs tagged comparison=", comparison));
  }
  const std::vector<double>& fprs = kCourseFprs;
  const std::vector<double> fpirs = {0.3, 0.1, 0.01};
  std::string table =
      "| loss | run | " +
      absl::StrJoin(fprs, " | ", [](std::string* out, double f) { absl::StrAppend(out, "TPR@", f); }) +
      " | " +
      absl::StrJoin(fpirs, " | ",
                    [](std::string* out, double f) { absl::StrAppend(out, "TPIR@", f); }) +
      " | val acc | test acc | NC val | NC test | LFW | train min |\n|";
  for (size_t i = 0; i < 2 + fprs.size() + fpirs.size() + 6; ++i) table += " --- |";
  table += "\n";
  std::map<std::string, std::map<int64_t, std::string>> params_by_key;
  std::map<int64_t, std::string> short_uid;
  std::string command, code_version, fingerprint, lfw_protocol;
  for (int64_t id : ids) {
    FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord run, store.GetRun(id));
    short_uid[id] = ShortUid(run);
    FACEREC_ASSIGN_OR_RETURN(const auto evaluations, store.GetEvaluations(id));
    FACEREC_ASSIGN_OR_RETURN(const auto points, store.GetMetrics(id));
    FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(id));
    FACEREC_ASSIGN_OR_RETURN(const auto tags, store.GetTags(id));
    for (const auto& [key, value] : params) params_by_key[key][id] = value;
    command = run.command_line;
    code_version = run.code_version;
    fingerprint = run.dataset_fingerprint;
    if (tags.count("lfw_protocol")) lfw_protocol = tags.at("lfw_protocol");
    std::map<std::string, double> last;
    for (const auto& p : points) last[p.key] = p.value;
    auto metric = [&last](const std::string& key) -> std::optional<double> {
      auto it = last.find(key);
      if (it == last.end()) return std::nullopt;
      return it->second;
    };
    auto evaluation = [&evaluations](const std::string& protocol, double target) {
      std::optional<double> tpr;
      for (const auto& e : evaluations) {
        if (e.protocol == protocol && e.target_fpr && std::abs(*e.target_fpr - target) < 1e-12) {
          tpr = e.tpr;
        }
      }
      return tpr;
    };
    std::vector<std::string> cells = {run.name, ShortUid(run)};
    for (double f : fprs) cells.push_back(Cell(evaluation("id_rate", f)));
    for (double f : fpirs) cells.push_back(Cell(evaluation("tpir_fpir", f)));
    for (const char* key : {"eval/val_accuracy", "eval/test_accuracy", "eval/val_centroid_accuracy",
                            "eval/test_centroid_accuracy", "eval/lfw_accuracy"}) {
      cells.push_back(Cell(metric(key)));
    }
    const std::optional<double> seconds = metric("train/seconds");
    // Until eacbe5a a run that found a finished checkpoint (tag
    // resumed_from_epoch) recorded only its own ~0 s, not the weights' training.
    const bool time_not_carried = tags.count("resumed_from_epoch") && seconds && *seconds < 1;
    cells.push_back(time_not_carried ? "– (resumed)"
                    : seconds        ? absl::StrFormat("%.1f", *seconds / 60)
                                     : "–");
    absl::StrAppend(&table, "| ", absl::StrJoin(cells, " | "), " |\n");
  }
  std::vector<std::string> shared, differing;
  for (const auto& [key, values] : params_by_key) {
    std::set<std::string> distinct;
    for (const auto& [id, value] : values) distinct.insert(value);
    if (distinct.size() == 1 && values.size() == ids.size()) {
      shared.push_back(absl::StrCat("`--", key, "=", *distinct.begin(), "`"));
    } else {
      std::vector<std::string> per_run;
      for (const auto& [id, value] : values) {
        per_run.push_back(absl::StrCat(short_uid[id], ": ", value));
      }
      differing.push_back(absl::StrCat("- `", key, "`: ", absl::StrJoin(per_run, ", ")));
    }
  }
  return absl::StrCat(
      "Comparison `", comparison, "` (code ", code_version, ", data fingerprint ",
      fingerprint.substr(0, 16), ").\n\n", table,
      "\nTPR@FPR: identification rate on celebA_ir (14,721 positive, 3,176,532 false pairs). "
      "TPIR@FPIR: open-set rank-1 (gallery = first half of each query identity by file name). "
      "val/test acc: classification head (– for triplet). NC: nearest-centroid accuracy "
      "(centroids from the training split). LFW: ",
      lfw_protocol, ".\n\nShared configuration: ", absl::StrJoin(shared, " "),
      "\n\nPer-loss settings:\n", absl::StrJoin(differing, "\n"), "\n\nProduced by:\n\n    ",
      command, "\n");
}

namespace {

// The last value of every metric of a run.
absl::StatusOr<std::map<std::string, double>> LastValues(ExperimentStore& store, int64_t run) {
  FACEREC_ASSIGN_OR_RETURN(const auto points, store.GetMetrics(run));
  std::map<std::string, double> last;
  for (const auto& p : points) last[p.key] = p.value;
  return last;
}

std::string Fixed(const std::map<std::string, double>& last, const std::string& key,
                  const char* format = "%.3f") {
  auto it = last.find(key);
  return it == last.end() ? std::string("–") : absl::StrFormat(format, it->second);
}

}  // namespace

absl::StatusOr<std::string> DetectionMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns("detection"));
  std::string table =
      "| detector | run | set | photos | faces | AP | AP, faces ≥ 24 px | recall at 1 FP/photo | "
      "recall at 1 FP/photo, ≥ 24 px | ms/photo |\n"
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  std::vector<std::string> commands;
  constexpr const char* kSets[] = {"facemask_val", "webfaces_val", "dlib_test", "afw"};
  for (const char* detector : {"ours", "haar", "dlib_hog"}) {
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
        absl::StrAppend(&table, "| ", detector, " | ", ShortUid(run), " | ", set,
                        recall_only ? " (recall only)" : "", " | ", Fixed(last, k + "photos", "%.0f"),
                        " | ", Fixed(last, k + "faces", "%.0f"), " | ",
                        recall_only ? "–" : Fixed(last, k + "ap"), " | ",
                        recall_only ? "–" : Fixed(last, k + "ap_large"), " | ",
                        Fixed(last, k + "recall_at_1fp"), " | ",
                        Fixed(last, k + "recall_at_1fp_large"), " | ",
                        Fixed(last, k + "ms_per_photo", "%.1f"), " |\n");
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
      table,
      "\nAFW annotates only some faces of a photo: recall only. ms/photo is Detect() alone, "
      "as the evaluation ran (photos of every size; the benchmark's 640×480 numbers are in "
      "benchmarks/README.md).\n\nProduced by:\n\n    ",
      absl::StrJoin(commands, "\n    "), "\n");
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> trained, store.ListRuns("detector"));
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

absl::StatusOr<std::string> PipelineMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns("pipeline"));
  for (const tracking::RunRecord& run : runs) {
    if (run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto last, LastValues(store, run.id));
    FACEREC_ASSIGN_OR_RETURN(const auto evaluations, store.GetEvaluations(run.id));
    std::string md = absl::StrCat(
        "Run ", ShortUid(run), " (", run.name, "): every photo through detect → landmarks → "
        "similarity warp → embedding, beside the datasets' own crops embedded by the same "
        "recogniser.\n\n| | LFW fold 1 accuracy | faces found |\n| --- | --- | --- |\n",
        "| through the chain | ", Fixed(last, "eval/lfw/pipeline_accuracy"), " | ",
        Fixed(last, "eval/lfw/found_share"), " |\n| fixed window | ",
        Fixed(last, "eval/lfw/window_accuracy"), " | – |\n\n");
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
      absl::StrAppend(&md, "| ", title, " |");
      for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        absl::StrAppend(&md, absl::StrFormat(" TPR@%g |", it->first));
      }
      absl::StrAppend(&md, " faces found |\n|");
      for (size_t i = 0; i < chain.size() + 2; ++i) absl::StrAppend(&md, " --- |");
      absl::StrAppend(&md, "\n");
      for (const auto& [suffix, label] : {std::pair{"_pipeline", "through the chain (crops padded)"},
                                          std::pair{"_crops", "provided crops"}}) {
        absl::StrAppend(&md, "| ", label, " |");
        const std::map<double, double>& row = tpr[absl::StrCat(set, suffix)];
        for (auto it = row.rbegin(); it != row.rend(); ++it) {
          absl::StrAppend(&md, absl::StrFormat(" %.3f |", it->second));
        }
        absl::StrAppend(&md, " ",
                        std::string(suffix) == "_pipeline"
                            ? Fixed(last, absl::StrCat("eval/", set, "/found_share"))
                            : std::string("–"),
                        " |\n");
      }
      absl::StrAppend(&md, "\n");
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
    absl::StrAppend(&md, "\nLatency per 640×480 photo with one face (medians):\n\n"
                         "| stage | ms | share |\n| --- | --- | --- |\n");
    for (const char* stage : {"detect", "landmarks", "align", "embed", "total"}) {
      const std::string key = absl::StrCat("latency/", stage, "_ms");
      const double v = last.count(key) ? last.at(key) : 0;
      absl::StrAppend(&md, absl::StrFormat("| %s | %.2f | %.0f%% |\n", stage, v,
                                           total > 0 ? 100 * v / total : 0));
    }
    absl::StrAppend(&md, "\nProduced by:\n\n    ", run.command_line, "\n");
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> galleries,
                             store.ListRuns("gallery"));
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

namespace {

struct CompareLossesRun {
  tracking::RunRecord run;
  std::map<std::string, std::string> params;
  std::string param(const std::string& key) const {
    const auto it = params.find(key);
    return it == params.end() ? std::string() : it->second;
  }
};

// Every FINISHED compare_losses run with its params, newest first.
absl::StatusOr<std::vector<CompareLossesRun>> FinishedCompareLossesRuns(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns("compare_losses"));
  std::vector<CompareLossesRun> out;
  for (const tracking::RunRecord& run : runs) {
    if (run.status != tracking::RunStatus::kFinished) continue;
    CompareLossesRun r{run};
    FACEREC_ASSIGN_OR_RETURN(r.params, store.GetParams(run.id));
    out.push_back(std::move(r));
  }
  return out;
}

// The recognisers of adversarial-training experiments: every fine-tuned run
// and every run one was fine-tuned from. The defence section compares them;
// the attacks section keeps to the other recognisers (the comparison's).
absl::StatusOr<std::set<std::string>> DefenceRecogniserUids(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<CompareLossesRun> runs, FinishedCompareLossesRuns(store));
  std::set<std::string> uids;
  for (const CompareLossesRun& r : runs) {
    const std::string start = r.param("finetune_from_run");
    if (start.empty()) continue;
    uids.insert(r.run.uid);
    uids.insert(start);
  }
  return uids;
}

// A finished attack run with its params and series.
struct AttackRun {
  tracking::RunRecord run;
  std::map<std::string, std::string> params;
  std::map<std::string, std::map<int64_t, double>> series;
  std::string param(const std::string& key) const {
    const auto it = params.find(key);
    return it == params.end() ? std::string("?") : it->second;
  }
};

// Per attacked recogniser, the newest finished run of experiment "attacks"
// that has series `radii` (a run may hold the ε grid, the eyeglass attack or
// both), in ListRuns order (newest first).
absl::StatusOr<std::vector<AttackRun>> NewestAttackRuns(ExperimentStore& store, const std::string& radii) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns("attacks"));
  std::vector<AttackRun> newest;
  std::set<std::string> seen;
  for (const tracking::RunRecord& run : runs) {
    if (run.status != tracking::RunStatus::kFinished) continue;
    AttackRun a{run};
    FACEREC_ASSIGN_OR_RETURN(a.params, store.GetParams(run.id));
    if (seen.count(a.params["embedding_model_sha256"])) continue;
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::MetricPoint> points, store.GetMetrics(run.id));
    for (const tracking::MetricPoint& p : points) a.series[p.key][p.step] = p.value;
    if (!a.series.count(radii)) continue;
    seen.insert(a.params["embedding_model_sha256"]);
    newest.push_back(std::move(a));
  }
  return newest;
}

std::string Rate(const std::map<std::string, std::map<int64_t, double>>& series, const std::string& key,
                 int64_t step, int digits = 3) {
  const auto s = series.find(key);
  if (s == series.end() || !s->second.count(step)) return "–";
  return absl::StrFormat("%.*f", digits, s->second.at(step));
}

// The eyeglass-frame impersonation table, or "" when no run has it.
std::string EyeglassMarkdown(const std::vector<AttackRun>& runs) {
  if (runs.empty()) return "";
  std::string md =
      "Adversarial eyeglasses (Sharif et al., CCS 2016): PGD impersonation with the perturbation confined to "
      "an eyeglass frame over the eyes, at large radii (255: any colour inside the frame). Success at the "
      "attacked recogniser's own FAR 1e-3 and 1e-2 thresholds; \"transferred\" is the mean success at FAR "
      "1e-3 over the other recognisers scoring the same images.\n\n"
      "| recogniser | ε | success @FAR 1e-3 | @FAR 1e-2 | transferred @1e-3 | PSNR | SSIM |\n"
      "| --- | --- | --- | --- | --- | --- | --- |\n";
  std::set<std::string> commands;
  for (const AttackRun& a : runs) {
    const std::string name = a.run.name.substr(a.run.name.find('_') + 1);
    for (const auto& [k, eps] : a.series.at("eyeglass/epsilon_255")) {
      double transferred = 0;
      int targets = 0;
      for (const auto& [key, values] : a.series) {
        if (absl::StartsWith(key, "transfer/") &&
            absl::EndsWith(key, "/eyeglass_pgd/impersonation/success_far0.001") && values.count(k)) {
          transferred += values.at(k);
          ++targets;
        }
      }
      absl::StrAppend(&md, "| ", name, " (", ShortUid(a.run), ") | ", absl::StrFormat("%g", eps), " | ",
                      Rate(a.series, "eyeglass/pgd/impersonation/success_far0.001", k), " | ",
                      Rate(a.series, "eyeglass/pgd/impersonation/success_far0.01", k), " | ",
                      targets ? absl::StrFormat("%.3f", transferred / targets) : std::string("–"), " | ",
                      Rate(a.series, "eyeglass/pgd/impersonation/psnr", k, 1), " | ",
                      Rate(a.series, "eyeglass/pgd/impersonation/ssim", k), " |\n");
    }
    commands.insert(absl::StrCat("    ", a.run.command_line, " (", a.param("pairs"), " pairs, ",
                                 a.param("eyeglass_steps"), " steps)\n"));
  }
  return absl::StrCat(md, "\n", absl::StrJoin(commands, ""), "\n");
}

}  // namespace

absl::StatusOr<std::string> AttacksMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(std::vector<AttackRun> grid, NewestAttackRuns(store, "attack/epsilon_255"));
  FACEREC_ASSIGN_OR_RETURN(std::vector<AttackRun> eyeglass, NewestAttackRuns(store, "eyeglass/epsilon_255"));
  FACEREC_ASSIGN_OR_RETURN(const std::set<std::string> defence, DefenceRecogniserUids(store));
  for (std::vector<AttackRun>* runs : {&grid, &eyeglass}) {
    runs->erase(std::remove_if(runs->begin(), runs->end(),
                               [&](const AttackRun& a) { return defence.count(a.param("embedding_run_uid")) > 0; }),
                runs->end());
  }
  if (grid.empty() && eyeglass.empty()) {
    return absl::NotFoundError(absl::StrCat("no finished attack run in ", store.path(),
                                            " (tools/bazel run //experiments:attack_recogniser)"));
  }
  std::string md =
      "Success rate of each attack on celebA_ir query pairs at the recogniser's own FAR 1e-3 "
      "threshold (dodging: genuine pairs rejected; impersonation: impostor pairs accepted), "
      "against the L∞ radius ε in grey levels; ε = 0 is the clean error rate. PSNR and SSIM are "
      "medians at the largest ε.\n\n";
  std::map<std::tuple<std::string, std::string, std::string>, std::map<std::string, std::string>> transfer_rows;
  std::set<std::string> all_targets;
  for (const AttackRun& a : grid) {
    const tracking::RunRecord& run = a.run;
    const std::map<std::string, std::map<int64_t, double>>& series = a.series;
    const std::map<int64_t, double>& eps = series.at("attack/epsilon_255");
    const int64_t last = eps.rbegin()->first;
    const auto param = [&](const std::string& key) { return a.param(key); };
    absl::StrAppend(&md, "Run ", ShortUid(run), " (", run.name, ", recogniser of run ",
                    param("embedding_run_uid").substr(0, 8), ", ", param("pairs"), " pairs per goal, ",
                    param("steps"), " steps):\n\n| attack | goal |");
    for (const auto& [k, e] : eps) absl::StrAppend(&md, absl::StrFormat(" ε %g |", e));
    absl::StrAppend(&md, " PSNR | SSIM |\n|");
    for (size_t i = 0; i < eps.size() + 4; ++i) absl::StrAppend(&md, " --- |");
    absl::StrAppend(&md, "\n");
    std::set<std::string> targets;
    for (const auto& [key, values] : series) {
      if (!absl::StartsWith(key, "transfer/")) continue;
      const std::vector<std::string> parts = absl::StrSplit(key, '/');
      targets.insert(parts[1]);  // transfer/<target>/<method>/<goal>/...
    }
    for (const char* method : {"fgsm", "pgd", "mi_fgsm"}) {
      for (const char* goal : {"dodging", "impersonation"}) {
        const std::string key = absl::StrCat(method, "/", goal);
        const auto it = series.find(absl::StrCat("attack/", key, "/success_far0.001"));
        if (it == series.end()) continue;
        absl::StrAppend(&md, "| ", method, " | ", goal, " |");
        for (const auto& [k, e] : eps) {
          const auto v = it->second.find(k);
          absl::StrAppend(&md, " ", v == it->second.end() ? std::string("–") : absl::StrFormat("%.3f", v->second), " |");
        }
        const auto at_last = [&](const std::string& name, const char* format) {
          const auto s = series.find(absl::StrCat("attack/", key, "/", name));
          if (s == series.end() || !s->second.count(last)) return std::string("–");
          return absl::StrFormat(format, s->second.at(last));
        };
        absl::StrAppend(&md, " ", at_last("psnr", "%.1f"), " | ", at_last("ssim", "%.3f"), " |\n");
        std::map<std::string, std::string> row;
        for (const std::string& target : targets) {
          const auto t = series.find(absl::StrCat("transfer/", target, "/", key, "/success_far0.001"));
          if (t == series.end() || !t->second.count(last)) continue;
          const auto clean = t->second.find(eps.begin()->first);
          row[target] = absl::StrCat(clean == t->second.end() ? std::string("–") : absl::StrFormat("%.2f", clean->second),
                                     " → ", absl::StrFormat("%.2f", t->second.at(last)));
        }
        if (!row.empty()) transfer_rows[{run.name.substr(run.name.find('_') + 1), method, goal}] = row;
        all_targets.insert(targets.begin(), targets.end());
      }
    }
    absl::StrAppend(&md, "\n    ", run.command_line, "\n\n");
  }
  if (!transfer_rows.empty()) {
    absl::StrAppend(&md, "Transfer (black-box): images made on one recogniser at the largest ε, scored by each other "
                         "one at its own FAR 1e-3 threshold, as clean rate → attacked rate.\n\n| made on | attack | goal |");
    for (const std::string& target : all_targets) absl::StrAppend(&md, " ", target, " |");
    absl::StrAppend(&md, "\n| --- | --- | --- |");
    for (size_t i = 0; i < all_targets.size(); ++i) absl::StrAppend(&md, " --- |");
    absl::StrAppend(&md, "\n");
    for (const auto& [source, row] : transfer_rows) {
      absl::StrAppend(&md, "| ", std::get<0>(source), " | ", std::get<1>(source), " | ", std::get<2>(source), " |");
      for (const std::string& target : all_targets) {
        const auto cell = row.find(target);
        absl::StrAppend(&md, " ", cell == row.end() ? std::string("–") : cell->second, " |");
      }
      absl::StrAppend(&md, "\n");
    }
    absl::StrAppend(&md, "\n");
  }
  return md + EyeglassMarkdown(eyeglass);
}

absl::StatusOr<std::string> TrashMarkdown(ExperimentStore& store) {
  std::string md;
  {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns("validate_trash_search"));
    std::map<std::pair<double, std::string>, std::string> rows;  // (rate, seed) -> rows, newest only
    std::set<std::string> commands;
    for (const tracking::RunRecord& run : runs) {
      if (run.status != tracking::RunStatus::kFinished) continue;
      FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(run.id));
      const auto param = [&](const std::string& k) {
        const auto it = params.find(k);
        return it == params.end() ? std::string("?") : it->second;
      };
      double rate = 0;
      if (!absl::SimpleAtod(param("swap_rate"), &rate)) continue;
      const std::pair<double, std::string> key{-rate, param("injection_seed")};
      if (rows.count(key)) continue;
      FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::MetricPoint> points, store.GetMetrics(run.id));
      std::map<std::string, double> m;
      for (const tracking::MetricPoint& p : points) m[p.key] = p.value;
      std::string text;
      for (const char* kind : {"swap", "exact_duplicate", "near_duplicate", "junk"}) {
        const std::string k = absl::StrCat("injection/", kind, "/");
        if (!m.count(k + "injected")) continue;
        absl::StrAppend(&text, "| ", absl::StrFormat("%g", 100 * rate), " % | ", key.second, " | ", ShortUid(run), " | ",
                        kind, " | ", absl::StrFormat("%.0f", m[k + "injected"]), " | ",
                        absl::StrFormat("%.0f", m[k + "flagged"]), " | ", absl::StrFormat("%.0f", m[k + "found"]),
                        " | ", absl::StrFormat("%.3f", m[k + "precision_at_k"]), " | ",
                        absl::StrFormat("%.3f", m[k + "recall"]), " | ", absl::StrFormat("%.3f", m[k + "precision"]),
                        " | ", absl::StrFormat("%.3f", m[k + "roc_auc"]), " |\n");
      }
      absl::StrAppend(&text, "| ", absl::StrFormat("%g", 100 * rate), " % | ", key.second, " | ", ShortUid(run),
                      " | the set's own near-duplicate pairs (not counted) | ",
                      absl::StrFormat("%.0f", m["injection/own_duplicate_pairs"]), " | | | | | | |\n");
      rows[key] = text;
      commands.insert(absl::StrCat("    ", run.command_line, "\n"));
    }
    if (!rows.empty()) {
      absl::StrAppend(&md,
                      "Faults injected into a copy of CelebA-500 (experiments:validate_trash_search), each kind "
                      "scored against the items it applies to (analysis/fault_injection.h): precision@k at k = the "
                      "number injected, recall and precision of the flagged items, ROC AUC of the score.\n\n"
                      "| swaps | seed | run | kind | injected | flagged | found | precision@k | recall | precision | "
                      "ROC AUC |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
      for (const auto& [key, text] : rows) absl::StrAppend(&md, text);
      absl::StrAppend(&md, "\n");
      for (const std::string& c : commands) absl::StrAppend(&md, c);
      absl::StrAppend(&md, "\n");
    }
  }
  {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns("find_trash"));
    std::map<std::string, std::string> rows;
    for (const tracking::RunRecord& run : runs) {
      if (run.status != tracking::RunStatus::kFinished || rows.count(run.name)) continue;
      FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::MetricPoint> points, store.GetMetrics(run.id));
      std::map<std::string, double> m;
      for (const tracking::MetricPoint& p : points) m[p.key] = p.value;
      rows[run.name] = absl::StrCat(
          "| ", run.name, " | ", ShortUid(run), " | ", absl::StrFormat("%.0f", m["trash/images"]), " | ",
          absl::StrFormat("%.3f", m["trash/held_out_accuracy"]), " | ",
          absl::StrFormat("%.0f", m["trash/wrong_identity/count"]), " | ",
          absl::StrFormat("%.0f (%.0f exact)", m["trash/duplicate/count"], m["trash/duplicate/exact_count"]), " | ",
          absl::StrFormat("%.0f", m["trash/unusable/count"]), " |\n    ", run.command_line, "\n");
    }
    if (!rows.empty()) {
      absl::StrAppend(&md,
                      "The search on the real sets (experiments:find_trash): suspects per kind (a duplicate is "
                      "counted once per pair), and the fold recognisers' held-out accuracy.\n\n"
                      "| set | run | images | held-out accuracy | wrong identity | duplicates | unusable |\n"
                      "| --- | --- | --- | --- | --- | --- | --- |\n");
      for (const auto& [name, text] : rows) {
        const size_t cut = text.find("\n    ");
        absl::StrAppend(&md, text.substr(0, cut + 1));
      }
      absl::StrAppend(&md, "\n");
      for (const auto& [name, text] : rows) absl::StrAppend(&md, text.substr(text.find("\n    ") + 1));
      absl::StrAppend(&md, "\n");
    }
  }
  if (md.empty()) {
    return absl::NotFoundError(absl::StrCat("no finished trash-search run in ", store.path(),
                                            " (tools/bazel run //experiments:find_trash)"));
  }
  return md;
}

namespace {

// The run's celebA_ir identification rate at `fpr`.
absl::StatusOr<std::optional<double>> IdRateAt(ExperimentStore& store, int64_t run_id, double fpr) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::Evaluation> evaluations, store.GetEvaluations(run_id));
  for (const tracking::Evaluation& e : evaluations) {
    if (e.dataset == "celeba_ir" && e.protocol == "id_rate" && e.target_fpr &&
        std::abs(*e.target_fpr - fpr) <= 1e-12) {
      return std::optional<double>(e.tpr);
    }
  }
  return std::optional<double>();
}

}  // namespace

absl::StatusOr<std::string> DefenceMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<CompareLossesRun> runs, FinishedCompareLossesRuns(store));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<AttackRun> attacks, NewestAttackRuns(store, "attack/epsilon_255"));
  const auto attack_of = [&](const tracking::RunRecord& run) -> const AttackRun* {
    for (const AttackRun& a : attacks) {
      if (a.param("embedding_run_uid") == run.uid) return &a;
    }
    return nullptr;
  };
  const std::vector<double> radii = {0, 2, 4, 8};  // ε 0: the clean error at the threshold.
  std::string md;
  for (const CompareLossesRun& adversarial : runs) {
    const std::string steps = adversarial.param("adversarial_steps");
    const std::string start_uid = adversarial.param("finetune_from_run");
    if (steps.empty() || steps == "0" || start_uid.empty()) continue;
    std::vector<std::pair<std::string, const CompareLossesRun*>> rows;
    for (const CompareLossesRun& r : runs) {
      if (r.run.uid == start_uid) rows.push_back({"started from", &r});
    }
    for (const CompareLossesRun& r : runs) {  // Newest first: the first match is the newest.
      if (r.param("finetune_from_run") == start_uid && r.param("adversarial_steps") == "0" &&
          r.param("epochs") == adversarial.param("epochs") && r.param("lr") == adversarial.param("lr")) {
        rows.push_back({"fine-tuned clean (control)", &r});
        break;
      }
    }
    rows.push_back({absl::StrCat("PGD-trained (", steps, " steps, ε ", adversarial.param("adversarial_epsilon"), ")"),
                    &adversarial});
    if (md.empty()) {
      md =
          "Adversarial training as a defence: a trained recogniser fine-tuned on PGD images of its training "
          "batches (Madry et al. 2018), beside the same fine-tuning on clean images (the control: the same "
          "extra epochs). Clean: celebA_ir TPR at FPR 0.1 and 0.01. Robust: white-box PGD success at each "
          "model's own FAR 1e-3 threshold (dodging: genuine pairs rejected; impersonation: impostor pairs "
          "accepted) at ε grey levels, from each model's newest attack run; ε 0 is the clean error at that "
          "threshold.\n\n";
    }
    absl::StrAppend(&md, "| model | run | TPR@0.1 | TPR@0.01 |");
    for (const char* goal : {"dodging", "impersonation"}) {
      for (double eps : radii) absl::StrAppend(&md, absl::StrFormat(" %s ε %g |", goal, eps));
    }
    absl::StrAppend(&md, " attack run |\n|");
    for (size_t i = 0; i < 5 + 2 * radii.size(); ++i) absl::StrAppend(&md, " --- |");
    absl::StrAppend(&md, "\n");
    for (const auto& [label, r] : rows) {
      FACEREC_ASSIGN_OR_RETURN(const std::optional<double> tpr1, IdRateAt(store, r->run.id, 0.1));
      FACEREC_ASSIGN_OR_RETURN(const std::optional<double> tpr01, IdRateAt(store, r->run.id, 0.01));
      absl::StrAppend(&md, "| ", label, " | ", ShortUid(r->run), " | ", Cell(tpr1), " | ", Cell(tpr01), " |");
      const AttackRun* a = attack_of(r->run);
      for (const char* goal : {"dodging", "impersonation"}) {
        for (double eps : radii) {
          std::string cell = "–";
          if (a != nullptr) {
            for (const auto& [k, e] : a->series.at("attack/epsilon_255")) {
              if (e == eps) cell = Rate(a->series, absl::StrCat("attack/pgd/", goal, "/success_far0.001"), k);
            }
          }
          absl::StrAppend(&md, " ", cell, " |");
        }
      }
      absl::StrAppend(&md, " ", a == nullptr ? std::string("–") : ShortUid(a->run), " |\n");
    }
    absl::StrAppend(&md, "\n    ", adversarial.run.command_line, "\n\n");
  }
  if (md.empty()) {
    return absl::NotFoundError(absl::StrCat("no adversarially trained recogniser in ", store.path(),
                                            " (compare_losses --finetune_from=<run> --adversarial_steps=3)"));
  }
  return md;
}

absl::StatusOr<std::string> RetrainMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<CompareLossesRun> runs, FinishedCompareLossesRuns(store));
  const auto without_list = [](std::map<std::string, std::string> params) {
    params = tracking::WithoutExecutionParams(std::move(params));
    for (const char* key : {"exclude_sha256", "excluded_images"}) params.erase(key);
    return params;
  };
  std::string md;
  for (const CompareLossesRun& after : runs) {
    if (after.param("exclude_sha256").empty()) continue;
    const std::map<std::string, std::string> same = without_list(after.params);
    // The control is the run the retrain was paired with: the same code version first (a later run of
    // the configuration, e.g. one seed of a --seeds summary, is another experiment), then the nearest in time.
    const auto distance = [&](const CompareLossesRun& r) {
      return std::make_pair(r.run.code_version != after.run.code_version,
                            std::abs(r.run.start_ms - after.run.start_ms));
    };
    const CompareLossesRun* before = nullptr;
    for (const CompareLossesRun& r : runs) {
      if (!r.param("exclude_sha256").empty() || without_list(r.params) != same) continue;
      if (before == nullptr || distance(r) < distance(*before)) before = &r;
    }
    if (md.empty()) {
      md = absl::StrCat(
          "Retrained without the confirmed trash: the same configuration and seed with the images of an "
          "exclusion list left out of CelebA-500's splits (celebA_ir and LFW unchanged). celebA_ir TPR at "
          "each FPR and val 1-NN accuracy, before → after.\n\n| run | excluded |");
      for (double fpr : kCourseFprs) absl::StrAppend(&md, absl::StrFormat(" TPR@%g |", fpr));
      absl::StrAppend(&md, " val 1-NN |\n| --- | --- |");
      for (size_t i = 0; i <= kCourseFprs.size(); ++i) absl::StrAppend(&md, " --- |");
      absl::StrAppend(&md, "\n");
    }
    absl::StrAppend(&md, "| ", before == nullptr ? std::string("(no run without the list)") : ShortUid(before->run),
                    " → ", ShortUid(after.run), " | ", after.param("excluded_images"), " |");
    const auto last_val = [&](const CompareLossesRun* r) -> absl::StatusOr<std::optional<double>> {
      if (r == nullptr) return std::optional<double>();
      FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::MetricPoint> val,
                               store.GetMetrics(r->run.id, "val/nn_accuracy"));
      return val.empty() ? std::optional<double>() : std::optional<double>(val.back().value);
    };
    for (double fpr : kCourseFprs) {
      std::optional<double> b;
      if (before != nullptr) {
        FACEREC_ASSIGN_OR_RETURN(b, IdRateAt(store, before->run.id, fpr));
      }
      FACEREC_ASSIGN_OR_RETURN(const std::optional<double> a, IdRateAt(store, after.run.id, fpr));
      absl::StrAppend(&md, " ", Cell(b), " → ", Cell(a), " |");
    }
    FACEREC_ASSIGN_OR_RETURN(const std::optional<double> vb, last_val(before));
    FACEREC_ASSIGN_OR_RETURN(const std::optional<double> va, last_val(&after));
    absl::StrAppend(&md, " ", Cell(vb), " → ", Cell(va), " |\n");
  }
  if (md.empty()) {
    return absl::NotFoundError(absl::StrCat("no compare_losses run with an exclusion list in ", store.path(),
                                            " (compare_losses --exclude=<list>)"));
  }
  return md;
}

namespace {

// One summary run of SeedsMarkdown.
absl::StatusOr<std::string> SeedSummaryMarkdown(ExperimentStore& store, const tracking::RunRecord* newest) {
  FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(newest->id));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::MetricPoint> points, store.GetMetrics(newest->id));
  std::map<std::string, double> m;
  for (const tracking::MetricPoint& p : points) m[p.key] = p.value;
  // Losses in the order their runs were recorded (params are sorted by key,
  // so by loss name: the order a table reads best in anyway).
  std::vector<std::string> losses;
  std::map<std::string, std::vector<std::string>> seeds_of;
  for (const auto& [key, uid] : params) {
    const std::vector<std::string> parts = absl::StrSplit(key, '/');
    if (parts.size() != 3 || parts[0] != "run") continue;
    if (!seeds_of.count(parts[1])) losses.push_back(parts[1]);
    seeds_of[parts[1]].push_back(absl::StrCat(parts[2].substr(4), " (", uid.substr(0, 8), ")"));
  }
  const std::vector<std::string> fprs = {"0.5", "0.2", "0.1", "0.05", "0.01", "0.001"};
  const auto value = [&](const std::string& key) -> std::optional<double> {
    const auto it = m.find(key);
    return it == m.end() ? std::optional<double>() : std::optional<double>(it->second);
  };
  const auto param = [&](const std::string& key) {
    const auto it = params.find(key);
    return it == params.end() ? std::string("?") : it->second;
  };
  double confidence = 0;
  const std::string coverage =
      absl::SimpleAtod(param("bootstrap_confidence"), &confidence) ? absl::StrFormat("%g %%", 100 * confidence) : "?";
  std::string md = absl::StrCat(
      "Run ", ShortUid(*newest), newest->name.empty() ? "" : absl::StrCat(" (", newest->name, ")"),
      ": every loss trained once per seed; mean ± standard deviation over the seeds, ",
      "then the identification rate's ", coverage, " bootstrap interval over query identities (",
      param("bootstrap_replicates"),
      " replicates; the distractors stay whole), and each pair of losses' difference with the same seeds and "
      "resamples: bold where the interval excludes 0.\n\n| loss | seeds (run) |");
  const std::vector<std::string> columns = {"tpr@0.5", "tpr@0.2", "tpr@0.1", "tpr@0.05", "tpr@0.01",
                                            "tpr@0.001", "tpir@0.1", "lfw"};
  for (const std::string& c : columns) absl::StrAppend(&md, " ", c, " |");
  absl::StrAppend(&md, "\n|");
  for (size_t i = 0; i < columns.size() + 2; ++i) absl::StrAppend(&md, " --- |");
  absl::StrAppend(&md, "\n");
  for (const std::string& loss : losses) {
    absl::StrAppend(&md, "| ", loss, " | ", absl::StrJoin(seeds_of[loss], ", "), " |");
    for (const std::string& c : columns) {
      const std::optional<double> mean = value(absl::StrCat(loss, "/", c, "/mean"));
      const std::optional<double> sd = value(absl::StrCat(loss, "/", c, "/std"));
      absl::StrAppend(&md, " ", mean && sd ? absl::StrFormat("%.3f ± %.3f", *mean, *sd) : std::string("–"), " |");
    }
    absl::StrAppend(&md, "\n");
  }
  // "estimate [low, high]" of the metrics <prefix><estimate_suffix>, <prefix>/low
  // and <prefix>/high; bold where it excludes 0 when `mark` (differences).
  const auto interval = [&](const std::string& prefix, const char* estimate_suffix, const char* format, bool mark) {
    const std::optional<double> e = value(prefix + estimate_suffix), lo = value(prefix + "/low"),
                                hi = value(prefix + "/high");
    if (!e || !lo || !hi) return std::string("–");
    const std::string text = absl::StrFormat(format, *e, *lo, *hi);
    return mark && (*lo > 0 || *hi < 0) ? absl::StrCat("**", text, "**") : text;
  };
  const auto table = [&](const std::string& first_column, const std::vector<std::string>& rows,
                         const std::function<std::string(const std::string&)>& label, const std::string& kind) {
    absl::StrAppend(&md, "\n| ", first_column, " |");
    for (const std::string& f : fprs) absl::StrAppend(&md, " TPR@", f, " |");
    absl::StrAppend(&md, "\n| --- |");
    for (size_t i = 0; i < fprs.size(); ++i) absl::StrAppend(&md, " --- |");
    absl::StrAppend(&md, "\n");
    for (const std::string& row : rows) {
      absl::StrAppend(&md, "| ", label(row), " |");
      for (const std::string& f : fprs) {
        absl::StrAppend(&md, " ",
                        kind == "difference"
                            ? interval(absl::StrCat("difference/", row, "/tpr@", f), "/estimate", "%+.3f [%+.3f, %+.3f]", true)
                            : interval(absl::StrCat(row, "/tpr@", f), "/mean", "%.3f [%.3f, %.3f]", false),
                        " |");
      }
      absl::StrAppend(&md, "\n");
    }
  };
  table("loss", losses, [](const std::string& loss) { return loss; }, "loss");
  std::vector<std::string> differences;
  for (const auto& [key, v] : m) {
    const std::vector<std::string> parts = absl::StrSplit(key, '/');
    if (parts.size() == 4 && parts[0] == "difference" && parts[3] == "estimate" &&
        std::find(differences.begin(), differences.end(), parts[1]) == differences.end()) {
      differences.push_back(parts[1]);
    }
  }
  if (!differences.empty()) {
    table("difference", differences, [](const std::string& d) { return absl::StrReplaceAll(d, {{"-", " − "}}); },
          "difference");
  }
  absl::StrAppend(&md, "\n    ", newest->command_line, "\n\n");
  return md;
}

}  // namespace

namespace {

// The configuration a summary over seeds trained: the params of one of its
// seeds' runs without the seed and the thread count, hashed; "" when that run
// is not in the store (a summary imported without its runs).
absl::StatusOr<std::string> SeedRunsConfiguration(ExperimentStore& store, int64_t summary_id) {
  FACEREC_ASSIGN_OR_RETURN(const auto params, store.GetParams(summary_id));
  for (const auto& [key, uid] : params) {
    if (!absl::StartsWith(key, "run/")) continue;
    const absl::StatusOr<tracking::RunRecord> seed_run = store.GetRunByUid(uid);
    if (!seed_run.ok()) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto config, store.GetParams(seed_run->id));
    std::map<std::string, std::string> trained = tracking::WithoutExecutionParams(config);
    trained.erase("seed");
    return tracking::ConfigHash(trained);
  }
  return std::string();
}

}  // namespace

absl::StatusOr<std::string> SeedsMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns("loss_comparison"));
  std::set<std::pair<std::string, std::string>> kinds;
  std::string md;
  for (const tracking::RunRecord& run : runs) {  // Newest first.
    if (run.status != tracking::RunStatus::kFinished) continue;
    // "quick-1796350418475" and "quick-1796330257751" are one kind of
    // comparison when their seeds trained the same configuration; two recipes
    // confirmed at one preset (--erase_probability=0.25 or not) are two.
    const size_t dash = run.name.rfind('-');
    const std::string name = dash == std::string::npos ? run.name : run.name.substr(0, dash);
    FACEREC_ASSIGN_OR_RETURN(const std::string configuration, SeedRunsConfiguration(store, run.id));
    if (!kinds.insert({name, configuration}).second) continue;
    FACEREC_ASSIGN_OR_RETURN(const std::string text, SeedSummaryMarkdown(store, &run));
    absl::StrAppend(&md, text);
  }
  if (md.empty()) {
    return absl::NotFoundError(absl::StrCat("no finished loss comparison over seeds in ", store.path(),
                                            " (compare_losses --seeds=1,2,3)"));
  }
  return md;
}

}  // namespace facerec::tools
