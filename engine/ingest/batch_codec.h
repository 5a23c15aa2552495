// The WAL payload of one WriteRecords request: its accepted records, compactly, in apply
// order. Self-contained (series keys and names are defined inside each payload) so any
// suffix of the log replays without the memory state it was written against. Byte layout
// in engine/ingest/FORMAT.md.
//
// BatchEncoder writes a payload; consecutive records of the same (series, measure) share
// one run header, and times are delta-encoded within a run. BatchDecoder reads one back,
// checking every length and slot (a payload that passed the WAL checksum but is malformed
// is reported, never trusted). Neither is thread-safe; reuse one per table.
#ifndef TSW_ENGINE_INGEST_BATCH_CODEC_H_
#define TSW_ENGINE_INGEST_BATCH_CODEC_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/common/coding.h"
#include "engine/model/value_parse.h"
#include "tsw/types.h"

namespace tsw::ingest {

// Version 2 added blocks; version 3 gave a block's DOUBLE columns a width byte and decimal
// codes; version 4 added blocks of many series; version 5 gave a block's times a shape
// byte (whole milliseconds, evenly spaced). This build reads versions 1 to 5 and writes 5.
inline constexpr uint8_t kBatchFormatVersion = 5;

// A block's time shape byte (version 5): the low 5 bits are a scale s (0 to 18), every
// time delta being logged divided by 10^s; kTimesEven says the deltas after the first are
// all equal, and only the first and that step are logged.
inline constexpr uint8_t kTimeScaleMask = 0x1f;
inline constexpr uint8_t kTimesEven = 0x80;
inline constexpr uint8_t kMaxTimeScale = 18;

// The tag of each payload entry (FORMAT.md).
enum BatchTag : uint8_t {
  kSeriesTag = 1,
  kMeasureTag = 2,
  kAttributeTag = 3,
  kRunTag = 4,
  kSingleRowRunTag = 5,  // A run of one row: no row count.
  kBlockTag = 6,         // Rows column by column (version 2).
  kSeriesBlockTag = 7,   // A block whose rows' series differ (version 4).
};

class BatchEncoder {
 public:
  // Starts a payload (in the encoder's own buffer).
  void Begin();

  // The payload-local slot of a series, measure or attribute named by its table-wide id,
  // writing its definition on first use within this payload. `key` must stay valid until
  // Finish (the next series definition is written relative to it).
  uint32_t SeriesSlot(uint32_t series_id, absl::string_view key) {
    if (series_id == last_series_id_) return last_series_slot_;  // A run of one series.
    return SeriesSlotSlow(series_id, key);
  }
  uint32_t MeasureSlot(uint32_t measure_id, MeasureValueType type, absl::string_view name) {
    if (measure_id == last_measure_id_) return last_measure_slot_;
    return MeasureSlotSlow(measure_id, type, name);
  }
  uint32_t AttributeSlot(uint32_t attribute_id, MeasureValueType type, absl::string_view name);

  // Starts a record; its value follows: one Value() for a scalar measure, or
  // MultiCount(n) then n Attribute() calls.
  void Row(uint32_t series_slot, uint32_t measure_slot, int64_t time_nanos, int64_t version) {
    pos_ = BeginRow(series_slot, measure_slot, time_nanos, version, 0) - buffer_.get();
  }
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Value(MeasureValueType type, uint64_t bits,
                                          absl::string_view text) {
    PutValue(type, bits, text);
  }
  void MultiCount(uint32_t count) { PutVarint(count); }
  void Attribute(uint32_t attribute_slot, MeasureValueType type, uint64_t bits,
                 absl::string_view text) {
    PutVarint(attribute_slot);
    PutValue(type, bits, text);
  }

  // MultiCount(n), then Attribute(slots[i], values[i].type, values[i].bits, values[i].text)
  // for each value (any type with those fields): the same bytes, with one bounds check.
  // REQUIRES: only VARCHAR values have text (the others' `text` is empty).
  template <typename Value>
  void MultiValues(const uint32_t* slots, const Value* values, size_t n) {
    size_t bound = 10 + 20 * n;
    for (size_t i = 0; i < n; ++i) bound += values[i].text.size();
    char* dst = Room(bound);  // Then a local cursor: no reload of pos_ after each store.
    dst = EncodeVarint64(dst, n);
    for (size_t i = 0; i < n; ++i) {
      const Value& v = values[i];
      dst = EncodeVarint64(dst, slots[i]);
      dst = v.type == MeasureValueType::kVarchar ? EncodeLengthPrefixed(dst, v.text)
                                                 : PutScalar(dst, v.type, v.bits);
    }
    pos_ = dst - buffer_.get();
  }

