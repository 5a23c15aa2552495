#include "engine/ingest/batch_codec.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "tsw/status.h"

namespace tsw::ingest {
namespace {

// Bytes that `a` and `b` share at the front, and then at the back (not overlapping).
// Compares 8 bytes at a time (every record of a many-series payload defines a key).
void SharedEnds(absl::string_view a, absl::string_view b, size_t* prefix, size_t* suffix) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "byte order of the word compares");
  const size_t n = std::min(a.size(), b.size());
  const char* x = a.data();
  const char* y = b.data();
  size_t p = 0;
  for (; p + 8 <= n; p += 8) {
    uint64_t u, v;
    std::memcpy(&u, x + p, 8);
    std::memcpy(&v, y + p, 8);
    if (u != v) {
      // The first byte in memory is a word's least significant one.
      p += static_cast<size_t>(__builtin_ctzll(u ^ v)) / 8;
      break;
    }
  }
  if (p + 8 > n) {
    while (p < n && x[p] == y[p]) ++p;
  }
  // From the back: the last byte in memory is a word's most significant one.
  const size_t m = n - p;
  const char* xe = x + a.size();
  const char* ye = y + b.size();
  size_t q = 0;
  for (; q + 8 <= m; q += 8) {
    uint64_t u, v;
    std::memcpy(&u, xe - q - 8, 8);
    std::memcpy(&v, ye - q - 8, 8);
    if (u != v) {
      q += static_cast<size_t>(__builtin_clzll(u ^ v)) / 8;
      *prefix = p;
      *suffix = q;
      return;
    }
  }
  // Fewer than 8 bytes left between the ends: one word that reaches back into the shared
  // prefix (inside both strings), counted no further than those bytes.
  if (q < m && n >= q + 8) {
    uint64_t u, v;
    std::memcpy(&u, xe - q - 8, 8);
    std::memcpy(&v, ye - q - 8, 8);
    q += std::min(m - q, u == v ? size_t{8} : static_cast<size_t>(__builtin_clzll(u ^ v)) / 8);
  }
  while (q < m && *(xe - 1 - q) == *(ye - 1 - q)) ++q;
  *prefix = p;
  *suffix = q;
}

// Room in a slot table for `id` (rare: ids only grow), out of line so Slot inlines.
ABSL_ATTRIBUTE_NOINLINE void GrowSlots(std::vector<uint32_t>* epochs, std::vector<uint32_t>* slots,
                                       uint32_t id) {
  epochs->resize(id + 1 + id / 2, 0);
  slots->resize(epochs->size(), 0);
}

}  // namespace

// ---------------------------------------------------------------------------- encoder

void BatchEncoder::Begin() {
  pos_ = 0;
  PutByte(kBatchFormatVersion);
  PutFixed(0, 4);  // Record count, patched by Finish.
  ++epoch_;
  if (epoch_ == 0) {  // Wrapped: forget every stale stamp.
    series_epoch_.assign(series_epoch_.size(), 0);
    measure_epoch_.assign(measure_epoch_.size(), 0);
    attribute_epoch_.assign(attribute_epoch_.size(), 0);
    epoch_ = 1;
  }
  next_series_ = next_measure_ = next_attribute_ = 0;
  last_series_id_ = last_measure_id_ = UINT32_MAX;
  previous_key_ = absl::string_view();
  records_ = 0;
  run_open_ = false;
}

void BatchEncoder::Grow(size_t needed) {
  const size_t capacity = std::max<size_t>({needed, capacity_ * 2, 4096});
  std::unique_ptr<char[]> bigger(new char[capacity]);
  if (pos_ > 0) std::memcpy(bigger.get(), buffer_.get(), pos_);
  buffer_ = std::move(bigger);
  capacity_ = capacity;
}

// Inlined into its three callers here (the series one runs once per record).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint32_t BatchEncoder::Slot(std::vector<uint32_t>* epochs,
                                                                std::vector<uint32_t>* slots,
                                                                uint32_t epoch, uint32_t id,
                                                                uint32_t* next, bool* is_new) {
  if (id >= epochs->size()) GrowSlots(epochs, slots, id);
  if ((*epochs)[id] == epoch) {
    *is_new = false;
    return (*slots)[id];
  }
  *is_new = true;
  (*epochs)[id] = epoch;
  (*slots)[id] = (*next)++;
  return (*slots)[id];
}

