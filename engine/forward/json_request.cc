#include "engine/forward/json_request.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

#include "absl/base/attributes.h"
#include "engine/common/json_writer.h"
#include "engine/forward/record_builder.h"
#include "engine/model/series_key.h"
#include "tsw/status.h"
#include "xxhash.h"

namespace tsw::forward {
namespace {

using ingest::BatchDecoder;
using ingest::DecodedValue;

}  // namespace

uint64_t StringIds::Id(absl::string_view s) {
  if (auto it = ids_.find(s); it != ids_.end()) return it->second;
  if (ids_.size() >= kMaxStrings) {
    ids_.clear();
    ++generation_;
  }
  const uint64_t id = generation_ << 32 | ids_.size();
  ids_.emplace(std::string(s.data(), s.size()), id);
  return id;
}

absl::Status LogDecoder::AddSeries(absl::string_view key) {
  const size_t slot = slots_.size();
  if (slot == 0) {
    // The recent batch this one follows, found by its first series.
    template_ = nullptr;
    for (const Recent& recent : recent_) {
      if (!recent.list->empty() && recent.list->front()->key == key) {
        template_ = recent.list;
        break;
      }
    }
  }
  if (building_ == nullptr) {
    if (template_ != nullptr && slot < template_->size() && (*template_)[slot]->key == key) {
      slots_.push_back((*template_)[slot].get());
      return absl::OkStatus();
    }
    // Leaving the template: the batch gets its own list, starting with the shared slots.
    building_ = std::make_shared<SeriesList>();
    if (template_ != nullptr) {
      building_->assign(template_->begin(), template_->begin() + static_cast<ptrdiff_t>(slot));
    }
  }
  return FindSeries(key);
}

absl::Status LogDecoder::FindSeries(absl::string_view key) {
  if (auto it = known_.find(key); it != known_.end()) {
    slots_.push_back(it->second.get());
    building_->push_back(it->second);
    return absl::OkStatus();
  }
  auto s = std::make_shared<SeriesJson>();
  if (!model::DecodeSeriesKey(key, &s->dimensions)) {
    return InternalError("WAL batch is malformed: bad series key");
  }
  s->key.assign(key.data(), key.size());
  s->hash = XXH3_64bits(key.data(), key.size());
  s->dimension_json.reserve(s->dimensions.size());
  s->name_ids.reserve(s->dimensions.size());
  s->value_ids.reserve(s->dimensions.size());
  for (const Dimension& d : s->dimensions) {
    s->name_ids.push_back(ids_.Id(d.name));
    s->value_ids.push_back(ids_.Id(d.value));
    // The wire writer's shape for a VARCHAR dimension, the only type: no
    // DimensionValueType (the default).
    std::string& j = s->dimension_json.emplace_back("{\"Name\":");
    json::AppendJsonString(d.name, &j);
    j += ",\"Value\":";
    json::AppendJsonString(d.value, &j);
    j += '}';
  }
  if (!s->dimensions.empty()) {
    s->all_json = "\"Dimensions\":[";
    for (size_t i = 0; i < s->dimension_json.size(); ++i) {
      if (i > 0) s->all_json += ',';
      s->all_json += s->dimension_json[i];
    }
    s->all_json += ']';
  }
  if (known_.size() >= kMaxKnownSeries) known_.clear();
  known_.emplace(std::string(key.data(), key.size()), s);
  slots_.push_back(s.get());
  building_->push_back(std::move(s));
  return absl::OkStatus();
}

std::shared_ptr<const SeriesList> LogDecoder::FinishSeries() {
  std::shared_ptr<const SeriesList> list;
  if (building_ == nullptr && template_ != nullptr && slots_.size() == template_->size()) {
    list = template_;  // The same series as a recent batch: shared.
  } else {
    // Another recent batch may have exactly these (the template was only the most recent
    // with the same first series): compared by address, the series being found already.
    for (const Recent& other : recent_) {
      if (other.list->size() == slots_.size() &&
          std::equal(slots_.begin(), slots_.end(), other.list->begin(),
                     [](const SeriesJson* a, const auto& b) { return a == b.get(); })) {
        list = other.list;
        break;
      }
    }
    if (list == nullptr && building_ != nullptr) {
      list = std::move(building_);
    } else if (list == nullptr) {
      // A prefix of the template (or no series at all).
      auto own = std::make_shared<SeriesList>();
      if (template_ != nullptr) {
        own->assign(template_->begin(), template_->begin() + static_cast<ptrdiff_t>(slots_.size()));
      }
      list = std::move(own);
    }
  }
  building_ = nullptr;
  template_ = nullptr;
  // Most recent first; a list already there moves to the front.
  auto at =
      std::find_if(recent_.begin(), recent_.end(), [&](const Recent& r) { return r.list == list; });
  if (at == recent_.end()) {
    if (recent_.size() < kRecentLists) recent_.emplace_back();
    at = recent_.end() - 1;
    at->definitions.clear();
  }
  std::rotate(recent_.begin(), at, at + 1);
  Recent& front = recent_.front();
  front.list = list;
  // Its opening definitions' bytes, when they define all of this batch's series (Next
  // read them whole): a later batch opening with the same bytes has the same series.
  if (!matched_ && first_series_ > 0 && first_series_ == slots_.size()) {
    front.definitions.assign(first_definitions_.data(), first_definitions_.size());
  }
  return list;
}

void LogDecoder::MatchSeriesDefinitions() {
  const absl::string_view unread = decoder_.unread();
  for (const Recent& recent : recent_) {
    const std::string& d = recent.definitions;
    if (d.empty() || d.size() > unread.size() || std::memcmp(d.data(), unread.data(), d.size())) {
      continue;
    }
    // The payload opens with the same bytes: the same keys (the first one standing alone),
    // the list's series, slot for slot. What follows them is read as usual.
    const SeriesList& list = *recent.list;
    for (const std::shared_ptr<const SeriesJson>& series : list) slots_.push_back(series.get());
    template_ = recent.list;
    matched_ = true;
    decoder_.PassSeriesDefinitions(unread.substr(0, d.size()), list.back()->key);
    return;
  }
  // Not seen: the definitions are kept with the batch's list if they define all of its
  // series (FinishSeries).
  first_definitions_ = decoder_.PeekDefinitions(&first_series_);
}

// Inlined in Decode's loops (a call per record with these arguments cost more than its body).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline absl::Status LogDecoder::AddRecord(
    uint32_t series_slot, uint32_t measure_slot, int64_t time_nanos, int64_t version,
    const DecodedValue* values, size_t count, size_t stride, BatchTable* table,
    const std::shared_ptr<const BatchTable>& shared, std::vector<LogRecord>* out) {
  BatchTable& t = *table;
  if (series_slot >= slots_.size() || measure_slot >= t.measures.size()) {
    return InternalError("WAL batch is malformed: a row names an undefined slot");
  }
  const bool multi = t.measures[measure_slot].type == MeasureValueType::kMulti;
  if (!multi && count == 0) return InternalError("WAL batch is malformed: no value");
  LogRecord& r = out->emplace_back();
  r.batch = shared;
  r.series = series_slot;
  r.measure = measure_slot;
  r.time_nanos = time_nanos;
  r.version = version;
  r.shard_hash =
      slots_[series_slot]->hash ^ (measure_hashes_[measure_slot] * 0x9e3779b97f4a7c15ULL);
  r.first_value = static_cast<uint32_t>(t.values.size());
  const size_t n = multi ? count : 1;
  r.value_count = static_cast<uint32_t>(n);
  for (size_t i = 0; i < n; ++i) {
    const DecodedValue& v = values[i * stride];
    if (multi && v.attribute_slot >= t.attribute_json.size()) {
      return InternalError("WAL batch is malformed: an undefined attribute slot");
    }
    BatchTable::Value& out_v = t.values.emplace_back();
    out_v.attribute = v.attribute_slot;
    out_v.type = v.type;
    out_v.bits = v.bits;
    out_v.decimal = v.decimal;
    if (v.type == MeasureValueType::kVarchar) {
      out_v.text_offset = static_cast<uint32_t>(t.texts.size());
      out_v.text_size = static_cast<uint32_t>(v.text.size());
      t.texts.append(v.text.data(), v.text.size());
    }
  }
  return absl::OkStatus();
}

