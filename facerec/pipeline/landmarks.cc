#include "facerec/pipeline/landmarks.h"

#include <map>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/fingerprint.h"

namespace facerec::pipeline {

std::vector<std::vector<data::Point2>> PredictLandmarks(
    align::LandmarkDetector& detector, const std::vector<align::LandmarkExample>& examples) {
  std::vector<cv::Mat> photos;
  std::vector<align::SquareBox> boxes;
  for (const align::LandmarkExample& e : examples) {
    photos.push_back(e.photo);
    boxes.push_back(e.box);
  }
  return detector.Detect(photos, boxes);
}

absl::StatusOr<LandmarkScores> RecordLandmarkErrors(
    const std::string& dataset, const std::vector<std::vector<data::Point2>>& predicted,
    const std::vector<align::LandmarkExample>& examples, tracking::Run* run) {
  std::vector<std::vector<data::Point2>> truth;
  truth.reserve(examples.size());
  for (const align::LandmarkExample& e : examples) truth.push_back(e.points);
  LandmarkScores scores;
  scores.summary = metrics::SummariseLandmarkErrors(metrics::NormalisedMeanErrors(predicted, truth));
  scores.point_offsets = metrics::MeanNormalisedOffsets(predicted, truth);
  for (const data::Point2& o : scores.point_offsets) {
    scores.offset.x += o.x / scores.point_offsets.size();
    scores.offset.y += o.y / scores.point_offsets.size();
  }
  if (truth.size() >= 2) {
    const std::vector<double> corrected =
        metrics::OffsetRemovedNormalisedMeanErrors(predicted, truth);
    for (double e : corrected) scores.offset_removed_nme += e / corrected.size();
  }
  const metrics::LandmarkSummary& s = scores.summary;
  if (run != nullptr) {
    const std::string prefix = "eval/" + dataset + "/";
    FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + "nme", 0, s.mean_nme));
    FACEREC_RETURN_IF_ERROR(
        run->LogMetric(prefix + "nme_offset_removed", 0, scores.offset_removed_nme));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + "offset_x", 0, scores.offset.x));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + "offset_y", 0, scores.offset.y));
    for (size_t p = 0; p < scores.point_offsets.size() && p < data::kFivePointNames.size(); ++p) {
      const std::string point = data::kFivePointNames[p];
      FACEREC_RETURN_IF_ERROR(
          run->LogMetric(prefix + "offset_x/" + point, 0, scores.point_offsets[p].x));
      FACEREC_RETURN_IF_ERROR(
          run->LogMetric(prefix + "offset_y/" + point, 0, scores.point_offsets[p].y));
    }
    FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + "median_nme", 0, s.median_nme));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + "failure_rate", 0, s.failure_rate));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + "faces", 0, static_cast<double>(examples.size())));
    for (const metrics::CedPoint& p : s.ced) {
      tracking::Evaluation e;
      e.dataset = dataset;
      e.protocol = "nme_ced";
      e.threshold = p.nme;
      e.tpr = p.fraction;
      FACEREC_RETURN_IF_ERROR(run->LogEvaluation(e));
    }
  }
  return scores;
}

namespace {

// mtfl_test_minus1px from mtfl_test: same faces, labels moved onto the
// training labels' pixel convention.
LandmarkSet MtflTestMinus1px(LandmarkSet mtfl_test) {
  mtfl_test.name = kMtflTestMinus1px;
  mtfl_test.same_faces_as = "mtfl_test";
  mtfl_test.examples = align::MoveLabels(std::move(mtfl_test.examples),
                                         -data::kMtflTestLabelOffsetPx, -data::kMtflTestLabelOffsetPx);
  return mtfl_test;
}

}  // namespace

