// Error kinds of the Timestream Write API over absl::Status.
//
// Every tsw call that can fail returns absl::Status or absl::StatusOr<T>. The status
// carries the Timestream exception kind (ErrorKind) as a payload and a message a person
// can act on. A RejectedRecordsException additionally carries the per-record list.
// Nothing in tsw throws across this API.
#ifndef TSW_API_STATUS_H_
#define TSW_API_STATUS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace tsw {

// The exception kinds of the Timestream Write API (service model 2018-11-01).
enum class ErrorKind {
  kValidation,            // ValidationException: bad names, bounds, shapes, values.
  kResourceNotFound,      // ResourceNotFoundException: database or table missing.
  kConflict,              // ConflictException: the name exists already.
  kServiceQuotaExceeded,  // ServiceQuotaExceededException: over a count quota.
  kAccessDenied,          // AccessDeniedException: not permitted (locked dir, bad signature).
  kThrottling,            // ThrottlingException: too many requests at once.
  kInternalServer,        // InternalServerException: I/O failure, corruption, bugs.
  kInvalidEndpoint,       // InvalidEndpointException: the endpoint is not this service's.
  kRejectedRecords,       // RejectedRecordsException: WriteRecords rejected some records.
};

// "ValidationException", "ResourceNotFoundException", ... exactly as the API names them.
std::string_view ExceptionName(ErrorKind kind);

// The kind named `name` ("ValidationException" -> kValidation), or nullopt.
std::optional<ErrorKind> ErrorKindFromName(std::string_view name);

// A non-OK status of the given kind. The absl code follows the kind
// (kValidation -> kInvalidArgument, kResourceNotFound -> kNotFound, kConflict ->
// kAlreadyExists, kServiceQuotaExceeded -> kResourceExhausted, kAccessDenied ->
// kPermissionDenied, kThrottling -> kUnavailable, kInternalServer -> kInternal,
// kInvalidEndpoint -> kFailedPrecondition, kRejectedRecords -> kAborted).
absl::Status MakeError(ErrorKind kind, std::string_view message);

// Shorthands for MakeError.
absl::Status ValidationError(std::string_view message);
absl::Status NotFoundError(std::string_view message);
absl::Status ConflictError(std::string_view message);
absl::Status QuotaExceededError(std::string_view message);
absl::Status AccessDeniedError(std::string_view message);
absl::Status InternalError(std::string_view message);

// The kind of a non-OK status. Statuses made outside tsw map by their absl code
// (kInvalidArgument/kOutOfRange -> kValidation, kNotFound -> kResourceNotFound, ...;
// anything unmapped -> kInternalServer). REQUIRES: !status.ok().
ErrorKind KindOf(const absl::Status& status);

// One record that WriteRecords did not ingest (the RejectedRecord shape).
struct RejectedRecord {
  int32_t record_index = 0;                 // 0-based index in the request's Records.
  std::string reason;                       // A sentence naming the cause.
  std::optional<int64_t> existing_version;  // Set when a stored record blocked the write.
};

// A RejectedRecordsException status carrying `records`.
absl::Status RejectedRecordsError(std::string_view message,
                                  const std::vector<RejectedRecord>& records);

// The RejectedRecords list of a RejectedRecordsException status; empty for any other.
std::vector<RejectedRecord> RejectedRecordsOf(const absl::Status& status);

}  // namespace tsw

#endif  // TSW_API_STATUS_H_
