// Reads a table's memory store for Scan: the rows in [start, end) of the series matching
// the dimension filters and of the requested measures, as RowBatches.
//
// Each batch holds rows of one (series, measure) in increasing time (of a MULTI measure,
// only the attributes named in request.attributes when it names any), at most
// max_rows_per_batch of them; each (series, measure, time) appears once, at its highest
// Version (the store keeps only that). Series come in registration order, a series'
// measures in the order they first arrived. Returning false from the visitor stops the
// scan. It reads a MemSnapshot pinned for the same request under the table's lock, and
// runs with no lock held: the scan sees the store as it was at the pin (whole requests or
// nothing), and the visitor may block or write to the same table.
#ifndef TSW_ENGINE_SCAN_MEM_SCANNER_H_
#define TSW_ENGINE_SCAN_MEM_SCANNER_H_

#include <functional>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "engine/common/row_batch.h"
#include "engine/scan/mem_snapshot.h"
#include "tsw/types.h"

namespace tsw::scan {

// ValidationException if max_rows_per_batch < 1. `memory` was pinned for `request`.
// Columns in `skip_columns` (if given) are left out: the tiered scan has already merged
// them with the magnetic tier. With `filter` (row_batch.h), a MULTI column hands out only
// the rows the filter keeps.
absl::Status ScanMemStore(
    const MemSnapshot& memory, const ScanRequest& request, const RowBatchVisitor& visitor,
    const absl::flat_hash_set<const MemSnapshot::Column*>* skip_columns = nullptr,
    const RowFilter* filter = nullptr);

}  // namespace tsw::scan

#endif  // TSW_ENGINE_SCAN_MEM_SCANNER_H_
