// validate_trash_search: the trash search (analysis/trash_search.h) checked
// against faults we inject ourselves (analysis/fault_injection.h) into a copy
// of CelebA-500 held in memory: identity swaps at each --swap_rates, plus
// exact and near duplicates and junk (background crops of the face-mask
// training photos, and synthetic noise) at their rates. One run per swap
// rate; per fault kind it records precision@k (k = number injected), recall,
// precision and ROC AUC.
//
//   tools/bazel run //experiments:validate_trash_search
//   tools/bazel run //experiments:validate_trash_search -- --swap_rates=0.1
//
// Series (step 0): injection/<kind>/{injected,flagged,found,precision_at_k,
// recall,precision,roc_auc}, kind one of swap, exact_duplicate,
// near_duplicate, junk; injection/own_duplicate_pairs (pairs among the
// original images: the set's own duplicates, not counted). The targets (issue
// 13): swaps at 10 %: precision >= 0.7, recall >= 0.85; exact duplicates 100 %;
// near duplicates recall >= 0.9 at precision >= 0.9; junk recall >= 0.95.
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/analysis/fault_injection.h"
#include "facerec/analysis/trash_search.h"
#include "facerec/analysis/trash_sets.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/image.h"
#include "facerec/detect/detection_sets.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/experiment/trash_search_config.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/tracking/run.h"
#include "facerec/tracking/experiment_names.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

namespace {
const facerec::analysis::FaultInjectionOptions kFaults;
}  // namespace

DEFINE_string(swap_rates, "0.1,0.05,0.01", "Identity-swap rates, one search (and run) each.");
DEFINE_double(exact_duplicate_rate, kFaults.exact_duplicate_rate, "Byte-identical copies, share of the images.");
DEFINE_double(near_duplicate_rate, kFaults.near_duplicate_rate, "Re-encoded, resized or cropped copies.");
DEFINE_double(junk_rate, kFaults.junk_rate, "Background crops and synthetic noise.");
DEFINE_int32(injection_seed, static_cast<int32_t>(kFaults.seed), "The faults' generator seed.");

