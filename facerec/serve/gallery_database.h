// The server's gallery: people, their photos' embeddings and each person's
// template, in one SQLite file (WAL). Every change is one transaction,
// committed with synchronous=FULL before the call returns, so a change a
// client was told about survives the server's kill -9 (and a power cut).
// Several processes may open one file: writers queue on SQLite's lock, and
// each connection sees the others' commits on its next Templates() call.
//
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<GalleryDatabase> db,
//                            GalleryDatabase::Open("people.gallery", recogniser_sha256, 128));
//   FACEREC_ASSIGN_OR_RETURN(std::vector<int64_t> ids, db->AddPhotos("Ada", {{sha256, embedding, box}}));
//   FACEREC_ASSIGN_OR_RETURN(std::shared_ptr<const GalleryTemplates> t, db->Templates());
//   // t->names[i], t->matrix row i: the unit template of person i.
//
// The file keeps tools:enroll's layout (chain/gallery.h: tables gallery and
// person, the template as comma-separated floats), so tools:identify reads a
// server's gallery and the server opens an enrolled one, and adds
//   photo(id, person, weight, sha256, box, embedding, added_ms)
// with person → person(name) ON UPDATE/DELETE CASCADE. A person's template
// is the normalised weighted sum of their photos' unit embeddings (as
// tools:enroll's normalised mean). A gallery from tools:enroll has no photo
// rows: opening it adds one per person, its template with the weight of the
// person's photo count.
//
// Thread-safety: thread-safe (one connection behind a mutex); Templates()
// returns an immutable snapshot that callers may search without the lock.
#ifndef FACEREC_SERVE_GALLERY_DATABASE_H_
#define FACEREC_SERVE_GALLERY_DATABASE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "facerec/tracking/sqlite.h"

namespace facerec::serve {

struct NewPhoto {
  std::string sha256;            // Of the photo's bytes.
  std::vector<float> embedding;  // Unit length, the gallery's width.
  std::string box;               // "x,y,w,h" of the enrolled face.
};

struct GalleryPhoto {
  int64_t id = 0;
  std::string sha256;  // Empty for a template imported from tools:enroll.
  std::string box;
  int weight = 1;      // Photos this row stands for (imported templates: the photo count).
  int64_t added_ms = 0;
};

struct GalleryPerson {
  std::string name;
  int photos = 0;  // Sum of the rows' weights.
  std::vector<GalleryPhoto> photo_rows;
};

// Every person's template, stacked; immutable.
struct GalleryTemplates {
  std::vector<std::string> names;  // Sorted.
  std::vector<float> matrix;       // names.size() × dim, row-major, unit rows.
  int dim = 0;
  // Changes whenever the gallery does (this process's or another's commit).
  int64_t generation = 0;
  const float* row(size_t i) const { return matrix.data() + i * dim; }
};

class GalleryDatabase {
 public:
  // Opens or creates the file. A new gallery records the recogniser; an
  // existing one must have been made by it (FailedPreconditionError naming
  // both). DataLossError for a file that is not a gallery.
  static absl::StatusOr<std::unique_ptr<GalleryDatabase>> Open(const std::string& path,
                                                               const std::string& recogniser_sha256,
                                                               int embedding_size);

  // InvalidArgumentError unless `name` is 1 to 128 bytes of valid UTF-8
  // without control characters, any of / \ : * ? " < > |, or surrounding
  // spaces, and is not "." or "..": a name may become a file or URL part.
  static absl::Status CheckName(absl::string_view name);

  // People by name, with their photo rows.
  absl::StatusOr<std::vector<GalleryPerson>> People();
  // Adds photos to `name` (created when new) in one transaction; their ids.
  // InvalidArgumentError for a bad name, no photos, or a wrong-width embedding.
  absl::StatusOr<std::vector<int64_t>> AddPhotos(const std::string& name, const std::vector<NewPhoto>& photos);
  // NotFoundError when there is no such person.
  absl::Status DeletePerson(const std::string& name);
  // NotFoundError when the person has no such photo. Deleting a person's last
  // photo deletes the person (a template needs a photo); `*person_deleted` says so.
  absl::Status DeletePhoto(const std::string& name, int64_t photo_id, bool* person_deleted);
  // NotFoundError for `from`, AlreadyExistsError when `to` exists.
  absl::Status RenamePerson(const std::string& from, const std::string& to);

  // The current templates, reread when the file changed since the last call.
  absl::StatusOr<std::shared_ptr<const GalleryTemplates>> Templates();

  const std::string& recogniser_sha256() const { return recogniser_sha256_; }
  int embedding_size() const { return embedding_size_; }

 private:
  GalleryDatabase(sqlite::Database db, std::string recogniser_sha256, int embedding_size)
      : db_(std::move(db)), recogniser_sha256_(std::move(recogniser_sha256)), embedding_size_(embedding_size) {}
  absl::Status UpdateTemplate(const std::string& name);  // Inside a transaction.

  std::mutex mutex_;
  sqlite::Database db_;
  const std::string recogniser_sha256_;
  const int embedding_size_;
  std::shared_ptr<const GalleryTemplates> templates_;
  int64_t data_version_ = -1;  // PRAGMA data_version when templates_ was read.
  bool changed_here_ = true;   // This connection committed since.
  int64_t generation_ = 0;
};

}  // namespace facerec::serve

#endif  // FACEREC_SERVE_GALLERY_DATABASE_H_
