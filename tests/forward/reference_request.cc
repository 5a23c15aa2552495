#include "tests/forward/reference_request.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/forward/record_builder.h"
#include "engine/model/series_key.h"
#include "tsw/status.h"
#include "xxhash.h"

namespace tsw::forward {
namespace {

using ingest::BatchDecoder;
using ingest::DecodedValue;

// The value as the API's text: DOUBLEs in the shortest text that parses back to the same
// bits, written straight into *out (no temporary string per value).
void AssignValueText(const DecodedValue& v, std::string* out) {
  char buf[32];
  switch (v.type) {
    case MeasureValueType::kDouble: {
      double d;
      std::memcpy(&d, &v.bits, sizeof d);
      out->assign(buf, WriteDoubleText(d, buf));
      return;
    }
    case MeasureValueType::kBigint:
    case MeasureValueType::kTimestamp: {  // Nanoseconds until BuildRequest picks the unit.
      const std::to_chars_result r =
          std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v.bits));
      out->assign(buf, r.ptr);
      return;
    }
    case MeasureValueType::kBoolean:
      out->assign(v.bits != 0 ? "true" : "false");
      return;
    case MeasureValueType::kVarchar:
      out->assign(v.text.data(), v.text.size());
      return;
    case MeasureValueType::kMulti:
      break;
  }
  out->clear();
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

absl::Status BatchRecords::FindSeries(absl::string_view key) {
  if (auto it = known_.find(key); it != known_.end()) {
    series_.push_back(it->second);
    return absl::OkStatus();
  }
  auto dims = std::make_shared<std::vector<Dimension>>();
  dims->reserve(4);  // Most series have a few dimensions.
  if (!model::DecodeSeriesKey(key, dims.get())) {
    return InternalError("WAL batch is malformed: bad series key");
  }
  Series& s = series_.emplace_back(Series{std::move(dims), XXH3_64bits(key.data(), key.size())});
  if (known_.size() >= kMaxKnownSeries) known_.clear();
  known_.emplace(std::string(key.data(), key.size()), s);
  return absl::OkStatus();
}

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
  out->reserve(first + decoder_.record_count());
  BatchDecoder::Event& e = event_;
  while (true) {
    if (absl::Status s = decoder_.Next(&e); !s.ok()) return fail(s);
    switch (e.kind) {
      case BatchDecoder::Kind::kEnd:
        return absl::OkStatus();
      case BatchDecoder::Kind::kSeries:
        if (absl::Status s = FindSeries(e.key); !s.ok()) return fail(s);
        break;
      case BatchDecoder::Kind::kMeasure:
        measures_.push_back(Measure{std::string(e.name.data(), e.name.size()), e.type,
                                    XXH3_64bits(e.name.data(), e.name.size())});
        break;
      case BatchDecoder::Kind::kAttribute:
        attributes_.emplace_back(std::string(e.name.data(), e.name.size()), e.type);
        break;
      case BatchDecoder::Kind::kRow: {
        if (e.series_slot >= series_.size() || e.measure_slot >= measures_.size()) {
          return fail(InternalError("WAL batch is malformed: a row names an undefined slot"));
        }
        const Series& series = series_[e.series_slot];
        const Measure& measure = measures_[e.measure_slot];
        LoggedRecord& r = out->emplace_back();
        r.time_nanos = e.time_nanos;
        r.dimensions = series.dimensions;
        r.shard_hash = series.hash ^ (measure.hash * 0x9e3779b97f4a7c15ULL);
        r.record.measure_name = measure.name;
        r.record.measure_value_type = measure.type;
        r.record.version = e.version;
        if (measure.type != MeasureValueType::kMulti) {
          if (e.values.empty()) return fail(InternalError("WAL batch is malformed: no value"));
          AssignValueText(e.values[0], &r.record.measure_value.emplace());
          break;
        }
        r.record.measure_values.reserve(e.values.size());
        for (const DecodedValue& v : e.values) {
          if (v.attribute_slot >= attributes_.size()) {
            return fail(InternalError("WAL batch is malformed: an undefined attribute slot"));
          }
          MeasureValue& mv = r.record.measure_values.emplace_back();
          mv.name = attributes_[v.attribute_slot].first;
          mv.type = v.type;
          AssignValueText(v, &mv.value);
        }
        break;
      }
    }
  }
}

