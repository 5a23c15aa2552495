#include "engine/forward/json_request.h"

#include <charconv>
#include <cstring>
#include <string_view>
#include <utility>

#include "engine/common/json_writer.h"
#include "engine/forward/record_builder.h"
#include "engine/model/series_key.h"
#include "tsw/status.h"
#include "xxhash.h"

namespace tsw::forward {
namespace {

using ingest::BatchDecoder;
using ingest::DecodedValue;

void Append(std::string* out, std::string_view s) { out->append(s.data(), s.size()); }

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  out->append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// `"<text>"` for text that needs no escaping (numbers, type and unit names).
void AppendQuoted(std::string* out, std::string_view text) {
  out->push_back('"');
  Append(out, text);
  out->push_back('"');
}

}  // namespace

absl::Status LogDecoder::FindSeries(absl::string_view key, BatchTable* table) {
  if (auto it = known_.find(key); it != known_.end()) {
    table->series.push_back(it->second);
    return absl::OkStatus();
  }
  auto s = std::make_shared<SeriesJson>();
  if (!model::DecodeSeriesKey(key, &s->dimensions)) {
    return InternalError("WAL batch is malformed: bad series key");
  }
  s->hash = XXH3_64bits(key.data(), key.size());
  s->dimension_json.reserve(s->dimensions.size());
  for (const Dimension& d : s->dimensions) {
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
  table->series.push_back(std::move(s));
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
  out->reserve(first + decoder_.record_count());
  table->values.reserve(decoder_.record_count());
  BatchDecoder::Event& e = event_;
  while (true) {
    if (absl::Status s = decoder_.Next(&e); !s.ok()) return fail(s);
    switch (e.kind) {
      case BatchDecoder::Kind::kEnd:
        return absl::OkStatus();
      case BatchDecoder::Kind::kSeries:
        if (absl::Status s = FindSeries(e.key, table.get()); !s.ok()) return fail(s);
        break;
      case BatchDecoder::Kind::kMeasure: {
        BatchTable::Measure& m = table->measures.emplace_back();
        m.name.assign(e.name.data(), e.name.size());
        json::AppendJsonString(e.name, &m.name_json);
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
        if (e.series_slot >= table->series.size() || e.measure_slot >= table->measures.size()) {
          return fail(InternalError("WAL batch is malformed: a row names an undefined slot"));
        }
        const bool multi = table->measures[e.measure_slot].type == MeasureValueType::kMulti;
        if (!multi && e.values.empty()) {
          return fail(InternalError("WAL batch is malformed: no value"));
        }
        LogRecord& r = out->emplace_back();
        r.batch = shared;
        r.series = e.series_slot;
        r.measure = e.measure_slot;
        r.time_nanos = e.time_nanos;
        r.version = e.version;
        r.shard_hash = table->series[e.series_slot]->hash ^
                       (measure_hashes_[e.measure_slot] * 0x9e3779b97f4a7c15ULL);
        r.first_value = static_cast<uint32_t>(table->values.size());
        const size_t n = multi ? e.values.size() : 1;
        r.value_count = static_cast<uint32_t>(n);
        for (size_t i = 0; i < n; ++i) {
          const DecodedValue& v = e.values[i];
          if (multi && v.attribute_slot >= table->attribute_json.size()) {
            return fail(InternalError("WAL batch is malformed: an undefined attribute slot"));
          }
          BatchTable::Value& out_v = table->values.emplace_back();
          out_v.attribute = v.attribute_slot;
          out_v.type = v.type;
          out_v.bits = v.bits;
          if (v.type == MeasureValueType::kVarchar) {
            out_v.text_offset = static_cast<uint32_t>(table->texts.size());
            out_v.text_size = static_cast<uint32_t>(v.text.size());
            table->texts.append(v.text.data(), v.text.size());
          }
        }
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

// The value most records hold in the member `get` picks, as record_builder's MostCommon
// finds it (the same vote, so the same pick on ties), and whether it goes to
// CommonAttributes: held by two records or more, or the only record's.
template <typename Get, typename Eq>
const LogRecord* Hoisted(const std::vector<const LogRecord*>& records, Get get, Eq eq) {
  const LogRecord* candidate = nullptr;
  size_t votes = 0;
  for (const LogRecord* r : records) {
    if (votes == 0) {
      candidate = r;
      votes = 1;
    } else {
      votes += eq(get(*r), get(*candidate)) ? 1 : static_cast<size_t>(-1);
    }
  }
  size_t holders = 0;
  for (const LogRecord* r : records) holders += eq(get(*r), get(*candidate));
  return holders >= 2 || records.size() == 1 ? candidate : nullptr;
}

bool SameDimensions(const SeriesJson& a, const SeriesJson& b) {
  if (&a == &b) return true;
  if (a.dimensions.size() != b.dimensions.size()) return false;
  for (size_t i = 0; i < a.dimensions.size(); ++i) {
    if (a.dimensions[i].name != b.dimensions[i].name ||
        a.dimensions[i].value != b.dimensions[i].value) {
      return false;
    }
  }
  return true;
}

// Which dimensions of the first record's series every record has (same name and value).
std::vector<bool> SharedDimensions(const std::vector<const LogRecord*>& records) {
  const SeriesJson& first = records.front()->series_json();
  std::vector<bool> shared(first.dimensions.size(), true);
  size_t n_shared = first.dimensions.size();
  const SeriesJson* last = &first;  // Already compared: runs of one series are common.
  for (size_t r = 1; r < records.size() && n_shared > 0; ++r) {
    const SeriesJson& s = records[r]->series_json();
    if (&s == last || SameDimensions(s, first)) continue;
    last = &s;
    for (size_t i = 0; i < first.dimensions.size(); ++i) {
      if (!shared[i]) continue;
      bool found = false;
      for (const Dimension& d : s.dimensions) {
        if (d.name == first.dimensions[i].name) {
          found = d.value == first.dimensions[i].value;
          break;
        }
      }
      if (!found) {
        shared[i] = false;
        --n_shared;
      }
    }
  }
  return shared;
}

// The members CommonAttributes holds: each a record holding the common value, or null.
struct Common {
  const SeriesJson* first_series = nullptr;
  std::vector<bool> shared;  // Of first_series' dimensions.
  size_t n_shared = 0;
  const LogRecord* name = nullptr;
  const LogRecord* type = nullptr;
  const LogRecord* time = nullptr;
  const LogRecord* version = nullptr;
  Unit unit;
};

void AppendValue(const BatchTable& t, const BatchTable::Value& v, int64_t divisor,
                 std::string* out) {
  char buf[32];
  switch (v.type) {
    case MeasureValueType::kDouble: {
      double d;
      std::memcpy(&d, &v.bits, sizeof d);
      AppendQuoted(out, std::string_view(buf, WriteDoubleText(d, buf) - buf));
      return;
    }
    case MeasureValueType::kBigint:
    case MeasureValueType::kTimestamp: {
      int64_t n = static_cast<int64_t>(v.bits);
      if (v.type == MeasureValueType::kTimestamp) n /= divisor;
      AppendQuoted(out, std::string_view(buf, std::to_chars(buf, buf + sizeof buf, n).ptr - buf));
      return;
    }
    case MeasureValueType::kBoolean:
      Append(out, v.bits != 0 ? "\"true\"" : "\"false\"");
      return;
    case MeasureValueType::kVarchar:
      json::AppendJsonString(absl::string_view(t.texts.data() + v.text_offset, v.text_size), out);
      return;
    case MeasureValueType::kMulti:
      break;
  }
  Append(out, "\"\"");
}

// Appends `"Key":` after a comma unless it is the object's first member.
void AppendKey(std::string* out, bool* first, std::string_view key) {
  if (!*first) out->push_back(',');
  *first = false;
  out->push_back('"');
  Append(out, key);
  Append(out, "\":");
}

void AppendCommon(const Common& c, std::string* out) {
  Append(out, "\"CommonAttributes\":{");
  bool first = true;
  if (c.n_shared > 0) {
    AppendKey(out, &first, "Dimensions");
    out->push_back('[');
    bool first_dim = true;
    for (size_t i = 0; i < c.shared.size(); ++i) {
      if (!c.shared[i]) continue;
      if (!first_dim) out->push_back(',');
      first_dim = false;
      Append(out, c.first_series->dimension_json[i]);
    }
    out->push_back(']');
  }
  if (c.name != nullptr) {
    AppendKey(out, &first, "MeasureName");
    Append(out, c.name->measure_def().name_json);
  }
  if (c.type != nullptr) {
    AppendKey(out, &first, "MeasureValueType");
    AppendQuoted(out, ToString(c.type->measure_def().type));
  }
  if (c.time != nullptr) {
    AppendKey(out, &first, "Time");
    out->push_back('"');
    AppendInt(out, c.time->time_nanos / c.unit.divisor);
    out->push_back('"');
  }
  AppendKey(out, &first, "TimeUnit");
  AppendQuoted(out, ToString(c.unit.unit));
  if (c.version != nullptr) {
    AppendKey(out, &first, "Version");
    AppendInt(out, c.version->version);
  }
  out->push_back('}');
}

// The record's own dimensions (those not in CommonAttributes) as `"Dimensions":[...]`,
// or nothing when it has none of its own.
void AppendOwnDimensions(const SeriesJson& s, const Common& c, std::string* out, bool* first) {
  if (c.n_shared == 0) {
    if (s.all_json.empty()) return;
    if (!*first) out->push_back(',');
    *first = false;
    Append(out, s.all_json);
    return;
  }
  if (s.dimensions.size() == c.n_shared) return;  // Every dimension is a common one.
  bool first_dim = true;
  for (size_t i = 0; i < s.dimensions.size(); ++i) {
    bool is_common = false;
    for (size_t j = 0; j < c.shared.size(); ++j) {
      if (c.shared[j] && c.first_series->dimensions[j].name == s.dimensions[i].name) {
        is_common = true;
        break;
      }
    }
    if (is_common) continue;
    if (first_dim) {
      AppendKey(out, first, "Dimensions");
      out->push_back('[');
      first_dim = false;
    } else {
      out->push_back(',');
    }
    Append(out, s.dimension_json[i]);
  }
  if (!first_dim) out->push_back(']');
}

void AppendRecord(const LogRecord& r, const Common& c, std::string* out) {
  const BatchTable& t = *r.batch;
  const BatchTable::Measure& m = t.measures[r.measure];
  out->push_back('{');
  bool first = true;
  AppendOwnDimensions(*t.series[r.series], c, out, &first);
  if (c.name == nullptr || c.name->measure_def().name != m.name) {
    AppendKey(out, &first, "MeasureName");
    Append(out, m.name_json);
  }
  const BatchTable::Value* values = t.values.data() + r.first_value;
  if (m.type != MeasureValueType::kMulti) {
    AppendKey(out, &first, "MeasureValue");
    AppendValue(t, values[0], c.unit.divisor, out);
  }
  if (c.type == nullptr || c.type->measure_def().type != m.type) {
    AppendKey(out, &first, "MeasureValueType");
    AppendQuoted(out, ToString(m.type));
  }
  if (c.time == nullptr || c.time->time_nanos != r.time_nanos) {
    AppendKey(out, &first, "Time");
    out->push_back('"');
    AppendInt(out, r.time_nanos / c.unit.divisor);
    out->push_back('"');
  }
  if (c.version == nullptr || c.version->version != r.version) {
    AppendKey(out, &first, "Version");
    AppendInt(out, r.version);
  }
  if (m.type == MeasureValueType::kMulti && r.value_count > 0) {
    AppendKey(out, &first, "MeasureValues");
    out->push_back('[');
    for (uint32_t i = 0; i < r.value_count; ++i) {
      if (i > 0) out->push_back(',');
      Append(out, t.attribute_json[values[i].attribute]);
      AppendValue(t, values[i], c.unit.divisor, out);
      Append(out, ",\"Type\":");
      AppendQuoted(out, ToString(values[i].type));
      out->push_back('}');
    }
    out->push_back(']');
  }
  out->push_back('}');
}

}  // namespace

void WriteRequestJson(const std::vector<const LogRecord*>& records, absl::string_view prefix,
                      std::string* body) {
  Common c;
  c.unit = CoarsestUnit(records);
  c.first_series = &records.front()->series_json();
  c.shared = SharedDimensions(records);
  for (bool b : c.shared) c.n_shared += b;
  c.name = Hoisted(
      records, [](const LogRecord& r) -> const std::string& { return r.measure_def().name; },
      [](const std::string& a, const std::string& b) { return a == b; });
  c.type = Hoisted(
      records, [](const LogRecord& r) { return r.measure_def().type; },
      [](MeasureValueType a, MeasureValueType b) { return a == b; });
  c.time = Hoisted(
      records, [](const LogRecord& r) { return r.time_nanos; },
      [](int64_t a, int64_t b) { return a == b; });
  c.version = Hoisted(
      records, [](const LogRecord& r) { return r.version; },
      [](int64_t a, int64_t b) { return a == b; });

  body->clear();
  body->reserve(prefix.size() + 256 + 96 * records.size());
  body->append(prefix.data(), prefix.size());
  AppendCommon(c, body);
  Append(body, ",\"Records\":[");
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) body->push_back(',');
    AppendRecord(*records[i], c, body);
  }
  Append(body, "]}");
}

}  // namespace tsw::forward
