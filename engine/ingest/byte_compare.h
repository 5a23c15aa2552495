// Byte-string equality for ingest's hot path (the parser's and the applier's comparisons
// of names, dimension values and series keys). The byte coding of the WAL payload and the
// schema file is engine/common/coding.h.
#ifndef TSW_ENGINE_INGEST_BYTE_COMPARE_H_
#define TSW_ENGINE_INGEST_BYTE_COMPARE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"

namespace tsw::ingest {

// Equal x[0, n) and y[0, n); short ones (names, dimension values) are compared inline
// with a few overlapping word loads instead of a memcmp call. No test for x == y: for
// callers whose bytes are in different storage, where that test would never pass.
inline bool SameBytesApart(const char* x, const char* y, size_t n) {
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

// Equal bytes, as SameBytesApart, and true at once for views of the same bytes.
inline bool SameBytes(absl::string_view a, absl::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  if (a.data() == b.data()) return true;
  return SameBytesApart(a.data(), b.data(), n);
}

}  // namespace tsw::ingest

#endif  // TSW_ENGINE_INGEST_BYTE_COMPARE_H_
