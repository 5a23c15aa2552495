// Which live segments Compact merges next: a pure function of the manifest, so the policy
// is testable apart from the I/O.
//
// Segments made by one compaction share a sequence range; such a *unit* is kept whole, so
// live ranges stay disjoint or identical (manifest.h). A unit is a *candidate* when it
// holds rows older than the retention cutoff, or its bytes are below half the target
// segment size. The policy picks the first (oldest) maximal run of adjacent candidate
// units that either holds expired rows or has at least `min_segments` segments in more
// than one unit. A compaction's output is one unit whose segments, all but the last cut at
// the target size, are not small and hold no expired rows, so the policy never picks the
// same output again: repeated compaction terminates.
#ifndef TSW_ENGINE_MAGNETIC_COMPACTION_POLICY_H_
#define TSW_ENGINE_MAGNETIC_COMPACTION_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "engine/magnetic/manifest.h"

namespace tsw::magnetic {

// The segments [first, last) of `segments` (oldest first, as in the manifest) to compact
// next, or nullopt when none qualify.
std::optional<std::pair<size_t, size_t>> PickCompactionRun(
    const std::vector<ManifestSegment>& segments, int64_t retention_cutoff,
    int64_t target_segment_bytes, size_t min_segments);

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_COMPACTION_POLICY_H_
