// SegmentReader: an open, verified segment file (FORMAT.md, "Segment file") whose footer
// index is held in memory; blocks are read through a read-only mapping of the file where
// the Env maps files (File::MapReadOnly), else with File::Read, checked against their XXH3
// checksum on every read, and decoded on demand.
//
// Every error names the file (and the stream and block where there is one) and is an
// InternalServerException. Thread-safe: all methods are const and read at offsets; the file
// stays open (so readable after it is unlinked) until the last reference goes.
#ifndef TSW_ENGINE_MAGNETIC_SEGMENT_READER_H_
#define TSW_ENGINE_MAGNETIC_SEGMENT_READER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/common/mutex.h"
#include "engine/common/row_batch.h"
#include "engine/magnetic/block.h"
#include "engine/magnetic/segment_format.h"
#include "engine/magnetic/segment_writer.h"
#include "tsw/env.h"
#include "tsw/types.h"

namespace tsw::magnetic {

// Work done by readers, shared by all segments of a store (for tests and stats).
struct ReadCounters {
  std::atomic<int64_t> blocks_read{0};     // Read from disk and checksummed.
  std::atomic<int64_t> blocks_decoded{0};  // Decoded: fully, or a Lookup's time column.
  std::atomic<int64_t> blocks_skipped{0};  // Left unread by a filtered scan (MayMatch).
};

class SegmentReader {
 public:
  // Opens `path`, checks the header, the trailer and the footer checksum and contents, and
  // loads the index. With `expected` (the manifest's record), the file size and footer
  // checksum must match it too. `counters` may be null.
  static absl::StatusOr<std::shared_ptr<const SegmentReader>> Open(
      Env& env, const std::string& path, const std::optional<SegmentSummary>& expected,
      std::shared_ptr<ReadCounters> counters);

  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  const std::string& path() const { return path_; }
  const SegmentIndex& index() const { return index_; }
  uint64_t file_size() const { return file_size_; }
  uint64_t footer_checksum() const { return footer_checksum_; }
  const std::vector<Dimension>& series_of(const StreamEntry& stream) const {
    return index_.series[stream.series];
  }

  // The range [first, last) of stream indexes of (series, measure name), any type.
  std::pair<size_t, size_t> FindStreams(const std::vector<Dimension>& series,
                                        absl::string_view measure_name) const;

  // Reads block `block` of stream `stream` into *bytes and verifies its checksum.
  absl::Status ReadBlock(size_t stream, size_t block, std::string* bytes) const;

  // The verified bytes of block `block` of `stream`: a view into the mapped file where
  // the Env maps files (no copy), else read into *scratch. Valid while the reader and
  // *scratch live and *scratch is not reused.
  absl::StatusOr<absl::string_view> BlockBytes(size_t stream, size_t block,
                                               std::string* scratch) const;

  // Whether blocks are read through a read-only mapping of the file (File::MapReadOnly).
  bool mapped() const { return mapping_ != nullptr; }

  // ReadBlock, then decodes every row into *out in stream shape (block.h) and checks it
  // against the index (row count, strictly increasing times within the block's range).
  // `wanted` (optional, one flag per stream column) leaves the unflagged columns empty
  // and undecoded (BlockReader::DecodeAll); `scratch` (optional) lends the buffer of the block's
  // bytes and those of a filtered decode (block.h, DecodeScratch), so a caller decoding many
  // blocks reuses one set.
  //
  // With `filter` (row_batch.h), only the rows with a time in [first_time, last_time] are
  // decoded (after the times' check against the index): the columns the filter reads
  // first, and its `select` called on them; *out then holds only the rows it keeps (all
  // rows in the range if `select` fails), and the block's other columns are decoded only
  // at those rows (encoding::DecodeDoublesAt: a sequential codec stops at the last one,
  // ALP-RD unpacks only those values). The caller makes sure leaving rows out is safe (no other
  // source holds rows in the block's range). Without a filter the time range is not used.
  absl::Status DecodeBlock(size_t stream, size_t block, RowBatch* out,
                           const std::vector<bool>* wanted = nullptr,
                           DecodeScratch* scratch = nullptr, const RowFilter* filter = nullptr,
                           int64_t first_time = INT64_MIN, int64_t last_time = INT64_MAX) const;

