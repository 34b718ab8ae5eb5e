// Headless Chromium driven over the DevTools protocol, for tests that use a
// page as a person does: navigate, wait for a condition, pick a file in a
// file input (what --dump-dom cannot do), read console errors, screenshot.
// The protocol runs over a pipe (--remote-debugging-pipe: JSON messages
// ended by a NUL byte on file descriptors 3 and 4), so no port and no
// WebSocket client are needed.
//
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<Chromium> browser, Chromium::Launch(profile_dir));
//   FACEREC_RETURN_IF_ERROR(browser->Navigate("http://127.0.0.1:8080/faces"));
//   FACEREC_RETURN_IF_ERROR(browser->SetFileInput("#photo-input", "/tmp/photo.jpg"));
//   FACEREC_ASSIGN_OR_RETURN(nlohmann::json names,
//                            browser->WaitFor("window.facesPage.identified > 0 && window.facesPage.names"));
//   EXPECT_THAT(browser->ConsoleErrors(), IsEmpty());
//
// JavaScript dialogs (confirm, alert) are accepted as they open.
//
// Thread-safety: not thread-safe; one test thread drives one browser.
#ifndef FACEREC_TESTS_TESTING_CHROMIUM_DEVTOOLS_H_
#define FACEREC_TESTS_TESTING_CHROMIUM_DEVTOOLS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace facerec::testing {

class Chromium {
 public:
  // Starts $CHROMIUM or /usr/bin/chromium (Debian's package, installed by
  // tools/bazel) with a fresh profile in `profile_dir`, and opens a page.
  static absl::StatusOr<std::unique_ptr<Chromium>> Launch(const std::string& profile_dir);
  ~Chromium();

  // One protocol command to the page; its result, or an error naming the
  // method and the browser's message. DeadlineExceededError after `timeout`.
  absl::StatusOr<nlohmann::json> Call(const std::string& method, const nlohmann::json& params,
                                      absl::Duration timeout = absl::Seconds(30));
  // Loads `url` and waits for its load event.
  absl::Status Navigate(const std::string& url);
  // The value of a JavaScript expression (promises awaited); an error with
  // the exception's text when it throws.
  absl::StatusOr<nlohmann::json> Evaluate(const std::string& expression);
  // Evaluates `expression` every 100 ms until it is truthy; its value.
  // DeadlineExceededError with the last value after `timeout`.
  absl::StatusOr<nlohmann::json> WaitFor(const std::string& expression, absl::Duration timeout = absl::Seconds(30));
  // Picks `path` in the <input type=file> that `selector` finds; the page
  // gets its change event as from a person's choice.
  absl::Status SetFileInput(const std::string& selector, const std::string& path);
  // The page as a PNG file.
  absl::Status Screenshot(const std::string& png_path);
  // Console errors, uncaught exceptions and failed loads seen so far.
  const std::vector<std::string>& ConsoleErrors() const { return errors_; }

 private:
  Chromium() = default;
  absl::Status Send(const nlohmann::json& message);
  // The next message, or DeadlineExceededError.
  absl::StatusOr<nlohmann::json> Receive(absl::Time deadline);
  void HandleEvent(const nlohmann::json& event);
  absl::StatusOr<nlohmann::json> CallIn(const std::string& session, const std::string& method,
                                        const nlohmann::json& params, absl::Duration timeout);

  pid_t pid_ = -1;
  int to_browser_ = -1, from_browser_ = -1;
  std::string buffer_;
  int next_id_ = 1;
  std::string session_;
  bool loaded_ = false;
  std::vector<std::string> errors_;
  std::vector<nlohmann::json> pending_;  // Dialog events to answer after the current read.
};

}  // namespace facerec::testing

#endif  // FACEREC_TESTS_TESTING_CHROMIUM_DEVTOOLS_H_
