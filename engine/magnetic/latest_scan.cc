// MagneticStore::ScanLatest: the last row in range of each stream, from at most one block
// per segment holding the stream.
#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "engine/common/scan_predicate.h"
#include "engine/magnetic/block.h"
#include "engine/magnetic/magnetic_store.h"
#include "engine/magnetic/magnetic_store_impl.h"

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
  absl::flat_hash_set<std::string> measures(request.measure_names.begin(),
                                            request.measure_names.end());

  // The streams, grouped across segments (readers oldest first) by their footer hash, a
  // hash collision costing a second group rather than a wrong one. A hash map rather than
  // Scan's ordered map: comparing series of many dimensions is what an ordered map costs.
  struct Group {
    StreamKey key;
    std::vector<StreamSource> sources;
  };
  absl::flat_hash_map<uint64_t, std::vector<Group>> groups;
  ForEachMatchingStream(
      *state, *predicate, first, last, measures,
      [&](const std::shared_ptr<const SegmentReader>& reader, size_t i) {
        const SegmentIndex& index = reader->index();
        const StreamEntry& stream = index.streams[i];
        const StreamKey key{&index.series[stream.series], &stream.measure_name, stream.type};
        std::vector<Group>& same_hash = groups[stream.hash];
        Group* group = nullptr;
        for (Group& g : same_hash) {
          if (g.key.type == key.type && *g.key.measure_name == *key.measure_name &&
              CompareSeries(*g.key.series, *key.series) == 0) {
            group = &g;
          }
        }
        if (group == nullptr) {
          same_hash.push_back(Group{key, {}});
          group = &same_hash.back();
        }
        group->sources.push_back(StreamSource{reader.get(), i});
      });

  RowBatch scratch, row;
  std::vector<const Group*> order;
  for (const auto& [hash, same_hash] : groups) {
    for (const Group& group : same_hash) order.push_back(&group);
  }
  for (const Group* group : order) {
    const StreamKey& key = group->key;
    const std::vector<StreamSource>& sources = group->sources;
    if (wanted && !wanted(*key.series, *key.measure_name, key.type)) continue;
    bool found = false;
    if (absl::Status s = LatestOfGroup(sources, first, last, &scratch, &row, &found); !s.ok()) {
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
