// Writes, scans and maintenance at once: writers upsert rows of their own series in both
// tiers (new rows, magnetic-store writes, higher, equal and lower Versions) while a
// maintenance thread moves the clock and evicts, and scanners read. Every writer's
// acknowledged rows must be there at the end, at their Versions, exactly once: a row a
// writer replaces while an eviction copies it must not be lost when the copy leaves memory.
#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/table/tier_test_util.h"

namespace tsw::testing {
namespace {

class TierConcurrencyTest : public TierFixture {};

TEST_F(TierConcurrencyTest, WritersScannersAndMaintenanceAgree) {
  options_.durability.policy = SyncPolicy::kSyncPeriodically;
  ReopenWithWalFileBytes(32 << 10);
  constexpr int kWriters = 3;
  // Each writer sends at least kRequests requests, and goes on until maintenance made
  // kPasses passes (however slow the machine; a minute at most, against hangs).
  constexpr int kRequests = 150;
  constexpr int kPasses = 40;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  std::vector<Model> models(kWriters);
  std::atomic<int> writers_left{kWriters};
  std::atomic<int> passes{0}, scans{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937_64 rng(100 + w);
      Model& model = models[w];
      std::vector<RowKey> keys;
      for (int request = 0; (request < kRequests || passes.load() < kPasses) &&
                            std::chrono::steady_clock::now() < give_up;
           ++request) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        const int64_t now = clock_.NowNanos();
        // Keys well inside the magnetic window (two days): the clock moves meanwhile.
        const int64_t oldest = now - 2 * kDay + 12 * kHour;
        std::vector<Record> records;
        std::vector<Model::Outcome> outcomes;
        for (int i = 0; i < 20; ++i) {
          std::string host;
          int64_t t;
          int64_t version;
          const uint64_t kind = rng() % 4;
          if (kind == 0 && !keys.empty()) {
            const RowKey& key = keys[rng() % keys.size()];
            if (std::get<2>(key) < oldest) continue;
            host = std::get<0>(key).substr(5);
            t = std::get<2>(key);
            const int64_t stored = model.rows().at(key).version;
            version = stored + static_cast<int64_t>(rng() % 3) - 1;  // Lower, equal or higher.
            if (version < 1) version = 1;
          } else {
            host = absl::StrCat("w", w, "-", rng() % 5);
            t = (kind == 1
                     ? oldest + static_cast<int64_t>(rng() % static_cast<uint64_t>(now - oldest))
                     : now - static_cast<int64_t>(rng() % (30 * kMinute))) /
                1000000 * 1000000;
            version = 1;
          }
          const std::string value = DoubleText(static_cast<double>(rng() % 4));
          records.push_back(
              Rec({Dim("host", host)}, "cpu", value, t / 1000000, std::nullopt, version));
          const std::string series = absl::StrCat("host=", host);
          if (model.rows().count(RowKey(series, "cpu", t)) == 0)
            keys.emplace_back(series, "cpu", t);
          outcomes.push_back(
              model.Write(series, "cpu", MeasureValueType::kDouble, t, version, value));
        }
        absl::StatusOr<WriteRecordsResponse> r = Write(records);
        std::vector<int32_t> refused, expected;
        for (const RejectedRecord& rr : RejectedRecordsOf(r.status()))
          refused.push_back(rr.record_index);
        for (size_t i = 0; i < outcomes.size(); ++i) {
          if (outcomes[i] == Model::Outcome::kRejected) expected.push_back(static_cast<int32_t>(i));
        }
        EXPECT_TRUE(r.ok() || KindOf(r.status()) == ErrorKind::kRejectedRecords) << r.status();
        EXPECT_EQ(refused, expected) << "writer " << w << " request " << request;
      }
      --writers_left;
    });
  }
  threads.emplace_back([&] {
    while (writers_left.load() > 0) {
      clock_.Advance(2 * kMinute);
      EXPECT_TRUE(Maintain().ok());
      ++passes;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  threads.emplace_back([&] {
    while (writers_left.load() > 0) {
      ScanRequest r;
      r.max_rows_per_batch = 50;
      ScanAll(store_.get(), r);  // Fails the test on a duplicate or a disorder.
      ++scans;
    }
  });
  for (std::thread& t : threads) t.join();

  Contents expected;
  for (const Model& m : models) expected.insert(m.rows().begin(), m.rows().end());
  ASSERT_TRUE(Maintain().ok());
  const int64_t floor = clock_.NowNanos() - 2 * kDay;
  EXPECT_EQ(ScanAllSorted(), From(expected, floor));
  ReopenWithWalFileBytes(32 << 10);
  ASSERT_TRUE(Maintain().ok());
  EXPECT_EQ(ScanAllSorted(), From(expected, floor));
  EXPECT_GT(Stats().magnetic_points, 0);
  EXPECT_GE(passes.load(), kPasses);
  std::cout << passes.load() << " maintenance passes, " << scans.load() << " scans, "
            << expected.size() << " rows written\n";
}

}  // namespace
}  // namespace tsw::testing
