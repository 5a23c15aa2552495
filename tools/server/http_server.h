// HttpServer: the Timestream Write wire protocol over HTTP/1.1 (AWS JSON 1.0).
//
//   POST /   X-Amz-Target: Timestream_20181101.<Operation>
//            Content-Type: application/x-amz-json-1.0   (not enforced)
//            Authorization: AWS4-HMAC-SHA256 ...         (checked when credentials are set)
//   200 with the response JSON, or 4xx/5xx with {"__type": <Exception>, "message": ...}.
//
// Each request, in order: body size limit (413), then the signature (403
// AccessDeniedException, before anything else is looked at), then X-Amz-Target (400
// ValidationException when missing or not this API's), then the handler. Requests on other
// paths or methods get 404/405 with a ValidationException body; a malformed HTTP request
// gets 400; a client that stalls mid-request is cut off after the read timeout.
//
// With HttpServerOptions::tls the same is served over TLS (HTTPS); a client that speaks
// plain HTTP to it fails its handshake and is disconnected, and the server goes on.
//
// Connections are kept alive; each is served by one thread of a fixed pool while it is
// open, so `threads` bounds concurrent connections being served (others wait to be
// accepted).
//
// Thread-safety: Shutdown() may be called from any thread (a signal watcher); the other
// methods from one thread.
#ifndef TSW_TOOLS_SERVER_HTTP_SERVER_H_
#define TSW_TOOLS_SERVER_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/wire/sigv4.h"
#include "tools/server/dispatch_context.h"
#include "tools/server/tls.h"
#include "tsw/clock.h"

namespace tsw {
namespace server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port (see HttpServer::port()).

  // Unset: every request is accepted, signed or not. Set: each request must carry a valid
  // SigV4 signature by one of these keys (service "timestream").
  std::optional<CredentialMap> credentials;
  const Clock* clock = nullptr;  // For the signature's date check; nullptr: system clock.

  size_t max_body_bytes = 4 << 20;  // Larger bodies get 413. WriteRecords needs < 300 KB.
  int read_timeout_seconds = 10;    // A request that stalls this long is dropped.
  int write_timeout_seconds = 10;
  int keep_alive_timeout_seconds = 5;  // An idle connection is closed after this.
  int threads = 64;                    // Connections served at once.

  // Set: HTTPS with this certificate and key (TLS 1.2 or later); Bind() fails with the
  // problem when they cannot be used. Unset: plain HTTP.
  std::optional<TlsFiles> tls;

  // Where the server reports what an operator should see (5xx errors). nullptr: stderr.
  std::function<void(absl::string_view)> report;
};

class HttpServer {
 public:
  // Answers one API call: the operation (from X-Amz-Target), the JSON body and how the
  // client reached the server. Returns the response JSON or an error status (mapped by
  // apijson::HttpStatusOf and written by apijson::ErrorToJson). Called concurrently.
  using Handler = std::function<absl::StatusOr<std::string>(
      absl::string_view operation, absl::string_view body, const DispatchContext& context)>;

  HttpServer(HttpServerOptions options, Handler handler);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // Binds the listening socket. Fails (InternalServerException) when the address cannot be
  // bound, naming it; with TLS, first (ValidationException) when the certificate or key
  // cannot be used, naming the file and the problem.
  absl::Status Bind();
  // The bound port. REQUIRES: Bind() succeeded.
  int port() const;
  // "host:port" as bound.
  std::string address() const;

  // Serves until Shutdown(); returns after every request already received has been
  // answered. REQUIRES: Bind() succeeded.
  absl::Status Serve();

  // Stops accepting; Serve() returns once in-flight requests finish. Idempotent; safe
  // before Serve() starts (Serve() then returns at once).
  void Shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace server
}  // namespace tsw

#endif  // TSW_TOOLS_SERVER_HTTP_SERVER_H_
