#include "engine/forward/http_sender.h"

#include <httplib.h>

#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/common/mutex.h"
#include "engine/forward/http1_connection.h"
#include "engine/wire/api_json.h"
#include "engine/wire/aws_credentials.h"
#include "tsw/status.h"

namespace tsw::forward {
namespace {

constexpr char kJsonContentType[] = "application/x-amz-json-1.0";
constexpr char kTargetPrefix[] = "Timestream_20181101.";
// How long a failed re-discovery leaves the last known address in use before trying again.
constexpr absl::Duration kRediscoverAfterFailure = absl::Minutes(1);

// Where requests go: "scheme://host:port" for httplib, and the Host header to sign.
struct Target {
  std::string base_url;
  std::string host_header;
  bool tls = false;  // https: through httplib and OpenSSL; http: an Http1Connection.
};

absl::StatusOr<Target> ParseTarget(const std::string& url, absl::string_view what) {
  const size_t scheme_end = url.find("://");
  const std::string scheme = url.substr(0, scheme_end == std::string::npos ? 0 : scheme_end);
  if (scheme_end == std::string::npos || (scheme != "http" && scheme != "https")) {
    return ValidationError(absl::StrCat(what, " '", url, "' must start with http:// or https://"));
  }
  std::string rest = url.substr(scheme_end + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const bool control = std::any_of(rest.begin(), rest.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (rest.empty() || control || rest.find_first_of("/?#@ ") != std::string::npos) {
    return ValidationError(
        absl::StrCat(what, " '", url, "' must be scheme://host[:port], without a path"));
  }
  return Target{absl::StrCat(scheme, "://", rest), rest, scheme == "https"};
}

int64_t NowNanos(const Clock* clock) { return clock->NowNanos(); }

// A request that got no answer: retried, unless the TLS setup itself is wrong (a
// certificate that does not verify, CA certificates that do not load), which waiting
// will not mend.
SendOutcome::Kind KindOfTransportError(httplib::Error error) {
  return error == httplib::Error::SSLServerVerification || error == httplib::Error::SSLLoadingCerts
             ? SendOutcome::Kind::kFailed
             : SendOutcome::Kind::kRetry;
}

// One request's exchange: the answer, or why there was none.
struct Exchanged {
  bool ok = false;
  Http1Response response;                              // When ok.
  SendOutcome::Kind kind = SendOutcome::Kind::kRetry;  // When not ok.
  std::string error;                                   // When not ok.
  // Whether any of an answer arrived (when not ok): a connection that failed before
  // answering may just have been closed while idle. Unknown for https: taken as not.
  bool answered = false;
};

bool IsRetryableKind(ErrorKind kind) {
  return kind == ErrorKind::kThrottling || kind == ErrorKind::kInternalServer;
}

std::string ErrorText(const absl::Status& status) {
  return absl::StrCat(std::string(ExceptionName(KindOf(status))), ": ", status.message());
}

// One answer to WriteRecords as a SendOutcome (see the table in http_sender.h).
SendOutcome Classify(const Http1Response& response, size_t record_count) {
  SendOutcome outcome;
  if (response.status >= 200 && response.status < 300) return outcome;
  const absl::Status error =
      apijson::ParseErrorResponse(response.status, response.body, response.error_type);
  const ErrorKind kind = KindOf(error);
  if (kind == ErrorKind::kRejectedRecords) {
    outcome.rejected = RejectedRecordsOf(error);
    for (const RejectedRecord& r : outcome.rejected) {
      if (r.record_index < 0 || static_cast<size_t>(r.record_index) >= record_count) {
        // Nothing says which records were stored: the whole request is reported, and a
        // later resend of it is harmless.
        outcome.kind = SendOutcome::Kind::kFailed;
        outcome.rejected.clear();
        outcome.error =
            absl::StrCat("RejectedRecordsException with a RecordIndex outside the request's ",
                         record_count, " records: ", error.message());
        return outcome;
      }
    }
    return outcome;
  }
  const bool retry = IsRetryableKind(kind) || response.status >= 500 || response.status == 429 ||
                     response.status == 408;
  outcome.kind = retry ? SendOutcome::Kind::kRetry : SendOutcome::Kind::kFailed;
  outcome.error = absl::StrCat(ErrorText(error), " (HTTP ", response.status, ")");
  return outcome;
}

}  // namespace

struct HttpSender::Impl {
  HttpSenderOptions options;
  std::optional<Target> fixed;  // The configured endpoint, when there is one.
  Target discovery;             // Where DescribeEndpoints is called otherwise.
  const Clock* clock = nullptr;

  // Held while discovering, so that one thread discovers and the others wait for it.
  // Acquired before `mu`, never after.
  Mutex discovery_mu;
  mutable Mutex mu;
  std::optional<Target> discovered ABSL_GUARDED_BY(mu);
  int64_t discovered_expiry_nanos ABSL_GUARDED_BY(mu) = 0;  // Re-discover at or after.
  int64_t discoveries ABSL_GUARDED_BY(mu) = 0;
  // Bumped whenever the target changes: pooled connections of an older one are dropped.
  int64_t generation ABSL_GUARDED_BY(mu) = 0;
  struct Connection {
    std::unique_ptr<Http1Connection> plain;  // http://; connected by Post when null.
    std::unique_ptr<httplib::Client> tls;    // https://
    int64_t generation = 0;
    bool reused = false;
  };
  std::vector<Connection> idle ABSL_GUARDED_BY(mu);
  server::SigningCredentials credentials ABSL_GUARDED_BY(mu);
  // Keyed by secret, date, region and service: reloaded credentials or a new day derive
  // a new key. Locks itself (Post runs on several threads at once).
  mutable server::SigningKeyCache signing_keys;

  // An https:// connection (httplib and OpenSSL).
  std::unique_ptr<httplib::Client> NewTlsClient(const Target& target) const {
    auto client = std::make_unique<httplib::Client>(target.base_url);
    client->set_keep_alive(true);
    // Headers and body go out in separate writes: with Nagle's algorithm the body waits
    // for the ACK of the headers, which the server delays (~40 ms a request).
    client->set_tcp_nodelay(true);
    const auto micros = [](absl::Duration d) { return absl::ToInt64Microseconds(d); };
    client->set_connection_timeout(micros(options.connect_timeout) / 1000000,
                                   micros(options.connect_timeout) % 1000000);
    client->set_read_timeout(micros(options.request_timeout) / 1000000,
                             micros(options.request_timeout) % 1000000);
    client->set_write_timeout(micros(options.request_timeout) / 1000000,
                              micros(options.request_timeout) % 1000000);
    client->enable_server_certificate_verification(true);
    if (!options.ca_file.empty()) client->set_ca_cert_path(options.ca_file);
    return client;
  }

  // A new connection to `target` (an http:// one connects on first use).
  Connection NewConnection(const Target& target, int64_t target_generation) const {
    Connection c;
    if (target.tls) c.tls = NewTlsClient(target);
    c.generation = target_generation;
    return c;
  }

  // A connection to `target`: a pooled one when the pool has one, else a new one.
  Connection Acquire(const Target& target, int64_t target_generation) {
    {
      MutexLock lock(&mu);
      if (target_generation == generation && !idle.empty()) {
        Connection c = std::move(idle.back());
        idle.pop_back();
        c.reused = true;
        return c;
      }
    }
    return NewConnection(target, target_generation);
  }

  // Returns a connection that answered to the pool (unless its target changed meanwhile,
  // or the server closes it).
  void Release(Connection connection) {
    if (connection.plain != nullptr && !connection.plain->reusable()) return;
    MutexLock lock(&mu);
    if (connection.generation == generation &&
        static_cast<int>(idle.size()) < options.max_idle_connections) {
      idle.push_back(std::move(connection));
    }
  }

  server::SigningCredentials Credentials() const {
    MutexLock lock(&mu);
    return credentials;
  }

  // One signed POST of `operation` on `c` (to `target`).
  Exchanged Post(Connection& c, const Target& target, absl::string_view operation,
                 const std::string& body, const server::SigningCredentials& signing) const;

  // Sends `operation` to `target`, retrying once on a fresh connection when a pooled one
  // fails before answering (the server may have closed it while idle; a resend is
  // harmless). On success the connection goes back to the pool.
  Exchanged Exchange(const Target& target, int64_t target_generation, absl::string_view operation,
                     const std::string& body, const server::SigningCredentials& signing) {
    Connection c = Acquire(target, target_generation);
    Exchanged result = Post(c, target, operation, body, signing);
    if (!result.ok && !result.answered && c.reused) {
      c = NewConnection(target, target_generation);
      result = Post(c, target, operation, body, signing);
    }
    if (result.ok) Release(std::move(c));
    return result;
  }

  bool FreshLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return discovered.has_value() && NowNanos(clock) < discovered_expiry_nanos;
  }
  SendOutcome Discover(bool have_stale);
  // The target for the next request and its generation, discovering when needed;
  // kAccepted unless discovery failed with nothing to fall back on.
  SendOutcome CurrentTarget(Target* target, int64_t* target_generation);
  // After a connection failure or an InvalidEndpointException from a discovered address.
  void ForgetDiscovered(int64_t target_generation);
  // After an access error: whether reloaded credentials differ (so a resend may pass).
  bool ReloadCredentials(const server::SigningCredentials& used);
  SendOutcome SendOnce(size_t record_count, const std::string& body,
                       const server::SigningCredentials& signing, bool* access_refused);
};

Exchanged HttpSender::Impl::Post(Connection& c, const Target& target, absl::string_view operation,
                                 const std::string& body,
                                 const server::SigningCredentials& signing) const {
  server::SigV4Request request;
  request.headers = {{"Host", target.host_header},
                     {"X-Amz-Target", absl::StrCat(kTargetPrefix, operation)}};
  request.body = body;
  server::SignRequest(signing, options.region, "timestream", absl::FromUnixNanos(NowNanos(clock)),
                      &request, &signing_keys);
  Exchanged result;
  if (c.tls != nullptr) {
    httplib::Headers headers(request.headers.begin(), request.headers.end());
    httplib::Result answer = c.tls->Post("/", headers, body, kJsonContentType);
    if (!answer) {
      result.kind = KindOfTransportError(answer.error());
      result.error = httplib::to_string(answer.error());
      return result;
    }
    result.ok = true;
    result.response.status = answer->status;
    result.response.body = std::move(answer->body);
    result.response.error_type = answer->get_header_value("x-amzn-ErrorType");
    return result;
  }
  // The values come from the endpoint (checked by ParseTarget) and the credentials: a
  // line break in one would end its header early and smuggle in another.
  constexpr absl::string_view kBreaks("\r\n\0", 3);
  std::string head = "POST / HTTP/1.1\r\n";
  for (const auto& [name, value] : request.headers) {
    if (absl::string_view(name).find_first_of(kBreaks) != absl::string_view::npos ||
        absl::string_view(value).find_first_of(kBreaks) != absl::string_view::npos) {
      result.kind = SendOutcome::Kind::kFailed;
      result.error = absl::StrCat("the request's ", name, " header holds a line break or NUL");
      return result;
    }
    absl::StrAppend(&head, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&head, "Content-Type: ", kJsonContentType, "\r\n");
  if (c.plain == nullptr) {
    absl::StatusOr<std::unique_ptr<Http1Connection>> connected = Http1Connection::Connect(
        target.host_header, options.connect_timeout, options.request_timeout);
    if (!connected.ok()) {
      result.error = std::string(connected.status().message());
      return result;
    }
    c.plain = std::move(*connected);
  }
  absl::StatusOr<Http1Response> answer = c.plain->Exchange(head, body, &result.answered);
  if (!answer.ok()) {
    result.error = std::string(answer.status().message());
    return result;
  }
  result.ok = true;
  result.response = std::move(*answer);
  return result;
}

SendOutcome HttpSender::Impl::Discover(bool have_stale) {
  SendOutcome failed;
  Connection connection = NewConnection(discovery, 0);
  const Exchanged result = Post(connection, discovery, "DescribeEndpoints", "{}", Credentials());
  absl::StatusOr<DescribeEndpointsResponse> response =
      InternalError("no answer");  // Replaced below on every path that reads it.
  if (!result.ok) {
    failed.kind = result.kind;
    failed.error = absl::StrCat("DescribeEndpoints at ", discovery.base_url, ": ", result.error);
  } else if (result.response.status != 200) {
    failed = Classify(result.response, 0);
    if (failed.kind == SendOutcome::Kind::kAccepted) failed.kind = SendOutcome::Kind::kFailed;
    failed.error = absl::StrCat("DescribeEndpoints at ", discovery.base_url, ": ", failed.error);
  } else if (response = apijson::ParseDescribeEndpointsResponse(result.response.body);
             !response.ok() || response->endpoints.empty()) {
    failed.kind = SendOutcome::Kind::kFailed;
    failed.error = absl::StrCat(
        "DescribeEndpoints at ", discovery.base_url, ": ",
        response.ok() ? "no endpoints in the answer" : std::string(response.status().message()));
  } else {
    const Endpoint& first = response->endpoints[0];
    const std::string scheme = discovery.base_url.substr(0, discovery.base_url.find("://"));
    const std::string url = absl::StrContains(first.address, "://")
                                ? first.address
                                : absl::StrCat(scheme, "://", first.address);
    absl::StatusOr<Target> target = ParseTarget(url, "the discovered address");
    if (target.ok()) {
      MutexLock lock(&mu);
      discovered = std::move(*target);
      discovered_expiry_nanos =
          NowNanos(clock) + absl::ToInt64Nanoseconds(absl::Minutes(first.cache_period_in_minutes));
      ++discoveries;
      ++generation;
      idle.clear();
      return SendOutcome{};
    }
    failed.kind = SendOutcome::Kind::kFailed;
    failed.error =
        absl::StrCat("DescribeEndpoints at ", discovery.base_url, ": ", target.status().message());
  }
  if (have_stale) {
    // The last address may well still work: keep it, and ask again later rather than
    // before every request.
    MutexLock lock(&mu);
    discovered_expiry_nanos = NowNanos(clock) + absl::ToInt64Nanoseconds(kRediscoverAfterFailure);
    return SendOutcome{};
  }
  return failed;
}

SendOutcome HttpSender::Impl::CurrentTarget(Target* target, int64_t* target_generation) {
  if (fixed.has_value()) {
    *target = *fixed;
    *target_generation = 0;
    return SendOutcome{};
  }
  {
    MutexLock lock(&mu);
    if (FreshLocked()) {
      *target = *discovered;
      *target_generation = generation;
      return SendOutcome{};
    }
  }
  MutexLock discovering(&discovery_mu);
  bool needed = false, have_stale = false;
  {
    MutexLock lock(&mu);
    needed = !FreshLocked();  // Another thread may have discovered while this one waited.
    have_stale = discovered.has_value();
  }
  if (needed) {
    SendOutcome outcome = Discover(have_stale);
    if (outcome.kind != SendOutcome::Kind::kAccepted) return outcome;
  }
  MutexLock lock(&mu);
  *target = *discovered;
  *target_generation = generation;
  return SendOutcome{};
}

void HttpSender::Impl::ForgetDiscovered(int64_t target_generation) {
  if (fixed.has_value()) return;
  MutexLock lock(&mu);
  if (target_generation != generation) return;  // Already replaced.
  discovered_expiry_nanos = 0;
  idle.clear();
}

bool HttpSender::Impl::ReloadCredentials(const server::SigningCredentials& used) {
  if (!options.reload_credentials) return false;
  absl::StatusOr<server::SigningCredentials> loaded = options.reload_credentials();
  if (!loaded.ok()) return false;
  const bool changed = loaded->access_key_id != used.access_key_id ||
                       loaded->secret_access_key != used.secret_access_key ||
                       loaded->session_token != used.session_token;
  MutexLock lock(&mu);
  credentials = std::move(*loaded);
  return changed;
}

SendOutcome HttpSender::Impl::SendOnce(size_t record_count, const std::string& body,
                                       const server::SigningCredentials& signing,
                                       bool* access_refused) {
  Target target;
  int64_t target_generation = 0;
  SendOutcome outcome = CurrentTarget(&target, &target_generation);
  if (outcome.kind != SendOutcome::Kind::kAccepted) return outcome;
  const Exchanged result = Exchange(target, target_generation, "WriteRecords", body, signing);
  if (!result.ok) {
    ForgetDiscovered(target_generation);
    outcome.kind = result.kind;
    outcome.error = absl::StrCat(result.error, " (", target.base_url, ")");
    return outcome;
  }
  outcome = Classify(result.response, record_count);
  if (result.response.status == 421) {
    // InvalidEndpointException: the discovered address is no longer this table's.
    ForgetDiscovered(target_generation);
    if (!fixed.has_value()) outcome.kind = SendOutcome::Kind::kRetry;
  }
  *access_refused = result.response.status == 401 || result.response.status == 403;
  return outcome;
}

HttpSender::HttpSender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpSender::~HttpSender() = default;

absl::StatusOr<std::unique_ptr<HttpSender>> HttpSender::Create(HttpSenderOptions options) {
  auto impl = std::make_unique<Impl>();
  if (!options.endpoint.empty()) {
    absl::StatusOr<Target> fixed = ParseTarget(options.endpoint, "the endpoint");
    if (!fixed.ok()) return fixed.status();
    impl->fixed = std::move(*fixed);
  } else {
    if (options.discovery_endpoint.empty()) {
      options.discovery_endpoint =
          absl::StrCat("https://ingest.timestream.", options.region, ".amazonaws.com");
    }
    absl::StatusOr<Target> discovery =
        ParseTarget(options.discovery_endpoint, "the discovery endpoint");
    if (!discovery.ok()) return discovery.status();
    impl->discovery = std::move(*discovery);
  }
  if (options.ca_file.empty()) {
    if (const char* bundle = std::getenv("AWS_CA_BUNDLE"); bundle != nullptr) {
      options.ca_file = bundle;
    }
  }
  impl->clock = options.clock != nullptr ? options.clock : SystemClock::Default();
  {
    MutexLock lock(&impl->mu);
    impl->credentials = options.credentials;
  }
  impl->options = std::move(options);
  return std::unique_ptr<HttpSender>(new HttpSender(std::move(impl)));
}

SendOutcome HttpSender::Send(const WriteRecordsRequest& request) {
  return SendJson(apijson::ToJson(request), request.records.size());
}

SendOutcome HttpSender::SendJson(const std::string& body, size_t record_count) {
  const server::SigningCredentials signing = impl_->Credentials();
  bool access_refused = false;
  SendOutcome outcome = impl_->SendOnce(record_count, body, signing, &access_refused);
  if (access_refused && impl_->ReloadCredentials(signing)) {
    access_refused = false;
    outcome = impl_->SendOnce(record_count, body, impl_->Credentials(), &access_refused);
  }
  return outcome;
}

std::string HttpSender::current_endpoint() const {
  if (impl_->fixed.has_value()) return impl_->fixed->base_url;
  MutexLock lock(&impl_->mu);
  return impl_->discovered.has_value() ? impl_->discovered->base_url : "";
}

int64_t HttpSender::discoveries() const {
  MutexLock lock(&impl_->mu);
  return impl_->discoveries;
}

absl::StatusOr<HttpSenderOptions> HttpSenderOptionsFor(const ForwardDestination& destination) {
  HttpSenderOptions options;
  options.endpoint = destination.endpoint;
  options.discovery_endpoint = destination.discovery_endpoint;
  options.region = destination.region;
  options.max_idle_connections = std::max(1, destination.max_connections);
  const std::string file = destination.credentials_file;
  options.reload_credentials = [file]() -> absl::StatusOr<server::SigningCredentials> {
    return file.empty() ? bench::DefaultCredentials() : bench::LoadCredentialsFileFirst(file);
  };
  absl::StatusOr<server::SigningCredentials> credentials = options.reload_credentials();
  if (!credentials.ok()) return credentials.status();
  options.credentials = std::move(*credentials);
  return options;
}

absl::StatusOr<std::unique_ptr<Sender>> NewHttpSender(const ForwardDestination& destination) {
  absl::StatusOr<HttpSenderOptions> options = HttpSenderOptionsFor(destination);
  if (!options.ok()) return options.status();
  absl::StatusOr<std::unique_ptr<HttpSender>> sender = HttpSender::Create(std::move(*options));
  if (!sender.ok()) return sender.status();
  return std::unique_ptr<Sender>(std::move(*sender));
}

}  // namespace tsw::forward
