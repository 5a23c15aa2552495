// MagneticStore: the magnetic tier of one table — immutable, checksummed segment files of
// encoded, Zstd-compressed columns with a footer index, listed by a manifest that is
// replaced atomically; with upserts across segments, retention and compaction.
//
// The unit of data is tsw::RowBatch: the rows of one series (dimensions sorted by name)
// and one measure, in strictly increasing time, each with its Version; one column named
// after a scalar measure, one per attribute of a MULTI measure, each with a presence mask.
//
// Guarantees:
//  - Durability and atomicity: AddSegment, ApplyRetention and Compact each publish their
//    result with one atomic manifest replacement, after the segment files it names are
//    fsynced. A crash at any moment leaves the store as it was before or after the call;
//    files a crash left behind (orphans) are deleted by the next Open.
//  - Reads see each (series, measure name, time) once, at its highest Version; between
//    equal Versions the row added later (by AddSegment) wins. Rows older than the
//    retention cutoff are never returned.
//  - Every byte read from disk is checked against a checksum before it is used; corruption
//    is an InternalServerException naming the file (and block), never a crash or a wrong
//    row.
//
// Who calls it: the table store (engine/table), for eviction from the memory store, for
// magnetic-store writes, for scans and upsert checks, and for maintenance.
//
// Thread-safety: every method may be called concurrently. Readers (Scan, Lookup, Stats,
// Verify) work on a snapshot of the live segments (open files, so deletion by a later
// compaction does not disturb them) and never wait for a writer's I/O; writers
// (AddSegment, ApplyRetention, Compact) run one at a time. A Scan visitor may call any
// method. REQUIRES: at most one MagneticStore per directory at a time (the table store's
// directory lock provides this).
#ifndef TSW_ENGINE_MAGNETIC_MAGNETIC_STORE_H_
#define TSW_ENGINE_MAGNETIC_MAGNETIC_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/common/row_batch.h"
#include "tsw/engine.h"
#include "tsw/env.h"
#include "tsw/types.h"

namespace tsw::magnetic {

struct MagneticOptions {
  // Zstd level of the column chunks; 0 stores them uncompressed.
  int zstd_level = 3;
  // Receives a line for each notable event: orphan files deleted at Open, segments
  // dropped by retention, compactions. May be empty.
  std::function<void(absl::string_view)> report;
  // Compaction writes segments of about this size, and merges segments below half of it.
  int64_t target_segment_bytes = 64 << 20;
  // Rows per block, the unit that is read and decoded (>= 1).
  int32_t max_rows_per_block = 4096;
  // Consecutive blocks of a stream whose DOUBLE columns may share a group dictionary of
  // their distinct values (FORMAT.md, "Dictionaries"), stored once and used where it makes
  // the segment smaller; 1 or less: none. A lookup in such a block also reads and decodes
  // the dictionary, which holds at most 4 x max_rows_per_block entries per column.
  int32_t dictionary_group_blocks = 16;
  // Compaction merges a run of adjacent small segments once it holds this many (>= 2);
  // segments with rows below the retention cutoff are rewritten regardless.
  int32_t compaction_min_segments = 4;
  // Bits per key of the per-block key filters (bloom) Lookup consults before decoding a
  // block's times; 0 writes none. A filter makes lookups of absent times faster but costs
  // a fixed number of bytes per point, about as many as the compressed data itself
  // (bench/RESULTS.md, "Magnetic tier"). Lookups only serve version checks of late
  // writes, so by default the bytes are saved.
  int32_t filter_bits_per_key = 0;
  // The file system; not owned. nullptr: Env::Default().
  Env* env = nullptr;
};

// One (series, measure name, time) to look up. The dimensions need not be sorted.
struct LookupKey {
  std::vector<Dimension> dimensions;
  std::string measure_name;
  int64_t time_nanos = 0;
};

struct MagneticStats {
  std::vector<TableStats::Segment> segments;  // Oldest first.
  int64_t points = 0;  // Rows stored, counting versions and expired rows not yet compacted.
  int64_t bytes = 0;   // Bytes of the segment files.
  // Stored bytes by what they hold: "time", "version", "double", "bigint", "varchar",
  // "boolean", "timestamp", "presence", "filter" (key filters) and "index" (headers,
  // footers, chunk headers); they add up to `bytes`.
  std::vector<std::pair<std::string, int64_t>> bytes_by_column_kind;
  int64_t retention_cutoff_nanos = INT64_MIN;
  // Since Open: blocks read from disk (and checksummed), and blocks decoded (all their
  // columns, or just the times where a Lookup's key filter admitted the key).
  int64_t blocks_read = 0;
  int64_t blocks_decoded = 0;
  // Since Open: blocks a filtered Scan left unread, their value summaries ruling out the
  // filter's bounds (SegmentReader::MayMatch).
  int64_t blocks_skipped = 0;
};

class MagneticStore {
 public:
  // Opens the store in `dir` (normally <table dir>/magnetic), creating it when missing.
  // Loads and verifies the manifest and the footer of every live segment, then deletes
  // orphan files (segment files the manifest does not name, a leftover MANIFEST.tmp),
  // logging each. Fails with InternalServerException naming the file when the manifest or
  // a live segment is corrupt or missing (and then deletes nothing).
  static absl::StatusOr<std::unique_ptr<MagneticStore>> Open(const std::string& dir,
                                                             const MagneticOptions& options);

