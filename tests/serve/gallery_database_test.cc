// The gallery as a database: templates as tools:enroll makes them (brute
// force), names, renames and deletes, two connections, tools:enroll's files,
// and kill -9 in the middle of enrolment losing no acknowledged change.
#include "facerec/serve/gallery_database.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <random>
#include <torch/torch.h>

#include "facerec/chain/gallery.h"
#include "facerec/tracking/sqlite.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_data.h"

namespace facerec::serve {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int kDim = 8;
const std::string kSha(64, 'c');

std::vector<float> Unit(std::mt19937& random) {
  std::normal_distribution<float> normal;
  std::vector<float> v(kDim);
  double n = 0;
  for (float& x : v) {
    x = normal(random);
    n += double{x} * x;
  }
  for (float& x : v) x /= static_cast<float>(std::sqrt(n));
  return v;
}

std::unique_ptr<GalleryDatabase> Open(const std::filesystem::path& path) {
  auto db = GalleryDatabase::Open(path.string(), kSha, kDim);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? std::move(*db) : nullptr;
}

std::vector<std::string> Names(GalleryDatabase& db) {
  std::vector<std::string> names;
  const absl::StatusOr<std::vector<GalleryPerson>> people = db.People();  // Kept: the loop reads into it.
  for (const GalleryPerson& p : *people) names.push_back(p.name);
  return names;
}

TEST(GalleryDatabaseTest, APersonsTemplateIsTheNormalisedMeanOfTheirPhotos) {
  std::mt19937 random(3);
  auto db = Open(testing::FreshTempDir("mean") / "g.db");
  std::vector<NewPhoto> photos;
  for (int i = 0; i < 3; ++i) photos.push_back({"sha" + std::to_string(i), Unit(random), "0,0,1,1"});
  const absl::StatusOr<std::vector<int64_t>> ids = db->AddPhotos("Ada", photos);
  ASSERT_TRUE(ids.ok()) << ids.status();
  ASSERT_EQ(ids->size(), 3u);
  auto check = [&](const std::vector<int>& kept) {
    std::vector<double> mean(kDim, 0);
    for (int i : kept) for (int k = 0; k < kDim; ++k) mean[k] += photos[i].embedding[k];
    double n = 0;
    for (double v : mean) n += v * v;
    const std::shared_ptr<const GalleryTemplates> t = *db->Templates();
    ASSERT_EQ(t->names, std::vector<std::string>{"Ada"});
    for (int k = 0; k < kDim; ++k) EXPECT_NEAR(t->row(0)[k], mean[k] / std::sqrt(n), 1e-6);
  };
  check({0, 1, 2});
  bool person_deleted = true;
  ASSERT_TRUE(db->DeletePhoto("Ada", (*ids)[1], &person_deleted).ok());
  EXPECT_FALSE(person_deleted);
  check({0, 2});
  EXPECT_EQ((*db->People())[0].photos, 2);
  ASSERT_TRUE(db->DeletePhoto("Ada", (*ids)[0], &person_deleted).ok());
  ASSERT_TRUE(db->DeletePhoto("Ada", (*ids)[2], &person_deleted).ok());
  EXPECT_TRUE(person_deleted);
  EXPECT_TRUE(Names(*db).empty());
  EXPECT_TRUE((*db->Templates())->names.empty());
}

TEST(GalleryDatabaseTest, RenamesRefuseTakenNamesAndDeletesNameWhatIsMissing) {
  std::mt19937 random(4);
  auto db = Open(testing::FreshTempDir("rename") / "g.db");
  ASSERT_TRUE(db->AddPhotos("Ada", {{"a", Unit(random), ""}}).ok());
  ASSERT_TRUE(db->AddPhotos("Bo", {{"b", Unit(random), ""}}).ok());
  EXPECT_EQ(db->RenamePerson("Ada", "Bo").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(db->RenamePerson("Cy", "Di").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(db->RenamePerson("Ada", "Ada Lovelace").ok());
  EXPECT_THAT(Names(*db), ElementsAre("Ada Lovelace", "Bo"));
  // The photos followed the name.
  EXPECT_EQ((*db->People())[0].photo_rows.size(), 1u);
  EXPECT_EQ(db->DeletePerson("Ada").code(), absl::StatusCode::kNotFound);
  bool gone;
  EXPECT_EQ(db->DeletePhoto("Bo", 12345, &gone).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(db->AddPhotos("Cy", {{"c", std::vector<float>(3, 0.5f), ""}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Names(*db), ElementsAre("Ada Lovelace", "Bo"));
}

TEST(GalleryDatabaseTest, NamesThatCouldBecomePathsOrBreakJsonAreRefused) {
  for (const char* good : {"Ada", "Zoë Ångström", "O'Brien-Smith Jr.", "李小龍", "a.b"}) {
    EXPECT_TRUE(GalleryDatabase::CheckName(good).ok()) << good;
  }
  for (const char* bad : {"", ".", "..", "../etc", "a/b", "a\\b", " Ada", "Ada ", "a\tb", "a:b", "a*b", "a?b",
                          "a\"b", "a<b", "a|b", "\xff\xfe", "\xc3"}) {
    EXPECT_EQ(GalleryDatabase::CheckName(bad).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(GalleryDatabase::CheckName(std::string(129, 'a')).ok());
}

TEST(GalleryDatabaseTest, AnotherConnectionSeesEveryCommitOnItsNextRead) {
  std::mt19937 random(5);
  const std::filesystem::path path = testing::FreshTempDir("two") / "g.db";
  auto a = Open(path);
  auto b = Open(path);
  const int64_t before = (*b->Templates())->generation;
  ASSERT_TRUE(a->AddPhotos("Ada", {{"a", Unit(random), ""}}).ok());
  const std::shared_ptr<const GalleryTemplates> seen = *b->Templates();
  EXPECT_EQ(seen->names, std::vector<std::string>{"Ada"});
  EXPECT_GT(seen->generation, before);
  EXPECT_EQ(*b->Templates(), seen) << "no change, no reread";
  ASSERT_TRUE(b->RenamePerson("Ada", "Bo").ok());
  EXPECT_EQ((*a->Templates())->names, std::vector<std::string>{"Bo"});
}

TEST(GalleryDatabaseTest, AnotherRecognisersGalleryIsRefusedAndToolsEnrollFilesOpen) {
  const std::filesystem::path dir = testing::FreshTempDir("compat");
  chain::Gallery enrolled(kSha, kDim);
  ASSERT_TRUE(enrolled.Add("Ada", torch::nn::functional::normalize(torch::randn({3, kDim}),
                                                                    torch::nn::functional::NormalizeFuncOptions().dim(1)))
                  .ok());
  ASSERT_TRUE(enrolled.Save((dir / "enrolled.gallery").string()).ok());
  auto other = GalleryDatabase::Open((dir / "enrolled.gallery").string(), std::string(64, 'd'), kDim);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(other.status().message(), HasSubstr("cccccccccccc"));
  auto db = Open(dir / "enrolled.gallery");
  const std::vector<GalleryPerson> people = *db->People();
  ASSERT_EQ(people.size(), 1u);
  EXPECT_EQ(people[0].photos, 3);
  ASSERT_EQ(people[0].photo_rows.size(), 1u);
  EXPECT_EQ(people[0].photo_rows[0].weight, 3);
  const std::shared_ptr<const GalleryTemplates> t = *db->Templates();
  const at::Tensor original = torch::from_blob(const_cast<float*>(t->row(0)), {kDim}).clone();
  // And tools:identify reads the server's file.
  std::mt19937 random(6);
  ASSERT_TRUE(db->AddPhotos("Bo", {{"b", Unit(random), ""}}).ok());
  const absl::StatusOr<chain::Gallery> reread = chain::Gallery::Load((dir / "enrolled.gallery").string());
  ASSERT_TRUE(reread.ok()) << reread.status();
  EXPECT_THAT(reread->names(), ElementsAre("Ada", "Bo"));
  EXPECT_NEAR(reread->BestMatch(original).score, 1.0, 1e-5);
}

TEST(GalleryDatabaseTest, KillNineDuringEnrolmentLosesNoAcknowledgedChange) {
  const std::filesystem::path path = testing::FreshTempDir("kill") / "g.db";
  { Open(path); }
  int acks[2];
  ASSERT_EQ(pipe(acks), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The writer: enrols photo after photo and acknowledges each id once
    // AddPhotos has returned, as the server answers its client.
    close(acks[0]);
    std::mt19937 random(getpid());
    auto db = GalleryDatabase::Open(path.string(), kSha, kDim);
    for (int i = 0;; ++i) {
      auto ids = (*db)->AddPhotos("person" + std::to_string(i % 7), {{"x", Unit(random), ""}, {"y", Unit(random), ""}});
      if (!ids.ok()) _exit(3);
      for (int64_t id : *ids) {
        if (write(acks[1], &id, sizeof(id)) != sizeof(id)) _exit(4);
      }
    }
  }
  close(acks[1]);
  std::vector<int64_t> acknowledged;
  int64_t id;
  while (acknowledged.size() < 60 && read(acks[0], &id, sizeof(id)) == sizeof(id)) acknowledged.push_back(id);
  kill(child, SIGKILL);
  int status;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  while (read(acks[0], &id, sizeof(id)) == sizeof(id)) acknowledged.push_back(id);
  close(acks[0]);
  ASSERT_GE(acknowledged.size(), 60u);

  auto check = sqlite::Database::Open(path.string());
  ASSERT_TRUE(check.ok());
  auto integrity = check->Prepare("PRAGMA integrity_check");
  ASSERT_TRUE(integrity->Step().ok());
  EXPECT_EQ(integrity->ColumnText(0), "ok");
  auto db = Open(path);
  std::set<int64_t> present;
  const absl::StatusOr<std::vector<GalleryPerson>> people = db->People();
  ASSERT_TRUE(people.ok()) << people.status();
  for (const GalleryPerson& p : *people) {
    for (const GalleryPhoto& photo : p.photo_rows) present.insert(photo.id);
    int sum = 0;
    for (const GalleryPhoto& photo : p.photo_rows) sum += photo.weight;
    EXPECT_EQ(p.photos, sum) << p.name << ": the template's count matches its rows";
  }
  for (int64_t a : acknowledged) EXPECT_TRUE(present.count(a)) << "acknowledged photo " << a << " was lost";
  // Photos come in pairs, one transaction each: never half a pair.
  EXPECT_EQ(present.size() % 2, 0u);
}

}  // namespace
}  // namespace facerec::serve
