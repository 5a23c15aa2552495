#include "tests/magnetic/magnetic_test_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace tsw::magnetic::testing {
namespace {

struct MeasureDef {
  const char* name;
  MeasureValueType type;
};
constexpr MeasureDef kMeasures[] = {
    {"cpu", MeasureValueType::kDouble},     {"count", MeasureValueType::kBigint},
    {"status", MeasureValueType::kVarchar}, {"up", MeasureValueType::kBoolean},
    {"seen", MeasureValueType::kTimestamp}, {"metrics", MeasureValueType::kMulti},
};
constexpr MeasureDef kAttributes[] = {
    {"a", MeasureValueType::kDouble},    {"b", MeasureValueType::kBigint},
    {"c", MeasureValueType::kVarchar},   {"d", MeasureValueType::kBoolean},
    {"e", MeasureValueType::kTimestamp},
};

std::vector<std::vector<Dimension>> SeriesPool() {
  std::vector<std::vector<Dimension>> pool;
  for (int host = 0; host < 3; ++host) {
    for (int region = 0; region < 2; ++region) {
      pool.push_back({{"host", absl::StrCat("h", host)}, {"region", absl::StrCat("r", region)}});
    }
  }
  pool.push_back({{"host", "h0"}});
  pool.push_back({{"az", "x"}, {"host", "h0"}, {"region", "r0"}});
  return pool;
}

double RandomDouble(std::mt19937_64& rng) {
  static const double kSpecial[] = {std::numeric_limits<double>::quiet_NaN(),
                                    -0.0,
                                    0.0,
                                    std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity(),
                                    std::numeric_limits<double>::denorm_min(),
                                    std::numeric_limits<double>::max(),
                                    1.5,
                                    1.5,
                                    1.5,
                                    20.25,
                                    -3.0};
  switch (rng() % 4) {
    case 0:
      return kSpecial[rng() % (sizeof(kSpecial) / sizeof(kSpecial[0]))];
    case 1:
      return static_cast<double>(static_cast<int64_t>(rng() % 10000)) / 100.0;
    default: {
      double d;
      uint64_t bits = rng();
      std::memcpy(&d, &bits, 8);
      return d;  // Any bit pattern, NaN payloads included.
    }
  }
}

int64_t RandomInt(std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0:
      return std::numeric_limits<int64_t>::min() + static_cast<int64_t>(rng() % 3);
    case 1:
      return std::numeric_limits<int64_t>::max() - static_cast<int64_t>(rng() % 3);
    case 2:
      return static_cast<int64_t>(rng());
    default:
      return static_cast<int64_t>(rng() % 100) - 50;
  }
}

std::string RandomString(std::mt19937_64& rng) {
  switch (rng() % 5) {
    case 0:
      return "";
    case 1:
      return std::string(200, 'z');  // Compressible.
    case 2:
      return std::string("nul\0inside", 10);
    default: {
      std::string s(rng() % 20, ' ');
      for (char& c : s) c = static_cast<char>(rng() % 256);
      return s;
    }
  }
}

void AppendValue(std::mt19937_64& rng, RowColumn* column) {
  switch (column->type) {
    case MeasureValueType::kDouble:
      column->doubles.push_back(RandomDouble(rng));
      break;
    case MeasureValueType::kVarchar:
      column->strings.push_back(RandomString(rng));
      break;
    case MeasureValueType::kBoolean:
      column->ints.push_back(static_cast<int64_t>(rng() % 2));
      break;
    default:
      column->ints.push_back(RandomInt(rng));
      break;
  }
}

std::string ValueString(const RowColumn& column, size_t row) {
  switch (column.type) {
    case MeasureValueType::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &column.doubles[row], 8);
      return absl::StrFormat("%016x", bits);
    }
    case MeasureValueType::kVarchar:
      return absl::CEscape(column.strings[row]);
    default:
      return absl::StrCat(column.ints[row]);
  }
}

std::string TypeName(MeasureValueType type) { return std::string(ToString(type)); }

std::vector<Dimension> Sorted(std::vector<Dimension> dims) {
  std::sort(dims.begin(), dims.end(),
            [](const Dimension& a, const Dimension& b) { return a.name < b.name; });
  return dims;
}

