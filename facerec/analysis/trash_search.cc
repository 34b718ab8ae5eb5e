#include "facerec/analysis/trash_search.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "facerec/analysis/image_hash.h"
#include "facerec/analysis/image_quality.h"
#include "facerec/analysis/label_noise.h"
#include "facerec/core/csv.h"
#include "facerec/core/progress.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/image.h"
#include "facerec/pipeline/recognition.h"
#include "glog/logging.h"

namespace facerec::analysis {

const char* TrashKindName(TrashKind kind) {
  switch (kind) {
    case TrashKind::kWrongIdentity:
      return "wrong_identity";
    case TrashKind::kDuplicate:
      return "duplicate";
    case TrashKind::kUnusable:
      return "unusable";
  }
  return "?";
}

namespace {

// The decoded image before the window is cut (resized to `frame` when a
// window is set and the size differs), as the face check sees it.
absl::StatusOr<cv::Mat> DecodeTrashFrame(const TrashItem& item, const TrashSearchOptions& options) {
  FACEREC_ASSIGN_OR_RETURN(cv::Mat rgb, data::DecodeRgbImage(item.bytes, item.file));
  if (options.window && rgb.size() != options.frame) cv::resize(rgb, rgb, options.frame, 0, 0, cv::INTER_AREA);
  return rgb;
}

}  // namespace

absl::StatusOr<cv::Mat> DecodeTrashItem(const TrashItem& item, const TrashSearchOptions& options) {
  FACEREC_ASSIGN_OR_RETURN(cv::Mat rgb, DecodeTrashFrame(item, options));
  if (!options.window) return rgb;
  return rgb(*options.window).clone();
}

namespace {

absl::Status ValidateOptions(const TrashSearchOptions& o) {
  if (o.folds < 2) return absl::InvalidArgumentError(absl::StrCat("folds=", o.folds, ": must be >= 2"));
  if (o.knn < 1) return absl::InvalidArgumentError(absl::StrCat("knn=", o.knn, ": must be >= 1"));
  if (!(o.unusable_z > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("unusable_z=", o.unusable_z, ": must be > 0"));
  }
  if (!(o.min_centre_gap >= -2 && o.min_centre_gap <= 2)) {
    return absl::InvalidArgumentError(absl::StrCat("min_centre_gap=", o.min_centre_gap, ": must be in [-2, 2]"));
  }
  if (!(o.max_label_probability >= 0 && o.max_label_probability <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_label_probability=", o.max_label_probability, ": must be in [0, 1]"));
  }
  if (!(o.no_face_z >= 0)) return absl::InvalidArgumentError(absl::StrCat("no_face_z=", o.no_face_z, ": must be >= 0"));
  if (o.threads < 1) return absl::InvalidArgumentError(absl::StrCat("threads=", o.threads, ": must be >= 1"));
  if (o.window && (o.frame.width < o.window->x + o.window->width || o.frame.height < o.window->y + o.window->height)) {
    return absl::InvalidArgumentError("window: must lie inside frame");
  }
  return absl::OkStatus();
}

torch::Tensor Unit(const torch::Tensor& e) {
  return torch::nn::functional::normalize(e, torch::nn::functional::NormalizeFuncOptions().dim(1));
}

std::string Fixed(double v, int digits = 3) { return absl::StrFormat("%.*f", digits, v); }

}  // namespace

absl::StatusOr<TrashReport> SearchTrash(const std::vector<TrashItem>& items, const FoldTraining& training,
                                        const TrashSearchOptions& options, torch::Device device) {
  FACEREC_RETURN_IF_ERROR(ValidateOptions(options));
  const int64_t n = static_cast<int64_t>(items.size());
  TrashReport report;
  report.wrong_identity_score.assign(n, 0);
  report.wrong_identity_flagged.assign(n, false);
  report.unusable_score.assign(n, 0);
  report.decoded.assign(n, false);
  report.face_found.assign(n, true);
  report.identity_evidence.assign(n, IdentityEvidence());

  // Decode (failures are findings) and hash.
  std::vector<cv::Mat> pixels(n);
  std::vector<std::string> decode_error(n);
  std::vector<DuplicateEvidence> evidence(n);
  std::vector<ImageQuality> quality(n);
  {
    // At most options.threads chunks, run on LibTorch's intra-op threads.
    const int64_t chunk = (n + std::max(1, options.threads) - 1) / std::max(1, options.threads);
    at::parallel_for(0, n, std::max<int64_t>(1, chunk), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        evidence[i].sha256 = Sha256Hex(items[i].bytes);
        absl::StatusOr<cv::Mat> rgb = DecodeTrashItem(items[i], options);
        if (!rgb.ok()) {
          decode_error[i] = std::string(rgb.status().message());
          evidence[i].decoded = false;
          continue;
        }
        pixels[i] = *rgb;
        evidence[i].hash = PerceptualHash(*rgb);
        evidence[i].thumbnail = GreyThumbnail(*rgb);
        quality[i] = MeasureQuality(*rgb);
      }
    });
  }
  std::vector<int64_t> usable;  // Decoded items, in order.
  for (int64_t i = 0; i < n; ++i) {
    report.decoded[i] = decode_error[i].empty();
    if (report.decoded[i]) usable.push_back(i);
  }

