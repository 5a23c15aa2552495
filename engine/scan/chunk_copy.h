// Copying rows out of memory-store chunks into scan batches: the one place that turns a
// chunk's cells (double bits, int64s, 0/1, StringPool ids) into RowColumn values, shared
// by the memory-store scanner and the tier merger. They read pinned chunks and a pinned
// string pool (mem_snapshot.h), with no lock held.
#ifndef TSW_ENGINE_SCAN_CHUNK_COPY_H_
#define TSW_ENGINE_SCAN_CHUNK_COPY_H_

#include <cstddef>

#include "engine/common/row_batch.h"
#include "engine/memstore/measure_column.h"
#include "engine/memstore/string_pool.h"
#include "tsw/types.h"

namespace tsw::scan {

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
