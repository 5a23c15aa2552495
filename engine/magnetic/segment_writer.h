// SegmentWriter: streams rows, stream by stream, into a new segment file (FORMAT.md,
// "Segment file"): header, blocks, footer index, trailer; fsynced by Finish.
//
// The file is not visible to readers until the manifest names it; a writer that is
// destroyed or Abandon()ed before Finish() removes its file. Not thread-safe.
#ifndef TSW_ENGINE_MAGNETIC_SEGMENT_WRITER_H_
#define TSW_ENGINE_MAGNETIC_SEGMENT_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/common/row_batch.h"
#include "engine/magnetic/block.h"
#include "engine/magnetic/segment_format.h"
#include "tsw/env.h"
#include "tsw/types.h"

namespace tsw::magnetic {

struct SegmentWriterOptions {
  BlockEncodeOptions block;
  int32_t max_rows_per_block = 4096;  // >= 1.
  // Up to this many consecutive blocks of a stream are encoded together and may share a
  // group dictionary (FORMAT.md, "Dictionaries"); 1 or less: no dictionaries. The writer
  // holds that many blocks' rows of the current stream in memory.
  int32_t dictionary_group_blocks = 16;
  // The most entries a column's group dictionary may hold, which bounds what a lookup in
  // one block decodes besides the block; 0: 4 x max_rows_per_block.
  int32_t dictionary_max_entries = 0;
  // The file system; not owned. nullptr: Env::Default().
  Env* env = nullptr;
};

// What the manifest records about a finished segment.
struct SegmentSummary {
  uint64_t file_size = 0;
  uint64_t footer_checksum = 0;
  int64_t min_time = 0;
  int64_t max_time = 0;
  int64_t points = 0;
};

class SegmentWriter {
 public:
  // Creates `path`, which must not exist, and writes the header.
  static absl::StatusOr<std::unique_ptr<SegmentWriter>> Create(const std::string& path,
                                                               const SegmentWriterOptions& options);

  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;
  // Abandons the file unless Finish() succeeded.
  ~SegmentWriter();

  // Starts the next stream. Streams must come in strictly increasing (CompareSeries,
  // measure name, type code) order; `series` sorted by name with unique names; `columns`
  // strictly sorted by ColumnLess; a scalar stream has exactly one column, named and typed
  // after the measure; a MULTI stream at least one, none of type MULTI.
  absl::Status BeginStream(const std::vector<Dimension>& series, const std::string& measure_name,
                           MeasureValueType type, std::vector<ColumnSpec> columns);

  // Appends rows [begin, end) of `batch` to the current stream. The batch's columns are
  // matched to the stream's by (name, type) and must all be among them; stream columns the
  // batch lacks are absent in these rows. An empty `present` means every row is present.
  // Times must increase strictly, also across calls. Booleans must be 0 or 1.
  absl::Status AddRows(const RowBatch& batch, size_t begin, size_t end);

  // Bytes of the header and the blocks written so far; the finished file is larger (by
  // the rows not yet in a block, the footer and the trailer).
  uint64_t bytes_written() const { return offset_; }
  // Rows added so far.
  int64_t points() const { return points_; }

  // Writes the last block, the footer and the trailer, and fsyncs the file (not its
  // directory: the caller syncs that once for all the files it made).
  absl::StatusOr<SegmentSummary> Finish();

  // Closes and removes the file.
  void Abandon();

  const std::string& path() const { return path_; }

 private:
  SegmentWriter(Env& env, std::unique_ptr<File> file, const SegmentWriterOptions& options);
  absl::Status Append(absl::string_view bytes);
  absl::Status FlushBuffer();
  // Encodes the pending rows as blocks of max_rows_per_block, with a group dictionary where
  // it makes them smaller, and appends them.
  absl::Status FlushGroup();
  // FlushGroup's steps over pending rows [begin, end): the group, halved while a column
  // has too many distinct values for one dictionary; the dictionary each DOUBLE column
  // could share (*too_many when one had too many values); the blocks encoded with it
  // (*saved: bytes each column saved by codes); their bytes appended.
  absl::Status FlushRows(size_t begin, size_t end);
  GroupDictionary CandidateDictionary(size_t begin, size_t end, bool* too_many) const;
  absl::Status EncodeGroup(size_t begin, size_t end, const GroupDictionary* dictionary,
                           std::vector<std::string>* blocks, std::vector<bool>* uses_dictionary,
                           ByteKindCounts* counts, std::vector<int64_t>* saved) const;
  absl::Status AppendGroup(size_t begin, size_t end, const std::vector<std::string>& blocks,
                           const std::vector<bool>& uses, std::string dictionary_bytes,
                           const ByteKindCounts& counts, const ByteKindCounts& dictionary_counts);
  void EndStream();

  Env& env_;
  const std::string path_;
  std::unique_ptr<File> file_;  // Null once finished or abandoned.
  const SegmentWriterOptions options_;
  std::string buffer_;   // Bytes not yet written to file_.
  uint64_t offset_ = 0;  // File offset of buffer_'s end.
  bool finished_ = false;
  bool failed_ = false;

  SegmentIndex index_;
  bool in_stream_ = false;
  StreamEntry stream_;  // The current stream (in_stream_).
  RowBatch pending_;    // Its rows not yet in a block (at most one group), in stream shape.
  bool has_last_time_ = false;
  int64_t last_time_ = 0;
  int64_t points_ = 0;
  int64_t min_time_ = INT64_MAX;
  int64_t max_time_ = INT64_MIN;
};

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_SEGMENT_WRITER_H_
