// Copying rows out of memory-store chunks into scan batches: the one place that turns a
// chunk's cells (double bits, int64s, 0/1, StringPool ids) into RowColumn values, shared
// by the memory-store scanner and the tier merger. They read pinned chunks and a pinned
// string pool (mem_snapshot.h), with no lock held.
#ifndef TSW_ENGINE_SCAN_CHUNK_COPY_H_
#define TSW_ENGINE_SCAN_CHUNK_COPY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/types/span.h"
#include "engine/common/row_batch.h"
#include "engine/memstore/measure_column.h"
#include "engine/memstore/string_pool.h"
#include "engine/scan/mem_snapshot.h"
#include "tsw/types.h"

namespace tsw::scan {

// A scan's projection over the memory store (ScanRequest::attributes): which value slots
// of a pinned column the scan copies. Attribute names the table has never seen select
// nothing.
class AttributeProjection {
 public:
  explicit AttributeProjection(const std::vector<std::string>& names)
      : all_(names.empty()), names_(names.begin(), names.end()) {}

  // Sets *slots to the slots of `column` to copy, in slot order: every slot of a scalar
  // column, or of any column when the request names no attribute.
  void SlotsOf(const MemSnapshot::Column& column, std::vector<size_t>* slots) const {
    slots->clear();
    for (size_t s = 0; s < column.slot_count(); ++s) {
      if (all_ || !column.multi() || names_.contains(column.slot_name(s))) slots->push_back(s);
    }
  }

 private:
  bool all_ = true;
  absl::flat_hash_set<std::string> names_;
};

// Appends rows [row, row + count) of `chunk`'s times and versions to `out`.
void AppendChunkTimes(const memstore::MeasureColumn::Chunk& chunk, size_t row, size_t count,
                      RowBatch* out);

// Appends rows base + rows[k] (k = 0, 1, ...) of `chunk`'s times and versions to `out`.
void AppendChunkTimesAt(const memstore::MeasureColumn::Chunk& chunk, size_t base,
                        absl::Span<const uint32_t> rows, RowBatch* out);

// Appends rows [row, row + count) of value slot `slot` of `chunk` (a chunk of a MULTI
// column if `multi`) to `out`, whose type is the slot's type: the values, and their
// presence (all 1 for a scalar column). An absent VARCHAR gets an empty string, other
// absent values whatever the cell holds; `present` tells them apart.
void AppendChunkSlot(const memstore::StringPool::Reader& strings, bool multi,
                     const memstore::MeasureColumn::Chunk& chunk, size_t slot, size_t row,
                     size_t count, RowColumn* out);

// Replaces *out's presence and values (its type's) with rows [row, row + count) of value
// slot `slot`, as AppendChunkSlot would append them to an empty column, but reusing its
// buffers: a scratch column filled again and again (a filter's probe) is zero-filled by
// resize only where it grows past its earlier length, not on every fill.
void SetChunkSlot(const memstore::StringPool::Reader& strings, bool multi,
                  const memstore::MeasureColumn::Chunk& chunk, size_t slot, size_t row,
                  size_t count, RowColumn* out);

// AppendChunkSlot of rows base + rows[k] (k = 0, 1, ...), in one pass per array.
void AppendChunkSlotAt(const memstore::StringPool::Reader& strings, bool multi,
                       const memstore::MeasureColumn::Chunk& chunk, size_t slot, size_t base,
                       absl::Span<const uint32_t> rows, RowColumn* out);

// The slots of `column` a RowFilter reads (those named in filter.attributes), in slot
// order, into *slots.
inline void FilterSlotsOf(const MemSnapshot::Column& column, const RowFilter& filter,
                          std::vector<size_t>* slots) {
  slots->clear();
  if (!column.multi()) return;
  for (size_t s = 0; s < column.slot_count(); ++s) {
    for (const std::string& name : filter.attributes) {
      if (column.slot_name(s) == name) {
        slots->push_back(s);
        break;
      }
    }
  }
}

// Rows [row, row + count) of `chunk` (of `column`) that `filter` keeps, in order:
// append_run(row, count) when select keeps them all (or fails: then every row is kept),
// else append_at(row, kept) with `kept` the kept rows' offsets from `row`, ascending
// (maybe none). Only the filter's `filter_slots` are copied to run it (into `probe`,
// with `keep`: scratch the caller reuses). REQUIRES: the rows have no twin in another
// tier (row_batch.h's RowFilter contract).
template <typename AppendRun, typename AppendAt>
void ForEachKept(const MemSnapshot& memory, const MemSnapshot::Column& column,
                 const memstore::MeasureColumn::Chunk& chunk,
                 const std::vector<size_t>& filter_slots, const RowFilter& filter, size_t row,
                 size_t count, RowBatch* probe, std::vector<uint32_t>* keep,
                 const AppendRun& append_run, const AppendAt& append_at) {
  probe->measure_value_type = column.type();
  probe->time_nanos.assign(chunk.times.begin() + row, chunk.times.begin() + row + count);
  probe->columns.resize(filter_slots.size());
  for (size_t i = 0; i < filter_slots.size(); ++i) {
    RowColumn& c = probe->columns[i];
    c.name = column.slot_name(filter_slots[i]);
    c.type = column.slot_type(filter_slots[i]);
    SetChunkSlot(memory.strings(), column.multi(), chunk, filter_slots[i], row, count, &c);
  }
  keep->clear();
  if (!filter.select(*probe, keep) || keep->size() == count) {
    append_run(row, count);
    return;
  }
  if (!keep->empty()) append_at(row, absl::MakeConstSpan(*keep));
}

}  // namespace tsw::scan

#endif  // TSW_ENGINE_SCAN_CHUNK_COPY_H_
