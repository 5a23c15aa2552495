// StreamMerger: the rows of one stream (series, measure name, type) stored in several
// segments, merged in time order with each time once at its highest version; equal
// versions go to the newest segment. The read path of Scan and Compact.
//
// Blocks are read and decoded lazily, one per source at a time, and only those whose
// time range meets [first_time, last_time]. Not thread-safe; the readers must outlive the merger.
#ifndef TSW_ENGINE_MAGNETIC_STREAM_MERGER_H_
#define TSW_ENGINE_MAGNETIC_STREAM_MERGER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/common/row_batch.h"
#include "engine/magnetic/segment_format.h"
#include "engine/magnetic/segment_reader.h"
#include "tsw/types.h"

namespace tsw::magnetic {

struct StreamSource {
  const SegmentReader* reader = nullptr;
  size_t stream = 0;  // Index into reader->index().streams.
};

// What a caller running many mergers in turn (a scan, one per stream) lends each, so a
// stream does not allocate its own: the block decoding's buffers, and batches for the
// cursors' blocks (a merger takes them when it starts and gives them back when it ends).
// It carries capacity, not rows: every block is decoded over what a batch held before.
struct MergerScratch {
  DecodeScratch decode;
  std::vector<RowBatch> blocks;
};

class StreamMerger {
 public:
  // `sources` hold the same stream, oldest segment first. The output has `columns` (sorted
  // by ColumnLess): the union of the sources' columns, or a subset of it (a scan's
  // projection), in which case a source's other columns are never decoded.
  // Rows with first_time <= time <= last_time are merged (none if first > last).
  // `scratch` (optional; see MergerScratch) must outlive the merger, and serve one merger
  // at a time.
  StreamMerger(std::vector<StreamSource> sources, int64_t first_time, int64_t last_time,
               std::vector<ColumnSpec> columns, MergerScratch* scratch = nullptr);
  // Gives the cursors' block batches back to the scratch.
  ~StreamMerger();
  StreamMerger(const StreamMerger&) = delete;
  StreamMerger& operator=(const StreamMerger&) = delete;

  // Lets blocks be decoded through `filter` (row_batch.h; it must outlive the merger): a
  // block no other source of this merger overlaps, and whose time range misses
  // [foreign_first, foreign_last] (rows of the stream held elsewhere, such as the memory
  // tier; none when foreign_first > foreign_last), hands out only the rows the filter
  // keeps, and is not read at all when its value summaries rule out the filter's bounds
  // (SegmentReader::MayMatch). Other blocks hand out every row.
  void SetFilter(const RowFilter* filter, int64_t foreign_first, int64_t foreign_last) {
    filter_ = filter;
    foreign_first_ = foreign_first;
    foreign_last_ = foreign_last;
  }

  // Replaces the rows of *out (its time_nanos, versions and columns) with the next at most
  // `max_rows` rows. Returns false, with no rows, once every row was returned.
  absl::StatusOr<bool> Next(size_t max_rows, RowBatch* out);

  // True if a block of `stream` meets [first_time, last_time].
  static bool Overlaps(const StreamEntry& stream, int64_t first_time, int64_t last_time);

 private:
  static constexpr size_t kNotRead = SIZE_MAX;

  struct Cursor {
    StreamSource source;
    size_t next_block = 0;           // The next block to load.
    size_t end_block = 0;            // Blocks [next_block, end_block) may hold rows in range.
    RowBatch block;                  // The loaded block, in stream shape.
    size_t pos = 0;                  // The head row in `block`.
    size_t limit = 0;                // Rows [pos, limit) are in range.
    std::vector<size_t> column_map;  // Stream column -> output column, or kNotRead.
    std::vector<bool> wanted;        // Per stream column: in the output (if any is not).
    bool all_wanted = true;
    bool done = false;
  };

  // Whether the cursor's next block may be filtered (SetFilter).
  bool Filterable(const Cursor& cursor) const;
  // Loads blocks until the cursor has a head row or is done.
  absl::Status Fill(Cursor* cursor);
  // Appends rows [begin, end) of the cursor's block to *out.
  void CopyRows(const Cursor& cursor, size_t begin, size_t end, RowBatch* out) const;
  // Hands the cursor's whole block to the empty *out by swapping vectors instead of
  // copying rows. REQUIRES: out has no rows, cursor.pos == 0, cursor.limit == block rows.
  void SwapBlock(Cursor* cursor, RowBatch* out) const;

  const int64_t first_;
  const int64_t last_;
  const std::vector<ColumnSpec> columns_;
  std::vector<Cursor> cursors_;
  MergerScratch own_scratch_;  // Used when the caller passes no scratch.
  MergerScratch* const scratch_;
  bool started_ = false;
  const RowFilter* filter_ = nullptr;
  int64_t foreign_first_ = 0, foreign_last_ = -1;
};

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_STREAM_MERGER_H_
