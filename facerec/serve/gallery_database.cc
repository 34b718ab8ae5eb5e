#include "facerec/serve/gallery_database.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"

namespace facerec::serve {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FloatsText(const std::vector<float>& values) {
  std::string text;
  for (size_t k = 0; k < values.size(); ++k) absl::StrAppend(&text, k ? "," : "", absl::StrFormat("%.9g", values[k]));
  return text;
}

absl::StatusOr<std::vector<float>> ParseFloats(absl::string_view text, int expected, absl::string_view what) {
  std::vector<float> values;
  values.reserve(expected);
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    float v;
    if (!absl::SimpleAtof(part, &v) || !std::isfinite(v)) {
      return absl::DataLossError(absl::StrCat(what, ": not a list of numbers"));
    }
    values.push_back(v);
  }
  if (static_cast<int>(values.size()) != expected) {
    return absl::DataLossError(absl::StrCat(what, ": ", values.size(), " values, expected ", expected));
  }
  return values;
}

// Whether `s` is valid UTF-8 (no overlong forms or surrogates checked: the
// point is that a name prints and round-trips through JSON).
bool ValidUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    const size_t extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : 4;
    if (extra == 4 || i + extra >= s.size() + (extra == 0 ? 1 : 0) || (extra > 0 && i + extra > s.size() - 1)) {
      return false;
    }
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace

absl::Status GalleryDatabase::CheckName(absl::string_view name) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("person name \"", absl::CHexEscape(name.substr(0, 64)),
                                                   "\": ", why));
  };
  if (name.empty()) return bad("empty");
  if (name.size() > 128) return bad("longer than 128 bytes");
  if (!ValidUtf8(name)) return bad("not valid UTF-8");
  if (name == "." || name == "..") return bad("not a name");
  if (name.front() == ' ' || name.back() == ' ') return bad("starts or ends with a space");
  for (char c : name) {
    const uint8_t u = static_cast<uint8_t>(c);
    if (u < 0x20 || u == 0x7F) return bad("holds a control character");
    if (absl::string_view("/\\:*?\"<>|").find(c) != absl::string_view::npos) {
      return bad("holds one of / \\ : * ? \" < > |");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<GalleryDatabase>> GalleryDatabase::Open(const std::string& path,
                                                                       const std::string& recogniser_sha256,
                                                                       int embedding_size) {
  auto not_gallery = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(path, ": not a gallery (", why, ")"));
  };
  absl::StatusOr<sqlite::Database> opened = sqlite::Database::Open(path);
  if (!opened.ok()) return not_gallery(opened.status().message());
  sqlite::Database db = std::move(*opened);
  // FULL: the WAL is synced at every commit, so an acknowledged change
  // survives a power cut too, not only the process's death. Enrolment is rare
  // enough that the fsync does not matter.
  FACEREC_RETURN_IF_ERROR(db.Execute("PRAGMA synchronous=FULL"));
  {
    FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction tx, db.BeginImmediate());
    absl::Status created = db.Execute(
        "CREATE TABLE IF NOT EXISTS gallery(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS person(name TEXT PRIMARY KEY, photos INTEGER NOT NULL, "
        "template TEXT NOT NULL);");
    if (!created.ok()) return not_gallery(created.message());
    std::string sha, size_text;
    FACEREC_ASSIGN_OR_RETURN(sqlite::Statement meta, db.Prepare("SELECT key, value FROM gallery"));
    FACEREC_RETURN_IF_ERROR(meta.ForEachRow([&](const sqlite::Statement& row) {
      if (row.ColumnText(0) == "recogniser_sha256") sha = row.ColumnText(1);
      if (row.ColumnText(0) == "embedding_size") size_text = row.ColumnText(1);
    }));
    if (sha.empty()) {
      FACEREC_ASSIGN_OR_RETURN(const int64_t people, db.QueryInt("SELECT count(*) FROM person"));
      if (people > 0) return not_gallery("people but no recogniser recorded");
      FACEREC_ASSIGN_OR_RETURN(sqlite::Statement insert, db.Prepare("INSERT INTO gallery(key, value) VALUES (?, ?)"));
      FACEREC_RETURN_IF_ERROR(insert.Bind(1, "recogniser_sha256").Bind(2, recogniser_sha256).Run());
      FACEREC_RETURN_IF_ERROR(insert.Bind(1, "embedding_size").Bind(2, absl::StrCat(embedding_size)).Run());
    } else if (sha != recogniser_sha256) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": the gallery was made by recogniser ", sha.substr(0, 12), "..., not by the server's (",
          recogniser_sha256.substr(0, 12),
          "...): embeddings of different recognisers cannot be compared; start the server with that recogniser "
          "(--embedding_model) or another --gallery"));
    } else if (size_text != absl::StrCat(embedding_size)) {
      return not_gallery(absl::StrCat("embedding size ", size_text, ", the recogniser's is ", embedding_size));
    }
    FACEREC_ASSIGN_OR_RETURN(const int64_t has_photo_table,
                             db.QueryInt("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='photo'"));
    if (has_photo_table == 0) {
      FACEREC_RETURN_IF_ERROR(db.Execute(
          "CREATE TABLE photo(id INTEGER PRIMARY KEY AUTOINCREMENT, "
          "person TEXT NOT NULL REFERENCES person(name) ON UPDATE CASCADE ON DELETE CASCADE, "
          "weight INTEGER NOT NULL, sha256 TEXT NOT NULL, box TEXT NOT NULL, embedding TEXT NOT NULL, "
          "added_ms INTEGER NOT NULL);"
          "CREATE INDEX photo_person ON photo(person);"
          // tools:enroll's people: their template stands for their photos.
          "INSERT INTO photo(person, weight, sha256, box, embedding, added_ms) "
          "SELECT name, photos, '', '', template, 0 FROM person;"));
    }
    FACEREC_RETURN_IF_ERROR(tx.Commit());
  }
  return std::unique_ptr<GalleryDatabase>(new GalleryDatabase(std::move(db), recogniser_sha256, embedding_size));
}

