#include "engine/encoding/packed_ints.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "engine/encoding/bit_packing.h"

namespace tsw::encoding {
namespace {

constexpr uint8_t kHasFlags = 0x80;
constexpr uint8_t kWidthMask = 0x7f;
constexpr uint8_t kFlagDivisor = 0x01;
constexpr uint8_t kFlagBase = 0x02;
constexpr uint8_t kFlagExceptions = 0x04;
constexpr uint8_t kKnownFlags = kFlagDivisor | kFlagBase | kFlagExceptions;

// The bytes one exception costs: its position byte and its high bits as a varint.
inline size_t ExceptionBytes(int bit_length, int width) {
  return 1 + static_cast<size_t>(bit_length - width + 6) / 7;
}

struct Plan {
  uint64_t base = 0;  // Subtracted from every quotient before packing.
  int width = 0;
  size_t cost = std::numeric_limits<size_t>::max();
};

// The cheapest width for offsets q[i] - base, scored by bytes written (packed bits,
// exceptions and the varint of a nonzero base).
Plan PlanForBase(const uint64_t* q, size_t n, uint64_t base) {
  uint32_t hist[65] = {};
  for (size_t i = 0; i < n; ++i) ++hist[BitLength(q[i] - base)];
  int lengths[65];
  int distinct = 0;
  for (int b = 0; b <= 64; ++b) {
    if (hist[b] != 0) lengths[distinct++] = b;
  }
  Plan best;
  best.base = base;
  const size_t base_cost = base == 0 ? 0 : VarintLength(base);
  // The best width is one of the bit lengths present (or 0): between two of them the
  // exceptions are the same and only the packed part grows.
  for (int c = -1; c < distinct; ++c) {
    const int width = c < 0 ? 0 : lengths[c];
    size_t cost = base_cost + PackedBytes(n, width);
    bool any = false;
    for (int k = c + 1; k < distinct; ++k) {
      cost += hist[lengths[k]] * ExceptionBytes(lengths[k], width);
      any = true;
    }
    if (any) cost += 1;  // The exception count.
    if (cost < best.cost) {
      best.cost = cost;
      best.width = width;
    }
  }
  return best;
}

void EncodeBlock(const int64_t* v, size_t n, std::string* out) {
  int64_t min = v[0];
  for (size_t i = 1; i < n; ++i) min = std::min(min, v[i]);
  uint64_t q[kPackedIntsBlock] = {};  // n >= 1; initialized to quiet -Wmaybe-uninitialized.
  for (size_t i = 0; i < n; ++i) q[i] = static_cast<uint64_t>(v[i]) - static_cast<uint64_t>(min);

  // Common divisor of the offsets (0 while all are 0).
  uint64_t divisor = 0;
  for (size_t i = 0; i < n; ++i) {
    if (divisor == 0) {
      divisor = q[i];
    } else if (q[i] % divisor != 0) {
      divisor = std::gcd(divisor, q[i]);
      if (divisor == 1) break;
    }
  }
  if (divisor > 1) {
    for (size_t i = 0; i < n; ++i) q[i] /= divisor;
  } else {
    divisor = 1;
  }

  // Candidate bases: 0 and the 2nd..4th smallest quotients, so up to three low outliers
  // (a gap in a delta-of-delta series leaves one) become exceptions instead of widening
  // the whole block.
  uint64_t smallest[4];
  std::fill(smallest, smallest + 4, std::numeric_limits<uint64_t>::max());
  for (size_t i = 0; i < n; ++i) {
    uint64_t x = q[i];
    if (x >= smallest[3]) continue;
    int k = 3;
    while (k > 0 && smallest[k - 1] > x) {
      smallest[k] = smallest[k - 1];
      --k;
    }
    smallest[k] = x;
  }
  Plan plan = PlanForBase(q, n, 0);
  uint64_t tried = 0;
  for (int k = 1; k < 4 && plan.width > 0; ++k) {
    uint64_t base = smallest[k];
    if (base == 0 || base == tried || base == std::numeric_limits<uint64_t>::max()) continue;
    tried = base;
    Plan candidate = PlanForBase(q, n, base);
    if (candidate.cost < plan.cost) plan = candidate;
  }

  const int width = plan.width;
  uint8_t exception_pos[kPackedIntsBlock];
  uint64_t exception_high[kPackedIntsBlock];
  size_t exceptions = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t o = q[i] - plan.base;
    if (BitLength(o) > width) {
      exception_pos[exceptions] = static_cast<uint8_t>(i);
      exception_high[exceptions] = o >> width;  // width < 64 here.
      ++exceptions;
      o &= (uint64_t{1} << width) - 1;
    }
    q[i] = o;
  }

