// Many writer and reader threads on one table store. Writers race on a shared key space
// with random versions; whatever the interleaving, each key must end at its highest
// Version with that version's value. Readers check, while writes go on, that every scan
// sees whole requests: two series always written together in one request never disagree.
#include <atomic>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/table/table_test_util.h"

namespace tsw::testing {
namespace {

constexpr int kWriters = 4;
constexpr int kReaders = 2;
constexpr int kRequestsPerWriter = 300;
constexpr int kSeries = 5;
constexpr int kTimes = 40;

// The value written with `version` at (series, time): any writer writing the same
// version writes the same value, so equal versions are idempotent re-sends.
int64_t ValueOf(int series, int time, int64_t version) {
  return (series * 1000 + time) * 10000 + version;
}

class ConcurrencyTest : public TableFixture {};

TEST_F(ConcurrencyTest, ConcurrentWritersAndReadersAgreeWithAModel) {
  options_.durability.policy = SyncPolicy::kSyncBeforeAck;
  ReopenStore();
  std::atomic<bool> writing{true};
  std::atomic<int64_t> reader_checks{0};
  std::vector<std::map<std::pair<int, int>, int64_t>> max_version(kWriters);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(w + 1);
      for (int r = 0; r < kRequestsPerWriter; ++r) {
        std::vector<Record> records;
        for (int i = 0; i < 20; ++i) {
          const int series = static_cast<int>(rng() % kSeries);
          const int time = static_cast<int>(rng() % kTimes);
          const int64_t version = 1 + rng() % 500;
          records.push_back(Rec({Dim("s", absl::StrCat(series))}, "v",
                                absl::StrCat(ValueOf(series, time, version)), kNowMillis - time,
                                MeasureValueType::kBigint, version));
          int64_t& max = max_version[w][{series, time}];
          max = std::max(max, version);
        }
        // The pair: series "a" and "b" at one time, same version, in the same request.
        const int time = static_cast<int>(rng() % kTimes);
        const int64_t version = 1 + rng() % 500;
        for (const char* side : {"a", "b"}) {
          records.push_back(Rec({Dim("pair", side)}, "p", absl::StrCat(version), kNowMillis - time,
                                MeasureValueType::kBigint, version));
        }
        absl::StatusOr<WriteRecordsResponse> result = Write(records);
        if (!result.ok()) {
          // Only version conflicts may be rejected, never the pair partially.
          ASSERT_EQ(KindOf(result.status()), ErrorKind::kRejectedRecords) << result.status();
          for (const RejectedRecord& rej : RejectedRecordsOf(result.status())) {
            ASSERT_TRUE(rej.existing_version.has_value()) << rej.reason;
          }
        }
      }
    });
  }
  for (int reader = 0; reader < kReaders; ++reader) {
    threads.emplace_back([&] {
      while (writing.load()) {
        Contents c = ScanAll(store_.get());
        std::map<int64_t, int64_t> a, b;  // time -> version
        for (const auto& [key, row] : c) {
          const std::string& series = std::get<0>(key);
          if (std::get<1>(key) == "p") {
            ASSERT_EQ(row.value, absl::StrCat(row.version));
            (series == "pair=a" ? a : b)[std::get<2>(key)] = row.version;
          } else {
            const int s = std::stoi(series.substr(2));
            const int time = static_cast<int>(kNowMillis - std::get<2>(key) / 1000000);
            ASSERT_EQ(row.value, absl::StrCat(ValueOf(s, time, row.version)));
          }
        }
        ASSERT_EQ(a, b) << "a scan saw part of a request";
        reader_checks.fetch_add(1);
      }
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  writing.store(false);
  for (size_t i = kWriters; i < threads.size(); ++i) threads[i].join();
  EXPECT_GT(reader_checks.load(), 0);

  std::map<std::pair<int, int>, int64_t> model;
  for (const auto& m : max_version) {
    for (const auto& [key, version] : m) model[key] = std::max(model[key], version);
  }
  auto check = [&](const Contents& c) {
    size_t seen = 0;
    for (const auto& [key, version] : model) {
      auto it =
          c.find(RowKey(absl::StrCat("s=", key.first), "v", (kNowMillis - key.second) * 1000000));
      ASSERT_TRUE(it != c.end());
      EXPECT_EQ(it->second.version, version);
      EXPECT_EQ(it->second.value, absl::StrCat(ValueOf(key.first, key.second, version)));
      ++seen;
    }
    size_t non_pair = 0;
    for (const auto& [key, row] : c) non_pair += std::get<1>(key) == "v";
    EXPECT_EQ(non_pair, seen);
  };
  check(Scan());
  ReopenStore();
  check(Scan());
}

}  // namespace
}  // namespace tsw::testing
