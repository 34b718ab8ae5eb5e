// A sweep over any flags of an experiment (experiment/sweep.h): each point of
// a grid or of a seeded random search runs as its own process, --processes
// at once with the cores divided between them, all writing the same store;
// then the points are ranked by a final metric of their runs. Started again
// with the same --name it skips the finished points and resumes the rest
// (compare_losses continues a point from its checkpoint).
//
//   tools/bazel run //experiments:sweep -- --name=margins --grid='m2=0.3,0.5;scale=32,64'
//       --base_args='--preset=quick --losses=arcface'      (one command line)
//   tools/bazel run //experiments:sweep -- --name=lr --space='lr=log:0.01:0.3;m3=0.2:0.45'
//       --random=8 --base_args='--preset=quick --losses=cosface'
//
// The sweep is a run too (experiment "sweep", name --name): its params are the
// spec, its metrics objective/<point> the ranked values; the points' runs are
// tagged sweep=<name>, sweep_point=<point>, so tools:report --runs or a filter
// on "sweep=<name>" shows them, with parallel coordinates of what varied.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/experiment/sweep.h"
#include "facerec/tracking/run.h"
#include "facerec/tracking/experiment_names.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(name, "", "The sweep's name (required): what a restart resumes and the runs' tag sweep=<name>.");
DEFINE_string(target, "compare_losses", "The experiment binary each point runs (in experiments/).");
DEFINE_string(base_args, "", "Flags every point gets before its own, space-separated (the base configuration).");
DEFINE_string(dataset, "",
              "The points' recognition data (compare_losses --dataset: celeba500, folder:DIR, list:FILE), given to "
              "every point; its companions (--aligned, --split_file, --eval_dataset, ...) go in --base_args. "
              "Empty: the target's default.");
DEFINE_string(grid, "", "Grid: 'flag=v1,v2;flag=v1,v2' (every combination).");
DEFINE_string(space, "", "Random search space: 'flag=lo:hi;flag=log:lo:hi;flag=int:lo:hi;flag=a,b' (with --random).");
DEFINE_int32(random, 0, "Points drawn from --space.");
DEFINE_uint64(random_seed, 1, "Seed of the random search's draws.");
DEFINE_int32(processes, 0,
             "Points running at once; 0 = one per core. Each point gets cores / processes threads.");
DEFINE_string(objective, "val/tpr_at_fpr_0.1",
              "The final metric the points are ranked by. Default: the identification rate at FPR 0.1 "
              "on the val split, what celebA_ir measures, recorded for every loss (val/accuracy needs a "
              "classification head).");
DEFINE_bool(minimize, false, "Rank the lowest objective first.");
DEFINE_bool(dry_run, false, "Print the points and whether each is finished; run nothing.");
DECLARE_string(db);
DECLARE_string(data_root);
DECLARE_string(config_dir);
DECLARE_string(artifacts_dir);
DECLARE_string(device);

