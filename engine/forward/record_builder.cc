#include "engine/forward/record_builder.h"

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/common/json_writer.h"
#include "engine/model/series_key.h"
#include "tsw/status.h"

namespace tsw::forward {
namespace {

using ingest::BatchDecoder;
using ingest::DecodedValue;

std::string ValueText(const DecodedValue& v) {
  switch (v.type) {
    case MeasureValueType::kDouble: {
      double d;
      std::memcpy(&d, &v.bits, sizeof d);
      return json::FormatDouble(d);
    }
    case MeasureValueType::kBigint:
    case MeasureValueType::kTimestamp:  // Nanoseconds until BuildRequest picks the unit.
      return absl::StrCat(static_cast<int64_t>(v.bits));
    case MeasureValueType::kBoolean:
      return v.bits != 0 ? "true" : "false";
    case MeasureValueType::kVarchar:
      return std::string(v.text.data(), v.text.size());
    case MeasureValueType::kMulti:
      break;
  }
  return "";
}

bool SameDimensions(const std::vector<Dimension>& a, const std::vector<Dimension>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
  }
  return true;
}

// Whether `nanos` (decimal text) is a whole number of `divisor` nanoseconds.
bool Divides(const std::string& nanos, int64_t divisor) {
  int64_t v = 0;
  return absl::SimpleAtoi(nanos, &v) && v % divisor == 0;
}

struct Unit {
  TimeUnit unit;
  int64_t divisor;
};
constexpr Unit kUnits[] = {{TimeUnit::kSeconds, 1000000000},
                           {TimeUnit::kMilliseconds, 1000000},
                           {TimeUnit::kMicroseconds, 1000},
                           {TimeUnit::kNanoseconds, 1}};

// The coarsest unit every time and TIMESTAMP value of `records` is a whole number of.
Unit CoarsestUnit(const std::vector<LoggedRecord*>& records) {
  for (const Unit& u : kUnits) {
    bool fits = true;
    for (const LoggedRecord* r : records) {
      fits = r->time_nanos % u.divisor == 0;
      if (r->record.measure_value_type == MeasureValueType::kTimestamp) {
        fits = fits && Divides(*r->record.measure_value, u.divisor);
      }
      for (const MeasureValue& mv : r->record.measure_values) {
        if (mv.type == MeasureValueType::kTimestamp) fits = fits && Divides(mv.value, u.divisor);
      }
      if (!fits) break;
    }
    if (fits) return u;
  }
  return kUnits[3];
}

std::string InUnit(const std::string& nanos, int64_t divisor) {
  int64_t v = 0;
  if (divisor == 1 || !absl::SimpleAtoi(nanos, &v)) return nanos;
  return absl::StrCat(v / divisor);
}

}  // namespace

absl::Status BatchRecords::Decode(absl::string_view payload, std::vector<LoggedRecord>* out) {
  const size_t first = out->size();
  auto fail = [&](absl::Status s) {
    out->resize(first);
    return s;
  };
  series_.clear();
  measures_.clear();
  attributes_.clear();
  if (absl::Status s = decoder_.Reset(payload); !s.ok()) return fail(s);
  BatchDecoder::Event& e = event_;
  while (true) {
    if (absl::Status s = decoder_.Next(&e); !s.ok()) return fail(s);
    switch (e.kind) {
      case BatchDecoder::Kind::kEnd:
        return absl::OkStatus();
      case BatchDecoder::Kind::kSeries:
        series_.emplace_back().reserve(4);  // Most series have a few dimensions.
        if (!model::DecodeSeriesKey(e.key, &series_.back())) {
          return fail(InternalError("WAL batch is malformed: bad series key"));
        }
        break;
      case BatchDecoder::Kind::kMeasure:
        measures_.emplace_back(std::string(e.name.data(), e.name.size()), e.type);
        break;
      case BatchDecoder::Kind::kAttribute:
        attributes_.emplace_back(std::string(e.name.data(), e.name.size()), e.type);
        break;
      case BatchDecoder::Kind::kRow: {
        if (e.series_slot >= series_.size() || e.measure_slot >= measures_.size()) {
          return fail(InternalError("WAL batch is malformed: a row names an undefined slot"));
        }
        LoggedRecord& r = out->emplace_back();
        r.time_nanos = e.time_nanos;
        r.record.dimensions = series_[e.series_slot];
        r.record.measure_name = measures_[e.measure_slot].first;
        r.record.measure_value_type = measures_[e.measure_slot].second;
        r.record.version = e.version;
        if (measures_[e.measure_slot].second != MeasureValueType::kMulti) {
          if (e.values.empty()) return fail(InternalError("WAL batch is malformed: no value"));
          r.record.measure_value = ValueText(e.values[0]);
          break;
        }
        for (const DecodedValue& v : e.values) {
          if (v.attribute_slot >= attributes_.size()) {
            return fail(InternalError("WAL batch is malformed: an undefined attribute slot"));
          }
          r.record.measure_values.push_back(
              MeasureValue{attributes_[v.attribute_slot].first, ValueText(v), v.type});
        }
        break;
      }
    }
  }
}

