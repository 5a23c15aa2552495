#include "engine/encoding/double_alp.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/packed_ints.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "alp";

constexpr size_t kVector = 1024;
constexpr int kMaxExponent = 18;
constexpr size_t kColumnSample = 256;  // Values scored per (e, f) for the whole column.
constexpr size_t kVectorSample = 32;   // Values scored per candidate for one vector.
constexpr size_t kCandidates = 5;      // (e, f) pairs kept from the column sample.
constexpr size_t kExceptionBits = 80;  // Position (16) and raw value (64).

constexpr uint8_t kModeDelta = 0x80;
constexpr uint8_t kExponentMask = 0x1f;

constexpr double kPow10[kMaxExponent + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                             1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                             1e14, 1e15, 1e16, 1e17, 1e18};
constexpr double kNegPow10[kMaxExponent + 1] = {1e0,   1e-1,  1e-2,  1e-3,  1e-4,  1e-5,  1e-6,
                                                1e-7,  1e-8,  1e-9,  1e-10, 1e-11, 1e-12, 1e-13,
                                                1e-14, 1e-15, 1e-16, 1e-17, 1e-18};
// Adding and subtracting 2^52 + 2^51 rounds any |x| < 2^51 to the nearest integer.
constexpr double kRoundMagic = 6755399441055744.0;
constexpr double kIntLimit = 2251799813685248.0;  // 2^51

struct Exponents {
  int e = 0;
  int f = 0;
};

// The decoder's formula. The encoder accepts a value only if this gives its bits back.
inline double AlpDecodeOne(int64_t d, Exponents x) {
  return static_cast<double>(d) * kPow10[x.f] * kNegPow10[x.e];
}

inline bool AlpEncodeOne(double v, Exponents x, int64_t* d) {
  const double scaled = v * kPow10[x.e] * kNegPow10[x.f];
  if (!(std::fabs(scaled) < kIntLimit)) return false;  // Also rejects NaN.
  const int64_t rounded = static_cast<int64_t>((scaled + kRoundMagic) - kRoundMagic);
  if (std::bit_cast<uint64_t>(AlpDecodeOne(rounded, x)) != std::bit_cast<uint64_t>(v)) {
    return false;
  }
  *d = rounded;
  return true;
}

// Estimated bits to hold `values` with exponents x: exceptions plus the integers' range.
size_t ScoreExponents(const double* values, size_t n, size_t stride, Exponents x) {
  size_t exceptions = 0;
  size_t encoded = 0;
  int64_t min = 0, max = 0;
  for (size_t i = 0; i < n; i += stride) {
    int64_t d;
    if (!AlpEncodeOne(values[i], x, &d)) {
      ++exceptions;
      continue;
    }
    if (encoded++ == 0) min = max = d;
    min = std::min(min, d);
    max = std::max(max, d);
  }
  const int width = BitLength(static_cast<uint64_t>(max) - static_cast<uint64_t>(min));
  return exceptions * kExceptionBits + encoded * width;
}

