// LatestRowSet (engine/scan/latest_row_set.h): a row handed out is the row put in, column
// for column, whatever its types, absent values, names and where its series lives; a
// batch refilled for a smaller row keeps no column of the previous one.
#include "engine/scan/latest_row_set.h"

#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tsw::scan {
namespace {

RowColumn Column(std::string name, MeasureValueType type, bool present) {
  RowColumn c;
  c.name = std::move(name);
  c.type = type;
  c.present = {static_cast<uint8_t>(present ? 1 : 0)};
  return c;
}

RowBatch MultiRow(std::vector<Dimension> dims, int64_t time, int64_t version, double temp,
                  bool note_present, std::string note, int64_t load) {
  RowBatch row;
  row.dimensions = std::move(dims);
  row.measure_name = "stats";
  row.measure_value_type = MeasureValueType::kMulti;
  row.time_nanos = {time};
  row.versions = {version};
  RowColumn t = Column("a_temperature_of_the_room", MeasureValueType::kDouble, true);
  t.doubles = {temp};
  RowColumn l = Column("load", MeasureValueType::kBigint, true);
  l.ints = {load};
  RowColumn n = Column("note", MeasureValueType::kVarchar, note_present);
  n.strings = {note_present ? note : std::string()};
  row.columns = {std::move(t), std::move(l), std::move(n)};
  return row;
}

void ExpectSame(const RowBatch& a, const RowBatch& b) {
  ASSERT_EQ(a.dimensions.size(), b.dimensions.size());
  for (size_t i = 0; i < a.dimensions.size(); ++i) {
    EXPECT_EQ(a.dimensions[i].name, b.dimensions[i].name);
    EXPECT_EQ(a.dimensions[i].value, b.dimensions[i].value);
  }
  EXPECT_EQ(a.measure_name, b.measure_name);
  EXPECT_EQ(a.measure_value_type, b.measure_value_type);
  EXPECT_EQ(a.time_nanos, b.time_nanos);
  EXPECT_EQ(a.versions, b.versions);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t c = 0; c < a.columns.size(); ++c) {
    EXPECT_EQ(a.columns[c].name, b.columns[c].name);
    EXPECT_EQ(a.columns[c].type, b.columns[c].type);
    EXPECT_EQ(a.columns[c].doubles, b.columns[c].doubles);
    EXPECT_EQ(a.columns[c].ints, b.columns[c].ints);
    EXPECT_EQ(a.columns[c].strings, b.columns[c].strings);
    EXPECT_EQ(a.columns[c].present, b.columns[c].present);
  }
}

TEST(LatestRowSet, HandsOutEachRowAsItWasPutIn) {
  const std::vector<Dimension> kept = {{"host", "h1"}, {"region", "a-long-region-name-1"}};
  RowBatch scalar;
  scalar.dimensions = {{"host", "h2"}};
  scalar.measure_name = "cpu";
  scalar.measure_value_type = MeasureValueType::kDouble;
  scalar.time_nanos = {5};
  scalar.versions = {3};
  scalar.columns = {Column("cpu", MeasureValueType::kDouble, true)};
  scalar.columns[0].doubles = {-0.0};
  RowBatch flag = scalar;
  flag.measure_name = "up";
  flag.measure_value_type = MeasureValueType::kBoolean;
  flag.columns = {Column("up", MeasureValueType::kBoolean, true)};
  flag.columns[0].ints = {1};
  const std::vector<RowBatch> rows = {
      MultiRow(kept, 10, 1, 21.5, true, "a note longer than the short-string buffer", 7),
      MultiRow({{"host", "h3"}}, 11, 2, 19.0, false, "", -4),
      scalar,
      flag,
      MultiRow({{"host", "h4"}}, INT64_MAX, 9, 1e300, true, "", INT64_MIN),
  };
  LatestRowSet set;
  set.Add(rows[0], &kept);  // By pointer: row.dimensions is not read.
  for (size_t i = 1; i < rows.size(); ++i) {
    RowBatch copy = rows[i];
    set.Add(copy, nullptr);
    copy = RowBatch();  // The set keeps its own copy of the series.
  }
  ASSERT_EQ(set.size(), rows.size());
  RowBatch out;
  for (size_t i = 0; i < rows.size(); ++i) {
    set.Get(i, &out);
    ExpectSame(out, rows[i]);
  }
  set.Get(0, &out);  // From a smaller row back to a larger one, and again.
  ExpectSame(out, rows[0]);
  set.Get(2, &out);
  ExpectSame(out, rows[2]);
}

TEST(LatestRowSet, MemoryRowsAddedPieceByPiece) {
  const std::vector<Dimension> series = {{"host", "h1"}};
  const std::string temp = "temp", note = "note", stats = "stats";
  LatestRowSet set;
  set.BeginRow(&series, stats, MeasureValueType::kMulti, 100, 2);
  double v = 3.25;
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  set.AddCell(temp, MeasureValueType::kDouble, true, bits, {});
  set.AddCell(note, MeasureValueType::kVarchar, false, 0, {});
  set.BeginRow(&series, stats, MeasureValueType::kMulti, 200, 3);
  set.AddCell(note, MeasureValueType::kVarchar, true, 12345, "warm");
  RowBatch out;
  set.Get(0, &out);
  ASSERT_EQ(out.columns.size(), 2u);
  EXPECT_EQ(out.columns[0].doubles, std::vector<double>{3.25});
  EXPECT_EQ(out.columns[1].strings, std::vector<std::string>{""});
  EXPECT_EQ(out.columns[1].present, std::vector<uint8_t>{0});
  set.Get(1, &out);
  EXPECT_EQ(out.time_nanos, std::vector<int64_t>{200});
  EXPECT_EQ(out.versions, std::vector<int64_t>{3});
  ASSERT_EQ(out.columns.size(), 1u);
  EXPECT_EQ(out.columns[0].name, "note");  // Not the previous row's first name.
  EXPECT_EQ(out.columns[0].strings, std::vector<std::string>{"warm"});
  EXPECT_EQ(out.dimensions[0].value, "h1");
}

}  // namespace
}  // namespace tsw::scan
