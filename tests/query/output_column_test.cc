// AppendToColumn, how the answer's columns are built (OutputSink): the rows asked for, in
// the order asked, appended after what the column holds; NULL rows hold 0 beside their
// presence; BIGINT into a DOUBLE column converts; a constant vector repeats its value.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/query/output_sink.h"
#include "engine/query/vector.h"
#include "gtest/gtest.h"

namespace tsw::query {
namespace {

QueryColumn ColumnOf(ScalarType type) {
  QueryColumn c;
  c.type = type;
  return c;
}

// 40 rows of DOUBLE k + 0.25 and BIGINT k * 1000, each NULL at one row (-1: none; a NULL
// row's value is not 0, so a copy that ignores presence shows).
std::pair<Vec, Vec> FortyRows(int null_double, int null_bigint) {
  Vec d;
  d.type = ScalarType::kDouble;
  Vec i;
  i.type = ScalarType::kBigint;
  for (int k = 0; k < 40; ++k) {
    d.dbls.push_back(k + 0.25);
    i.ints.push_back(k * 1000);
    d.present.push_back(k == null_double ? 0 : 1);
    i.present.push_back(k == null_bigint ? 0 : 1);
  }
  return {std::move(d), std::move(i)};
}

TEST(OutputColumnTest, AppendsTheRowsAskedForInOrderAfterWhatTheColumnHolds) {
  Vec v;
  v.type = ScalarType::kDouble;
  const double nan_payload = std::bit_cast<double>(uint64_t{0x7ff8000000000123});
  v.dbls = {1.5, -0.0, nan_payload, 4.25, std::numeric_limits<double>::infinity(), 6};
  v.present = {1, 1, 1, 0, 1, 1};
  QueryColumn out = ColumnOf(ScalarType::kDouble);
  out.doubles = {9};
  out.present = {1};
  const std::vector<uint32_t> rows = {5, 1, 3, 2, 2, 0, 4};
  AppendToColumn(v, rows, out);
  ASSERT_EQ(out.doubles.size(), 8u);
  EXPECT_EQ(out.present, std::vector<uint8_t>({1, 1, 1, 0, 1, 1, 1, 1}));
  const std::vector<double> want = {
      9, 6, -0.0, 0, nan_payload, nan_payload, 1.5, std::numeric_limits<double>::infinity()};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(std::bit_cast<uint64_t>(out.doubles[i]), std::bit_cast<uint64_t>(want[i])) << i;
  }
  // Rows past the first kilobyte's worth, appended in two calls.
  std::vector<uint32_t> many;
  for (uint32_t k = 0; k < 3000; ++k) many.push_back(k % 6);
  AppendToColumn(v, many.data(), 1000, out);
  AppendToColumn(v, many.data() + 1000, 2000, out);
  ASSERT_EQ(out.doubles.size(), 3008u);
  ASSERT_EQ(out.present.size(), 3008u);
  for (size_t k = 0; k < many.size(); ++k) {
    const uint32_t r = many[k];
    EXPECT_EQ(out.present[8 + k], v.present[r]) << k;
    const double expected = v.present[r] ? v.dbls[r] : 0;
    EXPECT_EQ(std::bit_cast<uint64_t>(out.doubles[8 + k]), std::bit_cast<uint64_t>(expected)) << k;
  }
}

TEST(OutputColumnTest, IntsKeepTheirRowsAndConvertIntoADoubleColumn) {
  Vec v;
  v.type = ScalarType::kBigint;
  v.ints = {std::numeric_limits<int64_t>::min(), 7, std::numeric_limits<int64_t>::max(), -3};
  v.present = {1, 0, 1, 1};
  QueryColumn ints = ColumnOf(ScalarType::kBigint);
  AppendToColumn(v, {3, 2, 1, 0}, ints);
  EXPECT_EQ(ints.present, std::vector<uint8_t>({1, 1, 0, 1}));
  EXPECT_EQ(ints.ints, std::vector<int64_t>({-3, std::numeric_limits<int64_t>::max(), 0,
                                             std::numeric_limits<int64_t>::min()}));
  QueryColumn doubles = ColumnOf(ScalarType::kDouble);
  AppendToColumn(v, {1, 3}, doubles);
  EXPECT_EQ(doubles.present, std::vector<uint8_t>({0, 1}));
  EXPECT_EQ(doubles.doubles, std::vector<double>({0, -3}));
}

// Consecutive rows (a scan batch's usual rows) are copied in bulk when all are present;
// rows that only look consecutive at their ends, or include a NULL, take the row loop.
// Either way the column is what the row-by-row rule gives.
TEST(OutputColumnTest, RunsOfRowsAppendAsTheRowsWould) {
  const auto [d, i] = FortyRows(/*null_double=*/17, /*null_bigint=*/-1);
  const std::vector<std::vector<uint32_t>> cases = {
      {3, 4, 5, 6, 7, 8},     // A run, all present.
      {15, 16, 17, 18, 19},   // A run over the NULL.
      {10, 12, 11, 13},       // The ends of a run of 4, not a run.
      {30, 30, 32, 33},       // Likewise, with a repeat.
      {0, 1, 2, 3, 4, 5, 6},  // From row 0.
      {39},                   // One row.
  };
  for (const std::vector<uint32_t>& rows : cases) {
    QueryColumn doubles = ColumnOf(ScalarType::kDouble);
    QueryColumn ints = ColumnOf(ScalarType::kBigint);
    QueryColumn converted = ColumnOf(ScalarType::kDouble);
    AppendToColumn(d, rows, doubles);
    AppendToColumn(i, rows, ints);
    AppendToColumn(i, rows, converted);
    ASSERT_EQ(doubles.doubles.size(), rows.size());
    ASSERT_EQ(ints.ints.size(), rows.size());
    ASSERT_EQ(converted.doubles.size(), rows.size());
    for (size_t k = 0; k < rows.size(); ++k) {
      const uint32_t r = rows[k];
      EXPECT_EQ(doubles.present[k], d.present[r]) << r;
      EXPECT_EQ(doubles.doubles[k], d.present[r] ? d.dbls[r] : 0) << r;
      EXPECT_EQ(ints.present[k], 1) << r;
      EXPECT_EQ(ints.ints[k], i.ints[r]) << r;
      EXPECT_EQ(converted.doubles[k], static_cast<double>(i.ints[r])) << r;
    }
  }
}

// AppendRangeToColumn (a chunk the WHERE kept whole, no row list) gives what AppendToColumn
// gives for the same rows listed, after what the column holds: every type, conversion,
// NULLs inside and outside the range, strings and a constant.
TEST(OutputColumnTest, ARangeAppendsAsItsRowsListedWould) {
  const auto [d, i] = FortyRows(/*null_double=*/17, /*null_bigint=*/25);
  Vec s;
  s.type = ScalarType::kVarchar;
  for (int k = 0; k < 40; ++k) {
    s.strs.push_back(k % 7 < 3 ? "a" : std::string(1, static_cast<char>('b' + k % 5)));
    s.present.push_back(k % 11 == 4 ? 0 : 1);
  }
  const Vec constant = Vec::Constant(Scalar{.type = ScalarType::kVarchar, .null = false, .s = "x"});
  struct Case {
    const Vec* v;
    ScalarType out;
  };
  const std::vector<Case> vecs = {{&d, ScalarType::kDouble},
                                  {&i, ScalarType::kBigint},
                                  {&i, ScalarType::kDouble},
                                  {&s, ScalarType::kVarchar},
                                  {&constant, ScalarType::kVarchar}};
  const std::vector<std::pair<size_t, size_t>> ranges = {{0, 40}, {3, 6},  {15, 5},  {24, 3},
                                                         {39, 1}, {0, 17}, {18, 22}, {5, 0}};
  for (const Case& c : vecs) {
    for (const auto& [first, n] : ranges) {
      std::vector<uint32_t> rows;
      for (size_t k = 0; k < n; ++k) rows.push_back(static_cast<uint32_t>(first + k));
      QueryColumn listed = ColumnOf(c.out), ranged = ColumnOf(c.out);
      AppendToColumn(*c.v, {1, 0}, listed);  // What the columns held before.
      AppendToColumn(*c.v, {1, 0}, ranged);
      AppendToColumn(*c.v, rows, listed);
      AppendRangeToColumn(*c.v, first, n, ranged);
      const std::string at = absl::StrCat(static_cast<int>(c.out), " ", first, "+", n);
      EXPECT_EQ(ranged.present, listed.present) << at;
      EXPECT_EQ(ranged.ints, listed.ints) << at;
      EXPECT_EQ(ranged.doubles, listed.doubles) << at;
      EXPECT_EQ(std::vector<std::string>(ranged.strings.begin(), ranged.strings.end()),
                std::vector<std::string>(listed.strings.begin(), listed.strings.end()))
          << at;
      EXPECT_EQ(ranged.present.size(), n + 2) << at;
    }
  }
}

TEST(OutputColumnTest, AConstantRepeatsItsValueForEveryRow) {
  Vec v = Vec::Constant(Scalar{.type = ScalarType::kDouble, .null = false, .d = 2.5});
  QueryColumn out = ColumnOf(ScalarType::kDouble);
  AppendToColumn(v, {4, 9, 0}, out);
  EXPECT_EQ(out.doubles, std::vector<double>({2.5, 2.5, 2.5}));
  EXPECT_EQ(out.present, std::vector<uint8_t>({1, 1, 1}));
}

}  // namespace
}  // namespace tsw::query
