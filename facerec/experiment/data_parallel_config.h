// The data-parallel flags of a training experiment (train/data_parallel.h),
// checked and mapped once, and the local launcher behind --world_size=N
// without --rank: N processes of this same command line on this machine.
//
//   FACEREC_ASSIGN_OR_RETURN(DataParallelConfig dp, DataParallelConfigFromFlags());
//   if (dp.launch_local) return RunLocalRanks(dp.options.world_size);  // this process only waits
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<train::DataParallel> group,
//                            train::DataParallel::Connect(dp.options));
//
// Flags defined here: world_size (default 1), rank (default -1: launch every
// rank here), master_addr, master_port, rendezvous_file, dp_timeout_seconds.
// A multi-machine job starts one process per rank by hand, each with its
// --rank, the same --world_size and rank 0's --master_addr/--master_port
// (or a --rendezvous_file on a shared filesystem), and a shared
// --artifacts_dir if it is to resume.
//
// Thread-safety: call from the main thread.
#ifndef FACEREC_EXPERIMENT_DATA_PARALLEL_CONFIG_H_
#define FACEREC_EXPERIMENT_DATA_PARALLEL_CONFIG_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "facerec/train/data_parallel.h"

namespace facerec::experiment {

struct DataParallelConfig {
  train::DataParallelOptions options;
  // --world_size > 1 without --rank: this process launches the ranks.
  bool launch_local = false;
};

// Errors name the flag ("--rank=3: must be in [0, --world_size=2)").
absl::StatusOr<DataParallelConfig> DataParallelConfigFromFlags();

// Runs this process's own command line (/proc/self/cmdline) once per rank
// 0..world_size-1 with --rank=r and --threads=cores/world_size (at least 1),
// on loopback; the ranks die with this process. Waits for all: OK when every
// rank exited 0, else InternalError naming each rank that did not.
absl::Status RunLocalRanks(int world_size);

}  // namespace facerec::experiment

#endif  // FACEREC_EXPERIMENT_DATA_PARALLEL_CONFIG_H_