absl::Status LogDecoder::Decode(absl::string_view payload, std::vector<LogRecord>* out) {
  const size_t first = out->size();
  auto fail = [&](absl::Status s) {
    out->resize(first);
    return s;
  };
  if (absl::Status s = decoder_.Reset(payload); !s.ok()) return fail(s);
  // One table per batch, shared by its records: allocations per batch, not per record.
  auto table = std::make_shared<BatchTable>();
  std::shared_ptr<const BatchTable> shared = table;
  measure_hashes_.clear();
  slots_.clear();
  template_ = nullptr;
  building_ = nullptr;
  matched_ = false;
  first_definitions_ = absl::string_view();
  first_series_ = 0;
  MatchSeriesDefinitions();
  out->reserve(first + decoder_.record_count());
  table->values.reserve(decoder_.record_count());
  BatchDecoder::Event& e = event_;
  while (true) {
    if (absl::Status s = decoder_.Next(&e); !s.ok()) return fail(s);
    switch (e.kind) {
      case BatchDecoder::Kind::kEnd:
        table->series = FinishSeries();
        return absl::OkStatus();
      case BatchDecoder::Kind::kSeries:
        if (absl::Status s = AddSeries(e.key); !s.ok()) return fail(s);
        break;
      case BatchDecoder::Kind::kMeasure: {
        BatchTable::Measure& m = table->measures.emplace_back();
        m.name.assign(e.name.data(), e.name.size());
        json::AppendJsonString(e.name, &m.name_json);
        m.name_id = ids_.Id(e.name);
        m.type = e.type;
        measure_hashes_.push_back(XXH3_64bits(e.name.data(), e.name.size()));
        break;
      }
      case BatchDecoder::Kind::kAttribute: {
        std::string& j = table->attribute_json.emplace_back("{\"Name\":");
        json::AppendJsonString(e.name, &j);
        j += ",\"Value\":";
        break;
      }
      case BatchDecoder::Kind::kRow: {
        if (absl::Status s =
                AddRecord(e.series_slot, e.measure_slot, e.time_nanos, e.version, e.values.data(),
                          e.values.size(), 1, table.get(), shared, out);
            !s.ok()) {
          return fail(s);
        }
        // The rest of its block, if any, at once (no event per row).
        const BatchDecoder::BlockRows b = decoder_.PendingBlockRows();
        for (uint32_t i = b.next; i < b.rows; ++i) {
          if (absl::Status s = AddRecord(b.series == nullptr ? b.series_slot : b.series[i],
                                         b.measure_slot, b.times[i], b.versions[i], b.values + i,
                                         b.columns, b.rows, table.get(), shared, out);
              !s.ok()) {
            return fail(s);
          }
        }
        decoder_.SkipBlockRows();
        break;
      }
    }
  }
}

