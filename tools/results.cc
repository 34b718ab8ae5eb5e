// results: writes experiments/RESULTS.md from the store: the prose in
// --notes, then the loss comparison, the alignment comparison and the
// landmark table, each generated from recorded runs.
//
//   tools/bazel run //tools:results -- --preset=full --out=experiments/RESULTS.md
//   tools/bazel run //tools:results -- --comparison=quick-1795816...
#include <fstream>
#include <iostream>
#include <iterator>

#include "absl/strings/str_split.h"

#include "facerec/core/data_root.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run_export.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "tools/results_table.h"

DEFINE_string(db, "results.db", "Experiment store; relative to the workspace root.");
DEFINE_string(export_file, "",
              "Read the runs from this run export (tools:runs export; relative to the workspace "
              "root) instead of --db: a fresh clone regenerates RESULTS.md from "
              "experiments/results_runs.tsv.");
DEFINE_string(preset, "", "Use the newest comparison of this preset (quick, full; empty = any).");
DEFINE_string(comparison, "", "A comparison tag (overrides --preset).");
DEFINE_string(out, "", "Write here (relative to the workspace root) instead of standard output.");
DEFINE_string(notes, "experiments/results_notes.md",
              "Markdown written first (relative to the workspace root; empty = none): the "
              "prose around the generated tables, kept in git.");
DEFINE_string(sections,
              "losses,seeds,norm_quality,ensembles,alignment,landmarks,landmark_seeds,detection,detector_seeds,pipeline,attacks,defence,"
              "trash,retrain,own_data,clustering",
              "Comma-separated: losses (the --preset/--comparison table), alignment (the newest "
              "provided-vs-own-alignment comparison), landmarks (landmark net vs dlib), detection "
              "(the detectors side by side, our detector's training), pipeline (the "
              "photo-to-identity chain on LFW and celebA_ir, latency per stage), attacks (success vs "
              "epsilon per attack and goal, white-box and transferred), defence (adversarial training: "
              "clean vs robust), trash (the trash search against injected faults and on the real sets), "
              "retrain (the best loss retrained without the confirmed trash, before -> after), own_data (a folder "
              "dataset against the built-in reader, an own dataset's ID rate, calibrated thresholds), clustering "
              "(grouping faces into people), seeds "
              "(the newest compare_losses --seeds: mean ± std over seeds, bootstrap intervals, paired "
              "differences), norm_quality (whether the embedding norm predicts failures: error versus reject per loss "
              "of the comparison over seeds of the most losses that recorded it), ensembles (every evaluate_ensemble run: "
              "members, interval, paired difference from the reference, cost per face), landmark_seeds and detector_seeds (the newest train_landmarks / "
              "train_detector --seeds: the same over faces / photos, the evaluation variants as "
              "paired differences).");

