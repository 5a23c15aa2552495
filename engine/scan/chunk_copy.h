// Copying rows out of memory-store chunks into scan batches: the one place that turns a
// chunk's cells (double bits, int64s, 0/1, StringPool ids) into RowColumn values, shared
// by the memory-store scanner and the tier merger.
// REQUIRES: the caller holds the table's lock (shared) while it reads the chunk.
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
#include "engine/model/table_schema.h"
#include "tsw/types.h"

namespace tsw::scan {

// A scan's projection over the memory store (ScanRequest::attributes): which value slots
// of a column the scan copies. Attribute names the table has never seen select nothing.
class AttributeProjection {
 public:
  AttributeProjection(const model::TableSchema& schema, const std::vector<std::string>& names);

  // Sets *slots to the slots of `column` to copy, in slot order: every slot of a scalar
  // column, or of any column when the request names no attribute.
  void SlotsOf(const memstore::MeasureColumn& column, std::vector<size_t>* slots) const;

 private:
  bool all_ = true;
  absl::flat_hash_set<uint32_t> ids_;
};

// Appends rows [row, row + count) of `chunk`'s times and versions to `out`.
void AppendChunkTimes(const memstore::MeasureColumn::Chunk& chunk, size_t row, size_t count,
                      RowBatch* out);

// Appends rows [row, row + count) of value slot `slot` of `chunk` (a chunk of `column`) to
// `out`, whose type is the slot's type: the values, and their presence (all 1 for a scalar
// column). An absent VARCHAR gets an empty string, other absent values whatever the cell
// holds; `present` tells them apart.
void AppendChunkSlot(const memstore::StringPool& strings, const memstore::MeasureColumn& column,
                     const memstore::MeasureColumn::Chunk& chunk, size_t slot, size_t row,
                     size_t count, RowColumn* out);

}  // namespace tsw::scan

#endif  // TSW_ENGINE_SCAN_CHUNK_COPY_H_
