// HttpSender: the forward::Sender that speaks Timestream Write's wire protocol (AWS JSON
// 1.0, X-Amz-Target Timestream_20181101.WriteRecords), each request SigV4-signed with the
// code `tsw serve` verifies with (engine/wire/sigv4.h), over HTTP (Http1Connection, a
// lean client: one write per request, no poll per read, no regex per answer) or HTTPS
// (cpp-httplib over OpenSSL), on a small pool of keep-alive connections.
//
// What the destination's answer becomes (SendOutcome):
//   200                                              kAccepted
//   RejectedRecordsException                         kAccepted, `rejected` filled
//   ThrottlingException, InternalServerException,
//   any 5xx, 408, 429, timeouts, connection errors   kRetry
//   ValidationException, AccessDeniedException (and
//   a bad signature), ResourceNotFoundException,
//   any other 4xx, an unverifiable TLS certificate   kFailed
// A connection the pool kept that fails before any answer is retried once at once on a
// fresh connection (the server may have closed it while idle; a resend is harmless).
//
// Endpoint discovery: without an endpoint, DescribeEndpoints is called at the discovery
// URL (default https://ingest.timestream.<region>.amazonaws.com) and Endpoints[0].Address
// is used, with the discovery URL's scheme (https for AWS; http lets a plain `tsw serve`
// on loopback stand in), for CachePeriodInMinutes. The address is discovered again when
// that expires, after a connection failure to it, and after an InvalidEndpointException.
// When discovery fails but an earlier address is known, that address goes on being used
// and discovery is tried again a minute later.
//
// Credentials: fixed at construction; when the destination refuses them (403 / an access
// error) and the options can reload them, they are read again and, if they changed, the
// request is sent once more with the new ones (rotated keys, a renewed session token).
//
// Thread-safety: Send may be called from several threads at once; each call uses its own
// connection from the pool.
#ifndef TSW_ENGINE_FORWARD_HTTP_SENDER_H_
#define TSW_ENGINE_FORWARD_HTTP_SENDER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/forward/sender.h"
#include "engine/wire/sigv4.h"
#include "tsw/clock.h"
#include "tsw/options.h"

namespace tsw::forward {

struct HttpSenderOptions {
  // "https://host[:port]" or "http://host[:port]" (a trailing '/' allowed, no other path).
  // Empty: found by DescribeEndpoints at `discovery_endpoint`.
  std::string endpoint;
  // Empty: "https://ingest.timestream.<region>.amazonaws.com".
  std::string discovery_endpoint;
  std::string region = "us-east-1";  // SigV4 signing region.

  server::SigningCredentials credentials;
  // Reads the credentials again (after the destination refused them). nullptr: never.
  std::function<absl::StatusOr<server::SigningCredentials>()> reload_credentials;

  // PEM file of the certificate authorities trusted for HTTPS. Empty: the file named by
  // AWS_CA_BUNDLE when set (as the AWS SDKs read it), else the system's.
  std::string ca_file;

  int max_idle_connections = 4;  // Keep-alive connections kept for reuse.
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration request_timeout = absl::Seconds(30);  // Sending, then awaiting the answer.

  // Signing dates and the discovery cache's expiry. Not owned; nullptr: the system clock.
  const Clock* clock = nullptr;
};

// The options `destination` asks for: its endpoint, discovery endpoint and region; the
// credentials of its credentials_file (first entry) or, without one, the standard AWS
// sources (engine/wire/aws_credentials.h), reloadable from the same place; its
// max_connections as the pool size. Fails (ValidationException) when no credentials are
// found, naming where it looked.
absl::StatusOr<HttpSenderOptions> HttpSenderOptionsFor(const ForwardDestination& destination);

class HttpSender final : public Sender {
 public:
  // Fails with ValidationException when `endpoint` or `discovery_endpoint` is not an
  // http:// or https:// URL of a host. (An unreadable CA file fails each HTTPS request,
  // as kFailed naming the TLS error: the file is read by OpenSSL, not through an Env.)
  static absl::StatusOr<std::unique_ptr<HttpSender>> Create(HttpSenderOptions options);

  ~HttpSender() override;

  SendOutcome Send(const WriteRecordsRequest& request) override;
  SendOutcome SendJson(const std::string& body, size_t record_count) override;

  // The endpoint requests go to now ("scheme://host:port"): the configured one, or the
  // one discovered last ("" before the first discovery).
  std::string current_endpoint() const;
  // DescribeEndpoints calls that succeeded so far.
  int64_t discoveries() const;

 private:
  struct Impl;
  explicit HttpSender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// HttpSenderOptionsFor(destination) then HttpSender::Create: the Sender an engine builds
// for one of its Options::forward rules.
absl::StatusOr<std::unique_ptr<Sender>> NewHttpSender(const ForwardDestination& destination);

}  // namespace tsw::forward

#endif  // TSW_ENGINE_FORWARD_HTTP_SENDER_H_
