// Byte helpers specific to ingest's hot path. The fixed-width, varint and length-prefixed
// coding of the WAL batch encoding and the schema file (engine/ingest/FORMAT.md) is
// engine/common/coding.h.
#ifndef TSW_ENGINE_INGEST_CODING_H_
#define TSW_ENGINE_INGEST_CODING_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"

namespace tsw::ingest {

// Equal bytes; short strings (names, dimension values) are compared inline with a few
// overlapping word loads instead of a memcmp call.
inline bool SameBytes(absl::string_view a, absl::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (x == y) return true;
  if (n >= 8 && n <= 16) {
    uint64_t x0, x1, y0, y1;
    std::memcpy(&x0, x, 8);
    std::memcpy(&y0, y, 8);
    std::memcpy(&x1, x + n - 8, 8);
    std::memcpy(&y1, y + n - 8, 8);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
  if (n >= 4 && n < 8) {
    uint32_t x0, x1, y0, y1;
    std::memcpy(&x0, x, 4);
    std::memcpy(&y0, y, 4);
    std::memcpy(&x1, x + n - 4, 4);
    std::memcpy(&y1, y + n - 4, 4);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
  if (n < 4) {
    for (size_t i = 0; i < n; ++i) {
      if (x[i] != y[i]) return false;
    }
    return true;
  }
  return std::memcmp(x, y, n) == 0;
}

}  // namespace tsw::ingest

#endif  // TSW_ENGINE_INGEST_CODING_H_
