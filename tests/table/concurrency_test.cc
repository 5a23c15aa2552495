// Writes, scans and maintenance at once: writers upsert rows of their own series in both
// tiers (new rows, magnetic-store writes, higher, equal and lower Versions) while a
// maintenance thread moves the clock and evicts, and scanners read. Every writer's
// acknowledged rows must be there at the end, at their Versions, exactly once: a row a
// writer replaces while an eviction copies it must not be lost when the copy leaves memory.
//
// Then scans whose visitor blocks on a latch (no timing: a scan that held a table lock
// shows up as the test's own timeout) while writers, eviction, string-pool rebuilds,
// compaction and retention change the table, and the visitor itself writes: everything
// must complete while the visitor waits, and the scan must still return exactly the rows
// that existed when it started, at the values they had then.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/common/latch.h"
#include "tests/table/tier_test_util.h"

namespace tsw::testing {
namespace {

class TierConcurrencyTest : public TierFixture {};

TEST_F(TierConcurrencyTest, WritersScannersAndMaintenanceAgree) {
  options_.durability.policy = SyncPolicy::kSyncPeriodically;
  ReopenWithWalFileBytes(32 << 10);
  constexpr int kWriters = 3;
  // Each writer sends at least kRequests requests, and goes on until maintenance made
  // kPasses passes (however slow the machine: under ThreadSanitizer on a loaded 2-core
  // machine 40 passes took over a minute; three minutes at most, against hangs, inside the
  // medium size's 300 s).
  constexpr int kRequests = 150;
  constexpr int kPasses = 40;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(3);
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

class BlockedScanTest : public TierFixture {
 protected:
  // Writes `records`, each ingested, and tells the model.
  void WriteModelled(const std::vector<Record>& records) {
    WriteAll(records);
    for (const Record& r : records) {
      const int64_t t = std::stoll(*r.time) * 1000000;
      const MeasureValueType type = r.measure_value_type.value_or(MeasureValueType::kDouble);
      std::string value = r.measure_value.value_or("");
      if (type == MeasureValueType::kDouble) value = DoubleText(std::stod(value));
      if (type == MeasureValueType::kMulti) {
        std::vector<std::string> parts;
        for (const MeasureValue& v : r.measure_values) {
          parts.push_back(absl::StrCat(
              v.name, "=",
              v.type == MeasureValueType::kDouble ? DoubleText(std::stod(v.value)) : v.value));
        }
        std::sort(parts.begin(), parts.end());
        value.clear();
        for (const std::string& p : parts) absl::StrAppend(&value, value.empty() ? "" : ";", p);
      }
      model_.Write(SeriesText(r.dimensions), *r.measure_name, type, t, r.version.value_or(1),
                   value);
    }
  }

  // Rows in segments (three of them) and in memory: long columns of full chunks, 5,000
  // distinct strings, MULTI rows, small integers.
  void Populate() {
    for (int segment = 0; segment < 3; ++segment) {
      std::vector<Record> old;
      for (int i = 0; i < 300; ++i) {
        const int64_t ms = kNowMillis - (5 - segment) * 3600000 + i * 10000;
        old.push_back(Rec({Dim("host", "a")}, "cpu", absl::StrCat(i % 97, ".5"), ms));
        old.push_back(Rec({Dim("host", "b")}, "cpu", absl::StrCat(i % 13), ms));
      }
      WriteModelled(old);
      ASSERT_TRUE(Maintain().ok());  // Magnetic-store writes: evicted at once.
    }
    ASSERT_EQ(Stats().segments.size(), 3u);
    std::vector<Record> recent;
    const int64_t start = kNowMillis - 50 * 60000;
    for (int i = 0; i < 2400; ++i) {  // Three chunks; one second apart.
      recent.push_back(
          Rec({Dim("host", "a")}, "cpu", absl::StrCat(i % 89, ".25"), start + i * 1000));
    }
    for (int i = 0; i < 5000; ++i) {
      recent.push_back(Rec({Dim("host", "c")}, "state", absl::StrCat("s-", i), start + i * 100,
                           MeasureValueType::kVarchar));
    }
    for (int i = 0; i < 500; ++i) {
      recent.push_back(
          MultiRec({Dim("host", "d")}, "metrics",
                   {Attr("load", absl::StrCat(i % 7, ".5")),
                    Attr("mode", absl::StrCat("m", i % 3), MeasureValueType::kVarchar)},
                   start + i * 1000));
      recent.push_back(Rec({Dim("host", "d")}, "count", absl::StrCat(i), start + i * 1000,
                           MeasureValueType::kBigint));
    }
    WriteModelled(recent);
  }

  // What the main thread does while the scan's visitor waits: every kind of change to
  // rows the scan has pinned, then maintenance that evicts all of memory (rebuilding the
  // string pool) and compacts the segments.
  void ChangeEverything() {
    std::vector<Record> changes;
    const int64_t start = kNowMillis - 50 * 60000;
    for (int i = 0; i < 2400; i += 7) {  // Upserts inside pinned chunks.
      changes.push_back(Rec({Dim("host", "a")}, "cpu", "-1", start + i * 1000, std::nullopt, 2));
    }
    for (int i = 0; i < 2400; i += 5) {  // Inserts between rows: full chunks split.
      changes.push_back(Rec({Dim("host", "a")}, "cpu", "7", start + i * 1000 + 500));
    }
    for (int i = 0; i < 300; ++i) {  // Appends after the pinned rows.
      changes.push_back(Rec({Dim("host", "a")}, "cpu", "8", kNowMillis - 5 * 60000 + i));
    }
    // A Version too wide for a byte, a value too wide for four bytes, a new attribute.
    changes.push_back(Rec({Dim("host", "a")}, "cpu", "9", start + 3000, std::nullopt, 300));
    changes.push_back(Rec({Dim("host", "d")}, "count", "1099511627776", start + 2000,
                          MeasureValueType::kBigint, 2));
    changes.push_back(MultiRec({Dim("host", "d")}, "metrics",
                               {Attr("load", "1.5"), Attr("apps", "3", MeasureValueType::kBigint)},
                               start + 1000, 2));
    // Upserts of rows in segments (copied into memory first).
    changes.push_back(
        Rec({Dim("host", "b")}, "cpu", "99", kNowMillis - 5 * 3600000, std::nullopt, 2));
    WriteModelled(changes);
    const size_t segments = Stats().segments.size();
    clock_.Advance(2 * kHour);
    ASSERT_TRUE(Maintain().ok());
    EXPECT_EQ(Stats().memory_points, 0) << "maintenance evicted everything";
    EXPECT_LT(Stats().segments.size(), segments + 1) << "maintenance compacted";
  }

  // Scans with `request`, its visitor blocking on the first batch until ChangeEverything
  // (and a write from inside the visitor) completed; the scan must return `before`.
  void ScanWhileEverythingChanges(ScanRequest request) {
    request.max_rows_per_batch = 100;
    const Contents before = ScanAll(store_.get(), request);
    ASSERT_GT(before.size(), 1000u);
    Latch entered, release;
    Contents seen;
    absl::Status visitor_write;
    std::thread scanner([&] {
      bool first = true;
      absl::Status s = store_->Scan(request, [&](const ScanBatch& b) {
        CollectBatch(b, &seen);
        if (first) {
          first = false;
          // A write from inside the visitor: deadlocks if the scan holds the lock.
          visitor_write = WriteOne(
              Rec({Dim("host", "a")}, "cpu", "5", kNowMillis - 50 * 60000 + 2000, std::nullopt, 3));
          entered.Open();
          release.Wait();
        }
        return true;
      });
      EXPECT_TRUE(s.ok()) << s;
    });
    entered.Wait();
    ASSERT_TRUE(visitor_write.ok()) << visitor_write;
    model_.Write("host=a", "cpu", MeasureValueType::kDouble,
                 (kNowMillis - 50 * 60000 + 2000) * 1000000, 3, DoubleText(5));
    ChangeEverything();
    release.Open();
    scanner.join();
    EXPECT_EQ(seen, before) << "the scan must see the rows as they were at its start";
    // And the table holds what was written meanwhile.
    EXPECT_EQ(ScanAllSorted(), From(model_.rows(), clock_.NowNanos() - 2 * kDay));
  }

  Model model_;
};

TEST_F(BlockedScanTest, ScanOfBothTiersBlocksNoWriterAndKeepsItsSnapshot) {
  Populate();
  ScanWhileEverythingChanges(ScanRequest());
}

TEST_F(BlockedScanTest, ScanOfMemoryBlocksNoWriterAndKeepsItsSnapshot) {
  Populate();
  ScanRequest recent;
  recent.start_time_nanos = kNowNanos - 55 * kMinute;  // After the eviction cutoff.
  ScanWhileEverythingChanges(recent);
}

TEST_F(BlockedScanTest, ScanKeepsReadingSegmentsThatRetentionDeleted) {
  Populate();
  ScanRequest request;
  request.max_rows_per_batch = 10;
  const Contents before = ScanAll(store_.get(), request);
  Latch entered, release;
  Contents seen;
  std::thread scanner([&] {
    bool first = true;
    absl::Status s = store_->Scan(request, [&](const ScanBatch& b) {
      CollectBatch(b, &seen);
      if (first) {
        first = false;
        entered.Open();
        release.Wait();
      }
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
  });
  entered.Wait();
  clock_.Advance(3 * kDay);  // Past the magnetic window: every row expires.
  ASSERT_TRUE(Maintain().ok());
  EXPECT_EQ(Stats().segments.size(), 0u);
  EXPECT_EQ(Stats().memory_points, 0);
  release.Open();
  scanner.join();
  EXPECT_EQ(seen, before);
  EXPECT_TRUE(ScanAllSorted().empty());
}

}  // namespace
}  // namespace tsw::testing
