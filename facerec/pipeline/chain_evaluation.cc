#include "facerec/pipeline/chain_evaluation.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "facerec/core/progress.h"
#include "facerec/core/status_macros.h"

namespace facerec::pipeline {

absl::StatusOr<ChainEmbeddings> EmbedThroughChain(chain::FaceChain& chain,
                                                  const std::vector<cv::Mat>& photos,
                                                  FacePick pick,
                                                  const std::vector<cv::Mat>* fallback_crops) {
  ChainEmbeddings out;
  std::vector<torch::Tensor> rows;
  ProgressMeter meter("chain", static_cast<int64_t>(photos.size()), "photo", 10);
  for (size_t i = 0; i < photos.size(); ++i) {
    meter.Update(static_cast<int64_t>(i));
    FACEREC_ASSIGN_OR_RETURN(const std::vector<detect::Detection> faces,
                             chain.Detect(photos[i]));
    const int k = pick == FacePick::kNearestCentre ? chain::NearestToCentre(faces, photos[i].size())
                                                   : chain::Largest(faces);
    if (k >= 0) {
      FACEREC_ASSIGN_OR_RETURN(const chain::ChainFace face,
                               chain.Describe(chain::ToRgb(photos[i]), faces[k]));
      rows.push_back(face.embedding);
      out.found.push_back(true);
      ++out.found_count;
      continue;
    }
    if (fallback_crops == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat("no face found in photo ", i));
    }
    rows.push_back(chain.embedder().Embed({(*fallback_crops)[i]})[0]);
    out.found.push_back(false);
  }
  meter.Finish(absl::StrCat(out.found_count, " with a face"));
  out.embeddings = rows.empty() ? torch::zeros({0, chain.embedder().embedding_size()})
                                : torch::stack(rows);
  return out;
}

std::vector<std::string> KnownCropPaddings() { return {"replicate", "grey"}; }

std::string CropPaddingName(CropPadding padding) {
  return padding == CropPadding::kReplicateBorder ? "replicate" : "grey";
}

absl::StatusOr<CropPadding> CropPaddingByName(const std::string& name) {
  if (name == "replicate") return CropPadding::kReplicateBorder;
  if (name == "grey") return CropPadding::kGrey;
  return absl::InvalidArgumentError(absl::StrCat("unknown crop padding '", name, "'; known: ",
                                                 absl::StrJoin(KnownCropPaddings(), ", ")));
}

cv::Mat PadTightCrop(const cv::Mat& rgb, CropPadding padding, double fraction) {
  const int dx = static_cast<int>(std::lround(rgb.cols * fraction));
  const int dy = static_cast<int>(std::lround(rgb.rows * fraction));
  cv::Mat padded, bgr;
  if (padding == CropPadding::kReplicateBorder) {
    cv::copyMakeBorder(rgb, padded, dy, dy, dx, dx, cv::BORDER_REPLICATE);
  } else {
    cv::copyMakeBorder(rgb, padded, dy, dy, dx, dx, cv::BORDER_CONSTANT, cv::Scalar(127, 127, 127));
  }
  cv::cvtColor(padded, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

cv::Mat LetterboxTo(const cv::Mat& rgb, const cv::Size& size) {
  const double scale = std::min(static_cast<double>(size.width) / rgb.cols,
                                static_cast<double>(size.height) / rgb.rows);
  cv::Mat resized;
  cv::resize(rgb, resized, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat canvas(size, CV_8UC3, cv::Scalar(127, 127, 127));
  const int x = (size.width - resized.cols) / 2, y = (size.height - resized.rows) / 2;
  resized.copyTo(canvas(cv::Rect(x, y, resized.cols, resized.rows)));
  cv::Mat bgr;
  cv::cvtColor(canvas, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

}  // namespace facerec::pipeline
