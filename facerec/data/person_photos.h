// A labelled collection of photos of people, whatever it came from: a folder
// of one folder per person, a list file, or CelebA-500. What each photo is for
// (train, val, test, query, distractor) comes from a split file or from a
// seeded split by identity.
//
//   FACEREC_ASSIGN_OR_RETURN(PersonPhotos photos, ReadPhotoFolder("/photos/team"));
//   // photos.photos[i].path = "/photos/team/ada/1.jpg", .person = "ada"
//   FACEREC_ASSIGN_OR_RETURN(std::vector<PhotoRole> roles,
//                            SplitByIdentity(photos, IdentitySplitOptions()));
//   IdentitySplitCounts counts = CountSplit(photos, roles);  // recorded with the run
//
// Layouts:
//   folder  DIR/<person>/<photo>, photos at any depth below the person's
//           folder; files whose extension is not an image's (.jpg, .jpeg,
//           .png, .bmp, .webp, .tif, .tiff, .pgm, .ppm, any case) and hidden
//           files are not photos. Persons in name order, photos in path order.
//   list    "<path> <person>" lines, the person the last field (so paths may
//           hold spaces); a relative path is relative to the list's folder;
//           '#' starts a comment. Photos in line order.
//   split   "<path> train|val|test|query|distractor" lines, paths as the
//           dataset names them (relative to its folder or list); every photo
//           of the dataset listed exactly once. Photos then come in the
//           split file's order, so a dataset exported with its split file
//           reads back in the order it was written.
// Errors name the file and line (data/text_file.h); a listed photo that does
// not exist is a NotFoundError naming the line. Images are not decoded here.
//
// Thread-safety: functions of their arguments and the file system.
#ifndef FACEREC_DATA_PERSON_PHOTOS_H_
#define FACEREC_DATA_PERSON_PHOTOS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace facerec::data {

struct PersonPhoto {
  std::string path;    // As found: absolute when the folder or list was given so.
  std::string name;    // Relative to the dataset's folder (or as the list writes it).
  std::string person;  // The folder's name or the list's label.
};

struct PersonPhotos {
  std::vector<PersonPhoto> photos;
  // The list file, when there is one, for the dataset fingerprint.
  std::vector<std::string> annotation_files;
  // Person folders without a single photo file, by name (skipped, reported).
  std::vector<std::string> empty_persons;

  // Distinct persons in name order.
  std::vector<std::string> Persons() const;
};

// True for the extensions listed above.
bool LooksLikePhoto(const std::string& path);

// DIR/<person>/<photos>. NotFoundError for a missing folder; InvalidArgument
// when it holds no person folder with a photo.
absl::StatusOr<PersonPhotos> ReadPhotoFolder(const std::string& dir);

// "<path> <person>" lines.
absl::StatusOr<PersonPhotos> ReadPhotoList(const std::string& list_file);

// Every photo below `dir` at any depth, unlabelled (person empty), in path
// order: the photos of a clustering. NotFound for a missing folder.
absl::StatusOr<std::vector<std::string>> FindPhotos(const std::string& dir);

enum class PhotoRole { kTrain, kVal, kTest, kQuery, kDistractor };
const char* PhotoRoleName(PhotoRole role);

// `photos` reordered to the split file's order with each photo's role.
// Every photo of `photos` must be listed once and every line must name one
// of them; errors name the line (or the first photo not listed).
absl::StatusOr<std::vector<PhotoRole>> ApplySplitFile(const std::string& split_file, PersonPhotos* photos);

struct IdentitySplitOptions {
  // Share of identities held out of training for the identification-rate
  // protocol (query identities and distractors). Default 0.2.
  double held_out_identities = 0.2;
  // Share of the held-out identities whose photos are distractors; the rest
  // (those with at least two photos) are query identities. Default 0.5.
  double distractor_identities = 0.5;
  // Closed-set val and test within each training identity: the share of its
  // photos in each (rounded down; an identity with fewer than 3 photos trains
  // on all of them). Default 0.1 each.
  double val_photos = 0.1;
  double test_photos = 0.1;
  int64_t seed = 1;  // Default 1.
};

// InvalidArgument naming the field unless every share is in [0, 1) and
// val + test < 1.
absl::Status ValidateIdentitySplitOptions(const IdentitySplitOptions& options);

// The seeded split by identity: the same photos, options and seed give the
// same roles on every machine (std::mt19937_64 and an explicit shuffle, not
// std::shuffle, whose algorithm the library chooses). Identities with a single
// photo cannot be queried and are distractors when held out. Needs at least 2
// identities left to train on; InvalidArgument otherwise.
absl::StatusOr<std::vector<PhotoRole>> SplitByIdentity(const PersonPhotos& photos,
                                                       const IdentitySplitOptions& options);

struct IdentitySplitCounts {
  std::map<PhotoRole, int64_t> photos;
  std::map<PhotoRole, int64_t> identities;  // Distinct persons with a photo in the role.
};
IdentitySplitCounts CountSplit(const PersonPhotos& photos, const std::vector<PhotoRole>& roles);

// "<name> <role>" per photo, the split file that reproduces `roles`.
std::string SplitFileText(const PersonPhotos& photos, const std::vector<PhotoRole>& roles);

}  // namespace facerec::data

#endif  // FACEREC_DATA_PERSON_PHOTOS_H_
