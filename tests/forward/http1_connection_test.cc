// Http1Connection (the forwarder's plain-HTTP client) against a scripted server on
// loopback: well-formed answers of every framing it supports keep the connection, and
// garbled, truncated, oversized or silent ones are errors, never a crash, and the
// connection is then dropped. HttpSender over it: a garbled answer is a retry on a fresh
// connection, and a header value with a line break is refused before anything is sent.
#include "engine/forward/http1_connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/common/mutex.h"
#include "engine/forward/http_sender.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tsw::forward {
namespace {

using ::testing::HasSubstr;

// Answers each request it reads (head, then Content-Length bytes of body) with the next
// scripted answer: bytes written one piece at a time, then the connection is closed if
// the answer says so. Records the requests it read and the connections it accepted.
class ScriptedServer {
 public:
  struct Answer {
    std::vector<std::string> pieces;  // Written one by one (so the client reads in parts).
    bool close_after = false;
    bool silent = false;  // Write nothing and keep the connection open until the end.
  };

  explicit ScriptedServer(std::vector<Answer> answers) : answers_(std::move(answers)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t size = sizeof address;
    EXPECT_EQ(getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size), 0);
    port_ = ntohs(address.sin_port);
    EXPECT_EQ(listen(listener_, 16), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    shutdown(listener_, SHUT_RDWR);
    thread_.join();
    close(listener_);
  }

  std::string host_port() const { return absl::StrCat("127.0.0.1:", port_); }
  int connections() const { return connections_.load(); }
  std::vector<std::string> requests() const {
    MutexLock lock(&mu_);
    return requests_;
  }

 private:
  void Serve() {
    size_t next = 0;
    while (!stop_) {
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      ++connections_;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      bool open = true;
      std::string in;
      while (open && !stop_) {
        std::string request;
        if (!ReadRequest(fd, &in, &request)) break;
        {
          MutexLock lock(&mu_);
          requests_.push_back(request);
        }
        if (next >= answers_.size()) break;
        const Answer& answer = answers_[next++];
        if (answer.silent) {
          while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
          break;
        }
        for (const std::string& piece : answer.pieces) {
          EXPECT_EQ(send(fd, piece.data(), piece.size(), MSG_NOSIGNAL),
                    static_cast<ssize_t>(piece.size()));
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        open = !answer.close_after;
      }
      close(fd);
    }
  }

  static bool ReadRequest(int fd, std::string* in, std::string* request) {
    size_t end;
    char buffer[4096];
    while ((end = in->find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      in->append(buffer, static_cast<size_t>(n));
    }
    size_t length = 0;
    const size_t at = in->find("Content-Length: ");
    if (at != std::string::npos && at < end) length = std::stoul(in->substr(at + 16));
    while (in->size() < end + 4 + length) {
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      in->append(buffer, static_cast<size_t>(n));
    }
    *request = in->substr(0, end + 4 + length);
    in->erase(0, end + 4 + length);
    return true;
  }

  const std::vector<Answer> answers_;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable Mutex mu_;
  std::vector<std::string> requests_ ABSL_GUARDED_BY(mu_);
};

ScriptedServer::Answer Whole(std::string bytes, bool close_after = false) {
  return ScriptedServer::Answer{{std::move(bytes)}, close_after, false};
}

// Each byte on its own: every parsing step has to wait for more.
ScriptedServer::Answer Bytewise(const std::string& bytes) {
  ScriptedServer::Answer answer;
  for (char c : bytes) answer.pieces.emplace_back(1, c);
  return answer;
}

std::unique_ptr<Http1Connection> ConnectTo(const ScriptedServer& server,
                                           absl::Duration io_timeout = absl::Seconds(5)) {
  absl::StatusOr<std::unique_ptr<Http1Connection>> c =
      Http1Connection::Connect(server.host_port(), absl::Seconds(5), io_timeout);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(*c) : nullptr;
}

constexpr char kHead[] = "POST / HTTP/1.1\r\nHost: h\r\n";

TEST(Http1ConnectionTest, SendsOneRequestPerExchangeAndKeepsTheConnection) {
  ScriptedServer server({Whole("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"),
                         Bytewise("HTTP/1.1 400 Bad Request\r\nx-amzn-ErrorType: "
                                  "ValidationException:http://x\r\ncontent-length: 5\r\n\r\nhello"),
                         Whole("HTTP/1.1 204 No Content\r\n\r\n")});
  std::unique_ptr<Http1Connection> c = ConnectTo(server);
  bool answered = false;
  absl::StatusOr<Http1Response> r = c->Exchange(kHead, "{\"a\":1}", &answered);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(answered);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{}");
  EXPECT_EQ(r->error_type, "");
  EXPECT_TRUE(c->reusable());
  r = c->Exchange(kHead, "x", &answered);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->error_type, "ValidationException:http://x");
  r = c->Exchange(kHead, "", &answered);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->body, "");
  EXPECT_TRUE(c->reusable());
  EXPECT_EQ(server.connections(), 1);
  const std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0], "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  EXPECT_EQ(requests[2], "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
}

