#include "engine/forward/sender.h"

#include <utility>

#include "absl/status/statusor.h"
#include "engine/wire/api_json.h"

namespace tsw::forward {

SendOutcome Sender::SendJson(const std::string& body, size_t record_count) {
  (void)record_count;  // The parsed request has them.
  absl::StatusOr<WriteRecordsRequest> request = apijson::ParseWriteRecordsRequest(body);
  if (!request.ok()) {
    SendOutcome failed;
    failed.kind = SendOutcome::Kind::kFailed;
    failed.error = std::string(request.status().message());
    return failed;
  }
  return Send(*request);
}

}  // namespace tsw::forward