  // Dense classes of the labelled, decoded images.
  std::map<int, int> class_of;
  for (int64_t i : usable) {
    if (items[i].identity >= 0) class_of.emplace(items[i].identity, 0);
  }
  std::vector<int> identity_of_class;
  for (auto& [identity, c] : class_of) {
    c = static_cast<int>(identity_of_class.size());
    identity_of_class.push_back(identity);
  }
  if (identity_of_class.size() < 2) {
    return absl::InvalidArgumentError("the trash search needs labelled images of at least two identities");
  }
  std::vector<int64_t> labelled;
  std::vector<int> labels;
  for (int64_t i : usable) {
    if (items[i].identity < 0) continue;
    labelled.push_back(i);
    labels.push_back(class_of[items[i].identity]);
  }
  const int num_classes = static_cast<int>(identity_of_class.size());
  const std::vector<int> fold = StratifiedFolds(labels, options.folds, options.seed);

  std::vector<cv::Mat> all_pixels;
  std::vector<int> all_labels;
  for (int64_t i : usable) {
    all_pixels.push_back(pixels[i]);
    all_labels.push_back(items[i].identity >= 0 ? class_of[items[i].identity] : -1);
  }
  const data::FaceImages all_images = data::FaceImages::FromImages(all_pixels, all_labels);
  std::map<int64_t, int64_t> row_of_item;  // item -> row of all_images
  for (size_t r = 0; r < usable.size(); ++r) row_of_item[usable[r]] = static_cast<int64_t>(r);
  data::AugmentOptions eval = training.augment;
  eval.enabled = false;
  eval.flip_test = false;