  // `n` records of one (series, measure), each with `m` values, row after row in `values`
  // (any record type with time_nanos and version, any value type with type and bits),
  // written as one block: column after column (times, versions, then each attribute's
  // values), so the per-record work is a few stores. A DOUBLE value's `decimal` (its
  // decimal code or kNoDecimal) lets its column be logged in 1 to 4 bytes per value. Scalar:
  // `slots` is null and m is 1; MULTI: every record has the m attributes of payload slots `slots`,
  // in that order. REQUIRES: n >= 1; values of one attribute have one type; no value is VARCHAR.
  template <typename Record, typename Value>
  void Rows(uint32_t series_slot, uint32_t measure_slot, const Record* records, size_t n,
            const Value* values, size_t m, const uint32_t* slots) {
    Block(series_slot, nullptr, measure_slot, records, n, values, m, slots);
  }
  // The same for `n` records of one measure whose series may differ (record i's is payload
  // slot series_slots[i]): one block with a column of series slots (version 4), so records
  // of many series, one row each, share the block's header and tight column loops instead
  // of a run header and row each.
  template <typename Record, typename Value>
  void SeriesRows(const uint32_t* series_slots, uint32_t measure_slot, const Record* records,
                  size_t n, const Value* values, size_t m, const uint32_t* slots) {
    Block(0, series_slots, measure_slot, records, n, values, m, slots);
  }
  // Completes the payload and returns it; valid until the next Begin.
  absl::string_view Finish();
  // Records in the payload (so far).
  uint32_t records() const { return records_; }

