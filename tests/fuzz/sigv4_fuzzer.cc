// Fuzz target: SigV4 header and date parsing (engine/wire/sigv4).
//
// Input: one byte choosing the check, then:
//   0: an Authorization header value, and a credentials file's text. What parses must
//      parse the same after being written back in the canonical form.
//   1: an X-Amz-Date value. A request correctly signed with that date string must verify
//      exactly when the string is a real UTC date-time "YYYYMMDDTHHMMSSZ" (checked
//      against an independent parse below) and the server clock reads that time.
//   2: a request (method, path, query, headers, body, credentials, time) from the bytes.
//      SignRequest then Verify must succeed; changing the body must make it fail; and the
//      request as given (any Authorization header it carries) must verify without a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/wire/sigv4.h"
#include "tests/fuzz/fuzz_util.h"
#include "tsw/clock.h"

namespace tsw::server {
namespace {

using fuzz::InputReader;

constexpr absl::string_view kService = "timestream";

void CheckAuthorization(absl::string_view header) {
  absl::StatusOr<Authorization> auth = ParseAuthorization(header);
  if (!auth.ok()) return;
  const std::string written = absl::StrCat(
      "AWS4-HMAC-SHA256 Credential=", auth->access_key_id, "/", auth->date, "/", auth->region, "/",
      auth->service, "/aws4_request, SignedHeaders=", absl::StrJoin(auth->signed_headers, ";"),
      ", Signature=", auth->signature);
  absl::StatusOr<Authorization> again = ParseAuthorization(written);
  TSW_FUZZ_CHECK(again.ok(), absl::StrCat("rewritten header does not parse: ", written));
  TSW_FUZZ_CHECK(again->access_key_id == auth->access_key_id && again->date == auth->date &&
                     again->region == auth->region && again->service == auth->service &&
                     again->signed_headers == auth->signed_headers &&
                     again->signature == auth->signature,
                 absl::StrCat("header parses differently when rewritten: ", written));
}

void CheckCredentials(absl::string_view text) {
  absl::StatusOr<CredentialMap> credentials = ParseCredentials(text);
  if (!credentials.ok()) return;
  std::string written;
  for (const auto& [key, secret] : *credentials) absl::StrAppend(&written, key, " ", secret, "\n");
  absl::StatusOr<CredentialMap> again = ParseCredentials(written);
  TSW_FUZZ_CHECK(again.ok() && *again == *credentials, "credentials do not round-trip");
}

// The reference for X-Amz-Date: digits at fixed places, a real calendar date and time.
bool ReferenceAmzDate(absl::string_view text, absl::Time* out) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return false;
  for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  auto field = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  const int year = field(0, 4), month = field(4, 2), day = field(6, 2);
  const int hour = field(9, 2), minute = field(11, 2), second = field(13, 2);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) return false;
  // Days from 1970-01-01 by counting (slow but obviously right, years 0..9999).
  int64_t days = 0;
  for (int y = 1970; y < year; ++y) days += 365 + ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
  for (int y = year; y < 1970; ++y) days -= 365 + ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
  for (int m = 1; m < month; ++m) days += kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  days += day - 1;
  *out = absl::FromUnixSeconds(days * 86400 + hour * 3600 + minute * 60 + second);
  return true;
}

// A request signed by hand with `amz_date` as given (SignRequest formats its own).
SigV4Request SignedWithDate(absl::string_view amz_date, absl::string_view secret) {
  SigV4Request request;
  request.headers = {{"Host", "localhost"}, {"X-Amz-Date", std::string(amz_date)}};
  request.body = "{}";
  const std::vector<std::string> signed_headers = {"host", "x-amz-date"};
  const std::string scope = CredentialScope(amz_date, "us-east-1", kService);
  const std::string canonical = CanonicalRequest(request, signed_headers, Sha256Hex(request.body));
  const std::string signature =
      Signature(SigningKey(secret, amz_date.substr(0, 8), "us-east-1", kService),
                StringToSign(amz_date, scope, canonical));
  request.headers.emplace_back(
      "Authorization", absl::StrCat("AWS4-HMAC-SHA256 Credential=AKID/", scope,
                                    ", SignedHeaders=host;x-amz-date, Signature=", signature));
  return request;
}