std::string RequestPrefix(absl::string_view database, absl::string_view table) {
  std::string p = "{\"DatabaseName\":";
  json::AppendJsonString(database, &p);
  p += ",\"TableName\":";
  json::AppendJsonString(table, &p);
  p += ',';
  return p;
}

namespace {

struct Unit {
  TimeUnit unit;
  int64_t divisor;
};
constexpr Unit kUnits[] = {{TimeUnit::kSeconds, 1000000000},
                           {TimeUnit::kMilliseconds, 1000000},
                           {TimeUnit::kMicroseconds, 1000},
                           {TimeUnit::kNanoseconds, 1}};

// The index in kUnits of the coarsest unit `nanos` is a whole number of.
int UnitIndex(int64_t nanos) {
  if (nanos % 1000 != 0) return 3;
  if (nanos % 1000000 != 0) return 2;
  return nanos % 1000000000 != 0 ? 1 : 0;
}

// The coarsest unit every time and TIMESTAMP value of `records` is a whole number of (the
// units divide each other, so the finest of each value's coarsest).
Unit CoarsestUnit(const std::vector<const LogRecord*>& records) {
  int worst = 0;
  for (const LogRecord* r : records) {
    worst = std::max(worst, UnitIndex(r->time_nanos));
    const BatchTable::Value* v = r->batch->values.data() + r->first_value;
    for (uint32_t i = 0; i < r->value_count; ++i) {
      if (v[i].type == MeasureValueType::kTimestamp) {
        worst = std::max(worst, UnitIndex(static_cast<int64_t>(v[i].bits)));
      }
    }
    if (worst == 3) break;
  }
  return kUnits[worst];
}

// A majority vote over the records, as record_builder's MostCommon holds it (the same
// vote, so the same pick on ties): Add each record's value in turn, then Count each again
// against the candidate; Hoisted is the record holding the value CommonAttributes gets
// (held by two records or more, or the only record's), or null.
struct Vote {
  const LogRecord* candidate = nullptr;
  size_t votes = 0;
  size_t holders = 0;