absl::StatusOr<std::vector<GalleryPerson>> GalleryDatabase::People() {
  std::lock_guard<std::mutex> lock(mutex_);
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement query,
                           db_.Prepare("SELECT p.name, p.photos, f.id, f.sha256, f.box, f.weight, f.added_ms "
                                       "FROM person p LEFT JOIN photo f ON f.person = p.name ORDER BY p.name, f.id"));
  std::vector<GalleryPerson> people;
  FACEREC_RETURN_IF_ERROR(query.ForEachRow([&](const sqlite::Statement& row) {
    if (people.empty() || people.back().name != row.ColumnText(0)) {
      people.push_back({row.ColumnText(0), static_cast<int>(row.ColumnInt(1)), {}});
    }
    if (!row.ColumnIsNull(2)) {
      people.back().photo_rows.push_back({row.ColumnInt(2), row.ColumnText(3), row.ColumnText(4),
                                          static_cast<int>(row.ColumnInt(5)), row.ColumnInt(6)});
    }
  }));
  return people;
}

absl::Status GalleryDatabase::UpdateTemplate(const std::string& name) {
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement rows,
                           db_.Prepare("SELECT weight, embedding, id FROM photo WHERE person = ?"));
  rows.Bind(1, name);
  std::vector<double> sum(embedding_size_, 0.0);
  int64_t weight = 0;
  absl::Status bad;
  FACEREC_RETURN_IF_ERROR(rows.ForEachRow([&](const sqlite::Statement& row) {
    absl::StatusOr<std::vector<float>> e =
        ParseFloats(row.ColumnText(1), embedding_size_, absl::StrCat("photo ", row.ColumnInt(2)));
    if (!e.ok()) {
      bad = e.status();
      return;
    }
    const int64_t w = row.ColumnInt(0);
    weight += w;
    for (int k = 0; k < embedding_size_; ++k) sum[k] += w * double{(*e)[k]};
  }));
  FACEREC_RETURN_IF_ERROR(bad);
  if (weight == 0) {
    FACEREC_ASSIGN_OR_RETURN(sqlite::Statement erase, db_.Prepare("DELETE FROM person WHERE name = ?"));
    return erase.Bind(1, name).Run();
  }
  double norm = 0;
  for (double v : sum) norm += v * v;
  norm = std::max(std::sqrt(norm), 1e-12);
  std::vector<float> unit(embedding_size_);
  for (int k = 0; k < embedding_size_; ++k) unit[k] = static_cast<float>(sum[k] / norm);
  FACEREC_ASSIGN_OR_RETURN(
      sqlite::Statement upsert,
      db_.Prepare("INSERT INTO person(name, photos, template) VALUES (?, ?, ?) "
                  "ON CONFLICT(name) DO UPDATE SET photos = excluded.photos, template = excluded.template"));
  return upsert.Bind(1, name).Bind(2, weight).Bind(3, FloatsText(unit)).Run();
}

absl::StatusOr<std::vector<int64_t>> GalleryDatabase::AddPhotos(const std::string& name,
                                                                const std::vector<NewPhoto>& photos) {
  FACEREC_RETURN_IF_ERROR(CheckName(name));
  if (photos.empty()) return absl::InvalidArgumentError("no photos to add");
  for (const NewPhoto& p : photos) {
    if (static_cast<int>(p.embedding.size()) != embedding_size_) {
      return absl::InvalidArgumentError(
          absl::StrCat("an embedding of ", p.embedding.size(), " values; the gallery's are ", embedding_size_));
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction tx, db_.BeginImmediate());
  // The person row first (a placeholder template), so the photos' foreign key holds.
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement person,
                           db_.Prepare("INSERT OR IGNORE INTO person(name, photos, template) VALUES (?, 0, '')"));
  FACEREC_RETURN_IF_ERROR(person.Bind(1, name).Run());
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement insert,
                           db_.Prepare("INSERT INTO photo(person, weight, sha256, box, embedding, added_ms) "
                                       "VALUES (?, 1, ?, ?, ?, ?)"));
  std::vector<int64_t> ids;
  const int64_t now = NowMs();
  for (const NewPhoto& p : photos) {
    FACEREC_RETURN_IF_ERROR(
        insert.Bind(1, name).Bind(2, p.sha256).Bind(3, p.box).Bind(4, FloatsText(p.embedding)).Bind(5, now).Run());
    ids.push_back(db_.LastInsertRowId());
  }
  FACEREC_RETURN_IF_ERROR(UpdateTemplate(name));
  FACEREC_RETURN_IF_ERROR(tx.Commit());
  changed_here_ = true;
  return ids;
}

