// The memory store's building blocks: series identity under hash collisions, columns
// staying sorted and unique through out-of-order inserts and chunk splits, interning, and
// pinned chunks and string pools keeping what they pinned through every kind of change.
#include <algorithm>
#include <cstring>
#include <deque>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/memstore/measure_column.h"
#include "engine/memstore/series_registry.h"
#include "engine/memstore/string_pool.h"
#include "gtest/gtest.h"

namespace tsw::memstore {
namespace {

// The rows of a chunk as text: time, version and each slot's presence and 8-byte cell.
std::vector<std::string> ChunkRows(const MeasureColumn::Chunk& c, bool multi) {
  std::vector<std::string> rows;
  for (size_t r = 0; r < c.size(); ++r) {
    std::string row = absl::StrCat(c.times[r], "@", c.versions[r]);
    for (size_t s = 0; s < c.cells.size(); ++s) {
      absl::StrAppend(&row, multi && !c.present[s][r] ? " -" : " ", c.cells[s][r]);
    }
    rows.push_back(row);
  }
  return rows;
}

// Pins every chunk of `column` (the copies live in `pins`, reading `types`); returns what
// they read now.
std::vector<std::vector<std::string>> PinAll(const MeasureColumn& column,
                                             const std::vector<MeasureValueType>* types,
                                             std::deque<MeasureColumn::Chunk>* pins) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& chunk : column.chunks()) {
    rows.push_back(ChunkRows(pins->emplace_back(*chunk, types), column.multi()));
  }
  return rows;
}

std::vector<std::vector<std::string>> PinnedRows(const std::deque<MeasureColumn::Chunk>& pins,
                                                 bool multi) {
  std::vector<std::vector<std::string>> rows;
  for (const MeasureColumn::Chunk& c : pins) rows.push_back(ChunkRows(c, multi));
  return rows;
}

// Removes the rows before `cutoff` that remove(time, version) picks, then 50 random rows,
// from `column` and from `model` (time -> row; version_of(row) is its version) alike.
template <typename Model, typename Remove, typename VersionOf>
void RemoveFromBoth(MeasureColumn* column, Model* model, int64_t cutoff, Remove remove,
                    VersionOf version_of, std::mt19937_64* rng) {
  const size_t removed = column->RemoveBefore(cutoff, remove);
  for (auto it = model->begin(); it != model->end() && it->first < cutoff;) {
    it = remove(it->first, version_of(it->second)) ? model->erase(it) : std::next(it);
  }
  EXPECT_GT(removed, 0u);
  for (int i = 0; i < 50; ++i) {
    const int64_t time = std::next(model->begin(), (*rng)() % model->size())->first;
    column->Erase(column->Locate(time));
    model->erase(time);
  }
  ASSERT_EQ(column->rows(), model->size());
}

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

// Every lookup, and the write path's prefetch probe (ProbeHash), lands on the series'
// own id and key.
TEST(SeriesRegistryTest, FindsEachOfManySeriesUnderItsOwnIdAndKey) {
  SeriesRegistry registry;
  constexpr uint64_t kSeries = 5000;
  auto hash_of = [](uint64_t i) { return i * 0x9E3779B97F4A7C15 + 7; };
  for (uint64_t i = 0; i < kSeries; ++i) {
    ASSERT_EQ(registry.Add(hash_of(i), absl::StrCat("host=h", i), {}), i);
  }
  for (uint64_t i = 0; i < kSeries; ++i) {
    const std::string key = absl::StrCat("host=h", i);
    ASSERT_EQ(registry.Find(hash_of(i), key), i);
    EXPECT_EQ(registry.at(static_cast<uint32_t>(i)).key, key);
    const Series* probed = registry.ProbeHash(hash_of(i));
    ASSERT_NE(probed, nullptr);
    EXPECT_EQ(probed, &registry.at(static_cast<uint32_t>(i)));
    // The right hash with another series' key is no match.
    EXPECT_EQ(registry.Find(hash_of(i), absl::StrCat("host=h", (i + 1) % kSeries)),
              SeriesRegistry::kAbsent);
  }
  EXPECT_EQ(registry.ProbeHash(hash_of(kSeries)), nullptr);
  EXPECT_EQ(registry.collisions(), 0u);
}