  void Add(const LogRecord* r, bool same_as_candidate) {
    if (votes == 0) {
      candidate = r;
      votes = 1;
    } else {
      votes += same_as_candidate ? 1 : static_cast<size_t>(-1);
    }
  }
  const LogRecord* Hoisted(size_t records) const {
    return holders >= 2 || records == 1 ? candidate : nullptr;
  }
};

bool SameMeasureName(const BatchTable::Measure& a, const BatchTable::Measure& b) {
  return SameString(a.name_id, b.name_id, a.name, b.name);
}

// Which dimensions of the first record's series every record has (same name and value).
std::vector<uint8_t> SharedDimensions(const std::vector<const LogRecord*>& records) {
  const SeriesJson& first = records.front()->series_json();
  std::vector<uint8_t> shared(first.dimensions.size(), 1);
  size_t n_shared = first.dimensions.size();
  const SeriesJson* last = &first;  // Already compared: runs of one series are common.
  for (size_t r = 1; r < records.size() && n_shared > 0; ++r) {
    const SeriesJson& s = records[r]->series_json();
    if (&s == last) continue;
    last = &s;
    for (size_t i = 0; i < first.dimensions.size(); ++i) {
      if (!shared[i]) continue;
      bool found = false;
      for (size_t k = 0; k < s.dimensions.size(); ++k) {
        if (SameString(s.name_ids[k], first.name_ids[i], s.dimensions[k].name,
                       first.dimensions[i].name)) {
          found = SameString(s.value_ids[k], first.value_ids[i], s.dimensions[k].value,
                             first.dimensions[i].value);
          break;
        }
      }
      if (!found) {
        shared[i] = 0;
        --n_shared;
      }
    }
  }
  return shared;
}

// The members CommonAttributes holds: each a record holding the common value, or null.
struct Common {
  const SeriesJson* first_series = nullptr;
  std::vector<uint8_t> shared;  // Of first_series' dimensions.
  size_t n_shared = 0;
  const LogRecord* name = nullptr;
  const LogRecord* type = nullptr;
  const LogRecord* time = nullptr;
  const LogRecord* version = nullptr;
  Unit unit;
};

// The text of the last Time written (records of one batch often share it).
struct TimeText {
  int64_t nanos = 0;
  size_t size = 0;  // 0: none yet.
  char text[24];
};

// Writes a body through a raw cursor into a buffer of the calling thread's (a shard's),
// reused from request to request: room is made once a record (Room, with a bound of what
// the record can take), then bytes are stored without a capacity check each, and never
// zero-filled first (as growing a std::string would); Finish copies the body out once.
class Out {
 public:
  Out() : buffer_(ThreadBuffer()), p_(buffer_.data.get()), end_(p_ + buffer_.capacity) {}
  void Room(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) Grow(n);
  }
  void Put(char c) { *p_++ = c; }
  void Put(std::string_view v) {
    std::memcpy(p_, v.data(), v.size());
    p_ += v.size();
  }
  void Quoted(std::string_view v) {
    Put('"');
    Put(v);
    Put('"');
  }
  void Int(int64_t v) { p_ = std::to_chars(p_, p_ + 24, v).ptr; }
  // A DOUBLE's text (at most 32 bytes, quoted) written in place by WriteDecimalCodeText;
  // needs room for 34.
  void QuotedDouble(uint32_t decimal, uint64_t bits) {
    *p_++ = '"';
    p_ = WriteDecimalCodeText(decimal, bits, p_);
    *p_++ = '"';
  }
  // `n` <= 24 bytes of `s`, whose 24 bytes may be read; needs room for 24.
  void Short(const char* s, size_t n) {
    std::memcpy(p_, s, 24);
    p_ += n;
  }
  // `"Key":` after a comma unless it is the object's first member.
  void Key(bool* first, std::string_view key) {
    if (!*first) Put(',');
    *first = false;
    Put('"');
    Put(key);
    Put("\":");
  }
  // A VARCHAR value: through the shared escaper (text of any length).
  void Escaped(absl::string_view v) {
    buffer_.escaped.clear();
    json::AppendJsonString(v, &buffer_.escaped);
    Room(buffer_.escaped.size());
    Put(buffer_.escaped);
  }
  void Finish(std::string* body) {
    body->assign(buffer_.data.get(), static_cast<size_t>(p_ - buffer_.data.get()));
  }

