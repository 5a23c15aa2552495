// The seam between a forwarder (which reads a table's log and builds requests) and the
// transport that delivers them: engine/forward/http_sender.h speaks Timestream Write's
// wire protocol with SigV4; tests substitute their own Sender.
#ifndef TSW_ENGINE_FORWARD_SENDER_H_
#define TSW_ENGINE_FORWARD_SENDER_H_

#include <string>
#include <vector>

#include "tsw/status.h"
#include "tsw/types.h"

namespace tsw::forward {

struct SendOutcome {
  enum class Kind {
    kAccepted,  // Every record was accepted (or `rejected` lists those that were not).
    kRetry,     // Throttling, 5xx, timeout, connection failure: send the same request later.
    kFailed,    // The whole request was refused (validation, access, missing table):
                // reported; retried only after a long backoff, never in a tight loop.
  };
  Kind kind = Kind::kAccepted;
  // kAccepted: the records the destination rejected (RejectedRecordsException), with the
  // destination's reason; they go to the dead-letter report and are not resent.
  std::vector<RejectedRecord> rejected;
  std::string error;  // kRetry/kFailed: the exception name and message, or the I/O error.
};

class Sender {
 public:
  virtual ~Sender() = default;
  // Sends one WriteRecords request (database and table names already the destination's).
  // Thread-safe: a forwarder may call it from several threads at once.
  virtual SendOutcome Send(const WriteRecordsRequest& request) = 0;
  // Sends one WriteRecords request given as its JSON body (the API's shape), of
  // `record_count` records: what the forwarder builds straight from the log
  // (engine/forward/json_request.h), so a transport that sends JSON need not build it
  // again. The default parses `body` (apijson) and calls Send; a body that does not parse
  // is kFailed with the parser's error. Thread-safe like Send.
  virtual SendOutcome SendJson(const std::string& body, size_t record_count);
};

}  // namespace tsw::forward

#endif  // TSW_ENGINE_FORWARD_SENDER_H_
