#include "facerec/tracking/sqlite.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace facerec::sqlite {
namespace {

std::string FreshPath(const std::string& name) {
  const std::string path = testing::TempDir() + "/" + name;
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return path;
}

TEST(SqliteTest, OpensInWalModeWithForeignKeys) {
  auto db = Database::Open(FreshPath("wal.db"));
  ASSERT_TRUE(db.ok()) << db.status();
  auto journal = db->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(journal.ok());
  ASSERT_TRUE(*journal->Step());
  EXPECT_EQ(journal->ColumnText(0), "wal");
  EXPECT_EQ(*db->QueryInt("PRAGMA foreign_keys"), 1);
}

TEST(SqliteTest, BindsAndReadsEveryType) {
  auto db = Database::Open(FreshPath("types.db"));
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->Execute("CREATE TABLE t(i INTEGER, d REAL, s TEXT, n REAL)").ok());
  auto insert = db->Prepare("INSERT INTO t VALUES (?, ?, ?, ?)");
  ASSERT_TRUE(insert.ok());
  insert->Bind(1, int64_t{1} << 40).Bind(2, 0.25).Bind(3, std::string("a'b\"c")).BindNull(4);
  ASSERT_TRUE(insert->Run().ok());
  auto select = db->Prepare("SELECT i, d, s, n FROM t");
  ASSERT_TRUE(select.ok());
  ASSERT_TRUE(*select->Step());
  EXPECT_EQ(select->ColumnInt(0), int64_t{1} << 40);
  EXPECT_DOUBLE_EQ(select->ColumnDouble(1), 0.25);
  EXPECT_EQ(select->ColumnText(2), "a'b\"c");
  EXPECT_TRUE(select->ColumnIsNull(3));
  EXPECT_EQ(select->ColumnName(2), "s");
  EXPECT_FALSE(*select->Step());
}

TEST(SqliteTest, TransactionRollsBackUnlessCommitted) {
  auto db = Database::Open(FreshPath("tx.db"));
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->Execute("CREATE TABLE t(x INTEGER)").ok());
  {
    auto tx = db->BeginImmediate();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db->Execute("INSERT INTO t VALUES (1)").ok());
  }  // Dropped: rolled back.
  EXPECT_EQ(*db->QueryInt("SELECT COUNT(*) FROM t"), 0);
  {
    auto tx = db->BeginImmediate();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db->Execute("INSERT INTO t VALUES (2)").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(*db->QueryInt("SELECT COUNT(*) FROM t"), 1);
}

TEST(SqliteTest, ErrorsNameTheStatement) {
  auto db = Database::Open(FreshPath("err.db"));
  ASSERT_TRUE(db.ok());
  auto bad = db->Prepare("SELEKT 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("SELEKT 1"), std::string::npos) << bad.status();
  ASSERT_TRUE(db->Execute("CREATE TABLE t(x INTEGER NOT NULL)").ok());
  const absl::Status constraint = db->Execute("INSERT INTO t VALUES (NULL)");
  EXPECT_EQ(constraint.code(), absl::StatusCode::kFailedPrecondition) << constraint;
}

TEST(SqliteTest, OpeningADirectoryFailsWithItsPath) {
  const std::string dir = testing::TempDir() + "/a_directory";
  std::filesystem::create_directories(dir);
  auto db = Database::Open(dir);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find(dir), std::string::npos) << db.status();
}

TEST(SqliteTest, SecondWriterTimesOutAsUnavailable) {
  const std::string path = FreshPath("busy.db");
  auto first = Database::Open(path);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->Execute("CREATE TABLE t(x INTEGER)").ok());
  Database::Options impatient;
  impatient.busy_timeout_ms = 50;
  auto second = Database::Open(path, impatient);
  ASSERT_TRUE(second.ok());
  auto held = first->BeginImmediate();
  ASSERT_TRUE(held.ok());
  auto blocked = second->BeginImmediate();
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kUnavailable) << blocked.status();
}

}  // namespace
}  // namespace facerec::sqlite
