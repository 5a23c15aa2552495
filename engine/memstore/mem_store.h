// The memory store of one table: its series, interned strings and one MeasureColumn per
// (series, measure) that has rows. See engine/memstore/README.md for the layout.
//
// MemStore is a passive container: ingest::BatchApplier decides what goes in (Timestream's
// Version rules) and scan reads it. Measures and MULTI attributes are named by the ids of
// the table's schema (model::TableSchema). REQUIRES: external synchronization; the
// table store guards it with a reader-writer lock.
#ifndef TSW_ENGINE_MEMSTORE_MEM_STORE_H_
#define TSW_ENGINE_MEMSTORE_MEM_STORE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/memstore/measure_column.h"
#include "engine/memstore/series_registry.h"
#include "engine/memstore/string_pool.h"

namespace tsw::memstore {

class MemStore {
 public:
  MemStore() = default;
  MemStore(const MemStore&) = delete;
  MemStore& operator=(const MemStore&) = delete;

  SeriesRegistry& series() { return series_; }
  const SeriesRegistry& series() const { return series_; }
  StringPool& strings() { return strings_; }
  const StringPool& strings() const { return strings_; }

  // The column of (series, measure), or null.
  MeasureColumn* FindColumn(uint32_t series, uint32_t measure) const {
    const Series& s = series_.at(series);
    if (s.first_measure == measure) return s.first_column;
    if (s.columns.size() <= 1) return nullptr;
    auto it = column_index_.find(ColumnKey(series, measure));
    return it == column_index_.end() ? nullptr : columns_[it->second].get();
  }
  // The id of the column of (series, measure) (for column()), or UINT32_MAX.
  uint32_t FindColumnId(uint32_t series, uint32_t measure) const {
    const Series& s = series_.at(series);
    if (s.first_measure == measure) return s.columns.front();  // first_column's id.
    if (s.columns.size() <= 1) return UINT32_MAX;
    auto it = column_index_.find(ColumnKey(series, measure));
    return it == column_index_.end() ? UINT32_MAX : it->second;
  }
  // Creates the column of (series, measure). REQUIRES: FindColumn(...) == null.
  MeasureColumn* AddColumn(uint32_t series, uint32_t measure, MeasureValueType type);

  const MeasureColumn& column(uint32_t id) const { return *columns_[id]; }
  MeasureColumn* mutable_column(uint32_t id) { return columns_[id].get(); }
  size_t column_count() const { return columns_.size(); }

  // The oldest time held by any column; INT64_MAX when the store holds no rows. Visits
  // every column (for maintenance, not for the write path).
  int64_t OldestTime() const;

  // Replaces the string pool by one holding only the strings rows still use, once the
  // pool holds at least twice as many strings as after the last rebuild (and 4096 more):
  // removing rows leaves their strings behind. Visits every VARCHAR cell, so the cost is
  // amortized over the strings interned since the last rebuild. Returns true if it rebuilt.
  bool CompactStrings();

  // (series, measure, time) rows held.
  int64_t Points() const;
  // Approximate heap bytes held (capacities, not sizes).
  int64_t MemoryBytes() const;

 private:
  static uint64_t ColumnKey(uint32_t series, uint32_t measure) {
    return (uint64_t{series} << 32) | measure;
  }

  SeriesRegistry series_;
  StringPool strings_;
  std::vector<std::unique_ptr<MeasureColumn>> columns_;
  absl::flat_hash_map<uint64_t, uint32_t> column_index_;
  size_t strings_after_compaction_ = 0;
};

}  // namespace tsw::memstore

#endif  // TSW_ENGINE_MEMSTORE_MEM_STORE_H_