 private:
  // Rows' and SeriesRows' block: series_slots null for a block of one series (tag
  // kBlockTag, series_slot in the header), else a column of them (kSeriesBlockTag).
  template <typename Record, typename Value>
  void Block(uint32_t series_slot, const uint32_t* series_slots, uint32_t measure_slot,
             const Record* records, size_t n, const Value* values, size_t m,
             const uint32_t* slots) {
    CloseRun();
    // Header and slots, series slots, times (their shape byte included) and versions, values
    // (a DOUBLE column's width byte included).
    char* dst = Room(33 + 11 * m + 26 * n + 10 * n * m);
    if (series_slots == nullptr) {
      *dst++ = static_cast<char>(kBlockTag);
      dst = EncodeVarint64(dst, series_slot);
    } else {
      *dst++ = static_cast<char>(kSeriesBlockTag);
    }
    dst = EncodeVarint64(dst, measure_slot);
    dst = EncodeVarint64(dst, n);
    if (slots != nullptr) {
      dst = EncodeVarint64(dst, m);
      for (size_t j = 0; j < m; ++j) dst = EncodeVarint64(dst, slots[j]);
    }
    if (series_slots != nullptr) {
      for (size_t i = 0; i < n; ++i) dst = EncodeVarint64(dst, series_slots[i]);
    }
    dst = TimeColumn(dst, records, n);
    bool one_version = true;
    for (size_t i = 1; i < n; ++i) one_version &= records[i].version == records[0].version;
    *dst++ = static_cast<char>(one_version ? 0 : 1);
    for (size_t i = 0; i < (one_version ? 1 : n); ++i) {
      dst = EncodeVarint64(dst, static_cast<uint64_t>(records[i].version));
    }
    for (size_t j = 0; j < m; ++j) {
      const Value* v = values + j;
      switch (v->type) {  // One loop per type: the column's values are alike.
        case MeasureValueType::kDouble:
          dst = DoubleColumn(dst, v, n, m);
          break;
        case MeasureValueType::kBigint:
        case MeasureValueType::kTimestamp:
          for (size_t i = 0; i < n; ++i, v += m) {
            dst = EncodeVarint64(dst, ZigZagEncode(static_cast<int64_t>(v->bits)));
          }
          break;
        default:
          for (size_t i = 0; i < n; ++i, v += m) dst = PutScalar(dst, v->type, v->bits);
          break;
      }
    }
    pos_ = dst - buffer_.get();
    records_ += static_cast<uint32_t>(n);
  }
  // A row's header (the run's, when it starts one, then time delta and version) with room
  // for `value_room` more bytes after it; returns where its value goes. The caller sets
  // pos_ past what it writes there.
  ABSL_ATTRIBUTE_ALWAYS_INLINE char* BeginRow(uint32_t series_slot, uint32_t measure_slot,
                                              int64_t time_nanos, int64_t version,
                                              size_t value_room) {
    if (!run_open_ || series_slot != run_series_ || measure_slot != run_measure_) {
      StartRun(series_slot, measure_slot);
    } else if (run_rows_ == 1) {
      WidenRun();  // Its second row: the run needs its row count after all.
    }
    // Wrapping subtraction: the decoder adds back with the same wrap, so any two int64s
    // work.
    char* dst = Room(20 + value_room);
    dst = EncodeVarint64(dst,
                         ZigZagEncode(static_cast<int64_t>(static_cast<uint64_t>(time_nanos) -
                                                           static_cast<uint64_t>(run_last_time_))));
    dst = EncodeVarint64(dst, static_cast<uint64_t>(version));
    run_last_time_ = time_nanos;
    ++run_rows_;
    ++records_;
    return dst;
  }
  // The delta of time `t` from `last`, with 64-bit wrap-around (as the decoder adds back).
  static int64_t TimeDelta(int64_t t, int64_t last) {
    return static_cast<int64_t>(static_cast<uint64_t>(t) - static_cast<uint64_t>(last));
  }
  // Whether `d` is a whole number of milliseconds (10^6 ns); if so, sets *quotient to
  // d / 10^6. No division: 10^6 = 2^6 * 15625, and (|d| >> 6) times the inverse of 15625
  // modulo 2^64 is the exact quotient when there is one, and above (2^64 - 1) / 15625
  // when there is none.
  static bool WholeMillis(int64_t d, int64_t* quotient) {
    constexpr uint64_t kInverse15625 = 0x790fb65668c26139u;
    const uint64_t u = d < 0 ? 0 - static_cast<uint64_t>(d) : static_cast<uint64_t>(d);
    const uint64_t q = (u >> 6) * kInverse15625;
    if ((u & 63) != 0 || q > UINT64_MAX / 15625) return false;
    *quotient = d < 0 ? static_cast<int64_t>(0 - q) : static_cast<int64_t>(q);
    return true;
  }
  // A block's times (version 5): the shape byte, then either the first delta (from 0) and
  // the step of evenly spaced times (kTimesEven: records appended to one series at a fixed
  // interval, or rows of many series at one time), or every row's delta from the row
  // before; in whole milliseconds (scale 6) when every logged delta is one, else in
  // nanoseconds. Returns the end. REQUIRES: n >= 1, room for 1 + 10 * max(n, 2) bytes.
  template <typename Record>
  ABSL_ATTRIBUTE_ALWAYS_INLINE static char* TimeColumn(char* dst, const Record* records, size_t n) {
    const int64_t first = records[0].time_nanos;
    const int64_t step = n > 1 ? TimeDelta(records[1].time_nanos, first) : 0;
    bool even = n > 1;
    for (size_t i = 2; i < n; ++i) {
      even &= TimeDelta(records[i].time_nanos, records[i - 1].time_nanos) == step;
    }
    int64_t q0 = 0, q1 = 0;  // Set by WholeMillis where it returns true.
    if (even) {
      const bool millis = WholeMillis(first, &q0) && WholeMillis(step, &q1);
      *dst++ = static_cast<char>(kTimesEven | (millis ? 6 : 0));
      dst = EncodeVarint64(dst, ZigZagEncode(millis ? q0 : first));
      return EncodeVarint64(dst, ZigZagEncode(millis ? q1 : step));
    }
    // Whole milliseconds written as the deltas are checked (one pass); at the first delta
    // that is not one, the column is written again in nanoseconds from its shape byte.
    char* const shape = dst;
    *dst++ = static_cast<char>(6);
    int64_t last = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!WholeMillis(TimeDelta(records[i].time_nanos, last), &q0)) {
        dst = shape;
        *dst++ = static_cast<char>(0);
        last = 0;
        for (size_t j = 0; j < n; ++j) {
          dst = EncodeVarint64(dst, ZigZagEncode(TimeDelta(records[j].time_nanos, last)));
          last = records[j].time_nanos;
        }
        return dst;
      }
      dst = EncodeVarint64(dst, ZigZagEncode(q0));
      last = records[i].time_nanos;
    }
    return dst;
  }
  // A block's DOUBLE column of the n values v[0], v[stride], ...: when every value has a
  // decimal code below 2^31 (digits below 2^26), a width byte w (1 to 4: the fewest bytes
  // that hold every code) and each code in w little-endian bytes; else a 0 byte and each
  // value's 8 bytes of bits. Codes are less than half the bytes of the usual values (3 for
  // "523.45" or "174.483"), and WAL bytes are page cache the kernel must allocate. Returns
  // the end. REQUIRES: room for 1 + 8 * n bytes.
  template <typename Value>
  ABSL_ATTRIBUTE_ALWAYS_INLINE static char* DoubleColumn(char* dst, const Value* v, size_t n,
                                                         size_t stride) {
    // One pass stores every code in 4 bytes; their OR tells whether all are coded (kNoDecimal
    // has bit 31) and the width, and a pass over those few bytes narrows them.
    char* const codes = dst + 1;
    uint32_t any_bits = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t code = v[i * stride].decimal;
      any_bits |= code;
      EncodeFixed32(codes + 4 * i, code);
    }
    if (any_bits >= (1u << 31)) {
      *dst++ = 0;
      for (size_t i = 0; i < n; ++i, dst += 8) EncodeFixed64(dst, v[i * stride].bits);
      return dst;
    }
    const size_t width = any_bits < (1u << 8)    ? 1
                         : any_bits < (1u << 16) ? 2
                         : any_bits < (1u << 24) ? 3
                                                 : 4;
    *dst = static_cast<char>(width);
    if (width < 4) {
      // Forward, each code read before anything is stored over it.
      for (size_t i = 1; i < n; ++i) EncodeFixed32(codes + width * i, DecodeFixed32(codes + 4 * i));
    }
    return codes + width * n;
  }
  // A value of any type but VARCHAR, at `dst`; returns the end.
  ABSL_ATTRIBUTE_ALWAYS_INLINE static char* PutScalar(char* dst, MeasureValueType type,
                                                      uint64_t bits) {
    switch (type) {
      case MeasureValueType::kDouble:
        std::memcpy(dst, &bits, 8);
        return dst + 8;
      case MeasureValueType::kBigint:
      case MeasureValueType::kTimestamp:
        return EncodeVarint64(dst, ZigZagEncode(static_cast<int64_t>(bits)));
      case MeasureValueType::kBoolean:
        *dst = static_cast<char>(bits ? 1 : 0);
        return dst + 1;
      case MeasureValueType::kVarchar:  // Written with its text by the callers.
      case MeasureValueType::kMulti:    // Never a value type.
        break;
    }
    return dst;
  }
  void CloseRun();
  // Starts a run as a single-row run (no row count: the usual case with many series);
  // WidenRun makes it a counted run when a second row comes.
  void StartRun(uint32_t series_slot, uint32_t measure_slot);
  void WidenRun();
  uint32_t SeriesSlotSlow(uint32_t series_id, absl::string_view key);
  // A measure or attribute definition (`tag`, type, name) in the payload.
  void DefineName(uint8_t tag, MeasureValueType type, absl::string_view name);
  uint32_t MeasureSlotSlow(uint32_t measure_id, MeasureValueType type, absl::string_view name);
  // Room for `n` more bytes at the cursor; returns where to write.
  char* Room(size_t n) {
    if (pos_ + n > capacity_) Grow(pos_ + n);
    return buffer_.get() + pos_;
  }
  void Grow(size_t needed);
  void PutByte(uint8_t b) {
    *Room(1) = static_cast<char>(b);
    ++pos_;
  }
  void PutVarint(uint64_t v) { pos_ = EncodeVarint64(Room(10), v) - buffer_.get(); }
  void PutFixed(uint64_t v, size_t bytes) {
    std::memcpy(Room(8), &v, 8);  // Little-endian; `bytes` <= 8 of them count.
    pos_ += bytes;
  }
  void PutLengthPrefixed(absl::string_view s) {
    char* dst = Room(10 + s.size());
    pos_ = EncodeLengthPrefixed(dst, s) - buffer_.get();
  }
  ABSL_ATTRIBUTE_ALWAYS_INLINE void PutValue(MeasureValueType type, uint64_t bits,
                                             absl::string_view text) {
    if (type == MeasureValueType::kVarchar) {
      PutLengthPrefixed(text);
    } else {
      pos_ = PutScalar(Room(10), type, bits) - buffer_.get();
    }
  }
  static uint32_t Slot(std::vector<uint32_t>* epochs, std::vector<uint32_t>* slots, uint32_t epoch,
                       uint32_t id, uint32_t* next, bool* is_new);

  std::unique_ptr<char[]> buffer_;  // Not zero-filled: only written bytes are read.
  size_t capacity_ = 0;
  size_t pos_ = 0;  // Bytes written.
  // The last series and measure looked up, for runs of one (series, measure).
  uint32_t last_series_id_ = UINT32_MAX, last_series_slot_ = 0;
  uint32_t last_measure_id_ = UINT32_MAX, last_measure_slot_ = 0;
  uint32_t epoch_ = 0;
  std::vector<uint32_t> series_epoch_, series_slot_;
  std::vector<uint32_t> measure_epoch_, measure_slot_;
  std::vector<uint32_t> attribute_epoch_, attribute_slot_;
  uint32_t next_series_ = 0, next_measure_ = 0, next_attribute_ = 0;
  uint32_t records_ = 0;
  bool run_open_ = false;
  uint32_t run_series_ = 0, run_measure_ = 0;
  size_t run_tag_offset_ = 0;
  size_t run_count_offset_ = 0;
  absl::string_view previous_key_;  // The last series key defined (the caller's bytes).
  uint32_t run_rows_ = 0;
  int64_t run_last_time_ = 0;
};

