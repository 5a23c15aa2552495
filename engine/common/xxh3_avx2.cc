// XXH3_64bits compiled for AVX2: xxHash's own code (xxhash.h with XXH_INLINE_ALL), every
// function of it static and in a namespace of its own, so nothing compiled here for AVX2
// can stand in for a definition the rest of the binary uses. This file is built with
// -mavx2 (BUILD.bazel) and includes only C headers (see xxh3_avx2.h). Xxh3_64 (xxh3.cc)
// calls it only on a CPU with AVX2.
#include "engine/common/xxh3_avx2.h"

#if defined(__x86_64__)

#if !defined(__AVX2__)
#error "xxh3_avx2.cc must be compiled with -mavx2"
#endif

// What xxhash.h includes, first and outside the namespace below, so its includes there
// are no-ops.
#include <assert.h>
#include <immintrin.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

namespace tsw::xxh3_internal {
namespace avx2 {
#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_AVX2
#include "xxhash.h"
}  // namespace avx2

const bool kHaveAvx2Build = true;

uint64_t Xxh3_64Avx2(const void* data, size_t size) { return avx2::XXH3_64bits(data, size); }

}  // namespace tsw::xxh3_internal

#else  // Not x86-64: no AVX2 build; Xxh3_64 uses the library.

namespace tsw::xxh3_internal {
const bool kHaveAvx2Build = false;
uint64_t Xxh3_64Avx2(const void*, size_t) { abort(); }
}  // namespace tsw::xxh3_internal

#endif
