#include "tsw/status.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/common/coding.h"

namespace tsw {
namespace {

constexpr absl::string_view kKindPayload = "type.tsw/ErrorKind";
constexpr absl::string_view kRejectedPayload = "type.tsw/RejectedRecords";

struct KindEntry {
  ErrorKind kind;
  std::string_view name;
  absl::StatusCode code;
};

constexpr KindEntry kKinds[] = {
    {ErrorKind::kValidation, "ValidationException", absl::StatusCode::kInvalidArgument},
    {ErrorKind::kResourceNotFound, "ResourceNotFoundException", absl::StatusCode::kNotFound},
    {ErrorKind::kConflict, "ConflictException", absl::StatusCode::kAlreadyExists},
    {ErrorKind::kServiceQuotaExceeded, "ServiceQuotaExceededException",
     absl::StatusCode::kResourceExhausted},
    {ErrorKind::kAccessDenied, "AccessDeniedException", absl::StatusCode::kPermissionDenied},
    {ErrorKind::kThrottling, "ThrottlingException", absl::StatusCode::kUnavailable},
    {ErrorKind::kInternalServer, "InternalServerException", absl::StatusCode::kInternal},
    {ErrorKind::kInvalidEndpoint, "InvalidEndpointException",
     absl::StatusCode::kFailedPrecondition},
    {ErrorKind::kRejectedRecords, "RejectedRecordsException", absl::StatusCode::kAborted},
};

const KindEntry& EntryOf(ErrorKind kind) {
  for (const KindEntry& entry : kKinds) {
    if (entry.kind == kind) return entry;
  }
  return kKinds[6];  // kInternalServer; unreachable for valid enum values.
}

}  // namespace

std::string_view ExceptionName(ErrorKind kind) { return EntryOf(kind).name; }

std::optional<ErrorKind> ErrorKindFromName(std::string_view name) {
  for (const KindEntry& entry : kKinds) {
    if (entry.name == name) return entry.kind;
  }
  return std::nullopt;
}

absl::Status MakeError(ErrorKind kind, std::string_view message) {
  const KindEntry& entry = EntryOf(kind);
  absl::Status status(entry.code, absl::string_view(message.data(), message.size()));
  status.SetPayload(kKindPayload,
                    absl::Cord(absl::string_view(entry.name.data(), entry.name.size())));
  return status;
}

absl::Status ValidationError(std::string_view m) { return MakeError(ErrorKind::kValidation, m); }
absl::Status NotFoundError(std::string_view m) {
  return MakeError(ErrorKind::kResourceNotFound, m);
}
absl::Status ConflictError(std::string_view m) { return MakeError(ErrorKind::kConflict, m); }
absl::Status QuotaExceededError(std::string_view m) {
  return MakeError(ErrorKind::kServiceQuotaExceeded, m);
}
absl::Status AccessDeniedError(std::string_view m) {
  return MakeError(ErrorKind::kAccessDenied, m);
}
absl::Status InternalError(std::string_view m) { return MakeError(ErrorKind::kInternalServer, m); }

ErrorKind KindOf(const absl::Status& status) {
  if (absl::optional<absl::Cord> payload = status.GetPayload(kKindPayload)) {
    if (std::optional<ErrorKind> kind = ErrorKindFromName(std::string(*payload))) return *kind;
  }
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return ErrorKind::kValidation;
    case absl::StatusCode::kNotFound:
      return ErrorKind::kResourceNotFound;
    case absl::StatusCode::kAlreadyExists:
      return ErrorKind::kConflict;
    case absl::StatusCode::kResourceExhausted:
      return ErrorKind::kServiceQuotaExceeded;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return ErrorKind::kAccessDenied;
    case absl::StatusCode::kUnavailable:
      return ErrorKind::kThrottling;
    default:
      return ErrorKind::kInternalServer;
  }
}

// Payload layout: count, then per record: index, has_version, version, reason length,
// reason bytes (all integers little-endian fixed 64-bit).
absl::Status RejectedRecordsError(std::string_view message,
                                  const std::vector<RejectedRecord>& records) {
  absl::Status status = MakeError(ErrorKind::kRejectedRecords, message);
  std::string payload;
  PutFixed64(&payload, records.size());
  for (const RejectedRecord& r : records) {
    PutFixed64(&payload, static_cast<uint64_t>(static_cast<int64_t>(r.record_index)));
    PutFixed64(&payload, r.existing_version.has_value() ? 1 : 0);
    PutFixed64(&payload, static_cast<uint64_t>(r.existing_version.value_or(0)));
    PutFixed64(&payload, r.reason.size());
    payload.append(r.reason);
  }
  status.SetPayload(kRejectedPayload, absl::Cord(payload));
  return status;
}

std::vector<RejectedRecord> RejectedRecordsOf(const absl::Status& status) {
  std::vector<RejectedRecord> out;
  absl::optional<absl::Cord> payload = status.GetPayload(kRejectedPayload);
  if (!payload) return out;
  std::string bytes(*payload);
  absl::string_view in(bytes);
  uint64_t count = 0;
  if (!GetFixed64(&in, &count)) return out;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t index, has_version, version, length;
    if (!GetFixed64(&in, &index) || !GetFixed64(&in, &has_version) || !GetFixed64(&in, &version) ||
        !GetFixed64(&in, &length) || in.size() < length) {
      break;
    }
    RejectedRecord r;
    r.record_index = static_cast<int32_t>(static_cast<int64_t>(index));
    if (has_version) r.existing_version = static_cast<int64_t>(version);
    r.reason = std::string(in.substr(0, length));
    in.remove_prefix(length);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace tsw
