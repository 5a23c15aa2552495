// The forwarder's record path: WAL payloads decoded into compact records, and runs of them
// written as a WriteRecords request's JSON body directly, with no Record struct per record
// and no separate serializing pass.
//
// LogDecoder::Decode reads one WAL payload (engine/ingest/FORMAT.md) into LogRecords: a few
// words each (slots into a table the batch's records share, the time, the Version, the
// shard hash), so decoding allocates per batch, never per record. A series' dimensions are
// decoded, and each dimension's JSON object escaped, once when the series is first seen
// (kept by key across batches, up to kMaxKnownSeries series). A batch whose series are
// those of one of the last kRecentLists batches, in the same order (a writer sending the
// same series request after request, several writers taking turns), shares that batch's
// SeriesList: one key comparison per series, no lookup and no reference count per series;
// and when the batch opens with the same definitions as that batch, byte for byte
// (BatchDecoder::PeekDefinitions), no key is rebuilt or compared at all: one comparison of
// those bytes.
//
// WriteRequestJson writes the request for a run of them with the semantics of
// BuildRequest + apijson::ToJson (tests/forward/reference_request.h; json_request_test
// compares the two on random batches): the coarsest time unit that represents every time
// and TIMESTAMP value exactly; the dimensions every record has, and the measure name,
// measure value type, Time and Version most records have, in CommonAttributes; the
// records in log order.
//
// Thread-compatible. LogRecords (and the BatchTable they share) are immutable once
// decoded and may be read from any thread.
#ifndef TSW_ENGINE_FORWARD_JSON_REQUEST_H_
#define TSW_ENGINE_FORWARD_JSON_REQUEST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/common/decimal_code.h"
#include "engine/ingest/batch_codec.h"
#include "tsw/types.h"

namespace tsw::forward {

// Ids of strings for comparing them as integers: LogDecoder gives equal strings equal ids
// (measure names, dimension names and values) until it clears its table (at kMaxStrings
// strings), which starts a new generation (the high 32 bits). So equal ids mean equal
// strings, and different ids of one generation different strings; ids of two generations
// say nothing (SameString compares the strings then).
class StringIds {
 public:
  uint64_t Id(absl::string_view s);
  static constexpr size_t kMaxStrings = 200000;

 private:
  absl::flat_hash_map<std::string, uint64_t> ids_;
  uint64_t generation_ = 0;
};

// Whether strings `a` and `b`, of ids `a_id` and `b_id` (StringIds), are equal.
inline bool SameString(uint64_t a_id, uint64_t b_id, absl::string_view a, absl::string_view b) {
  if (a_id == b_id) return true;
  if ((a_id >> 32) == (b_id >> 32)) return false;
  return a == b;
}

// A series as requests need it: its dimensions (name order) and each one's JSON object
// ({"Name":"..","Value":".."}), escaped once.
struct SeriesJson {
  std::vector<Dimension> dimensions;
  std::vector<uint64_t> name_ids, value_ids;  // StringIds of each dimension's name, value.
  std::vector<std::string> dimension_json;
  std::string all_json;  // "Dimensions":[...] with every dimension (empty if none).
  std::string key;       // The canonical series key.
  uint64_t hash = 0;     // XXH3 of the key.
};

// A batch's series by payload slot. Immutable once decoded; a batch defining the same
// series in the same order as a recent one shares that batch's list.
using SeriesList = std::vector<std::shared_ptr<const SeriesJson>>;

// What the records of one batch share, owned together.
struct BatchTable {
  struct Measure {
    std::string name;
    std::string name_json;  // The name as a JSON string, quoted and escaped.
    uint64_t name_id = 0;   // StringIds.
    MeasureValueType type = MeasureValueType::kDouble;
  };
  struct Value {
    uint32_t attribute = 0;  // MULTI: slot in attribute_json.
    MeasureValueType type = MeasureValueType::kDouble;
    uint64_t bits = 0;              // DOUBLE bits, BIGINT/TIMESTAMP (ns) as int64, BOOLEAN 0/1.
    uint32_t decimal = kNoDecimal;  // DOUBLE: its decimal code, if the log had one.
    uint32_t text_offset = 0, text_size = 0;  // VARCHAR: bytes in `texts`.
  };
  std::shared_ptr<const SeriesList> series;  // Never null.
  std::vector<Measure> measures;             // By payload slot.
  std::vector<std::string> attribute_json;   // By slot: {"Name":"<name>","Value":
  std::vector<Value> values;                 // Every record's, in order.
  std::string texts;
};

// One logged record: record `values[first_value, +value_count)` of `batch`.
struct LogRecord {
  std::shared_ptr<const BatchTable> batch;
  uint32_t series = 0, measure = 0;  // Slots in batch.
  uint32_t first_value = 0, value_count = 0;
  int64_t time_nanos = 0;
  int64_t version = 0;  // 1 for a record written without one.
  // XXH3 of the series key mixed with XXH3 of the measure name: equal for the records of
  // one (series, measure), which therefore go to one shard.
  uint64_t shard_hash = 0;

