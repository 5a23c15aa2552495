// The HTTP layer with a stand-in handler (no engine): routing, errors, limits, signatures,
// keep-alive concurrency and shutdown.
#include "tools/server/http_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "engine/common/mutex.h"
#include "engine/wire/sigv4.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tsw/status.h"

namespace tsw {
namespace server {
namespace {

using ::testing::HasSubstr;

constexpr char kTarget[] = "X-Amz-Target";
constexpr char kJson[] = "application/x-amz-json-1.0";

// absl::Notification over the engine's locks: Abseil's is an absl::Mutex inside, which
// ThreadSanitizer cannot see (engine/common/mutex.h).
class Notification {
 public:
  void Notify() {
    MutexLock lock(&mu_);
    notified_ = true;
    cv_.SignalAll();
  }
  void WaitForNotification() {
    MutexLock lock(&mu_);
    while (!notified_) cv_.Wait(&mu_);
  }

 private:
  Mutex mu_;
  CondVar cv_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
};

// Runs an HttpServer on a free loopback port in a thread for the test's lifetime.
class ServerFixture {
 public:
  explicit ServerFixture(HttpServerOptions options, HttpServer::Handler handler = nullptr)
      : server_(std::move(options), handler ? std::move(handler) : EchoHandler()) {
    absl::Status bound = server_.Bind();
    EXPECT_TRUE(bound.ok()) << bound;
    thread_ = std::thread([this] { served_ = server_.Serve(); });
  }
  // Every test's server must have served without error, whether or not it called Stop().
  ~ServerFixture() {
    absl::Status stopped = Stop();
    EXPECT_TRUE(stopped.ok()) << "Serve() returned " << stopped;
  }

  // Shuts down and waits for Serve() to return; returns its status.
  absl::Status Stop() {
    server_.Shutdown();
    if (thread_.joinable()) thread_.join();
    return served_;
  }

  HttpServer& server() { return server_; }
  int port() { return server_.port(); }
  int calls() const { return calls_.load(); }

  httplib::Result Call(const std::string& operation, const std::string& body = "{}",
                       httplib::Headers headers = {}) {
    httplib::Client client("127.0.0.1", port());
    headers.emplace(kTarget, absl::StrCat("Timestream_20181101.", operation));
    return client.Post("/", headers, body, kJson);
  }

 private:
  // {"Operation": ..., "Address": ..., "Body": ...}, or the error named by a body
  // "fail:<ExceptionName>".
  HttpServer::Handler EchoHandler() {
    return [this](absl::string_view operation, absl::string_view body,
                  const DispatchContext& context) -> absl::StatusOr<std::string> {
      calls_.fetch_add(1);
      if (absl::ConsumePrefix(&body, "fail:")) {
        return MakeError(*ErrorKindFromName(std::string(body)), "the handler failed");
      }
      return absl::StrCat(R"({"Operation":")", operation, R"(","Address":")",
                          context.endpoint_address, R"(","Body":)", body, "}");
    };
  }

  std::atomic<int> calls_{0};
  HttpServer server_;
  std::thread thread_;
  absl::Status served_;
};

HttpServerOptions Loopback() {
  HttpServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 8;
  return options;
}

TEST(HttpServerTest, AnswersAnOperationWithTheHandlersJson) {
  ServerFixture fixture(Loopback());
  httplib::Result res = fixture.Call("ListDatabases", R"({"MaxResults":5})");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), kJson);
  EXPECT_FALSE(res->get_header_value("x-amzn-RequestId").empty());
  EXPECT_EQ(res->body, absl::StrCat(R"({"Operation":"ListDatabases","Address":"127.0.0.1:)",
                                    fixture.port(), R"(","Body":{"MaxResults":5}})"));
}

TEST(HttpServerTest, MapsHandlerErrorsToHttpStatusesAndErrorBodies) {
  ServerFixture fixture(Loopback());
  httplib::Result res = fixture.Call("DescribeDatabase", "fail:ResourceNotFoundException");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, R"({"__type":"ResourceNotFoundException","message":"the handler failed"})");
  res = fixture.Call("CreateDatabase", "fail:ConflictException");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 409);
  res = fixture.Call("CreateDatabase", "fail:InternalServerException");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
}

TEST(HttpServerTest, RejectsAMissingOrForeignTarget) {
  ServerFixture fixture(Loopback());
  httplib::Client client("127.0.0.1", fixture.port());
  httplib::Result res = client.Post("/", "{}", kJson);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_THAT(res->body, HasSubstr(R"("__type":"ValidationException")"));
  EXPECT_THAT(res->body, HasSubstr("missing X-Amz-Target header"));
  res = client.Post("/", {{kTarget, "DynamoDB_20120810.GetItem"}}, "{}", kJson);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_THAT(res->body, HasSubstr("is not a Timestream operation"));
  EXPECT_EQ(fixture.calls(), 0);
}

