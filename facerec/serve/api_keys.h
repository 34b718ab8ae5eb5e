// The keys that open the server's /v1 API, sent in the `x-api-key` header
// (CompreFace's convention). Only their SHA-256 digests are kept in memory,
// and a key is checked against every digest in time that does not depend
// on where the first differing byte is, so neither a memory dump nor the
// time of a wrong guess gives a key away.
//
//   FACEREC_ASSIGN_OR_RETURN(ApiKeys keys, ApiKeys::FromFile("keys.txt"));
//   if (!keys.Accepts(request.get_header_value("x-api-key"))) { /* 401 */ }
//
// The file: one key per line; blank lines and lines starting with '#' are
// skipped; surrounding spaces are trimmed. A key has at least 16
// characters, printable ASCII without spaces (`openssl rand -hex 16` makes one).
//
// Thread-safety: immutable after construction; Accepts may be called from
// any thread.
#ifndef FACEREC_SERVE_API_KEYS_H_
#define FACEREC_SERVE_API_KEYS_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace facerec::serve {

class ApiKeys {
 public:
  // No keys: Accepts nothing.
  ApiKeys() = default;

  // InvalidArgumentError naming the line of a key that is too short or holds
  // a space or a non-printable byte; NotFoundError for a missing file;
  // InvalidArgumentError for a file without keys.
  static absl::StatusOr<ApiKeys> FromFile(const std::string& path);
  // The same rules for keys given as text (tests).
  static absl::StatusOr<ApiKeys> FromText(absl::string_view text, absl::string_view source);

  // Whether `key` is one of the keys.
  bool Accepts(absl::string_view key) const;
  size_t size() const { return digests_.size(); }

  static constexpr size_t kMinKeyLength = 16;

 private:
  std::vector<std::array<uint8_t, 32>> digests_;
};

}  // namespace facerec::serve

#endif  // FACEREC_SERVE_API_KEYS_H_