std::string SeriesString(const std::vector<Dimension>& sorted) {
  std::vector<std::string> parts;
  for (const Dimension& d : sorted) {
    parts.push_back(absl::StrCat(absl::CEscape(d.name), "=", absl::CEscape(d.value)));
  }
  return absl::StrJoin(parts, ",");
}

std::string StreamString(const std::vector<Dimension>& series, absl::string_view measure,
                         MeasureValueType type) {
  return absl::StrCat(SeriesString(Sorted(series)), "|", absl::CEscape(measure), "|",
                      TypeName(type));
}

bool Matches(const std::vector<Dimension>& series, const std::string& measure, int64_t time,
             const ScanRequest& request, int64_t cutoff) {
  if (time < request.start_time_nanos || time >= request.end_time_nanos || time < cutoff) {
    return false;
  }
  if (!request.measure_names.empty() &&
      std::find(request.measure_names.begin(), request.measure_names.end(), measure) ==
          request.measure_names.end()) {
    return false;
  }
  for (const Dimension& f : request.dimension_filters) {
    bool found = false;
    for (const Dimension& d : series) found |= d.name == f.name && d.value == f.value;
    if (!found) return false;
  }
  return true;
}

}  // namespace

std::vector<RowBatch> RandomBatches(std::mt19937_64& rng, const RandomBatchOptions& options) {
  static const std::vector<std::vector<Dimension>> pool = SeriesPool();
  std::vector<RowBatch> batches;
  for (int b = 0; b < options.batches; ++b) {
    RowBatch batch;
    batch.dimensions = pool[rng() % pool.size()];
    std::shuffle(batch.dimensions.begin(), batch.dimensions.end(), rng);
    const MeasureDef& measure = kMeasures[rng() % (sizeof(kMeasures) / sizeof(kMeasures[0]))];
    batch.measure_name = measure.name;
    batch.measure_value_type = measure.type;
    std::set<int64_t> times;
    size_t rows = 1 + rng() % options.max_rows;
    while (times.size() < rows) {
      times.insert(options.base_time +
                   options.time_step * static_cast<int64_t>(rng() % options.time_slots));
    }
    batch.time_nanos.assign(times.begin(), times.end());
    for (size_t i = 0; i < rows; ++i) {
      batch.versions.push_back(1 + static_cast<int64_t>(rng() % options.max_version));
    }
    if (measure.type != MeasureValueType::kMulti) {
      RowColumn column;
      column.name = measure.name;
      column.type = measure.type;
      for (size_t i = 0; i < rows; ++i) AppendValue(rng, &column);
      if (rng() % 2 == 0) column.present.assign(rows, 1);
      batch.columns.push_back(std::move(column));
    } else {
      for (const MeasureDef& attribute : kAttributes) {
        if (rng() % 3 == 0) continue;
        RowColumn column;
        column.name = attribute.name;
        column.type = attribute.type;
        for (size_t i = 0; i < rows; ++i) {
          AppendValue(rng, &column);
          column.present.push_back(rng() % 4 != 0);
        }
        batch.columns.push_back(std::move(column));
      }
      if (batch.columns.empty()) {
        RowColumn column;
        column.name = "a";
        column.type = MeasureValueType::kDouble;
        for (size_t i = 0; i < rows; ++i) AppendValue(rng, &column);
        batch.columns.push_back(std::move(column));
      }
      std::shuffle(batch.columns.begin(), batch.columns.end(), rng);
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

std::string RowString(const RowBatch& batch, size_t row) {
  std::vector<std::pair<std::string, std::string>> values;
  for (const RowColumn& column : batch.columns) {
    if (!column.present.empty() && column.present[row] == 0) continue;
    values.emplace_back(absl::StrCat(absl::CEscape(column.name), ":", TypeName(column.type)),
                        ValueString(column, row));
  }
  std::sort(values.begin(), values.end());
  std::vector<std::string> parts;
  for (auto& [k, v] : values) parts.push_back(absl::StrCat(k, "=", v));
  return absl::StrCat(StreamString(batch.dimensions, batch.measure_name, batch.measure_value_type),
                      "|", batch.time_nanos[row], "|", batch.versions[row], "|",
                      absl::StrJoin(parts, ";"));
}

void Model::Add(const std::vector<RowBatch>& batches) {
  for (const RowBatch& batch : batches) {
    std::string key = StreamString(batch.dimensions, batch.measure_name, batch.measure_value_type);
    for (size_t i = 0; i < batch.time_nanos.size(); ++i) {
      auto& rows = streams_[key];
      auto it = rows.find(batch.time_nanos[i]);
      if (it != rows.end() && it->second.version > batch.versions[i]) continue;
      rows[batch.time_nanos[i]] =
          Row{batch.versions[i], RowString(batch, i), Sorted(batch.dimensions), batch.measure_name};
    }
  }
}

void Model::ApplyRetention(int64_t min_time) {
  cutoff_ = std::max(cutoff_, min_time);
  for (auto& [key, rows] : streams_) rows.erase(rows.begin(), rows.lower_bound(cutoff_));
}

std::vector<std::string> Model::Rows(const ScanRequest& request) const {
  std::vector<std::string> out;
  for (const auto& [key, rows] : streams_) {
    for (const auto& [time, row] : rows) {
      if (Matches(row.series, row.measure, time, request, cutoff_)) out.push_back(row.text);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Model::Find(const LookupKey& key) const {
  if (key.time_nanos < cutoff_) return "";
  std::string prefix =
      absl::StrCat(SeriesString(Sorted(key.dimensions)), "|", absl::CEscape(key.measure_name), "|");
  for (const auto& [stream, rows] : streams_) {
    if (stream.compare(0, prefix.size(), prefix) != 0) continue;
    if (stream.find('|', prefix.size()) != std::string::npos) continue;
    auto it = rows.find(key.time_nanos);
    if (it != rows.end()) return it->second.text;
  }
  return "";
}

absl::StatusOr<std::vector<std::string>> ScanRows(const MagneticStore& store,
                                                  const ScanRequest& request) {
  std::vector<std::string> out;
  std::set<std::pair<std::string, int64_t>> seen;
  std::string last_stream;
  int64_t last_time = 0;
  std::string problem;
  std::map<std::string, std::string> columns_of_stream;
  absl::Status status = store.Scan(request, [&](const RowBatch& batch) {
    const size_t rows = batch.time_nanos.size();
    std::string stream =
        StreamString(batch.dimensions, batch.measure_name, batch.measure_value_type);
    std::string columns;
    for (const RowColumn& c : batch.columns)
      absl::StrAppend(&columns, c.name, ":", TypeName(c.type), ",");
    auto [it, fresh] = columns_of_stream.emplace(stream, columns);
    if (rows == 0) problem = "empty batch";
    if (rows > static_cast<size_t>(std::max(request.max_rows_per_batch, 1)))
      problem = "batch too big";
    if (batch.versions.size() != rows) problem = "versions length";
    if (!std::is_sorted(batch.dimensions.begin(), batch.dimensions.end(),
                        [](const Dimension& a, const Dimension& b) { return a.name < b.name; })) {
      problem = "dimensions not sorted";
    }
    if (!fresh && it->second != columns) problem = "columns change within a stream";
    for (const RowColumn& c : batch.columns) {
      size_t n = c.type == MeasureValueType::kDouble    ? c.doubles.size()
                 : c.type == MeasureValueType::kVarchar ? c.strings.size()
                                                        : c.ints.size();
      if (n != rows || c.present.size() != rows) problem = "column length";
    }
    if (!problem.empty()) return false;
    for (size_t i = 0; i < rows; ++i) {
      if (stream == last_stream && batch.time_nanos[i] <= last_time) {
        problem = absl::StrCat("time not increasing in ", stream);
      }
      if (!seen.emplace(stream, batch.time_nanos[i]).second) {
        problem = absl::StrCat("row twice: ", stream, " at ", batch.time_nanos[i]);
      }
      last_stream = stream;
      last_time = batch.time_nanos[i];
      out.push_back(RowString(batch, i));
    }
    return problem.empty();
  });
  if (!status.ok()) return status;
  if (!problem.empty()) return absl::InternalError(absl::StrCat("scan invariant: ", problem));
  std::sort(out.begin(), out.end());
  return out;
}

std::string FreshTestDir(absl::string_view prefix) {
  std::string dir = absl::StrCat(::testing::TempDir(), "/", prefix,
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

std::unique_ptr<MagneticStore> OpenStoreOrFail(const std::string& dir,
                                               const MagneticOptions& options) {
  absl::StatusOr<std::unique_ptr<MagneticStore>> store = MagneticStore::Open(dir, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

}  // namespace tsw::magnetic::testing
