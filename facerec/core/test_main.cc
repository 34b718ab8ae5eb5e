#include <gtest/gtest.h>

#include "facerec/core/process.h"

int main(int argc, char** argv) {
  // Re-exec (if needed) with the untouched argv: after InitGoogleTest has
  // removed --gtest_filter and friends, a re-exec would drop them.
  facerec::PrepareEnvironment(argv);
  testing::InitGoogleTest(&argc, argv);
  facerec::InitProcess(&argc, &argv, "facerec test binary");
  return RUN_ALL_TESTS();
}
