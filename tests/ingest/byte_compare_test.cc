// SameBytes, the byte-string equality of ingest's hot path.
#include "engine/ingest/byte_compare.h"

#include <string>

#include "gtest/gtest.h"

namespace tsw::ingest {
namespace {

TEST(SameBytesTest, FindsADifferenceAtEveryPositionOfEveryLength) {
  for (size_t n = 0; n <= 40; ++n) {
    const std::string a(n, 'x');
    std::string b = a;
    EXPECT_TRUE(SameBytes(a, b)) << n;
    for (size_t i = 0; i < n; ++i) {
      b[i] = 'y';
      EXPECT_FALSE(SameBytes(a, b)) << n << " at " << i;
      b[i] = 'x';
    }
    EXPECT_FALSE(SameBytes(a, a + "x")) << n;
  }
}

}  // namespace
}  // namespace tsw::ingest
