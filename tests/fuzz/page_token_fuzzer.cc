// Fuzz target: ListDatabases/ListTables NextToken decoding (engine/catalog/page_token).
//
// Input: one byte choosing the listing kind, then the token text. Checks that a token the
// decoder accepts is exactly the encoding of what it decoded (the decoder's own promise:
// only tokens this catalog issued), is accepted for its own kind only, and that a token
// built from the input's bytes survives encode -> decode.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "engine/catalog/page_token.h"
#include "tests/fuzz/fuzz_util.h"

namespace tsw::catalog {
namespace {

constexpr PageToken::Kind kKinds[] = {
    PageToken::Kind::kDatabases, PageToken::Kind::kTablesOfDatabase, PageToken::Kind::kAllTables};

void CheckDecode(absl::string_view text, PageToken::Kind kind) {
  const std::string_view view(text.data(), text.size());
  absl::StatusOr<PageToken> token = DecodePageToken(view, kind);
  if (!token.ok()) return;
  TSW_FUZZ_CHECK(token->kind == kind, "decoded token has another kind");
  TSW_FUZZ_CHECK(!token->database.empty(), "decoded token has no database");
  TSW_FUZZ_CHECK(token->table.empty() == (kind == PageToken::Kind::kDatabases),
                 "decoded token's table does not fit its kind");
  TSW_FUZZ_CHECK(EncodePageToken(*token) == view,
                 absl::StrCat("accepted token \"", text, "\" is not the encoding of its value"));
  for (PageToken::Kind other : kKinds) {
    if (other == kind) continue;
    TSW_FUZZ_CHECK(!DecodePageToken(view, other).ok(), "token accepted for two kinds");
  }
}

void CheckRoundTrip(absl::string_view bytes, PageToken::Kind kind) {
  fuzz::InputReader in(bytes);
  PageToken token;
  token.kind = kind;
  token.database = std::string(in.ShortString());
  token.table = kind == PageToken::Kind::kDatabases ? "" : std::string(in.rest());
  if (token.database.empty() || (kind != PageToken::Kind::kDatabases && token.table.empty())) {
    return;  // Not a token the catalog issues.
  }
  const std::string text = EncodePageToken(token);
  absl::StatusOr<PageToken> decoded = DecodePageToken(text, kind);
  TSW_FUZZ_CHECK(decoded.ok(), absl::StrCat("issued token rejected: ", decoded.status().message()));
  TSW_FUZZ_CHECK(decoded->database == token.database && decoded->table == token.table,
                 "token does not round-trip");
}

}  // namespace
}  // namespace tsw::catalog

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tsw::catalog;
  tsw::fuzz::InputReader in(data, size);
  const PageToken::Kind kind = kKinds[in.Below(3)];
  CheckDecode(in.rest(), kind);
  CheckRoundTrip(in.rest(), kind);
  return 0;
}