TEST(Http1ConnectionTest, ReadsChunkedBodiesWithExtensionsAndTrailers) {
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n";
  ScriptedServer server({Whole(chunked), Bytewise(chunked)});
  std::unique_ptr<Http1Connection> c = ConnectTo(server);
  for (int i = 0; i < 2; ++i) {
    bool answered = false;
    absl::StatusOr<Http1Response> r = c->Exchange(kHead, "{}", &answered);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->body, "helloabcdefghijklmnopqrstuvwxyz");
    EXPECT_TRUE(c->reusable());
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(Http1ConnectionTest, SkipsInterimAnswers) {
  ScriptedServer server(
      {Whole("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")});
  std::unique_ptr<Http1Connection> c = ConnectTo(server);
  bool answered = false;
  absl::StatusOr<Http1Response> r = c->Exchange(kHead, "{}", &answered);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "abc");
}

TEST(Http1ConnectionTest, AnAnswerThatClosesTheConnectionIsReadButNotReused) {
  for (const std::string& answer :
       {std::string(
            "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\nok"),
        std::string("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        std::string("HTTP/1.1 200 OK\r\n\r\nok"),  // The body runs to the close.
        // Bytes beyond the answer: nothing this client asked for.
        std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n")}) {
    ScriptedServer server({Whole(answer, /*close_after=*/true)});
    std::unique_ptr<Http1Connection> c = ConnectTo(server);
    bool answered = false;
    absl::StatusOr<Http1Response> r = c->Exchange(kHead, "{}", &answered);
    ASSERT_TRUE(r.ok()) << r.status() << " for " << answer;
    EXPECT_EQ(r->body, "ok") << answer;
    EXPECT_FALSE(c->reusable()) << answer;
    EXPECT_FALSE(c->Exchange(kHead, "{}", &answered).ok());
  }
}

TEST(Http1ConnectionTest, GarbledOrTruncatedAnswersAreErrorsAndDropTheConnection) {
  const std::string big_header = absl::StrCat("X-Big: ", std::string(70 * 1024, 'a'), "\r\n");
  struct Case {
    std::string answer;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"SSH-2.0-OpenSSH_9.0\r\n\r\n", "not an HTTP/1.x status line"},
      {"HTTP/1.1 2OO OK\r\n\r\n", "not an HTTP/1.x status line"},
      {"HTTP/2.0 200 OK\r\n\r\n", "not an HTTP/1.x status line"},
      {"HTTP/1.1 200OK\r\n\r\n", "not an HTTP/1.x status line"},
      {std::string("\0\xff\x01garbage\r\n\r\n", 14), "not an HTTP/1.x status line"},
      {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header"},
      {"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", "malformed header"},
      {"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", "malformed header"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", "bad Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", "bad Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", "bad Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "bad Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n", "a body over 64 MiB"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "unsupported Transfer"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", "bad chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n", "bad chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
       "bad chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
       "a body over 64 MiB"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
       "a chunk without its CRLF"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(5000, '1'),
       "a chunk line over 4 KiB"},
      {"HTTP/1.1 101 Switching Protocols\r\n\r\n", "101"},
      {"HTTP/1.1 200 OK\r\n" + big_header + "\r\n", "a head over 64 KiB"},
      // Closed before the answer is whole.
      {"", "without answering"},
      {"HTTP/1.1 200 OK\r\nContent-Le", "in the answer's head"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "in the answer's body"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "in the answer's chunks"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n",
       "in the answer's chunks"},
  };
  for (const Case& k : cases) {
    ScriptedServer server({Whole(k.answer, /*close_after=*/true)});
    std::unique_ptr<Http1Connection> c = ConnectTo(server);
    bool answered = false;
    absl::StatusOr<Http1Response> r = c->Exchange(kHead, "{}", &answered);
    ASSERT_FALSE(r.ok()) << "accepted: " << absl::CHexEscape(k.answer);
    EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
    EXPECT_THAT(r.status().message(), HasSubstr(k.error)) << absl::CHexEscape(k.answer);
    EXPECT_EQ(answered, !k.answer.empty()) << absl::CHexEscape(k.answer);
    EXPECT_FALSE(c->reusable());
  }
}

TEST(Http1ConnectionTest, RandomBytesNeverCrashAndNeverLeaveAReusableConnectionBehindAnError) {
  std::mt19937 random(20261207);
  const std::vector<std::string> starts = {"", "HTTP/1.1 200 OK\r\n",
                                           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                                           "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n"};
  const std::string alphabet = "\r\n:;0123456789abcdefHTP/ ";
  std::vector<ScriptedServer::Answer> answers;
  for (int i = 0; i < 200; ++i) {
    std::string bytes = starts[random() % starts.size()];
    const int n = static_cast<int>(random() % 64);
    for (int j = 0; j < n; ++j) {
      bytes += random() % 4 == 0 ? static_cast<char>(random() % 256)
                                 : alphabet[random() % alphabet.size()];
    }
    answers.push_back(Whole(bytes, /*close_after=*/true));
  }
  ScriptedServer server(answers);
  for (size_t i = 0; i < answers.size(); ++i) {
    std::unique_ptr<Http1Connection> c = ConnectTo(server, absl::Milliseconds(500));
    bool answered = false;
    absl::StatusOr<Http1Response> r = c->Exchange(kHead, "{}", &answered);
    if (!r.ok()) {
      EXPECT_FALSE(c->reusable());
    }
  }
}

TEST(Http1ConnectionTest, ASilentServerTimesOut) {
  ScriptedServer server({ScriptedServer::Answer{{}, false, /*silent=*/true}});
  std::unique_ptr<Http1Connection> c = ConnectTo(server, absl::Milliseconds(200));
  const auto start = std::chrono::steady_clock::now();
  bool answered = true;
  absl::StatusOr<Http1Response> r = c->Exchange(kHead, "{}", &answered);
  EXPECT_TRUE(absl::IsDeadlineExceeded(r.status())) << r.status();
  EXPECT_FALSE(answered);
  EXPECT_FALSE(c->reusable());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(Http1ConnectionTest, ConnectFailsWithUnavailableOrInvalidArgument) {
  int port = 0;
  {
    ScriptedServer gone({});
    port = std::stoi(gone.host_port().substr(10));
  }
  absl::StatusOr<std::unique_ptr<Http1Connection>> c = Http1Connection::Connect(
      absl::StrCat("127.0.0.1:", port), absl::Seconds(1), absl::Seconds(1));
  EXPECT_TRUE(absl::IsUnavailable(c.status())) << c.status();
  EXPECT_THAT(c.status().message(), HasSubstr("127.0.0.1"));
  for (const char* bad : {"", "h:0", "h:99999", "h:x", "[::1", "[::1]x"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(
        Http1Connection::Connect(bad, absl::Seconds(1), absl::Seconds(1)).status()))
        << bad;
  }
}

// ---- HttpSender over Http1Connection.

std::unique_ptr<HttpSender> SenderTo(const ScriptedServer& server,
                                     server::SigningCredentials credentials = {"AKID", "s", ""}) {
  HttpSenderOptions options;
  options.endpoint = absl::StrCat("http://", server.host_port());
  options.credentials = std::move(credentials);
  options.request_timeout = absl::Seconds(5);
  absl::StatusOr<std::unique_ptr<HttpSender>> sender = HttpSender::Create(std::move(options));
  EXPECT_TRUE(sender.ok()) << sender.status();
  return std::move(*sender);
}

TEST(HttpSenderOverHttp1Test, AGarbledAnswerIsARetryAndTheNextRequestUsesAFreshConnection) {
  ScriptedServer server({Whole("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"),
                         Whole("HTTP/1.1 2xx garbled\r\n\r\n", /*close_after=*/true),
                         Whole("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")});
  std::unique_ptr<HttpSender> sender = SenderTo(server);
  EXPECT_EQ(sender->SendJson("{}", 1).kind, SendOutcome::Kind::kAccepted);
  const SendOutcome garbled = sender->SendJson("{}", 1);
  EXPECT_EQ(garbled.kind, SendOutcome::Kind::kRetry);
  EXPECT_THAT(garbled.error, HasSubstr("not an HTTP/1.x status line"));
  EXPECT_THAT(garbled.error, HasSubstr(server.host_port()));
  EXPECT_EQ(sender->SendJson("{}", 1).kind, SendOutcome::Kind::kAccepted);
  EXPECT_EQ(server.connections(), 2);
  const std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const std::string& request : requests) {
    EXPECT_THAT(request, HasSubstr("\r\nX-Amz-Target: Timestream_20181101.WriteRecords\r\n"));
    EXPECT_THAT(request, HasSubstr("\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/"));
    EXPECT_THAT(request, HasSubstr("\r\nContent-Type: application/x-amz-json-1.0\r\n"));
    EXPECT_THAT(request, HasSubstr(absl::StrCat("\r\nHost: ", server.host_port(), "\r\n")));
  }
}

TEST(HttpSenderOverHttp1Test, AConnectionTheServerClosedWhileIdleIsReplacedAtOnce) {
  // The first answer closes the connection after it (the sender does not reuse it); the
  // second one's connection is closed by the server while in the pool.
  ScriptedServer server(
      {Whole("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", true),
       Whole("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", /*close_after=*/true),
       Whole("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")});
  std::unique_ptr<HttpSender> sender = SenderTo(server);
  for (int i = 0; i < 3; ++i) {
    const SendOutcome outcome = sender->SendJson("{}", 1);
    EXPECT_EQ(outcome.kind, SendOutcome::Kind::kAccepted) << i << ": " << outcome.error;
  }
  EXPECT_EQ(server.connections(), 3);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(HttpSenderOverHttp1Test, AHeaderValueWithALineBreakIsRefusedBeforeSending) {
  ScriptedServer server({Whole("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")});
  std::unique_ptr<HttpSender> sender = SenderTo(server, {"AKID\r\nX-Smuggled: 1", "secret", ""});
  const SendOutcome outcome = sender->SendJson("{}", 1);
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kFailed);
  EXPECT_THAT(outcome.error, HasSubstr("line break"));
  EXPECT_EQ(server.requests().size(), 0u);
}

}  // namespace
}  // namespace tsw::forward