 private:
  struct Buffer {
    std::unique_ptr<char[]> data;
    size_t capacity = 0;
    std::string escaped;
  };
  static Buffer& ThreadBuffer() {
    thread_local Buffer buffer;
    return buffer;
  }
  void Grow(size_t n) {
    const size_t at = static_cast<size_t>(p_ - buffer_.data.get());
    const size_t capacity = std::max(2 * buffer_.capacity, at + n + 4096);
    std::unique_ptr<char[]> data(new char[capacity]);  // Not value-initialized.
    if (at > 0) std::memcpy(data.get(), buffer_.data.get(), at);
    buffer_.data = std::move(data);
    buffer_.capacity = capacity;
    p_ = buffer_.data.get() + at;
    end_ = buffer_.data.get() + capacity;
  }

  Buffer& buffer_;
  char* p_;
  char* end_;
};

// A value's text, at most 64 bytes but for VARCHAR.
void PutValue(const BatchTable& t, const BatchTable::Value& v, int64_t divisor, Out* out) {
  switch (v.type) {
    case MeasureValueType::kDouble:
      out->QuotedDouble(v.decimal, v.bits);
      return;
    case MeasureValueType::kBigint:
    case MeasureValueType::kTimestamp: {
      int64_t n = static_cast<int64_t>(v.bits);
      if (v.type == MeasureValueType::kTimestamp) n /= divisor;
      out->Put('"');
      out->Int(n);
      out->Put('"');
      return;
    }
    case MeasureValueType::kBoolean:
      out->Put(v.bits != 0 ? "\"true\"" : "\"false\"");
      return;
    case MeasureValueType::kVarchar:
      out->Escaped(absl::string_view(t.texts.data() + v.text_offset, v.text_size));
      return;
    case MeasureValueType::kMulti:
      break;
  }
  out->Put("\"\"");
}

void PutCommon(const Common& c, Out* out) {
  size_t room = 256 + c.first_series->all_json.size();
  if (c.name != nullptr) room += c.name->measure_def().name_json.size();
  out->Room(room);
  out->Put("\"CommonAttributes\":{");
  bool first = true;
  if (c.n_shared > 0) {
    out->Key(&first, "Dimensions");
    out->Put('[');
    bool first_dim = true;
    for (size_t i = 0; i < c.shared.size(); ++i) {
      if (!c.shared[i]) continue;
      if (!first_dim) out->Put(',');
      first_dim = false;
      out->Put(c.first_series->dimension_json[i]);
    }
    out->Put(']');
  }
  if (c.name != nullptr) {
    out->Key(&first, "MeasureName");
    out->Put(c.name->measure_def().name_json);
  }
  if (c.type != nullptr) {
    out->Key(&first, "MeasureValueType");
    out->Quoted(ToString(c.type->measure_def().type));
  }
  if (c.time != nullptr) {
    out->Key(&first, "Time");
    out->Put('"');
    out->Int(c.time->time_nanos / c.unit.divisor);
    out->Put('"');
  }
  out->Key(&first, "TimeUnit");
  out->Quoted(ToString(c.unit.unit));
  if (c.version != nullptr) {
    out->Key(&first, "Version");
    out->Int(c.version->version);
  }
  out->Put('}');
}

// The record's own dimensions (those not in CommonAttributes) as `"Dimensions":[...]`,
// or nothing when it has none of its own.
void PutOwnDimensions(const SeriesJson& s, const Common& c, Out* out, bool* first) {
  if (c.n_shared == 0) {
    if (s.all_json.empty()) return;
    *first = false;
    out->Put(s.all_json);
    return;
  }
  if (s.dimensions.size() == c.n_shared) return;  // Every dimension is a common one.
  // Both in name order, and every record has every common dimension: one merge walk.
  const std::vector<Dimension>& common = c.first_series->dimensions;
  size_t j = 0;
  while (j < common.size() && !c.shared[j]) ++j;
  bool first_dim = true;
  for (size_t i = 0; i < s.dimensions.size(); ++i) {
    if (j < common.size() && SameString(c.first_series->name_ids[j], s.name_ids[i], common[j].name,
                                        s.dimensions[i].name)) {
      for (++j; j < common.size() && !c.shared[j];) ++j;
      continue;
    }
    if (first_dim) {
      out->Key(first, "Dimensions");
      out->Put('[');
      first_dim = false;
    } else {
      out->Put(',');
    }
    out->Put(s.dimension_json[i]);
  }
  if (!first_dim) out->Put(']');
}

// `"Time":"<nanos in the request's unit>"` (the text kept in *last for the next record).
void PutTime(int64_t nanos, int64_t divisor, bool* first, TimeText* last, Out* out) {
  if (last->size == 0 || last->nanos != nanos) {
    last->nanos = nanos;
    last->size = static_cast<size_t>(
        std::to_chars(last->text, last->text + sizeof last->text, nanos / divisor).ptr -
        last->text);
  }
  out->Key(first, "Time");
  out->Put('"');
  out->Short(last->text, last->size);
  out->Put('"');
}

