// Adversarial attacks on the recognisers in the store (experiment attack_recogniser;
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
//   tools/bazel run //experiments:attack_recogniser -- --dataset=folder:my_people
//
// --dataset=folder:DIR|list:FILE draws the pairs from that dataset's people
// instead (those with two usable photos or more, aligned by the chain to the
// same window); the thresholds stay each recogniser's celebA_ir ones.
//
// One run per attacked recogniser, recording its sha256. Series (step i is
// the i-th of --epsilons; attack/epsilon_255 holds the values):
//   attack/<method>/<goal>/success_far<far>   white-box success rate
//   attack/<method>/<goal>/psnr, .../ssim      medians over the pairs
//   transfer/<target run name>_<uid8>/<method>/<goal>/success_far<far>
// At ε = 0 the success rate is the pairs' clean error rate: the baseline.
//
// The localised attack (Sharif et al., CCS 2016: adversarial eyeglasses):
// PGD impersonation with the perturbation confined to an eyeglass frame over
// the eyes (attacks::EyeglassMask) at the large radii of --eyeglass_epsilons
// (255: any colour inside the frame), --eyeglass_steps iterations:
//   eyeglass/pgd/impersonation/success_far<far>, .../psnr, .../ssim
//   transfer/<target>/eyeglass_pgd/impersonation/success_far<far>
// indexed like eyeglass/epsilon_255. The eyes are kIdRateWindowTemplate's
// (chain/face_alignment.h): celebA_ir's crops are CelebA's own alignment,
// which puts the eyes at fixed places, so one frame fits every crop.
// --epsilons= (empty) runs the eyeglass attack alone, --eyeglass_epsilons=
// the grid alone.
//
// Each run also writes attack_examples.png (artifact "attack_examples"): for
// the first impersonation pairs, the reference, the probe, and per attack at
// its largest radius the perturbation (amplified to the full grey range) and
// the adversarial probe, with the pair's cosine before -> after under it.

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "facerec/attacks/attacks.h"
#include "facerec/chain/face_alignment.h"
#include "facerec/backbones/embedding_net.h"
#include "facerec/core/progress.h"
#include "facerec/core/statistics.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/face_batches.h"
#include "facerec/data/image.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/metrics/unit_rows.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/pipeline/recognition_datasets.h"
#include "facerec/experiment/dataset_config.h"
#include "facerec/pipeline/trained_models.h"
#include "facerec/tracking/run.h"
#include "facerec/tracking/experiment_names.h"
#include "facerec/tracking/model_registry.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

namespace {
const facerec::attacks::AttackOptions kAttack;
}  // namespace

DEFINE_string(attacked, "best",
              "Which recognisers to attack white-box: 'best' (the store's best by validation "
              "accuracy), 'all' (every compare_losses recogniser) or comma-separated run uids "
              "(8+ hex digits) or registry names NAME[@ALIAS|:VERSION] of recognisers whose run is in the "
              "store. Every other one is a transfer target.");
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
DEFINE_string(eyeglass_epsilons, "16,64,255",
              "L∞ radii (grey levels) of the eyeglass-frame impersonation; empty skips it.");
DEFINE_int32(eyeglass_steps, 20, "PGD iterations of the eyeglass attack (step 2.5 epsilon / steps).");
DEFINE_int32(example_pairs, 6, "Impersonation pairs drawn in attack_examples.png; 0 draws none.");

