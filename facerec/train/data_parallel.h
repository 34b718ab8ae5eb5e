// Data-parallel training across processes (or machines) with LibTorch's
// c10d and its Gloo backend: every rank holds the whole model, takes its
// shard of every batch, and averages its gradients with the other ranks'
// before each optimiser step, so the ranks' weights stay identical and equal
// (to float rounding) those of one process stepping on the whole batch.
//
//   DataParallelOptions options;
//   options.world_size = 2;
//   options.rank = rank;                    // 0 serves the TCP rendezvous
//   options.master_addr = "10.0.0.1";       // or options.rendezvous_file
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<DataParallel> dp, DataParallel::Connect(options));
//   FACEREC_RETURN_IF_ERROR(dp->Broadcast(model->parameters()));   // rank 0's weights
//   const auto [begin, end] = dp->Shard(x.size(0));
//   loss_fn(model->forward(x.slice(0, begin, end)), y.slice(0, begin, end)).backward();
//   FACEREC_RETURN_IF_ERROR(dp->AverageGradients(model->parameters()));
//   optimizer.step();
//
// The mean of the shards' mean losses is the whole batch's mean loss when the
// shards are equal, which Shard requires (the batch size a multiple of the
// world size); their averaged gradient is then the whole batch's gradient.
// Gradients are flattened into buckets of about `bucket_bytes` and each
// bucket is all-reduced as one tensor (few large messages rather than one
// per parameter); the reduction runs after backward, not overlapped with it.
//
// What is not shared: BatchNorm's batch statistics are each rank's own
// shard's (as PyTorch's DistributedDataParallel without SyncBatchNorm), so a
// net with BatchNorm in training mode is close to, not equal to, the
// one-process run; running statistics are broadcast from rank 0 with the
// weights whenever Broadcast is given the buffers. Batch-hard triplet mining
// mines within a shard.
//
// Failure: every collective and the rendezvous wait at most `timeout_seconds`;
// a rank that dies closes its connections, and the others' next collective
// fails with UnavailableError naming the operation and this rank, rather than
// hanging.
//
// Thread-safety: one DataParallel per rank; calls from one thread.
#ifndef FACEREC_TRAIN_DATA_PARALLEL_H_
#define FACEREC_TRAIN_DATA_PARALLEL_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace facerec::train {

struct DataParallelOptions {
  // Processes in the job. Default 1 (no communication at all).
  int world_size = 1;
  // This process, in [0, world_size). Rank 0 serves the TCP rendezvous and
  // alone writes records and checkpoints. Default 0.
  int rank = 0;
  // The TCP rendezvous: rank 0's address and port. Default 127.0.0.1:29500.
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  // A file every rank can reach (a shared filesystem) as the rendezvous
  // instead of TCP. Default empty (TCP).
  std::string rendezvous_file;
  // Longest wait for the rendezvous or any collective. Default 600 s: longer
  // than rank 0's evaluation between trainings, while the others wait.
  double timeout_seconds = 600;
  // Gradient bucket size. Default 25 MiB.
  int64_t bucket_bytes = 25 << 20;
};

// OK, or InvalidArgumentError naming the first bad field.
absl::Status ValidateDataParallelOptions(const DataParallelOptions& options);

class DataParallel {
 public:
  // Joins the job: waits (up to the timeout) until every rank has come.
  // UnavailableError when the rendezvous fails or times out.
  static absl::StatusOr<std::unique_ptr<DataParallel>> Connect(const DataParallelOptions& options);
  ~DataParallel();

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }
  bool is_primary() const { return options_.rank == 0; }

  // Overwrites `tensors` (parameters, buffers, any same-shaped state) with
  // rank 0's, in place and without recording autograd history.
  absl::Status Broadcast(const std::vector<at::Tensor>& tensors);

  // Replaces each defined `.grad()` of `parameters` by its mean over the
  // ranks. Every rank must pass the same parameters with the same gradients
  // defined.
  absl::Status AverageGradients(const std::vector<at::Tensor>& parameters);

  // The rows [begin, end) of a batch of `batch_size` that this rank takes.
  // InvalidArgumentError unless batch_size is a positive multiple of the
  // world size.
  absl::StatusOr<std::pair<int64_t, int64_t>> Shard(int64_t batch_size) const;

  // Waits for every rank.
  absl::Status Barrier();

 private:
  struct Group;  // The c10d store and process group.
  DataParallel(const DataParallelOptions& options, std::unique_ptr<Group> group);
  absl::Status Run(const char* what, const std::function<void()>& collective);

  const DataParallelOptions options_;
  std::unique_ptr<Group> group_;
};

}  // namespace facerec::train

#endif  // FACEREC_TRAIN_DATA_PARALLEL_H_
