// The Timestream Write and Query APIs' JSON wire format (AWS JSON 1.0, service models
// timestream-write and timestream-query 2018-11-01) for tsw's request and response structs.
//
// Member names are exactly the model's (PascalCase: "DatabaseName", "MeasureValueType"),
// enums are spelled as the model spells them ("DOUBLE", "MILLISECONDS"), and timestamps
// (CreationTime, LastUpdatedTime) are epoch seconds as JSON numbers with a fraction.
//
// Parsing checks the wire shape only: well-formed JSON, an object at the top, each
// member's JSON type, enum spellings, and the model's "required" members. Bounds, name
// patterns and quotas are the engine's to check (so embedded and HTTP callers get the
// same messages). Every failure is a ValidationException status whose message names the
// member by its path ("Records[3].Dimensions[0]: missing required member Value").
// Members the model does not define are ignored, as are members whose value is null
// (an SDK newer than this model may send them). An empty body reads as {}.
//
// Writing never fails. Optional members that are unset, and optional lists that are
// empty, are left out, as the AWS SDKs do.
//
// All functions are thread-safe (parsing uses a per-thread parser).
#ifndef TSW_ENGINE_WIRE_API_JSON_H_
#define TSW_ENGINE_WIRE_API_JSON_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tsw/query.h"
#include "tsw/status.h"
#include "tsw/types.h"

