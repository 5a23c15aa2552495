// Reads a table across both tiers for Scan: the memory store and the magnetic store,
// merged so that each (series, measure, time) appears once, at its highest Version.
//
// Between equal Versions the memory row wins: a row is copied to a segment before it leaves
// memory (engine/table/FORMAT.md), so for a moment, or after a crash between the two steps,
// both tiers hold it; equal Versions mean the same row (a Version names one value), and the
// memory row is the newer copy.
//
// Order of the batches: first the magnetic store's streams in its order (increasing series,
// measure name, type), each merged with the memory rows of the same (series, measure) if
// there are any in the range; then the memory store's remaining columns in its own order.
// Within a (series, measure), rows come in increasing time, at most max_rows_per_batch per
// batch. A magnetic stream with no memory rows in the range is passed through as the
// magnetic store produced it, and a memory column without magnetic rows as the memory
// scanner does, so a scan of data in one tier equals that tier's own scan. A merged stream's
// columns are the union of both tiers' columns, sorted by name (the magnetic store's
// layout); only the merged stream's current batch is buffered. A MULTI measure's columns
// are only those named in request.attributes when it names any (both tiers copy and
// decode nothing else).
//
// It reads what the caller pinned under the table's lock (shared), at one moment: the
// memory store's columns (MemSnapshot) and the magnetic store's segments
// (MagneticStore::Pin). It runs with no table lock held, so the visitor may block or write
// to the same table; the scan still sees both tiers as they were at the pin, whatever is
// written, evicted or compacted meanwhile.
#ifndef TSW_ENGINE_SCAN_TIER_SCANNER_H_
#define TSW_ENGINE_SCAN_TIER_SCANNER_H_

#include <functional>

#include "absl/status/status.h"
#include "engine/common/row_batch.h"
#include "engine/magnetic/magnetic_store.h"
#include "engine/scan/mem_snapshot.h"
#include "tsw/types.h"

namespace tsw::scan {

// ValidationException if max_rows_per_batch < 1; the magnetic store's read errors
// (InternalServerException naming the file) as they come. `memory` was pinned for
// `request`, `segments` from `magnetic` at the same moment.
// With `filter` (row_batch.h), segment blocks and memory rows may hand out only the rows
// it keeps, where leaving the others out cannot change which version of a row wins.
absl::Status ScanTiers(const MemSnapshot& memory, const magnetic::MagneticStore& magnetic,
                       const magnetic::MagneticStore::Pinned& segments, const ScanRequest& request,
                       const RowBatchVisitor& visitor, const RowFilter* filter = nullptr);

}  // namespace tsw::scan

#endif  // TSW_ENGINE_SCAN_TIER_SCANNER_H_
