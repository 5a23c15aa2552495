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

}  // namespace
}  // namespace tsw::testing
