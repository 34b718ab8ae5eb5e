// Results sections: your own data (the same harness on a folder, an own
// dataset's identification rate, thresholds calibrated on other strangers)
// and grouping faces into people.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/experiment_names.h"
#include "tools/markdown_table.h"
#include "tools/results_table.h"
#include "tools/results_table/common.h"

namespace facerec::tools {

using tracking::ExperimentStore;

namespace {

// The params a folder reading of a dataset adds (pipeline::DatasetParams).
bool IsDatasetParam(const std::string& key) {
  static const std::set<std::string>* const kKeys = new std::set<std::string>{
      "dataset", "aligned", "eval_dataset", "eval_aligned", "split", "split_sha256", "split_seed",
      "held_out_identities", "distractor_identities", "val_photos", "test_photos", "multiple_faces",
      "face_detector", "face_detector_sha256", "face_landmarks", "face_landmark_sha256", "threads"};
  return kKeys->count(key) > 0;
}

bool IsTiming(const std::string& key) {
  return absl::StrContains(key, "seconds") || absl::StrContains(key, "per_second") ||
         absl::StrContains(key, "step_time");
}

// The same-harness check: each folder run evaluated on celebA_ir beside the
// newest built-in run with the same params otherwise.
absl::StatusOr<std::string> SameHarness(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<CompareLossesRun> runs, FinishedCompareLossesRuns(store));
  MarkdownTable table({"dataset", "run", "built-in run", "embedding net", "metrics equal (timing aside)",
                       "evaluations equal", "TPR@FPR 0.1"});
  int rows = 0;
  for (const CompareLossesRun& folder : runs) {
    if (folder.param("dataset").empty() || folder.param("eval_dataset") != "celeba_ir") continue;
    const CompareLossesRun* builtin = nullptr;
    for (const CompareLossesRun& other : runs) {
      if (!other.param("dataset").empty()) continue;
      bool same = true;
      std::set<std::string> keys;
      for (const auto& [k, v] : folder.params) keys.insert(k);
      for (const auto& [k, v] : other.params) keys.insert(k);
      for (const std::string& key : keys) {
        if (!IsDatasetParam(key) && folder.param(key) != other.param(key)) same = false;
      }
      if (same) {
        builtin = &other;
        break;
      }
    }
    if (builtin == nullptr) continue;
    auto sha_of = [&](int64_t run) -> absl::StatusOr<std::string> {
      FACEREC_ASSIGN_OR_RETURN(const auto artifacts, store.GetArtifacts(run));
      for (const auto& a : artifacts) {
        if (a.kind == "embedding_net") return a.sha256;
      }
      return std::string();
    };
    FACEREC_ASSIGN_OR_RETURN(const std::string a_sha, sha_of(folder.run.id));
    FACEREC_ASSIGN_OR_RETURN(const std::string b_sha, sha_of(builtin->run.id));
    FACEREC_ASSIGN_OR_RETURN(const auto a_metrics, store.GetMetrics(folder.run.id));
    FACEREC_ASSIGN_OR_RETURN(const auto b_metrics, store.GetMetrics(builtin->run.id));
    std::map<std::pair<std::string, int64_t>, double> b_values;
    for (const auto& m : b_metrics) b_values[{m.key, m.step}] = m.value;
    int64_t compared = 0, equal = 0;
    for (const auto& m : a_metrics) {
      if (IsTiming(m.key)) continue;
      const auto it = b_values.find({m.key, m.step});
      if (it == b_values.end()) continue;
      ++compared;
      equal += it->second == m.value;
    }
    FACEREC_ASSIGN_OR_RETURN(const auto a_eval, store.GetEvaluations(folder.run.id));
    FACEREC_ASSIGN_OR_RETURN(const auto b_eval, store.GetEvaluations(builtin->run.id));
    int64_t eval_equal = 0;
    std::string tpr = "–";
    for (size_t i = 0; i < a_eval.size() && i < b_eval.size(); ++i) {
      eval_equal += a_eval[i].dataset == b_eval[i].dataset && a_eval[i].protocol == b_eval[i].protocol &&
                    a_eval[i].target_fpr == b_eval[i].target_fpr && a_eval[i].tpr == b_eval[i].tpr &&
                    a_eval[i].threshold == b_eval[i].threshold;
      if (a_eval[i].protocol == "id_rate" && a_eval[i].target_fpr && *a_eval[i].target_fpr == 0.1 && a_eval[i].tpr) {
        tpr = absl::StrFormat("%.3f", *a_eval[i].tpr);
      }
    }
    table.AddRow({absl::StrCat(folder.param("dataset"), folder.param("aligned") == "true" ? " (aligned)" : ""),
                  ShortUid(folder.run), ShortUid(builtin->run),
                  a_sha.empty() ? "–" : a_sha == b_sha ? absl::StrCat("same sha256 ", a_sha.substr(0, 12)) : "differs",
                  absl::StrCat(equal, " of ", compared),
                  absl::StrCat(eval_equal, " of ", std::max(a_eval.size(), b_eval.size())), tpr});
    ++rows;
  }
  if (rows == 0) return absl::NotFoundError("no compare_losses run on a folder: or list: dataset evaluated on celeba_ir");
  return absl::StrCat(
      "CelebA-500 exported as a folder (`tools:datasets export celeba500`: the original bytes and its split "
      "file) and trained with `--dataset=folder:DIR --aligned --split_file=DIR/split.txt "
      "--eval_dataset=celeba_ir`, beside the built-in reader's run of the same configuration:\n\n",
      table.ToString(), "\n");
}

// The newest evaluate_pipeline run that measured an own dataset.
absl::StatusOr<std::string> OwnIdRate(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kEvaluatePipeline));
  for (const tracking::RunRecord& run : runs) {
    if (run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto evaluations, store.GetEvaluations(run.id));
    std::string own;
    std::map<std::string, std::map<double, std::pair<double, double>>> rows;  // dataset -> fpr -> (tpr, threshold)
    std::map<double, double> tpir;
    for (const tracking::Evaluation& e : evaluations) {
      if (!e.target_fpr || !e.tpr) continue;
      const bool mine = absl::StartsWith(e.dataset, "folder:") || absl::StartsWith(e.dataset, "list:");
      if (mine) own = e.dataset;
      if (e.protocol == "id_rate" && (mine || e.dataset == "celeba_ir_crops")) {
        rows[e.dataset][*e.target_fpr] = {*e.tpr, e.threshold.value_or(0)};
      }
      if (mine && e.protocol == "tpir_fpir") tpir[*e.target_fpr] = *e.tpr;
    }
    if (own.empty()) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto last, LastValues(store, run.id));
    std::vector<std::string> header = {""};
    for (auto it = rows[own].rbegin(); it != rows[own].rend(); ++it) header.push_back(absl::StrFormat("TPR@%g", it->first));
    MarkdownTable table(header);
    for (const auto& [dataset, label] : {std::pair{own, absl::StrCat(own, ", through the chain")},
                                         std::pair{std::string("celeba_ir_crops"), std::string("celebA_ir crops")}}) {
      std::vector<std::string> cells = {label};
      for (auto it = rows[own].rbegin(); it != rows[own].rend(); ++it) {
        const auto found = rows[dataset].find(it->first);
        cells.push_back(found == rows[dataset].end() ? "–" : absl::StrFormat("%.3f", found->second.first));
      }
      table.AddRow(cells);
    }
    std::vector<std::string> thresholds = {absl::StrCat("threshold on ", own)};
    for (auto it = rows[own].rbegin(); it != rows[own].rend(); ++it) thresholds.push_back(absl::StrFormat("%.3f", it->second.second));
    table.AddRow(thresholds);
    std::string tpir_text;
    for (auto it = tpir.rbegin(); it != tpir.rend(); ++it) {
      absl::StrAppend(&tpir_text, tpir_text.empty() ? "" : ", ", absl::StrFormat("%.3f at FPIR %g", it->second, it->first));
    }
    return absl::StrCat(
        "Run ", ShortUid(run), " (`evaluate_pipeline --dataset=", own,
        "`): every photo through the chain (largest face), evaluated only (the recogniser was trained on "
        "CelebA-500); people with two photos or more are query identities, the others distractors. ",
        absl::StrFormat("%.0f", last.count("data/photos") ? last.at("data/photos") : 0), " photos, a face in ",
        Fixed(last, absl::StrCat("eval/", own, "/found_share")), " of them (",
        absl::StrFormat("%.0f", last.count("data/several_faces") ? last.at("data/several_faces") : 0),
        " with several: the largest taken); ",
        absl::StrFormat("%.0f", last.count("data/query_photos") ? last.at("data/query_photos") : 0), " query photos of ",
        absl::StrFormat("%.0f", last.count("data/query_identities") ? last.at("data/query_identities") : 0),
        " people, ",
        absl::StrFormat("%.0f", last.count("data/distractor_photos") ? last.at("data/distractor_photos") : 0),
        " distractors. The thresholds are this recogniser's calibration on these photos (`identify "
        "--calibration=run:", ShortUid(run), "`). Open-set TPIR: ", tpir_text, ".\n\n", table.ToString(), "\n");
  }
  return absl::NotFoundError("no evaluate_pipeline run measured an own dataset (--dataset=folder:DIR)");
}

