// Adversarial attacks on the recognisers in the store (experiment "attacks";
// facerec/attacks): FGSM, PGD and MI-FGSM, dodging (genuine celebA_ir query
// pairs pushed below the threshold) and impersonation (impostor pairs pushed
// above it), at each --epsilons (grey levels of 255), white-box on each
// attacked recogniser and transferred to every other one in the store
// (black-box: the images made on one model, scored by another with that
// model's own thresholds). Thresholds are each recogniser's recorded celebA_ir
// identification-rate thresholds at --fars. The attacks work on the image the
// net takes (the crop resized to its input, [0, 1] RGB), scored as the
// recogniser is evaluated (with its flip test when it has one).
//
//   tools/bazel run //experiments:attack_recogniser
//   tools/bazel run //experiments:attack_recogniser -- --attacked=all --pairs=100
//
// One run per attacked recogniser, recording its sha256. Series (step i is
// the i-th of --epsilons; attack/epsilon_255 holds the values):
//   attack/<method>/<goal>/success_far<far>   white-box success rate
//   attack/<method>/<goal>/psnr, .../ssim      medians over the pairs
//   transfer/<target run name>_<uid8>/<method>/<goal>/success_far<far>
// At ε = 0 the success rate is the pairs' clean error rate: the baseline.

#include <torch/torch.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "facerec/attacks/attacks.h"
#include "facerec/backbones/embedding_net.h"
#include "facerec/core/progress.h"
#include "facerec/core/status_macros.h"
#include "facerec/core/thread_governor.h"
#include "facerec/data/face_batches.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/pipeline/trained_models.h"
#include "facerec/tracking/run.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

namespace {
const facerec::attacks::AttackOptions kAttack;
}  // namespace

DEFINE_string(attacked, "best",
              "Which recognisers to attack white-box: 'best' (the store's best by validation "
              "accuracy) or 'all' (every compare_losses recogniser). Every other one is a "
              "transfer target.");
DEFINE_string(methods, "fgsm,pgd,mi_fgsm", "Comma-separated attacks (attacks/attacks.h).");
DEFINE_string(goals, "dodging,impersonation", "Comma-separated goals.");
DEFINE_string(epsilons, "0,0.5,1,2,4,8", "L∞ radii in grey levels of 255; 0 gives the clean baseline.");
DEFINE_int32(steps, kAttack.steps, "Iterations of PGD and MI-FGSM.");
DEFINE_double(step_size, kAttack.step_size * 255,
              "Step in grey levels of 255; 0 means 2.5 epsilon / steps.");
DEFINE_double(momentum, kAttack.momentum, "MI-FGSM's decay.");
DEFINE_string(fars, "0.01,0.001", "False-accept rates whose thresholds decide success.");
DEFINE_int32(pairs, 200, "Pairs attacked per goal (genuine for dodging, impostor for impersonation).");
DEFINE_int32(batch, 50, "Pairs per attack batch.");
DEFINE_int32(seed, 0, "Pair sampling and the random start.");

