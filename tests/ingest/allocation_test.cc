// The hot path's promise: in the steady state a Write allocates nothing per record (the
// parse and encode buffers are reused, chunks grow a thousand rows at a time).
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <new>
#include <vector>

#include "gtest/gtest.h"
#include "tests/table/table_test_util.h"

namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace tsw::testing {
namespace {

class AllocationTest : public TableFixture {};

std::vector<WriteRecordsRequest> MakeRequests(int count, bool multi, int first) {
  std::vector<WriteRecordsRequest> out;
  for (int r = 0; r < count; ++r) {
    Record common;
    common.dimensions = {Dim("region", "eu")};
    common.measure_name = multi ? "mm" : "m";
    std::vector<Record> records;
    for (int i = 0; i < 100; ++i) {
      const int64_t t = kNowMillis - 1000000 + (first + r) * 100 + i;
      Record rec =
          multi ? MultiRec({Dim("host", absl::StrCat("h", i % 4))}, "mm",
                           {Attr("a", absl::StrCat(i, ".5")),
                            Attr("s", absl::StrCat("state", i % 3), MeasureValueType::kVarchar)},
                           t)
                : Rec({Dim("host", absl::StrCat("h", i % 4))}, "m", absl::StrCat(i, ".25"), t);
      rec.measure_name.reset();
      records.push_back(rec);
    }
    out.push_back(Req(records, common));
  }
  return out;
}

TEST_F(AllocationTest, AllocatesNothingPerRecordInTheSteadyState) {
  options_.durability.policy = SyncPolicy::kSyncPeriodically;
  ReopenStore();
  for (bool multi : {false, true}) {
    std::vector<WriteRecordsRequest> warm = MakeRequests(30, multi, multi ? 1000 : 0);
    std::vector<WriteRecordsRequest> measured = MakeRequests(50, multi, multi ? 1030 : 30);
    for (const auto& req : warm) ASSERT_TRUE(Write(req).ok());
    const int64_t before = g_allocations.load();
    for (const auto& req : measured) ASSERT_TRUE(Write(req).ok());
    const int64_t per_request = (g_allocations.load() - before) / 50;
    // 100 records per request: anything per record would show as >= 100.
    EXPECT_LE(per_request, 5) << (multi ? "MULTI" : "DOUBLE");
    std::cout << (multi ? "MULTI" : "DOUBLE") << ": " << per_request
              << " allocations per request\n";
  }
}

}  // namespace
}  // namespace tsw::testing
