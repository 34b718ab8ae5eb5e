#include "facerec/train/data_parallel.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <exception>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace facerec::train {

struct DataParallel::Group {
  c10::intrusive_ptr<::c10d::Store> store;
  c10::intrusive_ptr<::c10d::ProcessGroupGloo> group;
};

absl::Status ValidateDataParallelOptions(const DataParallelOptions& o) {
  if (o.world_size < 1) return absl::InvalidArgumentError(absl::StrCat("world_size=", o.world_size, ": must be >= 1"));
  if (o.rank < 0 || o.rank >= o.world_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank=", o.rank, ": must be in [0, world_size=", o.world_size, ")"));
  }
  if (o.rendezvous_file.empty() && (o.master_port < 1 || o.master_port > 65535)) {
    return absl::InvalidArgumentError(absl::StrCat("master_port=", o.master_port, ": must be in [1, 65535]"));
  }
  if (o.rendezvous_file.empty() && o.master_addr.empty()) {
    return absl::InvalidArgumentError("master_addr is empty (or give rendezvous_file)");
  }
  if (!(o.timeout_seconds > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("timeout_seconds=", o.timeout_seconds, ": must be > 0"));
  }
  if (o.bucket_bytes < 1) return absl::InvalidArgumentError(absl::StrCat("bucket_bytes=", o.bucket_bytes, ": must be >= 1"));
  return absl::OkStatus();
}

DataParallel::DataParallel(const DataParallelOptions& options, std::unique_ptr<Group> group)
    : options_(options), group_(std::move(group)) {}

DataParallel::~DataParallel() = default;

absl::StatusOr<std::unique_ptr<DataParallel>> DataParallel::Connect(const DataParallelOptions& options) {
  if (absl::Status valid = ValidateDataParallelOptions(options); !valid.ok()) return valid;
  auto group = std::make_unique<Group>();
  if (options.world_size == 1) return std::unique_ptr<DataParallel>(new DataParallel(options, std::move(group)));
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000));
  try {
    if (options.rendezvous_file.empty()) {
      ::c10d::TCPStoreOptions store_options;
      store_options.port = static_cast<uint16_t>(options.master_port);
      store_options.isServer = options.rank == 0;
      store_options.numWorkers = options.world_size;
      store_options.waitWorkers = true;
      store_options.timeout = timeout;
      group->store = c10::make_intrusive<::c10d::TCPStore>(options.master_addr, store_options);
    } else {
      group->store = c10::make_intrusive<::c10d::FileStore>(options.rendezvous_file, options.world_size);
    }
    group->store->setTimeout(timeout);
    auto gloo = ::c10d::ProcessGroupGloo::Options::create(timeout);
    // Loopback when the rendezvous is local, else the interface that reaches the master.
    const std::string host = options.rendezvous_file.empty() ? options.master_addr : "127.0.0.1";
    gloo->devices.push_back(host == "127.0.0.1" || host == "localhost"
                                ? ::c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                : ::c10d::ProcessGroupGloo::createDefaultDevice());
    gloo->threads = 1;
    group->group = c10::make_intrusive<::c10d::ProcessGroupGloo>(
        c10::make_intrusive<::c10d::PrefixStore>("facerec", group->store), options.rank,
        options.world_size, gloo);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("data parallel rank ", options.rank, " of ", options.world_size,
                                               ": rendezvous failed: ", e.what()));
  }
  LOG(INFO) << "data parallel: rank " << options.rank << " of " << options.world_size << " joined ("
            << (options.rendezvous_file.empty()
                    ? absl::StrCat("tcp ", options.master_addr, ":", options.master_port)
                    : absl::StrCat("file ", options.rendezvous_file))
            << ")";
  return std::unique_ptr<DataParallel>(new DataParallel(options, std::move(group)));
}

absl::Status DataParallel::Run(const char* what, const std::function<void()>& collective) {
  if (options_.world_size == 1) return absl::OkStatus();
  try {
    collective();
  } catch (const std::exception& e) {
    // c10d's messages run to many lines of context; the first says what failed.
    std::string message = e.what();
    message = message.substr(0, message.find('\n'));
    return absl::UnavailableError(absl::StrCat("data parallel rank ", options_.rank, " of ", options_.world_size,
                                               ": ", what, " failed (another rank stopped or is unreachable): ",
                                               message));
  }
  return absl::OkStatus();
}

absl::Status DataParallel::Broadcast(const std::vector<torch::Tensor>& tensors) {
  return Run("broadcast", [&] {
    torch::NoGradGuard no_grad;
    for (const torch::Tensor& t : tensors) {
      std::vector<at::Tensor> one = {t.is_contiguous() ? t : t.contiguous()};
      group_->group->broadcast(one)->wait();
      if (!t.is_contiguous()) t.copy_(one[0]);
    }
  });
}

absl::Status DataParallel::AverageGradients(const std::vector<torch::Tensor>& parameters) {
  return Run("gradient all-reduce", [&] {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> grads;
    for (const torch::Tensor& p : parameters) {
      if (p.grad().defined()) grads.push_back(p.grad());
    }
    size_t first = 0;
    while (first < grads.size()) {
      // One bucket: consecutive gradients of one dtype up to bucket_bytes.
      size_t last = first;
      int64_t bytes = 0;
      while (last < grads.size() && grads[last].scalar_type() == grads[first].scalar_type() &&
             (last == first || bytes + grads[last].nbytes() <= static_cast<size_t>(options_.bucket_bytes))) {
        bytes += grads[last].nbytes();
        ++last;
      }
      std::vector<torch::Tensor> flat;
      for (size_t i = first; i < last; ++i) flat.push_back(grads[i].reshape(-1));
      std::vector<at::Tensor> bucket = {torch::cat(flat)};
      group_->group->allreduce(bucket)->wait();
      bucket[0].div_(options_.world_size);
      int64_t offset = 0;
      for (size_t i = first; i < last; ++i) {
        const int64_t n = grads[i].numel();
        grads[i].copy_(bucket[0].slice(0, offset, offset + n).view_as(grads[i]));
        offset += n;
      }
      first = last;
    }
  });
}

absl::StatusOr<std::pair<int64_t, int64_t>> DataParallel::Shard(int64_t batch_size) const {
  if (batch_size < 1 || batch_size % options_.world_size != 0) {
    return absl::InvalidArgumentError(absl::StrCat("batch size ", batch_size, " is not a positive multiple of world_size ",
                                                   options_.world_size, ": the shards must be equal"));
  }
  const int64_t shard = batch_size / options_.world_size;
  return std::pair<int64_t, int64_t>{options_.rank * shard, (options_.rank + 1) * shard};
}

absl::Status DataParallel::Barrier() {
  return Run("barrier", [&] { group_->group->barrier()->wait(); });
}

}  // namespace facerec::train
