#include "facerec/serve/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "facerec/core/file_bytes.h"

namespace facerec::serve {
namespace {

std::array<uint8_t, 32> Digest(absl::string_view key) {
  std::array<uint8_t, 32> d;
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), d.data());
  return d;
}

}  // namespace

absl::StatusOr<ApiKeys> ApiKeys::FromText(absl::string_view text, absl::string_view source) {
  ApiKeys keys;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    const absl::string_view key = absl::StripAsciiWhitespace(line);
    if (key.empty() || key[0] == '#') continue;
    for (char c : key) {
      if (c <= ' ' || c > '~') {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ":", line_number, ": a key is printable ASCII without spaces (one key per line)"));
      }
    }
    if (key.size() < kMinKeyLength) {
      return absl::InvalidArgumentError(absl::StrCat(source, ":", line_number, ": a key of ", key.size(),
                                                     " characters; at least ", kMinKeyLength,
                                                     " are needed (openssl rand -hex 16 makes one)"));
    }
    keys.digests_.push_back(Digest(key));
  }
  if (keys.digests_.empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": holds no key"));
  return keys;
}

absl::StatusOr<ApiKeys> ApiKeys::FromFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileBytes(path);
  if (!text.ok()) return text.status();
  return FromText(*text, path);
}

bool ApiKeys::Accepts(absl::string_view key) const {
  // Hashing first makes every comparison 32 bytes long whatever the key's
  // length; every digest is compared, so the time says nothing of which matched.
  const std::array<uint8_t, 32> d = Digest(key);
  int matched = 0;
  for (const std::array<uint8_t, 32>& known : digests_) {
    matched |= CRYPTO_memcmp(d.data(), known.data(), d.size()) == 0;
  }
  return matched != 0;
}

}  // namespace facerec::serve
