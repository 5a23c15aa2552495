// The manifest: the durable list of a magnetic store's live segments, with the caller's
// note and the retention cutoff (FORMAT.md, "Manifest"). It is replaced whole with
// file::WriteFileAtomically, so after a crash it holds either the old or the new list.
#ifndef TSW_ENGINE_MAGNETIC_MANIFEST_H_
#define TSW_ENGINE_MAGNETIC_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/magnetic/segment_writer.h"

namespace tsw::magnetic {

inline constexpr uint32_t kManifestFormatVersion = 1;
inline constexpr char kManifestMagic[8] = {'T', 'S', 'W', 'M', 'A', 'N', 'I', 'F'};
inline constexpr char kManifestFileName[] = "MANIFEST";

struct ManifestSegment {
  uint64_t file_id = 0;  // The file is SegmentFileName(file_id).
  // The AddSegment sequence numbers whose rows the segment holds: [seq_lo, seq_hi]. A
  // segment made by AddSegment has seq_lo == seq_hi; compaction merges adjacent ranges.
  // Live segments' ranges are disjoint or identical (identical ones, from one compaction,
  // hold disjoint keys), which orders them for "equal versions: newer wins".
  uint64_t seq_lo = 0;
  uint64_t seq_hi = 0;
  SegmentSummary summary;
};

struct Manifest {
  uint64_t next_file_id = 1;              // Above every file id ever used.
  uint64_t next_seq = 1;                  // Above every seq_hi ever used.
  int64_t retention_cutoff = INT64_MIN;   // Rows with time < cutoff are gone.
  std::string note;                       // The last AddSegment's manifest_note.
  std::vector<ManifestSegment> segments;  // Sorted by (seq_hi, file_id): oldest first.
};

std::string EncodeManifest(const Manifest& manifest);

// Parses and validates (checksum, version, orders, ranges) manifest bytes; the error
// message names the first problem (the caller adds the file name).
absl::Status DecodeManifest(absl::string_view bytes, Manifest* manifest);

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_MANIFEST_H_
