// A bounded, seeded mutation fuzz of every text reader: real annotation files
// (CelebA-500's lists and query CSV, LFW's pairs.txt, facemask's VOC XML,
// dlib's XML, AFW's .pts, the WebFaces and CelebA-wild lists, MTFL's lists)
// the experiment flagfiles and the store's run export, each mutated up to 5,000 times (fewer for
// the readers that check thousands of image files per call) (bytes
// flipped, spans cut, lines doubled, hostile tokens inserted, truncation).
// Every execution must end - quickly - with either a result or an error that
// names the file (and, for line-based formats, the line); a crash or a CHECK
// ends the test binary, a hang fails the time limit.
//
// The mutated file is put in a scratch data root whose other entries are
// links to the real data, so each reader runs exactly as on the real files.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "facerec/data/celeba.h"
#include "facerec/data/face_boxes.h"
#include "facerec/data/landmarks.h"
#include "facerec/data/lfw.h"
#include "facerec/data/text_file.h"
#include "facerec/experiment/flag_layers.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run_export.h"
#include "tests/testing/test_data.h"

namespace facerec::data {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// One to three random edits of `text`.
std::string Mutate(std::string text, std::mt19937_64& rng) {
  static const std::vector<std::string> kTokens = {
      std::string(1, '\0'), "\r\n", "\n", "-1", "nan", "inf", "1e400", "-0",
      "99999999999999999999999", "", " ", "\t", ",", ",,", "<", ">", "</", "/>", "'", "\"",
      "&amp;", "&", "../", "%s%n", "\xff\xfe", "<bndbox>", "<box top='1'/>", "{", "}",
      "n_points: 1000000", "version: 1", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"};
  auto pick = [&](size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  const int edits = 1 + static_cast<int>(pick(3));
  for (int e = 0; e < edits; ++e) {
    switch (pick(7)) {
      case 0:  // Flip a byte.
        if (!text.empty()) text[pick(text.size())] = static_cast<char>(pick(256));
        break;
      case 1: {  // Cut a span.
        if (text.empty()) break;
        const size_t at = pick(text.size());
        text.erase(at, 1 + pick(64));
        break;
      }
      case 2:  // Insert a hostile token.
        text.insert(pick(text.size() + 1), kTokens[pick(kTokens.size())]);
        break;
      case 3:  // Truncate.
        text.resize(pick(text.size() + 1));
        break;
      case 4: {  // Double a line.
        const size_t at = text.rfind('\n', pick(text.size() + 1));
        const size_t begin = at == std::string::npos ? 0 : at + 1;
        const size_t end = text.find('\n', begin);
        const std::string line = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin + 1);
        text.insert(begin, line);
        break;
      }
      case 5: {  // Replace a digit run with another number.
        const size_t at = text.find_first_of("0123456789", pick(text.size() + 1));
        if (at == std::string::npos) break;
        const size_t end = text.find_first_not_of("0123456789", at);
        text.replace(at, (end == std::string::npos ? text.size() : end) - at,
                     kTokens[3 + pick(6)]);
        break;
      }
      default: {  // Swap two bytes far apart.
        if (text.size() < 2) break;
        std::swap(text[pick(text.size())], text[pick(text.size())]);
        break;
      }
    }
  }
  return text;
}

// A scratch root holding `relative` with `content`, every sibling along its
// path linked to the real data (in its own directory too, unless
// `alone_in_directory`: readers that list a directory then see only it).
fs::path ScratchRoot(const fs::path& real_root, const fs::path& relative, const std::string& content,
                     bool alone_in_directory) {
  const fs::path root = testing::FreshTempDir("fuzz_root");
  std::vector<fs::path> parts(relative.begin(), relative.end());
  fs::path dir;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    dir /= parts[i];
    fs::create_directories(root / dir);
    const bool last = i + 2 == parts.size();
    if (last && alone_in_directory) break;
    for (const fs::directory_entry& entry : fs::directory_iterator(real_root / dir)) {
      if (entry.path().filename() == parts[i + 1]) continue;
      fs::create_symlink(entry.path(), root / dir / entry.path().filename());
    }
  }
  testing::WriteFile(root / relative, content);
  return root;
}

struct Target {
  const char* name;
  fs::path file;               // Relative to the data root.
  bool line_based;             // Errors must name file:line.
  bool alone_in_directory;
  int executions;
  std::function<absl::Status(const fs::path& root, const fs::path& file)> read;
};

template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

std::vector<Target> Targets() {
  return {
      {"celeba_anno", "celeba500/celebA_train_500/celebA_anno.txt", true, false, 200,
       [](const fs::path& root, const fs::path&) { return StatusOf(LoadCeleba500(root)); }},
      {"celeba_split", "celeba500/celebA_train_500/celebA_train_split.txt", true, false, 200,
       [](const fs::path& root, const fs::path&) { return StatusOf(LoadCeleba500(root)); }},
      {"celeba_ir_queries", "celeba500/celebA_ir/celebA_anno_query.csv", true, false, 1000,
       [](const fs::path& root, const fs::path&) { return StatusOf(LoadIdRateSet(root)); }},
      {"lfw_pairs", "lfw_fold1/pairs.txt", true, false, 1000,
       [](const fs::path& root, const fs::path&) {
         return StatusOf(LoadLfwPairs(root / "lfw_fold1"));
       }},
      {"mtfl_test_list", "mtfl/new_testing.txt", true, false, 300,
       [](const fs::path& root, const fs::path&) { return StatusOf(LoadMtfl(root, "new_testing.txt")); }},
      {"celeba_wild_csv", "celeba_wild/list_bbox_celeba_subset.csv", true, false, 1000,
       [](const fs::path& root, const fs::path&) { return StatusOf(LoadCelebaWild(root)); }},
      {"webfaces_list", "webfaces/WebFaces_GroundThruth.txt", true, false, 400,
       [](const fs::path& root, const fs::path&) { return StatusOf(LoadWebFaces(root)); }},
      {"voc_xml", "facemask/annotations/maksssksksss0.xml", false, true, 2000,
       [](const fs::path& root, const fs::path&) { return StatusOf(LoadFacemask(root)); }},
      {"dlib_xml", "dlib_faces/training.xml", false, false, 2000,
       [](const fs::path& root, const fs::path&) {
         return StatusOf(LoadDlibFaces(root, "training.xml"));
       }},
      {"afw_pts", "afw/1051618982_1.pts", true, true, 5000,
       [](const fs::path& root, const fs::path& file) {
         return StatusOf(ReadPts((root / file).string()));
       }},
      {"run_export", "store/runs.tsv", true, false, 5000,
       [](const fs::path& root, const fs::path& file) {
         return StatusOf(tracking::ParseRunExport(file.filename().string(), ReadAll(root / file)));
       }},
      {"flagfile", "experiments_configs/quick.flags", true, false, 5000,
       [](const fs::path& root, const fs::path& file) {
         return StatusOf(experiment::ParseFlagfile(file.filename().string(),
                                                   ReadAll(root / file)));
       }},
  };
}

TEST(ParsersFuzzTest, EveryMutatedFileGivesAResultOrAnErrorNamingFileAndLine) {
  const fs::path real_root = testing::DataRoot();
  // The flagfile fuzz starts from a real config, copied beside the data.
  const fs::path configs = testing::FreshTempDir("fuzz_configs");
  testing::WriteFile(configs / "experiments_configs" / "quick.flags",
                     "# quick\n--epochs=12\n--validate_every=4\n--augment\n--noeval_flip\n");
  {
    auto store = tracking::ExperimentStore::Open(":memory:");
    ASSERT_TRUE(store.ok());
    std::vector<int64_t> ids;
    for (const char* name : {"arcface", "ce"}) {
      tracking::RunOptions options;
      options.experiment = "compare_losses";
      options.name = name;
      options.params = {{"lr", "0.1"}, {"note", "a\tb"}};
      auto id = (*store)->StartRun(options);
      ASSERT_TRUE(id.ok());
      ASSERT_TRUE((*store)->LogMetrics(*id, {{"loss", 0, 2.3, 1000}, {"loss", 1, 1.1, 2000}}).ok());
      ASSERT_TRUE((*store)->LogEvaluation(*id, {"celeba_ir", "id_rate", 0.1, 0.8}).ok());
      ASSERT_TRUE((*store)->SetTag(*id, "comparison", "quick-1").ok());
      ASSERT_TRUE((*store)->FinishRun(*id, tracking::RunStatus::kFinished).ok());
      ids.push_back(*id);
    }
    auto text = tracking::ExportRuns(**store, ids);
    ASSERT_TRUE(text.ok());
    testing::WriteFile(configs / "store" / "runs.tsv", *text);
  }
  std::mt19937_64 rng(20261201);
  int64_t executions = 0, rejected = 0;
  // "file.txt:12" for this file or the one it is checked against.
  const std::regex line_number("[A-Za-z0-9_]\\.[a-z]+:[0-9]+");
  for (const Target& target : Targets()) {
    // Scratch targets: made here, not read from the data.
    const bool is_flagfile =
        std::string(target.name) == "flagfile" || std::string(target.name) == "run_export";
    const fs::path source = (is_flagfile ? configs : real_root) / target.file;
    const std::string original = ReadAll(source);
    ASSERT_FALSE(original.empty()) << source;
    ASSERT_TRUE(target.read(is_flagfile ? configs : real_root, target.file).ok())
        << target.name << ": the unmutated file must read";
    int target_rejected = 0, target_problems = 0;
    const auto target_start = std::chrono::steady_clock::now();
    // One scratch root per target; each execution only replaces the file.
    // (Linking the siblings anew each time cost most of this test's time.)
    // Removed, then written: ext4 flushes a file truncated and rewritten in
    // place to disk on close (auto_da_alloc), a disk wait per execution.
    const fs::path root =
        is_flagfile ? configs : ScratchRoot(real_root, target.file, original, target.alone_in_directory);
    for (int i = 0; i < target.executions; ++i) {
      const std::string mutated = Mutate(original, rng);
      fs::remove(root / target.file);
      testing::WriteFile(root / target.file, mutated);
      const auto start = std::chrono::steady_clock::now();
      const absl::Status status = target.read(root, target.file);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ++executions;
      ASSERT_LT(seconds, 5.0) << target.name << " execution " << i << " took " << seconds << " s";
      if (status.ok()) continue;
      if (target_rejected < 2) std::printf("  e.g. %s\n", std::string(status.message()).c_str());
      ++rejected;
      ++target_rejected;
      const std::string message(status.message());
      const std::string file_name = target.file.filename().string();
      std::string problem;
      const size_t at = message.rfind(file_name);
      if (at == std::string::npos) {
        problem = "does not name " + file_name;
      } else if (target.line_based && status.code() == absl::StatusCode::kInvalidArgument &&
                 !std::regex_search(message, line_number)) {
        problem = "no line number after the file";
      }
      if (!problem.empty() && ++target_problems <= 3) {
        ADD_FAILURE() << target.name << " execution " << i << ": " << problem << ": " << status;
      }
    }
    std::printf("%-18s %5d executions, %5d rejected, %.1f s\n", target.name, target.executions,
                target_rejected,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - target_start).count());
    std::fflush(stdout);
  }
  std::printf("total %lld executions, %lld rejected with an error naming the file\n",
              static_cast<long long>(executions), static_cast<long long>(rejected));
  EXPECT_GT(rejected, 0);
}

