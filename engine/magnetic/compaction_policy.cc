#include "engine/magnetic/compaction_policy.h"

namespace tsw::magnetic {

std::optional<std::pair<size_t, size_t>> PickCompactionRun(
    const std::vector<ManifestSegment>& segments, int64_t retention_cutoff,
    int64_t target_segment_bytes, size_t min_segments) {
  const int64_t small = target_segment_bytes / 2;
  // Units: [first, last) of segments sharing one sequence range.
  std::vector<std::pair<size_t, size_t>> units;
  for (size_t i = 0; i < segments.size(); ++i) {
    const ManifestSegment& head = segments[units.empty() ? 0 : units.back().first];
    if (!units.empty() && head.seq_lo == segments[i].seq_lo && head.seq_hi == segments[i].seq_hi) {
      units.back().second = i + 1;
    } else {
      units.emplace_back(i, i + 1);
    }
  }
  size_t u = 0;
  while (u < units.size()) {
    const size_t run_start = u;
    bool expired = false;
    for (; u < units.size(); ++u) {
      int64_t bytes = 0;
      bool unit_expired = false;
      for (size_t i = units[u].first; i < units[u].second; ++i) {
        bytes += static_cast<int64_t>(segments[i].summary.file_size);
        unit_expired |= segments[i].summary.min_time < retention_cutoff;
      }
      if (!unit_expired && bytes >= small) break;  // Not a candidate: the run ends.
      expired |= unit_expired;
    }
    if (u > run_start) {
      const size_t first = units[run_start].first;
      const size_t last = units[u - 1].second;
      if (expired || (u - run_start > 1 && last - first >= min_segments)) {
        return std::make_pair(first, last);
      }
    }
    ++u;  // Past the non-candidate that ended the run.
  }
  return std::nullopt;
}

}  // namespace tsw::magnetic
