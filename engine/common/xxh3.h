// Xxh3_64: XXH3_64bits (xxHash 0.8) of a byte range, the checksum the segment files keep
// for their blocks, dictionaries, footers and headers, hashed with AVX2 where the CPU has
// it. XXH3 gives the same value at every vector width (xxHash's specification), so the
// checksums are those of the library's XXH3_64bits on every machine; only the speed
// differs (Debian's libxxhash is built for baseline x86-64, SSE2).
//
// The AVX2 code lives in its own translation unit (xxh3_avx2.cc, the only one built with
// -mavx2), so no AVX2 instruction runs on a CPU without it. The choice is made once, on
// the first call. Thread-safe.
#ifndef TSW_ENGINE_COMMON_XXH3_H_
#define TSW_ENGINE_COMMON_XXH3_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace tsw {

// The implementations Xxh3_64 chooses from.
enum class Xxh3Path {
  kLibrary,  // libxxhash's XXH3_64bits.
  kAvx2,     // xxh3_avx2.cc: xxHash's AVX2 code, inlined.
};

// XXH3_64bits(data, size), by the path Xxh3ActivePath() names.
uint64_t Xxh3_64(const void* data, size_t size);
inline uint64_t Xxh3_64(absl::string_view bytes) { return Xxh3_64(bytes.data(), bytes.size()); }

// kAvx2 when this CPU has AVX2 (and the build has the AVX2 code), else kLibrary.
Xxh3Path Xxh3ActivePath();

// XXH3_64bits(data, size) by `path`, for tests of each path on one machine.
// REQUIRES: path is kLibrary, or this CPU has AVX2 (Xxh3ActivePath() == kAvx2).
uint64_t Xxh3_64By(Xxh3Path path, const void* data, size_t size);

}  // namespace tsw

#endif  // TSW_ENGINE_COMMON_XXH3_H_
