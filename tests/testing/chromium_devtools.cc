#include "tests/testing/chromium_devtools.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace facerec::testing {

using Json = nlohmann::json;

absl::StatusOr<std::unique_ptr<Chromium>> Chromium::Launch(const std::string& profile_dir) {
  const char* env = std::getenv("CHROMIUM");
  const std::string binary = env != nullptr && *env ? env : "/usr/bin/chromium";
  if (access(binary.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(binary, " not found: Debian's chromium, which tools/bazel installs"));
  }
  int commands[2], answers[2];
  if (pipe(commands) != 0 || pipe(answers) != 0) return absl::InternalError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The browser reads commands on fd 3 and writes answers on fd 4.
  posix_spawn_file_actions_adddup2(&actions, commands[0], 3);
  posix_spawn_file_actions_adddup2(&actions, answers[1], 4);
  posix_spawn_file_actions_addclose(&actions, commands[1]);
  posix_spawn_file_actions_addclose(&actions, answers[0]);
  // The browser's own log (D-Bus complaints and the like) goes to a file in
  // the profile, not into the test's log.
  std::filesystem::create_directories(profile_dir);
  const std::string log = profile_dir + "/chromium.log";
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const std::string profile = "--user-data-dir=" + profile_dir;
  std::vector<std::string> args = {binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                   "--no-first-run", "--no-default-browser-check", "--remote-debugging-pipe",
                                   "--window-size=1280,1000", profile, "about:blank"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::unique_ptr<Chromium> browser(new Chromium);
  const int spawned = posix_spawn(&browser->pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(commands[0]);
  close(answers[1]);
  browser->to_browser_ = commands[1];
  browser->from_browser_ = answers[0];
  if (spawned != 0) return absl::InternalError(absl::StrCat("cannot start ", binary, ": ", std::strerror(spawned)));
  absl::StatusOr<Json> target = browser->CallIn("", "Target.createTarget", {{"url", "about:blank"}}, absl::Seconds(60));
  if (!target.ok()) return target.status();
  absl::StatusOr<Json> attached = browser->CallIn(
      "", "Target.attachToTarget", {{"targetId", (*target)["targetId"]}, {"flatten", true}}, absl::Seconds(30));
  if (!attached.ok()) return attached.status();
  browser->session_ = (*attached)["sessionId"].get<std::string>();
  for (const char* domain : {"Page.enable", "Runtime.enable", "Log.enable"}) {
    absl::StatusOr<Json> enabled = browser->Call(domain, Json::object());
    if (!enabled.ok()) return enabled.status();
  }
  return browser;
}

Chromium::~Chromium() {
  if (to_browser_ >= 0) {
    (void)Send({{"id", next_id_++}, {"method", "Browser.close"}});
    close(to_browser_);
  }
  if (pid_ > 0) {
    // A few seconds to close cleanly, then killed.
    for (int i = 0; i < 50; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      usleep(100000);
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  if (from_browser_ >= 0) close(from_browser_);
}

absl::Status Chromium::Send(const Json& message) {
  std::string text = message.dump();
  text.push_back('\0');
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(to_browser_, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError("the browser's command pipe is closed");
    written += n;
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> Chromium::Receive(absl::Time deadline) {
  while (true) {
    const size_t end = buffer_.find('\0');
    if (end != std::string::npos) {
      Json message = Json::parse(buffer_.substr(0, end), nullptr, false);
      buffer_.erase(0, end + 1);
      if (message.is_discarded()) return absl::DataLossError("the browser sent a message that is not JSON");
      return message;
    }
    const int64_t wait_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (wait_ms <= 0) return absl::DeadlineExceededError("no message from the browser in time");
    pollfd p{from_browser_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::min<int64_t>(wait_ms, 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char chunk[65536];
    const ssize_t n = read(from_browser_, chunk, sizeof(chunk));
    if (n == 0) return absl::UnavailableError("the browser closed its pipe (did it crash?)");
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat("reading the browser's pipe: ", std::strerror(errno)));
    }
    buffer_.append(chunk, n);
  }
}

void Chromium::HandleEvent(const Json& event) {
  const std::string method = event.value("method", "");
  const Json& params = event.contains("params") ? event["params"] : Json::object();
  if (method == "Runtime.consoleAPICalled" && params.value("type", "") == "error") {
    std::string text;
    for (const Json& arg : params["args"]) {
      absl::StrAppend(&text, text.empty() ? "" : " ",
                      arg.contains("value") ? (arg["value"].is_string() ? arg["value"].get<std::string>()
                                                                         : arg["value"].dump())
                                            : arg.value("description", ""));
    }
    errors_.push_back("console.error: " + text);
  } else if (method == "Runtime.exceptionThrown") {
    const Json& details = params["exceptionDetails"];
    errors_.push_back("exception: " + (details.contains("exception")
                                           ? details["exception"].value("description", details.value("text", ""))
                                           : details.value("text", "")));
  } else if (method == "Log.entryAdded" && params["entry"].value("level", "") == "error") {
    errors_.push_back("log: " + params["entry"].value("text", "") + " " + params["entry"].value("url", ""));
  } else if (method == "Page.loadEventFired") {
    loaded_ = true;
  } else if (method == "Page.javascriptDialogOpening") {
    pending_.push_back(event);
  }
}

absl::StatusOr<Json> Chromium::CallIn(const std::string& session, const std::string& method, const Json& params,
                                      absl::Duration timeout) {
  const int id = next_id_++;
  Json message = {{"id", id}, {"method", method}, {"params", params}};
  if (!session.empty()) message["sessionId"] = session;
  if (absl::Status sent = Send(message); !sent.ok()) return sent;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    absl::StatusOr<Json> m = Receive(deadline);
    if (!m.ok()) return absl::Status(m.status().code(), absl::StrCat(method, ": ", m.status().message()));
    if (m->contains("id") && (*m)["id"] == id) {
      if (m->contains("error")) {
        return absl::InternalError(absl::StrCat(method, ": ", (*m)["error"].value("message", (*m)["error"].dump())));
      }
      return m->value("result", Json::object());
    }
    if (m->contains("method")) HandleEvent(*m);
    // A dialog blocks the page until answered, so it is answered at once;
    // the answer's own reply is an ordinary message with another id.
    while (!pending_.empty() && !session_.empty()) {
      pending_.erase(pending_.begin());
      Json accept = {{"id", next_id_++}, {"method", "Page.handleJavaScriptDialog"},
                     {"params", {{"accept", true}}}, {"sessionId", session_}};
      if (absl::Status sent = Send(accept); !sent.ok()) return sent;
    }
  }
}

absl::StatusOr<Json> Chromium::Call(const std::string& method, const Json& params, absl::Duration timeout) {
  return CallIn(session_, method, params, timeout);
}

absl::Status Chromium::Navigate(const std::string& url) {
  loaded_ = false;
  absl::StatusOr<Json> navigated = Call("Page.navigate", {{"url", url}});
  if (!navigated.ok()) return navigated.status();
  if (navigated->contains("errorText")) {
    return absl::UnavailableError(absl::StrCat(url, ": ", (*navigated)["errorText"].get<std::string>()));
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (!loaded_) {
    absl::StatusOr<Json> m = Receive(deadline);
    if (!m.ok()) return absl::Status(m.status().code(), absl::StrCat("loading ", url, ": ", m.status().message()));
    if (m->contains("method")) HandleEvent(*m);
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> Chromium::Evaluate(const std::string& expression) {
  absl::StatusOr<Json> r = Call("Runtime.evaluate",
                                {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}});
  if (!r.ok()) return r.status();
  if (r->contains("exceptionDetails")) {
    const Json& d = (*r)["exceptionDetails"];
    return absl::InvalidArgumentError(absl::StrCat(
        "evaluating ", expression.substr(0, 80), ": ",
        d.contains("exception") ? d["exception"].value("description", d.value("text", "")) : d.value("text", "")));
  }
  const Json& result = (*r)["result"];
  return result.contains("value") ? result["value"] : Json();
}

absl::StatusOr<Json> Chromium::WaitFor(const std::string& expression, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  Json last;
  while (absl::Now() < deadline) {
    absl::StatusOr<Json> v = Evaluate(expression);
    if (v.ok()) {
      last = *v;
      const bool truthy = !(v->is_null() || (v->is_boolean() && !v->get<bool>()) ||
                            (v->is_number() && v->get<double>() == 0) || (v->is_string() && v->get<std::string>().empty()));
      if (truthy) return *v;
    }
    // Events keep arriving while waiting (console errors among them).
    absl::StatusOr<Json> m = Receive(absl::Now() + absl::Milliseconds(100));
    if (m.ok() && m->contains("method")) HandleEvent(*m);
  }
  return absl::DeadlineExceededError(
      absl::StrCat("waited ", absl::FormatDuration(timeout), " for ", expression.substr(0, 120), "; last value ",
                   last.dump().substr(0, 300)));
}

absl::Status Chromium::SetFileInput(const std::string& selector, const std::string& path) {
  absl::StatusOr<Json> document = Call("DOM.getDocument", {{"depth", 0}});
  if (!document.ok()) return document.status();
  absl::StatusOr<Json> node =
      Call("DOM.querySelector", {{"nodeId", (*document)["root"]["nodeId"]}, {"selector", selector}});
  if (!node.ok()) return node.status();
  if ((*node)["nodeId"] == 0) return absl::NotFoundError(absl::StrCat("no element matches ", selector));
  // Chromium refuses to read a picked file whose path climbs with "..".
  std::error_code error;
  const std::filesystem::path canonical = std::filesystem::canonical(path, error);
  if (error) return absl::NotFoundError(absl::StrCat(path, ": ", error.message()));
  absl::StatusOr<Json> set =
      Call("DOM.setFileInputFiles", {{"files", {canonical.string()}}, {"nodeId", (*node)["nodeId"]}});
  return set.status();
}

absl::Status Chromium::Screenshot(const std::string& png_path) {
  absl::StatusOr<Json> shot = Call("Page.captureScreenshot", {{"format", "png"}, {"captureBeyondViewport", true}});
  if (!shot.ok()) return shot.status();
  std::string png;
  if (!absl::Base64Unescape((*shot)["data"].get<std::string>(), &png)) {
    return absl::DataLossError("the screenshot is not base64");
  }
  std::ofstream out(png_path, std::ios::binary);
  out << png;
  return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", png_path));
}

}  // namespace facerec::testing
