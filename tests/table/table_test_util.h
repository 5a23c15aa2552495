// Helpers for the table store tests: a store in a fresh directory under a manual clock,
// record builders, and a scan of everything into an ordered map.
#ifndef TSW_TESTS_TABLE_TABLE_TEST_UTIL_H_
#define TSW_TESTS_TABLE_TABLE_TEST_UTIL_H_

#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/table/table_store.h"
#include "gtest/gtest.h"
#include "tsw/clock.h"
#include "tsw/options.h"
#include "tsw/status.h"
#include "tsw/types.h"

namespace tsw::testing {

// 2023-11-14T22:13:20Z, in nanoseconds.
inline constexpr int64_t kNowNanos = 1700000000LL * 1000000000;
inline constexpr int64_t kNowMillis = kNowNanos / 1000000;

// A new empty directory under the test's temporary directory.
inline std::string NewTempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(base != nullptr ? base : "/tmp", "/tsw_XXXXXX");
  char* made = mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  return pattern;
}

inline Dimension Dim(std::string name, std::string value) {
  Dimension d;
  d.name = std::move(name);
  d.value = std::move(value);
  return d;
}

inline MeasureValue Attr(std::string name, std::string value,
                         MeasureValueType type = MeasureValueType::kDouble) {
  MeasureValue v;
  v.name = std::move(name);
  v.value = std::move(value);
  v.type = type;
  return v;
}

// A scalar record at `millis` (milliseconds, the default unit).
inline Record Rec(std::vector<Dimension> dims, std::string measure, std::string value,
                  int64_t millis = kNowMillis, std::optional<MeasureValueType> type = std::nullopt,
                  std::optional<int64_t> version = std::nullopt) {
  Record r;
  r.dimensions = std::move(dims);
  r.measure_name = std::move(measure);
  r.measure_value = std::move(value);
  r.time = absl::StrCat(millis);
  r.measure_value_type = type;
  r.version = version;
  return r;
}

inline Record MultiRec(std::vector<Dimension> dims, std::string measure,
                       std::vector<MeasureValue> values, int64_t millis = kNowMillis,
                       std::optional<int64_t> version = std::nullopt) {
  Record r;
  r.dimensions = std::move(dims);
  r.measure_name = std::move(measure);
  r.measure_values = std::move(values);
  r.measure_value_type = MeasureValueType::kMulti;
  r.time = absl::StrCat(millis);
  r.version = version;
  return r;
}

inline WriteRecordsRequest Req(std::vector<Record> records,
                               std::optional<Record> common = std::nullopt) {
  WriteRecordsRequest req;
  req.database_name = "db";
  req.table_name = "tbl";
  req.records = std::move(records);
  req.common_attributes = std::move(common);
  return req;
}

// One stored row as the scan shows it. `value` is the scalar value or the MULTI
// attributes as "name=value;..." (absent attributes left out), numbers printed exactly.
struct Row {
  int64_t version = 0;
  MeasureValueType type = MeasureValueType::kDouble;
  std::string value;
  bool operator==(const Row& o) const {
    return version == o.version && type == o.type && value == o.value;
  }
};
inline std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << "{v" << r.version << " " << ToString(r.type) << " " << r.value << "}";
}

// (series "k=v,k=v", measure, time ns) -> row.
using RowKey = std::tuple<std::string, std::string, int64_t>;
using Contents = std::map<RowKey, Row>;

inline std::string CellText(const ScanColumn& c, size_t i) {
  switch (c.type) {
    case MeasureValueType::kDouble: {
      char buf[32];
      snprintf(buf, sizeof(buf), "%.17g", c.doubles[i]);
      return buf;
    }
    case MeasureValueType::kVarchar:
      return c.strings[i];
    case MeasureValueType::kBoolean:
      return c.ints[i] ? "true" : "false";
    default:
      return absl::StrCat(c.ints[i]);
  }
}

inline std::string SeriesText(const std::vector<Dimension>& dims) {
  std::string out;
  for (const Dimension& d : dims)
    absl::StrAppend(&out, out.empty() ? "" : ",", d.name, "=", d.value);
  return out;
}