// One value as decoded; `text` points into the payload.
struct DecodedValue {
  uint32_t attribute_slot = 0;  // MULTI only.
  MeasureValueType type = MeasureValueType::kDouble;
  // DOUBLE: the decimal code the payload gave, or kNoDecimal (then the memory store
  // looks for one).
  uint32_t decimal = kNoDecimal;
  uint64_t bits = 0;
  absl::string_view text;
};

class BatchDecoder {
 public:
  enum class Kind { kSeries, kMeasure, kAttribute, kRow, kEnd };
  struct Event {
    Kind kind = Kind::kEnd;
    absl::string_view key;   // kSeries: the canonical key (valid until the next kSeries).
    absl::string_view name;  // kMeasure, kAttribute.
    MeasureValueType type = MeasureValueType::kDouble;  // kMeasure, kAttribute.
    uint32_t series_slot = 0, measure_slot = 0;         // kRow.
    int64_t time_nanos = 0, version = 0;                // kRow.
    std::vector<DecodedValue> values;  // kRow: one for a scalar, one per MULTI attribute.
  };

  // Reads the header. InternalServerException if `payload` is not a batch this build reads.
  absl::Status Reset(absl::string_view payload);
  // The next definition or record; kEnd after the last. Errors describe the damage.
  absl::Status Next(Event* event);
  uint32_t record_count() const { return record_count_; }

