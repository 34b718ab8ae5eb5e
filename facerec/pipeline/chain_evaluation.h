// Datasets' protocols run through the photo-to-identity chain
// (chain/face_chain.h): photos in, one embedding per photo out, with which
// photos had a face found. What is generic (the chain) lives in
// facerec/chain; what a dataset asks (which face, how to pad a tight crop,
// what to do when none is found) lives here.
//
//   FACEREC_ASSIGN_OR_RETURN(ChainEmbeddings e,
//       EmbedThroughChain(*chain, photos, FacePick::kNearestCentre, &fallback_crops));
//   // e.embeddings [N, D]; e.found[i]: the chain found a face in photo i.
//
// Thread-safety: uses the chain, so not thread-safe.
#ifndef FACEREC_PIPELINE_CHAIN_EVALUATION_H_
#define FACEREC_PIPELINE_CHAIN_EVALUATION_H_

#include <ATen/core/Tensor.h>

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/chain/face_chain.h"

namespace facerec::pipeline {

enum class FacePick { kNearestCentre, kLargest };

struct ChainEmbeddings {
  at::Tensor embeddings;  // [N, D] unit rows.
  std::vector<bool> found;   // A face was detected and described.
  int64_t found_count = 0;
};

// Each BGR photo through the chain, keeping the face `pick` chooses. A photo
// without a face is embedded from `fallback_crops[i]` (RGB, e.g. the
// dataset's own crop) so every protocol keeps its pairs; the share found is
// reported beside the score. `fallback_crops` may be null only if every
// photo has a face (else FailedPreconditionError naming the photo index).
absl::StatusOr<ChainEmbeddings> EmbedThroughChain(chain::FaceChain& chain,
                                                  const std::vector<cv::Mat>& photos,
                                                  FacePick pick,
                                                  const std::vector<cv::Mat>* fallback_crops);

// celebA_ir's crops are tight (the face fills them; detectors learn faces
// with surroundings), so each side is padded by `fraction` of the crop's
// size before detection. How the margin is filled:
//   kReplicateBorder  the crop's edge pixels repeated outwards: what the
//                     recognisers trained on our alignment saw past a crop's
//                     edge (pipeline/alignment.h warps with replicated
//                     borders), so a face the chain aligns from a padded crop
//                     matches the re-aligned crop wherever the points agree.
//   kGrey             grey 127, the colour our detector's training crops pad
//                     with where they extend past a photo.
// kDefaultCropPadding is kReplicateBorder for the reason above;
// experiments:evaluate_pipeline measures either on CelebA-500's validation
// windows, so the choice is checked without touching celebA_ir.
enum class CropPadding { kReplicateBorder, kGrey };
inline constexpr CropPadding kDefaultCropPadding = CropPadding::kReplicateBorder;
inline constexpr double kTightCropPadding = 0.5;

// "replicate", "grey".
std::vector<std::string> KnownCropPaddings();
std::string CropPaddingName(CropPadding padding);
// InvalidArgumentError naming the known ones for another name.
absl::StatusOr<CropPadding> CropPaddingByName(const std::string& name);

// RGB in, BGR out (the detectors' input), (1 + 2 fraction) times the size.
cv::Mat PadTightCrop(const cv::Mat& rgb, CropPadding padding = kDefaultCropPadding,
                     double fraction = kTightCropPadding);

// `rgb` scaled to fit `size` and centred on grey 127: a photo of a given
// size with the face where the photo had it (latency measurements). BGR out.
cv::Mat LetterboxTo(const cv::Mat& rgb, const cv::Size& size);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_CHAIN_EVALUATION_H_
