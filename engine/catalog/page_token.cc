#include "engine/catalog/page_token.h"

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "tsw/status.h"

namespace tsw::catalog {
namespace {

constexpr char kVersion = '1';
constexpr size_t kFixedBytes = 6;  // Version, kind, u32 database name length.

}  // namespace

std::string EncodePageToken(const PageToken& token) {
  std::string raw;
  raw.push_back(kVersion);
  raw.push_back(static_cast<char>(token.kind));
  const uint32_t n = static_cast<uint32_t>(token.database.size());
  for (int i = 0; i < 4; ++i) raw.push_back(static_cast<char>(n >> (8 * i)));
  raw += token.database;
  raw += token.table;
  std::string out;
  absl::WebSafeBase64Escape(raw, &out);
  return out;
}

absl::StatusOr<PageToken> DecodePageToken(std::string_view text, PageToken::Kind expected) {
  auto bad = [] { return ValidationError("NextToken is not a token returned by this operation"); };
  std::string raw;
  if (text.empty() ||
      !absl::WebSafeBase64Unescape(absl::string_view(text.data(), text.size()), &raw)) {
    return bad();
  }
  if (raw.size() < kFixedBytes || raw[0] != kVersion || raw[1] != static_cast<char>(expected)) {
    return bad();
  }
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i)
    n |= static_cast<uint32_t>(static_cast<uint8_t>(raw[2 + i])) << (8 * i);
  if (raw.size() - kFixedBytes < n) return bad();
  PageToken token;
  token.kind = expected;
  token.database = raw.substr(kFixedBytes, n);
  token.table = raw.substr(kFixedBytes + n);
  const bool wants_table = expected != PageToken::Kind::kDatabases;
  if (token.database.empty() || token.table.empty() == wants_table) return bad();
  // Re-encoding must give the same text: rejects tokens with stray padding or bits that
  // base64 decoding tolerates, so only tokens this catalog issued are accepted.
  if (EncodePageToken(token) != text) return bad();
  return token;
}

}  // namespace tsw::catalog
