// BatchApplier on its own: state it must not depend on from earlier calls.
#include "engine/ingest/batch_applier.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/ingest/request_parser.h"
#include "engine/memstore/mem_store.h"
#include "engine/model/table_schema.h"
#include "gtest/gtest.h"
#include "tests/ingest/store_rows.h"
#include "tests/table/table_test_util.h"
#include "tsw/options.h"
#include "tsw/types.h"

namespace tsw::testing {
namespace {

// Parses and applies `request` with `applier`; returns the rejections (and, if asked, a
// copy of the payload).
std::vector<RejectedRecord> Apply(ingest::BatchApplier* applier, const WriteRecordsRequest& request,
                                  ingest::ApplyResult* result, std::string* logged = nullptr) {
  static const Quotas quotas;
  ingest::ParseContext context;
  context.quotas = &quotas;
  context.now_nanos = kNowNanos;
  context.retention.memory_store_retention_period_in_hours = 24;
  context.retention.magnetic_store_retention_period_in_days = 30;
  ingest::ParsedBatch batch;
  EXPECT_TRUE(ingest::ParseRequest(request, context, &batch).ok());
  std::vector<RejectedRecord> rejected = batch.rejected;
  absl::string_view payload;
  applier->Apply(batch, quotas, /*sequence=*/1, &rejected, &payload, result);
  if (logged != nullptr) *logged = std::string(payload);
  return rejected;
}

// Records of many series, one row each, are logged as blocks of many series: a few bytes a
// record, and the payload replays to exactly the rows stored, upserts of the request's own
// rows (whose order matters) and rows of other measures and attributes between them included.
TEST(BatchApplierTest, LogsRecordsOfManySeriesAsBlocksThatReplayToTheSameRows) {
  auto host = [](int i) { return std::vector<Dimension>{Dim("host", absl::StrCat("h", i))}; };
  const int64_t t0 = kNowMillis - 1000;
  std::vector<Record> records;
  for (int i = 0; i < 60; ++i)
    records.push_back(Rec(host(i), "cpu", i % 2 ? "1.5" : "2.25", t0 + i));
  records.push_back(Rec(host(3), "cpu", "7.5", t0 + 3, std::nullopt, 2));  // Upserts 3.
  records.push_back(Rec(host(4), "cpu", "9", t0 + 4, std::nullopt, 1));    // Rejected.
  records.push_back(Rec(host(5), "state", "up", t0 + 5, MeasureValueType::kVarchar));
  for (int i = 10; i < 17; ++i) records.push_back(Rec(host(i), "cpu", "0.5", t0 + 100 + i));
  records.push_back(Rec(host(3), "cpu", "8.5", t0 + 3, std::nullopt, 3));  // Upserts 60.
  for (int i = 20; i < 40; ++i) {
    records.push_back(MultiRec(host(i), "metrics",
                               {{"x", "1.25", MeasureValueType::kDouble},
                                {"n", absl::StrCat(i), MeasureValueType::kBigint}},
                               t0 + i));
  }
  // Other attributes, whose payload slots differ, right after the block above.
  for (int i = 40; i < 45; ++i) {
    records.push_back(MultiRec(
        host(i), "metrics2",
        {{"n", "5", MeasureValueType::kBigint}, {"y", "2.5", MeasureValueType::kDouble}}, t0 + i));
  }
  model::TableSchema schema, replayed_schema;
  memstore::MemStore store, replayed_store;
  ingest::BatchApplier applier(&schema, &store), replayer(&replayed_schema, &replayed_store);
  ingest::ApplyResult result;
  std::string payload;
  const std::vector<RejectedRecord> rejected =
      Apply(&applier, Req(std::move(records)), &result, &payload);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].record_index, 61);
  EXPECT_EQ(result.logged, 95u);
  // As a run per record, each would take at least 21 bytes (tag, slots, a 9-byte time from
  // 0, version, 8 bytes of value or a MULTI count, slots and values) and its series' definition.
  EXPECT_LT(payload.size(), 95u * 20);
  ASSERT_TRUE(replayer.Replay(payload, 1).ok());
  EXPECT_EQ(StoreRows(replayed_store), StoreRows(store));
  EXPECT_EQ(replayed_store.Points(), store.Points());
  EXPECT_EQ(store.Points(), 60 + 7 + 1 + 20 + 5);
}