// The best few exponent pairs for the column, best first.
std::vector<Exponents> ColumnCandidates(absl::Span<const double> values) {
  const size_t stride = std::max<size_t>(1, values.size() / kColumnSample);
  std::vector<std::pair<size_t, Exponents>> scored;
  for (int e = 0; e <= kMaxExponent; ++e) {
    for (int f = 0; f <= e; ++f) {
      Exponents x{e, f};
      scored.push_back({ScoreExponents(values.data(), values.size(), stride, x), x});
    }
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Exponents> best;
  for (size_t i = 0; i < scored.size() && best.size() < kCandidates; ++i) {
    best.push_back(scored[i].second);
  }
  return best;
}

// Bits a PackedInts stream would spend on v[0..n), ignoring headers and exceptions.
size_t RangeBits(const int64_t* v, size_t n) {
  size_t bits = 0;
  for (size_t start = 0; start < n; start += kPackedIntsBlock) {
    const size_t end = std::min(n, start + kPackedIntsBlock);
    int64_t min = v[start], max = v[start];
    for (size_t i = start + 1; i < end; ++i) {
      min = std::min(min, v[i]);
      max = std::max(max, v[i]);
    }
    bits += (end - start) * BitLength(static_cast<uint64_t>(max) - static_cast<uint64_t>(min));
  }
  return bits;
}

void EncodeVector(const double* v, size_t n, const std::vector<Exponents>& candidates,
                  std::string* out) {
  Exponents x = candidates[0];
  if (candidates.size() > 1) {
    const size_t stride = std::max<size_t>(1, n / kVectorSample);
    size_t best = ScoreExponents(v, n, stride, x);
    for (size_t c = 1; c < candidates.size(); ++c) {
      size_t score = ScoreExponents(v, n, stride, candidates[c]);
      if (score < best) {
        best = score;
        x = candidates[c];
      }
    }
  }

  int64_t ints[kVector];
  uint16_t exception_pos[kVector];
  size_t exceptions = 0;
  int64_t fill = 0;
  bool have_fill = false;
  for (size_t i = 0; i < n; ++i) {
    if (AlpEncodeOne(v[i], x, &ints[i])) {
      if (!have_fill) {
        // Leading exceptions take the first encoded integer, so they widen nothing.
        for (size_t k = 0; k < exceptions; ++k) ints[exception_pos[k]] = ints[i];
        have_fill = true;
      }
      fill = ints[i];
    } else {
      exception_pos[exceptions++] = static_cast<uint16_t>(i);
      ints[i] = fill;
    }
  }

  // Differences suit smooth signals; the plain integers suit noise around a level.
  int64_t deltas[kVector];
  for (size_t i = 1; i < n; ++i) {
    deltas[i - 1] =
        static_cast<int64_t>(static_cast<uint64_t>(ints[i]) - static_cast<uint64_t>(ints[i - 1]));
  }
  const bool delta_mode = n > 1 && RangeBits(deltas, n - 1) < RangeBits(ints, n);

  out->push_back(static_cast<char>(x.e | (delta_mode ? kModeDelta : 0)));
  out->push_back(static_cast<char>(x.f));
  PutVarint64(out, exceptions);
  for (size_t k = 0; k < exceptions; ++k) {
    out->push_back(static_cast<char>(exception_pos[k] & 0xff));
    out->push_back(static_cast<char>(exception_pos[k] >> 8));
  }
  for (size_t k = 0; k < exceptions; ++k) {
    PutFixed64(out, std::bit_cast<uint64_t>(v[exception_pos[k]]));
  }
  if (delta_mode) {
    PutVarint64(out, ZigZagEncode(ints[0]));
    EncodePackedInts(absl::MakeConstSpan(deltas, n - 1), out);
  } else {
    EncodePackedInts(absl::MakeConstSpan(ints, n), out);
  }
}

absl::Status Encode(absl::Span<const double> values, std::string* out) {
  if (values.empty()) return absl::OkStatus();
  const std::vector<Exponents> candidates = ColumnCandidates(values);
  for (size_t start = 0; start < values.size(); start += kVector) {
    EncodeVector(values.data() + start, std::min(kVector, values.size() - start), candidates, out);
  }
  return absl::OkStatus();
}

size_t Analyze(absl::Span<const double> values) { return AnalyzeBySampleEncoding(values, Encode); }

absl::Status DecodeVector(ByteReader* in, double* out, size_t n, size_t vector_index) {
  auto corrupt = [&](absl::string_view what) {
    return CorruptColumn(kName, absl::StrCat("vector ", vector_index, ": ", what));
  };
  uint8_t mode_e, f;
  if (!in->ReadByte(&mode_e) || !in->ReadByte(&f)) return corrupt("truncated exponents");
  const int e = mode_e & kExponentMask;
  if ((mode_e & ~(kExponentMask | kModeDelta)) != 0 || e > kMaxExponent || f > e) {
    return corrupt(absl::StrCat("bad exponent byte 0x", absl::Hex(mode_e), " factor ", f));
  }
  const Exponents x{e, f};
  uint64_t exceptions;
  if (!in->ReadVarint64(&exceptions)) return corrupt("truncated exception count");
  if (exceptions > n) return corrupt(absl::StrCat(exceptions, " exceptions in ", n, " values"));
  absl::string_view positions, raw;
  if (!in->ReadBytes(exceptions * 2, &positions) || !in->ReadBytes(exceptions * 8, &raw)) {
    return corrupt("truncated exceptions");
  }
  int64_t ints[kVector];
  if (mode_e & kModeDelta) {
    uint64_t first;
    if (!in->ReadVarint64(&first)) return corrupt("truncated first integer");
    ints[0] = ZigZagDecode(first);
    absl::Status status = DecodePackedInts(in, absl::MakeSpan(ints + 1, n - 1), kName);
    if (!status.ok()) return status;
    for (size_t i = 1; i < n; ++i) {
      ints[i] =
          static_cast<int64_t>(static_cast<uint64_t>(ints[i - 1]) + static_cast<uint64_t>(ints[i]));
    }
  } else {
    absl::Status status = DecodePackedInts(in, absl::MakeSpan(ints, n), kName);
    if (!status.ok()) return status;
  }
  for (size_t i = 0; i < n; ++i) out[i] = AlpDecodeOne(ints[i], x);
  int previous = -1;
  for (size_t k = 0; k < exceptions; ++k) {
    const int pos =
        static_cast<uint8_t>(positions[2 * k]) | (static_cast<uint8_t>(positions[2 * k + 1]) << 8);
    if (pos >= static_cast<int>(n) || pos <= previous) {
      return corrupt(absl::StrCat("exception position ", pos, " out of order or range"));
    }
    previous = pos;
    out[pos] = std::bit_cast<double>(DecodeFixed64(raw.data() + 8 * k));
  }
  return absl::OkStatus();
}

absl::Status Decode(absl::string_view payload, size_t count, std::vector<double>* out) {
  out->clear();
  const size_t vectors = (count + kVector - 1) / kVector;
  // Each vector takes at least its two exponent bytes, an exception count and a block.
  if (payload.size() < vectors * 5) {
    return CorruptColumn(kName,
                         absl::StrCat(payload.size(), " bytes cannot hold ", count, " values"));
  }
  out->resize(count);
  ByteReader in(payload);
  for (size_t v = 0; v < vectors; ++v) {
    const size_t start = v * kVector;
    absl::Status status =
        DecodeVector(&in, out->data() + start, std::min(kVector, count - start), v);
    if (!status.ok()) return status;
  }
  if (!in.empty()) return CorruptColumn(kName, absl::StrCat(in.remaining(), " trailing bytes"));
  return absl::OkStatus();
}

constexpr Codec<double> kCodec = {CodecId::kDoubleAlp, "alp", Analyze, Encode, Decode};

}  // namespace

const Codec<double>& DoubleAlpCodec() { return kCodec; }

}  // namespace tsw::encoding
