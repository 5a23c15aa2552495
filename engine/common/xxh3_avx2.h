// The AVX2 build of XXH3_64bits behind Xxh3_64 (xxh3.h); nothing else may call it.
// C headers only: xxh3_avx2.cc includes this under -mavx2, and an inline C++ function
// it pulled in could be emitted there with AVX2 code and chosen by the linker for every
// caller.
#ifndef TSW_ENGINE_COMMON_XXH3_AVX2_H_
#define TSW_ENGINE_COMMON_XXH3_AVX2_H_

#include <stddef.h>
#include <stdint.h>

namespace tsw::xxh3_internal {

// True when the build compiled the AVX2 code (x86-64 only).
extern const bool kHaveAvx2Build;

// XXH3_64bits(data, size). REQUIRES: kHaveAvx2Build and a CPU with AVX2.
uint64_t Xxh3_64Avx2(const void* data, size_t size);

}  // namespace tsw::xxh3_internal

#endif  // TSW_ENGINE_COMMON_XXH3_AVX2_H_
