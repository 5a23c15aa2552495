// Scan over the memory store: time range, measure and dimension filters, batch sizes,
// early stop, out-of-order writes read back in order.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/table/table_test_util.h"

namespace tsw::testing {
namespace {

class ScanTest : public TableFixture {
 protected:
  // host=a and host=b, measures m and n, times kNowMillis - 0..9.
  void WriteGrid() {
    std::vector<Record> records;
    for (const char* host : {"a", "b"}) {
      for (const char* measure : {"m", "n"}) {
        for (int i = 0; i < 10; ++i) {
          records.push_back(
              Rec({Dim("host", host), Dim("dc", "x")}, measure, absl::StrCat(i), kNowMillis - i));
        }
      }
    }
    for (size_t i = 0; i < records.size(); i += 20) {
      std::vector<Record> part(records.begin() + i,
                               records.begin() + std::min(records.size(), i + 20));
      ASSERT_TRUE(Write(part).ok());
    }
  }
};

TEST_F(ScanTest, ReturnsTheHalfOpenTimeRange) {
  WriteGrid();
  ScanRequest req;
  req.start_time_nanos = (kNowMillis - 5) * 1000000;
  req.end_time_nanos = (kNowMillis - 2) * 1000000;
  Contents c = Scan(req);
  EXPECT_EQ(c.size(), 2u * 2u * 3u);
  for (const auto& [key, row] : c) {
    EXPECT_GE(std::get<2>(key), req.start_time_nanos);
    EXPECT_LT(std::get<2>(key), req.end_time_nanos);
  }
  req.end_time_nanos = req.start_time_nanos;
  EXPECT_TRUE(Scan(req).empty());
}

TEST_F(ScanTest, FiltersByMeasureNamesAndDimensionValues) {
  WriteGrid();
  ScanRequest req;
  req.measure_names = {"n", "unknown"};
  req.dimension_filters = {Dim("host", "b")};
  Contents c = Scan(req);
  EXPECT_EQ(c.size(), 10u);
  for (const auto& [key, row] : c) {
    EXPECT_EQ(std::get<0>(key), "dc=x,host=b");
    EXPECT_EQ(std::get<1>(key), "n");
  }
  req.dimension_filters = {Dim("host", "b"), Dim("dc", "y")};
  EXPECT_TRUE(Scan(req).empty());
  req.dimension_filters = {Dim("rack", "1")};
  EXPECT_TRUE(Scan(req).empty());
  req.dimension_filters.clear();
  req.measure_names = {"unknown"};
  EXPECT_TRUE(Scan(req).empty());
}

TEST_F(ScanTest, SplitsBatchesAtMaxRowsPerBatchWithinOneSeriesAndMeasure) {
  WriteGrid();
  ScanRequest req;
  req.max_rows_per_batch = 4;
  std::vector<size_t> sizes;
  Contents all;
  ASSERT_TRUE(store_
                  ->Scan(req,
                         [&](const ScanBatch& b) {
                           sizes.push_back(b.time_nanos.size());
                           EXPECT_EQ(b.versions.size(), b.time_nanos.size());
                           EXPECT_EQ(b.columns.size(), 1u);
                           EXPECT_EQ(b.columns[0].doubles.size(), b.time_nanos.size());
                           EXPECT_EQ(b.columns[0].present.size(), b.time_nanos.size());
                           CollectBatch(b, &all);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(sizes, std::vector<size_t>({4, 4, 2, 4, 4, 2, 4, 4, 2, 4, 4, 2}));
  EXPECT_EQ(all.size(), 40u);
  req.max_rows_per_batch = 0;
  EXPECT_EQ(KindOf(store_->Scan(req, [](const ScanBatch&) { return true; })),
            ErrorKind::kValidation);
}

TEST_F(ScanTest, StopsWhenTheVisitorReturnsFalse) {
  WriteGrid();
  ScanRequest req;
  req.max_rows_per_batch = 3;
  int calls = 0;
  ASSERT_TRUE(store_->Scan(req, [&](const ScanBatch&) { return ++calls < 2; }).ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(ScanTest, ReadsOutOfOrderWritesBackInTimeOrderAcrossManyChunks) {
  // 5000 distinct times in random order, plus upserts of some: exercises chunk splits.
  std::vector<int64_t> times(5000);
  for (size_t i = 0; i < times.size(); ++i) times[i] = kNowMillis - 3 * static_cast<int64_t>(i);
  std::mt19937 rng(7);
  std::shuffle(times.begin(), times.end(), rng);
  for (size_t i = 0; i < times.size(); i += 100) {
    std::vector<Record> part;
    for (size_t j = i; j < i + 100; ++j) {
      part.push_back(Rec({Dim("host", "a")}, "m", absl::StrCat(times[j] % 1000), times[j]));
    }
    ASSERT_TRUE(Write(part).ok());
  }
  std::vector<Record> upserts;
  for (size_t j = 0; j < 100; ++j) {
    upserts.push_back(Rec({Dim("host", "a")}, "m", "-1", times[j * 37], std::nullopt, 2));
  }
  ASSERT_TRUE(Write(upserts).ok());
  Contents c = Scan();  // CollectBatch checks the order within each batch.
  ASSERT_EQ(c.size(), times.size());
  int64_t previous = INT64_MIN;
  int upserted = 0;
  for (const auto& [key, row] : c) {
    EXPECT_GT(std::get<2>(key), previous);
    previous = std::get<2>(key);
    if (row.version == 2) {
      ++upserted;
      EXPECT_EQ(row.value, "-1");
    } else {
      EXPECT_EQ(row.value, absl::StrCat((std::get<2>(key) / 1000000) % 1000));
    }
  }
  EXPECT_EQ(upserted, 100);
  EXPECT_EQ(store_->Stats().memory_points, 5000);
}

TEST_F(ScanTest, ReturnsMultiAttributesAsTypedColumnsWithPresence) {
  ASSERT_TRUE(WriteOne(MultiRec({Dim("host", "a")}, "mm",
                                {Attr("x", "1.5"), Attr("s", "hi", MeasureValueType::kVarchar)}))
                  .ok());
  ASSERT_TRUE(WriteOne(MultiRec({Dim("host", "a")}, "mm",
                                {Attr("n", "7", MeasureValueType::kBigint)}, kNowMillis + 1))
                  .ok());
  int batches = 0;
  ASSERT_TRUE(store_
                  ->Scan(ScanRequest(),
                         [&](const ScanBatch& b) {
                           ++batches;
                           EXPECT_EQ(b.measure_value_type, MeasureValueType::kMulti);
                           EXPECT_EQ(b.time_nanos.size(), 2u);
                           EXPECT_EQ(b.columns.size(), 3u);
                           for (const ScanColumn& c : b.columns) {
                             if (c.name == "x") {
                               EXPECT_EQ(c.present, std::vector<uint8_t>({1, 0}));
                               EXPECT_EQ(c.doubles.at(0), 1.5);
                             } else if (c.name == "s") {
                               EXPECT_EQ(c.type, MeasureValueType::kVarchar);
                               EXPECT_EQ(c.strings.at(0), "hi");
                             } else {
                               EXPECT_EQ(c.name, "n");
                               EXPECT_EQ(c.present, std::vector<uint8_t>({0, 1}));
                               EXPECT_EQ(c.ints.at(1), 7);
                             }
                           }
                           return true;
                         })
                  .ok());
  EXPECT_EQ(batches, 1);
}

}  // namespace
}  // namespace tsw::testing
