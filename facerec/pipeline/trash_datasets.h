// The trash search's items (analysis/trash_search.h) from a folder: or list:
// dataset (recognition_datasets.h): each photo labelled with its person,
// split "train"; a photo the chain finds a face in is searched as its aligned
// crop (PNG bytes, so the recognisers compare faces, not whole photos), one
// without a face or with --aligned as its own bytes (so the search's face
// check can call a faceless photo unusable). Items are named as the dataset
// names its photos.
//
//   FACEREC_ASSIGN_OR_RETURN(std::vector<analysis::TrashItem> items, TrashItemsFromDataset(options));
//
// Thread-safety: a function of its arguments (and the file system).
#ifndef FACEREC_PIPELINE_TRASH_DATASETS_H_
#define FACEREC_PIPELINE_TRASH_DATASETS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "facerec/analysis/trash_search.h"
#include "facerec/pipeline/recognition_datasets.h"

namespace facerec::pipeline {

// Errors: the dataset reader's; a photo that cannot be read at all (its
// bytes) names it. Photos that do not decode are kept as items: finding
// them is the search's job.
absl::StatusOr<std::vector<analysis::TrashItem>> TrashItemsFromDataset(const DatasetOptions& options);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_TRASH_DATASETS_H_
