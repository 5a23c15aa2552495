// Helpers for the tier tests: a table store with short retention under a manual clock, a
// model of what a table must hold, and scans whose MULTI values do not depend on the
// order a tier lays attributes out in.
#ifndef TSW_TESTS_TABLE_TIER_TEST_UTIL_H_
#define TSW_TESTS_TABLE_TIER_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/table/table_store.h"
#include "gtest/gtest.h"
#include "tests/table/table_test_util.h"
#include "tsw/types.h"

namespace tsw::testing {

inline constexpr int64_t kSecond = 1000000000;
inline constexpr int64_t kMinute = 60 * kSecond;
inline constexpr int64_t kHour = 60 * kMinute;
inline constexpr int64_t kDay = 24 * kHour;

// The rows of `all` a scan with `request`'s range and filters returns.
inline Contents Filter(const Contents& all, const ScanRequest& request) {
  Contents out;
  for (const auto& [key, row] : all) {
    const auto& [series, measure, time] = key;
    if (time < request.start_time_nanos || time >= request.end_time_nanos) continue;
    if (!request.measure_names.empty() &&
        std::find(request.measure_names.begin(), request.measure_names.end(), measure) ==
            request.measure_names.end()) {
      continue;
    }
    bool match = true;
    for (const Dimension& f : request.dimension_filters) {
      const std::string pair = absl::StrCat(f.name, "=", f.value);
      // Series text is "k=v,k=v": compare whole pairs.
      bool found = false;
      size_t begin = 0;
      while (begin <= series.size()) {
        size_t end = series.find(',', begin);
        if (end == std::string::npos) end = series.size();
        found |= series.compare(begin, end - begin, pair) == 0;
        begin = end + 1;
      }
      match &= found;
    }
    if (match) out.emplace(key, row);
  }
  return out;
}

// The rows of `all` at or after `start`.
inline Contents From(const Contents& all, int64_t start) {
  ScanRequest r;
  r.start_time_nanos = start;
  return Filter(all, r);
}

// What a table must hold after a sequence of writes, under Timestream's Version rules.
class Model {
 public:
  enum class Outcome { kInserted, kReplaced, kIdempotent, kRejected };

  // `value` as ValueText shows it.
  Outcome Write(const std::string& series, const std::string& measure, MeasureValueType type,
                int64_t time_nanos, int64_t version, const std::string& value) {
    const RowKey key(series, measure, time_nanos);
    auto it = rows_.find(key);
    if (it == rows_.end()) {
      rows_.emplace(key, Row{version, type, value});
      return Outcome::kInserted;
    }
    if (version > it->second.version) {
      it->second.version = version;
      it->second.value = value;
      return Outcome::kReplaced;
    }
    return it->second.value == value ? Outcome::kIdempotent : Outcome::kRejected;
  }

  const Contents& rows() const { return rows_; }
  Contents& mutable_rows() { return rows_; }

 private:
  Contents rows_;
};

// A DOUBLE value printed the way scans print it.
inline std::string DoubleText(double d) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

// A table store with 1-hour memory and 2-day magnetic retention, magnetic-store writes
// enabled, under a manual clock at kNowNanos.
class TierFixture : public TableFixture {
 protected:
  TierFixture() {
    table_.retention_properties.memory_store_retention_period_in_hours = 1;
    table_.retention_properties.magnetic_store_retention_period_in_days = 2;
    table_.magnetic_store_write_properties.enable_magnetic_store_writes = true;
  }