WriteRecordsRequest BuildRequest(const std::vector<LoggedRecord*>& records,
                                 const std::string& database, const std::string& table) {
  const Unit unit = CoarsestUnit(records);
  WriteRecordsRequest request;
  request.records.reserve(records.size());
  for (LoggedRecord* r : records) {
    Record& f = request.records.emplace_back(std::move(r->record));
    f.time = absl::StrCat(r->time_nanos / unit.divisor);
    f.time_unit = unit.unit;
    if (f.measure_value_type == MeasureValueType::kTimestamp) {
      f.measure_value = InUnit(*f.measure_value, unit.divisor);
    }
    for (MeasureValue& mv : f.measure_values) {
      if (mv.type == MeasureValueType::kTimestamp) mv.value = InUnit(mv.value, unit.divisor);
    }
  }
  request.database_name = database;
  request.table_name = table;
  const Record& first = request.records.front();
  bool same_dimensions = !first.dimensions.empty(), same_name = true, same_type = true,
       same_version = true;
  for (const Record& r : request.records) {
    same_dimensions = same_dimensions && SameDimensions(r.dimensions, first.dimensions);
    same_name = same_name && r.measure_name == first.measure_name;
    same_type = same_type && r.measure_value_type == first.measure_value_type;
    same_version = same_version && r.version == first.version;
  }
  Record common;
  common.time_unit = unit.unit;
  if (same_dimensions) common.dimensions = first.dimensions;
  if (same_name) common.measure_name = first.measure_name;
  if (same_type) common.measure_value_type = first.measure_value_type;
  if (same_version) common.version = first.version;
  for (Record& r : request.records) {
    r.time_unit.reset();
    if (same_dimensions) r.dimensions.clear();
    if (same_name) r.measure_name.reset();
    if (same_type) r.measure_value_type.reset();
    if (same_version) r.version.reset();
  }
  request.common_attributes = std::move(common);
  return request;
}

Record FullRecord(const WriteRecordsRequest& request, size_t i) {
  Record f = request.records[i];
  if (!request.common_attributes) return f;
  const Record& c = *request.common_attributes;
  // BuildRequest moves a member to CommonAttributes only when every record has it equal.
  if (f.dimensions.empty()) f.dimensions = c.dimensions;
  if (!f.measure_name) f.measure_name = c.measure_name;
  if (!f.measure_value_type) f.measure_value_type = c.measure_value_type;
  if (!f.time_unit) f.time_unit = c.time_unit;
  if (!f.version) f.version = c.version;
  return f;
}

std::string RecordJson(const Record& record) {
  json::JsonWriter w;
  w.BeginObject();
  w.Key("Dimensions");
  w.BeginArray();
  for (const Dimension& d : record.dimensions) {
    w.BeginObject();
    w.Member("Name", d.name);
    w.Member("Value", d.value);
    w.EndObject();
  }
  w.EndArray();
  if (record.measure_name) w.Member("MeasureName", *record.measure_name);
  if (record.measure_value) w.Member("MeasureValue", *record.measure_value);
  if (record.measure_value_type) {
    const std::string_view t = ToString(*record.measure_value_type);
    w.Member("MeasureValueType", absl::string_view(t.data(), t.size()));
  }
  if (!record.measure_values.empty()) {
    w.Key("MeasureValues");
    w.BeginArray();
    for (const MeasureValue& mv : record.measure_values) {
      w.BeginObject();
      w.Member("Name", mv.name);
      w.Member("Value", mv.value);
      const std::string_view t = ToString(mv.type);
      w.Member("Type", absl::string_view(t.data(), t.size()));
      w.EndObject();
    }
    w.EndArray();
  }
  if (record.time) w.Member("Time", *record.time);
  if (record.time_unit) {
    const std::string_view u = ToString(*record.time_unit);
    w.Member("TimeUnit", absl::string_view(u.data(), u.size()));
  }
  if (record.version) w.Member("Version", *record.version);
  w.EndObject();
  return w.Release();
}

}  // namespace tsw::forward
