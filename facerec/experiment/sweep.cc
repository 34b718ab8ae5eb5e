#include "facerec/experiment/sweep.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "facerec/core/child_process.h"
#include "facerec/core/progress.h"
#include "facerec/core/status_macros.h"
#include "glog/logging.h"

namespace facerec::experiment {
namespace {

// "flag=rest" parts of a ';'-separated spec, each flag once.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Axes(absl::string_view spec,
                                                                      absl::string_view what) {
  std::vector<std::pair<std::string, std::string>> axes;
  std::set<std::string> seen;
  for (absl::string_view part : absl::StrSplit(spec, ';', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    const size_t eq = part.find('=');
    std::string flag(absl::StripPrefix(absl::StripAsciiWhitespace(part.substr(0, eq)), "--"));
    if (eq == absl::string_view::npos || flag.empty() || part.substr(eq + 1).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": '", part, "' is not flag=values"));
    }
    if (!seen.insert(flag).second) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": flag '", flag, "' given twice"));
    }
    axes.emplace_back(flag, std::string(absl::StripAsciiWhitespace(part.substr(eq + 1))));
  }
  if (axes.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": no flag=values"));
  return axes;
}

SweepPoint Sorted(SweepPoint p) {
  std::sort(p.flags.begin(), p.flags.end());
  return p;
}

std::string Number(double v) { return absl::StrFormat("%.4g", v); }

}  // namespace

std::string SweepPoint::Key() const {
  // ';' as in the grid's own syntax: a ',' would split the key inside
  // --run_tags, which separates its tags with commas.
  return absl::StrJoin(flags, ";", [](std::string* out, const auto& f) {
    absl::StrAppend(out, f.first, "=", f.second);
  });
}

std::string SweepPoint::LogName() const {
  std::string name = Key();
  for (char& c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '=' && c != '-' && c != '_') c = '_';
  }
  return name + ".log";
}

std::vector<std::string> SweepPoint::Args() const {
  std::vector<std::string> args;
  for (const auto& [flag, value] : flags) args.push_back(absl::StrCat("--", flag, "=", value));
  return args;
}

absl::StatusOr<std::vector<SweepPoint>> GridPoints(absl::string_view grid) {
  FACEREC_ASSIGN_OR_RETURN(const auto axes, Axes(grid, "grid"));
  std::vector<std::vector<std::string>> values;
  for (const auto& [flag, list] : axes) {
    std::vector<std::string> v;
    for (absl::string_view x : absl::StrSplit(list, ',')) {
      x = absl::StripAsciiWhitespace(x);
      if (x.empty()) return absl::InvalidArgumentError(absl::StrCat("grid: empty value for ", flag));
      v.emplace_back(x);
    }
    values.push_back(std::move(v));
  }
  std::vector<SweepPoint> points;
  std::vector<size_t> at(axes.size(), 0);
  while (true) {
    SweepPoint p;
    for (size_t a = 0; a < axes.size(); ++a) p.flags.emplace_back(axes[a].first, values[a][at[a]]);
    points.push_back(Sorted(std::move(p)));
    size_t a = axes.size();
    while (a > 0 && ++at[a - 1] == values[a - 1].size()) at[--a] = 0;
    if (a == 0) break;
  }
  return points;
}

absl::StatusOr<std::vector<SweepPoint>> RandomPoints(absl::string_view space, int count,
                                                     uint64_t seed) {
  if (count < 1) return absl::InvalidArgumentError(absl::StrCat("random: count ", count, " < 1"));
  FACEREC_ASSIGN_OR_RETURN(const auto axes, Axes(space, "space"));
  // One sampler per axis, checked before any point is drawn.
  std::vector<std::function<std::string(std::mt19937_64&)>> samplers;
  for (const auto& [flag, spec] : axes) {
    const std::vector<std::string> parts = absl::StrSplit(spec, ':');
    const bool log = parts[0] == "log", integer = parts[0] == "int";
    const size_t first = log || integer ? 1 : 0;
    double lo = 0, hi = 0;
    if (parts.size() == first + 2 && absl::SimpleAtod(parts[first], &lo) &&
        absl::SimpleAtod(parts[first + 1], &hi)) {
      if (!(lo <= hi) || (log && lo <= 0) || !std::isfinite(lo) || !std::isfinite(hi)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "space: ", flag, "=", spec, ": need lo <= hi", log ? " and 0 < lo" : ""));
      }
      if (log) {
        samplers.push_back([lo, hi](std::mt19937_64& g) {
          return Number(std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(g)));
        });
      } else if (integer) {
        samplers.push_back([lo, hi](std::mt19937_64& g) {
          return absl::StrCat(std::uniform_int_distribution<int64_t>(std::llround(lo), std::llround(hi))(g));
        });
      } else {
        samplers.push_back([lo, hi](std::mt19937_64& g) {
          return Number(std::uniform_real_distribution<double>(lo, hi)(g));
        });
      }
    } else if (!log && !integer && parts.size() == 1) {
      std::vector<std::string> choices;
      for (absl::string_view x : absl::StrSplit(spec, ',')) choices.emplace_back(absl::StripAsciiWhitespace(x));
      if (std::any_of(choices.begin(), choices.end(), [](const std::string& c) { return c.empty(); })) {
        return absl::InvalidArgumentError(absl::StrCat("space: ", flag, "=", spec, ": empty choice"));
      }
      samplers.push_back([choices](std::mt19937_64& g) {
        return choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(g)];
      });
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "space: ", flag, "=", spec, ": expected lo:hi, log:lo:hi, int:lo:hi or a,b,c"));
    }
  }
  std::mt19937_64 generator(seed);
  std::vector<SweepPoint> points;
  std::set<std::string> keys;
  for (int i = 0; i < count; ++i) {
    SweepPoint p;
    for (size_t a = 0; a < axes.size(); ++a) p.flags.emplace_back(axes[a].first, samplers[a](generator));
    p = Sorted(std::move(p));
    if (keys.insert(p.Key()).second) points.push_back(std::move(p));
  }
  return points;
}

