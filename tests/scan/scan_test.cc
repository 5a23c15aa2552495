// Scan over the memory store: time range, measure and dimension filters, batch sizes,
// early stop, out-of-order writes read back in order.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
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

// Memory cells 8 bytes wide (values without a short decimal form) are handed out bit for
// bit at every row offset a batch can start at, for DOUBLE and BIGINT attributes.
TEST_F(ScanTest, ReturnsWideDoubleAndBigintCellsExactlyAtEveryRowOffset) {
  constexpr int kRows = 40;
  std::vector<double> doubles;
  std::vector<int64_t> ints;
  std::vector<Record> records;
  for (int i = 0; i < kRows; ++i) {
    const double d = (i % 5 == 4 ? -1 : 1) * (1.0 / 7 + i * 1e-9) * std::pow(10.0, i % 9 - 4);
    const int64_t n = (i % 2 == 0 ? INT64_MAX : INT64_MIN + 1) / (i + 1) + i;
    doubles.push_back(std::stod(absl::StrFormat("%.17g", d)));
    ints.push_back(n);
    records.push_back(MultiRec({Dim("host", "w")}, "mm",
                               {Attr("d", absl::StrFormat("%.17g", d)),
                                Attr("n", absl::StrCat(n), MeasureValueType::kBigint)},
                               kNowMillis - kRows + i));
  }
  ASSERT_TRUE(Write(records).ok());
  for (int batch : {1, 3, 7, kRows}) {
    ScanRequest req;
    req.max_rows_per_batch = batch;
    std::vector<double> got_doubles;
    std::vector<int64_t> got_ints;
    ASSERT_TRUE(store_
                    ->Scan(req,
                           [&](const ScanBatch& b) {
                             for (const ScanColumn& c : b.columns) {
                               EXPECT_EQ(c.present.size(), b.time_nanos.size());
                               if (c.name == "d") {
                                 got_doubles.insert(got_doubles.end(), c.doubles.begin(),
                                                    c.doubles.end());
                               } else {
                                 got_ints.insert(got_ints.end(), c.ints.begin(), c.ints.end());
                               }
                             }
                             return true;
                           })
                    .ok());
    ASSERT_EQ(got_doubles.size(), doubles.size()) << "batch " << batch;
    for (size_t i = 0; i < doubles.size(); ++i) {
      EXPECT_EQ(std::bit_cast<uint64_t>(got_doubles[i]), std::bit_cast<uint64_t>(doubles[i]))
          << "batch " << batch << " row " << i;
    }
    EXPECT_EQ(got_ints, ints) << "batch " << batch;
  }
}

// A filtered scan of memory rows (a WHERE over attribute "x" handed to the tiers) copies
// the other attributes at the kept rows only: each kept row arrives with its own wide
// DOUBLE, BIGINT and VARCHAR cells, wherever its batch starts in the chunk.
TEST_F(ScanTest, AFilteredScanHandsOutKeptMemoryRowsWithTheirOwnCells) {
  constexpr int kRows = 60;
  std::vector<Record> records;
  std::vector<std::string> want_all;
  for (int i = 0; i < kRows; ++i) {
    const bool hot = i % 7 == 3 || i % 11 == 0 || i == kRows - 1;
    const std::string d = absl::StrFormat("%.17g", (1.0 / 3 + i) * std::pow(10.0, i % 7 - 3));
    const int64_t n = INT64_MAX / (i + 2) - i;
    const std::string text = absl::StrCat("v", i);
    records.push_back(MultiRec({Dim("host", "f")}, "mm",
                               {Attr("x", hot ? "100" : "0"), Attr("d", d),
                                Attr("n", absl::StrCat(n), MeasureValueType::kBigint),
                                Attr("s", text, MeasureValueType::kVarchar)},
                               kNowMillis - kRows + i));
    if (hot) {
      want_all.push_back(
          absl::StrCat((kNowMillis - kRows + i) * 1000000, ":", d, ":", n, ":", text));
    }
  }
  ASSERT_TRUE(Write(records).ok());
  RowFilter filter;
  filter.attributes = {"x"};
  filter.select = [](const RowBatch& batch, std::vector<uint32_t>* rows) {
    rows->clear();
    for (const RowColumn& c : batch.columns) {
      if (c.name != "x") continue;
      for (size_t r = 0; r < c.doubles.size(); ++r) {
        if (c.present[r] && c.doubles[r] > 50) rows->push_back(static_cast<uint32_t>(r));
      }
    }
    return true;
  };
  for (int batch : {1, 4, 9, kRows}) {
    for (int skip : {0, 5, 22}) {
      ScanRequest req;
      req.max_rows_per_batch = batch;
      req.start_time_nanos = (kNowMillis - kRows + skip) * 1000000;
      std::vector<std::string> got;
      ASSERT_TRUE(store_
                      ->Scan(
                          req,
                          [&](const ScanBatch& b) {
                            for (size_t r = 0; r < b.time_nanos.size(); ++r) {
                              std::string row = absl::StrCat(b.time_nanos[r]);
                              for (const char* name : {"x", "d", "n", "s"}) {
                                for (const ScanColumn& c : b.columns) {
                                  if (c.name != name) continue;
                                  if (c.name == "x" && c.doubles[r] <= 50) row.clear();
                                  if (row.empty() || c.name == "x") continue;
                                  if (c.name == "d") {
                                    absl::StrAppend(&row, ":",
                                                    absl::StrFormat("%.17g", c.doubles[r]));
                                  } else if (c.name == "n") {
                                    absl::StrAppend(&row, ":", c.ints[r]);
                                  } else {
                                    absl::StrAppend(&row, ":", c.strings[r]);
                                  }
                                }
                              }
                              if (!row.empty()) got.push_back(row);
                            }
                            return true;
                          },
                          &filter)
                      .ok());
      std::vector<std::string> want;
      for (const std::string& row : want_all) {
        if (std::stoll(row.substr(0, row.find(':'))) >= req.start_time_nanos) want.push_back(row);
      }
      EXPECT_EQ(got, want) << "batch " << batch << " skip " << skip;
    }
  }
}

}  // namespace
}  // namespace tsw::testing