  // Reopens with `wal_file_bytes`-sized log files.
  void ReopenWithWalFileBytes(int64_t wal_file_bytes) {
    store_.reset();
    table::TableStoreOptions o;
    o.options = &options_;
    o.clock = &clock_;
    o.report = [this](absl::string_view line) { log_lines_.emplace_back(line); };
    o.wal_max_file_bytes = wal_file_bytes;
    absl::StatusOr<std::unique_ptr<table::TableStore>> s = table::TableStore::Open(dir_, o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }

  absl::Status Maintain() { return store_->RunMaintenance(table_); }
  TableStats Stats() { return store_->Stats(); }
  Contents ScanAllSorted(ScanRequest request = ScanRequest()) {
    return ScanAll(store_.get(), request);
  }

  // Writes `records` one request at a time (at most 100 each); every record must be
  // ingested.
  void WriteAll(const std::vector<Record>& records) {
    for (size_t i = 0; i < records.size(); i += 100) {
      std::vector<Record> part(records.begin() + i,
                               records.begin() + std::min(records.size(), i + 100));
      absl::StatusOr<WriteRecordsResponse> r = Write(part);
      ASSERT_TRUE(r.ok()) << r.status();
    }
  }
};

// Scalar and MULTI records of a few series and measures at times in
// [now_nanos - span_nanos, now_nanos), with the model updated to match. Times are
// milliseconds; every record has Version `version`.
inline std::vector<Record> MixedRecords(std::mt19937_64& rng, int count, int64_t now_nanos,
                                        int64_t span_nanos, int64_t version, Model* model) {
  std::vector<Record> out;
  const int64_t span_ms = span_nanos / 1000000;
  const int64_t end_ms = now_nanos / 1000000;
  for (int i = 0; i < count; ++i) {
    const std::string host = absl::StrCat("h", rng() % 7);
    const std::string region = rng() % 2 ? "eu" : "us";
    const std::string series = absl::StrCat("host=", host, ",region=", region);
    const int kind = static_cast<int>(rng() % 5);
    static constexpr const char* kMeasures[] = {"cpu", "count", "state", "up", "metrics"};
    int64_t ms, t;
    do {  // A fresh key: a second value at the same Version would be rejected.
      ms = end_ms - 1 - static_cast<int64_t>(rng() % static_cast<uint64_t>(span_ms));
      t = ms * 1000000;
    } while (model->rows().count(RowKey(series, kMeasures[kind], t)) > 0);
    Record r;
    const double d = static_cast<double>(static_cast<int64_t>(rng() % 100000)) / 4;
    switch (kind) {
      case 0:
        r = Rec({Dim("host", host), Dim("region", region)}, "cpu", DoubleText(d), ms, std::nullopt,
                version);
        model->Write(series, "cpu", MeasureValueType::kDouble, t, version, DoubleText(d));
        break;
      case 1: {
        const std::string v = absl::StrCat(rng() % 1000);
        r = Rec({Dim("host", host), Dim("region", region)}, "count", v, ms,
                MeasureValueType::kBigint, version);
        model->Write(series, "count", MeasureValueType::kBigint, t, version, v);
        break;
      }
      case 2: {
        const std::string v = absl::StrCat("state-", rng() % 5);
        r = Rec({Dim("host", host), Dim("region", region)}, "state", v, ms,
                MeasureValueType::kVarchar, version);
        model->Write(series, "state", MeasureValueType::kVarchar, t, version, v);
        break;
      }
      case 3: {
        const bool v = rng() % 2;
        r = Rec({Dim("host", host), Dim("region", region)}, "up", v ? "true" : "false", ms,
                MeasureValueType::kBoolean, version);
        model->Write(series, "up", MeasureValueType::kBoolean, t, version, v ? "true" : "false");
        break;
      }
      default: {
        // MULTI with a varying attribute set (so slots and segment columns differ).
        std::vector<MeasureValue> values;
        std::vector<std::string> parts;
        values.push_back(Attr("load", DoubleText(d)));
        parts.push_back(absl::StrCat("load=", DoubleText(d)));
        if (rng() % 2) {
          const std::string mode = absl::StrCat("m", rng() % 3);
          values.push_back(Attr("mode", mode, MeasureValueType::kVarchar));
          parts.push_back(absl::StrCat("mode=", mode));
        }
        if (rng() % 3 == 0) {
          const std::string n = absl::StrCat(rng() % 50);
          values.push_back(Attr("apps", n, MeasureValueType::kBigint));
          parts.push_back(absl::StrCat("apps=", n));
        }
        std::sort(parts.begin(), parts.end());
        std::string text;
        for (const std::string& p : parts) absl::StrAppend(&text, text.empty() ? "" : ";", p);
        r = MultiRec({Dim("host", host), Dim("region", region)}, "metrics", values, ms, version);
        model->Write(series, "metrics", MeasureValueType::kMulti, t, version, text);
        break;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace tsw::testing

#endif  // TSW_TESTS_TABLE_TIER_TEST_UTIL_H_
