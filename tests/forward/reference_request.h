// The forwarder's first record path, kept as the reference that tests/forward's
// json_request_test compares LogDecoder + WriteRequestJson (engine/forward/json_request.h)
// against, and that record_builder_test pins to the API's semantics.
//
// Turning logged batches back into WriteRecords requests.
//
// BatchRecords decodes one WAL payload (engine/ingest/FORMAT.md) into the Records it
// holds, in log order, each with its dimensions, measure name and type, value(s), time in
// nanoseconds and Version: what the table accepted, as a client would send it again.
// BuildRequest groups a run of them into one request: the time unit is the coarsest that
// represents every time (and TIMESTAMP value) of the request exactly; the dimensions every
// record has go to CommonAttributes (each record keeps the rest), and so do the measure
// name, measure value type, Time and Version most records share (a record with another
// keeps its own, which overrides the common one), so a request of one series' points
// carries its dimensions once, and one of many hosts in one region carries the region once.
//
// Thread-compatible.
#ifndef TSW_TESTS_FORWARD_REFERENCE_REQUEST_H_
#define TSW_TESTS_FORWARD_REFERENCE_REQUEST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/ingest/batch_codec.h"
#include "tsw/types.h"

namespace tsw::forward {

// One logged record. `record` has every member but dimensions, time and time_unit;
// TIMESTAMP values are nanoseconds in decimal until BuildRequest rewrites them in the
// request's unit. The dimensions are shared by every record of the series in its batch
// (decoded once, not copied per record); `shard_hash` is XXH3 of the series key and the
// measure name: equal for records of one (series, measure).
struct LoggedRecord {
  Record record;
  int64_t time_nanos = 0;
  std::shared_ptr<const std::vector<Dimension>> dimensions;
  uint64_t shard_hash = 0;
};

// Decodes `payload` and appends its records to *out. InternalServerException describing
// the damage if the payload is malformed (nothing is appended then).
class BatchRecords {
 public:
  absl::Status Decode(absl::string_view payload, std::vector<LoggedRecord>* out);

 private:
  struct Series {
    std::shared_ptr<const std::vector<Dimension>> dimensions;
    uint64_t hash = 0;  // XXH3 of the key.
  };
  struct Measure {
    std::string name;
    MeasureValueType type;
    uint64_t hash = 0;  // XXH3 of the name.
  };
  // The series of one batch, or decoded from its key.
  absl::Status FindSeries(absl::string_view key);

  ingest::BatchDecoder decoder_;
  ingest::BatchDecoder::Event event_;
  std::vector<Series> series_;  // This batch's, by slot.
  // Series seen in earlier batches by key, so a series is decoded once, not once a batch
  // (cleared when it reaches kMaxKnownSeries).
  absl::flat_hash_map<std::string, Series> known_;
  static constexpr size_t kMaxKnownSeries = 100000;
  std::vector<Measure> measures_;
  std::vector<std::pair<std::string, MeasureValueType>> attributes_;
};

// The request for `records` (in order, at least one) to `database`.`table`. Their
// Records are moved into it (they are left valid but unspecified).
WriteRecordsRequest BuildRequest(const std::vector<LoggedRecord*>& records,
                                 const std::string& database, const std::string& table);

}  // namespace tsw::forward

#endif  // TSW_TESTS_FORWARD_REFERENCE_REQUEST_H_