  torch::Tensor probabilities = torch::zeros({static_cast<int64_t>(labelled.size()), num_classes}, torch::kFloat64);
  std::vector<EmbeddingEvidence> agreement(labelled.size());
  std::vector<bool> has_class_mates(labelled.size(), false);
  torch::Tensor fold0_embeddings;  // [usable, D] unit, for duplicates, typical faces and unlabelled items.
  int64_t correct = 0;
  for (int f = 0; f < options.folds; ++f) {
    std::vector<cv::Mat> train_pixels;
    std::vector<int> train_labels;
    std::vector<int64_t> held_out;  // Positions in `labelled`.
    std::vector<int64_t> trained;
    for (size_t p = 0; p < labelled.size(); ++p) {
      if (fold[p] == f) {
        held_out.push_back(static_cast<int64_t>(p));
      } else {
        trained.push_back(static_cast<int64_t>(p));
        train_pixels.push_back(pixels[labelled[p]]);
        train_labels.push_back(labels[p]);
      }
    }
    const data::FaceImages train_images = data::FaceImages::FromImages(train_pixels, train_labels);
    FACEREC_RETURN_IF_ERROR(data::ValidateSampler(training.sampler, train_labels));
    FACEREC_ASSIGN_OR_RETURN(backbones::Backbone backbone, backbones::MakeBackbone(training.backbone));
    losses::LossOptions loss_options = training.loss;
    loss_options.num_classes = num_classes;
    FACEREC_ASSIGN_OR_RETURN(losses::Loss loss, losses::MakeLoss(loss_options));
    backbone->to(device);
    loss->to(device);
    train::TrainOptions train_options = training.train;
    train_options.seed = training.train.seed + options.seed + f;
    train_options.device = device;
    if (!training.checkpoint_dir.empty()) {
      std::error_code error;
      std::filesystem::create_directories(training.checkpoint_dir, error);
      train_options.checkpoint_path = (training.checkpoint_dir / absl::StrCat("fold", f, ".pt")).string();
    }
    torch::manual_seed(train_options.seed);
    LOG(INFO) << "trash search: fold " << f + 1 << "/" << options.folds << ", training on " << trained.size()
              << " images, scoring " << held_out.size();
    data::BatchLoader loader(&train_images, training.sampler, training.augment, train_options.seed,
                             training.loader_workers);
    train::Trainer trainer(backbone, loss, &loader, train_options, nullptr);
    FACEREC_RETURN_IF_ERROR(trainer.Train());
    backbone->eval();
    loss->eval();
    // The head scores the single view (its logits were trained on single
    // views); the embedding evidence uses the flip sum, which places a face
    // more steadily (it separated injected swaps better: RESULTS.md,
    // trash-photo search).
    const pipeline::ViewEmbeddings views = pipeline::EmbedBothViews(*backbone, all_images, eval, 256, device);
    const torch::Tensor& raw = views.plain;
    const torch::Tensor embeddings = Unit(views.plain + views.mirrored);
    if (f == 0) fold0_embeddings = embeddings;
    std::vector<int64_t> held_rows, trained_rows;
    std::vector<int> held_labels;
    for (int64_t p : held_out) {
      held_rows.push_back(row_of_item[labelled[p]]);
      held_labels.push_back(labels[p]);
    }
    for (int64_t p : trained) trained_rows.push_back(row_of_item[labelled[p]]);
    const torch::Tensor held = embeddings.index({torch::tensor(held_rows)});
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor logits = loss->Logits(raw.index({torch::tensor(held_rows).to(raw.device())}));
      if (!logits.defined()) {
        return absl::InvalidArgumentError(
            absl::StrCat("loss '", training.loss.name, "' has no classification head for the trash search"));
      }
      const torch::Tensor p = logits.softmax(1).to(torch::kCPU, torch::kFloat64);
      probabilities.index_copy_(0, torch::tensor(held_out), p);
      const torch::Tensor predicted = p.argmax(1);
      for (size_t h = 0; h < held_out.size(); ++h) correct += predicted[h].item<int64_t>() == held_labels[h];
    }
    const std::vector<EmbeddingEvidence> ev = EmbeddingAgreement(
        held, held_labels, embeddings.index({torch::tensor(trained_rows)}), train_labels, options.knn);
    std::set<int> trained_classes(train_labels.begin(), train_labels.end());
    for (size_t h = 0; h < held_out.size(); ++h) {
      agreement[held_out[h]] = ev[h];
      has_class_mates[held_out[h]] = trained_classes.count(held_labels[h]) > 0;
    }
  }
  report.held_out_accuracy = labelled.empty() ? 0 : static_cast<double>(correct) / labelled.size();

  // Wrong identity.
  const ConfidentLearningResult cl = ConfidentLearning(probabilities, labels);
  std::vector<double> label_improbability(labelled.size()), centre_gap(labelled.size());
  for (size_t p = 0; p < labelled.size(); ++p) {
    label_improbability[p] = -cl.self_confidence[p];
    const double own = std::isnan(agreement[p].own_cosine) ? -1 : agreement[p].own_cosine;
    centre_gap[p] = agreement[p].nearest_other_cosine - own;
  }
  const std::vector<double> combined = MeanPercentile({label_improbability, centre_gap});
  for (size_t p = 0; p < labelled.size(); ++p) {
    const int64_t i = labelled[p];
    if (!has_class_mates[p]) continue;
    report.identity_evidence[i] = {cl.self_confidence[p],          cl.margin[p],
                                   agreement[p].own_cosine,         agreement[p].nearest_other_cosine,
                                   agreement[p].knn_agreement,      cl.label_rank[p],
                                   agreement[p].own_centre_rank,    cl.issue[p]};
    report.wrong_identity_score[i] = combined[p];
    if (!(centre_gap[p] >= options.min_centre_gap && cl.self_confidence[p] < options.max_label_probability)) continue;
    report.wrong_identity_flagged[i] = true;
    // What it looks like: confident learning's label, else the most probable class.
    const int looks_like = cl.confident_label[p] >= 0 ? cl.confident_label[p]
                                                      : static_cast<int>(probabilities[p].argmax().item<int64_t>());
    Suspect s;
    s.item = i;
    s.kind = TrashKind::kWrongIdentity;
    s.score = combined[p];
    s.suggested_identity = identity_of_class[looks_like];
    s.evidence = absl::StrCat("looks_like=", s.suggested_identity, "; p_label=", absl::StrFormat("%.2g", cl.self_confidence[p]),
                              "; label_rank=", cl.label_rank[p], "; confident_learning_issue=", cl.issue[p] ? 1 : 0,
                              "; p_looks_like=", Fixed(probabilities[p][looks_like].item<double>()),
                              "; centre_gap=", Fixed(centre_gap[p]), "; cos_own_centre=", Fixed(agreement[p].own_cosine), "; cos_nearest_other=",
                              Fixed(agreement[p].nearest_other_cosine), " (id ",
                              identity_of_class[agreement[p].nearest_other_label], "); knn_agreement=",
                              Fixed(agreement[p].knn_agreement, 2));
    report.suspects.push_back(s);
  }

  // Duplicates, on the fold-0 model's embeddings.
  {
    std::vector<DuplicateEvidence> decoded_evidence;
    for (int64_t i : usable) decoded_evidence.push_back(evidence[i]);
    std::vector<DuplicatePair> pairs = FindDuplicates(decoded_evidence, fold0_embeddings, options.duplicates);
    for (DuplicatePair& pair : pairs) {
      pair.first = usable[pair.first];
      pair.second = usable[pair.second];
    }
    // Undecodable files are duplicates by their bytes only.
    std::map<std::string, std::vector<int64_t>> undecoded_by_digest;
    for (int64_t i = 0; i < n; ++i) {
      if (!report.decoded[i]) undecoded_by_digest[evidence[i].sha256].push_back(i);
    }
    for (int64_t i = 0; i < n; ++i) {
      const auto it = undecoded_by_digest.find(evidence[i].sha256);
      if (it == undecoded_by_digest.end()) continue;
      for (int64_t j : it->second) {
        if (j > i) pairs.push_back({i, j, DuplicateKind::kExact, 64, std::nan(""), 0.0});
      }
    }
    for (const DuplicatePair& pair : pairs) {
      const TrashItem& a = items[pair.first];
      const TrashItem& b = items[pair.second];
      Suspect s;
      s.item = pair.second;
      s.other = pair.first;
      s.kind = TrashKind::kDuplicate;
      s.score = pair.kind == DuplicateKind::kExact ? 1.0 : 1.0 - pair.hamming / 64.0;
      s.evidence = absl::StrCat("other=", a.file, "; ", DuplicateKindName(pair.kind),
                                pair.kind == DuplicateKind::kExact ? " (same bytes)" : "", "; hash_bits=", pair.hamming,
                                std::isnan(pair.cosine) ? "" : absl::StrCat("; cos=", Fixed(pair.cosine)),
                                "; thumbnail_corr=", Fixed(pair.thumbnail_correlation));
      if (a.split != b.split) absl::StrAppend(&s.evidence, "; across_splits=", a.split, "/", b.split);
      if (a.identity != b.identity) {
        absl::StrAppend(&s.evidence, "; across_identities=", a.identity, "/", b.identity);
      }
      report.suspects.push_back(s);
    }
    report.duplicates = std::move(pairs);
  }

  // Unusable.
  {
    std::vector<double> log_sharpness, brightness, contrast, face_likeness;
    for (int64_t i : usable) {
      log_sharpness.push_back(std::log(quality[i].sharpness + 1));
      brightness.push_back(quality[i].brightness);
      contrast.push_back(quality[i].contrast);
    }
    // Out of fold for labelled images; the fold-0 model against every labelled image otherwise.
    std::map<int64_t, double> max_cosine;
    for (size_t p = 0; p < labelled.size(); ++p) max_cosine[labelled[p]] = agreement[p].max_centre_cosine;
    std::vector<int64_t> unlabelled_rows, labelled_rows;
    std::vector<int> unlabelled_labels;
    for (int64_t i : usable) {
      if (items[i].identity < 0) unlabelled_rows.push_back(row_of_item[i]);
    }
    for (int64_t i : labelled) labelled_rows.push_back(row_of_item[i]);
    if (!unlabelled_rows.empty()) {
      unlabelled_labels.assign(unlabelled_rows.size(), -1);
      const std::vector<EmbeddingEvidence> ev = EmbeddingAgreement(
          fold0_embeddings.index({torch::tensor(unlabelled_rows)}), unlabelled_labels,
          fold0_embeddings.index({torch::tensor(labelled_rows)}), labels, 1);
      for (size_t u = 0; u < unlabelled_rows.size(); ++u) max_cosine[usable[unlabelled_rows[u]]] = ev[u].max_centre_cosine;
    }
    for (int64_t i : usable) face_likeness.push_back(max_cosine[i]);
    const std::vector<double> z_blur = RobustZ(log_sharpness), z_dark = RobustZ(brightness),
                              z_flat = RobustZ(contrast);
    std::vector<double> z_face = RobustZ(face_likeness);
    std::vector<bool> no_face(usable.size(), false);
    if (options.has_face) {
      ProgressMeter meter("face check", static_cast<int64_t>(usable.size()), "img", 10);
      for (size_t u = 0; u < usable.size(); ++u) {
        // Decoded again rather than kept: every frame of a large set at once
        // would cost gigabytes, a second decode a few seconds.
        absl::StatusOr<cv::Mat> frame = DecodeTrashFrame(items[usable[u]], options);
        no_face[u] = frame.ok() && !options.has_face(*frame);
        report.face_found[usable[u]] = !no_face[u];
        meter.Update(static_cast<int64_t>(u) + 1);
      }
      meter.Finish();
    }
    for (size_t u = 0; u < usable.size(); ++u) {
      const int64_t i = usable[u];
      std::vector<std::pair<std::string, double>> signals = {
          {"blur", z_blur[u]}, {"dark", z_dark[u]}, {"bright", -z_dark[u]}, {"flat", z_flat[u]},
          {"unlike_any_face", z_face[u]}};
      // The less face-like, the higher among the images without a face.
      if (no_face[u]) signals.push_back({"no_face", options.no_face_z + std::max(0.0, z_face[u])});
      double worst = 0;
      std::vector<std::string> reasons;
      for (const auto& [name, z] : signals) {
        worst = std::max(worst, z);
        if (z >= options.unusable_z) reasons.push_back(absl::StrCat(name, " z=", Fixed(z, 1)));
      }
      report.unusable_score[i] = 1 - std::pow(2.0, -worst / options.unusable_z);
      if (reasons.empty()) continue;
      Suspect s;
      s.item = i;
      s.kind = TrashKind::kUnusable;
      s.score = report.unusable_score[i];
      s.evidence = absl::StrCat(absl::StrJoin(reasons, "; "), "; sharpness=", Fixed(quality[i].sharpness, 1),
                                "; brightness=", Fixed(quality[i].brightness, 1), "; contrast=",
                                Fixed(quality[i].contrast, 1), "; max_centre_cos=", Fixed(max_cosine[i]));
      report.suspects.push_back(s);
    }
    for (int64_t i = 0; i < n; ++i) {
      if (report.decoded[i]) continue;
      report.face_found[i] = false;
      report.unusable_score[i] = 1;
      report.suspects.push_back({i, TrashKind::kUnusable, 1.0, absl::StrCat("decode_failed: ", decode_error[i])});
    }
  }

  // Typical faces: per identity, the three nearest its fold-0 centre.
  {
    std::map<int, std::vector<int64_t>> rows_of;
    for (int64_t i : labelled) rows_of[items[i].identity].push_back(i);
    for (const auto& [identity, members] : rows_of) {
      std::vector<int64_t> rows;
      for (int64_t i : members) rows.push_back(row_of_item[i]);
      const torch::Tensor e = fold0_embeddings.index({torch::tensor(rows)});
      const torch::Tensor centre = Unit(e.mean(0, true));
      const torch::Tensor order = std::get<1>((e * centre).sum(1).sort(0, /*descending=*/true));
      for (int64_t m = 0; m < std::min<int64_t>(3, order.size(0)); ++m) {
        report.typical[identity].push_back(members[order[m].item<int64_t>()]);
      }
    }
  }
  std::stable_sort(report.suspects.begin(), report.suspects.end(),
                   [](const Suspect& a, const Suspect& b) { return a.score > b.score; });
  return report;
}

