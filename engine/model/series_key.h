// The canonical series key: a dimension set as one byte string. For each dimension in
// increasing byte order of its name: varint name length, name, varint value length, value
// (engine/ingest/FORMAT.md). Equal dimension sets have equal keys; the memory store's
// series registry, the WAL payload and the magnetic tier all name a series by it.
#ifndef TSW_ENGINE_MODEL_SERIES_KEY_H_
#define TSW_ENGINE_MODEL_SERIES_KEY_H_

#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/common/coding.h"
#include "tsw/types.h"

namespace tsw::model {

// The dimensions of `key`, in name order; false if `key` is malformed.
bool DecodeSeriesKey(absl::string_view key, std::vector<Dimension>* out);

// The series hash in memory (never stored): built from one hash per dimension, added
// up, so that a parser can hash a record's dimensions where they are, with the common
// dimensions' share and each name's hash worked out once per request, instead of
// hashing a key it built (bench/RESULTS.md, "branch ing4"). For a key holding dimensions
// (n_i, v_i): SeriesHashFinish(sum of SeriesHashDimension(SeriesHashName(n_i), v_i)),
// the sum wrapping around.
uint64_t HashSeriesKey(absl::string_view key);
uint64_t SeriesHashName(absl::string_view name);
uint64_t SeriesHashDimension(uint64_t name_hash, absl::string_view value);
// The sum's bits mixed once more (MurmurHash3's 64-bit finalizer), so that no bit of
// the hash the registry's index takes depends on few input bits.
inline uint64_t SeriesHashFinish(uint64_t sum) {
  sum ^= sum >> 33;
  sum *= 0xff51afd7ed558ccdULL;
  sum ^= sum >> 33;
  sum *= 0xc4ceb9fe1a85ec53ULL;
  sum ^= sum >> 33;
  return sum;
}

// memcpy for the pieces of a key being built (names, values, whole encoded dimensions):
// those of 4 to 16 bytes with two overlapping word copies, inline, instead of a call.
// Returns the end of the copy.
inline char* CopyKeyPiece(char* dst, const char* src, size_t n) {
  if (n - 8 <= 8) {
    uint64_t head, tail;
    std::memcpy(&head, src, 8);
    std::memcpy(&tail, src + n - 8, 8);
    std::memcpy(dst, &head, 8);
    std::memcpy(dst + n - 8, &tail, 8);
  } else if (n - 4 <= 4) {
    uint32_t head, tail;
    std::memcpy(&head, src, 4);
    std::memcpy(&tail, src + n - 4, 4);
    std::memcpy(dst, &head, 4);
    std::memcpy(dst + n - 4, &tail, 4);
  } else if (n != 0) {
    std::memcpy(dst, src, n);
  }
  return dst + n;
}

// One name or value of a key: its varint length, then its bytes. REQUIRES: room for
// 10 + s.size() bytes at `dst`. Returns the end.
inline char* EncodeKeyPiece(char* dst, absl::string_view s) {
  return CopyKeyPiece(EncodeVarint64(dst, s.size()), s.data(), s.size());
}

}  // namespace tsw::model

#endif  // TSW_ENGINE_MODEL_SERIES_KEY_H_
