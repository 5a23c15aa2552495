// A bloom filter over 64-bit key hashes: the per-block key filter of a segment, which
// lets Lookup skip decoding a block that cannot hold the key (FORMAT.md, "Key filter").
//
// Layout: the bit array (at least 8 bytes), then one byte with the probe count k. Probe j
// of a hash h sets bit (lo32(h) + j * hi32(h)) mod nbits (32-bit arithmetic), LevelDB's
// double hashing.
#ifndef TSW_ENGINE_MAGNETIC_BLOOM_FILTER_H_
#define TSW_ENGINE_MAGNETIC_BLOOM_FILTER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tsw::magnetic {

// Appends a filter for `hashes` using about `bits_per_key` bits each (10: ~1% false
// positives). REQUIRES: bits_per_key >= 1.
void BuildBloomFilter(absl::Span<const uint64_t> hashes, int bits_per_key, std::string* out);

// False only if `hash` was not among the hashes the filter was built from. A malformed
// filter answers true (it can cost a decode, never a wrong answer).
bool BloomMayContain(absl::string_view filter, uint64_t hash);

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_BLOOM_FILTER_H_