// Keys around the length the Series keeps a copy of in its first line (48 bytes): each
// matches itself only, whether a key one byte shorter or longer, or one differing in a
// single byte anywhere, is asked for under its hash.
TEST(SeriesRegistryTest, MatchesKeysOnlyExactlyAtEveryLengthAroundTheInlineCopy) {
  SeriesRegistry registry;
  std::vector<std::string> keys;
  for (size_t n = 1; n <= 64; ++n) {
    std::string key;
    for (size_t i = 0; i < n; ++i) key.push_back(static_cast<char>('a' + (i * 7 + n) % 26));
    keys.push_back(key);
    ASSERT_EQ(registry.Add(n, key, {}), n - 1);
  }
  for (size_t n = 1; n <= 64; ++n) {
    const std::string& key = keys[n - 1];
    EXPECT_EQ(registry.Find(n, key), n - 1) << n;
    EXPECT_EQ(registry.at(static_cast<uint32_t>(n - 1)).key, key);
    for (size_t p = 0; p < n; ++p) {  // One byte differs, wherever it is.
      std::string other = key;
      other[p] = '#';
      EXPECT_EQ(registry.Find(n, other), SeriesRegistry::kAbsent) << n << " " << p;
    }
    EXPECT_EQ(registry.Find(n, key + "a"), SeriesRegistry::kAbsent) << n;
    EXPECT_EQ(registry.Find(n, key.substr(0, n - 1)), SeriesRegistry::kAbsent) << n;
    // A longer key sharing the hash (a collision) is its own series.
    const uint32_t longer = registry.Add(n, key + "z", {});
    EXPECT_EQ(registry.Find(n, key + "z"), longer) << n;
    EXPECT_EQ(registry.Find(n, key), n - 1) << n;
  }
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

// SlotsAre lets the applier skip a FindSlot per attribute: it must hold only for the
// exact attributes, in slot order.
TEST(MeasureColumnTest, SlotsAreOnlyTheExactAttributesInSlotOrder) {
  MeasureColumn column(0, 0, MeasureValueType::kMulti);
  EXPECT_TRUE(column.SlotsAre(nullptr, 0));
  column.AddSlot(7, MeasureValueType::kDouble);
  column.AddSlot(9, MeasureValueType::kBigint);
  column.AddSlot(4, MeasureValueType::kDouble);
  const uint32_t same[3] = {7, 9, 4}, swapped[3] = {7, 4, 9}, other[3] = {7, 9, 5};
  EXPECT_TRUE(column.SlotsAre(same, 3));
  EXPECT_FALSE(column.SlotsAre(swapped, 3));
  EXPECT_FALSE(column.SlotsAre(other, 3));
  EXPECT_FALSE(column.SlotsAre(same, 2));  // Fewer attributes than slots.
  const uint32_t more[4] = {7, 9, 4, 1};
  EXPECT_FALSE(column.SlotsAre(more, 4));
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
            },
            [](size_t, size_t) { return kNoDecimal; });
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
  RemoveFromBoth(
      &column, &model, next / 4, [](int64_t time, int64_t v) { return (time + v) % 2 == 0; },
      [](const Row& row) { return row.version; }, &rng);
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

