// The series of one table: each distinct dimension set gets a dense 32-bit id.
//
// A series is looked up by the hash of its canonical key (model::HashSeriesKey; the key
// holds the dimensions sorted by name) and confirmed by comparing the whole key, so two
// dimension sets whose hashes collide are still two series: the first owns the hash slot,
// later ones live in a side table keyed by the full key. Ids are never reused.
// REQUIRES: external synchronization (the table's lock).
#ifndef TSW_ENGINE_MEMSTORE_SERIES_REGISTRY_H_
#define TSW_ENGINE_MEMSTORE_SERIES_REGISTRY_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "tsw/types.h"

namespace tsw::memstore {

class MeasureColumn;

// Laid out for the write path: a write's look-up and append read only the first cache
// line (the first column and, for keys of up to kKeyHeadBytes, a copy of the key), so a
// record of one of many series waits on one line of its Series instead of the Series and
// then the key's heap block (bench/RESULTS.md, "branch ing4"). The rest is read by scans,
// maintenance and new series.
struct alignas(64) Series {
  static constexpr size_t kKeyHeadBytes = 48;
  static constexpr uint32_t kLongKey = UINT32_MAX;

  // ---- The first line.
  // The first column, inline: a series with one measure needs no column-map lookup.
  MeasureColumn* first_column = nullptr;
  uint32_t first_measure = UINT32_MAX;
  // key's size if it is at most kKeyHeadBytes (its bytes are key_head's first ones),
  // else kLongKey. Set once, by SeriesRegistry::Add, with key.
  uint32_t key_head_size = kLongKey;
  char key_head[kKeyHeadBytes];

  // ---- The rest.
  std::string key;                    // Canonical key.
  uint64_t hash = 0;                  // Of `key`.
  std::vector<Dimension> dimensions;  // Sorted by name.
  std::vector<uint32_t> columns;      // MemStore column ids of this series, creation order.

  // key == k, reading the first line only when key is short: then a word at a time,
  // inline (a memcmp call cost about as much again per record at 10,000 series).
  bool KeyEquals(absl::string_view k) const {
    if (key_head_size == kLongKey) return key == k;
    const size_t n = k.size();
    if (n != key_head_size) return false;
    if (n < 8) return std::memcmp(key_head, k.data(), n) == 0;
    uint64_t diff = 0;
    for (size_t i = 0; i + 8 < n; i += 8) diff |= Word(key_head + i) ^ Word(k.data() + i);
    return (diff | (Word(key_head + n - 8) ^ Word(k.data() + n - 8))) == 0;
  }

 private:
  static uint64_t Word(const char* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
};
static_assert(sizeof(MeasureColumn*) + 2 * sizeof(uint32_t) + Series::kKeyHeadBytes == 64,
              "the write path's fields fill the first line");

class SeriesRegistry {
 public:
  static constexpr uint32_t kAbsent = UINT32_MAX;

  SeriesRegistry();
  SeriesRegistry(const SeriesRegistry&) = delete;
  SeriesRegistry& operator=(const SeriesRegistry&) = delete;

  // The id of the series with canonical `key` (whose hash is `hash`), or kAbsent.
  uint32_t Find(uint64_t hash, absl::string_view key) const {
    auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) return kAbsent;
    if (series_[it->second]->KeyEquals(key)) return it->second;
    if (collided_.empty()) return kAbsent;
    auto c = collided_.find(key);
    return c == collided_.end() ? kAbsent : c->second;
  }

  // Prefetching ahead of a batch of Finds (engine/table): PrefetchHash loads the index
  // slot of `hash`; ProbeHash then returns the series that owns that slot, not compared
  // with any key (a colliding key's series, or null if none).
  void PrefetchHash(uint64_t hash) const { by_hash_.prefetch(hash); }
  const Series* ProbeHash(uint64_t hash) const {
    auto it = by_hash_.find(hash);
    return it == by_hash_.end() ? nullptr : series_[it->second].get();
  }

  // Registers a new series. REQUIRES: Find(hash, key) == kAbsent.
  uint32_t Add(uint64_t hash, absl::string_view key, std::vector<Dimension> dimensions);

  const Series& at(uint32_t id) const { return *series_[id]; }
  Series& at(uint32_t id) { return *series_[id]; }
  size_t size() const { return series_.size(); }
  // Different for every registry the process makes, and nonzero for its first 2^32 - 1
  // (0 after: none to remember). With a series id it names one series for good, as ids
  // are never reused or removed: a reader may keep the pair to skip Find the next time
  // (engine/scan/latest_scanner.cc).
  uint32_t instance() const { return instance_; }
  // Series whose hash equals an earlier series' (tests and stats).
  size_t collisions() const { return collided_.size(); }
  int64_t MemoryBytes() const;

 private:
  std::vector<std::unique_ptr<Series>> series_;
  absl::flat_hash_map<uint64_t, uint32_t> by_hash_;
  absl::flat_hash_map<std::string, uint32_t> collided_;
  uint32_t instance_ = 0;
};

}  // namespace tsw::memstore

#endif  // TSW_ENGINE_MEMSTORE_SERIES_REGISTRY_H_
