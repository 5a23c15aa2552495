#include "tools/server/serve_command.h"

#include <signal.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/wire/api_json.h"
#include "engine/wire/sigv4.h"
#include "tools/server/dispatcher.h"
#include "tools/server/forward_flags.h"
#include "tools/server/http_server.h"
#include "tools/server/tls.h"
#include "tsw/engine.h"
#include "tsw/env.h"
#include "tsw/status.h"

namespace tsw {
namespace server {
namespace {

constexpr char kUsageHead[] =
    "usage: tsw serve --data DIR [--listen HOST:PORT] [--credentials FILE] [flags]\n"
    "\n"
    "Serves the Amazon Timestream Write and Query APIs (AWS JSON 1.0 over HTTP/1.1, SigV4)\n"
    "for the engine in DIR, until SIGTERM or SIGINT. Point any AWS SDK at it, for example\n"
    "  boto3.client(\"timestream-write\", endpoint_url=\"http://127.0.0.1:8080\", ...)\n"
    "  boto3.client(\"timestream-query\", endpoint_url=\"http://127.0.0.1:8080\", ...)\n"
    "(with --tls-cert/--tls-key: endpoint_url=\"https://...\", verify=\"ca.pem\").\n"
    "\n"
    "  --data DIR                 the engine's directory (created if missing). Required.\n"
    "  --listen HOST:PORT         where to listen (default 127.0.0.1:8080). PORT 0 picks a\n"
    "                             free port; \":PORT\" listens on every interface.\n"
    "  --credentials FILE         verify every request's SigV4 signature against the keys\n"
    "                             in FILE: one \"ACCESS_KEY_ID SECRET_ACCESS_KEY\" per line,\n"
    "                             '#' starts a comment line. Without it, any credentials\n"
    "                             (or none) are accepted.\n"
    "  --tls-cert FILE            serve HTTPS with the PEM certificate chain in FILE;\n"
    "  --tls-key FILE             and its PEM private key (unencrypted). Both or neither;\n"
    "                             without them, plain HTTP.\n"
    "  --region R                 region in ARNs (default us-east-1)\n"
    "  --account-id A             account id in ARNs (default 000000000000)\n"
    "  --durability sync|periodic sync: acknowledge writes after fsync (default);\n"
    "                             periodic: after the OS has them, fsync every 100 ms\n"
    "  --file-access mapped|read  mapped: the log and segments memory-mapped (default);\n"
    "                             read: every file through pread/pwrite, for storage\n"
    "                             whose reads can fail (SD cards): a read error is then\n"
    "                             an error answer, not a SIGBUS ending the server\n"
    "  --max-body-bytes N         larger request bodies get 413 (default 4194304)\n"
    "  --threads N                connections served at once (default 64)\n"
    "  --read-timeout-seconds N   drop a request that stalls this long (default 10)\n"
    "\n"
    "Forwarding (every accepted record also sent to another Timestream Write endpoint,\n"
    "durably, in order per table; `tsw stats` shows how far behind it is):\n";

const std::string& Usage() {
  static const std::string* usage = new std::string(std::string(kUsageHead) + kForwardFlagsUsage);
  return *usage;
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "tsw serve: %s\n\n%s", message.c_str(), Usage().c_str());
  return 2;
}

int Failure(const absl::Status& status) {
  std::fprintf(stderr, "%s\n", apijson::ErrorToJson(status).c_str());
  return 1;
}

struct ServeFlags {
  std::string data;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string credentials_file;
  std::string tls_cert_file, tls_key_file;
  Options engine_options;
  HttpServerOptions server_options;
  ForwardFlags forward;
};

// Splits "HOST:PORT", "[V6]:PORT" or ":PORT".
bool ParseListen(const std::string& text, std::string* host, int* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  std::string h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int p = 0;
  if (!absl::SimpleAtoi(text.substr(colon + 1), &p) || p < 0 || p > 65535) return false;
  *host = h.empty() ? "0.0.0.0" : h;
  *port = p;
  return true;
}

// Returns "" on success, else the usage error.
std::string ParseFlags(int argc, char** argv, ServeFlags* flags, bool* help) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      return "";
    }
    if (arg.rfind("--", 0) != 0) return absl::StrCat("unexpected argument '", arg, "'");
    std::string name = arg, value;
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else {
      if (i + 1 >= argc) return absl::StrCat(name, " needs a value");
      value = argv[++i];
    }
    auto positive = [&](int* out) { return absl::SimpleAtoi(value, out) && *out > 0; };
    if (ForwardFlags::IsForwardFlag(name)) {
      if (absl::Status set = flags->forward.Set(name, value); !set.ok()) {
        return std::string(set.message());
      }
    } else if (name == "--data") {
      flags->data = value;
    } else if (name == "--listen") {
      if (!ParseListen(value, &flags->host, &flags->port)) {
        return absl::StrCat("--listen wants HOST:PORT, got '", value, "'");
      }
    } else if (name == "--credentials") {
      flags->credentials_file = value;
    } else if (name == "--tls-cert") {
      flags->tls_cert_file = value;
    } else if (name == "--tls-key") {
      flags->tls_key_file = value;
    } else if (name == "--region") {
      flags->engine_options.region = value;
    } else if (name == "--account-id") {
      flags->engine_options.account_id = value;
    } else if (name == "--durability") {
      if (value == "sync") {
        flags->engine_options.durability.policy = SyncPolicy::kSyncBeforeAck;
      } else if (value == "periodic") {
        flags->engine_options.durability.policy = SyncPolicy::kSyncPeriodically;
      } else {
        return absl::StrCat("--durability is sync or periodic, not '", value, "'");
      }
    } else if (name == "--file-access") {
      if (value == "mapped") {
        flags->engine_options.env = nullptr;
      } else if (value == "read") {
        flags->engine_options.env = Env::DefaultWithoutMapping();
      } else {
        return absl::StrCat("--file-access is mapped or read, not '", value, "'");
      }
    } else if (name == "--max-body-bytes") {
      int n = 0;
      if (!positive(&n)) return "--max-body-bytes wants a positive number";
      flags->server_options.max_body_bytes = static_cast<size_t>(n);
    } else if (name == "--threads") {
      if (!positive(&flags->server_options.threads)) return "--threads wants a positive number";
    } else if (name == "--read-timeout-seconds") {
      if (!positive(&flags->server_options.read_timeout_seconds)) {
        return "--read-timeout-seconds wants a positive number";
      }
    } else {
      return absl::StrCat("unknown flag ", name);
    }
  }
  if (flags->data.empty()) return "--data DIR is required";
  if (flags->tls_cert_file.empty() != flags->tls_key_file.empty()) {
    return "--tls-cert and --tls-key go together: give both for HTTPS, or neither";
  }
  absl::StatusOr<std::optional<ForwardDestination>> forward = flags->forward.Destination();
  if (!forward.ok()) return std::string(forward.status().message());
  if (forward->has_value()) flags->engine_options.forward.push_back(std::move(**forward));
  return "";
}