uint32_t BatchEncoder::SeriesSlotSlow(uint32_t series_id, absl::string_view key) {
  bool is_new;
  const uint32_t slot =
      Slot(&series_epoch_, &series_slot_, epoch_, series_id, &next_series_, &is_new);
  if (is_new) {
    CloseRun();
    // Keys of one payload mostly differ in the middle (one dimension's value): write
    // what the key shares with the previous definition's key, and the rest.
    size_t prefix, suffix;
    SharedEnds(previous_key_, key, &prefix, &suffix);
    const absl::string_view middle = key.substr(prefix, key.size() - prefix - suffix);
    // A definition per record with many series: one bound check, then a local cursor.
    char* dst = Room(1 + 2 * 10 + 10 + middle.size());
    *dst++ = static_cast<char>(kSeriesTag);
    dst = EncodeVarint64(dst, prefix);
    dst = EncodeVarint64(dst, suffix);
    pos_ = EncodeLengthPrefixed(dst, middle) - buffer_.get();
    previous_key_ = key;
  }
  last_series_id_ = series_id;
  last_series_slot_ = slot;
  return slot;
}

void BatchEncoder::DefineName(uint8_t tag, MeasureValueType type, absl::string_view name) {
  CloseRun();
  PutByte(tag);
  PutByte(static_cast<uint8_t>(type));
  PutLengthPrefixed(name);
}

uint32_t BatchEncoder::MeasureSlotSlow(uint32_t measure_id, MeasureValueType type,
                                       absl::string_view name) {
  bool is_new;
  const uint32_t slot =
      Slot(&measure_epoch_, &measure_slot_, epoch_, measure_id, &next_measure_, &is_new);
  if (is_new) DefineName(kMeasureTag, type, name);
  last_measure_id_ = measure_id;
  last_measure_slot_ = slot;
  return slot;
}

uint32_t BatchEncoder::AttributeSlot(uint32_t attribute_id, MeasureValueType type,
                                     absl::string_view name) {
  bool is_new;
  const uint32_t slot =
      Slot(&attribute_epoch_, &attribute_slot_, epoch_, attribute_id, &next_attribute_, &is_new);
  if (is_new) DefineName(kAttributeTag, type, name);
  return slot;
}

void BatchEncoder::CloseRun() {
  if (!run_open_) return;
  run_open_ = false;
  if (run_rows_ > 1) std::memcpy(buffer_.get() + run_count_offset_, &run_rows_, 4);
}

void BatchEncoder::StartRun(uint32_t series_slot, uint32_t measure_slot) {
  CloseRun();
  run_tag_offset_ = pos_;
  char* dst = Room(1 + 2 * 10);
  *dst++ = static_cast<char>(kSingleRowRunTag);
  dst = EncodeVarint64(dst, series_slot);
  dst = EncodeVarint64(dst, measure_slot);
  pos_ = dst - buffer_.get();
  run_count_offset_ = pos_;
  run_open_ = true;
  run_series_ = series_slot;
  run_measure_ = measure_slot;
  run_rows_ = 0;
  run_last_time_ = 0;
}

void BatchEncoder::WidenRun() {
  // Room for the count (patched by CloseRun) between the run header and the first row.
  Room(4);
  char* count = buffer_.get() + run_count_offset_;
  std::memmove(count + 4, count, pos_ - run_count_offset_);
  pos_ += 4;
  buffer_[run_tag_offset_] = static_cast<char>(kRunTag);
}

absl::string_view BatchEncoder::Finish() {
  CloseRun();
  std::memcpy(buffer_.get() + 1, &records_, 4);
  return absl::string_view(buffer_.get(), pos_);
}

// ---------------------------------------------------------------------------- decoder

absl::Status BatchDecoder::Corrupt(absl::string_view what) const {
  return InternalError(absl::StrCat("WAL batch is malformed: ", what));
}