  // False when `bounds` (row_batch.h, ValueBound) rule out every row of block `block` of
  // `stream` by its value summaries: for some bound, the MULTI stream has no column of
  // its attribute and type (NULL in every row), or the block's summary of it shows no
  // value that can meet it; counted in ReadCounters::blocks_skipped. True otherwise, and
  // always for a scalar stream or a segment before version 3. Reads nothing.
  bool MayMatch(size_t stream, size_t block, const std::vector<ValueBound>& bounds) const;
  // Whether the value summaries of block `block` of `stream` are those of `decoded`, its
  // rows as DecodeBlock gives them without a filter or `wanted` (for Verify: a summary
  // that claims less than the block holds would make filtered scans miss rows).
  absl::Status CheckSummaries(size_t stream, size_t block, const RowBatch& decoded) const;

  // The row at `time` of block `block` of stream `stream`, in stream shape with one row,
  // or nullopt; consults the block's key filter before decoding anything.
  absl::StatusOr<std::optional<RowBatch>> FindRow(size_t stream, size_t block, int64_t time) const;

  // The group dictionary that block `block` of `stream` names, read, verified and decoded,
  // for BlockReader::DecodeAll (a block whose DOUBLE chunks hold codes cannot be decoded
  // without it). Recently used dictionaries are kept decoded (up to
  // kDictionaryCacheEntries values per reader), so lookups and narrow scans in one group
  // decode its dictionary once. REQUIRES: the block names one (BlockEntry::dictionary != 0).
  absl::StatusOr<std::shared_ptr<const GroupDictionary>> ReadDictionary(size_t stream,
                                                                        size_t block) const;
  // 1 MiB of doubles: every dictionary of a 64 MiB segment of high-cardinality columns
  // (bench/RESULTS.md, "Real data"), at most 1/64 of the segment's size.
  static constexpr size_t kDictionaryCacheEntries = 1 << 17;

  // A status naming this file, `what` and the problem.
  absl::Status Corruption(absl::string_view what, const absl::Status& problem) const;

 private:
  // DecodeBlock's steps after the times with a filter (see there); *out holds the times
  // and versions of the block's rows in the range, from row `first_row` on, and its
  // columns named, typed and empty.
  static absl::Status DecodeFiltered(const BlockReader& reader, const StreamEntry& s, size_t rows,
                                     const GroupDictionary* dictionary,
                                     const std::vector<bool>* wanted, const RowFilter& filter,
                                     size_t first_row, DecodeScratch* scratch, RowBatch* out);

  SegmentReader(std::unique_ptr<File> file, std::shared_ptr<ReadCounters> counters);
  absl::Status Load(const std::optional<SegmentSummary>& expected);
  absl::Status PRead(uint64_t offset, uint64_t length, std::string* out) const;
  std::string BlockName(size_t stream, size_t block) const;

  const std::unique_ptr<File> file_;
  const std::string& path_;  // file_->path().
  const std::shared_ptr<ReadCounters> counters_;
  uint64_t file_size_ = 0;
  uint64_t footer_checksum_ = 0;
  SegmentIndex index_;
  // The whole file mapped read-only once Load has checked it, or null (Read is used).
  // Segment files are never changed once written, so the mapping stays valid; a file cut
  // short by someone else while mapped would fault (SIGBUS) where Read would report it,
  // and so would a read error of the device under the mapping (Read returns EIO).
  std::unique_ptr<MappedRegion> mapping_;

  // Decoded dictionaries by file offset, most recently used last; their entries total at
  // most kDictionaryCacheEntries (one larger dictionary may stand alone).
  mutable Mutex cache_mu_;
  mutable std::vector<std::pair<uint64_t, std::shared_ptr<const GroupDictionary>>> cache_
      ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_SEGMENT_READER_H_