  ~MagneticStore();
  MagneticStore(const MagneticStore&) = delete;
  MagneticStore& operator=(const MagneticStore&) = delete;

  // Writes `batches` (any number, any series and measures, in any order) as one new
  // segment and publishes it, with `manifest_note`, in one manifest replacement. Each batch
  // must be well formed: dimension names unique; times strictly increasing; versions and
  // every column as long as the times (`present` may be empty: all present); a scalar
  // measure with exactly one column of its name and type; a MULTI measure with uniquely
  // named attribute columns of scalar types; booleans 0 or 1. Several batches of the same
  // (series, measure) are merged (same time: higher version, then the later batch, wins).
  // Batches without rows add nothing; with no rows at all, only the note is published.
  // Rows older than the retention cutoff are accepted but never returned.
  // Fails with InternalServerException (malformed batch, I/O); the store is then unchanged.
  absl::Status AddSegment(const std::vector<RowBatch>& batches, const std::string& manifest_note);

  // The manifest_note of the last successful AddSegment ("" if none), also after reopen.
  std::string LastNote() const;

  // The live segments as they are now, held open (a later compaction or retention that
  // deletes their files does not disturb them) until the last copy is dropped, for a
  // Scan that must read the store as it was at a chosen moment (the table store pins
  // both tiers under its lock, then reads with none).
  struct State;
  using Pinned = std::shared_ptr<const State>;
  Pinned Pin() const;

  // Calls `visitor` with the rows matching `request` (time range, measure names,
  // dimension filters; database and table names are ignored), merged across segments:
  // each (series, measure, time) once at its highest version. Batches come per
  // (series, measure, type) in increasing (series, measure name, type) order, series
  // compared as sorted (name, value) lists; within one, in increasing time, each at most
  // request.max_rows_per_batch rows. Every batch of one stream has the same columns: the
  // union over the stored rows' columns, sorted by name; for a MULTI stream, only those of
  // them named in request.attributes when it names any (possibly none), and the others'
  // chunks are not decoded. Only blocks whose time range meets the request are read.
  // Returning false from `visitor` stops the scan (still OK). ValidationException if
  // request.max_rows_per_batch < 1. Reads the segments `pinned` if given, else the live
  // ones.
  //
  // With `filter` (row_batch.h), a block of a MULTI stream may hand out only the rows the
  // filter keeps (StreamMerger::SetFilter) when no other segment's block of the stream
  // overlaps it and, if `held_elsewhere` is given, it misses the times it names for the
  // stream (rows of the stream another tier holds: the memory store's).
  using HeldElsewhere =
      std::function<void(const std::vector<Dimension>& series, const std::string& measure_name,
                         MeasureValueType type, int64_t* first, int64_t* last)>;
  absl::Status Scan(const ScanRequest& request, const RowBatchVisitor& visitor,
                    const Pinned& pinned = nullptr, const RowFilter* filter = nullptr,
                    const HeldElsewhere* held_elsewhere = nullptr) const;

