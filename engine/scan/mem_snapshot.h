// A scan's pinned view of one table's memory store: the columns a ScanRequest reads, as
// they were when Pin ran, readable with no lock held while writes, eviction and string-pool
// rebuilds go on (engine/memstore/README.md, "Pinning").
//
// Pin runs under the table's shared lock. For each column of a matching series and measure
// with rows in the request's time range it copies the column's layout (type, slot types,
// where its names are) and pins the chunks that overlap the range (MeasureColumn::Chunk's
// pinning constructor: the chunk's block is shared, its rows are not copied); it pins the
// string pool too. Its size is a few words per column and chunk read, and the blocks it
// shares cost memory only once a writer copies one to change it.
//
// What a snapshot refers to without owning (a series' dimensions and key, the schema's
// names) never changes once created and lives as long as the table's memory store and
// schema, which must outlive the snapshot. Thread-compatible: one scan reads it.
#ifndef TSW_ENGINE_SCAN_MEM_SNAPSHOT_H_
#define TSW_ENGINE_SCAN_MEM_SNAPSHOT_H_

#include <deque>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/memstore/measure_column.h"
#include "engine/memstore/mem_store.h"
#include "engine/memstore/string_pool.h"
#include "engine/model/table_schema.h"
#include "tsw/types.h"

namespace tsw::scan {

class MemSnapshot {
 public:
  using Chunk = memstore::MeasureColumn::Chunk;

  // One (series, measure) column as pinned; its accessors are named as MeasureColumn's.
  class Column {
   public:
    const std::vector<Dimension>& dimensions() const { return series_->dimensions; }
    const std::string& series_key() const { return series_->key; }
    const std::string& measure_name() const { return *measure_name_; }
    MeasureValueType type() const { return type_; }
    bool multi() const { return type_ == MeasureValueType::kMulti; }
    size_t slot_count() const { return slot_types_.size(); }
    MeasureValueType slot_type(size_t slot) const { return slot_types_[slot]; }
    // The attribute's name (MULTI), else the measure's.
    const std::string& slot_name(size_t slot) const {
      return multi() ? *attribute_names_[slot] : *measure_name_;
    }
    // The pinned chunks: those with rows in the request's range, in time order, never
    // empty.
    const std::vector<const Chunk*>& chunks() const { return chunks_; }

   private:
    friend class MemSnapshot;
    const memstore::Series* series_ = nullptr;  // Only its key and dimensions are read.
    const std::string* measure_name_ = nullptr;
    MeasureValueType type_ = MeasureValueType::kDouble;
    std::vector<MeasureValueType> slot_types_;         // The pinned chunks' types point here.
    std::vector<const std::string*> attribute_names_;  // MULTI: per slot.
    std::vector<const Chunk*> chunks_;
  };

  MemSnapshot() = default;
  MemSnapshot(const MemSnapshot&) = delete;
  MemSnapshot& operator=(const MemSnapshot&) = delete;

  // Pins what `request` reads of `store` (whose names `schema` holds). ValidationException
  // if max_rows_per_batch < 1. REQUIRES: the table's lock, shared at least, held by the
  // caller during the call (not after); called once.
  absl::Status Pin(const memstore::MemStore& store, const model::TableSchema& schema,
                   const ScanRequest& request);

  // The pinned columns in the memory store's scan order: series in order of registration,
  // a series' measures in the order they first arrived.
  const std::deque<Column>& columns() const { return columns_; }
  const memstore::StringPool::Reader& strings() const { return strings_; }

 private:
  // Deques: a pinned chunk points at its column's slot types, and neither may move.
  std::deque<Column> columns_;
  std::deque<Chunk> chunks_;
  memstore::StringPool::Reader strings_;
};

}  // namespace tsw::scan

#endif  // TSW_ENGINE_SCAN_MEM_SNAPSHOT_H_
