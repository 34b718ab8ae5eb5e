// The people a photo's faces are matched against: one template per person
// (the normalised mean of their photos' embeddings), kept in an SQLite file
// that records which recogniser made it, by the sha256 of its file.
//
//   Gallery gallery(embedder.model_sha256(), embedder.embedding_size());
//   gallery.Add("Ada", embeddings_of_adas_photos);          // [k, D] unit rows
//   FACEREC_RETURN_IF_ERROR(gallery.Save("people.gallery"));
//   FACEREC_ASSIGN_OR_RETURN(Gallery g, Gallery::Load("people.gallery"));
//   FACEREC_RETURN_IF_ERROR(g.CheckRecogniser(embedder.model_sha256()));
//   GalleryMatch m = g.BestMatch(face_embedding);          // name, cosine score
//
// Why templates, not every photo: averaging unit embeddings cancels what
// differs between one person's photos (pose, light) and keeps what they
// share; matching is then one dot product per person. An embedding from
// another recogniser lives in another space, so a gallery is refused by any
// recogniser but its own (CheckRecogniser).
//
// File: tables gallery(key, value) with recogniser_sha256 and
// embedding_size, and person(name, photos, template), the template as
// comma-separated floats (readable with plain SQL).
//
// Thread-safety: not thread-safe (BestMatch caches the stacked templates);
// one gallery per thread, or callers serialise.
#ifndef FACEREC_CHAIN_GALLERY_H_
#define FACEREC_CHAIN_GALLERY_H_

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace facerec::chain {

struct GalleryMatch {
  std::string name;     // Empty when the gallery is empty.
  double score = -1;    // Cosine similarity to the person's template.
};

class Gallery {
 public:
  Gallery(std::string recogniser_sha256, int embedding_size);

  // `embeddings`: [k, D] unit rows of one person's photos (k >= 1). Adding
  // a name again replaces that person. InvalidArgumentError for an empty
  // name, no rows or the wrong width.
  absl::Status Add(const std::string& name, const at::Tensor& embeddings);

  // Writes the whole gallery to `path`, replacing what was there.
  absl::Status Save(const std::string& path) const;
  // NotFoundError for a missing file, DataLossError for one that is not a gallery.
  static absl::StatusOr<Gallery> Load(const std::string& path);

  // FailedPreconditionError, saying both, when `sha256` is not the recogniser
  // that made the gallery.
  absl::Status CheckRecogniser(const std::string& sha256) const;

  // The best-matching person for one unit embedding [D].
  GalleryMatch BestMatch(const at::Tensor& embedding) const;

  const std::string& recogniser_sha256() const { return recogniser_sha256_; }
  int embedding_size() const { return embedding_size_; }
  size_t size() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<int>& photos() const { return photos_; }

 private:
  std::string recogniser_sha256_;
  int embedding_size_;
  std::vector<std::string> names_;
  std::vector<int> photos_;
  std::vector<at::Tensor> templates_;  // [D] unit each.
  // templates_ stacked [P, D], made on the first match after a change, so
  // identifying many faces costs one product each, not a restack.
  mutable at::Tensor matrix_;
};

}  // namespace facerec::chain

#endif  // FACEREC_CHAIN_GALLERY_H_
