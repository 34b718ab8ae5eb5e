// SHA-256 digests as lowercase hex, over bytes or over a file streamed in
// chunks. Used for dataset fingerprints, config hashes and artifact records.
//
//   facerec::Sha256 hasher;
//   hasher.Update("a");
//   hasher.Update(bytes);
//   std::string hex = hasher.HexDigest();
//
//   absl::StatusOr<std::string> digest = facerec::Sha256OfFile("model.pt");
//
// Thread-compatible: one Sha256 object per thread.
#ifndef FACEREC_CORE_SHA256_H_
#define FACEREC_CORE_SHA256_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace facerec {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view bytes);
  // Finishes the digest; the object must not be updated afterwards.
  std::string HexDigest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string Sha256Hex(absl::string_view bytes);

// Whether `s` is a digest as Sha256Hex writes it: 64 lowercase hex digits.
bool IsSha256Hex(absl::string_view s);

// NotFoundError / DataLossError naming the file when it cannot be read.
absl::StatusOr<std::string> Sha256OfFile(const std::string& path);

}  // namespace facerec

#endif  // FACEREC_CORE_SHA256_H_