// A slot's cells take 4 bytes while every one has a narrow form (NarrowCell), and 8 once
// one does not. Every path that writes or moves cells (bulk appends with and without
// decimal codes, single appends, inserts, overwrites, splits, growth, a new slot, removal,
// re-mapping) must keep each cell exact across the change, whatever the slot's width.
TEST(MeasureColumnTest, KeepsEveryCellExactWhetherStoredInFourBytesOrEight) {
  MeasureColumn column(0, 0, MeasureValueType::kMulti);
  column.AddSlot(1, MeasureValueType::kDouble);
  column.AddSlot(2, MeasureValueType::kBigint);
  column.AddSlot(3, MeasureValueType::kVarchar);
  std::mt19937_64 rng(23);
  // A value of slot s: narrow-able ones, and in the last rounds now and then one that is
  // not (a double with no short decimal form, an int64 beyond 32 bits, a string id beyond
  // 32 bits: the column stores that slot wide from then on). Doubles come with their
  // decimal code, or (`may_hide_code`, single rows) now and then with kNoDecimal for the
  // store to find it. (A bulk append takes kNoDecimal as "none": the parser gives every
  // short decimal its code.)
  int round = 0;
  auto value = [&rng, &round](size_t s, uint64_t* bits, uint32_t* code, bool may_hide_code) {
    const bool wide = round >= 450 && rng() % 100 == 0;
    *code = kNoDecimal;
    switch (s) {
      case 0: {
        if (wide) {
          const double third = 1.0 / 3.0;
          std::memcpy(bits, &third, 8);
          return;
        }
        const uint32_t made =
            PackDecimal(rng() % 2000000, static_cast<uint32_t>(rng() % 5), rng() % 4 == 0);
        ASSERT_TRUE(DecimalCodeBits(made, bits));
        if (!may_hide_code || rng() % 3 != 0) *code = made;
        return;
      }
      case 1:
        *bits =
            wide ? uint64_t{1} << 40 : static_cast<uint64_t>(-static_cast<int64_t>(rng() % 1000));
        return;
      default:
        *bits = wide ? (uint64_t{1} << 33) + rng() % 7 : 1 + rng() % 1000;  // 0: absent.
        return;
    }
  };
  std::map<int64_t, std::vector<uint64_t>> model;  // time -> cells (0 where absent)
  auto upsert = [&](int64_t time) {
    const size_t slots = column.slot_count();
    std::vector<uint64_t> cells(slots, 0);
    std::vector<uint32_t> codes(slots, 0);
    std::vector<uint8_t> present(slots, 1);
    for (size_t s = 0; s < slots; ++s) {
      if (s > 0 && rng() % 10 == 0) {
        present[s] = 0;  // Absent: cell 0.
        continue;
      }
      value(s < 3 ? s : 1, &cells[s], &codes[s], true);
    }
    column.Upsert(time, 1, cells.data(), present.data(), rng() % 2 ? codes.data() : nullptr);
    model[time] = cells;
  };
  int64_t next = 0;
  for (; round < 500; ++round) {
    if (round == 250) {
      column.AddSlot(4, MeasureValueType::kBigint);  // Absent in every row so far.
      for (auto& [time, cells] : model) cells.push_back(0);
    }
    const size_t slots = column.slot_count();
    if (rng() % 3 == 0) {  // A bulk append of 1 to 60 rows, every slot present.
      const size_t n = 1 + rng() % 60;
      std::vector<int64_t> times;
      std::vector<std::vector<uint64_t>> cells(n, std::vector<uint64_t>(slots));
      std::vector<std::vector<uint32_t>> codes(n, std::vector<uint32_t>(slots));
      for (size_t i = 0; i < n; ++i) {
        times.push_back(next += 1 + static_cast<int64_t>(rng() % 4));
        for (size_t s = 0; s < slots; ++s) {
          value(s < 3 ? s : 1, &cells[i][s], &codes[i][s], false);
        }
      }
      size_t done = 0;
      while (done < n) {
        size_t k = column.AppendRows(
            n - done, [&](size_t i) { return times[done + i]; }, [](size_t) { return int64_t{1}; },
            [&](size_t i, size_t s) { return cells[done + i][s]; },
            [&](size_t i, size_t s) { return codes[done + i][s]; });
        if (k == 0) {  // The tail is full: an Insert makes room.
          const std::vector<uint8_t> present(slots, 1);
          column.Upsert(times[done], 1, cells[done].data(), present.data(), codes[done].data());
          k = 1;
        }
        for (size_t i = done; i < done + k; ++i) model[times[i]] = cells[i];
        done += k;
      }
    } else if (rng() % 2 == 0) {  // Appends one by one.
      for (int i = 0; i < 20; ++i) upsert(next += 2);
    } else {  // Inserts and overwrites anywhere (splitting full chunks).
      for (int i = 0; i < 20; ++i)
        upsert(static_cast<int64_t>(rng() % static_cast<uint64_t>(next + 1)));
    }
  }
  // Re-numbering the strings, some beyond 32 bits.
  auto remap = [](uint64_t id) { return id % 97 == 0 ? id + (uint64_t{1} << 35) : id * 3; };
  column.MapCells(2, remap);
  for (auto& [time, cells] : model) cells[2] = cells[2] == 0 ? 0 : remap(cells[2]);
  RemoveFromBoth(
      &column, &model, next / 4, [](int64_t time, int64_t) { return time % 3 == 0; },
      [](const std::vector<uint64_t>&) { return int64_t{1}; }, &rng);
  auto expected = model.begin();
  std::vector<size_t> narrow_chunks(column.slot_count(), 0);  // Per slot.
  for (const auto& chunk : column.chunks()) {
    std::vector<uint64_t> copied(chunk->size());
    for (size_t s = 0; s < column.slot_count(); ++s) {
      narrow_chunks[s] += chunk->narrow(s);
      chunk->cells[s].CopyTo(0, chunk->size(), copied.data());
      for (size_t r = 0; r < chunk->size(); ++r) {
        const int64_t time = std::next(expected, static_cast<std::ptrdiff_t>(r))->first;
        const uint64_t want = std::next(expected, static_cast<std::ptrdiff_t>(r))->second[s];
        const uint64_t got = chunk->present[s][r] ? chunk->cells[s][r] : 0;
        ASSERT_EQ(got, want) << "time " << time << " slot " << s;
        if (chunk->present[s][r]) {
          ASSERT_EQ(copied[r], want) << "time " << time;
        }
      }
    }
    std::advance(expected, static_cast<std::ptrdiff_t>(chunk->size()));
  }
  EXPECT_GT(column.chunks().size(), 3u);
  // Both widths were exercised, the DOUBLE and BIGINT slots narrow too.
  EXPECT_GT(narrow_chunks[0], 0u);
  EXPECT_GT(narrow_chunks[1], 0u);
  EXPECT_LT(narrow_chunks[0], column.chunks().size());
}

