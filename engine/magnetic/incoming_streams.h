// GroupIncomingBatches: validates the batches given to MagneticStore::AddSegment and
// groups them by stream (series, measure name, type) in the order a segment stores them.
#ifndef TSW_ENGINE_MAGNETIC_INCOMING_STREAMS_H_
#define TSW_ENGINE_MAGNETIC_INCOMING_STREAMS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/common/row_batch.h"
#include "engine/magnetic/segment_format.h"
#include "tsw/types.h"

namespace tsw::magnetic {

struct IncomingStream {
  std::vector<Dimension> series;  // Sorted by name.
  std::string measure_name;
  MeasureValueType type = MeasureValueType::kDouble;
  std::vector<ColumnSpec> columns;  // The union of the batches' columns, sorted.
  // The rows: `batch` alone when one batch held the stream, else `merged`, the batches'
  // rows merged by time (same time: higher version, then the later batch, wins).
  const RowBatch* batch = nullptr;
  RowBatch merged;

  const RowBatch& rows() const { return batch != nullptr ? *batch : merged; }
};

// Checks each batch against MagneticStore::AddSegment's contract and groups the non-empty
// ones by stream, sorted by (CompareSeries, measure name, type code). The result points
// into `batches`, which must outlive it. Errors are InternalServerException naming the
// batch (by index) and the problem.
absl::StatusOr<std::vector<IncomingStream>> GroupIncomingBatches(
    const std::vector<RowBatch>& batches);

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_INCOMING_STREAMS_H_
