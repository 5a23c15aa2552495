// AWS Signature Version 4 for the HTTP endpoint: verifying a request's signature on the
// server, and signing one on the client side (load generator, tests).
//
// The algorithm is AWS's (docs: "Signature Version 4 signing process"), as botocore
// implements it: canonical request (method, URI-encoded path, sorted query, the signed
// headers lowercased with values trimmed and inner spaces collapsed, the signed header
// list, hex SHA-256 of the body), string to sign ("AWS4-HMAC-SHA256", X-Amz-Date,
// credential scope, hex SHA-256 of the canonical request), signing key
// HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"), and
// the signature hex(HMAC(signing key, string to sign)). Only the Authorization header form
// is accepted (not presigned query strings).
//
// Thread-safety: the free functions are pure (SignRequest but for the SigningKeyCache it
// may be given); a SigningKeyCache locks itself; a SigV4Verifier is immutable after
// construction but for its key cache, so one may serve many threads at once.
#ifndef TSW_ENGINE_WIRE_SIGV4_H_
#define TSW_ENGINE_WIRE_SIGV4_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/common/mutex.h"
#include "tsw/clock.h"

namespace tsw {
namespace server {

// An HTTP request as SigV4 sees it. Header names may be in any case; a name may repeat.
struct SigV4Request {
  std::string method = "POST";
  std::string path = "/";  // As on the request line: still %-encoded, without the query.
  std::string query;       // As on the request line after '?': "a=1&b=x%20y", or empty.
  std::vector<std::pair<std::string, std::string>> headers;  // As received.
  absl::string_view body;  // Not owned; must outlive the calls that read it.
};

// ---- The algorithm's steps (exposed for known-answer tests).

// Lowercase hex SHA-256 of `data`. (This and the functions below return "" if OpenSSL
// fails, out of memory: a value nothing matches, so such a request is refused.)
std::string Sha256Hex(absl::string_view data);
// Raw (32-byte) HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(absl::string_view key, absl::string_view data);
// RFC 3986 percent-encoding of everything but A-Z a-z 0-9 - _ . ~ (and '/' when
// `keep_slash`), with uppercase hex, as SigV4 requires.
std::string UriEncode(absl::string_view text, bool keep_slash);

// The canonical request of `request` over `signed_headers` (lowercase names, sorted),
// with `payload_hash` as its last line.
std::string CanonicalRequest(const SigV4Request& request,
                             const std::vector<std::string>& signed_headers,
                             absl::string_view payload_hash);
// "<date>/<region>/<service>/aws4_request" for an X-Amz-Date "YYYYMMDDTHHMMSSZ".
std::string CredentialScope(absl::string_view amz_date, absl::string_view region,
                            absl::string_view service);
std::string StringToSign(absl::string_view amz_date, absl::string_view credential_scope,
                         absl::string_view canonical_request);
// The raw signing key; `date` is "YYYYMMDD".
std::string SigningKey(absl::string_view secret_access_key, absl::string_view date,
                       absl::string_view region, absl::string_view service);
// SigningKey's results for the last few (secret, date, region, service)s, as the AWS
// SDKs keep them: the four HMACs run once a day per credentials, region and service
// rather than once a request. An entry answers only a call with all four equal, so a
// changed secret, a new day, or another region or service always derives afresh.
// Thread-safe.
class SigningKeyCache {
 public:
  static constexpr size_t kEntries = 4;

  // SigningKey(secret_access_key, date, region, service), derived or remembered.
  std::string Get(absl::string_view secret_access_key, absl::string_view date,
                  absl::string_view region, absl::string_view service);
  // How many keys Get derived (for tests).
  int64_t derivations() const;

 private:
  struct Entry {
    std::string secret_access_key, date, region, service, key;
  };
  mutable Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);  // Most recently derived last.
  int64_t derivations_ ABSL_GUARDED_BY(mu_) = 0;
};

// Lowercase hex HMAC-SHA256 of `string_to_sign` under `signing_key`.
std::string Signature(absl::string_view signing_key, absl::string_view string_to_sign);

// "YYYYMMDDTHHMMSSZ" of `time` in UTC.
std::string FormatAmzDate(absl::Time time);

// The parts of an "AWS4-HMAC-SHA256 Credential=AK/date/region/service/aws4_request,
// SignedHeaders=a;b, Signature=hex" header value.
struct Authorization {
  std::string access_key_id;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;  // As listed (lowercase, sorted by the signer).
  std::string signature;
};
// Fails with AccessDeniedException naming what is malformed.
absl::StatusOr<Authorization> ParseAuthorization(absl::string_view header_value);

// ---- Client side.

struct SigningCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // Sent as X-Amz-Security-Token when not empty.
};

// Adds X-Amz-Date (and X-Amz-Security-Token) and Authorization to `request->headers`,
// signing every header then present, as botocore does. REQUIRES: `request` has a Host
// header and no Authorization header. `keys` (may be null) supplies the signing key.
void SignRequest(const SigningCredentials& credentials, absl::string_view region,
                 absl::string_view service, absl::Time now, SigV4Request* request,
                 SigningKeyCache* keys = nullptr);

// ---- Server side.

// Access key id -> secret access key.
using CredentialMap = absl::flat_hash_map<std::string, std::string>;

// Parses a credentials file's text: one "ACCESS_KEY_ID SECRET_ACCESS_KEY" pair per line,
// separated by spaces or tabs; blank lines and lines starting with '#' are ignored.
// Fails with ValidationException naming the line of a malformed or repeated entry, or
// when there is no entry at all.
absl::StatusOr<CredentialMap> ParseCredentials(absl::string_view text);
// Reads and parses the file at `path`.
absl::StatusOr<CredentialMap> LoadCredentialsFile(const std::string& path);

class SigV4Verifier {
 public:
  // `clock` is not owned and must outlive the verifier (nullptr: the system clock).
  // Requests whose X-Amz-Date is more than `max_skew` away from the clock's now are
  // refused (AWS allows 15 minutes).
  SigV4Verifier(CredentialMap credentials, std::string service, const Clock* clock = nullptr,
                absl::Duration max_skew = absl::Minutes(15));

  // OK when `request` carries a valid SigV4 Authorization header by a known access key
  // for this service, dated within the allowed skew, signing at least Host and
  // X-Amz-Date, and (when it sends X-Amz-Content-SHA256) hashing the body it carries.
  // Otherwise AccessDeniedException with a message saying which check failed.
  absl::Status Verify(const SigV4Request& request) const;

 private:
  CredentialMap credentials_;
  std::string service_;
  const Clock* clock_;
  absl::Duration max_skew_;
  // Keys of signatures already checked: the secret is the known one, the date that of
  // an X-Amz-Date within the skew, so one day's requests share a derivation.
  mutable SigningKeyCache keys_;
};

}  // namespace server
}  // namespace tsw

#endif  // TSW_ENGINE_WIRE_SIGV4_H_
