// results: writes the loss-comparison table (Markdown) from the store.
//
//   tools/bazel run //tools:results -- --preset=full --out=experiments/RESULTS.md
//   tools/bazel run //tools:results -- --comparison=quick-1795816...
#include <fstream>
#include <iostream>

#include "facerec/core/data_root.h"
#include "facerec/tracking/experiment_store.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "tools/results_table.h"

DEFINE_string(db, "results.db", "Experiment store; relative to the workspace root.");
DEFINE_string(preset, "", "Use the newest comparison of this preset (quick, full; empty = any).");
DEFINE_string(comparison, "", "A comparison tag (overrides --preset).");
DEFINE_string(out, "", "Write here (relative to the workspace root) instead of standard output.");
DEFINE_string(title, "# Loss comparison\n\n", "Text written before the table.");

int main(int argc, char** argv) {
  gflags::SetUsageMessage("Writes the compare_losses table from the experiment store.");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  auto store = facerec::tracking::ExperimentStore::Open(
      facerec::ResolveAgainstWorkspace(FLAGS_db).string());
  if (!store.ok()) {
    std::cerr << "results: " << store.status() << "\n";
    return 1;
  }
  absl::StatusOr<std::string> comparison = FLAGS_comparison;
  if (FLAGS_comparison.empty()) comparison = facerec::tools::LatestComparison(**store, FLAGS_preset);
  if (!comparison.ok()) {
    std::cerr << "results: " << comparison.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<std::string> markdown = facerec::tools::ComparisonMarkdown(**store, *comparison);
  if (!markdown.ok()) {
    std::cerr << "results: " << markdown.status().message() << "\n";
    return 1;
  }
  if (FLAGS_out.empty()) {
    std::cout << FLAGS_title << *markdown;
    return 0;
  }
  const std::string out = facerec::ResolveAgainstWorkspace(FLAGS_out).string();
  std::ofstream file(out);
  file << FLAGS_title << *markdown;
  if (!file.good()) {
    std::cerr << "results: cannot write " << out << "\n";
    return 1;
  }
  std::cout << "wrote " << out << "\n";
  return 0;
}