// ReadRowCells (a latest-rows read of a row's cells) reads what cells[s][row] reads, for
// the wanted slots only, in chunks whose slots are all 8 bytes wide and in chunks mixing
// widths, with more slots than a mask covers; wide_cells() too, where every slot is wide.
TEST(MeasureColumnTest, ReadsARowsWantedCellsAsTheSlotsHoldThem) {
  constexpr size_t kSlots = 70;
  std::mt19937_64 rng(41);
  const double third = 1.0 / 3.0;
  uint64_t wide_double = 0;
  std::memcpy(&wide_double, &third, 8);
  const std::vector<uint8_t> present(kSlots, 1);
  const std::vector<uint64_t> masks = {~uint64_t{0},       0,     1,     uint64_t{1} << 63,
                                       0x5555555555555555, rng(), rng(), rng()};
  // `narrow_slots`: a bit per slot whose values all have a 4-byte form (the others' never).
  for (const uint64_t narrow_slots : {uint64_t{0}, uint64_t{0x2}, uint64_t{0x8000000000000ff6}}) {
    MeasureColumn column(0, 0, MeasureValueType::kMulti);
    for (size_t s = 0; s < kSlots; ++s) {
      column.AddSlot(static_cast<uint32_t>(s),
                     s % 3 == 0 ? MeasureValueType::kDouble : MeasureValueType::kBigint);
    }
    for (int64_t t = 0; t < 2500; ++t) {
      std::vector<uint64_t> cells(kSlots);
      for (size_t s = 0; s < kSlots; ++s) {
        const bool narrow = s < 64 && (narrow_slots >> s & 1) != 0;
        if (s % 3 == 0) {
          cells[s] = narrow ? 0 : wide_double + static_cast<uint64_t>(t);
        } else {
          cells[s] = narrow ? rng() % 1000 : (uint64_t{1} << 40) + rng() % 1000;
        }
      }
      column.Upsert(t, 1, cells.data(), present.data());
    }
    ASSERT_GT(column.chunks().size(), 1u);
    for (const auto& chunk : column.chunks()) {
      for (size_t s = 0; s < kSlots; ++s) {
        ASSERT_EQ(chunk->narrow(s), s < 64 && (narrow_slots >> s & 1) != 0) << "slot " << s;
      }
      // wide_cells(): every cell at [slot * capacity + row] while no slot is narrow.
      const uint64_t* wide = chunk->wide_cells();
      ASSERT_EQ(wide != nullptr, narrow_slots == 0);
      for (size_t row = 0; row < chunk->size(); row += 97) {
        for (size_t s = 0; wide != nullptr && s < kSlots; ++s) {
          ASSERT_EQ(wide[s * chunk->capacity() + row], chunk->cells[s][row])
              << "slot " << s << " row " << row;
        }
        for (const uint64_t wanted : masks) {
          std::vector<uint64_t> out(kSlots, 0xdeadbeef);
          chunk->ReadRowCells(row, wanted, out.data());
          for (size_t s = 0; s < kSlots; ++s) {
            const bool asked = s < 64 && (wanted >> s & 1) != 0;
            ASSERT_EQ(out[s], asked ? chunk->cells[s][row] : 0xdeadbeef)
                << "slot " << s << " row " << row << " wanted " << wanted;
          }
        }
      }
    }
  }
}

