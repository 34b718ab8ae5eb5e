// Mixed precision on the CPU: within a scope, LibTorch's autocast runs the
// ops on its lower-precision list (matrix products, convolutions) in
// bfloat16; what follows such an op sees bfloat16 too, so the trainer keeps
// only the backbone inside and computes the loss on float32 embeddings
// (softmax and log-sum-exp are where bfloat16's 8-bit mantissa hurts). oneDNN then
// uses AVX-512-BF16 or AMX where the processor has them (the run's
// numerics facts record oneDNN's instruction set: core/numerics_facts.h)
// and converts to and from float32 where it does not, so it is never an
// error, only slower or faster.
//
//   {
//     CpuAutocast bf16(/*enabled=*/true);
//     torch::Tensor embeddings = backbone->forward(images);  // bfloat16 inside
//   }
//   loss = head->forward(embeddings.to(torch::kFloat32), labels);
//
// Thread-safety: autocast state is per thread; a scope affects its own thread.
#ifndef FACEREC_TRAIN_CPU_AUTOCAST_H_
#define FACEREC_TRAIN_CPU_AUTOCAST_H_

#include <ATen/autocast_mode.h>

namespace facerec::train {

class CpuAutocast {
 public:
  // `enabled` false: a scope that changes nothing.
  explicit CpuAutocast(bool enabled)
      : enabled_(enabled), was_enabled_(at::autocast::is_cpu_enabled()),
        was_dtype_(at::autocast::get_autocast_cpu_dtype()) {
    if (!enabled_) return;
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  }
  ~CpuAutocast() {
    if (!enabled_) return;
    at::autocast::set_cpu_enabled(was_enabled_);
    at::autocast::set_autocast_cpu_dtype(was_dtype_);
    // The casts of the weights made inside are not kept across steps.
    if (!was_enabled_) at::autocast::clear_cache();
  }
  CpuAutocast(const CpuAutocast&) = delete;
  CpuAutocast& operator=(const CpuAutocast&) = delete;

 private:
  const bool enabled_;
  const bool was_enabled_;
  const at::ScalarType was_dtype_;
};

}  // namespace facerec::train

#endif  // FACEREC_TRAIN_CPU_AUTOCAST_H_
