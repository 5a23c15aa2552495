// HttpSender against `tsw serve`'s own server and dispatcher in process, over loopback:
// accepted writes land in the destination engine, signatures are checked by the code the
// server uses, rejected records come back with their reasons, errors are classified into
// retry / failed, and endpoint discovery finds, caches and refreshes the address.
#include "engine/forward/http_sender.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/server/dispatcher.h"
#include "tools/server/http_server.h"
#include "tsw/clock.h"
#include "tsw/engine.h"
#include "tsw/status.h"

namespace tsw::forward {
namespace {

using ::testing::HasSubstr;
using Kind = SendOutcome::Kind;

const server::SigningCredentials kGoodKey{"AKIDFORWARD", "forward-secret", ""};

std::filesystem::path TempDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::filesystem::path dir =
      std::filesystem::path(tmp != nullptr ? tmp : "/tmp") /
      absl::StrCat("http-sender-", ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                   "-", name);
  std::filesystem::remove_all(dir);
  return dir;
}

// A destination: an engine behind HttpServer + Dispatch, as `tsw serve` runs them, on a
// free loopback port. WriteRecords may be scripted to fail; DescribeEndpoints may be made
// to answer with another address.
class Destination {
 public:
  explicit Destination(bool check_signatures, const std::string& name = "dest", int port = 0,
                       std::optional<server::TlsFiles> tls = std::nullopt) {
    dir_ = TempDir(name);
    Options options;
    options.background_maintenance = false;
    absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(dir_.string(), options);
    EXPECT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
    absl::StatusOr<CreateDatabaseResponse> db = engine_->CreateDatabase({.database_name = "fleet"});
    EXPECT_TRUE(db.ok()) << db.status();
    absl::StatusOr<CreateTableResponse> table =
        engine_->CreateTable({.database_name = "fleet", .table_name = "sensors"});
    EXPECT_TRUE(table.ok()) << table.status();
    server::HttpServerOptions http;
    http.threads = 8;
    // Shutdown waits for idle keep-alive connections (the sender's pool) to time out.
    http.keep_alive_timeout_seconds = 1;
    http.port = port;
    http.tls = std::move(tls);
    if (check_signatures) {
      http.credentials =
          server::CredentialMap{{kGoodKey.access_key_id, kGoodKey.secret_access_key}};
    }
    tls_ = http.tls.has_value();
    server_ = std::make_unique<server::HttpServer>(
        http, [this](absl::string_view operation, absl::string_view body,
                     const server::DispatchContext& context) {
          return Handle(operation, body, context);
        });
    EXPECT_TRUE(server_->Bind().ok());
    thread_ = std::thread([this] { EXPECT_TRUE(server_->Serve().ok()); });
    // Serving before the test goes on: a Shutdown() that comes before Serve() starts
    // leaves the bound socket open (accepting connections nobody answers).
    httplib::Client probe(url());
    probe.enable_server_certificate_verification(false);
    for (int i = 0; i < 1000 && !probe.Get("/"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~Destination() {
    Stop();
    EXPECT_TRUE(engine_->Close().ok());
    std::filesystem::remove_all(dir_);
  }

  void Stop() {
    server_->Shutdown();
    if (thread_.joinable()) thread_.join();
  }

  std::string url() const {
    return absl::StrCat(tls_ ? "https://" : "http://", server_->address());
  }
  std::string address() const { return server_->address(); }
  int port() const { return server_->port(); }

  void FailNextWrites(std::vector<absl::Status> errors) {
    MutexLock lock(&mu_);
    for (absl::Status& e : errors) scripted_.push_back(std::move(e));
  }
  void AnswerDescribeEndpointsWith(std::string address) {
    MutexLock lock(&mu_);
    discovered_address_ = std::move(address);
  }
  int calls(const std::string& operation) const {
    MutexLock lock(&mu_);
    int n = 0;
    for (const std::string& op : operations_) n += op == operation;
    return n;
  }

  int64_t Rows() {
    int64_t rows = 0;
    ScanRequest scan{.database_name = "fleet", .table_name = "sensors"};
    EXPECT_TRUE(engine_
                    ->Scan(scan,
                           [&](const ScanBatch& batch) {
                             rows += static_cast<int64_t>(batch.time_nanos.size());
                             return true;
                           })
                    .ok());
    return rows;
  }

  Engine& engine() { return *engine_; }

 private:
  absl::StatusOr<std::string> Handle(absl::string_view operation, absl::string_view body,
                                     const server::DispatchContext& context) {
    server::DispatchContext answered = context;
    {
      MutexLock lock(&mu_);
      operations_.emplace_back(operation);
      if (operation == "WriteRecords" && !scripted_.empty()) {
        absl::Status error = std::move(scripted_.front());
        scripted_.pop_front();
        return error;
      }
      if (!discovered_address_.empty()) answered.endpoint_address = discovered_address_;
    }
    return server::Dispatch(*engine_, operation, body, answered);
  }

  std::filesystem::path dir_;
  bool tls_ = false;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread thread_;
  mutable Mutex mu_;
  std::deque<absl::Status> scripted_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> operations_ ABSL_GUARDED_BY(mu_);
  std::string discovered_address_ ABSL_GUARDED_BY(mu_);
};

// `records` records `first_time`, `first_time` + 1... ms before the test began.
WriteRecordsRequest Request(int records, int64_t first_time = 1000, int64_t version = 1) {
  WriteRecordsRequest request{.database_name = "fleet", .table_name = "sensors"};
  static const int64_t now_ms = SystemClock::Default()->NowNanos() / 1000000;
  for (int i = 0; i < records; ++i) {
    Record r;
    r.dimensions = {{"device", absl::StrCat("d", i % 3)}};
    r.measure_name = "temp";
    r.measure_value = absl::StrCat(20 + i);
    r.measure_value_type = MeasureValueType::kDouble;
    r.time = absl::StrCat(now_ms - first_time - i);
    r.version = version;
    request.records.push_back(std::move(r));
  }
  return request;
}

std::unique_ptr<HttpSender> SenderTo(const std::string& endpoint,
                                     server::SigningCredentials credentials = kGoodKey) {
  HttpSenderOptions options;
  options.endpoint = endpoint;
  options.credentials = std::move(credentials);
  absl::StatusOr<std::unique_ptr<HttpSender>> sender = HttpSender::Create(std::move(options));
  EXPECT_TRUE(sender.ok()) << sender.status();
  return std::move(*sender);
}

TEST(HttpSenderTest, SignedWritesAreAcceptedAndStoredAtTheDestination) {
  Destination dest(/*check_signatures=*/true);
  std::unique_ptr<HttpSender> sender = SenderTo(dest.url());
  SendOutcome outcome = sender->Send(Request(100));
  EXPECT_EQ(outcome.kind, Kind::kAccepted) << outcome.error;
  EXPECT_TRUE(outcome.rejected.empty());
  EXPECT_EQ(dest.Rows(), 100);
  // Resending the same records at the same Version is harmless: accepted, nothing added.
  outcome = sender->Send(Request(100));
  EXPECT_EQ(outcome.kind, Kind::kAccepted) << outcome.error;
  EXPECT_EQ(dest.Rows(), 100);
}

TEST(HttpSenderTest, ABadSignatureIsAFailureNamingAccessDenied) {
  Destination dest(/*check_signatures=*/true);
  std::unique_ptr<HttpSender> sender =
      SenderTo(dest.url(), server::SigningCredentials{"AKIDFORWARD", "wrong-secret", ""});
  const SendOutcome outcome = sender->Send(Request(3));
  EXPECT_EQ(outcome.kind, Kind::kFailed);
  EXPECT_THAT(outcome.error, HasSubstr("AccessDeniedException"));
  EXPECT_EQ(dest.Rows(), 0);
}

TEST(HttpSenderTest, RefusedCredentialsAreReloadedAndTheRequestSentAgain) {
  Destination dest(/*check_signatures=*/true);
  HttpSenderOptions options;
  options.endpoint = dest.url();
  options.credentials = {"AKIDFORWARD", "expired-secret", ""};
  std::atomic<int> reloads{0};
  options.reload_credentials = [&]() -> absl::StatusOr<server::SigningCredentials> {
    reloads.fetch_add(1);
    return kGoodKey;
  };
  absl::StatusOr<std::unique_ptr<HttpSender>> sender = HttpSender::Create(std::move(options));
  ASSERT_TRUE(sender.ok());
  const SendOutcome outcome = (*sender)->Send(Request(2));
  EXPECT_EQ(outcome.kind, Kind::kAccepted) << outcome.error;
  EXPECT_EQ(reloads.load(), 1);
  EXPECT_EQ(dest.Rows(), 2);
  EXPECT_EQ((*sender)->Send(Request(2)).kind, Kind::kAccepted);
  EXPECT_EQ(reloads.load(), 1);  // The new key is kept.
}

TEST(HttpSenderTest, RejectedRecordsComeBackWithIndexReasonAndExistingVersion) {
  Destination dest(/*check_signatures=*/false);
  std::unique_ptr<HttpSender> sender = SenderTo(dest.url());
  ASSERT_EQ(sender->Send(Request(4, 1000, /*version=*/5)).kind, Kind::kAccepted);
  // The same times with other values at a lower Version: the destination keeps its own.
  WriteRecordsRequest lower = Request(4, 1000, /*version=*/2);
  for (Record& r : lower.records) r.measure_value = "99";
  const SendOutcome outcome = sender->Send(lower);
  EXPECT_EQ(outcome.kind, Kind::kAccepted) << outcome.error;
  ASSERT_EQ(outcome.rejected.size(), 4u);
  EXPECT_EQ(outcome.rejected[2].record_index, 2);
  EXPECT_FALSE(outcome.rejected[2].reason.empty());
  EXPECT_EQ(outcome.rejected[2].existing_version, 5);
}

TEST(HttpSenderTest, ClassifiesTheDestinationsErrors) {
  Destination dest(/*check_signatures=*/false);
  std::unique_ptr<HttpSender> sender = SenderTo(dest.url());
  dest.FailNextWrites({MakeError(ErrorKind::kThrottling, "slow down"),
                       InternalError("disk trouble"), ValidationError("bad record"),
                       NotFoundError("no such table"), AccessDeniedError("not yours")});
  const struct {
    Kind kind;
    const char* error;
  } expected[] = {{Kind::kRetry, "ThrottlingException: slow down"},
                  {Kind::kRetry, "InternalServerException: disk trouble"},
                  {Kind::kFailed, "ValidationException: bad record"},
                  {Kind::kFailed, "ResourceNotFoundException: no such table"},
                  {Kind::kFailed, "AccessDeniedException: not yours"}};
  for (const auto& e : expected) {
    const SendOutcome outcome = sender->Send(Request(1));
    EXPECT_EQ(outcome.kind, e.kind) << outcome.error;
    EXPECT_THAT(outcome.error, HasSubstr(e.error));
  }
  EXPECT_EQ(sender->Send(Request(1)).kind, Kind::kAccepted);
}

TEST(HttpSenderTest, AServerThatIsDownIsARetryAndAServerBackUpIsUsedAgain) {
  int port = 0;
  {
    Destination gone(/*check_signatures=*/false, "gone");
    port = gone.port();
  }
  std::unique_ptr<HttpSender> sender = SenderTo(absl::StrCat("http://127.0.0.1:", port));
  const SendOutcome outcome = sender->Send(Request(1));
  EXPECT_EQ(outcome.kind, Kind::kRetry);
  EXPECT_THAT(outcome.error, HasSubstr("127.0.0.1"));

  // The server comes back on the same port: the connection the sender kept to the old
  // process is dead, and the request reaches the new one.
  auto first = std::make_unique<Destination>(/*check_signatures=*/false, "first");
  std::unique_ptr<HttpSender> pooled = SenderTo(first->url());
  ASSERT_EQ(pooled->Send(Request(1)).kind, Kind::kAccepted);
  const int first_port = first->port();
  first.reset();
  Destination second(/*check_signatures=*/false, "second", first_port);
  EXPECT_EQ(pooled->Send(Request(1)).kind, Kind::kAccepted);
  ASSERT_EQ(pooled->Send(Request(1)).kind, Kind::kAccepted);
  EXPECT_EQ(second.calls("WriteRecords"), 2);
}

TEST(HttpSenderTest, SendsFromManyThreadsAtOnce) {
  Destination dest(/*check_signatures=*/true);
  std::unique_ptr<HttpSender> sender = SenderTo(dest.url());
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        if (sender->Send(Request(10, 1000 + 100 * (t * 10 + i))).kind == Kind::kAccepted) {
          accepted.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 60);
  EXPECT_EQ(dest.Rows(), 600);
}

TEST(HttpSenderTest, RefusesEndpointsThatAreNotHttpUrls) {
  for (const char* bad : {"ftp://x", "127.0.0.1:8080", "http://", "http://h/path"}) {
    HttpSenderOptions options;
    options.endpoint = bad;
    EXPECT_EQ(KindOf(HttpSender::Create(options).status()), ErrorKind::kValidation) << bad;
  }
  HttpSenderOptions options;
  options.discovery_endpoint = "nowhere";
  EXPECT_EQ(KindOf(HttpSender::Create(options).status()), ErrorKind::kValidation);
}

// A CA and a certificate it signed for 127.0.0.1, made with the openssl command now (as
// tests/server/boto3_test.py does), in `dir`. Returns false when openssl fails.
bool MakeTestPki(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::string d = dir.string();
  const std::string commands =
      "cd '" + d +
      "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
      "-keyout ca.key -out ca.pem -days 2 -subj '/CN=tsw test CA' && "
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
      "-keyout server.key -out server.csr -subj /CN=localhost && "
      "printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > server.ext && "
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
      "-extfile server.ext -out server.pem";
  return std::system((commands + " >/dev/null 2>&1").c_str()) == 0;
}

TEST(HttpSenderTest, SpeaksHttpsAndRefusesACertificateItCannotVerify) {
  const std::filesystem::path pki = TempDir("pki");
  ASSERT_TRUE(MakeTestPki(pki));
  Destination dest(/*check_signatures=*/true, "tls", 0,
                   server::TlsFiles{(pki / "server.pem").string(), (pki / "server.key").string()});
  ASSERT_THAT(dest.url(), ::testing::StartsWith("https://"));
  HttpSenderOptions options;
  options.endpoint = dest.url();
  options.credentials = kGoodKey;
  options.ca_file = (pki / "ca.pem").string();
  absl::StatusOr<std::unique_ptr<HttpSender>> trusting = HttpSender::Create(options);
  ASSERT_TRUE(trusting.ok());
  const SendOutcome accepted = (*trusting)->Send(Request(3));
  EXPECT_EQ(accepted.kind, Kind::kAccepted) << accepted.error;
  EXPECT_EQ(dest.Rows(), 3);

  // Without the test CA the certificate does not verify: a failure, not a retry.
  options.ca_file = (pki / "server.pem").string();  // Not the CA that signed it.
  absl::StatusOr<std::unique_ptr<HttpSender>> doubting = HttpSender::Create(options);
  ASSERT_TRUE(doubting.ok());
  const SendOutcome refused = (*doubting)->Send(Request(3, 5000));
  EXPECT_EQ(refused.kind, Kind::kFailed) << refused.error;
  EXPECT_THAT(refused.error, HasSubstr("SSL"));
  EXPECT_EQ(dest.Rows(), 3);
}

// ---- Endpoint discovery.

TEST(HttpSenderDiscoveryTest, FindsTheAddressThroughDescribeEndpoints) {
  Destination dest(/*check_signatures=*/true);
  HttpSenderOptions options;
  options.discovery_endpoint = dest.url();  // tsw serve answers with its own address.
  options.credentials = kGoodKey;
  absl::StatusOr<std::unique_ptr<HttpSender>> sender = HttpSender::Create(std::move(options));
  ASSERT_TRUE(sender.ok()) << sender.status();
  EXPECT_EQ((*sender)->current_endpoint(), "");
  const SendOutcome outcome = (*sender)->Send(Request(5));
  EXPECT_EQ(outcome.kind, Kind::kAccepted) << outcome.error;
  EXPECT_EQ((*sender)->current_endpoint(), dest.url());
  EXPECT_EQ((*sender)->discoveries(), 1);
  EXPECT_EQ(dest.calls("DescribeEndpoints"), 1);
  EXPECT_EQ(dest.Rows(), 5);
}

TEST(HttpSenderDiscoveryTest, HonoursTheCachePeriodAndDiscoversAgainAfterIt) {
  Destination discovery(/*check_signatures=*/false, "discovery");
  Destination data(/*check_signatures=*/false, "data");
  discovery.AnswerDescribeEndpointsWith(data.address());
  ManualClock clock(SystemClock::Default()->NowNanos());
  HttpSenderOptions options;
  options.discovery_endpoint = discovery.url();
  options.clock = &clock;
  absl::StatusOr<std::unique_ptr<HttpSender>> sender = HttpSender::Create(std::move(options));
  ASSERT_TRUE(sender.ok()) << sender.status();
  for (int i = 0; i < 3; ++i) ASSERT_EQ((*sender)->Send(Request(1)).kind, Kind::kAccepted);
  EXPECT_EQ(discovery.calls("DescribeEndpoints"), 1);
  EXPECT_EQ(discovery.calls("WriteRecords"), 0);
  EXPECT_EQ(data.calls("WriteRecords"), 3);
  // tsw serve's cache period is 1440 minutes: just before it, no new call; after, one.
  clock.Advance(absl::ToInt64Nanoseconds(absl::Minutes(1439)));
  ASSERT_EQ((*sender)->Send(Request(1)).kind, Kind::kAccepted);
  EXPECT_EQ(discovery.calls("DescribeEndpoints"), 1);
  clock.Advance(absl::ToInt64Nanoseconds(absl::Minutes(2)));
  ASSERT_EQ((*sender)->Send(Request(1)).kind, Kind::kAccepted);
  EXPECT_EQ(discovery.calls("DescribeEndpoints"), 2);
  EXPECT_EQ((*sender)->discoveries(), 2);
}

TEST(HttpSenderDiscoveryTest, DiscoversAgainAfterTheAddressStopsAnswering) {
  Destination discovery(/*check_signatures=*/false, "discovery");
  auto old_cell = std::make_unique<Destination>(/*check_signatures=*/false, "old");
  Destination new_cell(/*check_signatures=*/false, "new");
  discovery.AnswerDescribeEndpointsWith(old_cell->address());
  HttpSenderOptions options;
  options.discovery_endpoint = discovery.url();
  absl::StatusOr<std::unique_ptr<HttpSender>> sender = HttpSender::Create(std::move(options));
  ASSERT_TRUE(sender.ok());
  ASSERT_EQ((*sender)->Send(Request(1)).kind, Kind::kAccepted);
  EXPECT_EQ(old_cell->calls("WriteRecords"), 1);

  old_cell.reset();
  discovery.AnswerDescribeEndpointsWith(new_cell.address());
  EXPECT_EQ((*sender)->Send(Request(1)).kind, Kind::kRetry);
  EXPECT_EQ((*sender)->Send(Request(1)).kind, Kind::kAccepted);
  EXPECT_EQ(discovery.calls("DescribeEndpoints"), 2);
  EXPECT_EQ(new_cell.calls("WriteRecords"), 1);
  EXPECT_EQ((*sender)->current_endpoint(), new_cell.url());
}

TEST(HttpSenderDiscoveryTest, ADiscoveryEndpointThatIsDownIsARetry) {
  int port = 0;
  {
    Destination gone(/*check_signatures=*/false, "gone");
    port = gone.port();
  }
  HttpSenderOptions options;
  options.discovery_endpoint = absl::StrCat("http://127.0.0.1:", port);
  absl::StatusOr<std::unique_ptr<HttpSender>> sender = HttpSender::Create(std::move(options));
  ASSERT_TRUE(sender.ok());
  const SendOutcome outcome = (*sender)->Send(Request(1));
  EXPECT_EQ(outcome.kind, Kind::kRetry);
  EXPECT_THAT(outcome.error, HasSubstr("DescribeEndpoints"));
}

TEST(HttpSenderDiscoveryTest, ADestinationRuleBuildsASenderWithItsCredentialsFile) {
  Destination dest(/*check_signatures=*/true);
  const std::filesystem::path file = TempDir("creds") += ".txt";
  {
    FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fprintf(f, "# the forwarder's key\n%s %s\n", kGoodKey.access_key_id.c_str(),
                 kGoodKey.secret_access_key.c_str());
    std::fclose(f);
  }
  ForwardDestination rule;
  rule.discovery_endpoint = dest.url();
  rule.credentials_file = file.string();
  absl::StatusOr<std::unique_ptr<Sender>> sender = NewHttpSender(rule);
  ASSERT_TRUE(sender.ok()) << sender.status();
  EXPECT_EQ((*sender)->Send(Request(2)).kind, Kind::kAccepted);
  EXPECT_EQ(dest.Rows(), 2);
  rule.credentials_file = file.string() + ".missing";
  EXPECT_EQ(KindOf(NewHttpSender(rule).status()), ErrorKind::kValidation);
}

}  // namespace
}  // namespace tsw::forward
