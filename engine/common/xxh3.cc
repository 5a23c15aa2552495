#include "engine/common/xxh3.h"

#include "engine/common/xxh3_avx2.h"
#include "xxhash.h"

namespace tsw {
namespace {

bool CpuHasAvx2() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

Xxh3Path ChoosePath() {
  return xxh3_internal::kHaveAvx2Build && CpuHasAvx2() ? Xxh3Path::kAvx2 : Xxh3Path::kLibrary;
}

uint64_t Library(const void* data, size_t size) { return XXH3_64bits(data, size); }

using HashFn = uint64_t (*)(const void*, size_t);

HashFn Chosen() {
  static const HashFn fn =
      Xxh3ActivePath() == Xxh3Path::kAvx2 ? &xxh3_internal::Xxh3_64Avx2 : &Library;
  return fn;
}

}  // namespace

Xxh3Path Xxh3ActivePath() {
  static const Xxh3Path path = ChoosePath();
  return path;
}

uint64_t Xxh3_64(const void* data, size_t size) { return Chosen()(data, size); }

uint64_t Xxh3_64By(Xxh3Path path, const void* data, size_t size) {
  return path == Xxh3Path::kAvx2 ? xxh3_internal::Xxh3_64Avx2(data, size) : Library(data, size);
}

}  // namespace tsw
