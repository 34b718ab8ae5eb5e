#include "facerec/chain/landmark_stage.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/core/status_macros.h"

namespace facerec::chain {
namespace {

class LandmarkNetStage : public LandmarkStage {
 public:
  explicit LandmarkNetStage(align::LandmarkDetector detector) : detector_(std::move(detector)) {}
  absl::StatusOr<std::vector<data::Point2>> Locate(const cv::Mat& rgb,
                                                   const detect::Detection& face) override {
    return detector_.Detect(rgb, LandmarkBoxForDetection(face.box));
  }
  std::string name() const override { return "landmark_net"; }

 private:
  align::LandmarkDetector detector_;
};

class DetectorPointsStage : public LandmarkStage {
 public:
  absl::StatusOr<std::vector<data::Point2>> Locate(const cv::Mat&,
                                                   const detect::Detection& face) override {
    if (face.points.size() != 5) {
      return absl::FailedPreconditionError(
          "landmark stage detector_points: this detector gives no points; use landmark_net");
    }
    return face.points;
  }
  std::string name() const override { return "detector_points"; }
};

}  // namespace

std::unique_ptr<LandmarkStage> LandmarkNetStageOf(align::LandmarkDetector detector) {
  return std::make_unique<LandmarkNetStage>(std::move(detector));
}

std::vector<std::string> KnownLandmarkStages() { return {"landmark_net", "detector_points"}; }

align::SquareBox LandmarkBoxForDetection(const data::FaceBox& box) {
  align::SquareBox square = align::SquareAround(box);
  square.side *= kDetectionToLandmarkBox;
  return square;
}

absl::StatusOr<std::unique_ptr<LandmarkStage>> MakeLandmarkStage(const std::string& name,
                                                                 const std::string& model_path) {
  if (name == "landmark_net") {
    FACEREC_ASSIGN_OR_RETURN(align::LandmarkDetector detector,
                             align::LandmarkDetector::Load(model_path));
    return std::unique_ptr<LandmarkStage>(new LandmarkNetStage(std::move(detector)));
  }
  if (name == "detector_points") return std::unique_ptr<LandmarkStage>(new DetectorPointsStage());
  return absl::InvalidArgumentError(absl::StrCat("unknown landmark stage '", name, "'; known: ",
                                                 absl::StrJoin(KnownLandmarkStages(), ", ")));
}

}  // namespace facerec::chain
