// evaluate_ensemble: trained recognisers used together, scored like one
// (experiment evaluate_ensemble): every metric of compare_losses' evaluation
// (celebA_ir identification rate, TPIR@FPIR, LFW), the identification rate's
// bootstrap interval over query identities, its paired difference against a
// reference (one recogniser, or the mean of several: today's best over its
// seeds), and what the ensemble costs to run beside one member, timed in the
// same process. One run per combination.
//
//   tools/bazel run //experiments:evaluate_ensemble --
//       --members=<sha256>,<sha256>,... --reference=<sha256>,<sha256>,<sha256>   (one command line)
//
// Members and references are recogniser files, registry references or the
// sha256s of recognisers compare_losses runs trained (pipeline/ensembles.h).
// The ensemble is what a distilled student (compare_losses --teachers) is
// taught by and measured against.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "facerec/backbones/embedding_net.h"
#include "facerec/backbones/ensemble_net.h"
#include "facerec/core/statistics.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/face_batches.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/metrics/id_rate_bootstrap.h"
#include "facerec/metrics/identification_rate.h"
#include "facerec/pipeline/ensembles.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/tracking/experiment_names.h"
#include "facerec/tracking/run.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

namespace {
const facerec::metrics::BootstrapOptions kBootstrap;
}  // namespace

DEFINE_string(members, "",
              "Comma-separated recognisers to combine: files, registry references or sha256s of recognisers in the "
              "store. Required.");
DEFINE_string(combinations, "concatenate,average",
              "Comma-separated: concatenate (the mean of the members' cosines) and/or average (only meaningful "
              "for members of one embedding space); one run each.");
DEFINE_string(reference, "",
              "Recognisers (as --members) the ensemble is compared with, pair by pair over query identities: "
              "one, or several (their mean: one recipe's seeds). Empty: no comparison.");
DEFINE_int32(timing_faces, 64, "Faces timed one at a time for the cost per face (ensemble and one member).");
DEFINE_int32(bootstrap_replicates, kBootstrap.replicates, "Bootstrap replicates of the intervals.");
DEFINE_double(bootstrap_confidence, kBootstrap.confidence, "Coverage of the intervals, in (0, 1).");

