// MagneticStore::ScanLatest: the last row in range of each stream, from at most one block
// per segment holding the stream.
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "engine/common/coding.h"
#include "engine/common/scan_predicate.h"
#include "engine/magnetic/block.h"
#include "engine/magnetic/magnetic_store.h"
#include "engine/magnetic/magnetic_store_impl.h"
#include "engine/model/series_key.h"

namespace tsw::magnetic {
namespace {

// The one block of a source that can hold the source's latest row in [first, last].
struct Candidate {
  size_t source = 0;  // Index into the group's sources (oldest segment first).
  size_t block = 0;
  int64_t bound = 0;  // No row of the block in range is later than this.
};

// The block of `stream` whose rows may include the latest one in [first, last]: the last
// block starting at or before `last`, if it ends at or after `first` (the blocks before
// it end before it starts).
bool FindCandidate(const StreamEntry& stream, int64_t first, int64_t last, Candidate* out) {
  const auto& blocks = stream.blocks;
  const auto it = std::partition_point(blocks.begin(), blocks.end(),
                                       [last](const BlockEntry& b) { return b.min_time <= last; });
  if (it == blocks.begin()) return false;
  const BlockEntry& block = *(it - 1);
  if (block.max_time < first) return false;
  out->block = static_cast<size_t>(it - 1 - blocks.begin());
  out->bound = std::min(block.max_time, last);
  return true;
}

// The winner among the sources of one stream, as StreamMerger picks it: the latest time,
// then the highest version, then the newest segment. False in *found when no row is in
// range.
absl::Status LatestOfGroup(const std::vector<StreamSource>& sources, int64_t first, int64_t last,
                           RowBatch* scratch, RowBatch* out, bool* found) {
  std::vector<Candidate> candidates;
  for (size_t s = 0; s < sources.size(); ++s) {
    Candidate c;
    c.source = s;
    const StreamEntry& stream = sources[s].reader->index().streams[sources[s].stream];
    if (FindCandidate(stream, first, last, &c)) candidates.push_back(c);
  }
  // Latest bound first; on equal bounds the newer segment first.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.bound != b.bound ? a.bound > b.bound : a.source > b.source;
  });
  *found = false;
  int64_t best_time = 0, best_version = 0;
  size_t best_source = 0;
  for (const Candidate& c : candidates) {
    if (*found && c.bound < best_time) break;  // Every later candidate is older still.
    const StreamSource& source = sources[c.source];
    if (absl::Status s = source.reader->DecodeBlock(source.stream, c.block, scratch); !s.ok()) {
      return s;
    }
    const std::vector<int64_t>& times = scratch->time_nanos;
    const size_t end = std::upper_bound(times.begin(), times.end(), last) - times.begin();
    if (end == 0 || times[end - 1] < first) continue;
    const size_t row = end - 1;
    const int64_t time = times[row], version = scratch->versions[row];
    const bool better =
        !*found || time > best_time ||
        (time == best_time &&
         (version > best_version || (version == best_version && c.source > best_source)));
    if (!better) continue;
    *found = true;
    best_time = time;
    best_version = version;
    best_source = c.source;
    *out = CopyRow(*scratch, row);
  }
  return absl::OkStatus();
}

// One stream across segments, with what the filter needs of its key.
struct LatestGroup {
  StreamKey key;
  std::string series_key;  // Canonical (engine/model/series_key.h).
  uint64_t series_hash = 0;
  std::vector<StreamSource> sources;  // Oldest segment first.
};

}  // namespace

// Every stream of a State's segments, grouped across segments.
struct LatestDirectory {
  std::vector<LatestGroup> groups;  // In the order first met (oldest segment first).
  // LatestKey::memo of each group (atomics do not move, so not in LatestGroup).
  std::unique_ptr<std::atomic<uint64_t>[]> memos;
};

