#include "facerec/tracking/sqlite.h"

#include <sqlite3.h>

#include <chrono>
#include <thread>

#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace facerec::sqlite {

absl::Status SqliteError(sqlite3* db, int code, absl::string_view context) {
  const std::string message = absl::StrCat(
      context, ": ", sqlite3_errstr(code),
      db != nullptr ? absl::StrCat(" (", sqlite3_errmsg(db), ")") : "");
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:
      return absl::FailedPreconditionError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_CANTOPEN:
      return absl::NotFoundError(message);
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

// --- Statement ---

Statement::Statement(Statement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)), db_(other.db_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    statement_ = std::exchange(other.statement_, nullptr);
    db_ = other.db_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::Bind(int index, int64_t value) {
  CHECK_EQ(sqlite3_bind_int64(statement_, index, value), SQLITE_OK) << sqlite3_sql(statement_);
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  CHECK_EQ(sqlite3_bind_double(statement_, index, value), SQLITE_OK) << sqlite3_sql(statement_);
  return *this;
}

Statement& Statement::Bind(int index, absl::string_view value) {
  CHECK_EQ(sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                             SQLITE_TRANSIENT),
           SQLITE_OK)
      << sqlite3_sql(statement_);
  return *this;
}

Statement& Statement::BindNull(int index) {
  CHECK_EQ(sqlite3_bind_null(statement_, index), SQLITE_OK) << sqlite3_sql(statement_);
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<double>& value) {
  return value.has_value() ? Bind(index, *value) : BindNull(index);
}

absl::StatusOr<bool> Statement::Step() {
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  // Reset so the statement can be retried; the step's error is what we report.
  const absl::Status status = SqliteError(db_, code, sqlite3_sql(statement_));
  sqlite3_reset(statement_);
  return status;
}

absl::Status Statement::ForEachRow(const std::function<void(const Statement&)>& row) {
  while (true) {
    absl::StatusOr<bool> has_row = Step();
    if (!has_row.ok()) return has_row.status();
    if (!*has_row) return absl::OkStatus();
    row(*this);
  }
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  while (row.ok() && *row) row = Step();
  Reset();
  return row.status();
}

void Statement::Reset() { sqlite3_reset(statement_); }

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(statement_, column); }

double Statement::ColumnDouble(int column) const { return sqlite3_column_double(statement_, column); }

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}


std::string Statement::ColumnName(int column) const {
  return sqlite3_column_name(statement_, column);
}

// --- Database ---

absl::StatusOr<Database> Database::Open(const std::string& path) { return Open(path, Options()); }

absl::StatusOr<Database> Database::Open(const std::string& path, const Options& options) {
  sqlite3* handle = nullptr;
  const int flags = options.read_only ? SQLITE_OPEN_READONLY
                                      : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int code = sqlite3_open_v2(path.c_str(), &handle, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (code != SQLITE_OK) {
    absl::Status status = SqliteError(handle, code, absl::StrCat("opening ", path));
    sqlite3_close(handle);
    return status;
  }
  Database db(handle, path);
  sqlite3_busy_timeout(handle, options.busy_timeout_ms);
  // WAL lets readers (tools/runs, sqlite3) look while a run writes, and a
  // process killed mid-transaction leaves the committed prefix intact.
  // synchronous=NORMAL is durable against process crashes in WAL mode.
  // Several processes opening a new store at once race to switch it to WAL;
  // that switch can fail with "database is locked" at once, without waiting
  // in the busy handler (seen under load in tests/tracking:multi_process_test),
  // so it is retried for as long as the busy timeout allows.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
  absl::Status status;
  while (true) {
    status = db.Execute(options.read_only ? "PRAGMA foreign_keys = ON"
                                          : "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                                            "PRAGMA foreign_keys = ON");
    if (status.ok() || !absl::IsUnavailable(status) || std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!status.ok()) {
    return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
  }
  return db;
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Database::~Database() { sqlite3_close_v2(db_); }

absl::Status Database::Execute(absl::string_view sql) {
  const std::string text(sql);
  char* error = nullptr;
  const int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (code == SQLITE_OK) return absl::OkStatus();
  absl::Status status = SqliteError(db_, code, text.substr(0, 200));
  sqlite3_free(error);
  return status;
}

absl::StatusOr<Statement> Database::Prepare(absl::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  const int code =
      sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
  if (code != SQLITE_OK) return SqliteError(db_, code, sql);
  return Statement(statement, db_);
}

absl::StatusOr<int64_t> Database::QueryInt(absl::string_view sql) {
  absl::StatusOr<Statement> statement = Prepare(sql);
  if (!statement.ok()) return statement.status();
  absl::StatusOr<bool> row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("no row: ", sql));
  return statement->ColumnInt(0);
}

absl::StatusOr<Transaction> Database::BeginImmediate() {
  absl::Status status = Execute("BEGIN IMMEDIATE");
  if (!status.ok()) return status;
  return Transaction(this);
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int64_t Database::Changes() const { return sqlite3_changes(db_); }

// --- Transaction ---

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_ == nullptr) return;
  absl::Status status = db_->Execute("ROLLBACK");
  LOG_IF(WARNING, !status.ok()) << "rollback failed: " << status;
}

absl::Status Transaction::Commit() {
  CHECK(db_ != nullptr) << "Commit on a finished transaction";
  absl::Status status = db_->Execute("COMMIT");
  if (status.ok()) db_ = nullptr;
  return status;
}

}  // namespace facerec::sqlite
