// Many threads at once: results as if the calls ran one at a time.
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/catalog/catalog_test_util.h"

namespace tsw::catalog::testing {
namespace {

class ConcurrencyTest : public CatalogTest {
 protected:
  void SetUp() override {
    CatalogTest::SetUp();
    tuning_.min_log_bytes_to_compact = 4096;  // Compactions race with readers too.
    ASSERT_TRUE(Open().ok());
  }
};

TEST_F(ConcurrencyTest, ConcurrentCreatesRespectQuotaAndHandOutUniqueIds) {
  options_.quotas.max_tables = 50;
  ASSERT_TRUE(Open().ok());
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20;  // 80 attempts for 50 slots.
  std::atomic<int> created{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::Status s = MakeTable("fleet", absl::StrCat("t", t, "_", i));
        if (s.ok()) {
          ++created;
        } else if (KindOf(s) == ErrorKind::kServiceQuotaExceeded) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  // Readers run alongside, never seeing a half-applied change.
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      auto db = catalog().DescribeDatabase({.database_name = "fleet"});
      ASSERT_TRUE(db.ok());
      std::vector<TableInfo> all = catalog().AllTables();
      ASSERT_LE(all.size(), 50u);
      for (const TableInfo& info : all) {
        ASSERT_TRUE(catalog().LookupTable("fleet", info.table.table_name).ok());
      }
    }
  });
  for (std::thread& t : threads) t.join();
  stop = true;
  reader.join();
  EXPECT_EQ(created.load(), 50);
  EXPECT_EQ(refused.load(), kThreads * kPerThread - 50);
  EXPECT_EQ(other.load(), 0);
  std::set<uint64_t> ids;
  for (const TableInfo& info : catalog().AllTables()) ids.insert(info.table_id);
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(catalog().DescribeDatabase({.database_name = "fleet"})->database.table_count, 50);
  const std::string before = DumpCatalog(catalog());
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(DumpCatalog(catalog()), before);
}

TEST_F(ConcurrencyTest, ConcurrentTaggingOfOneResourceLosesNoTag) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE(catalog()
                        .TagResource({.resource_arn = DbArn("fleet"),
                                      .tags = {{absl::StrCat("k", t, "_", i), "v"}}})
                        .ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  auto tags = catalog().ListTagsForResource({.resource_arn = DbArn("fleet")});
  TSW_ASSERT_OK(tags);
  EXPECT_EQ(tags->tags.size(), static_cast<size_t>(kThreads * kPerThread));
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(catalog().ListTagsForResource({.resource_arn = DbArn("fleet")})->tags.size(),
            static_cast<size_t>(kThreads * kPerThread));
}

TEST_F(ConcurrencyTest, ConcurrentCreatesOfOneNameHaveOneWinner) {
  constexpr int kThreads = 4;
  for (int round = 0; round < 5; ++round) {
    const std::string name = absl::StrCat("race", round);
    std::atomic<int> won{0}, conflicted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        absl::Status s = MakeDatabase(name);
        if (s.ok()) ++won;
        if (!s.ok() && KindOf(s) == ErrorKind::kConflict) ++conflicted;
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(won.load(), 1);
    EXPECT_EQ(conflicted.load(), kThreads - 1);
  }
}

}  // namespace
}  // namespace tsw::catalog::testing