namespace {

// The value most of `records` hold in the member `get` picks (a majority vote: the
// majority's value if there is one, else some value held by at least one record), and how
// many hold it.
template <typename T, typename Get>
std::pair<T, size_t> MostCommon(const std::vector<Record>& records, Get get) {
  const T* candidate = nullptr;
  size_t votes = 0;
  for (const Record& r : records) {
    const T& v = get(r);
    if (votes == 0) {
      candidate = &v;
      votes = 1;
    } else {
      votes += v == *candidate ? 1 : static_cast<size_t>(-1);
    }
  }
  size_t holders = 0;
  for (const Record& r : records) holders += get(r) == *candidate;
  return {*candidate, holders};
}

// The dimensions every record has (same name and value), in name order; the destination
// merges CommonAttributes' dimensions into each record's.
std::vector<Dimension> SharedDimensions(const std::vector<LoggedRecord*>& records) {
  const std::vector<Dimension>& first = *records.front()->dimensions;
  std::vector<bool> shared(first.size(), true);
  size_t n_shared = first.size();
  for (size_t r = 1; r < records.size() && n_shared > 0; ++r) {
    const std::vector<Dimension>& dims = *records[r]->dimensions;
    // Records of one series in one batch share their dimensions' storage.
    if (&dims == &first || SameDimensions(dims, first)) continue;
    for (size_t i = 0; i < first.size(); ++i) {
      if (!shared[i]) continue;
      bool found = false;
      for (const Dimension& d : dims) {
        if (d.name == first[i].name) {
          found = d.value == first[i].value;
          break;
        }
      }
      if (!found) {
        shared[i] = false;
        --n_shared;
      }
    }
  }
  std::vector<Dimension> common;
  common.reserve(n_shared);
  for (size_t i = 0; i < first.size(); ++i) {
    if (shared[i]) common.push_back(first[i]);
  }
  return common;
}

// The dimensions of `dims` not in `common` (whose names are unique within a record, so a
// common name's dimension is the common one).
void OwnDimensions(const std::vector<Dimension>& dims, const std::vector<Dimension>& common,
                   std::vector<Dimension>* out) {
  if (common.size() == dims.size()) return;  // All common: SharedDimensions took them from all.
  out->reserve(dims.size() - common.size());
  for (const Dimension& d : dims) {
    bool is_common = false;
    for (const Dimension& c : common) {
      if (c.name == d.name) {
        is_common = true;
        break;
      }
    }
    if (!is_common) out->push_back(d);
  }
}

// Moves the member `field` to `common`, with the value most records hold: the records
// holding it drop theirs, the others keep their own, which overrides the common
// one (Timestream's rule for MeasureName, MeasureValueType, Time and Version).
template <typename T>
void HoistMostCommon(std::vector<Record>& records, std::optional<T> Record::*field,
                     Record* common) {
  auto [value, holders] = MostCommon<std::optional<T>>(
      records, [field](const Record& r) -> const std::optional<T>& { return r.*field; });
  // A value of one record among several saves nothing.
  if (!value || (holders < 2 && records.size() > 1)) return;
  for (Record& r : records) {
    if (r.*field == value) (r.*field).reset();
  }
  common->*field = std::move(value);
}

}  // namespace

WriteRecordsRequest BuildRequest(const std::vector<LoggedRecord*>& records,
                                 const std::string& database, const std::string& table) {
  const Unit unit = CoarsestUnit(records);
  WriteRecordsRequest request;
  // What records share goes into CommonAttributes once instead of into every record: less
  // JSON to write, sign and parse. Per record order is untouched.
  Record common;
  common.time_unit = unit.unit;
  common.dimensions = SharedDimensions(records);
  request.records.reserve(records.size());
  for (LoggedRecord* r : records) {
    Record& f = request.records.emplace_back(std::move(r->record));
    OwnDimensions(*r->dimensions, common.dimensions, &f.dimensions);
    f.time = absl::StrCat(r->time_nanos / unit.divisor);
    if (f.measure_value_type == MeasureValueType::kTimestamp) {
      f.measure_value = InUnit(*f.measure_value, unit.divisor);
    }
    for (MeasureValue& mv : f.measure_values) {
      if (mv.type == MeasureValueType::kTimestamp) mv.value = InUnit(mv.value, unit.divisor);
    }
  }
  request.database_name = database;
  request.table_name = table;
  std::vector<Record>& rs = request.records;
  HoistMostCommon(rs, &Record::measure_name, &common);
  HoistMostCommon(rs, &Record::measure_value_type, &common);
  HoistMostCommon(rs, &Record::time, &common);
  HoistMostCommon(rs, &Record::version, &common);
  request.common_attributes = std::move(common);
  return request;
}

}  // namespace tsw::forward