namespace facerec {
namespace {

struct LoadedRecogniser {
  pipeline::Recogniser record;
  backbones::EmbeddingNet net;
  std::map<double, double> threshold_at_far;
  std::string label;  // "<run name>_<uid8>"
};

attacks::Embedder EmbedderOf(const backbones::EmbeddingNet& net) {
  return [backbone = net.backbone, flip = net.flip_test](const torch::Tensor& x) {
    torch::Tensor e = backbone->forward(x);
    return flip ? e + backbone->forward(x.flip({3})) : e;
  };
}

// [N, 3, H, W] images of `images` at the net's input size (the evaluation transform).
torch::Tensor InputsOf(const data::FaceImages& images, const std::vector<int64_t>& indices,
                       const backbones::BackboneOptions& options) {
  data::AugmentOptions eval;
  eval.enabled = false;
  eval.output_height = options.input_height;
  eval.output_width = options.input_width;
  std::vector<cv::Mat> out;
  for (int64_t i : indices) out.push_back(data::Augment(images.image(i), eval, nullptr));
  return data::ImagesToBatch(out);
}

double Median(torch::Tensor v) {
  v = v.to(torch::kFloat64).flatten();
  return v.numel() ? std::get<0>(v.sort())[(v.numel() - 1) / 2].item<double>() : 0;
}

absl::Status AttackRecognisers(experiment::Experiment& e) {
  if (FLAGS_attacked != "best" && FLAGS_attacked != "all") {
    return experiment::FlagError("attacked", FLAGS_attacked, "must be 'best' or 'all'");
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<std::string> methods,
                           experiment::ParseNameList("methods", FLAGS_methods, attacks::KnownAttackMethods()));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<std::string> goals,
                           experiment::ParseNameList("goals", FLAGS_goals, {"dodging", "impersonation"}));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<double> epsilons,
                           experiment::ParseDoubleList("epsilons", FLAGS_epsilons));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<double> fars, experiment::ParseDoubleList("fars", FLAGS_fars));
  if (epsilons.empty()) return experiment::FlagError("epsilons", FLAGS_epsilons, "must name at least one radius");
  for (double eps : epsilons) {
    if (!(eps >= 0 && eps <= 255)) return experiment::FlagError("epsilons", eps, "each must be in [0, 255]");
  }
  for (double far : fars) {
    if (!(far > 0 && far < 1)) return experiment::FlagError("fars", far, "each must be in (0, 1)");
  }
  if (FLAGS_pairs < 1) return experiment::FlagError("pairs", FLAGS_pairs, "must be >= 1");
  if (FLAGS_batch < 1) return experiment::FlagError("batch", FLAGS_batch, "must be >= 1");
  attacks::AttackOptions base;
  base.steps = FLAGS_steps;
  base.step_size = FLAGS_step_size / 255;
  base.momentum = FLAGS_momentum;
  base.seed = static_cast<uint64_t>(FLAGS_seed);
  // The attack's own checks name its fields; say which flag set them.
  if (absl::Status s = attacks::ValidateAttackOptions(base); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--steps/--step_size/--momentum: ", s.message()));
  }

  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  FACEREC_ASSIGN_OR_RETURN(const torch::Device device, e.Device());
  FACEREC_ASSIGN_OR_RETURN(const std::vector<pipeline::Recogniser> records, pipeline::Recognisers(*store));
  FACEREC_ASSIGN_OR_RETURN(const pipeline::Recogniser best, pipeline::BestRecogniser(*store));
  std::vector<LoadedRecogniser> models;
  for (const pipeline::Recogniser& r : records) {
    LoadedRecogniser m{r};
    FACEREC_ASSIGN_OR_RETURN(m.net, backbones::LoadEmbeddingNet(r.model_path));
    m.net.backbone->to(device);
    m.net.backbone->eval();
    for (double far : fars) {
      FACEREC_ASSIGN_OR_RETURN(m.threshold_at_far[far],
                               pipeline::ThresholdAtFalseAcceptRate(*store, r.run_id, far));
    }
    m.label = absl::StrCat(r.run_name, "_", r.run_uid.substr(0, 8));
    models.push_back(std::move(m));
  }

  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  FACEREC_ASSIGN_OR_RETURN(const pipeline::RecognitionData data, pipeline::LoadRecognitionData(root, 2));
  const data::FaceImages& queries = data.queries;
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> pairs;
  pairs["dodging"] = attacks::SamplePairs(queries.labels(), FLAGS_pairs, /*same=*/true, FLAGS_seed);
  pairs["impersonation"] = attacks::SamplePairs(queries.labels(), FLAGS_pairs, /*same=*/false, FLAGS_seed);

  for (const LoadedRecogniser& source : models) {
    if (FLAGS_attacked == "best" && source.record.sha256 != best.sha256) continue;
    tracking::RunOptions run_options;
    run_options.name = absl::StrCat("attack_", source.record.run_name);
    run_options.params = experiment::FlagsDefinedIn("attack_recogniser", {});
    run_options.params["embedding_model_sha256"] = source.record.sha256;
    run_options.params["embedding_run_uid"] = source.record.run_uid;
    for (const LoadedRecogniser& target : models) {
      if (&target != &source) run_options.params["transfer_to/" + target.label] = target.record.sha256;
    }
    for (const auto& [far, threshold] : source.threshold_at_far) {
      run_options.params[absl::StrCat("threshold_far", far)] = absl::StrCat(threshold);
    }
    FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
    for (size_t k = 0; k < epsilons.size(); ++k) {
      FACEREC_RETURN_IF_ERROR(run->LogMetric("attack/epsilon_255", k, epsilons[k]));
    }
    const attacks::Embedder source_embed = EmbedderOf(source.net);
    const int64_t total_batches = static_cast<int64_t>(methods.size() * epsilons.size()) *
                                  ((FLAGS_pairs + FLAGS_batch - 1) / FLAGS_batch) * goals.size();
    ProgressMeter progress(absl::StrCat("attack ", source.label), total_batches, "batch", 10);
    int64_t batches_done = 0;
    // Beside another busy process every OpenMP region would wait for a descheduled thread.
    ThreadGovernor governor(torch::get_num_threads());
    std::printf("\n%s (run %s): success rate at FAR %s, white-box and transferred\n", source.label.c_str(),
                source.record.run_uid.substr(0, 8).c_str(), FLAGS_fars.c_str());
    for (const std::string& method_name : methods) {
      for (const std::string& goal_name : goals) {
        const auto& goal_pairs = pairs[goal_name];
        for (size_t k = 0; k < epsilons.size(); ++k) {
          attacks::AttackOptions options = base;
          options.method = *attacks::AttackMethodByName(method_name);
          options.goal = *attacks::AttackGoalByName(goal_name);
          options.epsilon = epsilons[k] / 255;
          // Per target (source first): success count per FAR.
          std::map<const LoadedRecogniser*, std::map<double, int64_t>> successes;
          std::vector<torch::Tensor> psnr, ssim;
          for (size_t start = 0; start < goal_pairs.size(); start += FLAGS_batch) {
            governor.Tick();
            std::vector<int64_t> probe_index, reference_index;
            for (size_t p = start; p < std::min(goal_pairs.size(), start + FLAGS_batch); ++p) {
              probe_index.push_back(goal_pairs[p].first);
              reference_index.push_back(goal_pairs[p].second);
            }
            const torch::Tensor probes = InputsOf(queries, probe_index, source.net.options).to(device);
            const torch::Tensor references = InputsOf(queries, reference_index, source.net.options).to(device);
            FACEREC_ASSIGN_OR_RETURN(const attacks::AttackResult r,
                                     attacks::AttackPairs(source_embed, probes, references, options));
            const attacks::PerturbationSize size = attacks::MeasurePerturbation(probes, r.adversarial);
            psnr.push_back(size.psnr);
            ssim.push_back(size.ssim);
            for (const LoadedRecogniser& target : models) {
              attacks::AttackResult scored = r;
              if (&target != &source) {
                const auto& o = target.net.options;
                // The adversarial image as the target net takes it (its input size may differ).
                const auto resize = [&](const torch::Tensor& x) {
                  if (x.size(2) == o.input_height && x.size(3) == o.input_width) return x;
                  return torch::nn::functional::interpolate(
                      x, torch::nn::functional::InterpolateFuncOptions()
                             .size(std::vector<int64_t>{o.input_height, o.input_width})
                             .mode(torch::kBilinear)
                             .align_corners(false));
                };
                torch::NoGradGuard no_grad;
                const attacks::Embedder embed = EmbedderOf(target.net);
                const auto unit = [](const torch::Tensor& e) {
                  return torch::nn::functional::normalize(e, torch::nn::functional::NormalizeFuncOptions().dim(1));
                };
                scored.similarity_after =
                    (unit(embed(resize(r.adversarial))) * unit(embed(resize(references)))).sum(1);
              }
              for (const auto& [far, threshold] : target.threshold_at_far) {
                successes[&target][far] +=
                    attacks::AttackSucceeded(scored, options.goal, threshold).sum().item<int64_t>();
              }
            }
            progress.Update(++batches_done, absl::StrFormat("%s %s eps %g", method_name, goal_name, epsilons[k]));
          }
          const std::string key = absl::StrCat(method_name, "/", goal_name);
          std::printf("  %-8s %-13s eps %4g/255:", method_name.c_str(), goal_name.c_str(), epsilons[k]);
          for (const LoadedRecogniser& target : models) {
            for (const auto& [far, count] : successes[&target]) {
              const double rate = static_cast<double>(count) / goal_pairs.size();
              const std::string series =
                  &target == &source ? absl::StrCat("attack/", key, "/success_far", far)
                                     : absl::StrCat("transfer/", target.label, "/", key, "/success_far", far);
              FACEREC_RETURN_IF_ERROR(run->LogMetric(series, k, rate));
              std::printf(" %s@%g %.3f", &target == &source ? "white" : target.label.c_str(), far, rate);
            }
          }
          const double median_psnr = Median(torch::cat(psnr)), median_ssim = Median(torch::cat(ssim));
          FACEREC_RETURN_IF_ERROR(run->LogMetric(absl::StrCat("attack/", key, "/psnr"), k, median_psnr));
          FACEREC_RETURN_IF_ERROR(run->LogMetric(absl::StrCat("attack/", key, "/ssim"), k, median_ssim));
          std::printf("  psnr %.1f ssim %.3f\n", median_psnr, median_ssim);
          std::fflush(stdout);
        }
      }
    }
    progress.Finish();
    FACEREC_RETURN_IF_ERROR(run->Flush());
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = "attacks",
       .usage = "Attacks the store's recognisers with FGSM, PGD and MI-FGSM, white-box and transferred.\n"
                "Usage: attack_recogniser [--attacked=best|all] [--methods=fgsm,pgd,mi_fgsm] "
                "[--epsilons=0,0.5,1,2,4,8] [--pairs=200]",
       .main = facerec::AttackRecognisers});
}