absl::StatusOr<LandmarkSet> LoadLandmarkSet(const std::filesystem::path& data_root,
                                            const std::string& name, int threads) {
  LandmarkSet set;
  set.name = name;
  if (name == kMtflTestMinus1px) {
    FACEREC_ASSIGN_OR_RETURN(LandmarkSet mtfl_test, LoadLandmarkSet(data_root, "mtfl_test", threads));
    return MtflTestMinus1px(std::move(mtfl_test));
  } else if (name == "mtfl_test") {
    set.mtfl_list = "new_testing.txt";
    FACEREC_ASSIGN_OR_RETURN(set.examples, align::LoadMtflExamples(data_root, set.mtfl_list, threads));
  } else if (name == "afw") {
    FACEREC_ASSIGN_OR_RETURN(set.examples, align::LoadAfwExamples(data_root, threads));
  } else if (name == "mtfl_train_lfw" || name == "mtfl_train_net") {
    set.mtfl_list = "new_training.txt";
    const std::string folder = name == "mtfl_train_lfw" ? "/lfw_5590/" : "/net_7876/";
    FACEREC_ASSIGN_OR_RETURN(
        set.examples,
        align::LoadMtflExamples(data_root, set.mtfl_list, threads,
                                [&folder](const data::LandmarkFace& face) {
                                  return absl::StrContains(face.image_path, folder) &&
                                         !data::IsShiftedMtflRow(face.image_path);
                                }));
  } else if (name == "mtfl_train_pose") {
    set.mtfl_list = "new_training.txt";
    FACEREC_ASSIGN_OR_RETURN(set.examples,
                             align::LoadMtflExamples(data_root, set.mtfl_list, threads,
                                                     [](const data::LandmarkFace& face) {
                                                       return data::IsShiftedMtflRow(face.image_path);
                                                     }));
    set.examples = align::MoveLabels(std::move(set.examples), 0, data::kShiftedMtflRowOffsetY);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown landmark set '", name, "' (known: ", kLandmarkSetNames, ")"));
  }
  return set;
}

absl::StatusOr<std::vector<LandmarkSet>> LoadLandmarkSets(const std::filesystem::path& data_root,
                                                          const std::string& names, int threads) {
  std::vector<LandmarkSet> sets;
  for (absl::string_view piece : absl::StrSplit(names, ',', absl::SkipWhitespace())) {
    const std::string name(absl::StripAsciiWhitespace(piece));
    if (name == kMtflTestMinus1px) {
      const auto test = std::find_if(sets.begin(), sets.end(),
                                     [](const LandmarkSet& s) { return s.name == "mtfl_test"; });
      if (test != sets.end()) {
        sets.push_back(MtflTestMinus1px(*test));
        continue;
      }
    }
    FACEREC_ASSIGN_OR_RETURN(LandmarkSet set, LoadLandmarkSet(data_root, name, threads));
    sets.push_back(std::move(set));
  }
  return sets;
}

absl::StatusOr<std::string> LandmarkSetsFingerprint(const std::filesystem::path& data_root,
                                                    const std::vector<const LandmarkSet*>& sets) {
  std::vector<std::string> mtfl_lists;
  std::vector<const std::vector<align::LandmarkExample>*> examples;
  for (const LandmarkSet* set : sets) {
    examples.push_back(&set->examples);
    if (!set->mtfl_list.empty() &&
        std::find(mtfl_lists.begin(), mtfl_lists.end(), set->mtfl_list) == mtfl_lists.end()) {
      mtfl_lists.push_back(set->mtfl_list);
    }
  }
  return LandmarkDataFingerprint(data_root, mtfl_lists, examples);
}

absl::StatusOr<std::string> LandmarkDataFingerprint(
    const std::filesystem::path& data_root, const std::vector<std::string>& mtfl_lists,
    const std::vector<const std::vector<align::LandmarkExample>*>& example_sets) {
  std::vector<std::string> images, annotations;
  for (const std::string& list : mtfl_lists) annotations.push_back((data_root / "mtfl" / list).string());
  for (const auto* set : example_sets) {
    for (const align::LandmarkExample& e : *set) {
      images.push_back(e.image_path);
      if (absl::EndsWith(e.source, ".pts")) annotations.push_back(e.source);
    }
  }
  return data::DatasetFingerprint(data_root, images, annotations);
}

void SplitEveryNth(const std::vector<align::LandmarkExample>& rows, int every,
                   std::vector<align::LandmarkExample>* kept,
                   std::vector<align::LandmarkExample>* held_out) {
  for (size_t i = 0; i < rows.size(); ++i) {
    const bool hold = every > 0 && i % every == static_cast<size_t>(every - 1);
    (hold ? held_out : kept)->push_back(rows[i]);
  }
}

}  // namespace facerec::pipeline