namespace {

// Groups the streams by their footer hash, a hash collision costing a second group rather
// than a wrong one. A hash map rather than Scan's ordered map: comparing series of many
// dimensions is what an ordered map costs.
std::shared_ptr<const LatestDirectory> BuildDirectory(const MagneticStore::State& state) {
  auto directory = std::make_shared<LatestDirectory>();
  absl::flat_hash_map<uint64_t, std::vector<size_t>> by_hash;
  for (const std::shared_ptr<const SegmentReader>& reader : state.readers) {
    const SegmentIndex& index = reader->index();
    for (size_t i = 0; i < index.streams.size(); ++i) {
      const StreamEntry& stream = index.streams[i];
      const StreamKey key{&index.series[stream.series], &stream.measure_name, stream.type};
      std::vector<size_t>& same_hash = by_hash[stream.hash];
      LatestGroup* group = nullptr;
      for (size_t g : same_hash) {
        LatestGroup& candidate = directory->groups[g];
        if (candidate.key.type == key.type && *candidate.key.measure_name == *key.measure_name &&
            CompareSeries(*candidate.key.series, *key.series) == 0) {
          group = &candidate;
        }
      }
      if (group == nullptr) {
        same_hash.push_back(directory->groups.size());
        group = &directory->groups.emplace_back();
        group->key = key;
        for (const Dimension& d : *key.series) {  // Sorted by name: the canonical key.
          PutLengthPrefixed(&group->series_key, d.name);
          PutLengthPrefixed(&group->series_key, d.value);
        }
        group->series_hash = model::HashSeriesKey(group->series_key);
      }
      group->sources.push_back(StreamSource{reader.get(), i});
    }
  }
  directory->memos = std::make_unique<std::atomic<uint64_t>[]>(directory->groups.size());
  for (size_t g = 0; g < directory->groups.size(); ++g) directory->memos[g].store(0);
  return directory;
}

const LatestDirectory& DirectoryOf(const MagneticStore::State& state) {
  std::call_once(state.latest_once, [&state] { state.latest = BuildDirectory(state); });
  return *state.latest;
}

}  // namespace

absl::Status MagneticStore::ScanLatest(const ScanRequest& request, const StreamFilter& wanted,
                                       const RowBatchVisitor& visitor) const {
  absl::StatusOr<ScanPredicate> predicate = ScanPredicate::Make(request);
  if (!predicate.ok()) return predicate.status();
  if (predicate->empty()) return absl::OkStatus();
  std::shared_ptr<const State> state = impl_->Snapshot();
  const int64_t first = std::max(predicate->first_time(), state->manifest.retention_cutoff);
  const int64_t last = predicate->last_time();
  if (first > last) return absl::OkStatus();
  // The wanted measures (none: all): a few names are compared, many hashed, so that the
  // usual one or two cost no allocation per scan.
  const std::vector<std::string>& names = request.measure_names;
  constexpr size_t kSearchedNames = 8;
  absl::flat_hash_set<std::string_view> measures;
  if (names.size() > kSearchedNames) measures.insert(names.begin(), names.end());
  RowBatch scratch, row;
  // Most streams share a few measures: the last name's answer, by comparison, not a hash.
  const std::string* last_measure = nullptr;
  bool last_measure_wanted = false;
  const LatestDirectory& directory = DirectoryOf(*state);
  for (size_t g = 0; g < directory.groups.size(); ++g) {
    const LatestGroup& group = directory.groups[g];
    const StreamKey& key = group.key;
    if (!names.empty()) {
      if (last_measure == nullptr || *key.measure_name != *last_measure) {
        last_measure = key.measure_name;
        last_measure_wanted =
            names.size() > kSearchedNames
                ? measures.contains(*last_measure)
                : std::find(names.begin(), names.end(), *last_measure) != names.end();
      }
      if (!last_measure_wanted) continue;
    }
    if (!predicate->SeriesMatches(*key.series)) continue;
    if (wanted && !wanted(LatestKey{key.series, group.series_key, group.series_hash,
                                    key.measure_name, key.type, &directory.memos[g]})) {
      continue;
    }
    bool found = false;
    if (absl::Status s = LatestOfGroup(group.sources, first, last, &scratch, &row, &found);
        !s.ok()) {
      return s;
    }
    if (!found) continue;
    row.dimensions = *key.series;
    row.measure_name = *key.measure_name;
    row.measure_value_type = key.type;
    if (!visitor(row)) return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace tsw::magnetic
