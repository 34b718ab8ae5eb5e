// What a run's floating-point results depend on besides its params and
// data: the processor, the kernels each numeric library chose for it, the
// libraries' versions, the threading environment and the thread count.
// Two runs with equal params, seed and facts train bit-identical weights
// (train/trainer.h); when their numbers differ, these say why they may.
//
//   for (const auto& [key, value] : facerec::NumericsFacts()) {
//     std::printf("%s = %s\n", key.c_str(), value.c_str());  // "openblas_core = SkylakeX"
//   }
//
// Keys (each always present; "unknown" or "none" when it cannot be read):
//   cpu_model            /proc/cpuinfo's model name ("AMD EPYC", "Intel(R) Xeon(R) ...")
//   cpu_id               its vendor, family, model and stepping ("AuthenticAMD 25/17/1"):
//                        a virtual machine's model name can hide the generation
//                        (an EPYC of family 25, Zen 4, and one of 26, Zen 5, both
//                        say "AMD EPYC"), and kernels may differ between them
//   cpu_features         the instruction-set extensions kernels dispatch on that the CPU
//                        has, from a fixed list (avx2, fma, avx512*, vnni, bf16, amx*)
//   aten_cpu_capability  the vector width LibTorch's own kernels use (DEFAULT, AVX2, AVX512)
//   openblas_core        openblas_get_corename(): the GEMM kernels ("SkylakeX", "Haswell")
//   openblas_config      openblas_get_config(): version and build options
//   onednn_isa           the instruction set oneDNN (LibTorch's convolutions) dispatches to
//   onednn_version       oneDNN's version
//   libtorch_version     the LibTorch headers this binary was built with
//   compiler             the compiler that built this binary (its __VERSION__,
//                        "Debian Clang 14.0.6"): it compiles facerec's own loops
//   packages             the installed Debian packages of the numeric libraries,
//                        "name=version" separated by spaces
//   env                  OMP_*, GOMP_*, KMP_*, OPENBLAS_*, GOTO*, MKL_*, DNNL_*, ONEDNN_*
//                        and ATEN_* variables as set in this process, sorted
//   threads              LibTorch's intra-op thread count now
//
// Reads /proc/cpuinfo and runs dpkg-query once per call (a few ms): call it
// once per run, not per step.
//
// Thread-safety: thread-safe (reads only).
#ifndef FACEREC_CORE_NUMERICS_FACTS_H_
#define FACEREC_CORE_NUMERICS_FACTS_H_

#include <map>
#include <string>

namespace facerec {

std::map<std::string, std::string> NumericsFacts();

// The prefix runs record the facts under, as tags: "numerics/openblas_core".
inline constexpr char kNumericsTagPrefix[] = "numerics/";

}  // namespace facerec

#endif  // FACEREC_CORE_NUMERICS_FACTS_H_