absl::Status BatchDecoder::Reset(absl::string_view payload) {
  in_ = payload;
  records_seen_ = series_count_ = run_rows_left_ = block_rows_ = block_next_ = 0;
  previous_key_.clear();
  pass_end_ = nullptr;
  measure_types_.clear();
  attribute_types_.clear();
  if (in_.empty()) return Corrupt("empty payload");
  version_ = static_cast<uint8_t>(in_[0]);
  if (version_ < 1 || version_ > kBatchFormatVersion) {
    return InternalError(absl::StrCat("WAL batch format version ", version_,
                                      " is not supported (this build reads 1 to ",
                                      kBatchFormatVersion, ")"));
  }
  in_.remove_prefix(1);
  if (!GetFixed32(&in_, &record_count_)) return Corrupt("truncated header");
  return absl::OkStatus();
}

bool BatchDecoder::ReadValue(MeasureValueType type, DecodedValue* value) {
  value->type = type;
  uint64_t v;
  switch (type) {
    case MeasureValueType::kDouble:
      value->decimal = kNoDecimal;
      return GetFixed64(&in_, &value->bits);
    case MeasureValueType::kBigint:
    case MeasureValueType::kTimestamp:
      if (!GetVarint64(&in_, &v)) return false;
      value->bits = static_cast<uint64_t>(ZigZagDecode(v));
      return true;
    case MeasureValueType::kBoolean:
      if (in_.empty() || static_cast<uint8_t>(in_[0]) > 1) return false;
      value->bits = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      return true;
    case MeasureValueType::kVarchar:
      return GetLengthPrefixed(&in_, &value->text);
    case MeasureValueType::kMulti:
      return false;
  }
  return false;
}

absl::Status BatchDecoder::ReadDoubleColumn(size_t rows, DecodedValue* values) {
  if (in_.empty()) return Corrupt("truncated DOUBLE column");
  const size_t width = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  if (width > 4) return Corrupt("bad DOUBLE column width");
  const size_t bytes = width == 0 ? 8 : width;
  if (in_.size() / bytes < rows) return Corrupt("truncated DOUBLE column");
  for (size_t i = 0; i < rows; ++i) {
    DecodedValue& value = values[i];
    value.type = MeasureValueType::kDouble;
    value.text = absl::string_view();
    const char* p = in_.data() + i * bytes;
    if (width == 0) {
      value.bits = DecodeFixed64(p);
      value.decimal = kNoDecimal;
      continue;
    }
    uint32_t code = 0;
    for (size_t b = 0; b < width; ++b) code |= uint32_t{static_cast<uint8_t>(p[b])} << (8 * b);
    if (!DecimalCodeBits(code, &value.bits)) return Corrupt("bad DOUBLE decimal code");
    value.decimal = code;
  }
  in_.remove_prefix(rows * bytes);
  return absl::OkStatus();
}

absl::Status BatchDecoder::ReadBlockTimes(size_t rows) {
  uint8_t shape = 0;  // Before version 5: nanoseconds, a delta per row.
  if (version_ >= 5) {
    if (in_.empty()) return Corrupt("truncated block times");
    shape = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    if ((shape & ~(kTimesEven | kTimeScaleMask)) != 0 || (shape & kTimeScaleMask) > kMaxTimeScale) {
      return Corrupt("bad block time shape");
    }
  }
  uint64_t unit = 1;
  for (int i = 0; i < (shape & kTimeScaleMask); ++i) unit *= 10;
  block_times_.resize(rows);
  // Deltas are multiplied and summed with 64-bit wrap-around, like the encoder's.
  uint64_t time = 0, delta;
  if ((shape & kTimesEven) != 0) {
    uint64_t first, step;
    if (!GetVarint64(&in_, &first) || !GetVarint64(&in_, &step)) {
      return Corrupt("truncated block times");
    }
    time = static_cast<uint64_t>(ZigZagDecode(first)) * unit;
    delta = static_cast<uint64_t>(ZigZagDecode(step)) * unit;
    for (int64_t& t : block_times_) {
      t = static_cast<int64_t>(time);
      time += delta;
    }
    return absl::OkStatus();
  }
  for (int64_t& t : block_times_) {
    if (!GetVarint64(&in_, &delta)) return Corrupt("truncated block times");
    time += static_cast<uint64_t>(ZigZagDecode(delta)) * unit;
    t = static_cast<int64_t>(time);
  }
  return absl::OkStatus();
}

