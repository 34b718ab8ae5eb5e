// A folder of people, a list of photos and a split file read as the user
// wrote them; the seeded split by identity never puts one person on both
// sides, and bad lines are errors naming file and line.
#include "facerec/data/person_photos.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/testing/test_data.h"

namespace facerec::data {
namespace {

namespace fs = std::filesystem;

class PersonPhotosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  fs::path dir_;
};

TEST_F(PersonPhotosTest, FolderGivesPersonsInNameOrderAndSkipsWhatIsNoPhoto) {
  testing::WriteFile(dir_ / "people/bob/b2.jpg", "x");
  testing::WriteFile(dir_ / "people/bob/b1.JPG", "x");
  testing::WriteFile(dir_ / "people/bob/notes.txt", "x");
  testing::WriteFile(dir_ / "people/bob/.hidden.jpg", "x");
  testing::WriteFile(dir_ / "people/ada/2019/a1.png", "x");  // Any depth below the person.
  testing::WriteFile(dir_ / "people/carl/readme.md", "x");    // No photo at all.
  testing::WriteFile(dir_ / "people/loose.jpg", "x");         // Not in a person's folder.
  const absl::StatusOr<PersonPhotos> photos = ReadPhotoFolder((dir_ / "people").string());
  ASSERT_TRUE(photos.ok()) << photos.status();
  ASSERT_EQ(photos->photos.size(), 3u);
  EXPECT_EQ(photos->photos[0].name, "ada/2019/a1.png");
  EXPECT_EQ(photos->photos[0].person, "ada");
  EXPECT_EQ(photos->photos[1].name, "bob/b1.JPG");
  EXPECT_EQ(photos->photos[2].name, "bob/b2.jpg");
  EXPECT_EQ(photos->empty_persons, std::vector<std::string>{"carl"});
  EXPECT_EQ(photos->Persons(), (std::vector<std::string>{"ada", "bob"}));
}

TEST_F(PersonPhotosTest, EmptyOrMissingFolderIsOneClearError) {
  fs::create_directories(dir_ / "empty");
  const absl::StatusOr<PersonPhotos> empty = ReadPhotoFolder((dir_ / "empty").string());
  EXPECT_TRUE(absl::IsInvalidArgument(empty.status()));
  EXPECT_NE(empty.status().message().find("no photos"), std::string::npos) << empty.status();
  EXPECT_TRUE(absl::IsNotFound(ReadPhotoFolder((dir_ / "absent").string()).status()));
}

TEST_F(PersonPhotosTest, ListTakesThePersonFromTheLastFieldAndPathsRelativeToTheList) {
  testing::WriteFile(dir_ / "photos/my trip/1.jpg", "x");
  testing::WriteFile(dir_ / "photos/2.jpg", "x");
  testing::WriteFile(dir_ / "list.txt", "# comment\nphotos/my trip/1.jpg  ada\n\nphotos/2.jpg bob # the second\n");
  const absl::StatusOr<PersonPhotos> photos = ReadPhotoList((dir_ / "list.txt").string());
  ASSERT_TRUE(photos.ok()) << photos.status();
  ASSERT_EQ(photos->photos.size(), 2u);
  EXPECT_EQ(photos->photos[0].person, "ada");
  EXPECT_EQ(photos->photos[0].name, "photos/my trip/1.jpg");
  EXPECT_EQ(fs::path(photos->photos[0].path), dir_ / "photos/my trip/1.jpg");
  EXPECT_EQ(photos->photos[1].person, "bob");
  EXPECT_EQ(photos->annotation_files, std::vector<std::string>{(dir_ / "list.txt").string()});
}

TEST_F(PersonPhotosTest, ListLineWithAMissingFileNamesTheLine) {
  testing::WriteFile(dir_ / "a.jpg", "x");
  testing::WriteFile(dir_ / "list.txt", "a.jpg ada\ngone.jpg bob\n");
  const absl::Status status = ReadPhotoList((dir_ / "list.txt").string()).status();
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_NE(status.message().find("list.txt:2"), std::string::npos) << status;
  testing::WriteFile(dir_ / "list2.txt", "a.jpg\n");
  const absl::Status one_field = ReadPhotoList((dir_ / "list2.txt").string()).status();
  EXPECT_NE(one_field.message().find("list2.txt:1"), std::string::npos) << one_field;
  testing::WriteFile(dir_ / "list3.txt", "a.jpg ada\n./a.jpg bob\n");
  const absl::Status twice = ReadPhotoList((dir_ / "list3.txt").string()).status();
  EXPECT_NE(twice.message().find("list3.txt:2: the photo is listed twice"), std::string::npos) << twice;
}

TEST_F(PersonPhotosTest, SplitFileReordersThePhotosAndGivesTheirRoles) {
  for (const char* f : {"p/a/1.jpg", "p/a/2.jpg", "p/b/1.jpg"}) testing::WriteFile(dir_ / f, "x");
  PersonPhotos photos = *ReadPhotoFolder((dir_ / "p").string());
  testing::WriteFile(dir_ / "split.txt", "b/1.jpg query\na/2.jpg val\na/1.jpg train\n");
  const absl::StatusOr<std::vector<PhotoRole>> roles = ApplySplitFile((dir_ / "split.txt").string(), &photos);
  ASSERT_TRUE(roles.ok()) << roles.status();
  EXPECT_EQ(*roles, (std::vector<PhotoRole>{PhotoRole::kQuery, PhotoRole::kVal, PhotoRole::kTrain}));
  EXPECT_EQ(photos.photos[0].name, "b/1.jpg");
  EXPECT_EQ(photos.photos[2].name, "a/1.jpg");
  EXPECT_EQ(SplitFileText(photos, *roles), "b/1.jpg query\na/2.jpg val\na/1.jpg train\n");
}

TEST_F(PersonPhotosTest, SplitFileErrorsNameTheLineOrThePhotoLeftOut) {
  for (const char* f : {"p/a/1.jpg", "p/a/2.jpg"}) testing::WriteFile(dir_ / f, "x");
  const PersonPhotos photos = *ReadPhotoFolder((dir_ / "p").string());
  const std::map<std::string, std::string> cases = {
      {"a/1.jpg train\na/2.jpg holdout\n", "split.txt:2: unknown role 'holdout'"},
      {"a/1.jpg train\na/3.jpg val\n", "split.txt:2: no photo of the dataset has this name"},
      {"a/1.jpg train\na/1.jpg val\n", "split.txt:2: the photo is listed twice"},
      {"a/1.jpg train\n", "photo a/2.jpg of the dataset has no line"},
  };
  for (const auto& [text, message] : cases) {
    testing::WriteFile(dir_ / "split.txt", text);
    PersonPhotos copy = photos;
    const absl::Status status = ApplySplitFile((dir_ / "split.txt").string(), &copy).status();
    EXPECT_NE(status.message().find(message), std::string::npos) << text << " -> " << status;
  }
}

PersonPhotos SyntheticPeople(int persons, int photos_each) {
  PersonPhotos p;
  for (int i = 0; i < persons; ++i) {
    const int n = i % 5 == 0 ? 1 : photos_each;  // Every fifth person has a single photo.
    for (int k = 0; k < n; ++k) {
      const std::string person = absl::StrCat("person", i);
      p.photos.push_back({absl::StrCat("/x/", person, "/", k, ".jpg"), absl::StrCat(person, "/", k, ".jpg"), person});
    }
  }
  return p;
}

TEST(SplitByIdentityTest, NoPersonIsOnBothSidesAndSinglePhotoPeopleAreNeverQueried) {
  const PersonPhotos people = SyntheticPeople(100, 10);
  IdentitySplitOptions options;
  const absl::StatusOr<std::vector<PhotoRole>> roles = SplitByIdentity(people, options);
  ASSERT_TRUE(roles.ok()) << roles.status();
  std::map<std::string, std::set<bool>> held_out;  // person -> {held out?}
  std::map<std::string, int> photos_of;
  for (const PersonPhoto& p : people.photos) ++photos_of[p.person];
  for (size_t i = 0; i < roles->size(); ++i) {
    const PhotoRole r = (*roles)[i];
    held_out[people.photos[i].person].insert(r == PhotoRole::kQuery || r == PhotoRole::kDistractor);
    if (r == PhotoRole::kQuery) {
      EXPECT_GE(photos_of[people.photos[i].person], 2);
    }
  }
  for (const auto& [person, sides] : held_out) EXPECT_EQ(sides.size(), 1u) << person;
  const IdentitySplitCounts counts = CountSplit(people, *roles);
  EXPECT_EQ(counts.identities.at(PhotoRole::kQuery) + counts.identities.at(PhotoRole::kDistractor), 20);
  EXPECT_EQ(counts.identities.at(PhotoRole::kTrain), 80);
  // A 10-photo training person gives 1 photo to val and 1 to test.
  EXPECT_GT(counts.photos.at(PhotoRole::kVal), 0);
  EXPECT_EQ(counts.photos.at(PhotoRole::kVal), counts.photos.at(PhotoRole::kTest));
}

TEST(SplitByIdentityTest, SameSeedSameSplitOtherSeedAnother) {
  const PersonPhotos people = SyntheticPeople(60, 6);
  IdentitySplitOptions a;
  IdentitySplitOptions b;
  b.seed = 2;
  EXPECT_EQ(*SplitByIdentity(people, a), *SplitByIdentity(people, a));
  EXPECT_NE(*SplitByIdentity(people, a), *SplitByIdentity(people, b));
}

TEST(SplitByIdentityTest, TooFewIdentitiesOrBadSharesAreErrorsNamingTheField) {
  IdentitySplitOptions options;
  options.held_out_identities = 0.9;
  const absl::Status few = SplitByIdentity(SyntheticPeople(5, 3), options).status();
  EXPECT_TRUE(absl::IsInvalidArgument(few)) << few;
  EXPECT_NE(few.message().find("need at least 2"), std::string::npos) << few;
  IdentitySplitOptions bad;
  bad.val_photos = 0.6;
  bad.test_photos = 0.5;
  EXPECT_NE(ValidateIdentitySplitOptions(bad).message().find("val_photos + test_photos"), std::string::npos);
  bad = IdentitySplitOptions();
  bad.held_out_identities = 1.5;
  EXPECT_NE(ValidateIdentitySplitOptions(bad).message().find("held_out_identities=1.5"), std::string::npos);
}

}  // namespace
}  // namespace facerec::data