absl::Status WriteTrashCsv(const TrashReport& report, const std::vector<TrashItem>& items, const std::string& path) {
  std::ofstream out(path);
  if (!out) return absl::InternalError(absl::StrCat("could not write ", path));
  out << "rank,file,split,id,kind,score,evidence\n";
  int64_t rank = 0;
  for (const Suspect& s : report.suspects) {
    const TrashItem& item = items[s.item];
    out << ++rank << "," << CsvField(item.file) << "," << item.split << ","
        << (item.identity >= 0 ? absl::StrCat(item.identity) : "") << "," << TrashKindName(s.kind) << ","
        << absl::StrFormat("%.4f", s.score) << "," << CsvField(s.evidence) << "\n";
  }
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("could not write ", path));
  return absl::OkStatus();
}

absl::Status WriteContactSheet(const TrashReport& report, const std::vector<TrashItem>& items,
                               const TrashSearchOptions& options, int rows, const std::string& path) {
  // The top suspects of each kind in turn: duplicates of the same bytes all
  // score 1 and would otherwise fill the sheet alone.
  std::map<TrashKind, std::vector<const Suspect*>> by_kind;
  for (const Suspect& s : report.suspects) by_kind[s.kind].push_back(&s);
  std::vector<const Suspect*> shown;
  for (size_t k = 0; static_cast<int>(shown.size()) < rows; ++k) {
    bool any = false;
    for (const auto& [kind, list] : by_kind) {
      if (k < list.size() && static_cast<int>(shown.size()) < rows) {
        shown.push_back(list[k]);
        any = true;
      }
    }
    if (!any) break;
  }
  rows = static_cast<int>(shown.size());
  const int cell = 100, caption = 30, width = 5 * cell;
  cv::Mat sheet(std::max(rows, 1) * (cell + caption), width, CV_8UC3, cv::Scalar(255, 255, 255));
  const auto place = [&](int64_t item, int row, int col) {
    absl::StatusOr<cv::Mat> rgb = DecodeTrashItem(items[item], options);
    cv::Mat tile(cell, cell, CV_8UC3, cv::Scalar(200, 200, 255));  // Undecodable: a pink square.
    if (rgb.ok()) {
      cv::Mat bgr;
      cv::cvtColor(*rgb, bgr, cv::COLOR_RGB2BGR);
      const double scale = std::min(static_cast<double>(cell) / bgr.cols, static_cast<double>(cell) / bgr.rows);
      cv::resize(bgr, bgr, cv::Size(), scale, scale, cv::INTER_AREA);
      tile = cv::Mat(cell, cell, CV_8UC3, cv::Scalar(255, 255, 255));
      bgr.copyTo(tile(cv::Rect((cell - bgr.cols) / 2, (cell - bgr.rows) / 2, bgr.cols, bgr.rows)));
    }
    tile.copyTo(sheet(cv::Rect(col * cell, row * (cell + caption), cell, cell)));
  };
  const auto put = [&](const std::string& text, int row, int line) {
    cv::putText(sheet, text.substr(0, 96), cv::Point(3, row * (cell + caption) + cell + 11 + 12 * line),
                cv::FONT_HERSHEY_SIMPLEX, 0.33, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  };
  for (int r = 0; r < rows; ++r) {
    const Suspect& s = *shown[r];
    place(s.item, r, 0);
    int col = 1;
    if (s.other >= 0) place(s.other, r, col++);
    const auto typical = report.typical.find(items[s.item].identity);
    if (typical != report.typical.end()) {
      for (int64_t t : typical->second) {
        if (col >= 5) break;
        if (t != s.item && t != s.other) place(t, r, col++);
      }
    }
    put(absl::StrCat("#", shown[r] - report.suspects.data() + 1, " ", items[s.item].file, " id ", items[s.item].identity, ": ", TrashKindName(s.kind),
                     " ", absl::StrFormat("%.3f", s.score)),
        r, 0);
    put(s.evidence, r, 1);
  }
  if (!cv::imwrite(path, sheet)) return absl::InternalError(absl::StrCat("could not write ", path));
  return absl::OkStatus();
}

}  // namespace facerec::analysis