absl::Status BatchDecoder::ReadBlock(uint8_t tag) {
  const bool many_series = tag == kSeriesBlockTag;
  uint64_t series = 0, measure, rows;
  if ((!many_series && !GetVarint64(&in_, &series)) || !GetVarint64(&in_, &measure) ||
      !GetVarint64(&in_, &rows)) {
    return Corrupt("truncated block header");
  }
  // Every row takes at least a byte per column: counts beyond the bytes left are damage
  // (and would be huge allocations).
  if (series >= series_count_ || measure >= measure_types_.size() || rows == 0 ||
      rows > in_.size()) {
    return Corrupt("block names an undefined series or measure, or a bad row count");
  }
  const MeasureValueType type = measure_types_[measure];
  block_slots_.clear();
  uint64_t columns = 1;
  if (type == MeasureValueType::kMulti) {
    if (!GetVarint64(&in_, &columns) || columns == 0 || columns > in_.size() / rows) {
      return Corrupt("bad MULTI attribute count");
    }
    for (uint64_t j = 0; j < columns; ++j) {
      uint64_t slot;
      if (!GetVarint64(&in_, &slot) || slot >= attribute_types_.size()) {
        return Corrupt("undefined attribute slot");
      }
      block_slots_.push_back(static_cast<uint32_t>(slot));
    }
  }
  block_series_.clear();
  if (many_series) {
    block_series_.resize(rows);
    for (uint32_t& slot : block_series_) {
      uint64_t v;
      if (!GetVarint64(&in_, &v)) return Corrupt("truncated block series");
      if (v >= series_count_) return Corrupt("block row names an undefined series");
      slot = static_cast<uint32_t>(v);
    }
  }
  if (absl::Status s = ReadBlockTimes(rows); !s.ok()) return s;
  if (in_.empty() || static_cast<uint8_t>(in_[0]) > 1) return Corrupt("bad block versions");
  const bool one_version = in_[0] == 0;
  in_.remove_prefix(1);
  block_versions_.resize(rows);
  uint64_t v = 0;
  for (size_t i = 0; i < rows; ++i) {
    if (i == 0 || !one_version) {
      if (!GetVarint64(&in_, &v)) return Corrupt("truncated block versions");
      if (static_cast<int64_t>(v) < 1) return Corrupt("row version below 1");
    }
    block_versions_[i] = static_cast<int64_t>(v);
  }
  block_values_.resize(rows * columns);
  for (uint64_t j = 0; j < columns; ++j) {
    const bool multi = type == MeasureValueType::kMulti;
    const MeasureValueType value_type = multi ? attribute_types_[block_slots_[j]] : type;
    if (value_type == MeasureValueType::kDouble && version_ >= 3) {
      if (absl::Status s = ReadDoubleColumn(rows, &block_values_[j * rows]); !s.ok()) return s;
      for (size_t i = 0; i < rows; ++i) {
        block_values_[j * rows + i].attribute_slot = multi ? block_slots_[j] : 0;
      }
      continue;
    }
    for (size_t i = 0; i < rows; ++i) {
      DecodedValue& value = block_values_[j * rows + i];
      if (!ReadValue(value_type, &value)) return Corrupt("bad block value");
      value.attribute_slot = multi ? block_slots_[j] : 0;
    }
  }
  run_series_ = static_cast<uint32_t>(series);
  run_measure_ = static_cast<uint32_t>(measure);
  block_rows_ = static_cast<uint32_t>(rows);
  block_next_ = 0;
  return absl::OkStatus();
}

