// BatchApplier on its own: state it must not depend on from earlier calls.
#include "engine/ingest/batch_applier.h"

#include <string>
#include <vector>

#include "engine/ingest/request_parser.h"
#include "engine/memstore/mem_store.h"
#include "engine/model/table_schema.h"
#include "gtest/gtest.h"
#include "tests/table/table_test_util.h"
#include "tsw/options.h"
#include "tsw/types.h"

namespace tsw::testing {
namespace {

// Parses and applies `request` with `applier`; returns the rejections.
std::vector<RejectedRecord> Apply(ingest::BatchApplier* applier, const WriteRecordsRequest& request,
                                  ingest::ApplyResult* result) {
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
  return rejected;
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