TEST(HttpServerTest, RefusesAnOversizedBodyWith413AndKeepsServing) {
  HttpServerOptions options = Loopback();
  options.max_body_bytes = 1000;
  ServerFixture fixture(options);
  httplib::Result res = fixture.Call("WriteRecords", std::string(1001, ' '));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_THAT(res->body, HasSubstr(R"("__type":"ValidationException")"));
  EXPECT_THAT(res->body, HasSubstr("larger than 1000 bytes"));
  EXPECT_EQ(fixture.calls(), 0);
  res = fixture.Call("WriteRecords", std::string(990, ' ') + "{}");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

// Connects to the fixture's port; returns the socket.
int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

// Everything the server sends until it closes the connection.
std::string ReadUntilClosed(int fd) {
  std::string received;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) received.append(buf, n);
  return received;
}

// "POST /" with a chunked body of `chunks` chunks of 1000 spaces then `tail`.
std::string ChunkedRequest(int chunks, const std::string& tail) {
  std::string request =
      "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Timestream_20181101.CreateDatabase\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < chunks; ++i) request += "3e8\r\n" + std::string(1000, ' ') + "\r\n";
  request += absl::StrCat(absl::Hex(tail.size()), "\r\n", tail, "\r\n0\r\n\r\n");
  return request;
}

// Reads one HTTP response (headers and a Content-Length body) from `fd`.
std::string ReadResponse(int fd) {
  std::string data;
  char c;
  while (data.find("\r\n\r\n") == std::string::npos && recv(fd, &c, 1, 0) == 1) data += c;
  const size_t at = data.find("Content-Length: ");
  if (at == std::string::npos) return data;
  size_t length = std::stoul(data.substr(at + 16));
  while (length > 0 && recv(fd, &c, 1, 0) == 1) {
    data += c;
    --length;
  }
  return data;
}

