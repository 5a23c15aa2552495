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

// Appends rows [row, row + count) of value slot `slot` of `chunk` (a chunk of a MULTI
// column if `multi`) to `out`, whose type is the slot's type: the values, and their
// presence (all 1 for a scalar column). An absent VARCHAR gets an empty string, other
// absent values whatever the cell holds; `present` tells them apart.
void AppendChunkSlot(const memstore::StringPool::Reader& strings, bool multi,
                     const memstore::MeasureColumn::Chunk& chunk, size_t slot, size_t row,
                     size_t count, RowColumn* out);

}  // namespace tsw::scan

#endif  // TSW_ENGINE_SCAN_CHUNK_COPY_H_
