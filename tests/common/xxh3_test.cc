#include "engine/common/xxh3.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "xxhash.h"

namespace tsw {
namespace {

// Random bytes, with room for every misalignment of a 64-byte line before them.
std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::string bytes(n + 64, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

std::vector<Xxh3Path> PathsOnThisCpu() {
  std::vector<Xxh3Path> paths = {Xxh3Path::kLibrary};
  if (Xxh3ActivePath() == Xxh3Path::kAvx2) paths.push_back(Xxh3Path::kAvx2);
  return paths;
}

TEST(Xxh3Test, ChoosesAvx2WhereTheCpuHasIt) {
#if defined(__x86_64__)
  EXPECT_EQ(Xxh3ActivePath(),
            __builtin_cpu_supports("avx2") ? Xxh3Path::kAvx2 : Xxh3Path::kLibrary);
#else
  EXPECT_EQ(Xxh3ActivePath(), Xxh3Path::kLibrary);
#endif
}

TEST(Xxh3Test, MatchesXxhashsPublishedValues) {
  // xxHash's sanity checks (xxhsum's test vectors): empty input, and XXH3_64bits of its
  // generated buffer is pinned there; the empty value also fixes the default secret.
  EXPECT_EQ(Xxh3_64(nullptr, 0), 0x2D06800538D394C2ULL);
  for (Xxh3Path path : PathsOnThisCpu()) {
    EXPECT_EQ(Xxh3_64By(path, "", 0), 0x2D06800538D394C2ULL);
  }
}

// Every length up to 4096 (XXH3's short, mid, 129-240 and long paths, and several
// stripes and blocks of the long one) at every alignment within 8 bytes, on each path.
TEST(Xxh3Test, EqualsTheLibraryForEveryLengthUpTo4096AtOddAlignments) {
  const std::string bytes = RandomBytes(4096 + 8, 1);
  for (Xxh3Path path : PathsOnThisCpu()) {
    for (size_t offset = 0; offset < 8; ++offset) {
      for (size_t n = 0; n <= 4096; ++n) {
        const char* p = bytes.data() + offset;
        const uint64_t want = XXH3_64bits(p, n);
        ASSERT_EQ(Xxh3_64By(path, p, n), want)
            << "path " << static_cast<int>(path) << ", offset " << offset << ", length " << n;
        ASSERT_EQ(Xxh3_64(p, n), want) << "offset " << offset << ", length " << n;
      }
    }
  }
}

TEST(Xxh3Test, EqualsTheLibraryOnLargeInputs) {
  // Sizes around XXH3's 1,024-byte block and a segment block's order of size, and past it.
  const std::vector<size_t> sizes = {1023,  1024,   1025,    65535,     65536,
                                     65537, 98'311, 262'144, 1'048'577, 5'000'003};
  const std::string bytes = RandomBytes(5'000'003 + 8, 2);
  for (Xxh3Path path : PathsOnThisCpu()) {
    for (size_t n : sizes) {
      for (size_t offset : {0, 1, 3, 7}) {
        const char* p = bytes.data() + offset;
        EXPECT_EQ(Xxh3_64By(path, p, n), XXH3_64bits(p, n))
            << "path " << static_cast<int>(path) << ", length " << n << ", offset " << offset;
      }
    }
  }
}

TEST(Xxh3Test, EveryByteOfALongInputChangesTheHash) {
  std::string bytes = RandomBytes(3000, 3);
  for (Xxh3Path path : PathsOnThisCpu()) {
    const uint64_t base = Xxh3_64By(path, bytes.data(), bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] ^= 0x10;
      ASSERT_NE(Xxh3_64By(path, bytes.data(), bytes.size()), base) << "byte " << i;
      bytes[i] ^= 0x10;
    }
  }
}

TEST(Xxh3Test, HashesStringViews) {
  const std::string bytes = RandomBytes(777, 4);
  EXPECT_EQ(Xxh3_64(absl::string_view(bytes)), XXH3_64bits(bytes.data(), bytes.size()));
}

}  // namespace
}  // namespace tsw
