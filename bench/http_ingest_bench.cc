// HTTP endpoint: WriteRecords records/s through `tsw serve`'s HTTP layer, with concurrent
// keep-alive clients each sending 100-record bodies (AWS JSON 1.0, optionally SigV4-signed).
//
//   BM_HttpWriteRecords/signed:S/real_time/threads:T
//     T client threads, each holding one keep-alive connection; S=1 signs every request
//     (client SHA-256 + HMAC, server verification), S=0 sends it unsigned.
//
// By default the server runs in this process (an Engine over a fresh temporary directory
// plus HttpServer on 127.0.0.1, exactly what `tsw serve` runs: one server verifying
// signatures for the signed runs, one checking none for the unsigned runs), sharing the
// machine's cores with the clients as a separate process would. Flags (before benchmark flags):
//   --durability=sync|periodic   the engine's SyncPolicy (default sync: fsync before ack)
//   --endpoint=HOST:PORT         measure an external `tsw serve` instead (with credentials
//                                AKIDBENCH / bench-secret when it checks signatures)
//   --fill=N                     no benchmark: write the first N bodies (N * 100 records,
//                                signed) to the --endpoint server and exit
// Each record is a new (series, time): 100 series (host h<run>-00..99, two common
// dimensions), one DOUBLE measure, times counting up from five hours ago.
#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "engine/wire/sigv4.h"
#include "tools/server/dispatcher.h"
#include "tools/server/http_server.h"
#include "tsw/engine.h"

namespace tsw {
namespace {

constexpr char kJson[] = "application/x-amz-json-1.0";
constexpr char kKeyId[] = "AKIDBENCH";
constexpr char kSecret[] = "bench-secret";

SyncPolicy g_policy = SyncPolicy::kSyncBeforeAck;
std::string g_external;  // "host:port", or empty for the in-process server.

// Where the clients send: for signed requests a server that verifies signatures, for
// unsigned ones a server that checks none. In process, both serve the same engine.
struct Endpoint {
  std::string data_dir;  // In process only; removed at exit.
  std::string host;
  int open_port = 0;
  int checked_port = 0;
  std::unique_ptr<Engine> engine;
  std::vector<std::unique_ptr<server::HttpServer>> servers;
  std::vector<std::thread> serve_threads;
};

// Creates database "bench" and table "cpu" (a conflict on a rerun is fine).
void CreateTable(const std::string& host, int port) {
  httplib::Client client(host, port);
  for (const auto& [target, body] :
       {std::pair<std::string, std::string>{"CreateDatabase", R"({"DatabaseName":"bench"})"},
        {"CreateTable", R"({"DatabaseName":"bench","TableName":"cpu"})"}}) {
    server::SigV4Request request;
    request.headers = {{"Host", absl::StrCat(host, ":", port)},
                       {"X-Amz-Target", absl::StrCat("Timestream_20181101.", target)}};
    request.body = body;
    server::SignRequest({kKeyId, kSecret, ""}, "us-east-1", "timestream", absl::Now(), &request);
    httplib::Headers headers(request.headers.begin(), request.headers.end());
    client.Post("/", headers, body, kJson);
  }
}

Endpoint* g_endpoint = nullptr;

Endpoint& GetEndpoint() {
  static Endpoint* endpoint = [] {
    auto* ep = new Endpoint();
    if (!g_external.empty()) {
      const size_t colon = g_external.rfind(':');
      ep->host = g_external.substr(0, colon);
      ep->open_port = ep->checked_port = std::atoi(g_external.c_str() + colon + 1);
    } else {
      char dir[] = "/tmp/tsw-http-bench-XXXXXX";
      if (mkdtemp(dir) == nullptr) std::abort();
      ep->data_dir = dir;
      Options options;
      options.durability.policy = g_policy;
      auto engine = Engine::Open(dir, options);
      if (!engine.ok()) {
        std::fprintf(stderr, "Engine::Open: %s\n", engine.status().ToString().c_str());
        std::abort();
      }
      ep->engine = std::move(*engine);
      Engine* engine_ptr = ep->engine.get();
      ep->host = "127.0.0.1";
      for (bool checked : {false, true}) {
        server::HttpServerOptions server_options;
        server_options.host = ep->host;
        server_options.port = 0;
        if (checked) server_options.credentials = server::CredentialMap{{kKeyId, kSecret}};
        auto http = std::make_unique<server::HttpServer>(
            server_options, [engine_ptr](absl::string_view operation, absl::string_view body,
                                         const server::DispatchContext& context) {
              return server::Dispatch(*engine_ptr, operation, body, context);
            });
        if (!http->Bind().ok()) std::abort();
        (checked ? ep->checked_port : ep->open_port) = http->port();
        server::HttpServer* raw = http.get();
        ep->serve_threads.emplace_back([raw] { raw->Serve().IgnoreError(); });
        ep->servers.push_back(std::move(http));
      }
    }
    CreateTable(ep->host, ep->checked_port);
    g_endpoint = ep;
    return ep;
  }();
  return *endpoint;
}

// Stops the in-process servers, closes the engine and removes its directory.
void StopEndpoint() {
  if (g_endpoint == nullptr || g_endpoint->engine == nullptr) return;
  for (auto& http : g_endpoint->servers) http->Shutdown();
  for (std::thread& t : g_endpoint->serve_threads) t.join();
  g_endpoint->engine->Close().IgnoreError();
  std::filesystem::remove_all(g_endpoint->data_dir);
}

std::atomic<int64_t> g_next_batch{0};
const int64_t g_base_ms = absl::ToUnixMillis(absl::Now()) - 5 * 3600 * 1000;
// Distinguishes this process's series from an earlier run's on the same external server.
const int64_t g_run = absl::ToUnixSeconds(absl::Now());

// One WriteRecords body: 100 hosts at the batch's own millisecond.
std::string MakeBody(int64_t batch) {
  std::string body;
  body.reserve(16 << 10);
  absl::StrAppend(&body, R"({"DatabaseName":"bench","TableName":"cpu","CommonAttributes":)",
                  R"({"Dimensions":[{"Name":"region","Value":"eu-west-1"},)",
                  R"({"Name":"az","Value":"eu-west-1a"}],"MeasureName":"usage",)",
                  R"("MeasureValueType":"DOUBLE","Time":")", g_base_ms + batch,
                  R"("},"Records":[)");
  for (int i = 0; i < 100; ++i) {
    absl::StrAppend(&body, i ? "," : "", R"({"Dimensions":[{"Name":"host","Value":"h)", g_run, "-",
                    i / 10, i % 10, R"("}],"MeasureValue":")", (batch * 7 + i) % 1000, ".25\"}");
  }
  body.append("]}");
  return body;
}