namespace facerec {
namespace {

struct LoadedRecogniser {
  pipeline::TrainedRecogniser record;
  backbones::EmbeddingNet net;
  std::map<double, double> threshold_at_far;
  std::string label;  // "<run name>_<uid8>"
};

attacks::DifferentiableEmbedding EmbedderOf(const backbones::EmbeddingNet& net) {
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

double Median(const torch::Tensor& v) {
  const torch::Tensor flat = v.to(torch::kFloat64).flatten().contiguous().cpu();
  return facerec::Median(std::vector<double>(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel()));
}

// `x` [N, 3, h, w] at the target net's input size.
torch::Tensor ResizedFor(const torch::Tensor& x, const backbones::BackboneOptions& o) {
  if (x.size(2) == o.input_height && x.size(3) == o.input_width) return x;
  return torch::nn::functional::interpolate(
      x, torch::nn::functional::InterpolateFuncOptions()
             .size(std::vector<int64_t>{o.input_height, o.input_width})
             .mode(torch::kBilinear)
             .align_corners(false));
}

// The outcome of one attack setting (method, goal, ε) over all its pairs.
struct SettingOutcome {
  // Per target (the source among them): successes per FAR.
  std::map<const LoadedRecogniser*, std::map<double, int64_t>> successes;
  double median_psnr = 0, median_ssim = 0;
  // The first batch, for the examples picture.
  attacks::AttackResult first;
  torch::Tensor first_probes, first_references;
};

// Everything one setting needs besides its options.
struct AttackContext {
  const LoadedRecogniser* source;
  const std::vector<LoadedRecogniser>* models;
  const data::FaceImages* queries;
  torch::Device device;
  ProgressMeter* progress;
  int64_t* batches_done;
};

absl::StatusOr<SettingOutcome> AttackSetting(const AttackContext& c,
                                             const std::vector<std::pair<int64_t, int64_t>>& pairs,
                                             const attacks::AttackOptions& options, const torch::Tensor& mask,
                                             const std::string& progress_note) {
  SettingOutcome out;
  const attacks::DifferentiableEmbedding source_embed = EmbedderOf(c.source->net);
  std::vector<torch::Tensor> psnr, ssim;
  for (size_t start = 0; start < pairs.size(); start += FLAGS_batch) {
    std::vector<int64_t> probe_index, reference_index;
    for (size_t p = start; p < std::min(pairs.size(), start + FLAGS_batch); ++p) {
      probe_index.push_back(pairs[p].first);
      reference_index.push_back(pairs[p].second);
    }
    const torch::Tensor probes = InputsOf(*c.queries, probe_index, c.source->net.options).to(c.device);
    const torch::Tensor references = InputsOf(*c.queries, reference_index, c.source->net.options).to(c.device);
    FACEREC_ASSIGN_OR_RETURN(const attacks::AttackResult r,
                             attacks::AttackPairs(source_embed, probes, references, options, mask));
    if (start == 0) {
      out.first = r;
      out.first_probes = probes;
      out.first_references = references;
    }
    const attacks::PerturbationSize size = attacks::MeasurePerturbation(probes, r.adversarial);
    psnr.push_back(size.psnr);
    ssim.push_back(size.ssim);
    for (const LoadedRecogniser& target : *c.models) {
      attacks::AttackResult scored = r;
      if (&target != c.source) {
        // Black-box: the adversarial image as the target net takes it.
        torch::NoGradGuard no_grad;
        const attacks::DifferentiableEmbedding embed = EmbedderOf(target.net);
        scored.similarity_after = (metrics::UnitRows(embed(ResizedFor(r.adversarial, target.net.options))) *
                                   metrics::UnitRows(embed(ResizedFor(references, target.net.options))))
                                      .sum(1);
      }
      for (const auto& [far, threshold] : target.threshold_at_far) {
        out.successes[&target][far] +=
            attacks::AttackSucceeded(scored, options.goal, threshold).sum().item<int64_t>();
      }
    }
    c.progress->Update(++*c.batches_done, progress_note);
  }
  out.median_psnr = Median(torch::cat(psnr));
  out.median_ssim = Median(torch::cat(ssim));
  return out;
}

// Records a setting as step `k` of "<white_prefix><key>/..." (white-box) and
// "transfer/<target>/<transfer_key>/..." and prints its line.
absl::Status LogSetting(tracking::Run& run, const AttackContext& c, const std::string& white_prefix,
                        const std::string& key, const std::string& transfer_key, int64_t k, double epsilon_255,
                        int64_t pairs, const SettingOutcome& outcome) {
  std::printf("  %-28s eps %5g/255:", (white_prefix + key).c_str(), epsilon_255);
  for (const LoadedRecogniser& target : *c.models) {
    for (const auto& [far, count] : outcome.successes.at(&target)) {
      const double rate = static_cast<double>(count) / pairs;
      const std::string series = &target == c.source
                                     ? absl::StrCat(white_prefix, key, "/success_far", far)
                                     : absl::StrCat("transfer/", target.label, "/", transfer_key, "/success_far", far);
      FACEREC_RETURN_IF_ERROR(run.LogMetric(series, k, rate));
      std::printf(" %s@%g %.3f", &target == c.source ? "white" : target.label.c_str(), far, rate);
    }
  }
  FACEREC_RETURN_IF_ERROR(run.LogMetric(absl::StrCat(white_prefix, key, "/psnr"), k, outcome.median_psnr));
  FACEREC_RETURN_IF_ERROR(run.LogMetric(absl::StrCat(white_prefix, key, "/ssim"), k, outcome.median_ssim));
  std::printf("  psnr %.1f ssim %.3f\n", outcome.median_psnr, outcome.median_ssim);
  std::fflush(stdout);
  return absl::OkStatus();
}

// [3, H, W] in [0, 1] -> BGR 8-bit, `scale` times larger (nearest: pixels stay visible).
cv::Mat ToBgr(const torch::Tensor& chw, int scale) {
  const torch::Tensor hwc =
      (chw.detach().cpu().clamp(0, 1) * 255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  cv::Mat rgb(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC3, hwc.data_ptr());
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  cv::resize(bgr, bgr, cv::Size(), scale, scale, cv::INTER_NEAREST);
  return bgr;
}

struct ExampleColumn {
  std::string title;  // "pgd 8/255"
  SettingOutcome outcome;
  double epsilon;  // [0, 1] units
};

// Rows: pairs; columns: reference, probe, then per attack its perturbation
// (δ / 2ε + 0.5: grey is no change, the ball's faces are black and white) and
// its adversarial probe captioned "cos before -> after".
absl::Status WriteExamples(const std::vector<ExampleColumn>& columns, int rows, const std::string& path) {
  if (columns.empty() || rows <= 0) return absl::OkStatus();
  const SettingOutcome& any = columns.front().outcome;
  rows = std::min<int>(rows, static_cast<int>(any.first_probes.size(0)));
  const int scale = 3, caption = 18, title = 32;
  const int h = static_cast<int>(any.first_probes.size(2)) * scale;
  const int w = static_cast<int>(any.first_probes.size(3)) * scale;
  const int cols = 2 + 2 * static_cast<int>(columns.size());
  cv::Mat sheet(title + rows * (h + caption), cols * w, CV_8UC3, cv::Scalar(255, 255, 255));
  const auto put = [&](const std::string& text, int x, int y) {
    cv::putText(sheet, text, cv::Point(x + 2, y), cv::FONT_HERSHEY_SIMPLEX, 0.38, cv::Scalar(0, 0, 0), 1,
                cv::LINE_AA);
  };
  put("reference", 0, 13);
  put("probe", w, 13);
  for (size_t c = 0; c < columns.size(); ++c) {
    put(columns[c].title, static_cast<int>(2 + 2 * c) * w, 13);
    put("perturbation", static_cast<int>(2 + 2 * c) * w, 27);
    put(columns[c].title, static_cast<int>(3 + 2 * c) * w, 13);
    put("adversarial", static_cast<int>(3 + 2 * c) * w, 27);
  }
  for (int r = 0; r < rows; ++r) {
    const int y = title + r * (h + caption);
    const auto place = [&](const torch::Tensor& chw, int col) {
      ToBgr(chw, scale).copyTo(sheet(cv::Rect(col * w, y, w, h)));
    };
    place(any.first_references[r], 0);
    place(any.first_probes[r], 1);
    for (size_t c = 0; c < columns.size(); ++c) {
      const SettingOutcome& o = columns[c].outcome;
      const double eps = std::max(columns[c].epsilon, 1e-12);
      place((o.first.adversarial[r] - o.first_probes[r]) / (2 * eps) + 0.5, static_cast<int>(2 + 2 * c));
      place(o.first.adversarial[r], static_cast<int>(3 + 2 * c));
      put(absl::StrFormat("cos %.2f -> %.2f", o.first.similarity_before[r].item<double>(),
                          o.first.similarity_after[r].item<double>()),
          static_cast<int>(3 + 2 * c) * w, y + h + 13);
    }
  }
  if (!cv::imwrite(path, sheet)) return absl::InternalError(absl::StrCat("could not write ", path));
  return absl::OkStatus();
}

absl::Status AttackRecognisers(experiment::Experiment& e) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<std::string> methods,
                           experiment::ParseNameList("methods", FLAGS_methods, attacks::KnownAttackMethods()));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<std::string> goals,
                           experiment::ParseNameList("goals", FLAGS_goals, {"dodging", "impersonation"}));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<double> epsilons,
                           experiment::ParseDoubleList("epsilons", FLAGS_epsilons));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<double> eyeglass_epsilons,
                           experiment::ParseDoubleList("eyeglass_epsilons", FLAGS_eyeglass_epsilons));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<double> fars, experiment::ParseDoubleList("fars", FLAGS_fars));
  if (epsilons.empty() && eyeglass_epsilons.empty()) {
    return experiment::FlagError("epsilons", FLAGS_epsilons,
                                 "--epsilons and --eyeglass_epsilons are both empty: nothing to attack");
  }
  for (double eps : epsilons) {
    if (!(eps >= 0 && eps <= 255)) return experiment::FlagError("epsilons", eps, "each must be in [0, 255]");
  }
  for (double eps : eyeglass_epsilons) {
    if (!(eps > 0 && eps <= 255)) {
      return experiment::FlagError("eyeglass_epsilons", eps, "each must be in (0, 255]");
    }
  }
  if (fars.empty()) return experiment::FlagError("fars", FLAGS_fars, "must name at least one rate");
  for (double far : fars) {
    if (!(far > 0 && far < 1)) return experiment::FlagError("fars", far, "each must be in (0, 1)");
  }
  FACEREC_RETURN_IF_ERROR(experiment::CheckFlagBounds({
      experiment::AtLeast("pairs", 1),
      experiment::AtLeast("batch", 1),
      experiment::AtLeast("eyeglass_steps", 1),
      experiment::AtLeast("example_pairs", 0),
  }));
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
  // Registry names (NAME[@ALIAS|:VERSION]) become the uid of the run that
  // trained the model: the attacks need that run's evaluations.
  std::vector<std::string> attacked_uids;
  if (FLAGS_attacked != "best" && FLAGS_attacked != "all") {
    tracking::ModelRegistry registry(*store);
    for (absl::string_view part : absl::StrSplit(FLAGS_attacked, ',', absl::SkipWhitespace())) {
      const std::string item(absl::StripAsciiWhitespace(part));
      if (tracking::IsRunUidPrefix(item)) {
        attacked_uids.push_back(item);
        continue;
      }
      absl::StatusOr<tracking::RegisteredModel> m = registry.Find(item);
      if (!m.ok()) {
        return experiment::FlagError("attacked", FLAGS_attacked,
                                     absl::StrCat("must be 'best', 'all', run uids (8+ hex digits) or registry "
                                                  "names: ", m.status().message()));
      }
      if (m->kind != tracking::ModelKind::kRecogniser || m->run_uid.empty()) {
        return experiment::FlagError("attacked", FLAGS_attacked,
                                     absl::StrCat("model ", m->Label(), " is not a recogniser trained by a run"));
      }
      attacked_uids.push_back(m->run_uid);
    }
  }
  FACEREC_ASSIGN_OR_RETURN(const torch::Device device, e.Device());
  FACEREC_ASSIGN_OR_RETURN(const std::vector<pipeline::TrainedRecogniser> records, pipeline::TrainedRecognisers(*store));
  FACEREC_ASSIGN_OR_RETURN(const pipeline::TrainedRecogniser best, pipeline::BestRecogniser(*store));
  // The runs whose recognisers are attacked white-box.
  std::set<int64_t> attacked;
  if (FLAGS_attacked == "best") {
    attacked.insert(best.run_id);
  } else if (FLAGS_attacked == "all") {
    for (const pipeline::TrainedRecogniser& r : records) attacked.insert(r.run_id);
  } else {
    for (const std::string& uid : attacked_uids) {
      absl::StatusOr<tracking::RunRecord> run = store->GetRunByUid(uid);
      if (!run.ok()) {
        return experiment::FlagError("attacked", FLAGS_attacked,
                                     absl::StrCat("must be 'best', 'all' or run uids: ", run.status().message()));
      }
      if (std::none_of(records.begin(), records.end(),
                       [&](const pipeline::TrainedRecogniser& r) { return r.run_id == run->id; })) {
        return experiment::FlagError("attacked", FLAGS_attacked,
                                     absl::StrCat("run ", run->uid.substr(0, 8),
                                                  " is no finished compare_losses run with a recogniser"));
      }
      attacked.insert(run->id);
    }
    if (attacked.empty()) return experiment::FlagError("attacked", FLAGS_attacked, "names no run");
  }
  std::vector<LoadedRecogniser> models;
  for (const pipeline::TrainedRecogniser& r : records) {
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
  // The faces the pairs are drawn from: celebA_ir's queries, or every person
  // of --dataset with two usable photos or more (crops through the chain).
  FACEREC_ASSIGN_OR_RETURN(const pipeline::DatasetOptions dataset, experiment::DatasetOptionsFromFlags(*store));
  pipeline::RecognitionData data;
  if (dataset.dataset.kind == pipeline::DatasetSpec::Kind::kCeleba500) {
    FACEREC_ASSIGN_OR_RETURN(data, pipeline::LoadRecognitionData(root, 2));
  } else {
    absl::StatusOr<pipeline::LoadedDataset> loaded = pipeline::LoadEvaluationDataset(dataset);
    if (!loaded.ok()) return experiment::AsFlagError("dataset", loaded.status());
    data = std::move(loaded->data);
  }
  const data::FaceImages& queries = data.queries;
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> pairs;
  pairs["dodging"] = attacks::SamplePairs(queries.labels(), FLAGS_pairs, /*same=*/true, FLAGS_seed);
  pairs["impersonation"] = attacks::SamplePairs(queries.labels(), FLAGS_pairs, /*same=*/false, FLAGS_seed);
  const auto& impostors = pairs["impersonation"];
  const int64_t batches_per_setting = (FLAGS_pairs + FLAGS_batch - 1) / FLAGS_batch;

  for (const LoadedRecogniser& source : models) {
    if (!attacked.count(source.record.run_id)) continue;
    tracking::RunOptions run_options;
    run_options.name = absl::StrCat("attack_", source.record.run_name);
    run_options.params = experiment::FlagsDefinedIn("attack_recogniser", {});
    run_options.params["embedding_model_sha256"] = source.record.sha256;
    run_options.params["embedding_run_uid"] = source.record.run_uid;
    if (dataset.dataset.kind != pipeline::DatasetSpec::Kind::kCeleba500) {
      run_options.params["dataset"] = dataset.dataset.Name();
      run_options.dataset_fingerprint = data.fingerprint;
    }
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
    for (size_t k = 0; k < eyeglass_epsilons.size(); ++k) {
      FACEREC_RETURN_IF_ERROR(run->LogMetric("eyeglass/epsilon_255", k, eyeglass_epsilons[k]));
    }
    const int64_t total_batches =
        batches_per_setting * static_cast<int64_t>(methods.size() * goals.size() * epsilons.size() +
                                                   eyeglass_epsilons.size());
    ProgressMeter progress(absl::StrCat("attack ", source.label), total_batches, "batch", 10);
    int64_t batches_done = 0;
    const AttackContext context{&source, &models, &queries, device, &progress, &batches_done};
    std::printf("\n%s (run %s): success rate at FAR %s, white-box and transferred\n", source.label.c_str(),
                source.record.run_uid.substr(0, 8).c_str(), FLAGS_fars.c_str());
    std::vector<ExampleColumn> examples;
    for (const std::string& method_name : methods) {
      for (const std::string& goal_name : goals) {
        for (size_t k = 0; k < epsilons.size(); ++k) {
          attacks::AttackOptions options = base;
          options.method = *attacks::AttackMethodByName(method_name);
          options.goal = *attacks::AttackGoalByName(goal_name);
          options.epsilon = epsilons[k] / 255;
          const std::string key = absl::StrCat(method_name, "/", goal_name);
          FACEREC_ASSIGN_OR_RETURN(
              SettingOutcome outcome,
              AttackSetting(context, pairs[goal_name], options, {},
                            absl::StrFormat("%s %s eps %g", method_name, goal_name, epsilons[k])));
          FACEREC_RETURN_IF_ERROR(
              LogSetting(*run, context, "attack/", key, key, k, epsilons[k], pairs[goal_name].size(), outcome));
          if (goal_name == "impersonation" && k + 1 == epsilons.size() && epsilons[k] > 0) {
            examples.push_back({absl::StrFormat("%s %g/255", method_name, epsilons[k]), std::move(outcome),
                                options.epsilon});
          }
        }
      }
    }
    if (!eyeglass_epsilons.empty()) {
      const auto& o = source.net.options;
      const double sx = static_cast<double>(o.input_width) / data::kIdRateWindow.width;
      const double sy = static_cast<double>(o.input_height) / data::kIdRateWindow.height;
      const data::Point2 left = chain::kIdRateWindowTemplate[0], right = chain::kIdRateWindowTemplate[1];
      FACEREC_ASSIGN_OR_RETURN(const torch::Tensor mask,
                               attacks::EyeglassMask(o.input_height, o.input_width, {left.x * sx, left.y * sy},
                                                     {right.x * sx, right.y * sy}));
      for (size_t k = 0; k < eyeglass_epsilons.size(); ++k) {
        attacks::AttackOptions options = base;
        options.method = attacks::AttackMethod::kPgd;
        options.goal = attacks::AttackGoal::kImpersonation;
        options.epsilon = eyeglass_epsilons[k] / 255;
        options.steps = FLAGS_eyeglass_steps;
        options.step_size = 0;
        FACEREC_ASSIGN_OR_RETURN(
            SettingOutcome outcome,
            AttackSetting(context, impostors, options, mask.to(device),
                          absl::StrFormat("eyeglass eps %g", eyeglass_epsilons[k])));
        FACEREC_RETURN_IF_ERROR(LogSetting(*run, context, "eyeglass/", "pgd/impersonation",
                                           "eyeglass_pgd/impersonation", k, eyeglass_epsilons[k],
                                           impostors.size(), outcome));
        if (k + 1 == eyeglass_epsilons.size()) {
          examples.push_back({absl::StrFormat("eyeglass %g/255", eyeglass_epsilons[k]), std::move(outcome),
                              options.epsilon});
        }
      }
    }
    progress.Finish();
    if (FLAGS_example_pairs > 0 && !examples.empty()) {
      const std::filesystem::path dir = e.ArtifactsDir() / "attacks" / source.record.run_uid.substr(0, 8);
      std::error_code error;
      std::filesystem::create_directories(dir, error);
      if (error) return absl::InternalError(absl::StrCat("could not create ", dir.string(), ": ", error.message()));
      const std::string path = (dir / absl::StrCat("attack_examples_run", run->id(), ".png")).string();
      FACEREC_RETURN_IF_ERROR(WriteExamples(examples, FLAGS_example_pairs, path));
      FACEREC_RETURN_IF_ERROR(run->LogArtifact("attack_examples", path));
      std::printf("examples: %s\n", path.c_str());
    }
    // Finished here, not at exit: each run's duration is its own attacks'.
    FACEREC_RETURN_IF_ERROR(run->Finish());
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kAttackRecogniser,
       .usage = "Attacks the store's recognisers with FGSM, PGD and MI-FGSM, white-box and transferred.\n"
                "Usage: attack_recogniser [--attacked=best|all] [--methods=fgsm,pgd,mi_fgsm] "
                "[--epsilons=0,0.5,1,2,4,8] [--eyeglass_epsilons=16,64,255] [--pairs=200]",
       .main = facerec::AttackRecognisers});
}