// A row's value as scans show it: the scalar value, or the MULTI attributes present as
// "name=value;..." sorted by name (so it does not depend on the order a tier lays the
// attributes out in).
inline std::string ValueText(const ScanBatch& b, size_t i) {
  if (b.measure_value_type != MeasureValueType::kMulti) return CellText(b.columns.at(0), i);
  std::vector<std::string> parts;
  for (const ScanColumn& c : b.columns) {
    if (c.present.at(i)) parts.push_back(absl::StrCat(c.name, "=", CellText(c, i)));
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const std::string& p : parts) absl::StrAppend(&out, out.empty() ? "" : ";", p);
  return out;
}

// Appends the batch's rows to `*out`; fails the test on a duplicate, a disorder or a
// malformed batch.
inline void CollectBatch(const ScanBatch& b, Contents* out) {
  const std::string series = SeriesText(b.dimensions);
  for (size_t d = 1; d < b.dimensions.size(); ++d) {
    EXPECT_LT(b.dimensions[d - 1].name, b.dimensions[d].name) << "dimensions not sorted";
  }
  EXPECT_EQ(b.versions.size(), b.time_nanos.size());
  for (const ScanColumn& c : b.columns) EXPECT_EQ(c.present.size(), b.time_nanos.size());
  for (size_t i = 0; i < b.time_nanos.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(b.time_nanos[i - 1], b.time_nanos[i]) << "rows out of order";
    }
    Row row;
    row.version = b.versions[i];
    row.type = b.measure_value_type;
    row.value = ValueText(b, i);
    const bool inserted = out->emplace(RowKey(series, b.measure_name, b.time_nanos[i]), row).second;
    EXPECT_TRUE(inserted) << "row seen twice: " << series << " " << b.measure_name << " "
                          << b.time_nanos[i];
  }
}

inline Contents ScanAll(table::TableStore* store, ScanRequest request = ScanRequest()) {
  Contents out;
  absl::Status s = store->Scan(request, [&out](const ScanBatch& b) {
    CollectBatch(b, &out);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

// A table store in a fresh directory with a manual clock at kNowNanos.
class TableFixture : public ::testing::Test {
 protected:
  TableFixture() : clock_(kNowNanos) {
    dir_ = NewTempDir();
    table_.database_name = "db";
    table_.table_name = "tbl";
    ReopenStore();
  }

  void ReopenStore() {
    store_.reset();
    table::TableStoreOptions o;
    o.options = &options_;
    o.clock = &clock_;
    o.report = [this](absl::string_view line) { log_lines_.emplace_back(line); };
    absl::StatusOr<std::unique_ptr<table::TableStore>> s = table::TableStore::Open(dir_, o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }

  absl::StatusOr<WriteRecordsResponse> Write(const WriteRecordsRequest& request) {
    return store_->Write(request, table_);
  }
  absl::StatusOr<WriteRecordsResponse> Write(std::vector<Record> records,
                                             std::optional<Record> common = std::nullopt) {
    return Write(Req(std::move(records), std::move(common)));
  }
  // Writes one record and returns the status (OK or the error).
  absl::Status WriteOne(Record record) { return Write({std::move(record)}).status(); }

  Contents Scan(ScanRequest request = ScanRequest()) { return ScanAll(store_.get(), request); }

  Options options_;
  ManualClock clock_;
  Table table_;
  std::string dir_;
  std::vector<std::string> log_lines_;
  std::unique_ptr<table::TableStore> store_;
};

// The one rejection of a RejectedRecordsException status with a single rejected record.
inline RejectedRecord OnlyRejection(const absl::Status& s) {
  EXPECT_EQ(KindOf(s), ErrorKind::kRejectedRecords) << s;
  std::vector<RejectedRecord> r = RejectedRecordsOf(s);
  EXPECT_EQ(r.size(), 1u) << s;
  return r.empty() ? RejectedRecord{-1, "", std::nullopt} : r[0];
}

}  // namespace tsw::testing

#endif  // TSW_TESTS_TABLE_TABLE_TEST_UTIL_H_
