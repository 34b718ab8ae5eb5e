#include "facerec/core/data_root.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace facerec {
namespace {

namespace fs = std::filesystem;

class DataRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::path(::testing::TempDir()) / "data_root_test";
    fs::remove_all(base_);
    fs::create_directories(base_ / "workspace");
    fs::create_directories(base_ / "shared" / "data");
    fs::create_directories(base_ / "from_env");
    fs::create_directories(base_ / "from_flag");
    setenv("BUILD_WORKSPACE_DIRECTORY", (base_ / "workspace").c_str(), 1);
    unsetenv("FACEREC_DATA");
  }
  fs::path base_;
};

TEST_F(DataRootTest, DefaultsToSharedDataBesideTheWorkspace) {
  auto root = ResolveDataRoot("");
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(*root, fs::canonical(base_ / "shared" / "data"));
}

TEST_F(DataRootTest, EnvironmentBeatsDefaultAndFlagBeatsBoth) {
  setenv("FACEREC_DATA", (base_ / "from_env").c_str(), 1);
  EXPECT_EQ(*ResolveDataRoot(""), fs::canonical(base_ / "from_env"));
  EXPECT_EQ(*ResolveDataRoot((base_ / "from_flag").string()), fs::canonical(base_ / "from_flag"));
}

TEST_F(DataRootTest, RelativeFlagIsFromTheWorkspaceRoot) {
  EXPECT_EQ(*ResolveDataRoot("../from_flag"), fs::canonical(base_ / "from_flag"));
}

TEST_F(DataRootTest, MissingDirectorySaysWhereItLookedAndWhy) {
  setenv("FACEREC_DATA", (base_ / "nowhere").c_str(), 1);
  auto root = ResolveDataRoot("");
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(root.status().message().find("nowhere"), std::string::npos);
  EXPECT_NE(root.status().message().find("FACEREC_DATA"), std::string::npos);
  auto flagged = ResolveDataRoot("/no/such/dir");
  ASSERT_FALSE(flagged.ok());
  EXPECT_NE(flagged.status().message().find("--data_root"), std::string::npos);
}

TEST_F(DataRootTest, RecordsAFileUnderASymlinkedFolderByItsPlaceInTheWorkspace) {
  fs::create_directories(base_ / "bigger_disk" / "compare_losses");
  fs::create_directory_symlink(base_ / "bigger_disk", base_ / "workspace" / "artifacts");
  EXPECT_EQ(WorkspaceRelative("artifacts/compare_losses/net.pt"), "artifacts/compare_losses/net.pt");
  EXPECT_EQ(WorkspaceRelative((base_ / "workspace" / "artifacts" / "compare_losses" / "net.pt").string()),
            "artifacts/compare_losses/net.pt");
}

TEST_F(DataRootTest, RecordsAFileInsideTheWorkspaceNamedThroughALinkRelativeToIt) {
  fs::create_directory_symlink(base_ / "workspace", base_ / "link_to_workspace");
  EXPECT_EQ(WorkspaceRelative((base_ / "link_to_workspace" / "results.db").string()), "results.db");
}

TEST_F(DataRootTest, RecordsAFileOutsideTheWorkspaceAbsolutely) {
  EXPECT_EQ(WorkspaceRelative("../from_flag/x.pt"), fs::weakly_canonical(base_ / "from_flag" / "x.pt").string());
}

}  // namespace
}  // namespace facerec