namespace facerec {
namespace {

// Median milliseconds to embed one face (both views when the net was
// evaluated with the flip), over the first `faces` of `images`, one at a time.
double MedianMsPerFace(backbones::BackboneImpl& net, const data::FaceImages& images,
                       const data::AugmentOptions& transform, int faces, c10::Device device) {
  torch::NoGradGuard no_grad;
  net.eval();
  std::vector<double> ms;
  for (size_t i = 0; i < images.size() && static_cast<int>(i) < faces; ++i) {
    const torch::Tensor x = data::Transform(images.image(i), transform, nullptr).unsqueeze(0).to(device);
    const auto start = std::chrono::steady_clock::now();
    torch::Tensor e = net.forward(x);
    if (transform.flip_test) e = e + net.forward(x.flip({3}));
    (void)e.sum().item<float>();  // Waits for the device.
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return Median(ms);
}

std::string FprKey(double fpr) { return absl::StrCat("tpr_at_fpr_", fpr); }

absl::Status EvaluateEnsemble(experiment::Experiment& e) {
  const std::vector<std::string> members = experiment::SplitFlagList(FLAGS_members);
  if (members.empty()) return experiment::FlagError("members", FLAGS_members, "name at least one recogniser");
  std::vector<backbones::EnsembleCombination> combinations;
  for (const std::string& name : experiment::SplitFlagList(FLAGS_combinations)) {
    absl::StatusOr<backbones::EnsembleCombination> c = backbones::ParseEnsembleCombination(name);
    if (!c.ok()) return experiment::FlagError("combinations", FLAGS_combinations, c.status().message());
    combinations.push_back(*c);
  }
  if (combinations.empty()) return experiment::FlagError("combinations", FLAGS_combinations, "name at least one");
  FACEREC_RETURN_IF_ERROR(experiment::CheckFlagBounds({
      experiment::AtLeast("timing_faces", 1),
      experiment::AtLeast("bootstrap_replicates", 1),
      experiment::Open("bootstrap_confidence", 0, 1),
  }));
  metrics::BootstrapOptions bootstrap;
  bootstrap.replicates = FLAGS_bootstrap_replicates;
  bootstrap.confidence = FLAGS_bootstrap_confidence;
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  const pipeline::StoreOpener open = pipeline::OpenedStore(*store);
  FACEREC_ASSIGN_OR_RETURN(const std::vector<pipeline::ChosenModel> chosen,
                           pipeline::ChooseRecognisers(open, "members", members));
  std::vector<pipeline::ChosenModel> references;
  if (!FLAGS_reference.empty()) {
    FACEREC_ASSIGN_OR_RETURN(
        references, pipeline::ChooseRecognisers(open, "reference", experiment::SplitFlagList(FLAGS_reference)));
  }
  // Members that cannot be combined fail before the data loads.
  for (backbones::EnsembleCombination combination : combinations) {
    FACEREC_RETURN_IF_ERROR(experiment::AsFlagError("members", pipeline::LoadEnsemble(chosen, combination).status()));
  }

  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  FACEREC_ASSIGN_OR_RETURN(const torch::Device device, e.Device());
  FACEREC_ASSIGN_OR_RETURN(const pipeline::RecognitionData data,
                           pipeline::LoadRecognitionData(root, torch::get_num_threads()));
  const std::vector<int> query_ids = data.queries.labels();

  // The references, scored once (not recorded: each is its own run already).
  std::vector<metrics::IdRatePairs> reference_pairs;
  std::vector<std::string> reference_shas;
  for (const pipeline::ChosenModel& r : references) {
    FACEREC_ASSIGN_OR_RETURN(backbones::EmbeddingNet net, backbones::LoadEmbeddingNet(r.path));
    const data::AugmentOptions transform =
        pipeline::EmbeddingTransform(net.options.input_height, net.options.input_width, net.flip_test);
    FACEREC_ASSIGN_OR_RETURN(const pipeline::RecognitionResult result,
                             pipeline::EvaluateRecognition(*net.backbone, data, transform, device, nullptr));
    reference_pairs.push_back(
        metrics::ScoreIdRatePairs(result.query_embeddings, query_ids, result.distractor_embeddings));
    reference_shas.push_back(r.sha256);
    LOG(INFO) << absl::StrFormat("reference %s: TPR@FPR 0.1 %.3f", r.sha256.substr(0, 12),
                                 result.id_rate.points[2].tpr);
  }
  std::vector<const metrics::IdRatePairs*> reference_ptrs;
  for (const metrics::IdRatePairs& p : reference_pairs) reference_ptrs.push_back(&p);

  for (backbones::EnsembleCombination combination : combinations) {
    FACEREC_ASSIGN_OR_RETURN(pipeline::LoadedEnsemble ensemble, pipeline::LoadEnsemble(chosen, combination));
    const data::AugmentOptions transform =
        pipeline::EmbeddingTransform(ensemble.input_height, ensemble.input_width, ensemble.flip_test);
    tracking::RunOptions options;
    options.name = absl::StrCat(backbones::EnsembleCombinationName(combination), "_of_", chosen.size());
    options.params = {{"members_sha256", absl::StrJoin(ensemble.sha256, ",")},
                      {"combination", backbones::EnsembleCombinationName(combination)},
                      {"members", absl::StrCat(chosen.size())},
                      {"eval_flip", ensemble.flip_test ? "true" : "false"},
                      {"threads", absl::StrCat(torch::get_num_threads())}};
    if (!reference_shas.empty()) options.params["reference_sha256"] = absl::StrJoin(reference_shas, ",");
    options.dataset_fingerprint = data.fingerprint;
    FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(options));
    FACEREC_ASSIGN_OR_RETURN(const pipeline::RecognitionResult result,
                             pipeline::EvaluateRecognition(*ensemble.net, data, transform, device, run));
    const metrics::IdRatePairs pairs =
        metrics::ScoreIdRatePairs(result.query_embeddings, query_ids, result.distractor_embeddings);
    FACEREC_ASSIGN_OR_RETURN(const std::vector<metrics::IdRateInterval> interval,
                             metrics::BootstrapIdRate(pairs, metrics::kCourseFprs, bootstrap));
    std::printf("\n%s of %zu recognisers (run %lld):\n%-10s %8s %18s", backbones::EnsembleCombinationName(combination),
                chosen.size(), static_cast<long long>(run->id()), "FPR", "TPR", "interval");
    std::vector<metrics::IdRateInterval> difference;
    if (!reference_ptrs.empty()) {
      FACEREC_ASSIGN_OR_RETURN(difference, metrics::PairedBootstrapIdRate({&pairs}, reference_ptrs,
                                                                          metrics::kCourseFprs, bootstrap));
      std::printf(" %28s", absl::StrCat("minus the reference (", reference_ptrs.size(), ")").c_str());
    }
    std::printf("\n");
    for (size_t i = 0; i < interval.size(); ++i) {
      const std::string key = FprKey(interval[i].target_fpr);
      FACEREC_RETURN_IF_ERROR(run->LogMetric("interval/" + key + "_low", 0, interval[i].low));
      FACEREC_RETURN_IF_ERROR(run->LogMetric("interval/" + key + "_high", 0, interval[i].high));
      std::printf("%-10g %8.3f    [%.3f, %.3f]", interval[i].target_fpr, interval[i].estimate, interval[i].low,
                  interval[i].high);
      if (!difference.empty()) {
        FACEREC_RETURN_IF_ERROR(run->LogMetric("versus_reference/" + key, 0, difference[i].estimate));
        FACEREC_RETURN_IF_ERROR(run->LogMetric("versus_reference/" + key + "_low", 0, difference[i].low));
        FACEREC_RETURN_IF_ERROR(run->LogMetric("versus_reference/" + key + "_high", 0, difference[i].high));
        std::printf("    %+.3f [%+.3f, %+.3f]", difference[i].estimate, difference[i].low, difference[i].high);
      }
      std::printf("\n");
    }
    // The cost, beside one member's in the same process (timings compare
    // only within one run on one machine).
    FACEREC_ASSIGN_OR_RETURN(backbones::EmbeddingNet member, backbones::LoadEmbeddingNet(chosen.front().path));
    const double ensemble_ms = MedianMsPerFace(*ensemble.net, data.queries, transform, FLAGS_timing_faces, device);
    const double member_ms = MedianMsPerFace(*member.backbone, data.queries, transform, FLAGS_timing_faces, device);
    int64_t member_parameters = 0;
    for (const torch::Tensor& p : member.backbone->parameters()) member_parameters += p.numel();
    for (const auto& [key, value] : std::vector<std::pair<std::string, double>>{
             {"inference/ms_per_face", ensemble_ms},
             {"inference/member_ms_per_face", member_ms},
             {"model/parameters", static_cast<double>(ensemble.parameters)},
             {"model/member_parameters", static_cast<double>(member_parameters)},
             {"model/embedding_size", static_cast<double>(ensemble.net->embedding_size())}}) {
      FACEREC_RETURN_IF_ERROR(run->LogMetric(key, 0, value));
    }
    std::printf("cost: %.2f ms per face (one member %.2f ms, %.1fx), %lld parameters, %d-d embeddings\n",
                ensemble_ms, member_ms, ensemble_ms / member_ms, static_cast<long long>(ensemble.parameters),
                ensemble.net->embedding_size());
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
      {.name = facerec::tracking::kEvaluateEnsemble,
       .usage = "Scores trained recognisers used together as one (concatenated or averaged unit embeddings) on "
                "celebA_ir and LFW, with intervals, the paired difference against --reference, and the cost.\n"
                "Usage: evaluate_ensemble --members=A,B,C [--reference=X,Y,Z] [--combinations=concatenate]",
       .main = facerec::EvaluateEnsemble});
}
