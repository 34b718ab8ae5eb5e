// tools:serve's pages in headless Chromium, used as a person uses them: the
// dashboard shows a training that starts while the server runs, its loss
// curve growing on the run's page; /faces takes a real photo through its
// own file input, draws the names, adds a face to a person and removes a
// person. No console error on either page; screenshots go to the test's
// outputs (TEST_UNDECLARED_OUTPUTS_DIR).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/serve/serving.h"
#include "tests/testing/chromium_devtools.h"
#include "tests/testing/test_data.h"

extern char** environ;

namespace facerec {
namespace {

using ::testing::IsEmpty;
using Json = nlohmann::json;
using testing::Chromium;
using testing::Serving;

std::string OutputPath(const std::string& name) {
  const char* dir = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  return (std::filesystem::path(dir != nullptr ? dir : ::testing::TempDir()) / name).string();
}

// A small real training (compare_losses, cross-entropy, one epoch of the
// quick backbone) writing to `store`, in its own process.
pid_t StartTraining(const std::filesystem::path& store, const std::filesystem::path& artifacts) {
  const std::string binary = (testing::RunfilesRoot() / "experiments" / "compare_losses").string();
  std::vector<std::string> args = {binary, "--db=" + store.string(), "--artifacts_dir=" + artifacts.string(),
                                   "--losses=ce", "--epochs=1", "--backbone=ir_mini", "--width_multiplier=0.5",
                                   "--stem_stride=2", "--threads=1"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, binary.c_str(), nullptr, nullptr, argv.data(), environ), 0) << binary;
  return pid;
}

TEST(BrowserTest, TheDashboardShowsATrainingsCurveGrowingAndTheFacesPageNamesAnUploadedPhoto) {
  const std::filesystem::path dir = testing::FreshTempDir("browser");
  std::unique_ptr<Serving> serving = Serving::Start(dir, {});
  const std::string base = absl::StrCat("http://127.0.0.1:", serving->port);
  absl::StatusOr<std::unique_ptr<Chromium>> launched = Chromium::Launch((dir / "profile").string());
  ASSERT_TRUE(launched.ok()) << launched.status();
  Chromium& browser = **launched;

  // ---- The dashboard, before and while a training runs.
  ASSERT_TRUE(browser.Navigate(base + "/").ok());
  ASSERT_TRUE(browser.WaitFor("window.facerecLive && window.facerecLive.draws >= 1").ok());
  const pid_t training = StartTraining(serving->store_path, dir / "artifacts");
  absl::StatusOr<Json> uid = browser.WaitFor(
      "(window.facerecReportView.runs.find(r => r.experiment === 'compare_losses' && "
      "(r.metrics['train/loss'] || []).length > 1) || {}).uid",
      absl::Seconds(180));
  ASSERT_TRUE(uid.ok()) << uid.status();
  // The run's own page, as a link to it opens it.
  ASSERT_TRUE(browser.Navigate(base + "/?runs=" + uid->get<std::string>() + "#run=" + uid->get<std::string>()).ok());
  const std::string points =
      "(() => { const c = Object.values(window.facerecReportView.charts).find(c => "
      "c.canvas.id.startsWith('run-chart-') && c.data.datasets[0].label === 'train/loss'); "
      "return c ? c.data.datasets[0].data.length : 0; })()";
  absl::StatusOr<Json> first = browser.WaitFor(points);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<Json> grown = browser.WaitFor(absl::StrCat(points, " >= ", first->get<int>() + 5, " && ", points),
                                               absl::Seconds(90));
  ASSERT_TRUE(grown.ok()) << grown.status();
  EXPECT_GE(grown->get<int>(), first->get<int>() + 5);
  absl::StatusOr<Json> draws = browser.Evaluate("window.facerecLive.draws");
  EXPECT_GE(draws->get<int>(), 2);
  EXPECT_TRUE(browser.Screenshot(OutputPath("dashboard.png")).ok());
  kill(training, SIGTERM);
  waitpid(training, nullptr, 0);
  EXPECT_THAT(browser.ConsoleErrors(), IsEmpty());

  // ---- /faces: one person enrolled over the API, then a photo through the page's file input.
  httplib::Client client = serving->Client();
  httplib::Result enrolled =
      client.Post("/v1/people/Ricardo_Lagos/photos", serving->Headers(),
                  testing::Multipart({testing::LfwPhoto("Ricardo_Lagos", 0), testing::LfwPhoto("Ricardo_Lagos", 1)}));
  ASSERT_EQ(enrolled->status, 200) << enrolled->body;
  ASSERT_TRUE(browser.Navigate(base + "/faces").ok());
  ASSERT_TRUE(browser
                  .Evaluate(absl::StrCat("const k = document.getElementById('api-key'); k.value = '", serving->key,
                                         "'; k.dispatchEvent(new Event('change')); true"))
                  .ok());
  ASSERT_TRUE(browser.WaitFor("window.facesPage.people.includes('Ricardo_Lagos')").ok());
  ASSERT_TRUE(browser.SetFileInput("#photo-input", testing::LfwPhotoPath("Ricardo_Lagos", 2).string()).ok());
  absl::StatusOr<Json> names = browser.WaitFor("window.facesPage.identified >= 1 && window.facesPage.names");
  ASSERT_TRUE(names.ok()) << names.status() << "; page: "
                          << browser.Evaluate("JSON.stringify(window.facesPage) + ' status: ' + "
                                              "document.getElementById('status').textContent")
                                 ->dump()
                          << "; console: " << ::testing::PrintToString(browser.ConsoleErrors());
  EXPECT_THAT(names->get<std::vector<std::string>>(), ::testing::Contains("Ricardo_Lagos"));
  EXPECT_EQ(browser.Evaluate("document.getElementById('photo-canvas').width")->get<int>(), 250);
  EXPECT_TRUE(browser.Screenshot(OutputPath("faces.png")).ok());

  // Add the first face to a new person through the page, then remove that person.
  ASSERT_TRUE(browser
                  .Evaluate("document.querySelector('.enroll-name').value = 'Lagos twin'; "
                            "document.querySelector('.enroll').click(); true")
                  .ok());
  ASSERT_TRUE(browser.WaitFor("window.facesPage.enrolled >= 1 && window.facesPage.people.includes('Lagos twin')").ok());
  ASSERT_TRUE(browser.Evaluate("document.querySelector('button.remove[data-name=\"Lagos twin\"]').click(); true").ok());
  ASSERT_TRUE(browser.WaitFor("!window.facesPage.people.includes('Lagos twin') && "
                              "window.facesPage.people.includes('Ricardo_Lagos')")
                  .ok());
  EXPECT_THAT(browser.Evaluate("window.facesPage.errors")->get<std::vector<std::string>>(), IsEmpty());
  EXPECT_THAT(browser.ConsoleErrors(), IsEmpty());
}

}  // namespace
}  // namespace facerec
