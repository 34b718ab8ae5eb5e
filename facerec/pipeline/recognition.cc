#include "facerec/pipeline/recognition.h"

#include <chrono>
#include <map>
#include <utility>
#include <vector>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "facerec/core/progress.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/celeba.h"
#include "facerec/data/fingerprint.h"
#include "facerec/data/image.h"
#include "facerec/data/lfw.h"
#include "facerec/data/text_file.h"
#include "facerec/metrics/classification.h"
#include "facerec/metrics/unit_rows.h"
#include "glog/logging.h"

namespace facerec::pipeline {
namespace {

// `path` relative to `root`, as exclusion lists name images.
std::string RootRelative(const std::string& path, const std::filesystem::path& root) {
  return std::filesystem::path(path).lexically_relative(root).generic_string();
}

absl::StatusOr<data::FaceImages> LoadSplit(const data::Celeba500& celeba, data::Split split,
                                           int threads, const std::filesystem::path& root,
                                           const std::set<std::string>& excluded,
                                           std::vector<std::string>* all_paths) {
  std::vector<std::string> paths;
  std::vector<int> labels;
  for (size_t i : celeba.Indices(split)) {
    if (!excluded.empty() && excluded.count(RootRelative(celeba.images[i].path, root))) continue;
    paths.push_back(celeba.images[i].path);
    labels.push_back(celeba.images[i].identity);
  }
  all_paths->insert(all_paths->end(), paths.begin(), paths.end());
  return data::FaceImages::Load(paths, labels, data::kIdRateWindow, threads);
}

}  // namespace

absl::StatusOr<std::set<std::string>> ReadExclusionList(const std::string& path) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<data::Line> lines, data::ReadLines(path));
  std::set<std::string> files;
  for (const data::Line& line : lines) {
    const std::string file(absl::StripAsciiWhitespace(line.text.substr(0, line.text.find('#'))));
    if (file.empty()) continue;  // A comment line.
    if (file.find_first_of(" \t,") != std::string::npos) {
      return data::LineError(path, line.number, "expected one file per line (then '# reason')", line.text);
    }
    if (std::filesystem::path(file).is_absolute()) {
      return data::LineError(path, line.number, "the file must be relative to the data root", line.text);
    }
    files.insert(std::filesystem::path(file).lexically_normal().generic_string());
  }
  return files;
}

absl::Status LoadCelebaIr(const std::filesystem::path& root, int threads, RecognitionData* d,
                          std::vector<std::string>* files, std::vector<std::string>* annotations) {
  FACEREC_ASSIGN_OR_RETURN(const data::IdRateSet ir, data::LoadIdRateSet(root));
  // Queries sorted by file name within each identity: TpirAtFpir takes the
  // first half of each identity as its gallery.
  std::vector<data::LabeledImage> queries = ir.queries;
  std::stable_sort(queries.begin(), queries.end(),
                   [](const data::LabeledImage& a, const data::LabeledImage& b) {
                     return a.file < b.file;
                   });
  std::vector<std::string> query_paths;
  std::vector<int> query_ids;
  for (const auto& q : queries) {
    query_paths.push_back(q.path);
    query_ids.push_back(q.identity);
  }
  FACEREC_ASSIGN_OR_RETURN(d->queries,
                           data::FaceImages::Load(query_paths, query_ids, std::nullopt, threads));
  FACEREC_ASSIGN_OR_RETURN(
      d->distractors,
      data::FaceImages::Load(ir.distractors, std::vector<int>(ir.distractors.size(), -1),
                             std::nullopt, threads));
  files->insert(files->end(), query_paths.begin(), query_paths.end());
  files->insert(files->end(), ir.distractors.begin(), ir.distractors.end());
  annotations->insert(annotations->end(), ir.annotation_files.begin(), ir.annotation_files.end());

  d->eval_name = "celeba_ir";
  return absl::OkStatus();
}

