// Sweeps: the points of a grid or of a seeded random search over any flags
// of an experiment binary, and the runner that executes each point as its
// own process, several at once with the cores divided between them, all
// writing one store (experiments:sweep is the command line over this).
//
//   FACEREC_ASSIGN_OR_RETURN(std::vector<SweepPoint> points,
//                            GridPoints("m2=0.2,0.3,0.4;scale=16,32,64"));  // 9 points
//   SweepRunnerOptions options;
//   options.binary = "bazel-bin/experiments/compare_losses";
//   options.base_args = {"--preset=quick", "--losses=arcface"};
//   options.sweep = "margins";
//   options.processes = 2;
//   options.log_dir = "artifacts/sweeps/margins";
//   FACEREC_ASSIGN_OR_RETURN(SweepOutcome outcome,
//                            RunSweep(points, options, [&](const SweepPoint& p) {
//                              return PointFinished(store, "margins", p);  // skip what is done
//                            }));
//
// A point's identity is its assignment ("m2=0.3;scale=32", flags sorted):
// each process gets --run_tags=sweep=<name>,sweep_point=<key>, so the store
// says which runs belong to which point, and a restarted sweep skips the
// points with a FINISHED run. A point that was running when the sweep was
// stopped runs again; experiments that checkpoint (compare_losses: by config
// hash) resume it from where it was.
//
// Stopping: each point's process gets SIGTERM when the sweep's process dies
// (Linux's parent-death signal), so Ctrl-C or kill on the sweep stops every
// point, and each records its run as KILLED.
//
// Thread-safety: RunSweep blocks the calling thread until every point ended;
// the other functions are functions of their arguments (and the store).
#ifndef FACEREC_EXPERIMENT_SWEEP_H_
#define FACEREC_EXPERIMENT_SWEEP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::experiment {

struct SweepPoint {
  // (flag without dashes, value), sorted by flag.
  std::vector<std::pair<std::string, std::string>> flags;

  // "m2=0.3;scale=32": the point's identity in tags and logs (';', as in a
  // grid: --run_tags separates tags with ',').
  std::string Key() const;
  // Key() as a file name: characters other than letters, digits and ".=-_"
  // become '_', then ".log" ("lr=0.1;m2=0.3" -> "lr=0.1_m2=0.3.log").
  std::string LogName() const;
  // {"--m2=0.3", "--scale=32"}.
  std::vector<std::string> Args() const;
};

// Every combination of "flag=v1,v2,...;flag=..." (the cartesian product, in
// the order the values are written, the last flag varying fastest).
// InvalidArgumentError naming the part for an empty or malformed axis or a
// flag given twice.
absl::StatusOr<std::vector<SweepPoint>> GridPoints(absl::string_view grid);

// `count` points drawn with `seed` from "flag=SPEC;flag=SPEC" where SPEC is
//   lo:hi        uniform in [lo, hi]
//   log:lo:hi    log-uniform in [lo, hi] (0 < lo)
//   int:lo:hi    an integer in [lo, hi]
//   a,b,c        one of the values
// Numbers are written with 4 significant digits. Points drawn twice are
// kept once, so fewer than `count` may come back for a small space.
absl::StatusOr<std::vector<SweepPoint>> RandomPoints(absl::string_view space, int count,
                                                     uint64_t seed);

// Whether the store has a FINISHED run tagged sweep=<sweep> and
// sweep_point=<point.Key()>.
absl::StatusOr<bool> PointFinished(tracking::ExperimentStore& store, const std::string& sweep,
                                   const SweepPoint& point);

struct SweepRunnerOptions {
  // The experiment binary each point runs. Required.
  std::string binary;
  // Arguments every point gets before its own (the base configuration).
  // Default none.
  std::vector<std::string> base_args;
  // The sweep's name: tag sweep=<name>. Required.
  std::string sweep;
  // Points running at once. Default 1.
  int processes = 1;
  // --threads for each point. Default 1.
  int threads_per_process = 1;
  // Each point's stdout and stderr are appended to <log_dir>/<LogName()>:
  // one file per point, whichever start of the sweep ran it. Required.
  std::string log_dir;
};

struct SweepOutcome {
  int skipped = 0;    // Finished before this sweep started.
  int finished = 0;   // Ran to exit status 0 now.
  std::vector<std::string> failed;  // "<key>: exit status 1 (see <log>)".
};

// Runs every point that `finished(point)` does not report done, at most
// `processes` at a time, logging progress (done, running, ETA). A point that
// fails is named in the outcome and the others still run. Errors: a bad
// option, a binary that does not exist, `finished` failing.
absl::StatusOr<SweepOutcome> RunSweep(
    const std::vector<SweepPoint>& points, const SweepRunnerOptions& options,
    const std::function<absl::StatusOr<bool>(const SweepPoint&)>& finished);

}  // namespace facerec::experiment

#endif  // FACEREC_EXPERIMENT_SWEEP_H_
