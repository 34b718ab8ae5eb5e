#include "facerec/data/face_boxes.h"

#include <gtest/gtest.h>

#include "tests/testing/test_data.h"

namespace facerec::data {
namespace {

using ::facerec::testing::DataRoot;
using ::facerec::testing::FreshTempDir;
using ::facerec::testing::WriteFile;

size_t CountBoxes(const std::vector<BoxedImage>& images) {
  size_t n = 0;
  for (const BoxedImage& image : images) n += image.boxes.size();
  return n;
}

TEST(FaceBoxesTest, ReadsTheRealSetsWithTheirDocumentedCounts) {
  auto facemask = LoadFacemask(DataRoot());
  ASSERT_TRUE(facemask.ok()) << facemask.status();
  EXPECT_EQ(facemask->size(), 711u);
  EXPECT_EQ(CountBoxes(*facemask), 3441u);

  auto wild = LoadCelebaWild(DataRoot());
  ASSERT_TRUE(wild.ok()) << wild.status();
  EXPECT_EQ(wild->size(), 479u);

  auto train = LoadDlibFaces(DataRoot(), "training.xml");
  ASSERT_TRUE(train.ok()) << train.status();
  EXPECT_EQ(train->size(), 4u);
  EXPECT_EQ(CountBoxes(*train), 18u);
  auto test = LoadDlibFaces(DataRoot(), "testing.xml");
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_EQ(test->size(), 5u);
  EXPECT_EQ(CountBoxes(*test), 25u);

  auto web = LoadWebFaces(DataRoot());
  ASSERT_TRUE(web.ok()) << web.status();
  EXPECT_EQ(web->size(), 3464u);
}

TEST(FaceBoxesTest, CelebaWildConvertsTopLeftAndSize) {
  const auto root = FreshTempDir("wild");
  WriteFile(root / "celeba_wild" / "images" / "a.jpg", "x");
  WriteFile(root / "celeba_wild" / "list_bbox_celeba_subset.csv",
            "image_id,x_1,y_1,width,height\na.jpg,10,20,30,40\n");
  auto images = LoadCelebaWild(root);
  ASSERT_TRUE(images.ok()) << images.status();
  ASSERT_EQ(images->size(), 1u);
  const FaceBox& box = (*images)[0].boxes[0];
  EXPECT_EQ(box.x, 10);
  EXPECT_EQ(box.y, 20);
  EXPECT_EQ(box.width, 30);
  EXPECT_EQ(box.height, 40);
}

TEST(FaceBoxesTest, MalformedCsvLineNamesFileAndLine) {
  const auto root = FreshTempDir("badwild");
  WriteFile(root / "celeba_wild" / "list_bbox_celeba_subset.csv",
            "image_id,x_1,y_1,width,height\na.jpg,10,20,-30,40\n");
  auto images = LoadCelebaWild(root);
  ASSERT_FALSE(images.ok());
  EXPECT_NE(images.status().message().find("list_bbox_celeba_subset.csv:2:"), std::string::npos)
      << images.status();
}

TEST(FaceBoxesTest, VocBoxWithoutCoordinateNamesTheXml) {
  const auto root = FreshTempDir("voc");
  WriteFile(root / "facemask" / "images" / "p.png", "x");
  WriteFile(root / "facemask" / "annotations" / "p.xml",
            "<annotation><filename>p.png</filename><object><bndbox><xmin>1</xmin>"
            "<ymin>2</ymin><xmax>5</xmax></bndbox></object></annotation>");
  auto images = LoadFacemask(root);
  ASSERT_FALSE(images.ok());
  EXPECT_NE(images.status().message().find("p.xml: box 1 has no numeric <ymax>"),
            std::string::npos)
      << images.status();
}

}  // namespace
}  // namespace facerec::data