// What the fuzz found, kept: whole-file problems were reported without a
// line. Each now names the line where the file goes wrong.
TEST(ParsersFuzzTest, FoundOnTheWayWholeFileProblemsNameALine) {
  const fs::path real_root = testing::DataRoot();
  {
    std::string pts = ReadAll(real_root / "afw/1051618982_1.pts");
    pts.resize(pts.rfind('}'));  // No closing brace.
    const fs::path root = ScratchRoot(real_root, "afw/1051618982_1.pts", pts, true);
    const absl::Status status = ReadPts((root / "afw/1051618982_1.pts").string()).status();
    EXPECT_NE(status.message().find("1051618982_1.pts:72: the file ends without its closing '}'"),
              std::string::npos)
        << status;
  }
  {
    std::string pairs = ReadAll(real_root / "lfw_fold1/pairs.txt");
    pairs.resize(pairs.rfind('\n', pairs.size() - 2) + 1);  // One pair line fewer.
    const fs::path root = ScratchRoot(real_root, "lfw_fold1/pairs.txt", pairs, false);
    const absl::Status status = LoadLfwPairs(root / "lfw_fold1").status();
    EXPECT_NE(status.message().find("pairs.txt:1: the header promises 600 pairs, the file has 599"),
              std::string::npos)
        << status;
  }
  {
    std::string anno = ReadAll(real_root / "celeba500/celebA_train_500/celebA_anno.txt");
    anno += "999999.jpg 3\n";  // A row the split list does not have.
    const fs::path root =
        ScratchRoot(real_root, "celeba500/celebA_train_500/celebA_anno.txt", anno, false);
    const absl::Status status = LoadCeleba500(root).status();
    EXPECT_NE(status.message().find("celebA_anno.txt:12012: no matching row in"),
              std::string::npos)
        << status;
  }
}

}  // namespace
}  // namespace facerec::data