absl::Status GalleryDatabase::DeletePerson(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction tx, db_.BeginImmediate());
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement erase, db_.Prepare("DELETE FROM person WHERE name = ?"));
  FACEREC_RETURN_IF_ERROR(erase.Bind(1, name).Run());
  if (db_.Changes() == 0) return absl::NotFoundError(absl::StrCat("no person named \"", name, "\""));
  FACEREC_RETURN_IF_ERROR(tx.Commit());
  changed_here_ = true;
  return absl::OkStatus();
}

absl::Status GalleryDatabase::DeletePhoto(const std::string& name, int64_t photo_id, bool* person_deleted) {
  std::lock_guard<std::mutex> lock(mutex_);
  FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction tx, db_.BeginImmediate());
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement erase, db_.Prepare("DELETE FROM photo WHERE person = ? AND id = ?"));
  FACEREC_RETURN_IF_ERROR(erase.Bind(1, name).Bind(2, photo_id).Run());
  if (db_.Changes() == 0) {
    return absl::NotFoundError(absl::StrCat("person \"", name, "\" has no photo ", photo_id));
  }
  FACEREC_RETURN_IF_ERROR(UpdateTemplate(name));
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement left, db_.Prepare("SELECT count(*) FROM person WHERE name = ?"));
  left.Bind(1, name);
  FACEREC_ASSIGN_OR_RETURN(const bool row, left.Step());
  const bool gone = !row || left.ColumnInt(0) == 0;
  left.Reset();
  FACEREC_RETURN_IF_ERROR(tx.Commit());
  if (person_deleted != nullptr) *person_deleted = gone;
  changed_here_ = true;
  return absl::OkStatus();
}

absl::Status GalleryDatabase::RenamePerson(const std::string& from, const std::string& to) {
  FACEREC_RETURN_IF_ERROR(CheckName(to));
  std::lock_guard<std::mutex> lock(mutex_);
  FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction tx, db_.BeginImmediate());
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement exists, db_.Prepare("SELECT count(*) FROM person WHERE name = ?"));
  exists.Bind(1, to);
  FACEREC_ASSIGN_OR_RETURN(bool row, exists.Step());
  const bool taken = row && exists.ColumnInt(0) > 0;
  exists.Reset();
  exists.Bind(1, from);
  FACEREC_ASSIGN_OR_RETURN(row, exists.Step());
  const bool found = row && exists.ColumnInt(0) > 0;
  exists.Reset();
  if (!found) return absl::NotFoundError(absl::StrCat("no person named \"", from, "\""));
  if (from == to) return absl::OkStatus();
  if (taken) return absl::AlreadyExistsError(absl::StrCat("a person named \"", to, "\" exists already"));
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement rename, db_.Prepare("UPDATE person SET name = ? WHERE name = ?"));
  FACEREC_RETURN_IF_ERROR(rename.Bind(1, to).Bind(2, from).Run());
  FACEREC_RETURN_IF_ERROR(tx.Commit());
  changed_here_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const GalleryTemplates>> GalleryDatabase::Templates() {
  std::lock_guard<std::mutex> lock(mutex_);
  // data_version changes when another connection (another server) commits;
  // this connection's own commits set changed_here_.
  FACEREC_ASSIGN_OR_RETURN(const int64_t version, db_.QueryInt("PRAGMA data_version"));
  if (templates_ != nullptr && !changed_here_ && version == data_version_) return templates_;
  auto t = std::make_shared<GalleryTemplates>();
  t->dim = embedding_size_;
  t->generation = ++generation_;
  FACEREC_ASSIGN_OR_RETURN(sqlite::Statement rows,
                           db_.Prepare("SELECT name, template FROM person WHERE photos > 0 ORDER BY name"));
  absl::Status bad;
  FACEREC_RETURN_IF_ERROR(rows.ForEachRow([&](const sqlite::Statement& row) {
    if (!bad.ok()) return;
    absl::StatusOr<std::vector<float>> v =
        ParseFloats(row.ColumnText(1), embedding_size_, absl::StrCat("person ", row.ColumnText(0)));
    if (!v.ok()) {
      bad = v.status();
      return;
    }
    t->names.push_back(row.ColumnText(0));
    t->matrix.insert(t->matrix.end(), v->begin(), v->end());
  }));
  FACEREC_RETURN_IF_ERROR(bad);
  templates_ = std::move(t);
  data_version_ = version;
  changed_here_ = false;
  return templates_;
}

}  // namespace facerec::serve
