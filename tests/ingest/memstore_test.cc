// The memory store's building blocks: series identity under hash collisions, columns
// staying sorted and unique through out-of-order inserts and chunk splits, interning.
#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "engine/memstore/measure_column.h"
#include "engine/memstore/series_registry.h"
#include "engine/memstore/string_pool.h"
#include "gtest/gtest.h"

namespace tsw::memstore {
namespace {

TEST(SeriesRegistryTest, KeepsSeriesWithCollidingHashesApart) {
  SeriesRegistry registry;
  const uint64_t hash = 42;  // Every key below collides.
  const uint32_t a = registry.Add(hash, "key-a", {});
  EXPECT_EQ(registry.Find(hash, "key-b"), SeriesRegistry::kAbsent);
  const uint32_t b = registry.Add(hash, "key-b", {});
  const uint32_t c = registry.Add(hash, "key-c", {});
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  EXPECT_EQ(registry.Find(hash, "key-a"), a);
  EXPECT_EQ(registry.Find(hash, "key-b"), b);
  EXPECT_EQ(registry.Find(hash, "key-c"), c);
  EXPECT_EQ(registry.Find(hash, "key-d"), SeriesRegistry::kAbsent);
  EXPECT_EQ(registry.Find(43, "key-a"), SeriesRegistry::kAbsent);
  EXPECT_EQ(registry.collisions(), 2u);
  EXPECT_EQ(registry.size(), 3u);
}

TEST(StringPoolTest, InternsEachStringOnceAndKeepsViewsValid) {
  StringPool pool;
  std::vector<uint32_t> ids;
  for (int i = 0; i < 20000; ++i) ids.push_back(pool.Intern(std::string(i % 300, 'a' + i % 26)));
  const std::string big(100000, 'z');
  const uint32_t big_id = pool.Intern(big);
  for (int i = 0; i < 20000; ++i) {
    EXPECT_EQ(pool.Get(ids[i]), std::string(i % 300, 'a' + i % 26));
    EXPECT_EQ(pool.Intern(std::string(i % 300, 'a' + i % 26)), ids[i]);
  }
  EXPECT_EQ(pool.Get(big_id), big);
  EXPECT_EQ(pool.Find("never"), StringPool::kAbsent);
}

TEST(MeasureColumnTest, StaysSortedAndUniqueThroughRandomInsertsUpsertsAndSplits) {
  MeasureColumn column(0, 0, MeasureValueType::kBigint);
  std::map<int64_t, std::pair<int64_t, uint64_t>> model;  // time -> (version, value)
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20000; ++i) {
    const int64_t time = static_cast<int64_t>(rng() % 8000);
    const uint64_t value = rng();
    const int64_t version = i;
    column.Upsert(time, version, &value, nullptr);
    model[time] = {version, value};
  }
  ASSERT_EQ(column.rows(), model.size());
  auto expected = model.begin();
  int64_t previous = -1;
  for (const auto& chunk : column.chunks()) {
    ASSERT_FALSE(chunk->times.empty());
    ASSERT_LE(chunk->size(), MeasureColumn::kMaxChunkRows);
    for (size_t r = 0; r < chunk->size(); ++r, ++expected) {
      ASSERT_GT(chunk->times[r], previous);
      previous = chunk->times[r];
      ASSERT_EQ(chunk->times[r], expected->first);
      EXPECT_EQ(chunk->versions[r], expected->second.first);
      EXPECT_EQ(chunk->cells[0][r], expected->second.second);
    }
  }
  EXPECT_GT(column.chunks().size(), 1u);
}

TEST(MeasureColumnTest, BackfillsANewMultiAttributeAsAbsent) {
  MeasureColumn column(0, 0, MeasureValueType::kMulti);
  column.AddSlot(7, MeasureValueType::kDouble);
  const uint64_t one = 1;
  const uint8_t present = 1;
  column.Upsert(10, 1, &one, &present);
  const size_t slot = column.AddSlot(9, MeasureValueType::kBigint);
  const uint64_t cells[2] = {2, 3};
  const uint8_t both[2] = {1, 1};
  column.Upsert(20, 1, cells, both);
  const auto& chunk = *column.chunks()[0];
  EXPECT_EQ(chunk.present[slot], std::vector<uint8_t>({0, 1}));
  EXPECT_EQ(chunk.cells[0], std::vector<uint64_t>({1, 2}));
  EXPECT_FALSE(column.RowEquals(column.Locate(10), cells, both));
  const uint64_t first[2] = {1, 0};
  const uint8_t only_first[2] = {1, 0};
  EXPECT_TRUE(column.RowEquals(column.Locate(10), first, only_first));
}

// Chunks whose rows all have every attribute store no presence bytes; the first absent
// value (appended, inserted, overwritten, or in a chunk being split) must keep every row's
// presence exact.
TEST(MeasureColumnTest, KeepsPresenceExactWhenAbsentValuesArriveAnywhere) {
  MeasureColumn column(0, 0, MeasureValueType::kMulti);
  column.AddSlot(7, MeasureValueType::kDouble);
  column.AddSlot(9, MeasureValueType::kBigint);
  std::map<int64_t, std::pair<uint64_t, bool>> model;  // time -> (slot 0 cell, slot 1 present)
  std::mt19937 rng(11);
  auto write = [&](int64_t time, bool second_present) {
    const uint64_t cells[2] = {static_cast<uint64_t>(time) * 3, second_present ? 5u : 0u};
    const uint8_t present[2] = {1, static_cast<uint8_t>(second_present)};
    column.Upsert(time, 1, cells, present);
    model[time] = {cells[0], second_present};
  };
  for (int64_t t = 0; t < 1500; ++t) write(t * 10, true);  // In order, all present.
  write(15000, false);                                     // An append with one absent.
  for (int i = 0; i < 3000; ++i) {
    const int64_t t = static_cast<int64_t>(rng() % 20000);  // Inserts, overwrites, splits.
    write(t, rng() % 5 != 0);
  }
  ASSERT_EQ(column.rows(), model.size());
  auto expected = model.begin();
  for (const auto& chunk : column.chunks()) {
    for (size_t r = 0; r < chunk->size(); ++r, ++expected) {
      ASSERT_EQ(chunk->times[r], expected->first);
      ASSERT_EQ(chunk->present[0][r], 1);
      ASSERT_EQ(chunk->cells[0][r], expected->second.first);
      ASSERT_EQ(chunk->present[1][r], expected->second.second ? 1 : 0) << expected->first;
    }
  }
  EXPECT_GT(column.chunks().size(), 1u);
}

// A MULTI chunk keeps a row's cells side by side; every path that moves rows (appends,
// inserts, splits, growth, a new attribute, removal) must keep each slot's values with
// their row.
TEST(MeasureColumnTest, KeepsEveryAttributesValueWithItsRow) {
  MeasureColumn column(0, 0, MeasureValueType::kMulti);
  column.AddSlot(7, MeasureValueType::kDouble);
  column.AddSlot(8, MeasureValueType::kBigint);
  std::map<int64_t, std::vector<uint64_t>> model;  // time -> cells (0 where absent)
  std::mt19937_64 rng(5);
  auto cells_of = [](int64_t time, size_t slots) {
    std::vector<uint64_t> cells;
    for (size_t s = 0; s < slots; ++s) cells.push_back(static_cast<uint64_t>(time) * 10 + s + 1);
    return cells;
  };
  auto write = [&](int64_t time) {
    const std::vector<uint64_t> cells = cells_of(time, column.slot_count());
    const std::vector<uint8_t> present(cells.size(), 1);
    column.Upsert(time, 1, cells.data(), present.data());
    model[time] = cells;
  };
  for (int64_t t = 0; t < 1500; ++t) write(t * 4);  // Appends: growth, then a second chunk.
  for (int i = 0; i < 2000; ++i) write(static_cast<int64_t>(rng() % 8000));  // Inserts, splits.
  column.AddSlot(9, MeasureValueType::kBigint);  // Existing rows lack it.
  for (auto& [time, cells] : model) cells.push_back(0);
  for (int i = 0; i < 2000; ++i) write(static_cast<int64_t>(rng() % 9000));
  column.RemoveBefore(2000, [](int64_t time, int64_t) { return time % 3 == 0; });
  for (auto it = model.begin(); it != model.end() && it->first < 2000;) {
    it = it->first % 3 == 0 ? model.erase(it) : std::next(it);
  }
  for (int i = 0; i < 50; ++i) {
    const int64_t time = std::next(model.begin(), rng() % model.size())->first;
    column.Erase(column.Locate(time));
    model.erase(time);
  }
  // The newest row (found without a search): rewritten, then erased, twice.
  for (int i = 0; i < 2; ++i) {
    write(model.rbegin()->first);
    column.Erase(column.Locate(model.rbegin()->first));
    model.erase(std::prev(model.end()));
  }
  ASSERT_EQ(column.rows(), model.size());
  auto expected = model.begin();
  for (const auto& chunk : column.chunks()) {
    for (size_t r = 0; r < chunk->size(); ++r, ++expected) {
      ASSERT_EQ(chunk->times[r], expected->first);
      for (size_t s = 0; s < column.slot_count(); ++s) {
        ASSERT_EQ(chunk->cells[s][r], expected->second[s]) << "time " << expected->first;
      }
    }
  }
  EXPECT_GT(column.chunks().size(), 2u);
}

// Versions take one byte each until a chunk gets one above kMaxNarrowVersion; every path
// that writes or moves rows (bulk and single appends, inserts, overwrites, splits, growth,
// presence bytes arriving, removal) must keep each row's version exact across the change.
TEST(MeasureColumnTest, KeepsEveryVersionExactWhetherStoredInOneByteOrEight) {
  MeasureColumn column(0, 0, MeasureValueType::kMulti);
  column.AddSlot(7, MeasureValueType::kDouble);
  column.AddSlot(8, MeasureValueType::kBigint);
  struct Row {
    int64_t version;
    uint64_t cell;
    bool second;  // Slot 1 present.
  };
  std::map<int64_t, Row> model;
  std::mt19937_64 rng(17);
  auto version = [&rng] {
    switch (rng() % 40) {
      case 0:
        return int64_t{256} + static_cast<int64_t>(rng() % 1000);
      case 1:
        return int64_t{1} << 40;
      case 2:
        return MeasureColumn::kMaxNarrowVersion;
      default:
        return int64_t{1} + static_cast<int64_t>(rng() % 3);
    }
  };
  auto upsert = [&](int64_t time, int64_t v, bool second) {
    const uint64_t cells[2] = {static_cast<uint64_t>(time) ^ static_cast<uint64_t>(v), 9};
    const uint8_t present[2] = {1, static_cast<uint8_t>(second)};
    column.Upsert(time, v, cells, present);
    model[time] = {v, cells[0], second};
  };
  int64_t next = 0;
  for (int round = 0; round < 400; ++round) {
    if (rng() % 3 == 0) {  // A bulk append of 1 to 60 rows, all present.
      const size_t n = 1 + rng() % 60;
      std::vector<int64_t> times, versions;
      for (size_t i = 0; i < n; ++i) {
        times.push_back(next += 1 + static_cast<int64_t>(rng() % 4));
        versions.push_back(rng() % 8 == 0 ? version() : 1);
      }
      size_t done = 0;
      while (done < n) {
        size_t k = column.AppendRows(
            n - done, [&](size_t i) { return times[done + i]; },
            [&](size_t i) { return versions[done + i]; },
            [&](size_t i, size_t s) {
              return s == 0 ? static_cast<uint64_t>(times[done + i]) ^
                                  static_cast<uint64_t>(versions[done + i])
                            : uint64_t{9};
            });
        if (k == 0) {  // The tail is full: an Insert makes room.
          upsert(times[done], versions[done], true);
          k = 1;
        } else {
          for (size_t i = done; i < done + k; ++i) {
            model[times[i]] = {versions[i],
                               static_cast<uint64_t>(times[i]) ^ static_cast<uint64_t>(versions[i]),
                               true};
          }
        }
        done += k;
      }
    } else if (rng() % 2 == 0) {  // Appends one by one, some lacking slot 1.
      for (int i = 0; i < 20; ++i) upsert(next += 2, version(), rng() % 10 != 0);
    } else {  // Inserts and overwrites anywhere.
      for (int i = 0; i < 20; ++i) {
        upsert(static_cast<int64_t>(rng() % static_cast<uint64_t>(next + 1)), version(),
               rng() % 10 != 0);
      }
    }
  }
  const size_t removed =
      column.RemoveBefore(next / 4, [](int64_t time, int64_t v) { return (time + v) % 2 == 0; });
  for (auto it = model.begin(); it != model.end() && it->first < next / 4;) {
    it = (it->first + it->second.version) % 2 == 0 ? model.erase(it) : std::next(it);
  }
  EXPECT_GT(removed, 0u);
  for (int i = 0; i < 50; ++i) {
    const int64_t time = std::next(model.begin(), rng() % model.size())->first;
    column.Erase(column.Locate(time));
    model.erase(time);
  }
  ASSERT_EQ(column.rows(), model.size());
  auto expected = model.begin();
  for (const auto& chunk : column.chunks()) {
    for (size_t r = 0; r < chunk->size(); ++r, ++expected) {
      ASSERT_EQ(chunk->times[r], expected->first);
      ASSERT_EQ(chunk->versions[r], expected->second.version) << "time " << expected->first;
      ASSERT_EQ(column.VersionAt(column.Locate(expected->first)), expected->second.version);
      ASSERT_EQ(chunk->cells[0][r], expected->second.cell);
      ASSERT_EQ(chunk->present[1][r], expected->second.second ? 1 : 0);
    }
  }
  EXPECT_GT(column.chunks().size(), 3u);
}

TEST(MeasureColumnTest, HoldsVersionsInOneByteUntilOneNeedsMore) {
  MeasureColumn narrow(0, 0, MeasureValueType::kDouble), wide(0, 0, MeasureValueType::kDouble);
  for (int64_t t = 1; t <= 1024; ++t) {
    const uint64_t cell = static_cast<uint64_t>(t);
    narrow.Upsert(t, MeasureColumn::kMaxNarrowVersion, &cell, nullptr);
    wide.Upsert(t, t == 512 ? MeasureColumn::kMaxNarrowVersion + 1 : 1, &cell, nullptr);
  }
  // 1024 rows: 8 bytes of time and 8 of value each, then 1 or 8 of version.
  EXPECT_EQ(wide.MemoryBytes() - narrow.MemoryBytes(), 1024 * 7);
  EXPECT_EQ(wide.VersionAt(wide.Locate(511)), 1);
  EXPECT_EQ(wide.VersionAt(wide.Locate(512)), MeasureColumn::kMaxNarrowVersion + 1);
}

}  // namespace
}  // namespace tsw::memstore
