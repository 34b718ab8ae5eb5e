// A dataset fingerprint: SHA-256 over the sorted list of (relative path, size)
// of every file a run reads plus the full bytes of its annotation files. Two
// runs with the same fingerprint saw the same data; editing one label or
// swapping one image changes it. Image bytes are not hashed (sizes are a cheap
// proxy), so fingerprinting 12,000 images takes milliseconds.
//
//   FACEREC_ASSIGN_OR_RETURN(std::string fp,
//       DatasetFingerprint(data_root, image_paths, dataset.annotation_files));
#ifndef FACEREC_DATA_FINGERPRINT_H_
#define FACEREC_DATA_FINGERPRINT_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace facerec::data {

// Paths may be absolute or relative to `data_root`; they are recorded
// relative to it, so the fingerprint does not depend on where the data lives.
absl::StatusOr<std::string> DatasetFingerprint(const std::filesystem::path& data_root,
                                               const std::vector<std::string>& files,
                                               const std::vector<std::string>& annotation_files);

}  // namespace facerec::data

#endif  // FACEREC_DATA_FINGERPRINT_H_
