// Test support: where the real datasets are, and scratch files.
//
//   const std::filesystem::path root = facerec::testing::DataRoot();  // fails the test if unset
#ifndef FACEREC_TESTS_TESTING_TEST_DATA_H_
#define FACEREC_TESTS_TESTING_TEST_DATA_H_

#include <filesystem>
#include <string>

namespace facerec::testing {

// $FACEREC_DATA (exported by tools/bazel, passed by .bazelrc's --test_env).
// Aborts the test binary with a message saying how to set it when it is unset
// or not a directory: a missing dataset is an error, never a skip.
std::filesystem::path DataRoot();

// A fresh, empty directory under the test's TEST_TMPDIR.
std::filesystem::path FreshTempDir(const std::string& name);

// Writes `bytes` to `path`, creating parent directories.
void WriteFile(const std::filesystem::path& path, const std::string& bytes);

}  // namespace facerec::testing

#endif  // FACEREC_TESTS_TESTING_TEST_DATA_H_
