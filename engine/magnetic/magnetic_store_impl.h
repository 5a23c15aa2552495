// Internals shared by magnetic_store.cc and compaction.cc: the published state, the
// store's implementation struct, and the grouping of one stream's entries across segments.
#ifndef TSW_ENGINE_MAGNETIC_MAGNETIC_STORE_IMPL_H_
#define TSW_ENGINE_MAGNETIC_MAGNETIC_STORE_IMPL_H_

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/common/file_util.h"
#include "engine/common/mutex.h"
#include "engine/common/scan_predicate.h"
#include "engine/magnetic/chunk_codec.h"
#include "engine/magnetic/magnetic_store.h"
#include "engine/magnetic/manifest.h"
#include "engine/magnetic/segment_format.h"
#include "engine/magnetic/segment_reader.h"
#include "engine/magnetic/segment_writer.h"
#include "engine/magnetic/stream_merger.h"

namespace tsw::magnetic {

inline constexpr char kManifestTmpName[] = "MANIFEST.tmp";

// A stream across segments: the key of Scan's and Compact's grouping. Points into the
// readers' indexes, which the snapshot keeps alive.
struct StreamKey {
  const std::vector<Dimension>* series;
  const std::string* measure_name;
  MeasureValueType type;
};

struct StreamKeyLess {
  bool operator()(const StreamKey& a, const StreamKey& b) const {
    if (int c = CompareSeries(*a.series, *b.series); c != 0) return c < 0;
    if (int c = a.measure_name->compare(*b.measure_name); c != 0) return c < 0;
    return MeasureTypeCode(a.type) < MeasureTypeCode(b.type);
  }
};

struct StreamGroup {
  std::vector<StreamSource> sources;  // Oldest segment first.
  std::vector<ColumnSpec> columns;    // Union, sorted.
};

// Adds the columns of `from` missing from *to, keeping it sorted by ColumnLess.
inline void AddColumns(const std::vector<ColumnSpec>& from, std::vector<ColumnSpec>* to) {
  for (const ColumnSpec& spec : from) {
    auto it = std::lower_bound(to->begin(), to->end(), spec, ColumnLess);
    if (it == to->end() || it->name != spec.name || it->type != spec.type) to->insert(it, spec);
  }
}

// ScanLatest's view of a State: its streams grouped across segments (latest_scan.cc).
struct LatestDirectory;

// The live segments, immutable once published; readers hold it while they work.
struct MagneticStore::State {
  Manifest manifest;
  std::vector<std::shared_ptr<const SegmentReader>> readers;  // Parallel to segments.
  // Built by the first ScanLatest of this state and kept for the next ones: what every
  // latest-row query would otherwise group again. Derived from `readers` alone.
  mutable std::once_flag latest_once;
  mutable std::shared_ptr<const LatestDirectory> latest;
};

// Calls fn(reader, stream index) for each stream of `state`'s segments (oldest first) in a
// segment whose time range meets [first, last], of a series `predicate` matches, and of a
// measure in `measures` (empty: any). Scan and ScanLatest select their streams so.
template <typename Fn>
void ForEachMatchingStream(const MagneticStore::State& state, const ScanPredicate& predicate,
                           int64_t first, int64_t last,
                           const absl::flat_hash_set<std::string>& measures, Fn fn) {
  std::vector<bool> series_ok;
  for (const std::shared_ptr<const SegmentReader>& reader : state.readers) {
    const SegmentIndex& index = reader->index();
    if (index.max_time < first || index.min_time > last) continue;
    series_ok.assign(index.series.size(), false);
    for (size_t s = 0; s < index.series.size(); ++s) {
      series_ok[s] = predicate.SeriesMatches(index.series[s]);
    }
    for (size_t i = 0; i < index.streams.size(); ++i) {
      const StreamEntry& stream = index.streams[i];
      if (!series_ok[stream.series]) continue;
      if (!measures.empty() && !measures.contains(stream.measure_name)) continue;
      fn(reader, i);
    }
  }
}

struct MagneticStore::Impl {
  std::string dir;
  MagneticOptions options;
  Env* env = nullptr;  // options.env, or Env::Default().
  std::shared_ptr<ReadCounters> counters = std::make_shared<ReadCounters>();

  // Held by AddSegment, ApplyRetention and Compact throughout.
  Mutex write_mu ABSL_ACQUIRED_BEFORE(mu);
  uint64_t next_file_id ABSL_GUARDED_BY(write_mu) = 1;

  mutable Mutex mu;
  std::shared_ptr<const State> state ABSL_GUARDED_BY(mu);

  std::shared_ptr<const State> Snapshot() const ABSL_LOCKS_EXCLUDED(mu) {
    MutexLock lock(&mu);
    return state;
  }
  void Log(absl::string_view line) const {
    if (options.report) options.report(line);
  }
  std::string PathOf(uint64_t file_id) const {
    return file::JoinPath(dir, SegmentFileName(file_id));
  }
  std::string ManifestPath() const { return file::JoinPath(dir, kManifestFileName); }
  SegmentWriterOptions WriterOptions() const {
    SegmentWriterOptions w;
    w.env = env;
    w.block.zstd_level = options.zstd_level;
    w.block.filter_bits_per_key = std::clamp(options.filter_bits_per_key, 0, 64);
    w.max_rows_per_block =
        std::clamp(options.max_rows_per_block, 1, static_cast<int32_t>(MaxChunkValues()));
    w.dictionary_group_blocks = std::clamp(options.dictionary_group_blocks, 1, 1024);
    return w;
  }

  // Writes `next` (with next_file_id) as the manifest, then publishes it with `readers`.
  // Then removes what failed passes left behind (RemoveOrphans).
  absl::Status Publish(Manifest next, std::vector<std::shared_ptr<const SegmentReader>> readers)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu);

  // Deletes segment files below next_file_id that neither the published manifest nor the
  // one `before` it names, and a
  // leftover MANIFEST.tmp: the remains of a pass that failed after writing them (a full
  // disk, say). Only after a successful Publish, when the manifest on disk is the one in
  // memory. Failures are left for the next pass.
  void RemoveOrphans(const State& before) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu);

  // Deletes segment files no longer in the manifest, logging each; the first failure is
  // returned, the rest are still attempted (what is left is an orphan the next Open
  // deletes).
  absl::Status DeleteFiles(const std::vector<uint64_t>& file_ids, absl::string_view why);

  // Compacts segments [first, last) of `before`.
  absl::Status CompactRun(const State& before, size_t first, size_t last)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu);
};

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_MAGNETIC_STORE_IMPL_H_