  // For a reader that recognises series by their definitions' bytes (the forwarder, which
  // sees the same series defined batch after batch). At the payload's start (before Next),
  // the definitions it opens with: the entries up to its first row, all series, measure and
  // attribute definitions. Returns their bytes and in *series how many define series (an
  // empty view and 0 when it opens with a row). Reads nothing; a malformed entry ends
  // them (Next reports it). Only their framing is checked: bytes equal to definitions Next
  // read whole are as valid, and, the first key standing alone, define the same keys.
  absl::string_view PeekDefinitions(uint32_t* series) const;
  // Next passes over the series definitions among `definitions` without rebuilding their
  // keys or handing them out (their slots count as defined); the measure and attribute
  // definitions among them come as usual. `definitions`: the first bytes of unread() at
  // the payload's start, equal to what PeekDefinitions returned for this or an earlier
  // payload that Next then read whole (the reader knows their keys by their bytes;
  // `last_key` is the last one).
  void PassSeriesDefinitions(absl::string_view definitions, absl::string_view last_key);
  // What Next has not read yet.
  absl::string_view unread() const { return in_; }

  // The rows of the block Next is in that Next has not handed out yet (rows == next when
  // it is in none), for a reader that takes them at once: row i (next <= i < rows) is of
  // series slot series[i] (series_slot when series is null) and measure_slot, at
  // times[i] with versions[i], and its value of column j is values[j * rows + i] (one
  // column for a scalar measure). Valid until the next Next or Reset.
  struct BlockRows {
    uint32_t next = 0, rows = 0;
    uint32_t series_slot = 0, measure_slot = 0;
    const uint32_t* series = nullptr;
    const int64_t* times = nullptr;
    const int64_t* versions = nullptr;
    const DecodedValue* values = nullptr;
    size_t columns = 0;
  };
  BlockRows PendingBlockRows() const {
    BlockRows b;
    b.next = block_next_;
    b.rows = block_rows_;
    if (block_next_ >= block_rows_) return b;
    b.series_slot = run_series_;
    b.measure_slot = run_measure_;
    b.series = block_series_.empty() ? nullptr : block_series_.data();
    b.times = block_times_.data();
    b.versions = block_versions_.data();
    b.values = block_values_.data();
    b.columns = block_values_.size() / block_rows_;
    return b;
  }
  // Marks the rows PendingBlockRows gave read, as their kRow events would.
  void SkipBlockRows() {
    records_seen_ += block_rows_ - block_next_;
    block_next_ = block_rows_;
  }

