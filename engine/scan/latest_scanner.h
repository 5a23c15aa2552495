// Reads the "last point" of a table: for ScanRequest::latest_only, the latest row in
// [start, end) of each (series, measure), without reading the older rows of either tier.
//
// Memory first: a column's last row before `end` is found by binary search over its
// chunks. Rows at or after `memory_complete_from` (the table's highest eviction cutoff,
// engine/table/FORMAT.md) are all in memory, so a memory row there is the answer. Only
// the (series, measure) keys without such a row are looked up in the magnetic tier
// (MagneticStore::ScanLatest, over [start, min(end, memory_complete_from))); a memory row
// older than the cutoff (a late write) then competes with the segments' latest, the
// memory copy winning an equal time (it is the newest Version of its key). Which keys
// memory settled is known by memory column id; a segment stream's key is matched to its
// memory series once per set of live segments (MagneticStore::LatestKey::memo), not
// compared again on every scan.
//
// The result is, per key, the row a full scan would return last: one-row batches; a
// scalar measure's batch has its one column, a MULTI measure's the columns of the tier
// that held the row. REQUIRES: as ScanTiers (the table's shared lock for the whole scan).
#ifndef TSW_ENGINE_SCAN_LATEST_SCANNER_H_
#define TSW_ENGINE_SCAN_LATEST_SCANNER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "engine/common/latest_columns.h"
#include "engine/common/row_batch.h"
#include "engine/magnetic/magnetic_store.h"
#include "engine/memstore/mem_store.h"
#include "engine/model/table_schema.h"
#include "engine/scan/latest_columns_builder.h"
#include "engine/scan/latest_row_set.h"
#include "tsw/types.h"

namespace tsw::scan {

// ValidationException if max_rows_per_batch < 1; the magnetic store's read errors as they
// come. `magnetic` may be null (memory only).
absl::Status ScanLatest(const memstore::MemStore& store, const model::TableSchema& schema,
                        const magnetic::MagneticStore* magnetic, int64_t memory_complete_from,
                        const ScanRequest& request, const RowBatchVisitor& visitor);

// The same rows (in the same order) appended to *rows instead of visited, for a caller
// that hands them out after releasing its lock. REQUIRES: as ScanLatest, for this call;
// *rows is read afterwards without the lock (latest_row_set.h says why that is safe).
absl::Status GatherLatest(const memstore::MemStore& store, const model::TableSchema& schema,
                          const magnetic::MagneticStore* magnetic, int64_t memory_complete_from,
                          const ScanRequest& request, LatestRowSet* rows);

// The same rows (in the same order) as columns: *out gets one column per spec
// (latest_columns.h says what each holds), only those values read. REQUIRES: as
// GatherLatest.
absl::Status GatherLatestColumns(const memstore::MemStore& store, const model::TableSchema& schema,
                                 const magnetic::MagneticStore* magnetic,
                                 int64_t memory_complete_from, const ScanRequest& request,
                                 const std::vector<LatestColumnSpec>& specs, LatestColumns* out);

}  // namespace tsw::scan

#endif  // TSW_ENGINE_SCAN_LATEST_SCANNER_H_
