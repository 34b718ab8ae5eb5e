#include "facerec/chain/gallery.h"

#include <filesystem>
#include <torch/torch.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/sqlite.h"

namespace facerec::chain {

Gallery::Gallery(std::string recogniser_sha256, int embedding_size)
    : recogniser_sha256_(std::move(recogniser_sha256)), embedding_size_(embedding_size) {}

absl::Status Gallery::Add(const std::string& name, const torch::Tensor& embeddings) {
  if (name.empty()) return absl::InvalidArgumentError("a gallery person needs a name");
  if (embeddings.dim() != 2 || embeddings.size(0) < 1 || embeddings.size(1) != embedding_size_) {
    return absl::InvalidArgumentError(
        absl::StrCat("person ", name, ": expected [k >= 1, ", embedding_size_, "] embeddings"));
  }
  torch::Tensor t = embeddings.to(torch::kFloat32).mean(0);
  t = t / t.norm().clamp_min(1e-12);
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) {
      templates_[i] = t;
      matrix_ = torch::Tensor();
      photos_[i] = static_cast<int>(embeddings.size(0));
      return absl::OkStatus();
    }
  }
  names_.push_back(name);
  photos_.push_back(static_cast<int>(embeddings.size(0)));
  templates_.push_back(t);
  matrix_ = torch::Tensor();
  return absl::OkStatus();
}

absl::Status Gallery::Save(const std::string& path) const {
  const std::string temporary = path + ".tmp";
  std::filesystem::remove(temporary);
  {
    FACEREC_ASSIGN_OR_RETURN(sqlite::Database db, sqlite::Database::Open(temporary));
    FACEREC_RETURN_IF_ERROR(db.Execute(
        "CREATE TABLE gallery(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE person(name TEXT PRIMARY KEY, photos INTEGER NOT NULL, "
        "template TEXT NOT NULL);"));
    FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction tx, db.BeginImmediate());
    FACEREC_ASSIGN_OR_RETURN(sqlite::Statement meta,
                             db.Prepare("INSERT INTO gallery(key, value) VALUES (?, ?)"));
    FACEREC_RETURN_IF_ERROR(meta.Bind(1, "recogniser_sha256").Bind(2, recogniser_sha256_).Run());
    FACEREC_RETURN_IF_ERROR(
        meta.Bind(1, "embedding_size").Bind(2, absl::StrCat(embedding_size_)).Run());
    FACEREC_ASSIGN_OR_RETURN(
        sqlite::Statement person,
        db.Prepare("INSERT INTO person(name, photos, template) VALUES (?, ?, ?)"));
    for (size_t i = 0; i < names_.size(); ++i) {
      const torch::Tensor t = templates_[i].contiguous();
      const float* v = t.data_ptr<float>();
      std::string text;
      for (int64_t k = 0; k < t.numel(); ++k) {
        absl::StrAppend(&text, k ? "," : "", absl::StrFormat("%.9g", v[k]));
      }
      FACEREC_RETURN_IF_ERROR(person.Bind(1, names_[i]).Bind(2, photos_[i]).Bind(3, text).Run());
    }
    FACEREC_RETURN_IF_ERROR(tx.Commit());
    FACEREC_RETURN_IF_ERROR(db.Execute("PRAGMA journal_mode=DELETE"));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return absl::InternalError(absl::StrCat("writing gallery ", path, ": ", error.message()));
  return absl::OkStatus();
}

absl::StatusOr<Gallery> Gallery::Load(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such gallery"));
  }
  sqlite::Database::Options read_only;
  read_only.read_only = true;
  absl::StatusOr<sqlite::Database> db = sqlite::Database::Open(path, read_only);
  auto not_gallery = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(path, ": not a gallery (", why, ")"));
  };
  if (!db.ok()) return not_gallery(db.status().message());
  absl::StatusOr<sqlite::Statement> meta = db->Prepare("SELECT key, value FROM gallery");
  if (!meta.ok()) return not_gallery(meta.status().message());
  std::string sha;
  int size = 0;
  FACEREC_RETURN_IF_ERROR(meta->ForEachRow([&](const sqlite::Statement& row) {
    if (row.ColumnText(0) == "recogniser_sha256") sha = row.ColumnText(1);
    if (row.ColumnText(0) == "embedding_size") (void)absl::SimpleAtoi(row.ColumnText(1), &size);
  }));
  if (sha.empty() || size < 1) return not_gallery("no recogniser recorded");
  Gallery gallery(sha, size);
  absl::StatusOr<sqlite::Statement> people =
      db->Prepare("SELECT name, photos, template FROM person ORDER BY name");
  if (!people.ok()) return not_gallery(people.status().message());
  absl::Status bad;
  FACEREC_RETURN_IF_ERROR(people->ForEachRow([&](const sqlite::Statement& row) {
    std::vector<float> values;
    for (absl::string_view part : absl::StrSplit(row.ColumnText(2), ',')) {
      float v;
      if (!absl::SimpleAtof(part, &v)) {
        bad = not_gallery(absl::StrCat("person ", row.ColumnText(0), ": bad template"));
        return;
      }
      values.push_back(v);
    }
    if (static_cast<int>(values.size()) != size) {
      bad = not_gallery(absl::StrCat("person ", row.ColumnText(0), ": template of ",
                                     values.size(), " values, expected ", size));
      return;
    }
    gallery.names_.push_back(row.ColumnText(0));
    gallery.photos_.push_back(static_cast<int>(row.ColumnInt(1)));
    gallery.templates_.push_back(torch::tensor(values));
  }));
  FACEREC_RETURN_IF_ERROR(bad);
  return gallery;
}

absl::Status Gallery::CheckRecogniser(const std::string& sha256) const {
  if (sha256 == recogniser_sha256_) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the gallery was made by recogniser ", recogniser_sha256_.substr(0, 12),
      "..., not by this one (", sha256.substr(0, 12),
      "...): embeddings of different recognisers cannot be compared; enroll the people again "
      "with this recogniser"));
}

GalleryMatch Gallery::BestMatch(const torch::Tensor& embedding) const {
  GalleryMatch best;
  if (templates_.empty()) return best;
  if (!matrix_.defined()) matrix_ = torch::stack(templates_);
  const torch::Tensor scores = matrix_.matmul(embedding.to(torch::kFloat32).reshape({-1}));
  const int64_t i = scores.argmax().item<int64_t>();
  best.name = names_[i];
  best.score = scores[i].item<double>();
  return best;
}

}  // namespace facerec::chain