// A table store reopened on a log holding no batch but with rows copied in from
// segments (TableStore::SeedFromMagnetic) has an applier that never stored or replayed a
// row. Its first record met a stored row (the Version comparison sized one scratch
// vector); the next one, a new row, wrote a scratch slot that did not exist (a segfault).
TEST(BatchApplierTest, StoresANewRowAfterItsFirstRecordMetAStoredRow) {
  model::TableSchema schema;
  memstore::MemStore store;
  {
    // The stored row, put there by another applier.
    ingest::BatchApplier other(&schema, &store);
    ingest::ApplyResult result;
    EXPECT_TRUE(
        Apply(&other,
              Req({Rec({Dim("host", "a")}, "cpu", "1.5", kNowMillis - 1000, std::nullopt, 2)}),
              &result)
            .empty());
    ASSERT_EQ(result.memory_store, 1);
  }
  ingest::BatchApplier applier(&schema, &store);
  ingest::ApplyResult result;
  const std::vector<RejectedRecord> rejected =
      Apply(&applier,
            Req({Rec({Dim("host", "a")}, "cpu", "9.5", kNowMillis - 1000, std::nullopt, 1),
                 Rec({Dim("host", "b")}, "cpu", "2.5", kNowMillis, std::nullopt, 1)}),
            &result);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].record_index, 0);
  EXPECT_EQ(result.memory_store, 1);
  EXPECT_EQ(result.logged, 1u);
  EXPECT_EQ(store.Points(), 2);
}

// A request's rewrites of earlier points of one series, in time order (each searched for
// from the row the one before rewrote), store exactly what the same records store one
// request each: rows a few apart and many apart, across a chunk boundary, the column's
// last row, an idempotent re-send, a rejected lower Version, a step back in time and a new
// row.
TEST(BatchApplierTest, RewritesPointsInTimeOrderAsTheSameRecordsOneByOneDo) {
  const int64_t t0 = kNowMillis - 100000;
  // The measure in CommonAttributes, as clients send it: the parser marks the records of
  // a request like_previous, and the applier takes them as a run of one column.
  Record common;
  common.measure_name = "metrics";
  common.measure_value_type = MeasureValueType::kMulti;
  auto rec = [t0](int64_t point, int64_t version, int64_t value) {
    Record r = MultiRec({Dim("host", "a")}, "",
                        {{"x", absl::StrCat(value, ".5"), MeasureValueType::kDouble},
                         {"n", absl::StrCat(value), MeasureValueType::kBigint}},
                        t0 + point, version);
    r.measure_name.reset();
    r.measure_value_type.reset();
    return r;
  };
  std::vector<WriteRecordsRequest> appends;
  for (int64_t r = 0; r < 15; ++r) {  // Points 0 to 1499: more than one chunk.
    std::vector<Record> records;
    for (int64_t p = 100 * r; p < 100 * (r + 1); ++p) records.push_back(rec(p, 1, p));
    appends.push_back(Req(std::move(records), common));
  }
  std::vector<Record> rewrites;
  for (int64_t p = 990; p < 1100; p += 9) rewrites.push_back(rec(p, 2, p + 7));
  rewrites.push_back(rec(1101, 1, 1101));  // The same value again: idempotent.
  rewrites.push_back(rec(1102, 1, 5));     // Another value, not a higher Version.
  for (int64_t p = 1103; p < 1499; p += 40) rewrites.push_back(rec(p, 3, p + 1));
  rewrites.push_back(rec(1300, 4, 77));  // Back in time: no search from the row before.
  rewrites.push_back(rec(1499, 2, 8));   // The last row.
  rewrites.push_back(rec(1600, 2, 9));   // A new row.
  model::TableSchema schema, one_by_one_schema;
  memstore::MemStore store, one_by_one_store;
  ingest::BatchApplier applier(&schema, &store), one_by_one(&one_by_one_schema, &one_by_one_store);
  ingest::ApplyResult result, single;
  for (const WriteRecordsRequest& request : appends) {
    ASSERT_TRUE(Apply(&applier, request, &result).empty());
    ASSERT_TRUE(Apply(&one_by_one, request, &single).empty());
  }
  const std::vector<RejectedRecord> rejected = Apply(&applier, Req(rewrites, common), &result);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].record_index, 14);
  EXPECT_EQ(result.memory_store, static_cast<int32_t>(rewrites.size()) - 1);
  int rejected_one_by_one = 0;
  for (const Record& record : rewrites) {
    rejected_one_by_one +=
        static_cast<int>(Apply(&one_by_one, Req({record}, common), &single).size());
  }
  EXPECT_EQ(rejected_one_by_one, 1);
  EXPECT_EQ(StoreRows(store), StoreRows(one_by_one_store));
  EXPECT_EQ(store.Points(), 1501);  // 1,500 appended, one new.
}

