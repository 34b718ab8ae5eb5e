// The experiment store's schema and its migrations.
//
// The schema version lives in `PRAGMA user_version`. kMigrations[i] takes a
// database from version i to i + 1; ApplyMigrations runs the missing ones in
// one transaction each, so a database is never left half-migrated. Append new
// migrations, never edit old ones: results.db files outlive the code.
//
// Tables (all times are Unix milliseconds):
//   experiments  one row per experiment name: the binary that recorded the
//                runs ("compare_losses", "train_detector"; experiment_names.h).
//   runs         one row per process that ran an experiment: uid (32 hex
//                digits, random: stable across stores, what documents cite),
//                status
//                RUNNING/FINISHED/FAILED/KILLED, start/end, code version
//                (git describe --always --dirty), config hash (SHA-256 of the
//                sorted params), dataset fingerprint, seed, command line, host,
//                pid and heartbeat (to spot a run whose process died).
//   params       one value per key per run (every flag of the run).
//   metrics      time series: (run, key, step, timestamp, value, is_nan);
//                NaN cannot be stored as a REAL, so value is NULL and is_nan 1.
//   evaluations  one row per (run, dataset, protocol, target FPR): TPR,
//                threshold and the pair counts it was measured on.
//   artifacts    files a run produced: kind, path, sha256, size.
//   tags         free-form key/value labels per run.
//   models       the model registry (model_registry.h): name, version (1, 2,
//                ... per name), kind (detector, landmarks, recogniser), the
//                run uid that trained it, the file's sha256, workspace-
//                relative path and size, a description.
//   model_metrics   key metrics of a model at registration.
//   model_aliases   (kind, alias) -> model: an alias names one model of a
//                kind at a time ("default" is what tools use unasked).
// Views:
//   run_summary  one readable row per run: experiment, status, duration,
//                versions, and how much it recorded.
//   leaderboard  evaluations of FINISHED runs ranked by TPR within each
//                (dataset, protocol, target FPR).
//   metric_last  the last recorded value of each metric of each run.
// Versions: 1 the tables, 2 the views, 3 runs.uid, 4 experiments renamed to
// the binaries that record them (experiment_names.h), 5 the model registry.
#ifndef FACEREC_TRACKING_SCHEMA_H_
#define FACEREC_TRACKING_SCHEMA_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "facerec/tracking/sqlite.h"

namespace facerec::tracking {

// The migration scripts, oldest first. Their count is the current version.
const std::vector<std::string>& Migrations();
int CurrentSchemaVersion();

// Brings `db` to `target_version` (default: current). FailedPreconditionError
// when the file is newer than this build knows.
absl::Status ApplyMigrations(sqlite::Database& db, int target_version = -1);

}  // namespace facerec::tracking

#endif  // FACEREC_TRACKING_SCHEMA_H_