// The clients' signing keys: derived once a day, as the AWS SDKs and HttpSender do.
server::SigningKeyCache g_signing_keys;

// Sends one WriteRecords body (signed if `sign`); the error, or "" if the server took it.
std::string Post(httplib::Client& client, const std::string& host_header, bool sign,
                 const std::string& body) {
  server::SigV4Request request;
  request.headers = {{"Host", host_header}, {"X-Amz-Target", "Timestream_20181101.WriteRecords"}};
  request.body = body;
  if (sign) {
    server::SignRequest({kKeyId, kSecret, ""}, "us-east-1", "timestream", absl::Now(), &request,
                        &g_signing_keys);
  }
  httplib::Headers headers(request.headers.begin(), request.headers.end());
  httplib::Result res = client.Post("/", headers, body, kJson);
  if (res && res->status == 200) return "";
  return res ? absl::StrCat("HTTP ", res->status, ": ", res->body.substr(0, 300))
             : absl::StrCat("request failed: ", httplib::to_string(res.error()));
}

// --fill=N: writes the N bodies the benchmark would send first (100 records each) to the
// --endpoint server, signed, one after another, and exits: so bench/forward_bench.sh can
// forward exactly the records this benchmark sends.
int Fill(int64_t batches) {
  if (g_external.empty()) {
    std::fprintf(stderr, "--fill needs --endpoint=HOST:PORT\n");
    return 2;
  }
  Endpoint& ep = GetEndpoint();
  httplib::Client client(ep.host, ep.checked_port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(60, 0);
  const std::string host_header = absl::StrCat(ep.host, ":", ep.checked_port);
  for (int64_t b = 0; b < batches; ++b) {
    const std::string error = Post(client, host_header, /*sign=*/true, MakeBody(b));
    if (!error.empty()) {
      std::fprintf(stderr, "batch %lld: %s\n", static_cast<long long>(b), error.c_str());
      return 1;
    }
  }
  std::printf("wrote %lld records\n", static_cast<long long>(batches * 100));
  return 0;
}

void BM_HttpWriteRecords(benchmark::State& state) {
  const bool sign = state.range(0) != 0;
  Endpoint& ep = GetEndpoint();
  const int port = sign ? ep.checked_port : ep.open_port;
  httplib::Client client(ep.host, port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(60, 0);
  absl::Duration slowest;
  const std::string host_header = absl::StrCat(ep.host, ":", port);
  for (auto _ : state) {
    const absl::Time sent = absl::Now();
    const std::string error = Post(client, host_header, sign, MakeBody(g_next_batch.fetch_add(1)));
    slowest = std::max(slowest, absl::Now() - sent);
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * 100);
  state.counters["slowest_ms"] =
      benchmark::Counter(absl::ToDoubleMilliseconds(slowest), benchmark::Counter::kAvgThreads);
}

BENCHMARK(BM_HttpWriteRecords)
    ->ArgName("signed")
    ->Arg(0)
    ->Arg(1)
    ->Threads(1)
    ->Threads(4)
    ->Threads(16)
    ->UseRealTime();

}  // namespace
}  // namespace tsw

int main(int argc, char** argv) {
  std::vector<char*> rest;
  int64_t fill = 0;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--durability=periodic") == 0) {
      tsw::g_policy = tsw::SyncPolicy::kSyncPeriodically;
    } else if (std::strcmp(argv[i], "--durability=sync") == 0) {
      tsw::g_policy = tsw::SyncPolicy::kSyncBeforeAck;
    } else if (std::strncmp(argv[i], "--endpoint=", 11) == 0) {
      tsw::g_external = argv[i] + 11;
    } else if (std::strncmp(argv[i], "--fill=", 7) == 0) {
      fill = std::atoll(argv[i] + 7);
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (fill > 0) return tsw::Fill(fill);
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  tsw::StopEndpoint();
  return 0;
}
