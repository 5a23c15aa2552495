#include "engine/wire/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "tsw/status.h"

namespace tsw {
namespace server {
namespace {

constexpr absl::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool IsUnreserved(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX-decodes `text`; '+' stays '+' (SigV4 clients encode a space as %20). A '%' not
// followed by two hex digits is kept as is.
std::string UriDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// The value of a canonical header: each value trimmed, runs of whitespace inside
// collapsed to one space, repeated headers joined with ','.
std::string CanonicalHeaderValue(const SigV4Request& request, absl::string_view name) {
  std::string joined;
  bool first = true;
  for (const auto& [header, value] : request.headers) {
    if (!absl::EqualsIgnoreCase(header, name)) continue;
    if (!first) joined.push_back(',');
    first = false;
    std::vector<absl::string_view> words =
        absl::StrSplit(value, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    absl::StrAppend(&joined, absl::StrJoin(words, " "));
  }
  return joined;
}

const std::string* FindHeader(const SigV4Request& request, absl::string_view name) {
  for (const auto& [header, value] : request.headers) {
    if (absl::EqualsIgnoreCase(header, name)) return &value;
  }
  return nullptr;
}

// Parses "YYYYMMDDTHHMMSSZ" strictly (absl::ParseTime's %Y would swallow all 8 digits).
bool ParseAmzDate(absl::string_view text, absl::Time* out) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return false;
  auto number = [&](size_t pos, size_t len, int* value) {
    *value = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return false;
      *value = *value * 10 + (text[i] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!number(0, 4, &year) || !number(4, 2, &month) || !number(6, 2, &day) ||
      !number(9, 2, &hour) || !number(11, 2, &minute) || !number(13, 2, &second)) {
    return false;
  }
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  // CivilSecond normalizes out-of-range fields (month 13); such a date is malformed.
  if (civil.year() != year || civil.month() != month || civil.day() != day ||
      civil.hour() != hour || civil.minute() != minute || civil.second() != second) {
    return false;
  }
  *out = absl::FromCivil(civil, absl::UTCTimeZone());
  return true;
}

absl::Status Denied(std::string_view message) { return AccessDeniedError(message); }

constexpr size_t kSha256Size = 32;   // Bytes of a digest.
constexpr size_t kSha256Block = 64;  // Bytes of a block (HMAC's key size).

absl::string_view AsView(const unsigned char* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// SHA-256 of the concatenated `parts` into `out`, through an EVP_MD fetched once and a
// context kept per thread: OpenSSL 3's one-shot SHA256() and HMAC() look the algorithm
// up (and HMAC() builds a MAC context) on every call, which cost more than hashing a
// short string itself. False only when OpenSSL fails (out of memory).
bool Sha256(std::initializer_list<absl::string_view> parts, unsigned char out[kSha256Size]) {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  struct ContextFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, ContextFree> context(EVP_MD_CTX_new());
  unsigned int length = 0;
  bool ok = context != nullptr && EVP_DigestInit_ex(context.get(), md, nullptr) == 1;
  for (absl::string_view part : parts) {
    ok = ok && EVP_DigestUpdate(context.get(), part.data(), part.size()) == 1;
  }
  return ok && EVP_DigestFinal_ex(context.get(), out, &length) == 1 && length == kSha256Size;
}

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[kSha256Size];
  if (!Sha256({data}, digest)) return "";  // Matches no hash; signs nothing that verifies.
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  // RFC 2104: H((K ^ opad) || H((K ^ ipad) || data)), K the key (hashed if longer than a
  // block) padded with zeros to a block.
  unsigned char block_key[kSha256Block] = {};
  bool ok = true;
  if (key.size() > kSha256Block) {
    ok = Sha256({key}, block_key);
  } else {
    std::memcpy(block_key, key.data(), key.size());
  }
  unsigned char pad[kSha256Block];
  for (size_t i = 0; i < kSha256Block; ++i) pad[i] = block_key[i] ^ 0x36;
  unsigned char inner[kSha256Size];
  ok = ok && Sha256({AsView(pad, sizeof(pad)), data}, inner);
  for (size_t i = 0; i < kSha256Block; ++i) pad[i] = block_key[i] ^ 0x5c;
  unsigned char digest[kSha256Size];
  ok = ok && Sha256({AsView(pad, sizeof(pad)), AsView(inner, sizeof(inner))}, digest);
  OPENSSL_cleanse(block_key, sizeof(block_key));
  OPENSSL_cleanse(pad, sizeof(pad));
  OPENSSL_cleanse(inner, sizeof(inner));
  if (!ok) return "";
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

std::string UriEncode(absl::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      const unsigned char u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

std::string CanonicalRequest(const SigV4Request& request,
                             const std::vector<std::string>& signed_headers,
                             absl::string_view payload_hash) {
  // Query: decode each name and value, encode them canonically, sort by (name, value).
  std::vector<std::pair<std::string, std::string>> params;
  for (absl::string_view pair : absl::StrSplit(request.query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    params.emplace_back(UriEncode(UriDecode(kv.first), false),
                        UriEncode(UriDecode(kv.second), false));
  }
  std::sort(params.begin(), params.end());
  std::string query;
  for (const auto& [name, value] : params) {
    if (!query.empty()) query.push_back('&');
    absl::StrAppend(&query, name, "=", value);
  }

  std::string out;
  absl::StrAppend(&out, request.method, "\n", UriEncode(request.path, true), "\n", query, "\n");
  for (const std::string& name : signed_headers) {
    absl::StrAppend(&out, name, ":", CanonicalHeaderValue(request, name), "\n");
  }
  absl::StrAppend(&out, "\n", absl::StrJoin(signed_headers, ";"), "\n", payload_hash);
  return out;
}

std::string CredentialScope(absl::string_view amz_date, absl::string_view region,
                            absl::string_view service) {
  return absl::StrCat(amz_date.substr(0, 8), "/", region, "/", service, "/aws4_request");
}

std::string StringToSign(absl::string_view amz_date, absl::string_view credential_scope,
                         absl::string_view canonical_request) {
  return absl::StrCat(kAlgorithm, "\n", amz_date, "\n", credential_scope, "\n",
                      Sha256Hex(canonical_request));
}

std::string SigningKey(absl::string_view secret_access_key, absl::string_view date,
                       absl::string_view region, absl::string_view service) {
  std::string key = HmacSha256(absl::StrCat("AWS4", secret_access_key), date);
  if (!key.empty()) key = HmacSha256(key, region);
  if (!key.empty()) key = HmacSha256(key, service);
  if (!key.empty()) key = HmacSha256(key, "aws4_request");
  return key;
}

std::string SigningKeyCache::Get(absl::string_view secret_access_key, absl::string_view date,
                                 absl::string_view region, absl::string_view service) {
  {
    MutexLock lock(&mu_);
    for (const Entry& e : entries_) {
      if (e.date == date && e.region == region && e.service == service &&
          e.secret_access_key == secret_access_key) {
        return e.key;
      }
    }
  }
  // Derived outside the lock; two threads missing at once both derive the same key.
  Entry entry{std::string(secret_access_key), std::string(date), std::string(region),
              std::string(service), SigningKey(secret_access_key, date, region, service)};
  std::string key = entry.key;
  MutexLock lock(&mu_);
  ++derivations_;
  if (key.empty()) return key;  // OpenSSL failed: derived again next time.
  if (entries_.size() >= kEntries) entries_.erase(entries_.begin());
  entries_.push_back(std::move(entry));
  return key;
}

int64_t SigningKeyCache::derivations() const {
  MutexLock lock(&mu_);
  return derivations_;
}

std::string Signature(absl::string_view signing_key, absl::string_view string_to_sign) {
  if (signing_key.empty()) return "";  // Its derivation failed.
  return absl::BytesToHexString(HmacSha256(signing_key, string_to_sign));
}

std::string FormatAmzDate(absl::Time time) {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", time, absl::UTCTimeZone());
}

absl::StatusOr<Authorization> ParseAuthorization(absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  if (!absl::ConsumePrefix(&value, kAlgorithm) || value.empty() ||
      !absl::ascii_isspace(static_cast<unsigned char>(value.front()))) {
    return Denied(absl::StrCat("the Authorization header must start with ", kAlgorithm,
                               " (Signature Version 4)"));
  }
  Authorization auth;
  bool has_credential = false, has_signed_headers = false, has_signature = false;
  for (absl::string_view part : absl::StrSplit(value, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, "Credential=")) {
      std::vector<std::string> scope = absl::StrSplit(part, '/');
      if (scope.size() != 5 || scope[0].empty() || scope[1].size() != 8 || scope[2].empty() ||
          scope[3].empty() || scope[4] != "aws4_request") {
        return Denied(
            absl::StrCat("malformed Credential in the Authorization header: \"", part,
                         "\"; expected ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request"));
      }
      auth.access_key_id = scope[0];
      auth.date = scope[1];
      auth.region = scope[2];
      auth.service = scope[3];
      has_credential = true;
    } else if (absl::ConsumePrefix(&part, "SignedHeaders=")) {
      auth.signed_headers = absl::StrSplit(part, ';', absl::SkipEmpty());
      has_signed_headers = true;
    } else if (absl::ConsumePrefix(&part, "Signature=")) {
      auth.signature = std::string(part);
      has_signature = true;
    }
  }
  if (!has_credential || !has_signed_headers || !has_signature) {
    return Denied("the Authorization header must carry Credential=, SignedHeaders= and Signature=");
  }
  return auth;
}

void SignRequest(const SigningCredentials& credentials, absl::string_view region,
                 absl::string_view service, absl::Time now, SigV4Request* request,
                 SigningKeyCache* keys) {
  const std::string amz_date = FormatAmzDate(now);
  request->headers.emplace_back("X-Amz-Date", amz_date);
  if (!credentials.session_token.empty()) {
    request->headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  std::vector<std::string> signed_headers;
  for (const auto& header : request->headers) {
    std::string name = absl::AsciiStrToLower(header.first);
    // botocore leaves these out: proxies and the transport may change them.
    if (name == "user-agent" || name == "expect" || name == "x-amzn-trace-id") continue;
    signed_headers.push_back(std::move(name));
  }
  std::sort(signed_headers.begin(), signed_headers.end());
  signed_headers.erase(std::unique(signed_headers.begin(), signed_headers.end()),
                       signed_headers.end());
  const std::string scope = CredentialScope(amz_date, region, service);
  const std::string canonical =
      CanonicalRequest(*request, signed_headers, Sha256Hex(request->body));
  const absl::string_view date = absl::string_view(amz_date).substr(0, 8);
  const std::string signature =
      Signature(keys != nullptr ? keys->Get(credentials.secret_access_key, date, region, service)
                                : SigningKey(credentials.secret_access_key, date, region, service),
                StringToSign(amz_date, scope, canonical));
  request->headers.emplace_back(
      "Authorization", absl::StrCat(kAlgorithm, " Credential=", credentials.access_key_id, "/",
                                    scope, ", SignedHeaders=", absl::StrJoin(signed_headers, ";"),
                                    ", Signature=", signature));
}

absl::StatusOr<CredentialMap> ParseCredentials(absl::string_view text) {
  CredentialMap credentials;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 2) {
      return ValidationError(absl::StrCat(
          "credentials line ", line_number,
          ": expected \"ACCESS_KEY_ID SECRET_ACCESS_KEY\" (two fields), found ", fields.size()));
    }
    if (!credentials.emplace(std::string(fields[0]), std::string(fields[1])).second) {
      return ValidationError(absl::StrCat("credentials line ", line_number, ": access key id ",
                                          fields[0], " is listed twice"));
    }
  }
  if (credentials.empty()) {
    return ValidationError(
        "the credentials file lists no \"ACCESS_KEY_ID SECRET_ACCESS_KEY\" line");
  }
  return credentials;
}

absl::StatusOr<CredentialMap> LoadCredentialsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ValidationError(absl::StrCat("cannot read the credentials file ", path));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<CredentialMap> credentials = ParseCredentials(text.str());
  if (!credentials.ok()) {
    return ValidationError(absl::StrCat(path, ": ", credentials.status().message()));
  }
  return credentials;
}

SigV4Verifier::SigV4Verifier(CredentialMap credentials, std::string service, const Clock* clock,
                             absl::Duration max_skew)
    : credentials_(std::move(credentials)),
      service_(std::move(service)),
      clock_(clock != nullptr ? clock : SystemClock::Default()),
      max_skew_(max_skew) {}

absl::Status SigV4Verifier::Verify(const SigV4Request& request) const {
  const std::string* authorization_header = FindHeader(request, "Authorization");
  if (authorization_header == nullptr) {
    return Denied(
        absl::StrCat("the request is not signed: this endpoint requires AWS Signature Version 4 "
                     "(an Authorization header, service name \"",
                     service_, "\")"));
  }
  absl::StatusOr<Authorization> auth = ParseAuthorization(*authorization_header);
  if (!auth.ok()) return auth.status();

  auto secret = credentials_.find(auth->access_key_id);
  if (secret == credentials_.end()) {
    return Denied(
        absl::StrCat("the access key id ", auth->access_key_id, " is not known to this endpoint"));
  }
  if (auth->service != service_) {
    return Denied(absl::StrCat("the credential scope names service \"", auth->service,
                               "\"; this endpoint is \"", service_, "\""));
  }

  const std::string* amz_date = FindHeader(request, "X-Amz-Date");
  absl::Time signed_at;
  if (amz_date == nullptr || !ParseAmzDate(*amz_date, &signed_at)) {
    return Denied("the request needs an X-Amz-Date header of the form YYYYMMDDTHHMMSSZ");
  }
  if (!absl::StartsWith(*amz_date, auth->date)) {
    return Denied(absl::StrCat("the credential scope date ", auth->date,
                               " is not the date of X-Amz-Date ", *amz_date));
  }
  const absl::Time now = absl::FromUnixNanos(clock_->NowNanos());
  if (absl::AbsDuration(now - signed_at) > max_skew_) {
    return Denied(absl::StrCat("signature expired: X-Amz-Date ", *amz_date, " is more than ",
                               absl::FormatDuration(max_skew_), " away from the server's time ",
                               FormatAmzDate(now)));
  }

  std::vector<std::string> signed_headers = auth->signed_headers;
  for (absl::string_view required : {"host", "x-amz-date"}) {
    if (std::find(signed_headers.begin(), signed_headers.end(), required) == signed_headers.end()) {
      return Denied(absl::StrCat("SignedHeaders must include ", required));
    }
  }
  for (const std::string& name : signed_headers) {
    if (FindHeader(request, name) == nullptr) {
      return Denied(absl::StrCat("the signed header ", name, " is missing from the request"));
    }
  }

  const std::string payload_hash = Sha256Hex(request.body);
  if (const std::string* content_sha = FindHeader(request, "X-Amz-Content-SHA256")) {
    if (!absl::EqualsIgnoreCase(*content_sha, payload_hash)) {
      return Denied(absl::StrCat(
          "X-Amz-Content-SHA256 does not match the body received (", payload_hash,
          "); the body was changed or cut, or the payload is unsigned, which this endpoint "
          "does not accept"));
    }
  }

  const std::string canonical = CanonicalRequest(request, signed_headers, payload_hash);
  const std::string scope = CredentialScope(*amz_date, auth->region, auth->service);
  const std::string string_to_sign = StringToSign(*amz_date, scope, canonical);
  const std::string expected =
      Signature(keys_.Get(secret->second, auth->date, auth->region, auth->service), string_to_sign);
  if (expected.empty() || expected.size() != auth->signature.size() ||
      CRYPTO_memcmp(expected.data(), auth->signature.data(), expected.size()) != 0) {
    return Denied(absl::StrCat(
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. The canonical request was '",
        canonical, "' and the string to sign was '", string_to_sign, "'"));
  }
  return absl::OkStatus();
}

}  // namespace server
}  // namespace tsw
