// data_report: validates every dataset under the data root and records the
// check as a run in the experiment store.
//
//   tools/bazel run //experiments:data_report [-- --data_root=DIR --db=results.db]
//
// Reads every annotation (a malformed line stops it with file:line), decodes
// every image on all cores, checks image sizes where the README fixes them,
// compares each count with the README's verified value, and prints a table.
// Exit status 0 and run FINISHED only when everything matches; otherwise the
// run is FAILED with a summary and the failures are printed.
#include <cstdio>
#include <map>
#include <string>

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/core/data_root.h"
#include "facerec/core/status_macros.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/core/progress.h"
#include "facerec/data/fingerprint.h"
#include "facerec/data/validation.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "facerec/tracking/experiment_names.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_int32(max_failures_shown, 20, "Decode failures printed per dataset.");

namespace facerec {
namespace {

// The counts ../shared/data/README.md states as verified.
const std::map<std::string, int64_t>& DocumentedCounts() {
  static const auto* counts = new std::map<std::string, int64_t>{
      {"celeba500/train/images", 12011},
      {"celeba500/train/identities", 500},
      {"celeba500/train/split_train", 8544},
      {"celeba500/train/split_val", 1878},
      {"celeba500/train/split_test", 1589},
      {"celeba500/id_rate/query_images", 1222},
      {"celeba500/id_rate/query_identities", 51},
      {"celeba500/id_rate/distractor_images", 2001},
      {"celeba500/id_rate/positive_pairs", 14721},
      {"celeba500/id_rate/query_false_pairs", 731310},
      {"celeba500/id_rate/distractor_false_pairs", 2445222},
      {"mtfl/train/faces", 10000},
      {"mtfl/test/faces", 2995},
      {"afw/photos", 185},
      {"afw/faces", 337},
      {"facemask/photos", 711},
      {"facemask/faces", 3441},
      {"celeba_wild/photos", 479},
      {"webfaces/photos", 2364},
      {"webfaces/faces", 3464},
      {"dlib_faces/train_photos", 4},
      {"dlib_faces/train_faces", 18},
      {"dlib_faces/test_photos", 5},
      {"dlib_faces/test_faces", 25},
      {"lfw_fold1/same_pairs", 300},
      {"lfw_fold1/different_pairs", 300},
      {"lfw_fold1/images", 807},
  };
  return *counts;
}

absl::Status DataReport(experiment::Experiment& e) {
  if (FLAGS_max_failures_shown < 0) {
    return experiment::FlagError("max_failures_shown", FLAGS_max_failures_shown, "must be >= 0");
  }
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  LOG(INFO) << "data root " << root.string();

  // Annotations and the fingerprint first, so the run record carries the
  // fingerprint; a malformed annotation still gets a FAILED run.
  absl::StatusOr<std::vector<data::DatasetInventory>> inventory = data::InventoryAll(root);
  std::vector<std::string> all_images, all_annotations;
  int64_t total_images = 0;
  absl::StatusOr<std::string> fingerprint = std::string();
  if (inventory.ok()) {
    for (const data::DatasetInventory& dataset : *inventory) {
      total_images += static_cast<int64_t>(dataset.images.size());
      all_images.insert(all_images.end(), dataset.images.begin(), dataset.images.end());
      all_annotations.insert(all_annotations.end(), dataset.annotation_files.begin(),
                             dataset.annotation_files.end());
    }
    fingerprint = data::DatasetFingerprint(root, all_images, all_annotations);
  }

  // The data is identified by its fingerprint, not by where this machine keeps it.
  tracking::RunOptions options;
  options.params = {{"threads", absl::StrCat(torch::get_num_threads())}};
  options.dataset_fingerprint = fingerprint.value_or("");
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(options));
  FACEREC_RETURN_IF_ERROR(inventory.status());
  FACEREC_RETURN_IF_ERROR(fingerprint.status());

  ProgressMeter meter("decode", total_images, "img");
  int64_t decoded_before = 0;
  int mismatches = 0;
  int64_t failures = 0;
  double decode_seconds = 0;
  std::printf("\n%-22s %-24s %12s %12s\n", "dataset", "count", "value", "README");
  for (const data::DatasetInventory& dataset : *inventory) {
    const data::ValidationReport report = data::DecodeAll(
        dataset.images, dataset.image_size, torch::get_num_threads(),
        [&](const data::DecodeProgress& p) { meter.Update(decoded_before + p.done); });
    decoded_before += static_cast<int64_t>(dataset.images.size());
    meter.Update(decoded_before);
    decode_seconds += report.seconds;
    failures += static_cast<int64_t>(report.failures.size());

    auto counts = dataset.counts;
    counts.push_back({"decoded", report.decoded});
    counts.push_back({"decode_failures", static_cast<int64_t>(report.failures.size())});
    for (const auto& [name, value] : counts) {
      const std::string key = absl::StrCat(dataset.name, "/", name);
      const auto documented = DocumentedCounts().find(key);
      std::string expected = "";
      if (documented != DocumentedCounts().end()) {
        const bool match = documented->second == value;
        mismatches += match ? 0 : 1;
        expected = match ? "ok" : absl::StrCat("MISMATCH ", documented->second);
      }
      std::printf("%-22s %-24s %12s %12s\n", dataset.name.c_str(), name.c_str(),
                  absl::StrFormat("%d", value).c_str(), expected.c_str());
      FACEREC_RETURN_IF_ERROR(run->LogMetric(key, 0, static_cast<double>(value)));
    }
    int shown = 0;
    for (const data::DecodeFailure& failure : report.failures) {
      if (shown++ == FLAGS_max_failures_shown) {
        std::printf("  ... and %zu more\n", report.failures.size() - FLAGS_max_failures_shown);
        break;
      }
      std::printf("  DECODE FAILURE %s\n", failure.reason.c_str());
    }
  }
  meter.Finish();
  const double rate = decode_seconds > 0 ? total_images / decode_seconds : 0;
  std::printf("\n%lld images decoded in %.1f s (%.0f img/s on %d threads); %lld failures\n",
              static_cast<long long>(total_images), decode_seconds, rate,
              torch::get_num_threads(), static_cast<long long>(failures));
  std::printf("dataset fingerprint %s\n", fingerprint->c_str());
  FACEREC_RETURN_IF_ERROR(run->LogMetric("decode/images_per_second", 0, rate));
  if (failures > 0 || mismatches > 0) {
    return absl::DataLossError(absl::StrCat(failures, " decode failure(s), ", mismatches,
                                            " count(s) differ from the README"));
  }
  std::printf("all datasets valid\n");
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kDataReport,
       .usage = "Validates every dataset under the data root and records a run.\n"
                "Usage: data_report [--data_root=DIR] [--db=results.db]",
       .main = facerec::DataReport});
}