TEST(HttpServerTest, BoundsChunkedBodiesByTheSameLimit) {
  HttpServerOptions options = Loopback();
  options.max_body_bytes = 3000;
  ServerFixture fixture(options);
  int fd = Connect(fixture.port());
  // Over the limit, then within it, on one connection: the first gets 413, the second
  // (the connection still in step after the first body was read and dropped) is served.
  const std::string too_large = ChunkedRequest(5, "{}");
  ASSERT_EQ(send(fd, too_large.data(), too_large.size(), 0),
            static_cast<ssize_t>(too_large.size()));
  const std::string first = ReadResponse(fd);
  EXPECT_THAT(first, ::testing::StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(first, HasSubstr("larger than 3000 bytes"));

  const std::string fits = ChunkedRequest(2, R"({"A":1})");
  ASSERT_EQ(send(fd, fits.data(), fits.size(), 0), static_cast<ssize_t>(fits.size()));
  const std::string second = ReadResponse(fd);
  close(fd);
  EXPECT_THAT(second, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(second, HasSubstr(R"("Body":)" + std::string(2000, ' ') + R"({"A":1}})"));
  EXPECT_EQ(fixture.calls(), 1);
}

TEST(HttpServerTest, AnswersOtherPathsAndMethodsWithJsonErrors) {
  ServerFixture fixture(Loopback());
  httplib::Client client("127.0.0.1", fixture.port());
  httplib::Result res = client.Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_THAT(res->body, HasSubstr("method GET is not supported"));
  res = client.Post("/databases", {{kTarget, "Timestream_20181101.ListDatabases"}}, "{}", kJson);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_THAT(res->body, HasSubstr("served at POST /"));
  EXPECT_EQ(fixture.calls(), 0);
}

// Sends `body` to `operation` signed with `credentials` (Host, X-Amz-Target signed).
httplib::Result SignedCall(int port, const SigningCredentials& credentials,
                           const std::string& operation, const std::string& body) {
  SigV4Request request;
  request.headers = {{"Host", absl::StrCat("127.0.0.1:", port)},
                     {kTarget, absl::StrCat("Timestream_20181101.", operation)}};
  request.body = body;
  SignRequest(credentials, "us-east-1", "timestream", absl::Now(), &request);
  httplib::Headers headers(request.headers.begin(), request.headers.end());
  httplib::Client client("127.0.0.1", port);
  return client.Post("/", headers, body, kJson);
}

TEST(HttpServerTest, ChecksSignaturesBeforeCallingTheHandler) {
  HttpServerOptions options = Loopback();
  options.credentials = CredentialMap{{"AKID", "secret"}};
  ServerFixture fixture(options);

  httplib::Result res = fixture.Call("DeleteDatabase", R"({"DatabaseName":"x"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_THAT(res->body, HasSubstr(R"("__type":"AccessDeniedException")"));
  EXPECT_THAT(res->body, HasSubstr("not signed"));

  res = SignedCall(fixture.port(), {"AKID", "wrong", ""}, "DeleteDatabase", "{}");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_THAT(res->body, HasSubstr("does not match the signature you provided"));

  res = SignedCall(fixture.port(), {"NOBODY", "secret", ""}, "DeleteDatabase", "{}");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_THAT(res->body, HasSubstr("NOBODY is not known"));
  EXPECT_EQ(fixture.calls(), 0);

  res = SignedCall(fixture.port(), {"AKID", "secret", ""}, "DeleteDatabase", "{}");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(fixture.calls(), 1);
}

// A burst of clients connecting at once, each then sending many requests on its one
// connection. (cpp-httplib's own listen backlog of 5 made such bursts stall for seconds
// until the client gave up: HttpServer raises it.)
TEST(HttpServerTest, ServesABurstOfConcurrentKeepAliveClients) {
  HttpServerOptions options = Loopback();
  options.threads = 40;
  ServerFixture fixture(options);
  constexpr int kClients = 32, kRequests = 100;
  std::atomic<int> ok{0};
  Mutex mu;
  std::string first_error;  // Guarded by mu.
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", fixture.port());
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);  // As the AWS SDKs do; else Nagle delays each body.
      for (int i = 0; i < kRequests; ++i) {
        httplib::Result res =
            client.Post("/", {{kTarget, "Timestream_20181101.WriteRecords"}},
                        absl::StrCat(R"({"Client":)", c, R"(,"I":)", i, "}"), kJson);
        if (res && res->status == 200 &&
            res->body.find(absl::StrCat(R"("I":)", i, "}")) != std::string::npos) {
          ok.fetch_add(1);
        } else {
          MutexLock lock(&mu);
          if (first_error.empty()) {
            first_error = absl::StrCat("client ", c, " request ", i, ": ",
                                       res ? res->body : httplib::to_string(res.error()));
          }
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests) << first_error;
  EXPECT_EQ(fixture.calls(), kClients * kRequests);
}

TEST(HttpServerTest, ShutdownAnswersTheRequestInFlightThenStops) {
  Notification entered, release;
  ServerFixture fixture(Loopback(),
                        [&](absl::string_view, absl::string_view,
                            const DispatchContext&) -> absl::StatusOr<std::string> {
                          entered.Notify();
                          release.WaitForNotification();
                          return std::string(R"({"Done":true})");
                        });
  const int port = fixture.port();
  int in_flight_status = 0;
  std::string in_flight_body;
  std::thread client([&] {
    httplib::Result res = fixture.Call("WriteRecords");
    if (res) {
      in_flight_status = res->status;
      in_flight_body = res->body;
    }
  });
  entered.WaitForNotification();

  fixture.server().Shutdown();
  // No longer accepting: a new connection is refused (the listening socket is closed).
  httplib::Client late("127.0.0.1", port);
  late.set_connection_timeout(2, 0);
  EXPECT_FALSE(late.Get("/"));

  release.Notify();
  client.join();
  EXPECT_EQ(in_flight_status, 200);
  EXPECT_EQ(in_flight_body, R"({"Done":true})");
  EXPECT_TRUE(fixture.Stop().ok());
}

TEST(HttpServerTest, RefusesToBindAPortAnotherServerHolds) {
  ServerFixture first(Loopback());
  HttpServerOptions options = Loopback();
  options.port = first.port();
  HttpServer second(options, [](absl::string_view, absl::string_view, const DispatchContext&) {
    return std::string("{}");
  });
  absl::Status bound = second.Bind();
  EXPECT_FALSE(bound.ok());
  EXPECT_THAT(std::string(bound.message()),
              HasSubstr(absl::StrCat("cannot listen on 127.0.0.1:", first.port())));
}

TEST(HttpServerTest, ShutdownBeforeServeMakesServeReturnAtOnce) {
  HttpServer server(Loopback(), [](absl::string_view, absl::string_view, const DispatchContext&) {
    return std::string("{}");
  });
  ASSERT_TRUE(server.Bind().ok());
  server.Shutdown();
  EXPECT_TRUE(server.Serve().ok());
}

TEST(HttpServerTest, DropsAStalledRequestAfterTheReadTimeoutAndKeepsServing) {
  HttpServerOptions options = Loopback();
  options.read_timeout_seconds = 1;
  options.keep_alive_timeout_seconds = 1;
  ServerFixture fixture(options);

  // Half a request: headers promise 100 bytes of body, 10 arrive, then nothing.
  int fd = Connect(fixture.port());
  const std::string partial =
      "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Timestream_20181101.ListDatabases\r\n"
      "Content-Length: 100\r\n\r\n{\"Max\":   ";
  ASSERT_EQ(send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));

  // Meanwhile, other clients are served.
  httplib::Result res = fixture.Call("ListDatabases");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);

  // The server gives up on the stalled request: it answers 400 and closes the
  // connection, and never calls the handler with it.
  const std::string received = ReadUntilClosed(fd);
  close(fd);
  EXPECT_THAT(received, HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(received, HasSubstr("incomplete HTTP request"));
  EXPECT_EQ(fixture.calls(), 1);
}

}  // namespace
}  // namespace server
}  // namespace tsw