absl::Status LoadLfwFold1(const std::filesystem::path& root, int threads, RecognitionData* d,
                          std::vector<std::string>* files, std::vector<std::string>* annotations) {
  FACEREC_ASSIGN_OR_RETURN(const data::LfwPairs lfw, data::LoadLfwPairs(root / "lfw_fold1"));
  std::map<std::string, int> index;
  std::vector<std::string> lfw_paths;
  auto index_of = [&](const std::string& path) {
    auto [it, inserted] = index.emplace(path, static_cast<int>(lfw_paths.size()));
    if (inserted) lfw_paths.push_back(path);
    return it->second;
  };
  for (const data::LfwPair& pair : lfw.pairs) {
    d->lfw_pairs.emplace_back(index_of(pair.first), index_of(pair.second));
    d->lfw_same.push_back(pair.same);
    d->lfw_folds.push_back(pair.fold);
  }
  FACEREC_ASSIGN_OR_RETURN(d->lfw, data::FaceImages::Load(lfw_paths,
                                                         std::vector<int>(lfw_paths.size(), 0),
                                                         kLfwWindow, threads));
  files->insert(files->end(), lfw_paths.begin(), lfw_paths.end());
  d->lfw_paths = lfw_paths;
  annotations->push_back(lfw.pairs_file);
  return absl::OkStatus();
}

absl::StatusOr<RecognitionData> LoadRecognitionData(const std::filesystem::path& root,
                                                    int threads,
                                                    const std::set<std::string>& excluded) {
  const auto start = std::chrono::steady_clock::now();
  RecognitionData d;
  std::vector<std::string> paths, annotations;
  FACEREC_ASSIGN_OR_RETURN(const data::Celeba500 celeba, data::LoadCeleba500(root));
  d.num_classes = celeba.num_identities;
  annotations = celeba.annotation_files;
  if (!excluded.empty()) {
    std::set<std::string> known;
    for (const auto& image : celeba.images) known.insert(RootRelative(image.path, root));
    for (const std::string& file : excluded) {
      if (!known.count(file)) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot exclude ", file, ": no CelebA-500 image of that name under ", root.string()));
      }
    }
  }
  FACEREC_ASSIGN_OR_RETURN(d.train, LoadSplit(celeba, data::Split::kTrain, threads, root, excluded, &paths));
  FACEREC_ASSIGN_OR_RETURN(d.val, LoadSplit(celeba, data::Split::kVal, threads, root, excluded, &paths));
  FACEREC_ASSIGN_OR_RETURN(d.test, LoadSplit(celeba, data::Split::kTest, threads, root, excluded, &paths));

  FACEREC_RETURN_IF_ERROR(LoadCelebaIr(root, threads, &d, &paths, &annotations));
  FACEREC_RETURN_IF_ERROR(LoadLfwFold1(root, threads, &d, &paths, &annotations));
  FACEREC_ASSIGN_OR_RETURN(d.fingerprint, data::DatasetFingerprint(root, paths, annotations));
  LOG(INFO) << "loaded " << paths.size() << " images in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
            << " s (train " << d.train.size() << ", val " << d.val.size() << ", test "
            << d.test.size() << ", queries " << d.queries.size() << ", distractors "
            << d.distractors.size() << ", lfw " << d.lfw.size() << ")";
  return d;
}

namespace {

// Every image's embedding as it is and, when `mirror`, its mirror image's
// (undefined otherwise), batch by batch on `device`, returned on the CPU.
ViewEmbeddings EmbedViews(backbones::BackboneImpl& backbone, const data::FaceImages& images,
                          const data::AugmentOptions& transform, int batch_size, torch::Device device, bool mirror) {
  torch::NoGradGuard no_grad;
  backbone.eval();
  data::AugmentOptions eval = transform;
  eval.enabled = false;
  std::vector<torch::Tensor> plain, mirrored;
  // The final evaluation embeds ~30k images (minutes on one thread): say so.
  ProgressMeter meter("embed", static_cast<int64_t>(images.size()), "img", 10);
  for (size_t start = 0; start < images.size(); start += batch_size) {
    std::vector<cv::Mat> batch;
    for (size_t i = start; i < std::min(images.size(), start + batch_size); ++i) {
      batch.push_back(data::Augment(images.image(i), eval, nullptr));
    }
    const torch::Tensor input = data::ImagesToBatch(batch).to(device);
    plain.push_back(backbone.forward(input).cpu());
    if (mirror) mirrored.push_back(backbone.forward(input.flip({3})).cpu());
    meter.Update(static_cast<int64_t>(std::min(images.size(), start + batch_size)));
  }
  if (meter.ElapsedSeconds() > 10) meter.Finish();
  ViewEmbeddings views;
  views.plain = torch::cat(plain);
  if (mirror) views.mirrored = torch::cat(mirrored);
  return views;
}

}  // namespace