// The newest evaluate_gallery run with a calibration.
absl::StatusOr<std::string> Calibration(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kEvaluateGallery));
  for (const tracking::RunRecord& run : runs) {
    if (run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto last, LastValues(store, run.id));
    std::string prefix;
    for (const auto& [key, value] : last) {
      if (absl::EndsWith(key, "/calibration_faces")) prefix = key.substr(0, key.size() - std::string("calibration_faces").size());
    }
    if (prefix.empty()) continue;
    std::set<std::string> names;
    for (const auto& [key, value] : last) {
      if (absl::StartsWith(key, prefix) && absl::EndsWith(key, "/strangers_accepted")) {
        names.insert(key.substr(prefix.size(), key.size() - prefix.size() - std::string("/strangers_accepted").size()));
      }
    }
    MarkdownTable table({"threshold from", "value", "strangers named", "95% interval", "enrolled people named"});
    for (const std::string& name : names) {
      const std::string p = prefix + name + "/";
      table.AddRow({name, Fixed(last, p + "threshold", "%.4f"), Fixed(last, p + "strangers_accepted"),
                    absl::StrCat(Fixed(last, p + "strangers_accepted_low"), " – ", Fixed(last, p + "strangers_accepted_high")),
                    Fixed(last, p + "known_accepted")});
    }
    return absl::StrCat(
        "Run ", ShortUid(run), " (`evaluate_gallery`): ", Fixed(last, prefix + "people_enrolled", "%.0f"),
        " LFW fold 1 people enrolled from 2 photos each; the never-enrolled people split by person, half "
        "calibrating (", Fixed(last, prefix + "calibration_faces", "%.0f"), " photos), half measuring (",
        Fixed(last, prefix + "stranger_probes", "%.0f"),
        " photos): the share of those strangers named as somebody under each threshold, with its Wilson "
        "interval, and the share of the enrolled people's other photos named right. `celeba_ir_far` is the "
        "recogniser's own per-pair threshold; `calibrated_far` the same rate on the calibration people's "
        "pairs; `calibrated_fpir` the open-set threshold for this gallery (`tools:identify --calibration "
        "--fpir`).\n\n",
        table.ToString(), "\n");
  }
  return absl::NotFoundError("no evaluate_gallery run with a calibration");
}

}  // namespace