namespace tsw {
namespace apijson {

// ---------------------------------------------------------------- requests from JSON

absl::StatusOr<CreateDatabaseRequest> ParseCreateDatabaseRequest(absl::string_view json);
absl::StatusOr<CreateTableRequest> ParseCreateTableRequest(absl::string_view json);
absl::StatusOr<DeleteDatabaseRequest> ParseDeleteDatabaseRequest(absl::string_view json);
absl::StatusOr<DeleteTableRequest> ParseDeleteTableRequest(absl::string_view json);
absl::StatusOr<DescribeDatabaseRequest> ParseDescribeDatabaseRequest(absl::string_view json);
absl::StatusOr<DescribeEndpointsRequest> ParseDescribeEndpointsRequest(absl::string_view json);
absl::StatusOr<DescribeTableRequest> ParseDescribeTableRequest(absl::string_view json);
absl::StatusOr<ListDatabasesRequest> ParseListDatabasesRequest(absl::string_view json);
absl::StatusOr<ListTablesRequest> ParseListTablesRequest(absl::string_view json);
absl::StatusOr<ListTagsForResourceRequest> ParseListTagsForResourceRequest(absl::string_view json);
absl::StatusOr<TagResourceRequest> ParseTagResourceRequest(absl::string_view json);
absl::StatusOr<UntagResourceRequest> ParseUntagResourceRequest(absl::string_view json);
absl::StatusOr<UpdateDatabaseRequest> ParseUpdateDatabaseRequest(absl::string_view json);
absl::StatusOr<UpdateTableRequest> ParseUpdateTableRequest(absl::string_view json);
absl::StatusOr<WriteRecordsRequest> ParseWriteRecordsRequest(absl::string_view json);
// The Query API's.
absl::StatusOr<QueryRequest> ParseQueryRequest(absl::string_view json);
absl::StatusOr<PrepareQueryRequest> ParsePrepareQueryRequest(absl::string_view json);
absl::StatusOr<CancelQueryRequest> ParseCancelQueryRequest(absl::string_view json);

// ------------------------------------------------------------------ requests to JSON
// The bodies an SDK would send (for clients, load generators and round-trip tests).

std::string ToJson(const CreateDatabaseRequest& request);
std::string ToJson(const CreateTableRequest& request);
std::string ToJson(const DeleteDatabaseRequest& request);
std::string ToJson(const DeleteTableRequest& request);
std::string ToJson(const DescribeDatabaseRequest& request);
std::string ToJson(const DescribeEndpointsRequest& request);
std::string ToJson(const DescribeTableRequest& request);
std::string ToJson(const ListDatabasesRequest& request);
std::string ToJson(const ListTablesRequest& request);
std::string ToJson(const ListTagsForResourceRequest& request);
std::string ToJson(const TagResourceRequest& request);
std::string ToJson(const UntagResourceRequest& request);
std::string ToJson(const UpdateDatabaseRequest& request);
std::string ToJson(const UpdateTableRequest& request);
std::string ToJson(const WriteRecordsRequest& request);
std::string ToJson(const QueryRequest& request);
std::string ToJson(const PrepareQueryRequest& request);
std::string ToJson(const CancelQueryRequest& request);

// ----------------------------------------------------------------- responses to JSON
// DeleteDatabase and DeleteTable have no response shape; their body is EmptyJson().

std::string ToJson(const CreateDatabaseResponse& response);
std::string ToJson(const CreateTableResponse& response);
std::string ToJson(const DescribeDatabaseResponse& response);
std::string ToJson(const DescribeEndpointsResponse& response);
std::string ToJson(const DescribeTableResponse& response);
std::string ToJson(const ListDatabasesResponse& response);
std::string ToJson(const ListTablesResponse& response);
std::string ToJson(const ListTagsForResourceResponse& response);
std::string ToJson(const TagResourceResponse& response);
std::string ToJson(const UntagResourceResponse& response);
std::string ToJson(const UpdateDatabaseResponse& response);
std::string ToJson(const UpdateTableResponse& response);
std::string ToJson(const WriteRecordsResponse& response);
// The Query API's. A QueryResponse's rows are {"Data": [Datum...]}, each Datum
// {"ScalarValue": "..."} or {"NullValue": true}; ColumnInfo is [{"Name", "Type":
// {"ScalarType"}}]; QueryStatus has all three members. PrepareQueryResponse always has
// its (required) Columns and Parameters lists, empty or not.
std::string ToJson(const QueryResponse& response);
std::string ToJson(const PrepareQueryResponse& response);
std::string ToJson(const CancelQueryResponse& response);
// "{}".
std::string EmptyJson();

// Single shapes, as they appear inside the responses above.
std::string ToJson(const Database& database);
std::string ToJson(const Table& table);

// --------------------------------------------------------------- responses from JSON
// What a client reads back (engine/forward's HTTP sender).

// DescribeEndpoints' answer: {"Endpoints": [{"Address", "CachePeriodInMinutes"}, ...]}.
// ValidationException when the body has no Endpoints list or an entry lacks a member.
absl::StatusOr<DescribeEndpointsResponse> ParseDescribeEndpointsResponse(absl::string_view json);

// The error an HTTP error response stands for (the inverse of ErrorToJson): a status of
// the kind named by the body's "__type" (or, without one, by `error_type_header`, the
// x-amzn-ErrorType header), decorations such as "prefix#" and ":suffix" removed, with
// the body's "message" (or "Message"), and for a RejectedRecordsException its
// RejectedRecords (RecordIndex -1 when missing). An exception tsw has no kind for
// (UnrecognizedClientException...) and a body that is not such JSON take the kind of
// `http_status` (429 Throttling, 5xx InternalServer, 401/403 AccessDenied, 404
// ResourceNotFound, 409 Conflict, 421 InvalidEndpoint, other ValidationException), with the
// exception's name, or "HTTP <status>: <start of the body>", in the message. Never OK.
absl::Status ParseErrorResponse(int http_status, absl::string_view body,
                                absl::string_view error_type_header = {});

// --------------------------------------------------------------------------- errors

// The error body of a non-OK status: {"__type": "<ExceptionName>", "message": "..."},
// plus "RejectedRecords": [{"RecordIndex", "Reason", "ExistingVersion"?}, ...] for a
// RejectedRecordsException. REQUIRES: !status.ok().
std::string ErrorToJson(const absl::Status& status);

// The HTTP status code for an error kind: 400 for ValidationException and
// RejectedRecordsException and ServiceQuotaExceededException, 403 AccessDenied,
// 404 ResourceNotFound, 409 Conflict, 421 InvalidEndpoint, 429 Throttling (the SDKs
// retry it), 500 InternalServer (the SDKs retry it).
int HttpStatusOf(ErrorKind kind);

// ---------------------------------------------------------------------- scan rows

// Row `row` of `batch` as one JSON object shaped like a WriteRecords Record, so scan
// output can be fed back to WriteRecords:
//   {"Dimensions":[{"Name":..,"Value":..},..],"MeasureName":..,"MeasureValueType":..,
//    "MeasureValue":".." | "MeasureValues":[{"Name","Value","Type"},..],
//    "Time":"<nanoseconds>","TimeUnit":"NANOSECONDS","Version":n}
// Values are strings as in the API: doubles in shortest round-trip form, BOOLEAN as
// "true"/"false". A MULTI row lists only the attributes present in that row.
// REQUIRES: row < batch.time_nanos.size().
std::string ScanRowToJson(const ScanBatch& batch, size_t row);
// Appends every row of `batch`, each followed by '\n' (JSON Lines).
void AppendScanRowsJson(const ScanBatch& batch, std::string* out);

}  // namespace apijson
}  // namespace tsw

#endif  // TSW_ENGINE_WIRE_API_JSON_H_