// A request of one series, its measure in CommonAttributes: its first record (checked the
// long way) goes in the block of the appends after it, as do rewrites of recent points
// pending right before a run of appends; the payload replays to the rows stored.
TEST(BatchApplierTest, LogsTheRowsPendingBeforeARunOfAppendsInTheRunsBlock) {
  const int64_t t0 = kNowMillis - 100000;
  Record common;
  common.dimensions = {Dim("host", "a")};
  common.measure_name = "metrics";
  common.measure_value_type = MeasureValueType::kMulti;
  auto rec = [t0](int64_t point, int64_t version, int64_t value) {
    Record r = MultiRec({}, "",
                        {{"x", absl::StrCat(value, ".5"), MeasureValueType::kDouble},
                         {"n", absl::StrCat(value), MeasureValueType::kBigint}},
                        t0 + point, version);
    r.dimensions.clear();
    r.measure_name.reset();
    r.measure_value_type.reset();
    return r;
  };
  model::TableSchema schema, replayed_schema;
  memstore::MemStore store, replayed_store;
  ingest::BatchApplier applier(&schema, &store), replayer(&replayed_schema, &replayed_store);
  ingest::ApplyResult result;
  std::string payload;
  // Block tag, series slot 0, measure slot 0, a row count.
  auto block_of = [](int rows) { return std::string("\x06\x00\x00", 3) + static_cast<char>(rows); };
  std::vector<Record> records;
  for (int64_t p = 0; p < 100; ++p) records.push_back(rec(p, 1, p));
  ASSERT_TRUE(Apply(&applier, Req(records, common), &result, &payload).empty());
  EXPECT_EQ(result.logged, 100u);
  EXPECT_NE(payload.find(block_of(100)), std::string::npos);
  ASSERT_TRUE(replayer.Replay(payload, 1).ok());
  // Rewrites of points 90 and 95, then appends from point 100 on: one block of 7 rows, the
  // rewrites first; then rewrites of a row of the first request and of one just appended.
  records = {rec(90, 2, 1), rec(95, 2, 2)};
  for (int64_t p = 100; p < 105; ++p) records.push_back(rec(p, 1, p));
  records.push_back(rec(3, 2, 3));
  records.push_back(rec(101, 3, 4));
  ASSERT_TRUE(Apply(&applier, Req(records, common), &result, &payload).empty());
  EXPECT_EQ(result.logged, 9u);
  EXPECT_NE(payload.find(block_of(7)), std::string::npos);
  ASSERT_TRUE(replayer.Replay(payload, 2).ok());
  EXPECT_EQ(StoreRows(replayed_store), StoreRows(store));
  EXPECT_EQ(replayed_store.Points(), 105);
  EXPECT_EQ(store.Points(), 105);
}

}  // namespace
}  // namespace tsw::testing
