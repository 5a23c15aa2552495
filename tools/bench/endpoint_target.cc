// The endpoint target: Timestream Write's wire protocol (AWS JSON 1.0) over HTTP(S), each
// request SigV4-signed, one keep-alive connection per writer.
#include <httplib.h>
#include <simdjson.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/wire/api_json.h"
#include "tools/bench/target.h"
#include "tsw/status.h"

namespace tsw::bench {
namespace {

constexpr char kJson[] = "application/x-amz-json-1.0";

struct Endpoint {
  std::string scheme_host_port;  // For httplib::Client.
  std::string host_header;       // HOST[:PORT] as in the URL.
};

absl::StatusOr<Endpoint> ParseEndpoint(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos ||
      (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0)) {
    return ValidationError(
        absl::StrCat("--endpoint '", url, "' must start with http:// or https://"));
  }
  const size_t host_start = scheme_end + 3;
  const size_t host_end = url.find('/', host_start);
  Endpoint e;
  e.host_header =
      url.substr(host_start, host_end == std::string::npos ? host_end : host_end - host_start);
  if (e.host_header.empty())
    return ValidationError(absl::StrCat("--endpoint '", url, "' has no host"));
  e.scheme_host_port = url.substr(0, host_start) + e.host_header;
  return e;
}

// The exception name of an error body's "__type" ("...#ThrottlingException" -> the part
// after '#'), and the reasons of its RejectedRecords; "HTTP <status>" for a body
// without __type.
void ParseErrorBody(int http_status, const std::string& body, RequestOutcome* outcome) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view type;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS ||
      doc["__type"].get_string().get(type) != simdjson::SUCCESS) {
    outcome->error = absl::StrCat("HTTP ", http_status);
    return;
  }
  if (size_t hash = type.rfind('#'); hash != std::string_view::npos) type = type.substr(hash + 1);
  simdjson::dom::array rejected;
  if (type != "RejectedRecordsException" ||
      doc["RejectedRecords"].get_array().get(rejected) != simdjson::SUCCESS) {
    outcome->error = std::string(type);
    return;
  }
  for (simdjson::dom::element r : rejected) {
    std::string_view reason;
    if (r["Reason"].get_string().get(reason) != simdjson::SUCCESS) reason = "(no reason)";
    outcome->rejection_reasons.emplace_back(reason);
  }
}

class EndpointWriter : public Writer {
 public:
  EndpointWriter(const Endpoint& endpoint, const server::SigningCredentials& credentials,
                 const std::string& region)
      : endpoint_(endpoint),
        credentials_(credentials),
        region_(region),
        client_(endpoint.scheme_host_port) {
    client_.set_keep_alive(true);
    // Headers and body go out in separate writes: with Nagle's algorithm on, a body whose
    // last segment is short waits for the server's delayed ACK (40 ms a request).
    client_.set_tcp_nodelay(true);
    client_.set_connection_timeout(10);
    client_.set_read_timeout(60);
    client_.set_write_timeout(60);
  }

  // Sends one signed operation on this writer's connection.
  httplib::Result Call(const std::string& operation, const std::string& body) {
    server::SigV4Request request;
    request.headers = {{"Host", endpoint_.host_header},
                       {"X-Amz-Target", "Timestream_20181101." + operation}};
    request.body = body;
    server::SignRequest(credentials_, region_, "timestream", absl::Now(), &request, &keys_);
    httplib::Headers headers(request.headers.begin(), request.headers.end());
    return client_.Post("/", headers, body, kJson);
  }

  void Write(const WriteRecordsRequest& request, RequestOutcome* outcome) override {
    httplib::Result res = Call("WriteRecords", apijson::ToJson(request));
    if (!res) {
      outcome->error = "ConnectionError";
      return;
    }
    if (res->status == 200) {
      outcome->ingested = static_cast<int64_t>(request.records.size());
      return;
    }
    ParseErrorBody(res->status, res->body, outcome);
    if (outcome->error.empty()) {
      outcome->ingested =
          static_cast<int64_t>(request.records.size() - outcome->rejection_reasons.size());
    }
  }

 private:
  const Endpoint endpoint_;
  const server::SigningCredentials credentials_;
  const std::string region_;
  httplib::Client client_;
  server::SigningKeyCache keys_;  // This writer's signing keys, derived once a day.
};

class EndpointTarget : public Target {
 public:
  EndpointTarget(std::string url, Endpoint endpoint, server::SigningCredentials credentials,
                 std::string region)
      : url_(std::move(url)),
        endpoint_(std::move(endpoint)),
        credentials_(std::move(credentials)),
        region_(std::move(region)) {}

  absl::Status Prepare(const TableSetup& setup) override {
    EndpointWriter writer(endpoint_, credentials_, region_);
    CreateTableRequest table{.database_name = setup.database, .table_name = setup.table};
    table.retention_properties =
        RetentionProperties{setup.memory_retention_hours, setup.magnetic_retention_days};
    table.magnetic_store_write_properties =
        MagneticStoreWriteProperties{.enable_magnetic_store_writes = setup.magnetic_store_writes};
    const std::pair<std::string, std::string> calls[] = {
        {"CreateDatabase", apijson::ToJson(CreateDatabaseRequest{.database_name = setup.database})},
        {"CreateTable", apijson::ToJson(table)}};
    for (const auto& [operation, body] : calls) {
      httplib::Result res = writer.Call(operation, body);
      if (!res) {
        return InternalError(
            absl::StrCat(operation, " at ", url_, ": ", httplib::to_string(res.error())));
      }
      if (res->status != 200 && !absl::StrContains(res->body, "ConflictException")) {
        return InternalError(
            absl::StrCat(operation, " at ", url_, ": HTTP ", res->status, " ", res->body));
      }
    }
    return absl::OkStatus();
  }

  std::unique_ptr<Writer> NewWriter() override {
    return std::make_unique<EndpointWriter>(endpoint_, credentials_, region_);
  }

  std::optional<absl::StatusOr<TableStats>> Stats(const TableSetup&) override {
    return std::nullopt;
  }

  std::string Describe() const override { return "endpoint " + url_; }

 private:
  std::string url_;
  Endpoint endpoint_;
  server::SigningCredentials credentials_;
  std::string region_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Target>> OpenEndpointTarget(const std::string& url,
                                                           server::SigningCredentials credentials,
                                                           const std::string& region) {
  absl::StatusOr<Endpoint> endpoint = ParseEndpoint(url);
  if (!endpoint.ok()) return endpoint.status();
  return std::unique_ptr<Target>(
      new EndpointTarget(url, std::move(*endpoint), std::move(credentials), region));
}

}  // namespace tsw::bench