void PutRecord(const LogRecord& r, const Common& c, bool first_record, TimeText* last_time,
               Out* out) {
  const BatchTable& t = *r.batch;
  const BatchTable::Measure& m = t.measures[r.measure];
  const SeriesJson& s = *(*t.series)[r.series];
  const BatchTable::Value* values = t.values.data() + r.first_value;
  // Every member but VARCHAR values (which make their own room) fits in this.
  size_t room = 256 + s.all_json.size() + m.name_json.size();
  for (uint32_t i = 0; i < r.value_count; ++i) {
    room += 96 +
            (m.type == MeasureValueType::kMulti ? t.attribute_json[values[i].attribute].size() : 0);
  }
  out->Room(room);
  if (!first_record) out->Put(',');
  out->Put('{');
  bool first = true;
  PutOwnDimensions(s, c, out, &first);
  if (c.name == nullptr || !SameMeasureName(c.name->measure_def(), m)) {
    out->Key(&first, "MeasureName");
    out->Put(m.name_json);
  }
  if (m.type != MeasureValueType::kMulti) {
    out->Key(&first, "MeasureValue");
    PutValue(t, values[0], c.unit.divisor, out);
  }
  if (c.type == nullptr || c.type->measure_def().type != m.type) {
    out->Key(&first, "MeasureValueType");
    out->Quoted(ToString(m.type));
  }
  if (c.time == nullptr || c.time->time_nanos != r.time_nanos) {
    PutTime(r.time_nanos, c.unit.divisor, &first, last_time, out);
  }
  if (c.version == nullptr || c.version->version != r.version) {
    out->Key(&first, "Version");
    out->Int(r.version);
  }
  if (m.type == MeasureValueType::kMulti && r.value_count > 0) {
    out->Key(&first, "MeasureValues");
    out->Put('[');
    for (uint32_t i = 0; i < r.value_count; ++i) {
      if (i > 0) out->Put(',');
      out->Put(t.attribute_json[values[i].attribute]);
      PutValue(t, values[i], c.unit.divisor, out);
      out->Room(64);  // After a VARCHAR's own room.
      out->Put(",\"Type\":");
      out->Quoted(ToString(values[i].type));
      out->Put('}');
    }
    out->Put(']');
  }
  out->Put('}');
}

}  // namespace

void WriteRequestJson(const std::vector<const LogRecord*>& records, absl::string_view prefix,
                      std::string* body) {
  Common c;
  c.unit = CoarsestUnit(records);
  c.first_series = &records.front()->series_json();
  c.shared = SharedDimensions(records);
  for (bool b : c.shared) c.n_shared += b;
  // The four votes in one pass over the records, and their counts in another.
  Vote name, type, time, version;
  for (const LogRecord* r : records) {
    const BatchTable::Measure& m = r->measure_def();
    name.Add(r, name.votes > 0 && SameMeasureName(m, name.candidate->measure_def()));
    type.Add(r, type.votes > 0 && m.type == type.candidate->measure_def().type);
    time.Add(r, time.votes > 0 && r->time_nanos == time.candidate->time_nanos);
    version.Add(r, version.votes > 0 && r->version == version.candidate->version);
  }
  const BatchTable::Measure& common_measure = name.candidate->measure_def();
  const MeasureValueType common_type = type.candidate->measure_def().type;
  for (const LogRecord* r : records) {
    const BatchTable::Measure& m = r->measure_def();
    name.holders += SameMeasureName(m, common_measure);
    type.holders += m.type == common_type;
    time.holders += r->time_nanos == time.candidate->time_nanos;
    version.holders += r->version == version.candidate->version;
  }
  c.name = name.Hoisted(records.size());
  c.type = type.Hoisted(records.size());
  c.time = time.Hoisted(records.size());
  c.version = version.Hoisted(records.size());

  Out out;
  out.Room(prefix.size() + 64);
  out.Put(std::string_view(prefix.data(), prefix.size()));
  PutCommon(c, &out);
  out.Room(64);
  out.Put(",\"Records\":[");
  TimeText last_time;
  for (size_t i = 0; i < records.size(); ++i) {
    PutRecord(*records[i], c, i == 0, &last_time, &out);
  }
  out.Room(8);
  out.Put("]}");
  out.Finish(body);
}

}  // namespace tsw::forward