torch::Tensor Embed(backbones::BackboneImpl& backbone, const data::FaceImages& images,
                    const data::AugmentOptions& transform, int batch_size, torch::Device device) {
  const ViewEmbeddings views = EmbedViews(backbone, images, transform, batch_size, device, transform.flip_test);
  return transform.flip_test ? views.plain + views.mirrored : views.plain;
}

ViewEmbeddings EmbedBothViews(backbones::BackboneImpl& backbone, const data::FaceImages& images,
                              const data::AugmentOptions& transform, int batch_size, torch::Device device) {
  return EmbedViews(backbone, images, transform, batch_size, device, /*mirror=*/true);
}

namespace {

torch::Tensor LabelTensor(const data::FaceImages& images) {
  return torch::tensor(std::vector<int64_t>(images.labels().begin(), images.labels().end()));
}

// The metrics that need only embeddings: 1-NN and the identification rate.
ValidationResult ValidateEmbeddings(const torch::Tensor& embeddings, const data::FaceImages& images,
                                    const torch::Tensor& labels) {
  const std::vector<int>& ids = images.labels();
  ValidationResult result;
  const torch::Tensor x = metrics::UnitRows(embeddings);
  torch::Tensor similarity = torch::mm(x, x.t());
  similarity.fill_diagonal_(-2.0);  // Not yourself.
  const torch::Tensor nearest = similarity.argmax(1);
  result.nearest_neighbour_accuracy =
      labels.index({nearest}).eq(labels).to(torch::kFloat64).mean().item<double>();
  result.id_rate = metrics::IdentificationRate(embeddings, ids, embeddings.new_empty({0, embeddings.size(1)}),
                                               kValidationFprs, /*roc_points=*/0)
                       .points;
  return result;
}

}  // namespace

ValidationResult Validate(backbones::BackboneImpl& backbone, losses::LossImpl& loss,
                          const data::FaceImages& images, const data::AugmentOptions& transform,
                          torch::Device device) {
  torch::NoGradGuard no_grad;
  loss.eval();
  const torch::Tensor embeddings = Embed(backbone, images, transform, 256, device);
  const torch::Tensor labels = LabelTensor(images);
  ValidationResult result = ValidateEmbeddings(embeddings, images, labels);
  const torch::Tensor logits = loss.Logits(embeddings.to(device));
  if (logits.defined()) result.head_accuracy = metrics::Accuracy(logits.cpu(), labels);
  return result;
}

ValidationResult ValidateUnseenIdentities(backbones::BackboneImpl& backbone,
                                          const data::FaceImages& images,
                                          const data::AugmentOptions& transform, torch::Device device) {
  torch::NoGradGuard no_grad;
  return ValidateEmbeddings(Embed(backbone, images, transform, 256, device), images, LabelTensor(images));
}

// The FMR of the error-versus-reject curve: strict enough that errors are
// common at this scale (FNMR well above 0), loose enough that ~1 % of the
// query pairs' impostors fix the threshold stably.
constexpr double kRejectCurveFmr = 0.01;