// The lines `tsw serve` prints once it listens: where, which data, how requests are
// checked, and where each table is forwarded.
void PrintBanner(const ServeFlags& flags, const std::string& address) {
  std::printf("tsw serve: listening on %s://%s (data %s; signatures %s)\n",
              flags.server_options.tls.has_value() ? "https" : "http", address.c_str(),
              flags.data.c_str(),
              flags.server_options.credentials.has_value()
                  ? absl::StrCat("verified against ", flags.server_options.credentials->size(),
                                 " key(s) from ", flags.credentials_file)
                        .c_str()
                  : "not checked");
  for (const ForwardDestination& rule : flags.engine_options.forward) {
    std::printf("tsw serve: forwarding every table to %s\n",
                rule.endpoint.empty()
                    ? absl::StrCat("region ", rule.region, " (endpoint from DescribeEndpoints",
                                   rule.discovery_endpoint.empty() ? "" : " at ",
                                   rule.discovery_endpoint, ")")
                          .c_str()
                    : rule.endpoint.c_str());
  }
}

}  // namespace

int RunServeCommand(int argc, char** argv) {
  ServeFlags flags;
  bool help = false;
  const std::string usage_error = ParseFlags(argc, argv, &flags, &help);
  if (help) {
    std::fputs(Usage().c_str(), stdout);
    return 0;
  }
  if (!usage_error.empty()) return UsageError(usage_error);

  if (!flags.credentials_file.empty()) {
    absl::StatusOr<CredentialMap> credentials = LoadCredentialsFile(flags.credentials_file);
    if (!credentials.ok()) return Failure(credentials.status());
    flags.server_options.credentials = std::move(*credentials);
  }
  if (!flags.tls_cert_file.empty()) {
    TlsFiles files{flags.tls_cert_file, flags.tls_key_file};
    // Checked before the engine opens: a bad certificate or key changes nothing on disk.
    if (absl::Status s = CheckTlsFiles(files); !s.ok()) return Failure(s);
    flags.server_options.tls = std::move(files);
  }
  flags.server_options.host = flags.host;
  flags.server_options.port = flags.port;

  // Block SIGINT/SIGTERM before any thread exists (the engine starts some), so that
  // every thread inherits the mask and only the watcher below takes them.
  sigset_t stop_signals, old_mask;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
  // A client that hangs up must not kill the server with SIGPIPE.
  struct sigaction ignore_pipe {
  }, old_pipe{};
  ignore_pipe.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore_pipe, &old_pipe);
  auto restore_signals = [&] {
    // Take any stop signal still pending so that unblocking does not deliver it.
    timespec zero{0, 0};
    while (sigtimedwait(&stop_signals, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    sigaction(SIGPIPE, &old_pipe, nullptr);
  };

  absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(flags.data, flags.engine_options);
  if (!opened.ok()) {
    restore_signals();
    return Failure(opened.status());
  }
  std::unique_ptr<Engine> engine = std::move(*opened);

  Engine* engine_ptr = engine.get();
  HttpServer server(flags.server_options,
                    [engine_ptr](absl::string_view operation, absl::string_view body,
                                 const DispatchContext& context) {
                      return Dispatch(*engine_ptr, operation, body, context);
                    });
  absl::Status bound = server.Bind();
  if (!bound.ok()) {
    engine->Close().IgnoreError();  // The bind error is the one to report.
    restore_signals();
    return Failure(bound);
  }
  PrintBanner(flags, server.address());
  std::fflush(stdout);

  std::atomic<bool> stop_watcher{false};
  std::thread watcher([&] {
    const timespec tick{0, 100 * 1000 * 1000};
    while (!stop_watcher.load(std::memory_order_acquire)) {
      const int signal = sigtimedwait(&stop_signals, nullptr, &tick);
      if (signal <= 0) continue;
      std::printf("tsw serve: %s received; finishing the requests in flight\n",
                  signal == SIGTERM ? "SIGTERM" : "SIGINT");
      std::fflush(stdout);
      server.Shutdown();
    }
  });

  absl::Status served = server.Serve();
  stop_watcher.store(true, std::memory_order_release);
  watcher.join();
  absl::Status closed = engine->Close();
  engine.reset();
  restore_signals();
  if (!served.ok()) return Failure(served);
  if (!closed.ok()) return Failure(closed);
  std::printf("tsw serve: stopped; engine closed\n");
  std::fflush(stdout);
  return 0;
}

}  // namespace server
}  // namespace tsw
