#include "engine/magnetic/manifest.h"

#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "engine/common/xxh3.h"
#include "tsw/status.h"

namespace tsw::magnetic {
namespace {

absl::Status Bad(absl::string_view detail) {
  return tsw::InternalError(absl::StrCat("corrupt manifest: ", detail));
}

}  // namespace

std::string EncodeManifest(const Manifest& manifest) {
  std::string out(kManifestMagic, sizeof(kManifestMagic));
  PutFixed32(&out, kManifestFormatVersion);
  PutVarint64(&out, manifest.next_file_id);
  PutVarint64(&out, manifest.next_seq);
  PutSignedVarint64(&out, manifest.retention_cutoff);
  PutLengthPrefixed(&out, manifest.note);
  PutVarint64(&out, manifest.segments.size());
  for (const ManifestSegment& segment : manifest.segments) {
    PutVarint64(&out, segment.file_id);
    PutVarint64(&out, segment.seq_lo);
    PutVarint64(&out, segment.seq_hi);
    PutVarint64(&out, segment.summary.file_size);
    PutFixed64(&out, segment.summary.footer_checksum);
    PutSignedVarint64(&out, segment.summary.min_time);
    PutSignedVarint64(&out, segment.summary.max_time);
    PutVarint64(&out, static_cast<uint64_t>(segment.summary.points));
  }
  PutFixed64(&out, Xxh3_64(out.data(), out.size()));
  return out;
}

absl::Status DecodeManifest(absl::string_view bytes, Manifest* manifest) {
  *manifest = Manifest();
  if (bytes.size() < sizeof(kManifestMagic) + 4 + 8) return Bad("too short");
  if (std::memcmp(bytes.data(), kManifestMagic, sizeof(kManifestMagic)) != 0) {
    return Bad("bad magic");
  }
  absl::string_view body = bytes.substr(0, bytes.size() - 8);
  if (Xxh3_64(body.data(), body.size()) != DecodeFixed64(bytes.data() + body.size())) {
    return Bad("checksum mismatch");
  }
  uint32_t version = DecodeFixed32(bytes.data() + sizeof(kManifestMagic));
  if (version != kManifestFormatVersion) {
    return Bad(absl::StrCat("unsupported format version ", version));
  }
  ByteReader in(body.substr(sizeof(kManifestMagic) + 4));
  absl::string_view note;
  uint64_t count;
  if (!in.ReadVarint64(&manifest->next_file_id) || !in.ReadVarint64(&manifest->next_seq) ||
      !in.ReadSignedVarint64(&manifest->retention_cutoff) || !in.ReadLengthPrefixed(&note) ||
      !in.ReadCount(in.remaining(), &count)) {
    return Bad("truncated header fields");
  }
  manifest->note.assign(note.data(), note.size());
  manifest->segments.resize(count);
  absl::flat_hash_set<uint64_t> ids;
  for (uint64_t i = 0; i < count; ++i) {
    ManifestSegment& s = manifest->segments[i];
    uint64_t points;
    if (!in.ReadVarint64(&s.file_id) || !in.ReadVarint64(&s.seq_lo) ||
        !in.ReadVarint64(&s.seq_hi) || !in.ReadVarint64(&s.summary.file_size) ||
        !in.ReadFixed64(&s.summary.footer_checksum) ||
        !in.ReadSignedVarint64(&s.summary.min_time) ||
        !in.ReadSignedVarint64(&s.summary.max_time) || !in.ReadVarint64(&points) ||
        points > static_cast<uint64_t>(INT64_MAX)) {
      return Bad("truncated segment entry");
    }
    s.summary.points = static_cast<int64_t>(points);
    if (s.file_id == 0 || s.file_id >= manifest->next_file_id || !ids.insert(s.file_id).second) {
      return Bad(absl::StrCat("bad file id ", s.file_id));
    }
    if (s.seq_lo == 0 || s.seq_lo > s.seq_hi || s.seq_hi >= manifest->next_seq) {
      return Bad(absl::StrCat("bad sequence range of file ", s.file_id));
    }
    if (s.summary.min_time > s.summary.max_time) {
      return Bad(absl::StrCat("bad time range of file ", s.file_id));
    }
    if (i > 0) {
      const ManifestSegment& p = manifest->segments[i - 1];
      bool same_range = p.seq_lo == s.seq_lo && p.seq_hi == s.seq_hi;
      if (same_range ? p.file_id >= s.file_id : p.seq_hi >= s.seq_lo) {
        return Bad("segments out of order or overlapping");
      }
    }
  }
  if (!in.empty()) return Bad("trailing bytes");
  return absl::OkStatus();
}

}  // namespace tsw::magnetic