int main(int argc, char** argv) {
  gflags::SetUsageMessage("Writes the compare_losses table from the experiment store.");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  auto store = FLAGS_export_file.empty()
                   ? facerec::tracking::ExperimentStore::Open(
                         facerec::ResolveAgainstWorkspace(FLAGS_db).string())
                   : facerec::tracking::OpenExportAsStore(
                         facerec::ResolveAgainstWorkspace(FLAGS_export_file).string());
  if (!store.ok()) {
    std::cerr << "results: " << (FLAGS_export_file.empty() ? "--db: " : "--export_file: ")
              << store.status().message() << "\n";
    return FLAGS_export_file.empty() ? 1 : 2;
  }
  for (absl::string_view section : absl::StrSplit(FLAGS_sections, ',', absl::SkipEmpty())) {
    if (section != "losses" && section != "alignment" && section != "landmarks" &&
        section != "detection" && section != "pipeline" && section != "attacks" &&
        section != "defence" && section != "trash" && section != "retrain" && section != "seeds" &&
        section != "landmark_seeds" && section != "detector_seeds" && section != "own_data" &&
        section != "clustering" && section != "norm_quality" && section != "ensembles") {
      std::cerr << "results: --sections=" << FLAGS_sections << ": unknown section '" << section
                << "'; allowed: losses, alignment, landmarks, landmark_seeds, detection, detector_seeds, "
                   "pipeline, attacks, defence, trash, retrain, seeds, norm_quality, ensembles, own_data, clustering\n";
      return 2;
    }
  }
  std::string markdown;
  if (!FLAGS_notes.empty()) {
    std::ifstream notes(facerec::ResolveAgainstWorkspace(FLAGS_notes));
    if (!notes) {
      std::cerr << "results: cannot read --notes=" << FLAGS_notes << "\n";
      return 1;
    }
    markdown.assign(std::istreambuf_iterator<char>(notes), std::istreambuf_iterator<char>());
    markdown += "\n";
  }
  for (absl::string_view section : absl::StrSplit(FLAGS_sections, ',', absl::SkipEmpty())) {
    absl::StatusOr<std::string> text;
    if (section == "losses") {
      absl::StatusOr<std::string> comparison = FLAGS_comparison;
      if (FLAGS_comparison.empty()) {
        comparison = facerec::tools::LatestComparison(**store, FLAGS_preset);
      }
      text = comparison.ok() ? facerec::tools::ComparisonMarkdown(**store, *comparison)
                             : comparison.status();
      if (text.ok()) *text = "## Loss comparison\n\n" + *text;
    } else if (section == "norm_quality") {
      text = facerec::tools::NormQualityMarkdown(**store);
      if (text.ok()) *text = "## Does the embedding's norm predict failures? (error versus reject)\n\n" + *text;
    } else if (section == "ensembles") {
      text = facerec::tools::EnsemblesMarkdown(**store);
      if (text.ok()) *text = "## Ensembles of trained recognisers\n\n" + *text;
    } else if (section == "alignment") {
      absl::StatusOr<std::string> comparison = facerec::tools::LatestAlignmentComparison(**store);
      text = comparison.ok() ? facerec::tools::ComparisonMarkdown(**store, *comparison)
                             : comparison.status();
      if (text.ok()) *text = "## Provided crops vs our own alignment\n\n" + *text;
    } else if (section == "landmarks") {
      text = facerec::tools::LandmarksMarkdown(**store);
      if (text.ok()) *text = "## Landmarks: our net vs dlib\n\n" + *text;
    } else if (section == "landmark_seeds") {
      text = facerec::tools::StageSeedsMarkdown(**store, facerec::tools::kLandmarkSeeds);
      if (text.ok()) *text = "## Landmark net over seeds, with intervals\n\n" + *text;
    } else if (section == "detector_seeds") {
      text = facerec::tools::StageSeedsMarkdown(**store, facerec::tools::kDetectorSeeds);
      if (text.ok()) *text = "## Our detector over seeds, with intervals\n\n" + *text;
    } else if (section == "detection") {
      text = facerec::tools::DetectionMarkdown(**store);
      if (text.ok()) *text = "## Face detection: ours vs Haar, dlib HOG and a pretrained SSD\n\n" + *text;
    } else if (section == "pipeline") {
      text = facerec::tools::PipelineMarkdown(**store);
      if (text.ok()) *text = "## The photo-to-identity chain\n\n" + *text;
    } else if (section == "attacks") {
      text = facerec::tools::AttacksMarkdown(**store);
      if (text.ok()) *text = "## Adversarial attacks on the recognisers\n\n" + *text;
    } else if (section == "defence") {
      text = facerec::tools::DefenceMarkdown(**store);
      if (text.ok()) *text = "## Adversarial training as a defence\n\n" + *text;
    } else if (section == "seeds") {
      text = facerec::tools::SeedsMarkdown(**store);
      if (text.ok()) *text = "## Losses over seeds, with intervals\n\n" + *text;
    } else if (section == "retrain") {
      text = facerec::tools::RetrainMarkdown(**store);
      if (text.ok()) *text = "## Retrained without the confirmed trash\n\n" + *text;
    } else if (section == "own_data") {
      text = facerec::tools::OwnDataMarkdown(**store);
      if (text.ok()) *text = "## Your own data\n\n" + *text;
    } else if (section == "clustering") {
      text = facerec::tools::ClusteringMarkdown(**store);
      if (text.ok()) *text = "## Grouping faces into people\n\n" + *text;
    } else if (section == "trash") {
      text = facerec::tools::TrashMarkdown(**store);
      if (text.ok()) *text = "## Trash-photo search\n\n" + *text;
    } else {
      std::cerr << "results: --sections=" << FLAGS_sections << ": unknown section '" << section
                << "'\n";
      return 2;
    }
    if (!text.ok()) {
      std::cerr << "results: " << text.status().message() << "\n";
      return 1;
    }
    markdown += *text + "\n";
  }
  if (FLAGS_out.empty()) {
    std::cout << markdown;
    return 0;
  }
  const std::string out = facerec::ResolveAgainstWorkspace(FLAGS_out).string();
  std::ofstream file(out);
  file << markdown;
  if (!file.good()) {
    std::cerr << "results: cannot write " << out << "\n";
    return 1;
  }
  std::cout << "wrote " << out << "\n";
  return 0;
}
