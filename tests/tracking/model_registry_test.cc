// The registry: versions count up per name, an alias names one model of a
// kind at a time, references parse strictly, and the rows travel with their
// run through export and import.
#include "facerec/tracking/model_registry.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "facerec/tracking/run_export.h"

namespace facerec::tracking {
namespace {

std::unique_ptr<ExperimentStore> FreshStore(const std::string& name) {
  const std::string path = testing::TempDir() + "/" + name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto store = ExperimentStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status();
  return std::move(*store);
}

std::string Sha(char c) { return std::string(64, c); }

ModelRegistration Recogniser(const std::string& name, char sha, const std::string& run_uid = "") {
  ModelRegistration r;
  r.name = name;
  r.kind = ModelKind::kRecogniser;
  r.sha256 = Sha(sha);
  r.path = absl::StrCat("models/", name, ".pt");
  r.size_bytes = 100;
  r.run_uid = run_uid;
  r.metrics = {{"celeba_ir/tpr_at_fpr_0.1", 0.8}, {"threshold_at_far/0.001", 0.57}};
  return r;
}

TEST(ModelRegistryTest, VersionsCountUpPerNameAndTheSameFileIsNotRegisteredTwice) {
  auto store = FreshStore("versions.db");
  ModelRegistry registry(*store);
  EXPECT_EQ(registry.Register(Recogniser("arcface", 'a'))->version, 1);
  EXPECT_EQ(registry.Register(Recogniser("arcface", 'b'))->version, 2);
  EXPECT_EQ(registry.Register(Recogniser("arcface", 'b'))->version, 2);  // Same file as the newest.
  EXPECT_EQ(registry.Register(Recogniser("cosface", 'c'))->version, 1);
  EXPECT_EQ(registry.Find("arcface")->sha256, Sha('b'));  // NAME alone: the newest.
  EXPECT_EQ(registry.Find("arcface:1")->sha256, Sha('a'));
  EXPECT_EQ(registry.Find("arcface:1")->metrics.at("threshold_at_far/0.001"), 0.57);
  EXPECT_EQ(registry.List()->size(), 3u);
  EXPECT_EQ((*registry.FindBySha256(Sha('c')))->Label(), "cosface:1");
  EXPECT_FALSE(registry.FindBySha256(Sha('d'))->has_value());
}

TEST(ModelRegistryTest, ANameHoldsOneKind) {
  auto store = FreshStore("kinds.db");
  ModelRegistry registry(*store);
  ASSERT_TRUE(registry.Register(Recogniser("ours", 'a')).ok());
  ModelRegistration detector = Recogniser("ours", 'b');
  detector.kind = ModelKind::kDetector;
  const auto added = registry.Register(detector);
  EXPECT_EQ(added.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(added.status().message().find("recogniser"), std::string::npos) << added.status();
}

TEST(ModelRegistryTest, AnAliasNamesOneModelOfAKindAtATime) {
  auto store = FreshStore("aliases.db");
  ModelRegistry registry(*store);
  ASSERT_TRUE(registry.Register(Recogniser("arcface", 'a')).ok());
  ASSERT_TRUE(registry.Register(Recogniser("cosface", 'b')).ok());
  ModelRegistration detector = Recogniser("yunet", 'c');
  detector.kind = ModelKind::kDetector;
  ASSERT_TRUE(registry.Register(detector).ok());
  ASSERT_TRUE(registry.SetAlias("arcface", 1, "default").ok());
  ASSERT_TRUE(registry.SetAlias("yunet", 1, "default").ok());  // Another kind: both keep it.
  EXPECT_EQ((*registry.FindAlias(ModelKind::kRecogniser, "default"))->Label(), "arcface:1");
  ASSERT_TRUE(registry.SetAlias("cosface", 1, "default").ok());  // Moves within the kind.
  EXPECT_EQ((*registry.FindAlias(ModelKind::kRecogniser, "default"))->Label(), "cosface:1");
  EXPECT_TRUE(registry.Find("arcface:1")->aliases.empty());
  EXPECT_EQ((*registry.FindAlias(ModelKind::kDetector, "default"))->Label(), "yunet:1");
  EXPECT_EQ(registry.Find("cosface@default")->version, 1);
  EXPECT_EQ(registry.Find("arcface@default").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(registry.SetAlias("arcface", 7, "best").code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(registry.FindAlias(ModelKind::kLandmarks, "default")->has_value());
}

TEST(ModelRegistryTest, ReferencesAndPathsAreToldApartAndBadOnesNamed) {
  EXPECT_EQ(ParseModelReference("arcface")->name, "arcface");
  EXPECT_EQ(ParseModelReference("arcface:3")->version, 3);
  EXPECT_EQ(ParseModelReference("arcface@best-v2")->alias, "best-v2");
  for (const char* bad : {"", "a:b", "a:0", "a@b:1", "a b", "..", "x@", "@x", "name/with/slash"}) {
    const auto parsed = ParseModelReference(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(LooksLikeModelPath("artifacts/x/embedding_net.pt"));
  EXPECT_TRUE(LooksLikeModelPath("net.pt"));
  EXPECT_TRUE(LooksLikeModelPath("net.onnx"));
  EXPECT_FALSE(LooksLikeModelPath("arcface-full@default"));
  auto store = FreshStore("missing.db");
  ModelRegistry registry(*store);
  const auto missing = registry.Find("nobody");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nobody"), std::string::npos);
}

TEST(ModelRegistryTest, RegistryRowsTravelWithTheirRunThroughExportAndImport) {
  auto from = FreshStore("export_from.db");
  RunOptions options;
  options.experiment = "compare_losses";
  options.name = "arcface";
  const int64_t run_id = *from->StartRun(options);
  ASSERT_TRUE(from->FinishRun(run_id, RunStatus::kFinished).ok());
  const std::string uid = from->GetRun(run_id)->uid;
  ModelRegistry registry(*from);
  ASSERT_TRUE(registry.Register(Recogniser("arcface", 'a', uid)).ok());
  ASSERT_TRUE(registry.SetAlias("arcface", 1, "default").ok());
  const auto text = ExportRuns(*from, {run_id});
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("\tmodel\tarcface\t1\trecogniser\t"), std::string::npos) << *text;

  auto to = FreshStore("export_to.db");
  const auto runs = ParseRunExport("runs.tsv", *text);
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_TRUE(ImportRuns(*to, *runs).ok());
  ASSERT_TRUE(ImportRuns(*to, *runs).ok());  // Twice: nothing new.
  ModelRegistry imported(*to);
  ASSERT_EQ(imported.List()->size(), 1u);
  const RegisteredModel m = *imported.Find("arcface@default");
  EXPECT_EQ(m.run_uid, uid);
  EXPECT_EQ(m.metrics.at("threshold_at_far/0.001"), 0.57);
  EXPECT_EQ(*ExportRuns(*to, {to->GetRunByUid(uid)->id}), *text);  // Byte for byte.

  // The same name:version for another file is refused, naming it.
  auto clash = FreshStore("export_clash.db");
  ASSERT_TRUE(ModelRegistry(*clash).Register(Recogniser("arcface", 'f')).ok());
  const auto refused = ImportRuns(*clash, *runs);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(refused.status().message().find("arcface:1"), std::string::npos) << refused.status();
}

TEST(ModelRegistryTest, MalformedModelRecordsNameTheLine) {
  const std::string uid = std::string(32, 'a');
  const std::string text = absl::StrCat(kRunExportHeader, "\n", uid,
                                        "\trun\tcompare_losses\tarcface\tFINISHED\t1\t2\t2\tv0\t\t\t\t\t\t0\t\n", uid,
                                        "\tmodel_alias\tarcface\t1\tdefault\n");
  const auto parsed = ParseRunExport("runs.tsv", text);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("runs.tsv:3"), std::string::npos) << parsed.status();
}

}  // namespace
}  // namespace facerec::tracking