absl::Status BatchDecoder::Next(Event* event) {
  if (block_next_ < block_rows_) return NextBlockRow(event);
  if (run_rows_left_ > 0) return NextRunRow(event);
  if (in_.data() < pass_end_) PassSeries();
  if (in_.empty()) {
    if (records_seen_ != record_count_) return Corrupt("record count mismatch");
    event->kind = Kind::kEnd;
    return absl::OkStatus();
  }
  const uint8_t tag = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  switch (tag) {
    case kSeriesTag:
      return ReadSeries(event);
    case kMeasureTag:
    case kAttributeTag:
      return ReadDefinition(tag, event);
    case kRunTag:
    case kSingleRowRunTag:
      if (absl::Status s = ReadRunHeader(tag); !s.ok()) return s;
      return Next(event);
    case kBlockTag:
    case kSeriesBlockTag: {
      if (version_ < 2) return Corrupt("block in a version 1 payload");
      if (tag == kSeriesBlockTag && version_ < 4) {
        return Corrupt(absl::StrCat("block of many series in a version ", version_, " payload"));
      }
      if (absl::Status s = ReadBlock(tag); !s.ok()) return s;
      return Next(event);
    }
    default:
      return Corrupt(absl::StrCat("unknown entry tag ", tag));
  }
}

absl::Status BatchDecoder::NextBlockRow(Event* event) {
  const size_t i = block_next_++;
  event->kind = Kind::kRow;
  event->series_slot = block_series_.empty() ? run_series_ : block_series_[i];
  event->measure_slot = run_measure_;
  event->time_nanos = block_times_[i];
  event->version = block_versions_[i];
  event->values.clear();
  const size_t columns = block_values_.size() / block_rows_;
  for (size_t j = 0; j < columns; ++j) event->values.push_back(block_values_[j * block_rows_ + i]);
  ++records_seen_;
  return absl::OkStatus();
}

absl::Status BatchDecoder::NextRunRow(Event* event) {
  --run_rows_left_;
  event->kind = Kind::kRow;
  event->series_slot = run_series_;
  event->measure_slot = run_measure_;
  uint64_t delta, version;
  if (!GetVarint64(&in_, &delta) || !GetVarint64(&in_, &version)) {
    return Corrupt("truncated row");
  }
  run_last_time_ = static_cast<int64_t>(static_cast<uint64_t>(run_last_time_) +
                                        static_cast<uint64_t>(ZigZagDecode(delta)));
  event->time_nanos = run_last_time_;
  event->version = static_cast<int64_t>(version);
  if (event->version < 1) return Corrupt("row version below 1");
  event->values.clear();
  const MeasureValueType type = measure_types_[run_measure_];
  if (type != MeasureValueType::kMulti) {
    event->values.emplace_back();
    if (!ReadValue(type, &event->values.back())) return Corrupt("bad scalar value");
  } else {
    uint64_t count;
    if (!GetVarint64(&in_, &count) || count == 0 || count > in_.size()) {
      return Corrupt("bad MULTI attribute count");
    }
    for (uint64_t i = 0; i < count; ++i) {
      DecodedValue value;
      uint64_t slot;
      if (!GetVarint64(&in_, &slot) || slot >= attribute_types_.size()) {
        return Corrupt("undefined attribute slot");
      }
      value.attribute_slot = static_cast<uint32_t>(slot);
      if (!ReadValue(attribute_types_[slot], &value)) return Corrupt("bad attribute value");
      event->values.push_back(value);
    }
  }
  ++records_seen_;
  return absl::OkStatus();
}

absl::Status BatchDecoder::ReadSeries(Event* event) {
  event->kind = Kind::kSeries;
  uint64_t prefix, suffix;
  absl::string_view middle;
  if (!GetVarint64(&in_, &prefix) || !GetVarint64(&in_, &suffix) ||
      !GetLengthPrefixed(&in_, &middle)) {
    return Corrupt("truncated series key");
  }
  if (prefix > previous_key_.size() || suffix > previous_key_.size() - prefix) {
    return Corrupt("series key shares more than the previous key has");
  }
  key_.assign(previous_key_.data(), prefix);
  key_.append(middle.data(), middle.size());
  key_.append(previous_key_.data() + previous_key_.size() - suffix, suffix);
  key_.swap(previous_key_);
  event->key = previous_key_;
  ++series_count_;
  return absl::OkStatus();
}

