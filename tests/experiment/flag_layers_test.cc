// Configuration layering: files in order, the command line always last,
// every bad line named by file:line before anything is applied.
#include "facerec/experiment/flag_layers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "facerec/experiment/flag_values.h"
#include "gflags/gflags.h"

DEFINE_int32(layer_test_epochs, 10, "test flag");
DEFINE_double(layer_test_lr, 0.1, "test flag");
DEFINE_bool(layer_test_flip, false, "test flag");
DEFINE_int64(bound_test_count, 3, "test flag");
DEFINE_double(bound_test_rate, 0.5, "test flag");

namespace facerec::experiment {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(FlagLayersTest, LaterLayersWinAndTheCommandLineWinsOverAll) {
  gflags::FlagSaver saver;
  gflags::SetCommandLineOption("layer_test_lr", "0.5");  // "The command line".
  FlagLayers layers = FlagLayers::FromCommandLine();
  ASSERT_TRUE(layers.Read("base", Write("base.flags", "# base\n--layer_test_epochs=20\n--layer_test_lr=0.2\n")).ok());
  ASSERT_TRUE(layers.Read("quick", Write("quick.flags", "\n--layer_test_epochs=12\n--layer_test_flip\n")).ok());
  ASSERT_TRUE(layers.Apply({"base", "quick"}).ok());
  EXPECT_EQ(FLAGS_layer_test_epochs, 12);
  EXPECT_DOUBLE_EQ(FLAGS_layer_test_lr, 0.5);
  EXPECT_TRUE(FLAGS_layer_test_flip);
  const auto origins = layers.Origins();
  EXPECT_EQ(origins.at("layer_test_epochs"), "quick.flags:2");
  EXPECT_EQ(origins.at("layer_test_lr"), "command line");
  EXPECT_EQ(origins.at("layer_test_flip"), "quick.flags:3");
}

TEST(FlagLayersTest, DefaultsFromLayersShowInHelpAndLeaveTheCommandLineAlone) {
  gflags::FlagSaver saver;
  gflags::SetCommandLineOption("layer_test_lr", "0.5");
  FlagLayers layers = FlagLayers::FromCommandLine();
  ASSERT_TRUE(layers.Read("base", Write("d.flags", "--layer_test_epochs=30\n--layer_test_lr=0.3\n")).ok());
  ASSERT_TRUE(layers.ApplyAsDefaults({"base"}).ok());
  gflags::CommandLineFlagInfo info;
  ASSERT_TRUE(gflags::GetCommandLineFlagInfo("layer_test_epochs", &info));
  EXPECT_EQ(info.default_value, "30");  // What --help prints.
  EXPECT_EQ(FLAGS_layer_test_epochs, 30);
  EXPECT_DOUBLE_EQ(FLAGS_layer_test_lr, 0.5);
}

TEST(FlagLayersTest, NoBoolPrefixSetsFalse) {
  gflags::FlagSaver saver;
  FlagLayers layers = FlagLayers::FromCommandLine();
  ASSERT_TRUE(layers.Read("on", Write("on.flags", "--layer_test_flip\n")).ok());
  ASSERT_TRUE(layers.Read("off", Write("off.flags", "--nolayer_test_flip\n")).ok());
  ASSERT_TRUE(layers.Apply({"on"}).ok());
  EXPECT_TRUE(FLAGS_layer_test_flip);
  ASSERT_TRUE(layers.Apply({"on", "off"}).ok());
  EXPECT_FALSE(FLAGS_layer_test_flip);
}

TEST(FlagLayersTest, BadLinesAreNamedByFileAndLineAndChangeNothing) {
  gflags::FlagSaver saver;
  struct Case {
    std::string text, message;
  } cases[] = {
      {"--layer_test_epochs=5\n--no_such_flag=1\n", "bad.flags:2: unknown flag --no_such_flag"},
      {"\n\n--layer_test_epochs=many\n", "bad.flags:3: --layer_test_epochs=many: not a valid int32"},
      {"layer_test_epochs=5\n", "bad.flags:1: expected --name=value"},
      {"--=5\n", "bad.flags:1: no flag name"},
  };
  for (const Case& c : cases) {
    FlagLayers layers = FlagLayers::FromCommandLine();
    const absl::Status status = layers.Read("bad", Write("bad.flags", c.text));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(status.message().find(c.message), absl::string_view::npos) << status;
    EXPECT_EQ(FLAGS_layer_test_epochs, 10) << "Read must not apply anything";
    EXPECT_FALSE(layers.Has("bad"));
  }
}

TEST(FlagLayersTest, AMissingFileIsNotFoundNamingIt) {
  FlagLayers layers = FlagLayers::FromCommandLine();
  const absl::Status status = layers.Read("gone", testing::TempDir() + "/gone.flags");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(status.message().find("gone.flags"), absl::string_view::npos) << status;
}

TEST(FlagValuesTest, SeedListsAreWholeDistinctNumbers) {
  EXPECT_EQ(*ParseSeedList("seeds", "1, 2,3"), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_TRUE(ParseSeedList("seeds", "")->empty());
  EXPECT_EQ(ParseSeedList("seeds", "1,1.5").status().message(),
            "--seeds=1,1.5: '1.5' is not a seed (a whole number >= 0)");
  EXPECT_EQ(ParseSeedList("seeds", "2,2").status().message(), "--seeds=2,2: seed 2 is listed twice");
  EXPECT_EQ(ParseSeedList("seeds", "-1").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FlagValuesTest, ListsNameTheFlagAndTheBadItem) {
  EXPECT_EQ(*ParseDoubleList("m", "5, 10,15"), (std::vector<double>{5, 10, 15}));
  EXPECT_TRUE(ParseDoubleList("m", "")->empty());
  EXPECT_EQ(ParseDoubleList("m", "5,x").status().message(), "--m=5,x: 'x' is not a number");
  EXPECT_EQ(*ParseNameList("losses", " ce, arcface", {"ce", "arcface"}),
            (std::vector<std::string>{"ce", "arcface"}));
  EXPECT_EQ(ParseNameList("losses", "ce,foo", {"ce", "arcface"}).status().message(),
            "--losses=ce,foo: unknown 'foo'; allowed: ce, arcface");
  EXPECT_FALSE(ParseNameList("losses", ",", {"ce"}).ok());
}

TEST(FlagValuesTest, ListItemsAreTrimmedAndEmptyOnesSkipped) {
  EXPECT_EQ(SplitFlagList(" a, b,,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(SplitFlagList("models/x.pt,sha256:ab"), (std::vector<std::string>{"models/x.pt", "sha256:ab"}));
  EXPECT_TRUE(SplitFlagList("").empty());
  EXPECT_TRUE(SplitFlagList(" , ").empty());
}

TEST(FlagValuesTest, LibraryFieldErrorsBecomeFlagErrors) {
  EXPECT_EQ(AsFlagError("pk_identities",
                        absl::InvalidArgumentError("identities_per_batch=600: only 500"))
                .message(),
            "--pk_identities=600: only 500");
  EXPECT_EQ(AsFlagError("x", absl::InvalidArgumentError("no value here")).message(),
            "--x: no value here");
  EXPECT_EQ(AsFlagError("x", absl::NotFoundError("f: gone")).code(), absl::StatusCode::kNotFound);
}

TEST(FlagBoundsTest, SayWhichEndsAreIncluded) {
  EXPECT_EQ(AllowedText(AtLeast("n", 1)), "must be >= 1");
  EXPECT_EQ(AllowedText(Above("lr", 0)), "must be > 0");
  EXPECT_EQ(AllowedText(Closed("r", 0, 180)), "must be in [0, 180]");
  EXPECT_EQ(AllowedText(Open("c", 0, 1)), "must be in (0, 1)");
  EXPECT_EQ(AllowedText(HalfOpen("s", 0, 0.5)), "must be in [0, 0.5)");
  EXPECT_EQ(AllowedText(LeftOpen("e", 0, 255)), "must be in (0, 255]");
}

// Every value against every kind of interval, checked by CheckFlagBounds
// and by the interval's definition written out.
TEST(FlagBoundsTest, AcceptExactlyTheValuesInsideTheInterval) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> values = {-1, 0, 0.25, 0.5, 1, 2, nan, std::numeric_limits<double>::infinity()};
  for (const FlagBound& bound : {AtLeast("bound_test_rate", 0), Above("bound_test_rate", 0),
                                 Closed("bound_test_rate", 0, 1), Open("bound_test_rate", 0, 1),
                                 HalfOpen("bound_test_rate", 0, 0.5), LeftOpen("bound_test_rate", 0, 1)}) {
    for (double v : values) {
      FLAGS_bound_test_rate = v;
      const bool inside = (bound.low_included ? v >= bound.low : v > bound.low) &&
                          (bound.high_included ? v <= bound.high : v < bound.high);
      const absl::Status status = CheckFlagBounds({bound});
      EXPECT_EQ(status.ok(), inside) << AllowedText(bound) << " at " << v;
      if (!status.ok()) {
        EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
        EXPECT_EQ(status.message(), absl::StrCat("--bound_test_rate=", v, ": ", AllowedText(bound)));
      }
    }
  }
  FLAGS_bound_test_rate = 0.5;
}

TEST(FlagBoundsTest, TheFirstFlagOutsideItsIntervalIsNamedWithItsValueAsTyped) {
  FLAGS_bound_test_count = -7;
  FLAGS_bound_test_rate = 0.1;
  EXPECT_TRUE(CheckFlagBounds({Open("bound_test_rate", 0, 1)}).ok());
  EXPECT_EQ(CheckFlagBounds({Open("bound_test_rate", 0, 1), AtLeast("bound_test_count", 1), Above("bound_test_rate", 5)})
                .message(),
            "--bound_test_count=-7: must be >= 1");
  // A double is shown shortest (0.1, not gflags' 0.10000000000000001).
  EXPECT_EQ(CheckFlagBounds({Above("bound_test_rate", 5)}).message(), "--bound_test_rate=0.1: must be > 5");
  FLAGS_bound_test_count = 3;
  FLAGS_bound_test_rate = 0.5;
}

}  // namespace
}  // namespace facerec::experiment
