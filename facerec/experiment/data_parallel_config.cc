#include "facerec/experiment/data_parallel_config.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "facerec/core/child_process.h"
#include "facerec/core/status_macros.h"
#include "facerec/experiment/flag_values.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

namespace {
const facerec::train::DataParallelOptions kDataParallel;
}  // namespace

DEFINE_int32(world_size, kDataParallel.world_size,
             "Data-parallel processes (train/data_parallel.h); > 1 without --rank starts them all here.");
DEFINE_int32(rank, -1, "This process's rank in [0, --world_size); -1: launch every rank on this machine.");
DEFINE_string(master_addr, kDataParallel.master_addr, "Rank 0's address: the TCP rendezvous.");
DEFINE_int32(master_port, kDataParallel.master_port, "Rank 0's port for the TCP rendezvous.");
DEFINE_string(rendezvous_file, "", "A file on a filesystem every rank shares, as the rendezvous instead of TCP.");
DEFINE_double(dp_timeout_seconds, kDataParallel.timeout_seconds,
              "Longest wait for the rendezvous or a collective before the job fails.");

namespace facerec::experiment {

absl::StatusOr<DataParallelConfig> DataParallelConfigFromFlags() {
  DataParallelConfig c;
  train::DataParallelOptions& o = c.options;
  if (FLAGS_world_size < 1) return FlagError("world_size", FLAGS_world_size, "must be >= 1");
  if (FLAGS_rank < -1 || FLAGS_rank >= FLAGS_world_size) {
    return FlagError("rank", FLAGS_rank, absl::StrCat("must be in [0, --world_size=", FLAGS_world_size, ") or -1"));
  }
  o.world_size = FLAGS_world_size;
  o.rank = std::max(0, FLAGS_rank);
  c.launch_local = FLAGS_world_size > 1 && FLAGS_rank < 0;
  o.master_addr = FLAGS_master_addr;
  o.master_port = FLAGS_master_port;
  o.rendezvous_file = FLAGS_rendezvous_file;
  o.timeout_seconds = FLAGS_dp_timeout_seconds;
  if (absl::Status valid = train::ValidateDataParallelOptions(o); !valid.ok()) {
    const std::string m(valid.message());
    const std::string field = m.substr(0, m.find('='));
    const std::string flag = field == "timeout_seconds" ? "dp_timeout_seconds" : field;
    return absl::InvalidArgumentError(absl::StrCat("--", flag, m.substr(field.size())));
  }
  return c;
}

absl::Status RunLocalRanks(int world_size) {
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::stringstream text;
  text << cmdline.rdbuf();
  std::vector<std::string> args;
  for (std::string arg; std::getline(text, arg, '\0');) args.push_back(arg);
  if (args.empty()) return absl::InternalError("cannot read /proc/self/cmdline");
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return absl::InternalError("cannot read /proc/self/exe");
  args[0] = std::string(exe, n);
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  const int threads = std::max(1, cores / world_size);
  LOG(INFO) << "data parallel: starting " << world_size << " ranks here, " << threads << " thread(s) each";
  std::vector<pid_t> pids;
  for (int rank = 0; rank < world_size; ++rank) {
    std::vector<std::string> rank_args = args;
    // Later flags win: these override anything the command line said.
    rank_args.push_back(absl::StrCat("--rank=", rank));
    rank_args.push_back(absl::StrCat("--threads=", threads));
    FACEREC_ASSIGN_OR_RETURN(const pid_t pid, StartChild(std::move(rank_args)));
    pids.push_back(pid);
  }
  std::vector<std::string> failed;
  for (int rank = 0; rank < world_size; ++rank) {
    int status = 0;
    while (waitpid(pids[rank], &status, 0) < 0 && errno == EINTR) {
    }
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      failed.push_back(absl::StrCat("rank ", rank, WIFEXITED(status) ? " exited with status " : " died of signal ",
                                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status)));
    }
  }
  if (!failed.empty()) return absl::InternalError(absl::StrCat("data parallel job failed: ", absl::StrJoin(failed, "; ")));
  return absl::OkStatus();
}

}  // namespace facerec::experiment