namespace {

// The end of the definition entry at [p, end) (its tag at p: a series, measure or
// attribute definition), or null if it is another entry or cut short. For a series
// definition, *prefix and *suffix are what its key shares with the previous key.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline const char* DefinitionEnd(const char* p, const char* end,
                                                              uint64_t* prefix, uint64_t* suffix) {
  const uint8_t tag = static_cast<uint8_t>(*p++);
  uint64_t length;
  // The usual series definition: prefix, suffix and length of one byte each.
  if (tag == kSeriesTag && end - p >= 3 && ((p[0] | p[1] | p[2]) & 0x80) == 0) {
    *prefix = static_cast<uint8_t>(p[0]);
    *suffix = static_cast<uint8_t>(p[1]);
    length = static_cast<uint8_t>(p[2]);
    p += 3;
    return length <= static_cast<uint64_t>(end - p) ? p + length : nullptr;
  }
  if (tag == kSeriesTag) {
    if ((p = DecodeVarint64(p, end, prefix)) == nullptr) return nullptr;
    if ((p = DecodeVarint64(p, end, suffix)) == nullptr) return nullptr;
  } else if (tag == kMeasureTag || tag == kAttributeTag) {
    if (p == end) return nullptr;
    ++p;  // The value type.
  } else {
    return nullptr;
  }
  if ((p = DecodeVarint64(p, end, &length)) == nullptr) return nullptr;
  return length <= static_cast<uint64_t>(end - p) ? p + length : nullptr;
}

}  // namespace

absl::string_view BatchDecoder::PeekDefinitions(uint32_t* series) const {
  *series = 0;
  const char* p = in_.data();
  const char* const end = p + in_.size();
  while (p < end) {
    uint64_t prefix = 0, suffix = 0;
    const char* next = DefinitionEnd(p, end, &prefix, &suffix);
    if (next == nullptr) break;
    if (static_cast<uint8_t>(*p) == kSeriesTag) {
      if (*series == 0 && (prefix != 0 || suffix != 0)) break;  // Shares with no key.
      ++*series;
    }
    p = next;
  }
  return in_.substr(0, static_cast<size_t>(p - in_.data()));
}

void BatchDecoder::PassSeriesDefinitions(absl::string_view definitions,
                                         absl::string_view last_key) {
  pass_end_ = definitions.data() + definitions.size();
  // The key the next definition after them is written against.
  previous_key_.assign(last_key.data(), last_key.size());
}

void BatchDecoder::PassSeries() {
  const char* p = in_.data();
  // Bytes Next read whole before: they parse (else Next reports them as it reads them).
  while (p < pass_end_ && static_cast<uint8_t>(*p) == kSeriesTag) {
    uint64_t prefix, suffix;
    const char* next = DefinitionEnd(p, pass_end_, &prefix, &suffix);
    if (next == nullptr) break;
    p = next;
    ++series_count_;
  }
  in_.remove_prefix(static_cast<size_t>(p - in_.data()));
}

absl::Status BatchDecoder::ReadDefinition(uint8_t tag, Event* event) {
  if (in_.empty()) return Corrupt("truncated definition");
  const uint8_t type = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  const uint8_t max_type = static_cast<uint8_t>(tag == kMeasureTag ? MeasureValueType::kMulti
                                                                   : MeasureValueType::kTimestamp);
  if (type > max_type) return Corrupt("bad value type");
  if (!GetLengthPrefixed(&in_, &event->name)) return Corrupt("truncated name");
  event->type = static_cast<MeasureValueType>(type);
  if (tag == kMeasureTag) {
    event->kind = Kind::kMeasure;
    measure_types_.push_back(event->type);
  } else {
    event->kind = Kind::kAttribute;
    attribute_types_.push_back(event->type);
  }
  return absl::OkStatus();
}

absl::Status BatchDecoder::ReadRunHeader(uint8_t tag) {
  uint64_t series, measure;
  uint32_t rows = 1;
  if (!GetVarint64(&in_, &series) || !GetVarint64(&in_, &measure) ||
      (tag == kRunTag && !GetFixed32(&in_, &rows))) {
    return Corrupt("truncated run header");
  }
  if (series >= series_count_ || measure >= measure_types_.size() || rows == 0) {
    return Corrupt("run names an undefined series or measure");
  }
  run_series_ = static_cast<uint32_t>(series);
  run_measure_ = static_cast<uint32_t>(measure);
  run_rows_left_ = rows;
  run_last_time_ = 0;
  return absl::OkStatus();
}

}  // namespace tsw::ingest