  // A stream as ScanLatest's filter sees it: its series (dimensions sorted by name), the
  // series' canonical key (engine/model/series_key.h) and that key's HashSeriesKey, its
  // measure name and type. The pointers live as long as the segments (the scan).
  struct LatestKey {
    const std::vector<Dimension>* series = nullptr;
    std::string_view series_key;
    uint64_t series_hash = 0;
    const std::string* measure_name = nullptr;
    MeasureValueType type = MeasureValueType::kDouble;
    // A word kept with the stream's grouping for as long as the same segments are live
    // (zero at first), for the filter to remember what it learnt of the key from one
    // scan to the next (engine/scan/latest_scanner.cc: the key's memory column), so that
    // it need not compare the key again. ScanLatest never reads it; concurrent scans share
    // it, hence atomic.
    std::atomic<uint64_t>* memo = nullptr;
  };
  // Which streams ScanLatest should read. False skips the stream without reading any of
  // its blocks.
  using StreamFilter = std::function<bool(const LatestKey& key)>;

  // The latest row matching `request` (time range, measure names, dimension filters) of
  // each stream `wanted` accepts, as a one-row batch (the columns of the segment holding
  // it), in no particular order; request.latest_only and max_rows_per_batch are not looked
  // at. The row is the one Scan would return last for the stream. Per stream, reads only
  // the one block per segment that can hold its latest row in range (from the footer's
  // block time ranges), newest possible first, and stops once no other segment can hold a
  // later one (late writes can put a stream's older rows in a newer segment, so the newest
  // segment is not always the one). A stream's row, if it has one in range, is visited
  // right after `wanted` accepted that stream, before `wanted` sees the next one.
  // Returning false from `visitor` stops the scan. The streams' grouping across segments
  // is computed once per set of live segments and kept with it.
  absl::Status ScanLatest(const ScanRequest& request, const StreamFilter& wanted,
                          const RowBatchVisitor& visitor) const;

  // The stored row of one (series, measure, time) at its highest version, as a one-row
  // RowBatch (its columns those of the segment holding it), or nullopt when there is
  // none (or it is older than the retention cutoff). Decodes only blocks whose time range
  // holds the time and (with filters) whose key filter admits the key.
  absl::StatusOr<std::optional<RowBatch>> Lookup(const LookupKey& key) const;
  // Lookup of many keys against one snapshot; results in the order of `keys`. A block two
  // keys need is decoded once.
  absl::StatusOr<std::vector<std::optional<RowBatch>>> LookupMany(
      absl::Span<const LookupKey> keys) const;

  // Every (measure name, type) stored, sorted (for rebuilding the table's measure types).
  std::vector<std::pair<std::string, MeasureValueType>> MeasureTypes() const;

  // Raises the retention cutoff to `min_time_nanos` (it never moves back): from now on
  // rows with time < cutoff are never returned. Deletes the segments whose rows are all
  // older; Compact rewrites those partly older. The cutoff is persisted in the manifest.
  absl::Status ApplyRetention(int64_t min_time_nanos);
  int64_t RetentionCutoff() const;

  // Merges runs of adjacent small segments (see MagneticOptions) and rewrites segments
  // holding rows older than the cutoff, keeping each (series, measure, time) once at its
  // winning version and dropping expired rows; publishes the result with one manifest
  // replacement per run, then deletes the inputs. Scan results are unchanged. Blocks other
  // writers (not readers) while it runs.
  absl::Status Compact();

  // Figures for `tsw stats`.
  MagneticStats Stats() const;

  // Re-reads the manifest and every live segment from disk and checks every checksum,
  // index entry and block (for `tsw verify`). Returns the problems found, each naming its
  // file; empty means healthy. Files in the directory the manifest does not name are
  // reported too.
  std::vector<std::string> Verify() const;

 private:
  struct Impl;
  explicit MagneticStore(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_MAGNETIC_STORE_H_
