// Decimal codes: a DOUBLE written as a short decimal, in 32 bits.
//
// A code stands for +-M / 10^F with M < 2^27 and F <= kMaxDecimalFraction, packed as
// M << 5 | F << 1 | sign. The ingest parser computes such a value from its text as one IEEE
// division of M by 10^F, both exact doubles, so the result is correctly rounded and
// DecimalCodeBits, doing the same division, gives back exactly the bits it stored. The WAL
// (engine/ingest/FORMAT.md) and the memory store's narrow cells (engine/memstore) keep
// such values as codes: 4 bytes or fewer instead of 8.
#ifndef TSW_ENGINE_COMMON_DECIMAL_CODE_H_
#define TSW_ENGINE_COMMON_DECIMAL_CODE_H_

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tsw {

inline constexpr uint32_t kNoDecimal = UINT32_MAX;  // A value without a code.
inline constexpr uint32_t kMaxDecimalFraction = 14;

// Powers of ten that a double holds exactly (5^22 < 2^53).
inline constexpr double kExactPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// +-m / 10^f as a code. REQUIRES: m < 2^27, f <= kMaxDecimalFraction.
inline uint32_t PackDecimal(uint64_t m, uint32_t f, bool negative) {
  return static_cast<uint32_t>(m << 5) | f << 1 | static_cast<uint32_t>(negative);
}

// The bits of the double `code` stands for. REQUIRES: F <= kMaxDecimalFraction.
inline uint64_t DecimalBits(uint32_t code) {
  const double value = static_cast<double>(code >> 5) / kExactPowersOfTen[(code >> 1) & 15];
  const double signed_value = (code & 1) != 0 ? -value : value;
  uint64_t bits;
  std::memcpy(&bits, &signed_value, 8);
  return bits;
}

// The bits of the double `code` stands for; false for a code that no writer makes (F above
// kMaxDecimalFraction, kNoDecimal among them).
inline bool DecimalCodeBits(uint32_t code, uint64_t* bits) {
  if (((code >> 1) & 15) > kMaxDecimalFraction) return false;
  *bits = DecimalBits(code);
  return true;
}

// The doubles of codes[0, n) (each valid: F <= kMaxDecimalFraction), their 8 bytes to
// out[0, 8n). Two at a time: the divisions are the cost, and SSE2's divpd does two for
// about the price of one divsd.
inline void DecodeDoubles(const uint32_t* codes, size_t n, char* out) {
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 2 <= n; i += 2) {
    const uint32_t a = codes[i], b = codes[i + 1];
    const __m128d m = _mm_set_pd(static_cast<double>(b >> 5), static_cast<double>(a >> 5));
    const __m128d d =
        _mm_set_pd(kExactPowersOfTen[(b >> 1) & 15], kExactPowersOfTen[(a >> 1) & 15]);
    // The sign as the sign bit of each lane, applied after the division (as DecimalBits).
    const __m128i sign = _mm_set_epi64x(static_cast<int64_t>(uint64_t{b & 1} << 63),
                                        static_cast<int64_t>(uint64_t{a & 1} << 63));
    const __m128d q = _mm_xor_pd(_mm_div_pd(m, d), _mm_castsi128_pd(sign));
    _mm_storeu_pd(reinterpret_cast<double*>(out + 8 * i), q);
  }
#endif
  for (; i < n; ++i) {
    const uint64_t bits = DecimalBits(codes[i]);
    std::memcpy(out + 8 * i, &bits, 8);
  }
}

// A code for the double with these bits, found without its text: the one with the fewest
// fraction digits (up to 8) and M below 2^26 whose DecimalCodeBits are exactly `bits`, or
// kNoDecimal. A few divisions: for values that come without the parser's code (replayed
// rows), not for every write.
inline uint32_t FindDecimalCode(uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, 8);
  const bool negative = std::signbit(value);
  const double magnitude = std::fabs(value);
  if (!(magnitude < 67108864.0)) return kNoDecimal;  // 2^26; NaN fails too.
  for (uint32_t f = 0; f <= 8; ++f) {
    const double scaled = std::nearbyint(magnitude * kExactPowersOfTen[f]);
    if (scaled >= 67108864.0) return kNoDecimal;
    const uint32_t code = PackDecimal(static_cast<uint64_t>(scaled), f, negative);
    uint64_t back;
    if (DecimalCodeBits(code, &back) && back == bits) return code;
  }
  return kNoDecimal;
}

}  // namespace tsw

#endif  // TSW_ENGINE_COMMON_DECIMAL_CODE_H_