void CheckDate(absl::string_view amz_date) {
  if (amz_date.size() < 8) return;  // The credential scope needs a date of 8 bytes.
  absl::Time expected;
  const bool valid = ReferenceAmzDate(amz_date, &expected);
  // The clock's int64 nanoseconds reach 1677 to 2262; a valid date outside is only run.
  const bool in_clock_range =
      valid && expected > absl::FromCivil(absl::CivilSecond(1700, 1, 1), absl::UTCTimeZone()) &&
      expected < absl::FromCivil(absl::CivilSecond(2200, 1, 1), absl::UTCTimeZone());
  ManualClock clock(in_clock_range ? absl::ToUnixNanos(expected) : 0);
  SigV4Verifier verifier({{"AKID", "secret"}}, std::string(kService), &clock);
  const absl::Status status = verifier.Verify(SignedWithDate(amz_date, "secret"));
  if (in_clock_range) {
    TSW_FUZZ_CHECK(status.ok(),
                   absl::StrCat("valid X-Amz-Date ", amz_date, " refused: ", status.message()));
    TSW_FUZZ_CHECK(FormatAmzDate(expected) == amz_date, "FormatAmzDate disagrees");
    // One second beyond the allowed skew either way is refused.
    for (absl::Duration d :
         {absl::Minutes(15) + absl::Seconds(1), -absl::Minutes(15) - absl::Seconds(1)}) {
      clock.Set(absl::ToUnixNanos(expected + d));
      TSW_FUZZ_CHECK(!verifier.Verify(SignedWithDate(amz_date, "secret")).ok(),
                     "a request outside the allowed skew verified");
    }
  } else if (!valid) {
    TSW_FUZZ_CHECK(!status.ok(), absl::StrCat("invalid X-Amz-Date ", amz_date, " accepted"));
  }
}

// Bytes kept only if in `allowed`, so the request is one HTTP could carry.
std::string Keep(absl::string_view text, bool (*allowed)(unsigned char)) {
  std::string out;
  for (char c : text) {
    if (allowed(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}
bool TokenChar(unsigned char c) {
  return absl::ascii_isalnum(c) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
}
bool ValueChar(unsigned char c) { return (c >= 0x20 && c < 0x7f) || c == '\t' || c >= 0x80; }
bool PathChar(unsigned char c) { return c > 0x20 && c < 0x7f && c != '?' && c != '#'; }
bool ScopeChar(unsigned char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
}
bool KeyChar(unsigned char c) { return absl::ascii_isupper(c) || absl::ascii_isdigit(c); }
bool SecretChar(unsigned char c) { return c > 0x20 && c < 0x7f; }

void CheckSignVerify(InputReader in) {
  SigningCredentials credentials;
  credentials.access_key_id = "AK" + Keep(in.ShortString(16), KeyChar);
  credentials.secret_access_key = "s" + Keep(in.ShortString(40), SecretChar);
  credentials.session_token = Keep(in.ShortString(20), SecretChar);
  const std::string region = "r" + Keep(in.ShortString(12), ScopeChar);
  // 1970 to 2255: the clock's int64 nanoseconds reach 2262.
  const absl::Time now = absl::FromUnixSeconds(in.U64() % 9000000000);

  SigV4Request request;
  request.method = Keep(in.ShortString(8), TokenChar);
  if (request.method.empty()) request.method = "POST";
  request.path = "/" + Keep(in.ShortString(40), PathChar);
  request.query = Keep(in.ShortString(40), PathChar);
  const size_t headers = in.Byte() % 8;
  bool has_host = false;
  for (size_t i = 0; i < headers; ++i) {
    std::string name = Keep(in.ShortString(20), TokenChar);
    std::string value(absl::StripAsciiWhitespace(Keep(in.ShortString(40), ValueChar)));
    const std::string lower = absl::AsciiStrToLower(name);
    // Headers SignRequest adds, or that must match the body: a client sets none itself.
    if (name.empty() || lower == "authorization" || lower == "x-amz-date" ||
        lower == "x-amz-security-token" || lower == "x-amz-content-sha256") {
      continue;
    }
    has_host |= lower == "host";
    request.headers.emplace_back(std::move(name), std::move(value));
  }
  if (!has_host) request.headers.emplace_back("Host", "localhost:8080");
  const std::string body(in.rest());
  request.body = body;

  // The request exactly as the bytes give it first, Authorization or not.
  ManualClock clock(absl::ToUnixNanos(now));
  SigV4Verifier verifier({{credentials.access_key_id, credentials.secret_access_key}},
                         std::string(kService), &clock);
  (void)verifier.Verify(request);

  SignRequest(credentials, region, kService, now, &request);
  const absl::Status status = verifier.Verify(request);
  TSW_FUZZ_CHECK(status.ok(),
                 absl::StrCat("a request SignRequest signed does not verify: ", status.message()));
  const std::string changed = body + "x";
  request.body = changed;
  TSW_FUZZ_CHECK(!verifier.Verify(request).ok(), "a request with a changed body verified");
}

}  // namespace
}  // namespace tsw::server

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tsw::server;
  tsw::fuzz::InputReader in(data, size);
  switch (in.Byte() % 3) {
    case 0: {
      const absl::string_view header = in.Until('\n');
      CheckAuthorization(header);
      CheckCredentials(in.rest());
      break;
    }
    case 1:
      CheckDate(in.rest());
      break;
    default:
      CheckSignVerify(in);
      break;
  }
  return 0;
}