  uint8_t flags = 0;
  if (divisor > 1) flags |= kFlagDivisor;
  if (plan.base != 0) flags |= kFlagBase;
  if (exceptions > 0) flags |= kFlagExceptions;
  out->push_back(static_cast<char>(width | (flags != 0 ? kHasFlags : 0)));
  if (flags != 0) out->push_back(static_cast<char>(flags));
  PutVarint64(out, ZigZagEncode(min));
  if (divisor > 1) PutVarint64(out, divisor);
  if (plan.base != 0) PutVarint64(out, plan.base);
  if (exceptions > 0) {
    out->push_back(static_cast<char>(exceptions));
    for (size_t e = 0; e < exceptions; ++e) {
      out->push_back(static_cast<char>(exception_pos[e]));
      PutVarint64(out, exception_high[e]);
    }
  }
  PackBits(q, n, width, out);
}

absl::Status DecodeBlock(ByteReader* in, int64_t* out, size_t n, size_t block_index,
                         absl::string_view codec) {
  auto corrupt = [&](absl::string_view what) {
    return CorruptColumn(codec, absl::StrCat("packed block ", block_index, ": ", what));
  };
  uint8_t header;
  if (!in->ReadByte(&header)) return corrupt("truncated header");
  const int width = header & kWidthMask;
  if (width > 64) return corrupt(absl::StrCat("bit width ", width, " is above 64"));
  uint8_t flags = 0;
  if (header & kHasFlags) {
    if (!in->ReadByte(&flags)) return corrupt("truncated flags");
    if (flags == 0 || (flags & ~kKnownFlags) != 0) {
      return corrupt(absl::StrCat("unknown flags 0x", absl::Hex(flags)));
    }
  }
  uint64_t zigzag_min;
  if (!in->ReadVarint64(&zigzag_min)) return corrupt("truncated minimum");
  const uint64_t min = static_cast<uint64_t>(ZigZagDecode(zigzag_min));
  uint64_t divisor = 1;
  if (flags & kFlagDivisor) {
    if (!in->ReadVarint64(&divisor)) return corrupt("truncated divisor");
    if (divisor < 2) return corrupt(absl::StrCat("divisor ", divisor, " is below 2"));
  }
  uint64_t base = 0;
  if (flags & kFlagBase) {
    if (!in->ReadVarint64(&base)) return corrupt("truncated base");
    if (base == 0) return corrupt("flagged base is 0");
  }
  uint8_t exception_pos[kPackedIntsBlock];
  uint64_t exception_high[kPackedIntsBlock];
  size_t exceptions = 0;
  if (flags & kFlagExceptions) {
    uint8_t count;
    if (!in->ReadByte(&count)) return corrupt("truncated exception count");
    if (count == 0 || count > n) {
      return corrupt(absl::StrCat(count, " exceptions in a block of ", n));
    }
    if (width == 64) return corrupt("exceptions in a 64-bit block");
    int previous = -1;
    for (size_t e = 0; e < count; ++e) {
      uint8_t pos;
      uint64_t high;
      if (!in->ReadByte(&pos) || !in->ReadVarint64(&high)) return corrupt("truncated exception");
      if (pos >= n || pos <= previous) {
        return corrupt(absl::StrCat("exception position ", pos, " out of order or range"));
      }
      if (high == 0 || (width > 0 && (high >> (64 - width)) != 0)) {
        return corrupt(absl::StrCat("exception at ", pos, " overflows 64 bits"));
      }
      previous = pos;
      exception_pos[e] = pos;
      exception_high[e] = high;
    }
    exceptions = count;
  }
  absl::string_view packed;
  if (!in->ReadBytes(PackedBytes(n, width), &packed)) return corrupt("truncated packed values");
  uint64_t q[kPackedIntsBlock];
  UnpackBits(reinterpret_cast<const uint8_t*>(packed.data()), n, width, q);
  for (size_t e = 0; e < exceptions; ++e) q[exception_pos[e]] |= exception_high[e] << width;
  if (divisor == 1 && base == 0) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<int64_t>(min + q[i]);
  } else {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<int64_t>(min + (base + q[i]) * divisor);
  }
  return absl::OkStatus();
}

}  // namespace

void EncodePackedInts(absl::Span<const int64_t> values, std::string* out) {
  for (size_t start = 0; start < values.size(); start += kPackedIntsBlock) {
    EncodeBlock(values.data() + start, std::min(kPackedIntsBlock, values.size() - start), out);
  }
}

absl::Status DecodePackedInts(ByteReader* in, absl::Span<int64_t> out,
                              absl::string_view codec_name) {
  if (in->remaining() < MinPackedIntsBytes(out.size())) {
    return CorruptColumn(codec_name, absl::StrCat(in->remaining(), " bytes cannot hold ",
                                                  out.size(), " packed values"));
  }
  for (size_t start = 0; start < out.size(); start += kPackedIntsBlock) {
    absl::Status status =
        DecodeBlock(in, out.data() + start, std::min(kPackedIntsBlock, out.size() - start),
                    start / kPackedIntsBlock, codec_name);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace tsw::encoding
