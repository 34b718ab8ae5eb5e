#include "facerec/tracking/schema.h"

#include "absl/strings/str_cat.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/experiment_names.h"

namespace facerec::tracking {

const std::vector<std::string>& Migrations() {
  static const auto* migrations = new std::vector<std::string>{
      // 0 -> 1: the tables.
      R"sql(
CREATE TABLE experiments (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id),
  name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('RUNNING', 'FINISHED', 'FAILED', 'KILLED')),
  start_ms INTEGER NOT NULL,
  end_ms INTEGER,
  heartbeat_ms INTEGER NOT NULL,
  code_version TEXT NOT NULL,
  config_hash TEXT NOT NULL DEFAULT '',
  dataset_fingerprint TEXT NOT NULL DEFAULT '',
  seed INTEGER,
  command_line TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL DEFAULT '',
  pid INTEGER,
  error TEXT NOT NULL DEFAULT '',
  CHECK (end_ms IS NULL OR end_ms >= start_ms),
  CHECK ((status = 'RUNNING') = (end_ms IS NULL))
);
CREATE INDEX runs_by_experiment ON runs(experiment_id, start_ms);
CREATE TABLE params (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  step INTEGER NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  value REAL,
  is_nan INTEGER NOT NULL DEFAULT 0 CHECK (is_nan IN (0, 1)),
  CHECK ((value IS NULL) = (is_nan = 1))
);
CREATE INDEX metrics_by_run_key_step ON metrics(run_id, key, step);
CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  dataset TEXT NOT NULL,
  protocol TEXT NOT NULL,
  target_fpr REAL,
  tpr REAL,
  threshold REAL,
  positive_pairs INTEGER,
  false_pairs INTEGER,
  created_ms INTEGER NOT NULL
);
CREATE INDEX evaluations_by_run ON evaluations(run_id);
CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE tags (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
)sql",
      // 1 -> 2: views for plain-SQL comparison.
      R"sql(
CREATE VIEW run_summary AS
SELECT r.id AS run_id,
       e.name AS experiment,
       r.name AS run_name,
       r.status,
       strftime('%Y-%m-%d %H:%M:%S', r.start_ms / 1000, 'unixepoch') AS started_utc,
       ROUND((COALESCE(r.end_ms, r.heartbeat_ms) - r.start_ms) / 1000.0, 1) AS duration_s,
       r.code_version,
       r.config_hash,
       r.dataset_fingerprint,
       r.seed,
       r.host,
       (SELECT COUNT(*) FROM params p WHERE p.run_id = r.id) AS params,
       (SELECT COUNT(*) FROM metrics m WHERE m.run_id = r.id) AS metric_points,
       (SELECT COUNT(*) FROM evaluations v WHERE v.run_id = r.id) AS evaluations,
       r.error
FROM runs r JOIN experiments e ON e.id = r.experiment_id;

CREATE VIEW leaderboard AS
SELECT v.dataset,
       v.protocol,
       v.target_fpr,
       RANK() OVER (PARTITION BY v.dataset, v.protocol, v.target_fpr ORDER BY v.tpr DESC) AS rank,
       v.tpr,
       v.threshold,
       r.id AS run_id,
       e.name AS experiment,
       r.name AS run_name,
       r.code_version
FROM evaluations v
JOIN runs r ON r.id = v.run_id
JOIN experiments e ON e.id = r.experiment_id
WHERE r.status = 'FINISHED';

CREATE VIEW metric_last AS
SELECT m.run_id, m.key, m.step, m.value, m.is_nan, m.timestamp_ms
FROM metrics m
WHERE m.rowid = (SELECT m2.rowid FROM metrics m2
                 WHERE m2.run_id = m.run_id AND m2.key = m.key
                 ORDER BY m2.step DESC, m2.rowid DESC LIMIT 1);
)sql",
      // 2 -> 3: a stable run id that never clashes across stores (runs move
      // between stores with tools:runs export / import; documents cite it).
      R"sql(
ALTER TABLE runs ADD COLUMN uid TEXT;
UPDATE runs SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX runs_by_uid ON runs(uid);
)sql",
      // 3 -> 4: each binary's runs under its own name (experiment_names.h):
      // "landmarks" split into train_landmarks, dlib_landmarks and
      // audit_landmark_labels by run name; attacks, detection, detector,
      // gallery and pipeline renamed to their binaries.
      LegacyExperimentRenameSql(),
      // 4 -> 5: the model registry (model_registry.h).
      R"sql(
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  kind TEXT NOT NULL CHECK (kind IN ('detector', 'landmarks', 'recogniser')),
  run_uid TEXT NOT NULL DEFAULT '',
  sha256 TEXT NOT NULL,
  path TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  UNIQUE (name, version)
);
CREATE INDEX models_by_sha256 ON models(sha256);
CREATE INDEX models_by_run ON models(run_uid);
CREATE TABLE model_metrics (
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (model_id, key)
) WITHOUT ROWID;
CREATE TABLE model_aliases (
  kind TEXT NOT NULL,
  alias TEXT NOT NULL,
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  PRIMARY KEY (kind, alias)
) WITHOUT ROWID;
)sql",
  };
  return *migrations;
}

int CurrentSchemaVersion() { return static_cast<int>(Migrations().size()); }

absl::Status ApplyMigrations(sqlite::Database& db, int target_version) {
  if (target_version < 0) target_version = CurrentSchemaVersion();
  while (true) {
    // Each step re-reads the version inside a write transaction, so two
    // processes opening a fresh file at once migrate it exactly once.
    FACEREC_ASSIGN_OR_RETURN(sqlite::Transaction transaction, db.BeginImmediate());
    FACEREC_ASSIGN_OR_RETURN(const int64_t version, db.QueryInt("PRAGMA user_version"));
    if (version > CurrentSchemaVersion()) {
      return absl::FailedPreconditionError(absl::StrCat(
          db.path(), ": schema version ", version, " is newer than this build knows (",
          CurrentSchemaVersion(), "); rebuild from a newer checkout"));
    }
    if (version >= target_version) return transaction.Commit();
    FACEREC_RETURN_IF_ERROR(db.Execute(Migrations()[static_cast<size_t>(version)]));
    FACEREC_RETURN_IF_ERROR(db.Execute(absl::StrCat("PRAGMA user_version = ", version + 1)));
    FACEREC_RETURN_IF_ERROR(transaction.Commit());
  }
}

}  // namespace facerec::tracking
