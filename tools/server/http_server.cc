#include "tools/server/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "engine/common/mutex.h"
#include "engine/wire/api_json.h"
#include "tsw/status.h"

namespace tsw {
namespace server {
namespace {

constexpr absl::string_view kTargetPrefix = "Timestream_20181101.";
constexpr char kJsonContentType[] = "application/x-amz-json-1.0";

bool IsWildcardHost(absl::string_view host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

std::string HostPort(absl::string_view host, int port) {
  if (absl::StrContains(host, ':') && !absl::StartsWith(host, "[")) {
    return absl::StrCat("[", host, "]:", port);  // IPv6 literal.
  }
  return absl::StrCat(host, ":", port);
}

// cpp-httplib listens with a backlog of 5: a burst of connects overflows the accept queue,
// the kernel drops the handshakes' last ACKs and those clients stall for seconds (SYN-ACK
// retransmits) before their first request is read. listen() again on the bound socket
// sets a larger backlog (Linux updates it in place).
template <typename Base>  // httplib::Server or httplib::SSLServer.
class ListeningServer : public Base {
 public:
  using Base::Base;
  bool RaiseBacklog(int backlog) { return ::listen(this->svr_sock_, backlog) == 0; }
};

constexpr int kListenBacklog = 1024;

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  std::optional<SigV4Verifier> verifier;
  // Plain or TLS, as options.tls says; raise_backlog is its ListeningServer::RaiseBacklog.
  std::unique_ptr<httplib::Server> server;
  std::function<bool(int)> raise_backlog;
  absl::Status tls_status;  // Why options.tls cannot be served; Bind() reports it.
  int port = -1;

  Mutex mu;
  bool shutdown_requested ABSL_GUARDED_BY(mu) = false;
  bool serving ABSL_GUARDED_BY(mu) = false;  // Serve() has begun listening.
  std::atomic<bool> serve_returned{false};

  std::string request_id_prefix;
  std::atomic<uint64_t> request_count{0};

  void Log(absl::string_view message) {
    if (options.report) {
      options.report(message);
    } else {
      std::fprintf(stderr, "tsw serve: %.*s\n", static_cast<int>(message.size()), message.data());
    }
  }

  void ReplyError(const absl::Status& status, httplib::Response& res) {
    const ErrorKind kind = KindOf(status);
    res.status = apijson::HttpStatusOf(kind);
    res.set_content(apijson::ErrorToJson(status), kJsonContentType);
    if (res.status >= 500) Log(absl::StrCat("answered ", res.status, ": ", status.ToString()));
  }

  std::string EndpointAddress(const httplib::Request& req) const {
    if (IsWildcardHost(options.host)) {
      // Bound to every interface: the address the client used is the one to give back.
      std::string host = req.get_header_value("Host");
      if (!host.empty()) return host;
      return HostPort("localhost", port);
    }
    return HostPort(options.host, port);
  }

  absl::Status Authenticate(const httplib::Request& req, absl::string_view body) const {
    if (!verifier.has_value()) return absl::OkStatus();
    SigV4Request signed_request;
    signed_request.method = req.method;
    absl::string_view target = req.target;
    const size_t question = target.find('?');
    signed_request.path = std::string(target.substr(0, question));
    if (question != absl::string_view::npos) {
      signed_request.query = std::string(target.substr(question + 1));
    }
    signed_request.headers.assign(req.headers.begin(), req.headers.end());
    signed_request.body = body;
    return verifier->Verify(signed_request);
  }

  void Handle(const httplib::Request& req, absl::string_view body, httplib::Response& res) {
    absl::Status auth = Authenticate(req, body);
    if (!auth.ok()) return ReplyError(auth, res);

    const std::string target = req.get_header_value("X-Amz-Target");
    absl::string_view operation = target;
    if (target.empty()) {
      return ReplyError(ValidationError(absl::StrCat("missing X-Amz-Target header; expected ",
                                                     kTargetPrefix, "<Operation> (AWS JSON 1.0)")),
                        res);
    }
    if (!absl::ConsumePrefix(&operation, kTargetPrefix)) {
      return ReplyError(ValidationError(absl::StrCat("X-Amz-Target \"", target,
                                                     "\" is not a Timestream operation; expected ",
                                                     kTargetPrefix, "<Operation>")),
                        res);
    }
    DispatchContext context{EndpointAddress(req)};
    absl::StatusOr<std::string> response = handler(operation, body, context);
    if (!response.ok()) return ReplyError(response.status(), res);
    res.status = 200;
    res.set_content(std::move(*response), kJsonContentType);
  }

  // Bodies for the errors httplib detects itself (no route, too large, malformed).
  httplib::Server::HandlerResponse HandleHttpError(const httplib::Request& req,
                                                   httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message;
    switch (res.status) {
      case 413:
        message = absl::StrCat("the request body is larger than ", options.max_body_bytes,
                               " bytes, this endpoint's limit (tsw serve --max-body-bytes)");
        break;
      case 404:
        message = absl::StrCat("no resource at ", req.path,
                               "; the Timestream Write API is served at POST /");
        break;
      case 400:
        message =
            "malformed or incomplete HTTP request (a body shorter than its Content-Length, "
            "or one that stalled past the read timeout)";
        break;
      default:
        message = absl::StrCat("HTTP error ", res.status);
    }
    res.set_content(apijson::ErrorToJson(ValidationError(message)), kJsonContentType);
    return httplib::Server::HandlerResponse::Handled;
  }
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>()) {
  Impl& impl = *impl_;
  impl.options = std::move(options);
  impl.handler = std::move(handler);
  if (impl.options.credentials.has_value()) {
    impl.verifier.emplace(*impl.options.credentials, "timestream", impl.options.clock);
  }
  impl.request_id_prefix = absl::StrFormat(
      "%08x-", static_cast<uint32_t>(std::chrono::system_clock::now().time_since_epoch() /
                                     std::chrono::seconds(1)));

  if (impl.options.tls.has_value()) {
    const TlsFiles files = *impl.options.tls;
    auto tls_server =
        std::make_unique<ListeningServer<httplib::SSLServer>>([&impl, files](SSL_CTX& ctx) {
          impl.tls_status = ConfigureTls(ctx, files);
          return impl.tls_status.ok();
        });
    impl.raise_backlog = [p = tls_server.get()](int backlog) { return p->RaiseBacklog(backlog); };
    impl.server = std::move(tls_server);
  } else {
    auto plain_server = std::make_unique<ListeningServer<httplib::Server>>();
    impl.raise_backlog = [p = plain_server.get()](int backlog) { return p->RaiseBacklog(backlog); };
    impl.server = std::move(plain_server);
  }
  httplib::Server& http = *impl.server;
  const int threads = std::max(1, impl.options.threads);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(impl.options.max_body_bytes);
  http.set_read_timeout(impl.options.read_timeout_seconds, 0);
  http.set_write_timeout(impl.options.write_timeout_seconds, 0);
  http.set_keep_alive_timeout(impl.options.keep_alive_timeout_seconds);
  http.set_keep_alive_max_count(1000000);
  http.set_tcp_nodelay(true);
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second server bind the same
  // port and take half its connections; SO_REUSEADDR alone allows a quick restart only.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http.set_pre_routing_handler([&impl](const httplib::Request&, httplib::Response& res) {
    res.set_header("x-amzn-RequestId",
                   absl::StrCat(impl.request_id_prefix,
                                impl.request_count.fetch_add(1, std::memory_order_relaxed)));
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // The body is read here rather than by cpp-httplib, which bounds only bodies with a
  // Content-Length (those over the limit it skips and answers 413 itself): a chunked body
  // past the limit is read to its end and dropped, so memory stays bounded and the
  // connection stays in step for its next request.
  http.Post("/", [&impl](const httplib::Request& req, httplib::Response& res,
                         const httplib::ContentReader& read_content) {
    std::string body;
    bool too_large = false;
    const bool read = read_content([&](const char* data, size_t length) {
      if (too_large || body.size() + length > impl.options.max_body_bytes) {
        too_large = true;
        body.clear();
      } else {
        body.append(data, length);
      }
      return true;
    });
    if (!read || too_large) {
      if (too_large) res.status = 413;
      if (res.status < 400) res.status = 400;
      impl.HandleHttpError(req, res);
      return;
    }
    impl.Handle(req, body, res);
  });
  auto wrong_method = [&impl](const httplib::Request& req, httplib::Response& res) {
    impl.ReplyError(ValidationError(absl::StrCat("method ", req.method,
                                                 " is not supported; the Timestream Write API "
                                                 "is served at POST /")),
                    res);
    res.status = 405;
  };
  http.Get(".*", wrong_method);
  http.Put(".*", wrong_method);
  http.Delete(".*", wrong_method);
  http.Patch(".*", wrong_method);
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [&impl](const httplib::Request& req, httplib::Response& res) {
        return impl.HandleHttpError(req, res);
      }));
  http.set_exception_handler(
      [&impl](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
        std::string what = "unknown exception";
        try {
          if (error) std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        impl.ReplyError(InternalError(absl::StrCat("internal error: ", what)), res);
      });
}

HttpServer::~HttpServer() { Shutdown(); }

absl::Status HttpServer::Bind() {
  Impl& impl = *impl_;
  if (!impl.tls_status.ok()) return impl.tls_status;
  if (!impl.server->is_valid()) {
    return InternalError("cannot create the server's TLS context (OpenSSL failed)");
  }
  if (impl.options.port == 0) {
    impl.port = impl.server->bind_to_any_port(impl.options.host);
  } else if (impl.server->bind_to_port(impl.options.host, impl.options.port)) {
    impl.port = impl.options.port;
  }
  if (impl.port <= 0) {
    return InternalError(
        absl::StrCat("cannot listen on ", HostPort(impl.options.host, impl.options.port),
                     ": the port is in use, or the host is not an address of this machine"));
  }
  if (!impl.raise_backlog(kListenBacklog)) {
    return InternalError(absl::StrCat("cannot set the listen backlog on ", address()));
  }
  return absl::OkStatus();
}

int HttpServer::port() const { return impl_->port; }

std::string HttpServer::address() const { return HostPort(impl_->options.host, impl_->port); }

absl::Status HttpServer::Serve() {
  Impl& impl = *impl_;
  {
    MutexLock lock(&impl.mu);
    if (impl.shutdown_requested) return absl::OkStatus();
    impl.serving = true;
  }
  // Returns after stop(), once the pool has run every accepted connection's requests.
  const bool stopped_cleanly = impl.server->listen_after_bind();
  impl.serve_returned.store(true, std::memory_order_release);
  MutexLock lock(&impl.mu);
  if (!stopped_cleanly && !impl.shutdown_requested) {
    return InternalError(absl::StrCat("the server on ", address(), " stopped accepting"));
  }
  return absl::OkStatus();
}

void HttpServer::Shutdown() {
  Impl& impl = *impl_;
  {
    MutexLock lock(&impl.mu);
    impl.shutdown_requested = true;
    if (!impl.serving) return;
  }
  // Serve() is in (or about to enter) listen_after_bind; httplib's stop() is a no-op until
  // that marks the server running, so wait for it.
  while (!impl.server->is_running() && !impl.serve_returned.load(std::memory_order_acquire)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl.server->stop();
}

}  // namespace server
}  // namespace tsw
