// Filtered magnetic scans (the WHERE pushed into the segment reads): passing rows keep all
// their columns, losing versions never get through, blocks overlapping rows held elsewhere
// are read whole, and a filtered block decodes its rows only in the scan's time range and
// its other columns only at the kept rows.
#include <algorithm>
#include <bit>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/magnetic/magnetic_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/magnetic/magnetic_test_util.h"

namespace tsw::magnetic {
namespace {

class FilteredScanTest : public ::testing::Test {
 protected:
  std::unique_ptr<MagneticStore> OpenStore() { return testing::OpenStoreOrFail(dir_, options_); }

  std::string dir_ = testing::FreshTestDir("filtered_scan_");
  MagneticOptions options_;
};

const std::vector<Dimension> kHost = {{"host", "h1"}};

// A MULTI batch of kHost's measure "m" with one DOUBLE attribute "x" and one BIGINT "y".
RowBatch MultiBatch(std::vector<int64_t> times, std::vector<int64_t> versions,
                    std::vector<double> x) {
  RowBatch b;
  b.dimensions = kHost;
  b.measure_name = "m";
  b.measure_value_type = MeasureValueType::kMulti;
  b.time_nanos = std::move(times);
  b.versions = std::move(versions);
  const size_t n = b.time_nanos.size();
  b.columns.push_back({.name = "x",
                       .type = MeasureValueType::kDouble,
                       .doubles = std::move(x),
                       .present = std::vector<uint8_t>(n, 1)});
  std::vector<int64_t> y(n);
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<int64_t>(i);
  b.columns.push_back({.name = "y",
                       .type = MeasureValueType::kBigint,
                       .ints = std::move(y),
                       .present = std::vector<uint8_t>(n, 1)});
  return b;
}

// x > 50, the RowFilter a query with that WHERE hands the tiers.
RowFilter XAbove50() {
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
  return filter;
}

// "time:x:y" of every row a filtered scan hands out.
std::vector<std::string> FilteredRows(const MagneticStore& store, const RowFilter& filter,
                                      const MagneticStore::HeldElsewhere* held = nullptr) {
  std::vector<std::string> rows;
  absl::Status s = store.Scan(
      {},
      [&](const RowBatch& b) {
        for (size_t r = 0; r < b.time_nanos.size(); ++r) {
          rows.push_back(absl::StrCat(b.time_nanos[r], ":", b.columns[0].doubles[r], ":",
                                      b.columns[1].ints[r]));
        }
        return true;
      },
      nullptr, &filter, held);
  EXPECT_TRUE(s.ok()) << s;
  return rows;
}

TEST_F(FilteredScanTest, AFilteredScanKeepsPassingRowsWithAllTheirColumns) {
  auto store = OpenStore();
  ASSERT_TRUE(
      store->AddSegment({MultiBatch({1, 2, 3, 4}, {1, 1, 1, 1}, {60, 10, 20, 70})}, "").ok());
  const RowFilter filter = XAbove50();
  // The first and last rows pass, with their own y.
  EXPECT_THAT(FilteredRows(*store, filter), ::testing::ElementsAre("1:60:0", "4:70:3"));
}

TEST_F(FilteredScanTest, AFilteredScanNeverLetsALosingVersionThrough) {
  // Time 2: x = 90 at version 1 in the first segment, x = 5 at version 2 in the second.
  // Filtering each segment's block alone would drop the winner and keep the loser.
  auto store = OpenStore();
  ASSERT_TRUE(store->AddSegment({MultiBatch({1, 2, 3}, {1, 1, 1}, {10, 90, 10})}, "").ok());
  ASSERT_TRUE(store->AddSegment({MultiBatch({2}, {2}, {5})}, "").ok());
  const RowFilter filter = XAbove50();
  for (const std::string& row : FilteredRows(*store, filter)) {
    EXPECT_NE(row, "2:90:1") << "the losing version";
  }
}

TEST_F(FilteredScanTest, AFilteredScanReadsBlocksOverlappingRowsHeldElsewhereWhole) {
  auto store = OpenStore();
  ASSERT_TRUE(store->AddSegment({MultiBatch({1, 2, 3}, {1, 1, 1}, {10, 90, 10})}, "").ok());
  const RowFilter filter = XAbove50();
  EXPECT_THAT(FilteredRows(*store, filter), ::testing::ElementsAre("2:90:1"));
  // The memory tier holds a row of the stream at time 3: the block hands out every row,
  // so the tier merge still sees the magnetic row there.
  const MagneticStore::HeldElsewhere held = [](const std::vector<Dimension>&, const std::string&,
                                               MeasureValueType, int64_t* first, int64_t* last) {
    *first = 3;
    *last = 3;
  };
  EXPECT_THAT(FilteredRows(*store, filter, &held),
              ::testing::ElementsAre("1:10:0", "2:90:1", "3:10:2"));
}

// A MULTI batch of kHost's measure "m" at times 0..n-1: "x" (the filter's, DOUBLE) is
// 100 at the rows in `hot` and 0 elsewhere, "z" (DOUBLE, a random walk of full-precision
// values, which Chimp128 or ALP-RD store) and "y" (BIGINT, the row) are read at kept rows.
RowBatch WalkBatch(size_t n, const std::vector<size_t>& hot) {
  RowBatch b = MultiBatch({}, {}, {});
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> step(-1.0, 1.0);
  double z = 50;
  b.columns.push_back({.name = "z", .type = MeasureValueType::kDouble});
  for (size_t i = 0; i < n; ++i) {
    b.time_nanos.push_back(static_cast<int64_t>(i));
    b.versions.push_back(1);
    const bool on = std::find(hot.begin(), hot.end(), i) != hot.end();
    b.columns[0].doubles.push_back(on ? 100.0 : 0.0);
    b.columns[1].ints.push_back(static_cast<int64_t>(i));
    z += step(rng);
    b.columns[2].doubles.push_back(z);
    for (RowColumn& c : b.columns) c.present.push_back(1);
  }
  return b;
}

// "time:x:y:z" of every row a filtered scan of [first, end) hands out, and the same rows of
// `all` (the batch written) whose x passes, for comparison.
std::vector<std::string> FilteredWalk(const MagneticStore& store, int64_t first, int64_t end) {
  std::vector<std::string> rows;
  ScanRequest request;
  request.start_time_nanos = first;
  request.end_time_nanos = end;
  const RowFilter filter = XAbove50();
  absl::Status s = store.Scan(
      request,
      [&](const RowBatch& b) {
        for (size_t r = 0; r < b.time_nanos.size(); ++r) {
          if (b.columns[0].doubles[r] <= 50) continue;  // The query's own WHERE.
          rows.push_back(absl::StrCat(b.time_nanos[r], ":", b.columns[0].doubles[r], ":",
                                      b.columns[1].ints[r], ":", b.columns[2].doubles[r]));
        }
        return true;
      },
      nullptr, &filter);
  EXPECT_TRUE(s.ok()) << s;
  return rows;
}

std::vector<std::string> ExpectedWalk(const RowBatch& all, int64_t first, int64_t end) {
  std::vector<std::string> rows;
  for (size_t r = 0; r < all.time_nanos.size(); ++r) {
    const int64_t t = all.time_nanos[r];
    if (t < first || t >= end || all.columns[0].doubles[r] <= 50) continue;
    rows.push_back(absl::StrCat(t, ":", all.columns[0].doubles[r], ":", all.columns[1].ints[r], ":",
                                all.columns[2].doubles[r]));
  }
  return rows;
}

TEST_F(FilteredScanTest, AFilteredScanDecodesRowsUpToTheLastKeptOneInItsTimeRange) {
  // Blocks of 300 rows (rows 0-299, 300-599, 600-899, 900-999). The filter passes at
  // block edges, the first and last rows of the stream, and runs in the middle; the scans
  // start and end mid-block, at block edges, and keep no row.
  options_.max_rows_per_block = 300;
  auto store = OpenStore();
  const std::vector<size_t> hot = {0, 1, 150, 151, 152, 299, 300, 450, 599, 600, 750, 899, 999};
  const RowBatch all = WalkBatch(1000, hot);
  ASSERT_TRUE(store->AddSegment({all}, "").ok());
  const std::vector<std::pair<int64_t, int64_t>> ranges = {
      {0, 1000},  {0, 1},      {1, 2},      {0, 151},   {151, 451}, {152, 299},
      {153, 299}, {299, 301},  {300, 600},  {301, 599}, {451, 599}, {600, 601},
      {601, 899}, {998, 1000}, {999, 1000}, {153, 155}, {400, 401}, {1000, 2000}};
  for (const auto& [first, end] : ranges) {
    EXPECT_EQ(FilteredWalk(*store, first, end), ExpectedWalk(all, first, end))
        << "[" << first << ", " << end << ")";
  }
}

TEST_F(FilteredScanTest, AFilteredScanHandsOutEachKeptRowsOwnTimeAndVersion) {
  // Versions that differ row by row (a delta-coded column, not a constant one), times
  // spaced unevenly; scans cut blocks of 300 rows at and between their edges. Each kept
  // row must carry its own time, version and y.
  options_.max_rows_per_block = 300;
  auto store = OpenStore();
  const std::vector<size_t> hot = {0, 1, 2, 150, 298, 299, 300, 301, 598, 599, 600, 899, 999};
  RowBatch all = WalkBatch(1000, hot);
  for (size_t i = 0; i < all.time_nanos.size(); ++i) {
    all.time_nanos[i] = static_cast<int64_t>(10 * i + i % 3);
    all.versions[i] = static_cast<int64_t>(7 + 3 * i + (i % 5) * (i % 5));
  }
  ASSERT_TRUE(store->AddSegment({all}, "").ok());
  const RowFilter filter = XAbove50();
  const std::vector<std::pair<int64_t, int64_t>> ranges = {
      {0, 10000},   {1, 2990},    {10, 20},     {20, 2991},   {2990, 2992},
      {2991, 3011}, {3001, 5980}, {5981, 8991}, {8990, 9991}, {9990, 9992}};
  for (const auto& [first, end] : ranges) {
    std::vector<std::string> got, want;
    ScanRequest request;
    request.start_time_nanos = first;
    request.end_time_nanos = end;
    ASSERT_TRUE(store
                    ->Scan(
                        request,
                        [&](const RowBatch& b) {
                          for (size_t r = 0; r < b.time_nanos.size(); ++r) {
                            if (b.columns[0].doubles[r] <= 50) continue;
                            got.push_back(absl::StrCat(b.time_nanos[r], ":", b.versions[r], ":",
                                                       b.columns[1].ints[r]));
                          }
                          return true;
                        },
                        nullptr, &filter)
                    .ok());
    for (size_t r = 0; r < all.time_nanos.size(); ++r) {
      const int64_t t = all.time_nanos[r];
      if (t < first || t >= end || all.columns[0].doubles[r] <= 50) continue;
      want.push_back(absl::StrCat(t, ":", all.versions[r], ":", all.columns[1].ints[r]));
    }
    EXPECT_EQ(got, want) << "[" << first << ", " << end << ")";
  }
}

// A MULTI batch of kHost's measure "m" at times 0..n-1 with NULLs: "x" (the filter's) is
// 100 at the rows in `hot`, 0 elsewhere and NULL at every 13th other row; "y" (BIGINT) is
// the row; "w" (full-precision values in [-1, 1), which ALP-RD stores) is NULL at every
// 5th row; "z" (a random walk, Chimp128's or ALP-RD's) is always there; "v" (VARCHAR) is
// NULL at every 3rd row.
RowBatch WideWalkBatch(size_t n, const std::vector<size_t>& hot) {
  RowBatch b = MultiBatch({}, {}, {});
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  b.columns.push_back({.name = "w", .type = MeasureValueType::kDouble});
  b.columns.push_back({.name = "z", .type = MeasureValueType::kDouble});
  b.columns.push_back({.name = "v", .type = MeasureValueType::kVarchar});
  double z = 50;
  for (size_t i = 0; i < n; ++i) {
    b.time_nanos.push_back(static_cast<int64_t>(i));
    b.versions.push_back(1);
    const bool on = std::binary_search(hot.begin(), hot.end(), i);
    b.columns[0].doubles.push_back(on ? 100.0 : 0.0);
    b.columns[0].present.push_back(on || i % 13 != 0);
    b.columns[1].ints.push_back(static_cast<int64_t>(i));
    b.columns[1].present.push_back(1);
    b.columns[2].doubles.push_back(unit(rng));
    b.columns[2].present.push_back(i % 5 != 2);
    z += unit(rng);
    b.columns[3].doubles.push_back(z);
    b.columns[3].present.push_back(1);
    b.columns[4].strings.push_back(absl::StrCat("s", i % 7));
    b.columns[4].present.push_back(i % 3 != 0);
    for (RowColumn& c : b.columns) {  // An absent row holds the type's zero value.
      if (c.present.back() != 0) continue;
      if (!c.doubles.empty()) c.doubles.back() = 0.0;
      if (!c.strings.empty()) c.strings.back().clear();
    }
  }
  return b;
}

// Row `r` of `b`'s columns x, y, w, z and v (looked up by name), the doubles' bits exact.
std::string WideRow(const RowBatch& b, size_t r) {
  std::string row = absl::StrCat(b.time_nanos[r]);
  for (absl::string_view name : {"x", "y", "w", "z", "v"}) {
    for (const RowColumn& c : b.columns) {
      if (c.name != name) continue;
      if (!c.present[r]) {
        absl::StrAppend(&row, ":null");
      } else if (c.type == MeasureValueType::kDouble) {
        absl::StrAppend(&row, ":", absl::Hex(std::bit_cast<uint64_t>(c.doubles[r])));
      } else if (c.type == MeasureValueType::kVarchar) {
        absl::StrAppend(&row, ":", c.strings[r]);
      } else {
        absl::StrAppend(&row, ":", c.ints[r]);
      }
    }
  }
  return row;
}

TEST_F(FilteredScanTest, AFilteredScanDecodesTheOtherColumnsAtTheKeptRowsOnly) {
  // Blocks of 3,000 rows (three ALP-RD vectors and a part), so a scan's range steps over
  // vectors, unpacks some whole and some value by value; NULLs in every column but "y"
  // and "z" shift the rows' places among the stored values.
  options_.max_rows_per_block = 3000;
  auto store = OpenStore();
  std::mt19937_64 rng(5);
  std::vector<size_t> hot = {0, 1, 1023, 1024, 1025, 2047, 2999, 3000, 4096, 6999};
  for (size_t i = rng() % 100; i < 7000; i += 50 + rng() % 400) {
    for (size_t end = std::min<size_t>(7000, i + 1 + rng() % 25); i < end; ++i) hot.push_back(i);
  }
  std::sort(hot.begin(), hot.end());
  hot.erase(std::unique(hot.begin(), hot.end()), hot.end());
  const RowBatch all = WideWalkBatch(7000, hot);
  ASSERT_TRUE(store->AddSegment({all}, "").ok());
  const RowFilter filter = XAbove50();
  const std::vector<std::pair<int64_t, int64_t>> ranges = {
      {0, 7000},    {0, 1},       {1, 1024},    {1024, 1025}, {1025, 2048}, {1500, 5000},
      {2048, 3001}, {2999, 3000}, {3000, 6000}, {4000, 4097}, {6999, 7000}, {100, 101}};
  for (const auto& [first, end] : ranges) {
    std::vector<std::string> got, want;
    ScanRequest request;
    request.start_time_nanos = first;
    request.end_time_nanos = end;
    absl::Status s = store->Scan(
        request,
        [&](const RowBatch& b) {
          for (size_t r = 0; r < b.time_nanos.size(); ++r) {
            for (const RowColumn& c : b.columns) {  // The query's own WHERE.
              if (c.name == "x" && c.present[r] && c.doubles[r] > 50) got.push_back(WideRow(b, r));
            }
          }
          return true;
        },
        nullptr, &filter);
    ASSERT_TRUE(s.ok()) << s;
    for (size_t r = static_cast<size_t>(first); r < static_cast<size_t>(end); ++r) {
      if (std::binary_search(hot.begin(), hot.end(), r)) want.push_back(WideRow(all, r));
    }
    EXPECT_EQ(got, want) << "[" << first << ", " << end << ")";
  }
}

// A stream of host `host` for the scratch test: DOUBLE "x" (the filter's, NULL in some
// rows, above 50 in some), and of "w" (DOUBLE), "y" (BIGINT) and "z" (DOUBLE) the ones
// `with` names, each NULL in some rows; `n` rows from time `t0` on.
RowBatch MixedStream(int host, int64_t t0, size_t n, const std::string& with,
                     std::mt19937_64& rng) {
  RowBatch b;
  b.dimensions = {{"host", absl::StrCat("h", host)}};
  b.measure_name = "m";
  b.measure_value_type = MeasureValueType::kMulti;
  for (size_t i = 0; i < n; ++i) {
    b.time_nanos.push_back(t0 + static_cast<int64_t>(i) * 10);
    b.versions.push_back(1);
  }
  for (const char name : std::string("wxyz")) {
    if (name != 'x' && with.find(name) == std::string::npos) continue;
    RowColumn c{.name = std::string(1, name),
                .type = name == 'y' ? MeasureValueType::kBigint : MeasureValueType::kDouble};
    const unsigned null_percent = static_cast<unsigned>(rng() % 3) * 20;  // 0, 20 or 40.
    double walk = 50;
    for (size_t i = 0; i < n; ++i) {
      c.present.push_back(rng() % 100 >= null_percent ? 1 : 0);
      walk += static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / 997.0;
      if (name == 'y') {
        c.ints.push_back(static_cast<int64_t>(rng() % 1000));
      } else {
        c.doubles.push_back(name == 'x' && rng() % 5 != 0 ? 10.0 + static_cast<double>(i % 7)
                                                          : walk);
      }
    }
    b.columns.push_back(std::move(c));
  }
  return b;
}

// Every row of a scan as "host:time:name=value,..." (absent values left out), keeping
// only rows whose x is present and above 50 (the query's own WHERE).
std::vector<std::string> PassingRows(const MagneticStore& store, const RowFilter* filter) {
  std::vector<std::string> rows;
  absl::Status s = store.Scan(
      {},
      [&](const RowBatch& b) {
        for (size_t r = 0; r < b.time_nanos.size(); ++r) {
          std::string row = absl::StrCat(b.dimensions[0].value, ":", b.time_nanos[r], ":");
          bool passes = false;
          for (const RowColumn& c : b.columns) {
            if (!c.present[r]) continue;
            const bool is_int = c.type == MeasureValueType::kBigint;
            absl::StrAppend(&row, c.name, "=", is_int ? c.ints[r] : c.doubles[r], ",");
            if (c.name == "x" && c.doubles[r] > 50) passes = true;
          }
          if (passes) rows.push_back(row);
        }
        return true;
      },
      nullptr, filter);
  EXPECT_TRUE(s.ok()) << s;
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST_F(FilteredScanTest, OneScansBuffersServeStreamsOfEveryShapeInTurn) {
  // A scan decodes stream after stream through one set of buffers (MergerScratch): streams
  // with other columns, other NULLs, longer and shorter blocks and ranges must each come
  // out exactly as an unfiltered scan gives them. Two segments, the second's rows later.
  options_.max_rows_per_block = 700;
  auto store = OpenStore();
  std::mt19937_64 rng(11);
  const std::vector<std::string> shapes = {"wyz", "", "z", "yz", "w", "wz", "y"};
  for (int segment = 0; segment < 2; ++segment) {
    std::vector<RowBatch> batches;
    for (int host = 0; host < 14; ++host) {
      const size_t n = 1 + static_cast<size_t>(rng() % (host % 3 == 0 ? 2500 : 400));
      batches.push_back(
          MixedStream(host, segment * 1'000'000, n, shapes[host % shapes.size()], rng));
    }
    ASSERT_TRUE(store->AddSegment(batches, "").ok());
  }
  const RowFilter filter = XAbove50();
  const std::vector<std::string> want = PassingRows(*store, nullptr);
  ASSERT_GT(want.size(), 1000u);
  EXPECT_EQ(PassingRows(*store, &filter), want);
  // Again on the same store: a second scan starts from fresh buffers of its own.
  EXPECT_EQ(PassingRows(*store, &filter), want);
}

}  // namespace
}  // namespace tsw::magnetic
