// A small RAII wrapper over the SQLite C API: a connection, prepared
// statements and transactions, with errors as absl::Status.
//
//   FACEREC_ASSIGN_OR_RETURN(facerec::sqlite::Database db,
//                            facerec::sqlite::Database::Open("results.db"));
//   FACEREC_RETURN_IF_ERROR(db.Execute("CREATE TABLE t(x INTEGER)"));
//   FACEREC_ASSIGN_OR_RETURN(facerec::sqlite::Statement insert,
//                            db.Prepare("INSERT INTO t(x) VALUES (?)"));
//   {
//     FACEREC_ASSIGN_OR_RETURN(facerec::sqlite::Transaction tx, db.BeginImmediate());
//     insert.Bind(1, int64_t{42});
//     FACEREC_RETURN_IF_ERROR(insert.Run());
//     FACEREC_RETURN_IF_ERROR(tx.Commit());   // Destroyed uncommitted: rolls back.
//   }
//
// Ownership: a Statement must not outlive the Database that prepared it.
// Thread-safety: a Database and its statements belong to one thread at a time
// (callers serialise); separate connections may be used from separate threads
// and processes, which is how concurrent writers share one file.
#ifndef FACEREC_TRACKING_SQLITE_H_
#define FACEREC_TRACKING_SQLITE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct sqlite3;
struct sqlite3_stmt;

namespace facerec::sqlite {

class Statement {
 public:
  Statement() = default;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite. A bad index is a programmer error
  // and CHECK-fails. Text is copied (SQLITE_TRANSIENT).
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, double value);
  Statement& Bind(int index, absl::string_view value);
  Statement& Bind(int index, const char* value) { return Bind(index, absl::string_view(value)); }
  Statement& Bind(int index, const std::string& value) { return Bind(index, absl::string_view(value)); }
  Statement& BindNull(int index);
  // Binds NULL when `value` is empty.
  Statement& Bind(int index, const std::optional<double>& value);

  // Advances: true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Calls `row` on every remaining row; returns the first step error.
  absl::Status ForEachRow(const std::function<void(const Statement&)>& row);
  // Steps to completion (for statements that return no rows), then resets.
  absl::Status Run();
  // Makes the statement ready to run again; bindings are kept.
  void Reset();

  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  bool ColumnIsNull(int column) const;
  std::string ColumnName(int column) const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* statement, sqlite3* db) : statement_(statement), db_(db) {}
  sqlite3_stmt* statement_ = nullptr;
  sqlite3* db_ = nullptr;
};

class Transaction;

class Database {
 public:
  struct Options {
    // How long a writer waits for another connection's lock before failing
    // with SQLITE_BUSY. Default: 30 s (training processes hold locks for ms).
    int busy_timeout_ms = 30000;
    // Open read-only (tools that only look). Default: read-write, created if missing.
    bool read_only = false;
  };

  // Opens (or creates) the file, turns on WAL, foreign keys and the busy
  // timeout.
  static absl::StatusOr<Database> Open(const std::string& path);
  static absl::StatusOr<Database> Open(const std::string& path, const Options& options);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more ';'-separated statements that return no rows.
  absl::Status Execute(absl::string_view sql);
  absl::StatusOr<Statement> Prepare(absl::string_view sql);
  // Runs a query expected to return one integer (e.g. a count).
  absl::StatusOr<int64_t> QueryInt(absl::string_view sql);

  // BEGIN IMMEDIATE takes the write lock up front, so two writers never
  // deadlock upgrading read locks; the busy timeout makes them queue.
  absl::StatusOr<Transaction> BeginImmediate();

  int64_t LastInsertRowId() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const;
  const std::string& path() const { return path_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::string path_;
};

// Rolls back on destruction unless committed.
class Transaction {
 public:
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();
  absl::Status Commit();

 private:
  friend class Database;
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

// Turns an SQLite result code into a Status carrying `context` and the
// connection's error message.
absl::Status SqliteError(sqlite3* db, int code, absl::string_view context);

}  // namespace facerec::sqlite

#endif  // FACEREC_TRACKING_SQLITE_H_
