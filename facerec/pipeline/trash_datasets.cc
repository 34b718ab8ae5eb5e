#include "facerec/pipeline/trash_datasets.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/progress.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/person_photos.h"

namespace facerec::pipeline {

absl::StatusOr<std::vector<analysis::TrashItem>> TrashItemsFromDataset(const DatasetOptions& options) {
  if (options.dataset.builtin()) {
    return absl::InvalidArgumentError(absl::StrCat(options.dataset.Name(), " is a built-in set (find_trash --set)"));
  }
  FACEREC_ASSIGN_OR_RETURN(const data::PersonPhotos photos,
                           options.dataset.kind == DatasetSpec::Kind::kFolder
                               ? data::ReadPhotoFolder(options.dataset.location)
                               : data::ReadPhotoList(options.dataset.location));
  std::unique_ptr<FaceCache> cache;
  if (!options.aligned) {
    FACEREC_ASSIGN_OR_RETURN(cache, FaceCache::Open(options.face_cache, options.chain));
  }
  std::map<std::string, int> identity;
  for (const std::string& person : photos.Persons()) identity.emplace(person, static_cast<int>(identity.size()));
  std::vector<analysis::TrashItem> items;
  ProgressMeter meter("trash items", static_cast<int64_t>(photos.photos.size()), "photo", 10);
  for (const data::PersonPhoto& photo : photos.photos) {
    analysis::TrashItem item;
    item.file = photo.name;
    item.split = "train";
    item.identity = identity.at(photo.person);
    FACEREC_ASSIGN_OR_RETURN(item.bytes, ReadFileBytes(photo.path));
    if (cache != nullptr) {
      absl::StatusOr<PhotoFace> face = cache->Find(photo.path);
      if (face.ok() && face->faces_found > 0) {
        cv::Mat bgr;
        cv::cvtColor(face->crop, bgr, cv::COLOR_RGB2BGR);
        std::vector<uchar> png;
        if (!cv::imencode(".png", bgr, png)) return absl::InternalError("cannot encode a crop as PNG");
        item.bytes.assign(png.begin(), png.end());
      }
    }
    items.push_back(std::move(item));
    meter.Update(static_cast<int64_t>(items.size()));
  }
  return items;
}

}  // namespace facerec::pipeline
