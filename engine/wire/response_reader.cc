// Response bodies a client reads: DescribeEndpoints' answer and the error body of any
// operation (the inverse of ErrorToJson), with simdjson's DOM parser.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/wire/api_json.h"
#include "simdjson.h"
#include "tsw/status.h"

namespace tsw {
namespace apijson {
namespace {

using simdjson::dom::element;

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

absl::string_view StringMember(element object, const char* name) {
  std::string_view value;
  if (object[name].get_string().get(value) != simdjson::SUCCESS) return {};
  return absl::string_view(value.data(), value.size());
}

// The kind an HTTP status stands for when the body names none (or one tsw does not know).
ErrorKind KindOfHttpStatus(int http_status) {
  if (http_status == 429) return ErrorKind::kThrottling;
  if (http_status >= 500) return ErrorKind::kInternalServer;
  if (http_status == 401 || http_status == 403) return ErrorKind::kAccessDenied;
  if (http_status == 404) return ErrorKind::kResourceNotFound;
  if (http_status == 409) return ErrorKind::kConflict;
  if (http_status == 421) return ErrorKind::kInvalidEndpoint;
  return ErrorKind::kValidation;
}

// At most the first 200 bytes of `body`, for a message about a body that is not JSON.
std::string Excerpt(absl::string_view body) {
  body = absl::StripAsciiWhitespace(body);
  if (body.size() <= 200) return std::string(body);
  return absl::StrCat(body.substr(0, 200), "...");
}

}  // namespace

absl::StatusOr<DescribeEndpointsResponse> ParseDescribeEndpointsResponse(absl::string_view json) {
  element doc;
  simdjson::dom::array endpoints;
  if (ThreadParser().parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS ||
      doc["Endpoints"].get_array().get(endpoints) != simdjson::SUCCESS) {
    return ValidationError(absl::StrCat("DescribeEndpoints answered without an Endpoints list: '",
                                        Excerpt(json), "'"));
  }
  DescribeEndpointsResponse response;
  int index = 0;
  for (element e : endpoints) {
    Endpoint endpoint;
    endpoint.address = std::string(StringMember(e, "Address"));
    int64_t minutes = 0;
    if (endpoint.address.empty() ||
        e["CachePeriodInMinutes"].get_int64().get(minutes) != simdjson::SUCCESS) {
      return ValidationError(absl::StrCat("DescribeEndpoints: Endpoints[", index,
                                          "] lacks Address or CachePeriodInMinutes"));
    }
    endpoint.cache_period_in_minutes = minutes;
    response.endpoints.push_back(std::move(endpoint));
    ++index;
  }
  return response;
}

absl::Status ParseErrorResponse(int http_status, absl::string_view body,
                                absl::string_view error_type_header) {
  element doc;
  const bool is_json =
      ThreadParser().parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS &&
      doc.is_object();
  absl::string_view type = is_json ? StringMember(doc, "__type") : absl::string_view();
  if (type.empty()) type = error_type_header;
  // "aws.protocoltests#ThrottlingException" or "ThrottlingException:http://..." name the
  // same exception as "ThrottlingException" (botocore strips both decorations).
  if (size_t hash = type.rfind('#'); hash != absl::string_view::npos) type = type.substr(hash + 1);
  if (size_t colon = type.find(':'); colon != absl::string_view::npos) type = type.substr(0, colon);
  absl::string_view message;
  if (is_json) {
    message = StringMember(doc, "message");
    if (message.empty()) message = StringMember(doc, "Message");
  }

  if (type.empty()) {
    return MakeError(
        KindOfHttpStatus(http_status),
        absl::StrCat("HTTP ", http_status, is_json ? "" : ": ", is_json ? "" : Excerpt(body)));
  }
  const std::optional<ErrorKind> known =
      ErrorKindFromName(std::string_view(type.data(), type.size()));
  if (!known.has_value()) {
    // An exception tsw has no kind for (UnrecognizedClientException, ExpiredToken...):
    // the HTTP status says what sort it is; the message keeps its name.
    return MakeError(KindOfHttpStatus(http_status), absl::StrCat(type, ": ", message));
  }
  const std::string_view text(message.data(), message.size());
  if (*known != ErrorKind::kRejectedRecords) return MakeError(*known, text);

  std::vector<RejectedRecord> rejected;
  simdjson::dom::array list;
  if (doc["RejectedRecords"].get_array().get(list) == simdjson::SUCCESS) {
    for (element r : list) {
      RejectedRecord record;
      int64_t index = -1;
      if (r["RecordIndex"].get_int64().get(index) != simdjson::SUCCESS) index = -1;
      record.record_index = static_cast<int32_t>(index);
      record.reason = std::string(StringMember(r, "Reason"));
      int64_t version = 0;
      if (r["ExistingVersion"].get_int64().get(version) == simdjson::SUCCESS) {
        record.existing_version = version;
      }
      rejected.push_back(std::move(record));
    }
  }
  return RejectedRecordsError(text, rejected);
}

}  // namespace apijson
}  // namespace tsw