absl::StatusOr<std::string> OwnDataMarkdown(ExperimentStore& store) {
  std::string md;
  bool any = false;
  for (const auto& section : {SameHarness(store), OwnIdRate(store), Calibration(store)}) {
    if (section.ok()) {
      absl::StrAppend(&md, *section);
      any = true;
    } else if (!absl::IsNotFound(section.status())) {
      return section.status();
    }
  }
  if (!any) return absl::NotFoundError("no own-data run (compare_losses --dataset, evaluate_pipeline --dataset, evaluate_gallery)");
  return md;
}

absl::StatusOr<std::string> ClusteringMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<tracking::RunRecord> runs, store.ListRuns(tracking::kEvaluateClustering));
  for (const tracking::RunRecord& run : runs) {
    if (run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(const auto metrics, store.GetMetrics(run.id));
    // set -> algorithm -> point ("far_0.001" or threshold x 100) -> score -> value
    std::map<std::string, std::map<std::string, std::map<std::string, std::map<std::string, double>>>> v;
    for (const tracking::MetricPoint& m : metrics) {
      const std::vector<std::string> parts = absl::StrSplit(m.key, '/');
      if (parts.size() == 4 && parts[0] == "cluster") {
        v[parts[1]][parts[2]][absl::StrFormat("%.2f", m.step / 100.0)][parts[3]] = m.value;
      } else if (parts.size() == 5 && parts[0] == "cluster") {
        v[parts[1]][parts[2]][parts[3]][parts[4]] = m.value;
      }
    }
    if (v.empty()) continue;
    // The default: the algorithm and FAR threshold with the best BCubed F on the validation split.
    std::string best_algorithm, best_point;
    double best = -1;
    for (const auto& [algorithm, points] : v["celeba500_val"]) {
      for (const auto& [point, scores] : points) {
        if (!absl::StartsWith(point, "far_")) continue;
        const auto it = scores.find("bcubed_f");
        if (it != scores.end() && it->second > best) best = it->second, best_algorithm = algorithm, best_point = point;
      }
    }
    auto cell = [](const std::map<std::string, double>& s, const char* key,
                   const absl::FormatSpec<double>& format = "%.3f") {
      const auto it = s.find(key);
      return it == s.end() ? std::string("–") : absl::StrFormat(format, it->second);
    };
    MarkdownTable table({"set", "algorithm", "threshold", "pairwise P", "pairwise R", "pairwise F1", "BCubed F",
                         "groups / people", "unassigned", "distractors merged", "best pairwise F1 (at)"});
    for (const char* set : {"celeba500_val", "celeba500_test", "lfw_fold1", "celeba_ir"}) {
      for (const auto& [algorithm, points] : v[set]) {
        for (const auto& [point, s] : points) {
          if (!absl::StartsWith(point, "far_")) continue;
          std::string best_f1 = "–";
          double top = -1;
          for (const auto& [p, scores] : points) {
            if (absl::StartsWith(p, "far_")) continue;
            const auto it = scores.find("pairwise_f1");
            if (it != scores.end() && it->second > top) top = it->second, best_f1 = absl::StrFormat("%.3f (%s)", top, p);
          }
          const bool chosen = algorithm == best_algorithm && point == best_point;
          table.AddRow({set, chosen ? absl::StrCat("**", algorithm, "**") : algorithm,
                        absl::StrCat("FAR ", point.substr(4), " (", cell(s, "threshold"), ")"),
                        cell(s, "pairwise_precision"), cell(s, "pairwise_recall"), cell(s, "pairwise_f1"),
                        cell(s, "bcubed_f"), absl::StrCat(cell(s, "groups", "%.0f"), " / ", cell(s, "people", "%.0f")),
                        cell(s, "unassigned_share"), cell(s, "unlabelled_merged_share"), best_f1});
        }
      }
    }
    return absl::StrCat(
        "Run ", ShortUid(run), " (`evaluate_clustering`): the faces grouped without their labels by each "
        "algorithm (`analysis/face_clustering.h`, k = 20 neighbours, groups of one unassigned), at the "
        "recogniser's per-pair FAR thresholds; the last column is the best pairwise F1 over the swept "
        "thresholds (curves: `tools:report --runs=", ShortUid(run), "`, metrics cluster/<set>/<algorithm>/*). "
        "The default (bold: the best BCubed F on CelebA-500's validation split, the one set it is chosen on) is ",
        best_algorithm, " at FAR ", best_point.size() > 4 ? best_point.substr(4) : "?",
        "; the other sets only report. celebA_ir's distractors join unlabelled; \"distractors merged\" is the "
        "share of them put into a query person's group.\n\n",
        table.ToString(), "\n");
  }
  return absl::NotFoundError("no evaluate_clustering run");
}

}  // namespace facerec::tools
