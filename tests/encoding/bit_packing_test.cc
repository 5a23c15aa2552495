// PackBits and UnpackBits: every width 0..64 round-trips at lengths around the 8-value
// groups the unpacker takes whole, reading no byte past the packed bytes (the input is
// copied into a buffer of exactly that size, so AddressSanitizer sees any overread).
#include "engine/encoding/bit_packing.h"

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace tsw::encoding {
namespace {

TEST(BitPacking, EveryWidthRoundTripsAtEveryLengthNearAGroupBoundary) {
  std::mt19937_64 rng(3);
  for (int width = 0; width <= 64; ++width) {
    const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
    for (size_t n : {0, 1, 2, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 33, 63, 64, 65, 1000, 1024}) {
      SCOPED_TRACE(absl::StrCat("width ", width, " n ", n));
      std::vector<uint64_t> values(n);
      for (size_t i = 0; i < n; ++i) {
        // Extremes as well as random values, so every bit of every field is exercised.
        values[i] = (i % 5 == 0 ? ~uint64_t{0} : i % 5 == 1 ? 0 : rng()) & mask;
      }
      std::string packed;
      PackBits(values.data(), n, width, &packed);
      ASSERT_EQ(packed.size(), PackedBytes(n, width));
      auto exact = std::make_unique<uint8_t[]>(packed.size() + 1);  // +1: never empty.
      std::copy(packed.begin(), packed.end(), exact.get());
      std::vector<uint64_t> out(n + 1, 0xdeadbeef);
      UnpackBits(exact.get(), n, width, out.data());
      EXPECT_EQ(out[n], 0xdeadbeefu) << "wrote past n values";
      out.resize(n);
      ASSERT_EQ(out, values);
    }
  }
}

}  // namespace
}  // namespace tsw::encoding
