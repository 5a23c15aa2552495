// The batches of a filtered scan (QuerySource::ScanFiltered) are mutable: the executor
// moves their time and value arrays into the query's vectors instead of copying them, and
// must hand each batch back as it found it, with the answer that of the plain scan. A
// source of hand-made batches checks both: it compares each batch after the visit with a
// copy taken before it, and the same queries are answered through Scan (its
// ScanFiltered switched off).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"

namespace tsw::testing {
namespace {

bool SameBatch(const ScanBatch& a, const ScanBatch& b) {
  if (a.dimensions.size() != b.dimensions.size() || a.measure_name != b.measure_name ||
      a.measure_value_type != b.measure_value_type || a.time_nanos != b.time_nanos ||
      a.versions != b.versions || a.columns.size() != b.columns.size()) {
    return false;
  }
  for (size_t i = 0; i < a.dimensions.size(); ++i) {
    if (a.dimensions[i].name != b.dimensions[i].name ||
        a.dimensions[i].value != b.dimensions[i].value) {
      return false;
    }
  }
  for (size_t i = 0; i < a.columns.size(); ++i) {
    const ScanColumn& x = a.columns[i];
    const ScanColumn& y = b.columns[i];
    if (x.name != y.name || x.type != y.type || x.doubles != y.doubles || x.ints != y.ints ||
        x.strings != y.strings || x.present != y.present) {
      return false;
    }
  }
  return true;
}

// Table "db"."tb": dimension host, MULTI measure m with x DOUBLE, y BIGINT, s VARCHAR.
// Two hosts, three batches each; x is absent on every seventh row.
class BatchSource final : public query::QuerySource {
 public:
  explicit BatchSource(bool filters) : filters_(filters) {
    for (const char* host : {"a", "b"}) {
      for (int b = 0; b < 3; ++b) {
        ScanBatch batch;
        batch.dimensions = {{"host", host}};
        batch.measure_name = "m";
        batch.measure_value_type = MeasureValueType::kMulti;
        batch.columns.resize(3);
        batch.columns[0].name = "s";
        batch.columns[0].type = MeasureValueType::kVarchar;
        batch.columns[1].name = "x";
        batch.columns[1].type = MeasureValueType::kDouble;
        batch.columns[2].name = "y";
        batch.columns[2].type = MeasureValueType::kBigint;
        const int rows = 50 + 40 * b;
        for (int r = 0; r < rows; ++r) {
          const int64_t i = b * 1000 + r;
          batch.time_nanos.push_back(kNow + i * kSecondNanos);
          batch.versions.push_back(1);
          batch.columns[0].strings.push_back(absl::StrCat("s", i % 4));
          batch.columns[0].present.push_back(1);
          const bool has_x = i % 7 != 3;
          batch.columns[1].doubles.push_back(has_x ? static_cast<double>(i % 10) + 0.5 : 0);
          batch.columns[1].present.push_back(has_x ? 1 : 0);
          batch.columns[2].ints.push_back(i * 3);
          batch.columns[2].present.push_back(1);
        }
        batches_.push_back(std::move(batch));
      }
    }
  }

  absl::StatusOr<query::TableColumns> Columns(std::string_view, std::string_view) override {
    query::TableColumns c;
    c.dimensions = {"host"};
    c.measures = {{"m", MeasureValueType::kMulti}};
    c.attributes = {{"s", MeasureValueType::kVarchar},
                    {"x", MeasureValueType::kDouble},
                    {"y", MeasureValueType::kBigint}};
    return c;
  }

  absl::Status Scan(const ScanRequest&,
                    const std::function<bool(const ScanBatch&)>& visitor) override {
    for (const ScanBatch& batch : batches_) {
      if (!visitor(batch)) break;
    }
    return absl::OkStatus();
  }

  // Every row (a source may hand out rows the filter rejects), each batch checked after
  // its visit against its copy.
  absl::Status ScanFiltered(const ScanRequest&, const RowFilter&,
                            const std::function<bool(ScanBatch&)>& visitor) override {
    if (!filters_) return absl::UnimplementedError("not filtering");
    for (ScanBatch& batch : batches_) {
      const ScanBatch before = batch;
      const bool go_on = visitor(batch);
      ++filtered_batches_;
      if (!SameBatch(batch, before)) ++changed_batches_;
      if (!go_on) break;
    }
    return absl::OkStatus();
  }

  int64_t NowNanos() const override { return kNow; }

  int filtered_batches() const { return filtered_batches_; }
  int changed_batches() const { return changed_batches_; }

 private:
  const bool filters_;
  std::vector<ScanBatch> batches_;
  int filtered_batches_ = 0;
  int changed_batches_ = 0;
};

std::vector<std::string> Answer(const std::string& sql, query::QuerySource& source) {
  std::vector<std::string> rows;
  absl::Status s = query::Execute(sql, source, query::QueryLimits{}, [&](const QueryBatch& b) {
    AppendRows(b, &rows);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s;
  return rows;
}

class LentBatchTest : public ::testing::TestWithParam<const char*> {};

TEST_P(LentBatchTest, BatchesComeBackAsTheyWereAndAnswersAreTheScans) {
  const std::string sql = GetParam();
  BatchSource filtered(true);
  BatchSource plain(false);
  const std::vector<std::string> lent = Answer(sql, filtered);
  const std::vector<std::string> read = Answer(sql, plain);
  EXPECT_GT(filtered.filtered_batches(), 0);
  EXPECT_EQ(filtered.changed_batches(), 0);
  EXPECT_FALSE(read.empty());
  EXPECT_EQ(lent, read);
}

// Most WHEREs keep most rows, as a filtered scan's batches do (a batch the WHERE keeps
// under half of is gathered row by row instead, which the first query takes).
INSTANTIATE_TEST_SUITE_P(
    Queries, LentBatchTest,
    ::testing::Values(
        "SELECT host, time, x, y, s FROM \"db\".\"tb\" WHERE x > 5",
        "SELECT host, time, x, y, s FROM \"db\".\"tb\" WHERE x > 1",
        "SELECT time, y, s, x, measure_name FROM \"db\".\"tb\" WHERE x >= 0.5 AND x < 9",
        "SELECT y, x, time FROM \"db\".\"tb\" WHERE x > 2 ORDER BY y DESC LIMIT 30",
        "SELECT host, s, max(y), count(x) FROM \"db\".\"tb\" WHERE x < 8 GROUP BY host, s "
        "ORDER BY host, s",
        "SELECT x, x + 1 AS x1, y, s FROM \"db\".\"tb\" WHERE x > 0 AND y > 30"));

}  // namespace
}  // namespace tsw::testing
