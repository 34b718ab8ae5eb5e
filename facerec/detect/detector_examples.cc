#include "facerec/detect/detector_examples.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "facerec/align/landmark_crops.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/face_batches.h"
#include "facerec/detect/detection_sets.h"

namespace facerec::detect {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TrainingFace FromAnnotated(const metrics::AnnotatedFace& face) {
  TrainingFace out;
  if (face.points.size() == 4) {  // Eyes, nose, mouth centre (WebFaces).
    out.box = FaceBoxFromPoints(face.points[0], face.points[1], face.points[3]);
    out.points = {face.points[0], face.points[1], face.points[2], {kNaN, kNaN}, {kNaN, kNaN}};
  } else {
    out.box = face.box;
  }
  return out;
}

// Decodes the photos and shrinks any larger than kMaxTrainingPhotoSide.
absl::Status Decode(std::vector<TrainingPhoto>* photos, int threads) {
  std::vector<std::string> paths;
  for (const TrainingPhoto& p : *photos) paths.push_back(p.image_path);
  FACEREC_ASSIGN_OR_RETURN(
      data::FaceImages images,
      data::FaceImages::Load(paths, std::vector<int>(paths.size(), 0), std::nullopt, threads));
  for (size_t i = 0; i < photos->size(); ++i) {
    TrainingPhoto& p = (*photos)[i];
    p.rgb = images.image(i);
    const double scale =
        std::min(1.0, static_cast<double>(kMaxTrainingPhotoSide) / std::max(p.rgb.cols, p.rgb.rows));
    if (scale >= 1.0) continue;
    cv::Mat small;
    cv::resize(p.rgb, small, cv::Size(), scale, scale, cv::INTER_AREA);
    p.rgb = small;
    for (TrainingFace& f : p.faces) {
      f.box = {f.box.x * scale, f.box.y * scale, f.box.width * scale, f.box.height * scale};
      for (data::Point2& q : f.points) q = {q.x * scale, q.y * scale};
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> KnownDetectorTrainingSources() {
  return {"facemask_train", "webfaces_train", "celeba_wild", "dlib_train"};
}

data::FaceBox FaceBoxFromPoints(const data::Point2& left_eye, const data::Point2& right_eye,
                                const data::Point2& mouth_centre) {
  const double ex = (left_eye.x + right_eye.x) / 2, ey = (left_eye.y + right_eye.y) / 2;
  const double distance = std::hypot(mouth_centre.x - ex, mouth_centre.y - ey);
  const double cx = ex + 0.66 * (mouth_centre.x - ex), cy = ey + 0.66 * (mouth_centre.y - ey);
  const double side = 2.2 * distance;
  return {cx - side / 2, cy - side / 2, side, side};
}

absl::StatusOr<std::vector<TrainingPhoto>> LoadDetectorTrainingPhotos(
    const std::filesystem::path& data_root, const std::vector<std::string>& sources,
    align::LandmarkDetector* celeba_landmarks, int threads) {
  std::vector<TrainingPhoto> all;
  for (const std::string& source : sources) {
    std::vector<TrainingPhoto> photos;
    if (source == "celeba_wild") {
      if (celeba_landmarks == nullptr) {
        return absl::InvalidArgumentError(
            "source celeba_wild needs a landmark net to find its faces' points");
      }
      FACEREC_ASSIGN_OR_RETURN(const std::vector<data::BoxedImage> images,
                               data::LoadCelebaWild(data_root));
      for (const data::BoxedImage& image : images) {
        TrainingPhoto p{source, image.image_path};
        p.background_reliable = false;
        for (const data::FaceBox& box : image.boxes) p.faces.push_back({box});
        photos.push_back(std::move(p));
      }
      FACEREC_RETURN_IF_ERROR(Decode(&photos, threads));
      // The official box, squared, is where the landmark net looks; the
      // points it finds define the training box.
      std::vector<cv::Mat> rgbs;
      std::vector<align::SquareBox> boxes;
      for (const TrainingPhoto& p : photos) {
        for (const TrainingFace& f : p.faces) {
          rgbs.push_back(p.rgb);
          boxes.push_back(align::SquareAround(f.box));
        }
      }
      const std::vector<std::vector<data::Point2>> points = celeba_landmarks->Detect(rgbs, boxes);
      size_t k = 0;
      for (TrainingPhoto& p : photos) {
        for (TrainingFace& f : p.faces) {
          const std::vector<data::Point2>& q = points[k++];
          const data::Point2 mouth{(q[3].x + q[4].x) / 2, (q[3].y + q[4].y) / 2};
          f.box = FaceBoxFromPoints(q[0], q[1], mouth);
          f.points = q;
        }
      }
    } else if (source == "facemask_train" || source == "webfaces_train" ||
               source == "dlib_train") {
      FACEREC_ASSIGN_OR_RETURN(const DetectionSet set, LoadDetectionSet(data_root, source));
      for (const DetectionPhoto& photo : set.photos) {
        TrainingPhoto p{source, photo.image_path};
        p.background_reliable = source != "webfaces_train";
        for (const metrics::AnnotatedFace& face : photo.faces) p.faces.push_back(FromAnnotated(face));
        photos.push_back(std::move(p));
      }
      FACEREC_RETURN_IF_ERROR(Decode(&photos, threads));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown detector training source '", source, "'; known: ",
                       absl::StrJoin(KnownDetectorTrainingSources(), ", ")));
    }
    for (TrainingPhoto& p : photos) all.push_back(std::move(p));
  }
  return all;
}

absl::Status ValidateDetectorAugmentOptions(const DetectorAugmentOptions& o) {
  auto bad = [](const char* field, double value, const char* allowed) {
    return absl::InvalidArgumentError(absl::StrCat(field, "=", value, ": ", allowed));
  };
  if (o.input_size < 32 || o.input_size % 32 != 0) {
    return bad("input_size", o.input_size, "must be a positive multiple of 32");
  }
  if (!(o.min_crop_scale > 0 && o.min_crop_scale <= 10)) {
    return bad("min_crop_scale", o.min_crop_scale, "must be in (0, 10]");
  }
  if (!(o.max_crop_scale >= o.min_crop_scale && o.max_crop_scale <= 10)) {
    return bad("max_crop_scale", o.max_crop_scale, "must be in [min_crop_scale, 10]");
  }
  if (!(o.flip_probability >= 0 && o.flip_probability <= 1)) {
    return bad("flip_probability", o.flip_probability, "must be in [0, 1]");
  }
  if (!(o.brightness >= 0 && o.brightness <= 1)) return bad("brightness", o.brightness, "must be in [0, 1]");
  if (!(o.contrast >= 0 && o.contrast < 1)) return bad("contrast", o.contrast, "must be in [0, 1)");
  if (!(o.saturation >= 0 && o.saturation <= 1)) return bad("saturation", o.saturation, "must be in [0, 1]");
  if (!(o.grey_probability >= 0 && o.grey_probability <= 1)) {
    return bad("grey_probability", o.grey_probability, "must be in [0, 1]");
  }
  if (!(o.min_face_side >= 0)) return bad("min_face_side", o.min_face_side, "must be >= 0");
  if (!(o.min_visible_fraction >= 0 && o.min_visible_fraction <= 1)) {
    return bad("min_visible_fraction", o.min_visible_fraction, "must be in [0, 1]");
  }
  return absl::OkStatus();
}

std::vector<TrainingFace> MirrorFaces(const std::vector<TrainingFace>& faces, int width) {
  std::vector<TrainingFace> out = faces;
  for (TrainingFace& f : out) {
    f.box.x = width - f.box.x - f.box.width;
    if (f.points.empty()) continue;
    for (data::Point2& p : f.points) p.x = width - p.x;
    f.points = align::SwapLeftRight(f.points);
  }
  return out;
}

DetectorSample AugmentDetectorPhoto(const TrainingPhoto& photo,
                                    const DetectorAugmentOptions& options, std::mt19937_64* rng) {
  const int size = options.input_size;
  const int w = photo.rgb.cols, h = photo.rgb.rows;
  // The crop, a square of side `side` with top-left (x0, y0) in photo pixels.
  double side = std::max(w, h), x0 = (w - side) / 2, y0 = (h - side) / 2;
  if (rng != nullptr) {
    std::uniform_real_distribution<double> unit(0, 1);
    const double log_lo = std::log(options.min_crop_scale), log_hi = std::log(options.max_crop_scale);
    side = std::min(w, h) * std::exp(log_lo + (log_hi - log_lo) * unit(*rng));
    // Inside the photo where it fits, else the photo inside it.
    x0 = std::min(0.0, w - side) + std::abs(w - side) * unit(*rng);
    y0 = std::min(0.0, h - side) + std::abs(h - side) * unit(*rng);
  }
  const double scale = size / side;
  DetectorSample sample;
  sample.background_reliable = photo.background_reliable;
  sample.rgb = cv::Mat(size, size, CV_8UC3, cv::Scalar(127, 127, 127));
  // The part of the photo inside the crop, resized into place.
  const cv::Rect2d visible = cv::Rect2d(x0, y0, side, side) & cv::Rect2d(0, 0, w, h);
  if (visible.width >= 1 && visible.height >= 1) {
    const cv::Rect source(static_cast<int>(std::floor(visible.x)), static_cast<int>(std::floor(visible.y)),
                          static_cast<int>(std::ceil(visible.width)), static_cast<int>(std::ceil(visible.height)));
    const cv::Rect clipped = source & cv::Rect(0, 0, w, h);
    const int tx = static_cast<int>(std::lround((clipped.x - x0) * scale));
    const int ty = static_cast<int>(std::lround((clipped.y - y0) * scale));
    const cv::Rect target = cv::Rect(tx, ty, std::max(1, static_cast<int>(std::lround(clipped.width * scale))),
                                     std::max(1, static_cast<int>(std::lround(clipped.height * scale)))) &
                            cv::Rect(0, 0, size, size);
    if (target.area() > 0) {
      cv::Mat resized;
      cv::resize(photo.rgb(clipped), resized, cv::Size(target.width, target.height), 0, 0,
                 scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
      resized.copyTo(sample.rgb(target));
    }
  }
  for (const TrainingFace& f : photo.faces) {
    TrainingFace g = f;
    g.box = {(f.box.x - x0) * scale, (f.box.y - y0) * scale, f.box.width * scale,
             f.box.height * scale};
    for (data::Point2& p : g.points) p = {(p.x - x0) * scale, (p.y - y0) * scale};
    const cv::Rect2d box(g.box.x, g.box.y, g.box.width, g.box.height);
    const double inside = (box & cv::Rect2d(0, 0, size, size)).area();
    if (inside <= 0) continue;
    if (inside < options.min_visible_fraction * box.area() ||
        std::min(g.box.width, g.box.height) < options.min_face_side) {
      g.ignore = true;
    }
    sample.faces.push_back(std::move(g));
  }
  if (rng == nullptr) return sample;
  std::uniform_real_distribution<double> unit(0, 1);
  if (unit(*rng) < options.flip_probability) {
    cv::flip(sample.rgb, sample.rgb, 1);
    sample.faces = MirrorFaces(sample.faces, size);
  }
  const double contrast = 1 + options.contrast * (2 * unit(*rng) - 1);
  const double brightness = 255 * options.brightness * (2 * unit(*rng) - 1);
  const double saturation = 1 + options.saturation * (2 * unit(*rng) - 1);
  const bool grey = unit(*rng) < options.grey_probability;
  cv::Mat gray;
  cv::cvtColor(sample.rgb, gray, cv::COLOR_RGB2GRAY);
  cv::cvtColor(gray, gray, cv::COLOR_GRAY2RGB);
  cv::Mat coloured;
  // Saturation: blend with the grey image (0 is grey, 1 the original).
  cv::addWeighted(sample.rgb, grey ? 0.0 : saturation, gray, grey ? 1.0 : 1 - saturation, 0,
                  coloured);
  coloured.convertTo(sample.rgb, CV_8UC3, contrast, brightness + 127.5 * (1 - contrast));
  return sample;
}

}  // namespace facerec::detect
