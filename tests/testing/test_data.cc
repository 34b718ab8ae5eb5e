#include "tests/testing/test_data.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "glog/logging.h"

namespace facerec::testing {

std::filesystem::path DataRoot() {
  const char* root = std::getenv("FACEREC_DATA");
  CHECK(root != nullptr && *root != '\0')
      << "FACEREC_DATA is not set. Run tests through tools/bazel (it exports it), or pass "
         "--test_env=FACEREC_DATA=/path/to/shared/data.";
  CHECK(std::filesystem::is_directory(root))
      << "FACEREC_DATA=" << root << " is not a directory; see ../shared/data/README.md.";
  return root;
}

std::filesystem::path FreshTempDir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  CHECK(out.good()) << "cannot write " << path;
}

}  // namespace facerec::testing
