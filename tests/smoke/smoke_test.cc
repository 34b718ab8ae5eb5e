#include <torch/torch.h>
#include <opencv2/core.hpp>
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include <glog/logging.h>
#include <sqlite3.h>
#include <gtest/gtest.h>
TEST(S, A){ absl::StatusOr<int> s = absl::InvalidArgumentError(absl::StrCat("x",1)); EXPECT_FALSE(s.ok()); auto t = torch::ones({2,2}); EXPECT_EQ(t.sum().item<float>(), 4.f); cv::Mat m(2,2,CV_8U); EXPECT_EQ(m.rows,2); LOG(INFO)<<sqlite3_libversion();}