TEST(MeasureColumnTest, StoresShortDecimalsAndSmallIntegersInFourBytes) {
  MeasureColumn coded(0, 0, MeasureValueType::kDouble), found(0, 0, MeasureValueType::kDouble),
      wide(0, 0, MeasureValueType::kDouble), ints(0, 0, MeasureValueType::kBigint);
  for (int64_t t = 1; t <= 1024; ++t) {
    const uint32_t code = PackDecimal(static_cast<uint64_t>(t) * 7, 2, false);  // t * 0.07
    uint64_t bits;
    ASSERT_TRUE(DecimalCodeBits(code, &bits));
    coded.Upsert(t, 1, &bits, nullptr, &code);
    found.Upsert(t, 1, &bits, nullptr);               // The store finds the code itself.
    const double third = static_cast<double>(t) / 3;  // No short decimal form.
    uint64_t third_bits;
    std::memcpy(&third_bits, &third, 8);
    wide.Upsert(t, 1, &third_bits, nullptr);
    const uint64_t small = static_cast<uint64_t>(-t);
    ints.Upsert(t, 1, &small, nullptr);
  }
  // 1024 rows: 8 bytes of time and 1 of version, then 4 or 8 of value.
  EXPECT_EQ(wide.MemoryBytes() - coded.MemoryBytes(), 1024 * 4);
  EXPECT_EQ(found.MemoryBytes(), coded.MemoryBytes());
  EXPECT_EQ(ints.MemoryBytes(), coded.MemoryBytes());
  for (int64_t t : {1, 500, 1024}) {
    const MeasureColumn::Position p = coded.Locate(t);
    double value;
    const uint64_t bits = coded.chunks()[p.chunk]->cells[0][p.row];
    std::memcpy(&value, &bits, 8);
    EXPECT_EQ(value, static_cast<double>(t * 7) / 100);
    const MeasureColumn::Position q = ints.Locate(t);
    EXPECT_EQ(static_cast<int64_t>(ints.chunks()[q.chunk]->cells[0][q.row]), -t);
  }
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

// LocateAfter gives what Locate gives for any time after the row it starts from: a few
// rows on, past its reach, past its chunk's end, in a gap between chunks, on the last row
// and after it.
TEST(MeasureColumnTest, LocateAfterAFoundRowFindsWhatLocateFinds) {
  MeasureColumn column(0, 0, MeasureValueType::kBigint);
  for (int64_t t = 0; t < 6000; t += 3) {
    const uint64_t value = static_cast<uint64_t>(t);
    column.Upsert(t, 1, &value, nullptr);
  }
  const uint64_t value = 1;
  column.Upsert(1000, 1, &value, nullptr);  // A split: chunks of different sizes.
  ASSERT_GE(column.chunks().size(), 3u);
  auto same = [](MeasureColumn::Position a, MeasureColumn::Position b) {
    return a.chunk == b.chunk && a.row == b.row && a.found == b.found;
  };
  for (int64_t from = 0; from < 6000; from += 7) {
    const MeasureColumn::Position after = column.Locate(from);
    if (!after.found) continue;
    for (int64_t time = from + 1; time < 6010; time += 1 + (time - from) / 8) {
      ASSERT_TRUE(same(column.LocateAfter(time, after), column.Locate(time)))
          << "from " << from << " to " << time;
    }
  }
}

TEST(MeasureColumnTest, PinnedChunksKeepTheirRowsThroughEveryChange) {
  MeasureColumn column(0, 0, MeasureValueType::kDouble);
  const std::vector<MeasureValueType> types = {MeasureValueType::kDouble};
  auto put = [&](int64_t time, int64_t version, double value) {
    uint64_t bits;
    std::memcpy(&bits, &value, 8);
    column.Upsert(time, version, &bits, nullptr);
  };
  for (int64_t t = 0; t < 6000; t += 2) put(t, 1, static_cast<double>(t % 100) / 4);
  ASSERT_GE(column.chunks().size(), 3u);
  // Each change below goes to rows every pin made so far reads; each is checked against
  // all of them.
  std::deque<MeasureColumn::Chunk> pins;
  std::vector<std::vector<std::string>> pinned;
  auto pin = [&] {
    for (auto& rows : PinAll(column, &types, &pins)) pinned.push_back(std::move(rows));
  };
  auto check = [&](const char* change) {
    EXPECT_EQ(PinnedRows(pins, false), pinned) << "after " << change;
    pin();
  };
  pin();
  put(100, 2, 7.5);  // Overwrite.
  check("an overwrite");
  column.SetVersion(column.Locate(102), 3);
  check("a new Version");
  put(104, 300, 1.25);  // Versions widen to 8 bytes.
  check("a wide Version");
  put(106, 4, 1.0 / 3);  // No decimal code: the cells widen.
  check("a wide cell");
  put(1001, 1, 2.5);  // An insert into a full chunk: it splits.
  check("a split");
  put(1003, 1, 2.5);  // An insert into a chunk with room.
  check("an insert between rows");
  column.Erase(column.Locate(1001));
  check("an erase");
  column.RemoveBefore(3000, [](int64_t time, int64_t) { return time % 4 == 0; });
  check("a removal");
  column.RemoveBefore(3000, [](int64_t, int64_t) { return true; });
  check("a removal of whole chunks");
  for (int64_t t = 6000; t < 9000; ++t) put(t, 1, 0.5);  // Appends.
  check("appends");
  column.MapCells(0, [](uint64_t cell) { return cell ^ 1; });  // As a string-pool rebuild.
  check("re-numbered cells");
}

TEST(MeasureColumnTest, APinnedChunkSurvivesBecomingTheTailAgainAfterASplit) {
  // A split lowers a chunk's row count; once the upper half is gone, appends go to it
  // again, at rows a pin still reads.
  MeasureColumn column(0, 0, MeasureValueType::kBigint);
  const std::vector<MeasureValueType> types = {MeasureValueType::kBigint};
  auto put = [&](int64_t time, uint64_t value) { column.Upsert(time, 1, &value, nullptr); };
  for (int64_t t = 0; t < 2 * 1024; t += 2) put(t, static_cast<uint64_t>(t));
  ASSERT_EQ(column.chunks().size(), 1u);
  std::deque<MeasureColumn::Chunk> pins;
  const auto pinned = PinAll(column, &types, &pins);
  put(2001, 1);  // Into the upper half: the chunk splits.
  ASSERT_EQ(column.chunks().size(), 2u);
  while (column.chunks().size() > 1) column.Erase({1, 0, true});
  for (int64_t t = 5000; t < 5100; ++t) put(t, 9);  // Appends to the lower half.
  EXPECT_EQ(PinnedRows(pins, false), pinned);
}

TEST(MeasureColumnTest, PinnedMultiChunksKeepTheirRowsThroughNewAttributesAndAbsences) {
  MeasureColumn column(0, 0, MeasureValueType::kMulti);
  column.AddSlot(1, MeasureValueType::kBigint);
  std::vector<MeasureValueType> types = {MeasureValueType::kBigint};
  for (int64_t t = 0; t < 100; ++t) {
    const uint64_t cell = static_cast<uint64_t>(t);
    const uint8_t present = 1;
    column.Upsert(t, 1, &cell, &present);
  }
  std::deque<MeasureColumn::Chunk> pins;
  const auto pinned = PinAll(column, &types, &pins);
  const uint64_t absent[1] = {0};
  const uint8_t none[1] = {0};
  column.Upsert(50, 2, absent, none);  // The chunk stores presence bytes from now on.
  column.AddSlot(2, MeasureValueType::kDouble);
  const uint64_t two[2] = {7, 0};
  const uint8_t both[2] = {1, 1};
  column.Upsert(51, 2, two, both);
  EXPECT_EQ(PinnedRows(pins, true), pinned);
}

TEST(StringPoolTest, APinReadsItsStringsAfterMoreInterningAndAfterThePoolIsReplaced) {
  auto pool = std::make_unique<StringPool>();
  std::vector<uint32_t> ids;
  for (int i = 0; i < 3000; ++i) ids.push_back(pool->Intern(absl::StrCat("value-", i)));
  const StringPool::Reader reader = pool->Pin();
  for (int i = 3000; i < 9000; ++i) pool->Intern(absl::StrCat("value-", i));  // New pages.
  StringPool fresh;
  fresh.Intern("other");
  *pool = std::move(fresh);  // As MemStore::CompactStrings does.
  pool.reset();
  for (int i = 0; i < 3000; ++i) EXPECT_EQ(reader.Get(ids[i]), absl::StrCat("value-", i));
}

}  // namespace
}  // namespace tsw::memstore