  const SeriesJson& series_json() const { return *(*batch->series)[series]; }
  const BatchTable::Measure& measure_def() const { return batch->measures[measure]; }
};

class LogDecoder {
 public:
  // Decodes `payload` and appends its records to *out, in log order.
  // InternalServerException describing the damage if the payload is malformed (nothing is
  // appended then).
  absl::Status Decode(absl::string_view payload, std::vector<LogRecord>* out);

  static constexpr size_t kMaxKnownSeries = 100000;
  static constexpr size_t kRecentLists = 8;

 private:
  // Slot `slots_.size()`'s series, of key `key`: from the template if it has it there
  // (sharing it), else from `known_` or decoded (building_ then holds the batch's list).
  absl::Status AddSeries(absl::string_view key);
  absl::Status FindSeries(absl::string_view key);
  // The batch's list, once its series are all seen; remembered among the recent ones.
  std::shared_ptr<const SeriesList> FinishSeries();
  // At the batch's start: if its opening definitions are a recent batch's, byte for byte,
  // takes that batch's series for their slots (and the decoder passes over them).
  void MatchSeriesDefinitions();
  // Appends a record of the batch whose table is *table, owned by `shared` (being decoded):
  // its value(s)
  // are values[0], values[stride], ... (`count` of them).
  absl::Status AddRecord(uint32_t series_slot, uint32_t measure_slot, int64_t time_nanos,
                         int64_t version, const ingest::DecodedValue* values, size_t count,
                         size_t stride, BatchTable* table,
                         const std::shared_ptr<const BatchTable>& shared,
                         std::vector<LogRecord>* out);

  // A recent batch's series, and the bytes of the definitions it opened with if those
  // defined all its series (PeekDefinitions; else empty).
  struct Recent {
    std::shared_ptr<const SeriesList> list;
    std::string definitions;
  };

  ingest::BatchDecoder decoder_;
  ingest::BatchDecoder::Event event_;
  std::vector<uint64_t> measure_hashes_;  // This batch's, by slot.
  // This batch's opening definitions (bytes in the payload), the series among them, and
  // whether a recent batch's matched them.
  absl::string_view first_definitions_;
  uint32_t first_series_ = 0;
  bool matched_ = false;
  // The series lists of the last kRecentLists batches (most recent first), and the one
  // this batch follows so far (its first slots_.size() series are this batch's), if any.
  std::vector<Recent> recent_;
  std::shared_ptr<const SeriesList> template_;
  std::shared_ptr<SeriesList> building_;  // Once the batch leaves its template.
  std::vector<const SeriesJson*> slots_;  // This batch's series by slot (owned above).
  // Series seen in earlier batches by key (cleared when it reaches kMaxKnownSeries).
  absl::flat_hash_map<std::string, std::shared_ptr<const SeriesJson>> known_;
  StringIds ids_;
};

// `{"DatabaseName":"<database>","TableName":"<table>",`: what every request's body to
// that table starts with.
std::string RequestPrefix(absl::string_view database, absl::string_view table);

// Replaces *body with the WriteRecords request for `records` (in order, at least one),
// after `prefix` (RequestPrefix).
void WriteRequestJson(const std::vector<const LogRecord*>& records, absl::string_view prefix,
                      std::string* body);

}  // namespace tsw::forward

#endif  // TSW_ENGINE_FORWARD_JSON_REQUEST_H_
