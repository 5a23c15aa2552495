// The first stage of WriteRecords: turns a request into a ParsedBatch of typed records.
//
// One pass over the request merges CommonAttributes into each record (as views: no string
// is copied except into the batch's canonical series keys), validates every rule that
// needs no table state (names, quotas per record, types and values, Version, the time
// window), parses times and values into typed fields, and hashes each record's dimension
// set to its series key. What needs the table's state (learned types, per-table quotas,
// existing versions) is BatchApplier's job.
//
// Request-level problems return a ValidationException and nothing of the request is
// used: no records or more than Quotas::max_records_per_write, invalid CommonAttributes,
// a dimension name present both in CommonAttributes and in a record (the reference:
// "Dimensions may not overlap, or a ValidationException will be thrown"), and a Version
// below 1 (the reference: "Version must be 1 or greater, or you will receive a
// ValidationException error"). Every other problem rejects only its record
// (ParsedBatch::rejected).
//
// Thread-safe (no shared state); reuse one ParsedBatch per thread to avoid allocation.
#ifndef TSW_ENGINE_INGEST_REQUEST_PARSER_H_
#define TSW_ENGINE_INGEST_REQUEST_PARSER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/ingest/pod_vector.h"
#include "engine/model/value_parse.h"
#include "tsw/options.h"
#include "tsw/status.h"
#include "tsw/types.h"

namespace tsw::ingest {

struct DimensionView {
  absl::string_view name;
  absl::string_view value;
};

// One parsed measure value: the value of a scalar record, or one MULTI attribute.
struct ParsedValue {
  absl::string_view name;  // The MULTI attribute name; empty for a scalar record.
  MeasureValueType type = MeasureValueType::kDouble;
  // DOUBLE: the value's decimal code (value_parse.h), or kNoDecimal. Unused otherwise.
  uint32_t decimal = kNoDecimal;
  // DOUBLE: the double's bit pattern. BIGINT: the int64. TIMESTAMP: nanoseconds since the
  // epoch (the value is read in the record's TimeUnit, like Time). BOOLEAN: 0 or 1.
  // VARCHAR: unused (see `text`).
  uint64_t bits = 0;
  absl::string_view text;  // VARCHAR: the value.
};

// One valid record, CommonAttributes merged in. Views point into the request and the batch.
// The record's dimensions are its series key's (engine/model/series_key.h).
struct ParsedRecord {
  int32_t index = 0;  // In the request's Records.
  MeasureValueType type = MeasureValueType::kDouble;
  bool magnetic = false;  // Older than the memory store window, inside the magnetic one.
  // Same series key, measure name and type, and (MULTI) attribute names and types in the
  // same order as the record before it in ParsedBatch::records: the applier may reuse what
  // it resolved for that one.
  bool like_previous = false;
  // Measure name and type, and (MULTI) attribute names and types in the same order, as
  // the record before it in ParsedBatch::records; its series may differ (like_previous
  // implies it). The applier then skips the schema checks that record passed.
  bool same_shape = false;
  uint64_t series_hash = 0;
  uint32_t key_begin = 0, key_size = 0;         // Canonical series key, in ParsedBatch::keys.
  uint32_t values_begin = 0, values_count = 0;  // In ParsedBatch::values.
  absl::string_view measure_name;
  int64_t time_nanos = 0;
  int64_t version = 1;
};

struct ParsedBatch {
  int32_t request_records = 0;
  PodVector<ParsedRecord> records;  // The valid records, in request order.
  PodVector<ParsedValue> values;
  PodVector<char> keys;  // Canonical series keys; consecutive equal ones are stored once.
  std::vector<RejectedRecord> rejected;  // In request order.

  // Scratch reused across requests.
  std::vector<DimensionView> common_dimensions;
  std::string common_encoded;            // common_dimensions, each in key encoding...
  std::vector<uint32_t> common_offsets;  // ...starting here (one more entry: the end).
  std::vector<DimensionView> own_dimensions;
  std::vector<absl::string_view> names;
  std::vector<int32_t> key_plan;       // A series key's layout (the parser's BuildKey)...
  std::vector<int32_t> like_key_plan;  // ...and that of a run of records with one layout.
  // That layout's bytes other than the record's own dimension values (the parser's
  // BuildKeyLike).
  std::string like_key_constant;

  void Clear();
  absl::string_view key(const ParsedRecord& r) const {
    return absl::string_view(keys.data() + r.key_begin, r.key_size);
  }
  absl::Span<const ParsedValue> values_of(const ParsedRecord& r) const {
    return absl::Span<const ParsedValue>(values.data() + r.values_begin, r.values_count);
  }
};

struct ParseContext {
  const Quotas* quotas = nullptr;
  int64_t now_nanos = 0;
  RetentionProperties retention;
  bool magnetic_store_writes = false;
  // Records shaped like the previous accepted one take a shorter path with the same
  // results; off only to test that it gives the same results.
  bool shape_fast_path = true;
};

// Parses `request` into `*batch` (cleared first). Returns OK (with rejections in
// batch->rejected) or a ValidationException for a request-level problem.
absl::Status ParseRequest(const WriteRecordsRequest& request, const ParseContext& context,
                          ParsedBatch* batch);

}  // namespace tsw::ingest

#endif  // TSW_ENGINE_INGEST_REQUEST_PARSER_H_