namespace facerec {
namespace {

struct Ranked {
  std::string key;
  std::string uid;
  std::optional<double> objective;  // Empty: the run recorded no such metric.
  double minutes = 0;
};

// The newest FINISHED run of each point and its final objective, best first;
// points whose run has no objective last (listed, so none goes unseen).
absl::StatusOr<std::vector<Ranked>> Rank(tracking::ExperimentStore& store,
                                         const std::vector<experiment::SweepPoint>& points) {
  std::vector<Ranked> ranked;
  for (const experiment::SweepPoint& p : points) {
    FACEREC_ASSIGN_OR_RETURN(
        auto statement,
        store.database().Prepare(
            "SELECT r.uid, r.end_ms - r.start_ms, "
            "(SELECT m.value FROM metrics m WHERE m.run_id = r.id AND m.key = ? ORDER BY m.step DESC LIMIT 1) "
            "FROM runs r JOIN tags s ON s.run_id = r.id AND s.key = 'sweep' "
            "JOIN tags t ON t.run_id = r.id AND t.key = 'sweep_point' "
            "WHERE s.value = ? AND t.value = ? AND r.status = 'FINISHED' ORDER BY r.start_ms DESC LIMIT 1"));
    statement.Bind(1, FLAGS_objective).Bind(2, FLAGS_name).Bind(3, p.Key());
    FACEREC_RETURN_IF_ERROR(statement.ForEachRow([&](const sqlite::Statement& row) {
      std::optional<double> objective;
      if (!row.ColumnIsNull(2)) objective = row.ColumnDouble(2);
      ranked.push_back({p.Key(), row.ColumnText(0), objective, row.ColumnInt(1) / 60000.0});
    }));
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (!a.objective || !b.objective) return a.objective.has_value() && !b.objective.has_value();
    return FLAGS_minimize ? *a.objective < *b.objective : *a.objective > *b.objective;
  });
  return ranked;
}

absl::Status Sweep(experiment::Experiment& e) {
  if (FLAGS_name.empty()) return experiment::FlagError("name", FLAGS_name, "required: the sweep's name");
  if (FLAGS_name.find_first_of(",=") != std::string::npos) {
    return experiment::FlagError("name", FLAGS_name, "may not hold ',' or '='");
  }
  if (FLAGS_target.empty() || FLAGS_target.find('/') != std::string::npos) {
    return experiment::FlagError("target", FLAGS_target, "the name of an experiment binary, e.g. compare_losses");
  }
  if (FLAGS_grid.empty() == FLAGS_space.empty()) {
    return experiment::FlagError("grid", FLAGS_grid, "give exactly one of --grid and --space");
  }
  if (!FLAGS_space.empty() && FLAGS_random < 1) {
    return experiment::FlagError("random", FLAGS_random, "must be >= 1 with --space");
  }
  if (FLAGS_processes < 0) return experiment::FlagError("processes", FLAGS_processes, "must be >= 0");
  absl::StatusOr<std::vector<experiment::SweepPoint>> points =
      FLAGS_grid.empty() ? experiment::RandomPoints(FLAGS_space, FLAGS_random, FLAGS_random_seed)
                         : experiment::GridPoints(FLAGS_grid);
  if (!points.ok()) {
    return experiment::FlagError(FLAGS_grid.empty() ? "space" : "grid",
                                 FLAGS_grid.empty() ? FLAGS_space : FLAGS_grid, points.status().message());
  }
  // The points' binary: the sweep's sibling (bazel-bin/experiments/).
  const std::filesystem::path binary =
      std::filesystem::read_symlink("/proc/self/exe").parent_path() / FLAGS_target;
  if (access(binary.c_str(), X_OK) != 0) {
    return experiment::FlagError("target", FLAGS_target,
                                 absl::StrCat("no experiment binary ", binary.filename().string(),
                                              " beside the sweep (build it: tools/bazel build //experiments:",
                                              FLAGS_target, ")"));
  }
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  experiment::SweepRunnerOptions options;
  options.binary = binary.string();
  options.sweep = FLAGS_name;
  options.processes = FLAGS_processes > 0 ? FLAGS_processes : cores;
  options.threads_per_process = std::max(1, cores / options.processes);
  options.base_args = absl::StrSplit(FLAGS_base_args, ' ', absl::SkipWhitespace());
  // The frame's flags, so every point writes where the sweep does.
  for (const auto& [flag, value] : {std::pair{"db", FLAGS_db}, std::pair{"data_root", FLAGS_data_root},
                                    std::pair{"config_dir", FLAGS_config_dir},
                                    std::pair{"artifacts_dir", FLAGS_artifacts_dir},
                                    std::pair{"device", FLAGS_device}, std::pair{"dataset", FLAGS_dataset}}) {
    if (!value.empty()) options.base_args.push_back(absl::StrCat("--", flag, "=", value));
  }
  options.log_dir = (e.ArtifactsDir() / "sweeps" / FLAGS_name).string();
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  const auto finished = [&](const experiment::SweepPoint& p) {
    return experiment::PointFinished(*store, FLAGS_name, p);
  };
  if (FLAGS_dry_run) {
    for (size_t i = 0; i < points->size(); ++i) {
      FACEREC_ASSIGN_OR_RETURN(const bool done, finished((*points)[i]));
      std::printf("%3zu  %-50s %s\n", i + 1, (*points)[i].Key().c_str(), done ? "finished" : "to run");
    }
    return absl::OkStatus();
  }

  tracking::RunOptions run_options;
  run_options.name = FLAGS_name;
  run_options.params = {{"target", FLAGS_target},
                        {"base_args", FLAGS_base_args},
                        {"grid", FLAGS_grid},
                        {"space", FLAGS_space},
                        {"random", absl::StrCat(FLAGS_random)},
                        {"random_seed", absl::StrCat(FLAGS_random_seed)},
                        {"points", absl::StrCat(points->size())},
                        {"processes", absl::StrCat(options.processes)},
                        {"threads_per_process", absl::StrCat(options.threads_per_process)},
                        {"objective", FLAGS_objective},
                        {"minimize", FLAGS_minimize ? "true" : "false"}};
  // Only when given, so sweeps on the default data keep their configuration hashes.
  if (!FLAGS_dataset.empty()) run_options.params["dataset"] = FLAGS_dataset;
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
  LOG(INFO) << "sweep " << FLAGS_name << ": " << points->size() << " points of " << FLAGS_target << ", "
            << options.processes << " at once with " << options.threads_per_process << " thread(s) each";
  FACEREC_ASSIGN_OR_RETURN(const experiment::SweepOutcome outcome, experiment::RunSweep(*points, options, finished));
  FACEREC_RETURN_IF_ERROR(run->LogMetric("points_finished", 0, outcome.finished + outcome.skipped));
  FACEREC_RETURN_IF_ERROR(run->LogMetric("points_failed", 0, outcome.failed.size()));

  FACEREC_ASSIGN_OR_RETURN(const std::vector<Ranked> ranked, Rank(*store, *points));
  std::printf("\nsweep %s: %zu points, %d run now, %d finished before, %zu failed; ranked by %s (%s first):\n",
              FLAGS_name.c_str(), points->size(), outcome.finished, outcome.skipped, outcome.failed.size(),
              FLAGS_objective.c_str(), FLAGS_minimize ? "lowest" : "highest");
  std::printf("%4s  %-9s %10s %8s  %s\n", "rank", "run", "objective", "minutes", "point");
  for (size_t r = 0; r < ranked.size(); ++r) {
    const std::string uid = ranked[r].uid.substr(0, 8);
    if (!ranked[r].objective) {
      std::printf("%4s  %-9s %10s %8.1f  %s  (finished without %s)\n", "-", uid.c_str(), "-", ranked[r].minutes,
                  ranked[r].key.c_str(), FLAGS_objective.c_str());
      continue;
    }
    std::printf("%4zu  %-9s %10.4f %8.1f  %s\n", r + 1, uid.c_str(), *ranked[r].objective, ranked[r].minutes,
                ranked[r].key.c_str());
    FACEREC_RETURN_IF_ERROR(run->LogMetric(absl::StrCat("objective/", ranked[r].key), 0, *ranked[r].objective));
  }
  for (const std::string& f : outcome.failed) std::printf("failed: %s\n", f.c_str());
  std::printf("\nThe points' runs and their parallel coordinates: tools/bazel run //tools:report -- "
              "--sweep=%s --out=sweep.html\n",
              FLAGS_name.c_str());
  if (!outcome.failed.empty()) {
    return absl::InternalError(absl::StrCat(outcome.failed.size(), " of ", points->size(),
                                            " points failed; the first: ", outcome.failed.front()));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kSweep,
       .usage = "Runs an experiment at every point of a grid or random search, several at once.\n"
                "Usage: sweep --name=NAME --target=compare_losses --base_args='--preset=quick' "
                "(--grid='m2=0.3,0.5;scale=32,64' | --space='lr=log:0.01:0.3' --random=8)",
       .main = facerec::Sweep});
}
