// Dispatch: one Timestream Write or Query API call, from operation name and JSON body to JSON
// response, on an Engine. The HTTP server calls it per request; anything else that
// speaks the wire format (a CLI "call" command, tests) may call it too.
//
// Thread-safe: concurrent calls on one Engine are fine (the Engine is thread-safe).
#ifndef TSW_TOOLS_SERVER_DISPATCHER_H_
#define TSW_TOOLS_SERVER_DISPATCHER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/server/dispatch_context.h"
#include "tsw/engine.h"

namespace tsw {
namespace server {

// The operation names of both APIs, as in X-Amz-Target ("CancelQuery", "CreateDatabase",
// ...), sorted. The six scheduled-query operations are among them and answer with a
// ValidationException (tsw does not run scheduled queries).
const std::vector<absl::string_view>& OperationNames();

// How long clients may cache DescribeEndpoints' answer (Amazon answers 1440, a day).
inline constexpr int64_t kEndpointCachePeriodMinutes = 1440;

// Parses `body` as the request of `operation`, runs it on `engine` and returns the
// response body (EmptyJson() for DeleteDatabase/DeleteTable). DescribeEndpoints answers
// with `context.endpoint_address` without calling the engine. Errors: a
// ValidationException for an unknown operation or a malformed body, else the engine's
// status (RejectedRecordsOf works on it for WriteRecords).
absl::StatusOr<std::string> Dispatch(Engine& engine, absl::string_view operation,
                                     absl::string_view body, const DispatchContext& context);

}  // namespace server
}  // namespace tsw

#endif  // TSW_TOOLS_SERVER_DISPATCHER_H_