namespace facerec {
namespace {

// The face-mask training photos with their boxes (every face boxed there).
absl::StatusOr<std::vector<analysis::BackgroundPhoto>> Backgrounds(const std::filesystem::path& root) {
  FACEREC_ASSIGN_OR_RETURN(const detect::DetectionSet set, detect::LoadDetectionSet(root, "facemask_train"));
  std::vector<analysis::BackgroundPhoto> photos;
  for (const detect::DetectionPhoto& p : set.photos) {
    FACEREC_ASSIGN_OR_RETURN(cv::Mat rgb, data::ReadRgbImage(p.image_path));
    analysis::BackgroundPhoto photo{rgb};
    for (const metrics::AnnotatedFace& f : p.faces) {
      // A margin around each box: a crop must not hold part of a face either.
      const double m = 0.25 * std::max(f.box.width, f.box.height);
      photo.faces.emplace_back(static_cast<int>(f.box.x - m), static_cast<int>(f.box.y - m),
                               static_cast<int>(f.box.width + 2 * m), static_cast<int>(f.box.height + 2 * m));
    }
    photos.push_back(std::move(photo));
  }
  return photos;
}

// Every item's fault and signals, for choosing flag rules on one injection
// seed and checking them on another (artifact "item_scores").
absl::Status WriteItemScores(const analysis::InjectedSet& set, const analysis::TrashReport& report,
                             const std::filesystem::path& artifacts, tracking::Run& run) {
  const std::filesystem::path dir = artifacts / "validate_trash_search" / absl::StrCat("run", run.id());
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  const std::string path = (dir / "item_scores.tsv").string();
  std::ofstream out(path);
  out << "item\tfault\tchange\twrong_identity_score\tflagged\tp_label\tmargin\town_cos\tother_cos\tknn\tlabel_rank\tcentre_rank\tcl_issue\t"
         "unusable_score\tface_found\n";
  for (size_t i = 0; i < set.items.size(); ++i) {
    const analysis::IdentityEvidence& ev = report.identity_evidence[i];
    out << i << "\t" << analysis::InjectedFaultName(set.fault[i]) << "\t" << set.change[i] << "\t"
        << report.wrong_identity_score[i] << "\t" << report.wrong_identity_flagged[i] << "\t" << ev.p_label << "\t"
        << ev.margin << "\t" << ev.own_cosine << "\t" << ev.nearest_other_cosine << "\t" << ev.knn_agreement << "\t"
        << ev.label_rank << "\t" << ev.own_centre_rank << "\t" << ev.confident_learning_issue << "\t" << report.unusable_score[i] << "\t" << report.face_found[i] << "\n";
  }
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("could not write ", path));
  return run.LogArtifact("item_scores", path);
}

absl::Status ValidateTrashSearch(experiment::Experiment& e) {
  FACEREC_ASSIGN_OR_RETURN(
      experiment::TrashSearchConfig config,
      experiment::TrashSearchConfigFromFlags([&](const std::string& value) -> absl::StatusOr<std::string> {
        return pipeline::ChooseModelPath([&] { return e.Store(); }, tracking::ModelKind::kDetector,
                                         "face_check_model", value);
      }));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<double> swap_rates,
                           experiment::ParseDoubleList("swap_rates", FLAGS_swap_rates));
  if (swap_rates.empty()) return experiment::FlagError("swap_rates", FLAGS_swap_rates, "must name at least one rate");
  analysis::FaultInjectionOptions faults;
  faults.exact_duplicate_rate = FLAGS_exact_duplicate_rate;
  faults.near_duplicate_rate = FLAGS_near_duplicate_rate;
  faults.junk_rate = FLAGS_junk_rate;
  faults.seed = static_cast<uint64_t>(FLAGS_injection_seed);
  for (const auto& [flag, rate] : {std::pair{"exact_duplicate_rate", faults.exact_duplicate_rate},
                                   std::pair{"near_duplicate_rate", faults.near_duplicate_rate},
                                   std::pair{"junk_rate", faults.junk_rate}}) {
    if (!(rate >= 0 && rate < 1)) return experiment::FlagError(flag, rate, "must be in [0, 1)");
  }
  for (double rate : swap_rates) {
    if (!(rate >= 0 && rate < 1)) return experiment::FlagError("swap_rates", rate, "each must be in [0, 1)");
  }
  FACEREC_ASSIGN_OR_RETURN(const torch::Device device, e.Device());
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  FACEREC_ASSIGN_OR_RETURN(const std::vector<analysis::TrashItem> clean,
                           analysis::LoadTrashSet(root, "celeba500", &config.search));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<analysis::BackgroundPhoto> backgrounds, Backgrounds(root));
  faults.frame = config.search.frame;

  for (double rate : swap_rates) {
    faults.swap_rate = rate;
    FACEREC_ASSIGN_OR_RETURN(const analysis::InjectedSet set, analysis::InjectFaults(clean, backgrounds, faults));
    tracking::RunOptions run_options;
    run_options.name = absl::StrFormat("swap_%.2f", rate);
    run_options.params = experiment::TrashSearchParams(config);
    for (const auto& [key, value] : experiment::FlagsDefinedIn("validate_trash_search", {"swap_rates"})) {
      run_options.params[key] = value;
    }
    run_options.params["swap_rate"] = absl::StrCat(rate);
    run_options.params["set"] = "celeba500";
    run_options.seed = config.recognition.seed;
    FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
    analysis::FoldTraining training = config.training;
    // The fold models depend on what they train and on what: not on the flag rules.
    std::map<std::string, std::string> checkpoint_key = experiment::RecognitionParams(config.recognition);
    checkpoint_key["folds"] = absl::StrCat(config.search.folds);
    for (const auto& [key, value] : experiment::FlagsDefinedIn("validate_trash_search", {"swap_rates"})) {
      checkpoint_key[key] = value;
    }
    checkpoint_key["swap_rate"] = absl::StrCat(rate);
    // Its runs record no data fingerprint.
    training.checkpoint_dir = e.CheckpointDir("validate_trash_search", checkpoint_key, "");
    LOG(INFO) << "validate_trash_search: " << set.items.size() << " images (" << set.originals
              << " originals), swap rate " << rate;
    FACEREC_ASSIGN_OR_RETURN(const analysis::TrashReport report,
                             analysis::SearchTrash(set.items, training, config.search, device));
    FACEREC_RETURN_IF_ERROR(run->LogMetric("trash/held_out_accuracy", 0, report.held_out_accuracy));
    FACEREC_RETURN_IF_ERROR(WriteItemScores(set, report, e.ArtifactsDir(), *run));
    std::printf("\nswap rate %.2f (run %lld): held-out accuracy %.3f\n", rate, static_cast<long long>(run->id()),
                report.held_out_accuracy);
    std::printf("  %-16s %8s %8s %8s %8s %8s %8s %8s\n", "kind", "injected", "flagged", "found", "prec@k", "recall",
                "precision", "auc");
    for (const analysis::FaultScore& s : analysis::ScoreInjection(set, report)) {
      const std::string k = absl::StrCat("injection/", analysis::InjectedFaultName(s.kind), "/");
      for (const auto& [name, value] : std::vector<std::pair<std::string, double>>{
               {"injected", static_cast<double>(s.injected)}, {"flagged", static_cast<double>(s.flagged)},
               {"found", static_cast<double>(s.found)}, {"precision_at_k", s.precision_at_k},
               {"recall", s.recall}, {"precision", s.precision}, {"roc_auc", s.roc_auc}}) {
        FACEREC_RETURN_IF_ERROR(run->LogMetric(k + name, 0, value));
      }
      if (s.kind == analysis::InjectedFault::kNearDuplicate) {
        FACEREC_RETURN_IF_ERROR(run->LogMetric("injection/own_duplicate_pairs", 0, s.own_duplicate_pairs));
      }
      std::printf("  %-16s %8lld %8lld %8lld %8.3f %8.3f %8.3f %8.3f\n", analysis::InjectedFaultName(s.kind),
                  static_cast<long long>(s.injected), static_cast<long long>(s.flagged),
                  static_cast<long long>(s.found), s.precision_at_k, s.recall, s.precision, s.roc_auc);
    }
    std::fflush(stdout);
    FACEREC_RETURN_IF_ERROR(run->Finish());
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kValidateTrashSearch,
       .usage = "Injects known faults into CelebA-500 and measures how the trash search finds them.\n"
                "Usage: validate_trash_search [--swap_rates=0.1,0.05,0.01] [--near_duplicate_rate=0.02]",
       .layer_flags = "",
       .default_layers = [] { return std::vector<std::string>{"base", "find_trash"}; },
       .main = facerec::ValidateTrashSearch});
}