absl::StatusOr<bool> PointFinished(tracking::ExperimentStore& store, const std::string& sweep,
                                   const SweepPoint& point) {
  FACEREC_ASSIGN_OR_RETURN(
      auto statement,
      store.database().Prepare(
          "SELECT COUNT(*) FROM runs r JOIN tags s ON s.run_id = r.id AND s.key = 'sweep' "
          "JOIN tags p ON p.run_id = r.id AND p.key = 'sweep_point' "
          "WHERE s.value = ? AND p.value = ? AND r.status = 'FINISHED'"));
  statement.Bind(1, sweep).Bind(2, point.Key());
  int64_t count = 0;
  FACEREC_RETURN_IF_ERROR(statement.ForEachRow([&](const sqlite::Statement& row) { count = row.ColumnInt(0); }));
  return count > 0;
}

absl::StatusOr<SweepOutcome> RunSweep(
    const std::vector<SweepPoint>& points, const SweepRunnerOptions& options,
    const std::function<absl::StatusOr<bool>(const SweepPoint&)>& finished) {
  if (options.processes < 1) return absl::InvalidArgumentError("processes must be >= 1");
  if (options.threads_per_process < 1) return absl::InvalidArgumentError("threads_per_process must be >= 1");
  if (options.sweep.empty()) return absl::InvalidArgumentError("the sweep needs a name");
  if (access(options.binary.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("no executable ", options.binary));
  }
  std::error_code error;
  std::filesystem::create_directories(options.log_dir, error);
  if (error) return absl::PermissionDeniedError(absl::StrCat("cannot create ", options.log_dir));

  SweepOutcome outcome;
  std::vector<size_t> pending;
  for (size_t i = 0; i < points.size(); ++i) {
    FACEREC_ASSIGN_OR_RETURN(const bool done, finished(points[i]));
    if (done) {
      ++outcome.skipped;
      LOG(INFO) << "sweep " << options.sweep << ": point " << i + 1 << " (" << points[i].Key()
                << ") finished before, skipped";
    } else {
      pending.push_back(i);
    }
  }
  ProgressMeter meter(absl::StrCat("sweep ", options.sweep), pending.size(), "point", 30);
  std::map<pid_t, size_t> running;  // pid -> point index.
  size_t next = 0;
  int ended = 0;
  while (next < pending.size() || !running.empty()) {
    while (next < pending.size() && static_cast<int>(running.size()) < options.processes) {
      const size_t i = pending[next++];
      std::vector<std::string> args = {options.binary};
      args.insert(args.end(), options.base_args.begin(), options.base_args.end());
      for (const std::string& a : points[i].Args()) args.push_back(a);
      args.push_back(absl::StrCat("--threads=", options.threads_per_process));
      args.push_back(absl::StrCat("--run_tags=sweep=", options.sweep, ",sweep_point=", points[i].Key()));
      const std::string log = absl::StrCat(options.log_dir, "/", points[i].LogName());
      FACEREC_ASSIGN_OR_RETURN(const pid_t pid, StartChild(std::move(args), log));
      LOG(INFO) << "sweep " << options.sweep << ": point " << i + 1 << "/" << points.size() << " ("
                << points[i].Key() << ") started, pid " << pid << ", log " << log;
      running[pid] = i;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError("waitpid failed");
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const size_t i = it->second;
    running.erase(it);
    ++ended;
    const std::string log = absl::StrCat(options.log_dir, "/", points[i].LogName());
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      ++outcome.finished;
      LOG(INFO) << "sweep " << options.sweep << ": point " << i + 1 << " (" << points[i].Key() << ") finished";
    } else {
      const std::string why = WIFEXITED(status) ? absl::StrCat("exit status ", WEXITSTATUS(status))
                                                : absl::StrCat("signal ", WTERMSIG(status));
      outcome.failed.push_back(absl::StrCat(points[i].Key(), ": ", why, " (see ", log, ")"));
      LOG(WARNING) << "sweep " << options.sweep << ": point " << i + 1 << " (" << points[i].Key()
                   << ") failed: " << why << "; see " << log;
    }
    meter.Update(ended, absl::StrCat(running.size(), " running, ", outcome.failed.size(), " failed"));
  }
  meter.Finish(absl::StrCat(outcome.finished, " finished, ", outcome.failed.size(), " failed, ",
                            outcome.skipped, " skipped"));
  return outcome;
}

}  // namespace facerec::experiment