absl::StatusOr<RecognitionResult> EvaluateRecognition(backbones::BackboneImpl& backbone,
                                                      losses::LossImpl& loss,
                                                      const RecognitionData& d,
                                                      const data::AugmentOptions& transform,
                                                      torch::Device device, tracking::Run* run) {
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  loss.eval();
  constexpr int kBatch = 256;
  RecognitionResult r;
  auto labels_of = [](const data::FaceImages& images) {
    return torch::tensor(std::vector<int64_t>(images.labels().begin(), images.labels().end()));
  };
  const torch::Tensor train = Embed(backbone, d.train, transform, kBatch, device);
  const torch::Tensor val = Embed(backbone, d.val, transform, kBatch, device);
  const torch::Tensor test = Embed(backbone, d.test, transform, kBatch, device);
  const torch::Tensor queries = Embed(backbone, d.queries, transform, kBatch, device);
  const torch::Tensor distractors = Embed(backbone, d.distractors, transform, kBatch, device);
  const torch::Tensor lfw =
      d.lfw.size() > 0 ? Embed(backbone, d.lfw, transform, kBatch, device) : torch::Tensor();

  r.query_embeddings = queries.cpu();
  r.distractor_embeddings = distractors.cpu();
  r.id_rate = metrics::IdentificationRate(queries, d.queries.labels(), distractors,
                                          metrics::kCourseFprs);
  r.open_set = metrics::TpirAtFpir(queries, d.queries.labels(), distractors,
                                   metrics::kOpenSetFpirs);
  {
    const torch::Tensor norms = queries.to(torch::kCPU, torch::kFloat).norm(2, 1).contiguous();
    const std::vector<float> quality(norms.data_ptr<float>(), norms.data_ptr<float>() + norms.numel());
    r.norm_error_versus_reject = metrics::ErrorVersusRejectCurve(queries, d.queries.labels(), quality,
                                                                 kRejectCurveFmr, metrics::DefaultRejectFractions());
  }
  const torch::Tensor centroids = metrics::ClassCentroids(train, labels_of(d.train), d.num_classes);
  r.val_centroid_accuracy = metrics::NearestCentroidAccuracy(centroids, val, labels_of(d.val));
  r.test_centroid_accuracy = metrics::NearestCentroidAccuracy(centroids, test, labels_of(d.test));
  const torch::Tensor val_logits = loss.Logits(val.to(device));
  if (val_logits.defined()) {
    r.val_accuracy = metrics::Accuracy(val_logits.cpu(), labels_of(d.val));
    r.test_accuracy = metrics::Accuracy(loss.Logits(test.to(device)).cpu(), labels_of(d.test));
  }
  if (!d.lfw_pairs.empty()) {
    const torch::Tensor lfw_n = metrics::UnitRows(lfw);
    std::vector<double> scores;
    for (const auto& [a, b] : d.lfw_pairs) scores.push_back(lfw_n[a].dot(lfw_n[b]).item<double>());
    r.lfw = metrics::VerificationAccuracy(scores, d.lfw_same, d.lfw_folds);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (run != nullptr) {
    for (const metrics::RocPoint& p : r.id_rate.points) {
      FACEREC_RETURN_IF_ERROR(run->LogEvaluation({d.eval_name, "id_rate", p.target_fpr, p.tpr,
                                                  p.threshold, r.id_rate.positive_pairs,
                                                  r.id_rate.false_pairs}));
    }
    for (const metrics::RocPoint& p : r.id_rate.roc) {
      FACEREC_RETURN_IF_ERROR(run->LogEvaluation({d.eval_name, "id_rate_roc", p.target_fpr, p.tpr,
                                                  p.threshold, r.id_rate.positive_pairs,
                                                  r.id_rate.false_pairs}));
    }
    for (const metrics::RejectPoint& p : r.norm_error_versus_reject.points) {
      FACEREC_RETURN_IF_ERROR(run->LogEvaluation({d.eval_name, "fnmr_vs_reject_by_norm", p.reject_fraction, p.fnmr,
                                                  r.norm_error_versus_reject.threshold, p.genuine_kept,
                                                  r.norm_error_versus_reject.impostor_pairs}));
    }
    for (const metrics::RocPoint& p : r.open_set.points) {
      FACEREC_RETURN_IF_ERROR(run->LogEvaluation({d.eval_name, "tpir_fpir", p.target_fpr, p.tpr,
                                                  p.threshold, r.open_set.mated_probes,
                                                  r.open_set.non_mated_probes}));
    }
    std::vector<std::pair<std::string, double>> values = {
        {"eval/val_centroid_accuracy", r.val_centroid_accuracy},
        {"eval/test_centroid_accuracy", r.test_centroid_accuracy},
        {"eval/open_set_rank1", r.open_set.rank1_accuracy},
        {"eval/seconds", r.seconds}};
    if (!d.lfw_pairs.empty()) {
      values.push_back({"eval/lfw_accuracy", r.lfw.mean_accuracy});
      values.push_back({"eval/lfw_accuracy_std", r.lfw.std_accuracy});
    }
    if (r.val_accuracy) values.push_back({"eval/val_accuracy", *r.val_accuracy});
    if (r.test_accuracy) values.push_back({"eval/test_accuracy", *r.test_accuracy});
    for (const auto& [key, value] : values) {
      FACEREC_RETURN_IF_ERROR(run->LogMetric(key, 0, value));
    }
    if (!d.lfw_pairs.empty()) FACEREC_RETURN_IF_ERROR(run->SetTag("lfw_protocol", r.lfw.protocol));
  }
  return r;
}

absl::StatusOr<RecognitionData> WithHeldOutIdentities(const RecognitionData& data, int count) {
  if (count == 0) return data;
  if (count < 0 || count > data.num_classes - 2) {
    return absl::InvalidArgumentError(absl::StrCat("cannot hold out ", count, " of ", data.num_classes,
                                                   " identities: need 0 to ", data.num_classes - 2,
                                                   " (at least 2 left to train on)"));
  }
  const int stride = data.num_classes / count;
  std::vector<int> new_label(data.num_classes);  // -1: held out.
  int next = 0;
  for (int label = 0; label < data.num_classes; ++label) {
    const bool held = label % stride == 0 && label / stride < count;
    new_label[label] = held ? -1 : next++;
  }
  RecognitionData split = data;
  std::vector<cv::Mat> unseen_images;
  std::vector<int> unseen_labels;
  auto keep_seen = [&](const data::FaceImages& images) {
    std::vector<cv::Mat> kept;
    std::vector<int> labels;
    for (size_t i = 0; i < images.size(); ++i) {
      const int label = images.label(i);
      CHECK(label >= 0 && label < data.num_classes) << "label " << label << " of " << data.num_classes;
      if (new_label[label] < 0) {
        unseen_images.push_back(images.image(i));
        unseen_labels.push_back(label);
      } else {
        kept.push_back(images.image(i));
        labels.push_back(new_label[label]);
      }
    }
    return data::FaceImages::FromImages(std::move(kept), std::move(labels));
  };
  split.train = keep_seen(data.train);
  split.val = keep_seen(data.val);
  split.test = keep_seen(data.test);
  split.unseen = data::FaceImages::FromImages(std::move(unseen_images), std::move(unseen_labels));
  split.num_classes = data.num_classes - count;
  return split;
}

RecognitionData WithValInTraining(const RecognitionData& data) {
  RecognitionData moved = data;
  moved.train.Append(data.val);
  moved.val = data.test;
  return moved;
}

namespace {

// A recogniser without a classification head (an ensemble, a loaded net):
// no logits, so no head accuracy; never trained.
class NoHead : public losses::LossImpl {
 public:
  losses::LossOutput forward(const torch::Tensor&, const torch::Tensor&) override {
    LOG(FATAL) << "NoHead is for evaluation only";
    return {};
  }
};

}  // namespace

absl::StatusOr<RecognitionResult> EvaluateRecognition(backbones::BackboneImpl& backbone, const RecognitionData& data,
                                                      const data::AugmentOptions& transform, c10::Device device,
                                                      tracking::Run* run) {
  NoHead no_head;
  return EvaluateRecognition(backbone, no_head, data, transform, device, run);
}

}  // namespace facerec::pipeline
