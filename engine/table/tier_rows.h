// Rows moving between the tiers: memory-store cells to RowBatches (eviction) and a
// magnetic row back into the memory store (version checks of writes to evicted keys).
//
// Both follow the shape MagneticStore stores: the rows of one series (dimensions sorted by
// name) and one measure; a scalar measure has one column named after it, a MULTI measure
// one per attribute, with a presence mask.
// REQUIRES: the caller holds the table's lock (shared for CollectRows, exclusive for
// InsertLookedUpRow).
#ifndef TSW_ENGINE_TABLE_TIER_ROWS_H_
#define TSW_ENGINE_TABLE_TIER_ROWS_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/common/row_batch.h"
#include "engine/memstore/mem_store.h"
#include "engine/model/table_schema.h"
#include "tsw/types.h"

namespace tsw::table {

// (time, version) of a row.
using RowId = std::pair<int64_t, int64_t>;

// Copies the rows of `column` with `min_time` <= time < `cutoff` into *out (cleared first;
// MULTI attributes without a value in those rows are left out), and appends the rows with
// time < min_time to *expired. Returns the number of rows with time < cutoff.
size_t CollectRows(const memstore::MemStore& store, const model::TableSchema& schema,
                   const memstore::MeasureColumn& column, int64_t min_time, int64_t cutoff,
                   RowBatch* out, std::vector<RowId>* expired);

// Inserts row 0 of `row` (a MagneticStore lookup result for the series with canonical key
// `key` and hash `hash`) into the memory store, registering the series, its column, MULTI
// slots, and names the schema lacks (as if read from the schema file). Returns the column,
// or null, changing nothing, when the row's types contradict the schema or the store
// already holds a row at that time.
memstore::MeasureColumn* InsertLookedUpRow(memstore::MemStore* store, model::TableSchema* schema,
                                           absl::string_view key, uint64_t hash,
                                           const RowBatch& row);

}  // namespace tsw::table

#endif  // TSW_ENGINE_TABLE_TIER_ROWS_H_