 private:
  absl::Status Corrupt(absl::string_view what) const;
  bool ReadValue(MeasureValueType type, DecodedValue* value);
  // Reads a block (after its tag, kBlockTag or kSeriesBlockTag) into the block_ members.
  absl::Status ReadBlock(uint8_t tag);
  // Next's steps: the next row of the current block or run, and the entries between
  // rows (a series key, a measure or attribute definition, a run's header).
  absl::Status NextBlockRow(Event* event);
  absl::Status NextRunRow(Event* event);
  absl::Status ReadSeries(Event* event);
  absl::Status ReadDefinition(uint8_t tag, Event* event);
  // Passes over the series definitions at in_ before pass_end_ (PassSeriesDefinitions).
  void PassSeries();
  absl::Status ReadRunHeader(uint8_t tag);
  // A block's times, into block_times_[0, rows): version 5's shape byte and deltas, or
  // before it, a delta per row in nanoseconds.
  absl::Status ReadBlockTimes(size_t rows);
  // A block's DOUBLE column of `rows` values (version 3 on), into values[0, rows).
  absl::Status ReadDoubleColumn(size_t rows, DecodedValue* values);

  absl::string_view in_;
  std::string key_, previous_key_;  // Series keys rebuilt from their shared ends.
  const char* pass_end_ = nullptr;  // Series definitions before it are passed over.
  uint32_t record_count_ = 0;
  uint32_t records_seen_ = 0;
  uint32_t series_count_ = 0;
  std::vector<MeasureValueType> measure_types_, attribute_types_;
  uint32_t run_rows_left_ = 0;
  uint32_t run_series_ = 0, run_measure_ = 0;  // Of the run or block being read.
  int64_t run_last_time_ = 0;
  uint8_t version_ = 0;
  // The block being read, decoded at once and handed out a row per Next.
  uint32_t block_rows_ = 0, block_next_ = 0;
  std::vector<int64_t> block_times_, block_versions_;
  std::vector<uint32_t> block_slots_;
  std::vector<uint32_t> block_series_;      // Each row's series slot (kSeriesBlockTag), else empty.
  std::vector<DecodedValue> block_values_;  // Column after column: [column * rows + row].
};

}  // namespace tsw::ingest

#endif  // TSW_ENGINE_INGEST_BATCH_CODEC_H_
