#include <gtest/gtest.h>

#include "facerec/core/process.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  facerec::InitProcess(&argc, &argv, "facerec test binary");
  return RUN_ALL_TESTS();
}
