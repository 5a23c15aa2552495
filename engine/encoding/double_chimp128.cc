#include "engine/encoding/double_chimp128.h"

#include <bit>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/encoding/bit_stream.h"
#include "engine/encoding/byte_io.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "chimp128";

constexpr int kRingBits = 7;  // 128 previous values.
constexpr uint64_t kRing = 1 << kRingBits;
constexpr int kTrailThreshold = 6 + kRingBits;  // Reference by index above this.
constexpr int kKeyBits = kTrailThreshold + 1;   // Low bits hashed to find a reference.
constexpr uint64_t kKeyMask = (uint64_t{1} << kKeyBits) - 1;

// Leading-zero counts rounded down to one of 8 steps, and the 3-bit code of each step.
constexpr int kLeadSteps[8] = {0, 8, 12, 16, 18, 20, 22, 24};
constexpr int RoundLead(int lead) {
  return lead >= 24   ? 24
         : lead >= 22 ? 22
         : lead >= 20 ? 20
         : lead >= 18 ? 18
         : lead >= 16 ? 16
         : lead >= 12 ? 12
         : lead >= 8  ? 8
                      : 0;
}
constexpr int LeadCode(int rounded) {
  for (int c = 0; c < 8; ++c) {
    if (kLeadSteps[c] == rounded) return c;
  }
  return 0;
}

// Control codes (2 bits).
constexpr uint64_t kSame = 0;       // Equal to the value at <slot>.
constexpr uint64_t kIndexed = 1;    // XOR with <slot>, centre bits only.
constexpr uint64_t kReuseLead = 2;  // XOR with the previous value, previous lead.
constexpr uint64_t kNewLead = 3;    // XOR with the previous value, new lead.
constexpr int kNoLead = 65;

absl::Status Encode(absl::Span<const double> values, std::string* out) {
  if (values.empty()) return absl::OkStatus();
  uint64_t ring[kRing];
  // For each key, 1 + the position of the latest value with that key; 0 for none.
  auto latest = std::make_unique<uint32_t[]>(kKeyMask + 1);  // Columns hold < 2^32 values.
  BitWriter w(out);
  uint64_t first = std::bit_cast<uint64_t>(values[0]);
  w.Write(first, 64);
  ring[0] = first;
  latest[first & kKeyMask] = 1;
  int stored_lead = kNoLead;
  for (uint64_t i = 1; i < values.size(); ++i) {
    const uint64_t v = std::bit_cast<uint64_t>(values[i]);
    uint64_t ref = i - 1;
    uint64_t x = v ^ ring[ref % kRing];
    const uint64_t candidate = latest[v & kKeyMask];
    if (candidate != 0 && i - (candidate - 1) <= kRing && candidate - 1 != ref) {
      const uint64_t cx = v ^ ring[(candidate - 1) % kRing];
      if (cx == 0 || __builtin_ctzll(cx) > kTrailThreshold) {
        if (x != 0) {  // Keep an exact match on the previous value when there is one.
          ref = candidate - 1;
          x = cx;
        }
      }
    }
    if (x == 0) {
      w.Write(kSame, 2);
      w.Write(ref % kRing, kRingBits);
      stored_lead = kNoLead;
    } else {
      const int lead = RoundLead(__builtin_clzll(x));
      const int trail = __builtin_ctzll(x);
      if (trail > kTrailThreshold) {
        const int significant = 64 - lead - trail;
        w.Write(kIndexed, 2);
        w.Write(ref % kRing, kRingBits);
        w.Write(static_cast<uint64_t>(LeadCode(lead)), 3);
        w.Write(static_cast<uint64_t>(significant), 6);
        w.Write(x >> trail, significant);
        stored_lead = kNoLead;
      } else if (lead == stored_lead) {
        w.Write(kReuseLead, 2);
        w.Write(x, 64 - lead);
      } else {
        w.Write(kNewLead, 2);
        w.Write(static_cast<uint64_t>(LeadCode(lead)), 3);
        w.Write(x, 64 - lead);
        stored_lead = lead;
      }
    }
    ring[i % kRing] = v;
    latest[v & kKeyMask] = static_cast<uint32_t>(i + 1);
  }
  w.Finish();
  return absl::OkStatus();
}

size_t Analyze(absl::Span<const double> values) { return AnalyzeBySampleEncoding(values, Encode); }

// Decodes values [begin, count) into dst from the bit position *pos of `payload` while
// at least kFastMargin bytes follow that position, so the two 64-bit loads of a value's
// window (16 bytes from the byte holding its first bit: its fields take at most 82 bits,
// from any bit of that byte) stay inside the payload without a bounds test per field.
// Returns the index of the first value it did not decode (the tail goes through
// BitReader). Accepts and rejects exactly what the BitReader loop does: the checks on
// slot, window and lead are the same, and no read here can run past the end.
//
// The XOR cases (control 2 and 3, most values of a changing series) take no branch on
// which of the two a value is: encoders mix them about evenly, so a branch would be
// mispredicted often. The next value's position depends only on the low bits of this
// value's window (its control and lead code) and the stored lead.
constexpr size_t kFastMargin = 16;

// The 64 bits of the 128-bit window lo:hi from bit k on. REQUIRES: 0 < k < 64.
inline uint64_t WindowBits(uint64_t lo, uint64_t hi, int k) { return (lo >> k) | (hi << (64 - k)); }

// The low n bits of x, 1 <= n <= 64.
inline uint64_t LowBits(uint64_t x, int n) { return x & (~uint64_t{0} >> (64 - n)); }

// The value bits of a value with a stored lead, 64 - lead, as an entry e (64 = 40 + 2e),
// 0 <= e <= 12 for the eight lead steps.
constexpr uint64_t LeadEntry(int lead) { return static_cast<uint64_t>((64 - lead) / 2 - 20); }
constexpr uint64_t kNoLeadEntry = 16;  // No stored lead: above every entry.

// LeadEntry(kLeadSteps[c]) for each lead code c at bit 3 + 4c and again 32 bits above (mod
// 64). A kNewLead value's window has control 3 in bits 0-1 and c in bits 2-4, so rotating
// this right by the window's low 6 bits (3 + 4c, plus 32 when bit 5 is set) puts c's entry
// in bits 0-3. One rotation and one mask instead of a table load, on the path from one
// value's position to the next.
constexpr uint64_t RotatedLeadEntries() {
  uint64_t packed = 0;
  for (int c = 0; c < 8; ++c) {
    const uint64_t entry = LeadEntry(kLeadSteps[c]);
    packed |= std::rotl(entry, 3 + 4 * c) | std::rotl(entry, 35 + 4 * c);
  }
  return packed;
}
constexpr uint64_t kRotatedLeadEntries = RotatedLeadEntries();
static_assert(kLeadSteps[0] == 0 && kLeadSteps[7] == 24, "every entry fits in 4 bits");

// flag != 0 ? a : b by a conditional move: GCC 12 compiles `?:` (and
// __builtin_expect_with_probability) in DecodeFast's loop to a branch, mispredicted there.
inline uint64_t SelectIf(uint64_t flag, uint64_t a, uint64_t b) {
#if defined(__x86_64__) && defined(__GNUC__)
  asm("test %1, %1\n\tcmovne %2, %0" : "+r"(b) : "r"(flag), "r"(a) : "cc");
  return b;
#else
  return flag != 0 ? a : b;
#endif
}

absl::Status DecodeFast(absl::string_view payload, size_t count, uint64_t ring[kRing],
                        int* stored_lead_io, uint64_t* pos_io, size_t* next, double* dst) {
  const uint8_t* data = reinterpret_cast<const uint8_t*>(payload.data());
  const size_t size = payload.size();
  uint64_t pos = *pos_io;
  // The entry of a kReuseLead value, kNoLeadEntry when there is no stored lead.
  uint64_t reuse_entry = *stored_lead_io == kNoLead ? kNoLeadEntry : LeadEntry(*stored_lead_io);
  size_t i = *next;
  uint64_t previous = ring[(i - 1) % kRing];
  for (; i < count && (pos >> 3) + kFastMargin <= size; ++i) {
    uint64_t lo, hi;
    std::memcpy(&lo, data + (pos >> 3), 8);
    std::memcpy(&hi, data + (pos >> 3) + 8, 8);
    const int shift = static_cast<int>(pos & 7);
    const uint64_t head = lo >> shift;  // At least 57 bits: every field but the value bits.
    uint64_t v;
    if ((head & 2) != 0) [[likely]] {  // kReuseLead or kNewLead.
      // Both cases computed, then selected: a branch on the control would be mispredicted
      // often, as encoders mix the two about evenly.
      const uint64_t is_new = head & 1;
      const uint64_t new_entry = std::rotr(kRotatedLeadEntries, static_cast<int>(head & 63)) & 15;
      const uint64_t entry = SelectIf(is_new, new_entry, reuse_entry);
      if (entry == kNoLeadEntry) [[unlikely]] {
        return CorruptColumn(kName, absl::StrCat("value ", i, " reuses a lead before any"));
      }
      const int fields = 2 + 3 * static_cast<int>(is_new);
      const int n = 40 + 2 * static_cast<int>(entry);
      v = previous ^ LowBits(WindowBits(lo, hi, shift + fields), n);
      pos = SelectIf(is_new, pos + 45 + 2 * new_entry, pos + 42 + 2 * reuse_entry);
      reuse_entry = entry;
    } else {  // kSame or kIndexed.
      const uint64_t slot = (head >> 2) & (kRing - 1);
      if (i <= slot) {
        return CorruptColumn(kName, absl::StrCat("value ", i, " refers to unwritten slot ", slot));
      }
      v = ring[slot];
      if ((head & 3) == kIndexed) {
        const int lead = kLeadSteps[(head >> 9) & 7];
        const int significant = static_cast<int>((head >> 12) & 63);
        if (significant == 0 || lead + significant > 64) {
          return CorruptColumn(kName,
                               absl::StrCat("value ", i, " has window ", lead, "+", significant));
        }
        v ^= LowBits(WindowBits(lo, hi, shift + 18), significant) << (64 - lead - significant);
        pos += 18 + significant;
      } else {
        pos += 2 + kRingBits;
      }
      reuse_entry = kNoLeadEntry;
    }
    ring[i % kRing] = v;
    previous = v;
    dst[i] = std::bit_cast<double>(v);
  }
  *pos_io = pos;
  *stored_lead_io = reuse_entry == kNoLeadEntry ? kNoLead : 24 - 2 * static_cast<int>(reuse_entry);
  *next = i;
  return absl::OkStatus();
}

// DecodeChimp128Prefix, but *out may hold values on failure.
absl::Status DecodePrefix(absl::string_view payload, size_t count, size_t prefix,
                          std::vector<double>* out) {
  out->clear();
  if (prefix > count) {
    return CorruptColumn(kName, absl::StrCat("a prefix of ", prefix, " of ", count, " values"));
  }
  if (count == 0) {
    if (!payload.empty()) return CorruptColumn(kName, "an empty column has a payload");
    return absl::OkStatus();
  }
  // The first value takes 64 bits and every later one at least 2.
  if (payload.size() < 8 || count - 1 > (payload.size() - 8) * 4) {
    return CorruptColumn(kName,
                         absl::StrCat(payload.size(), " bytes cannot hold ", count, " values"));
  }
  if (prefix == 0) return absl::OkStatus();
  out->resize(prefix);
  double* dst = out->data();
  uint64_t ring[kRing];
  BitReader r(payload);
  ring[0] = r.Read(64);
  dst[0] = std::bit_cast<double>(ring[0]);
  int stored_lead = kNoLead;
  uint64_t pos = 64;
  size_t next = 1;
  if (absl::Status s = DecodeFast(payload, prefix, ring, &stored_lead, &pos, &next, dst); !s.ok()) {
    return s;
  }
  r.Seek(pos);
  for (uint64_t i = next; i < prefix; ++i) {
    const uint64_t control = r.Read(2);
    uint64_t v;
    if (control == kSame || control == kIndexed) {
      const uint64_t slot = r.Read(kRingBits);
      if (i <= slot) {
        return CorruptColumn(kName, absl::StrCat("value ", i, " refers to unwritten slot ", slot));
      }
      v = ring[slot];
      if (control == kIndexed) {
        const int lead = kLeadSteps[r.Read(3)];
        const int significant = static_cast<int>(r.Read(6));
        if (significant == 0 || lead + significant > 64) {
          return CorruptColumn(kName,
                               absl::StrCat("value ", i, " has window ", lead, "+", significant));
        }
        v ^= r.Read(significant) << (64 - lead - significant);
      }
      stored_lead = kNoLead;
    } else {
      if (control == kNewLead) {
        stored_lead = kLeadSteps[r.Read(3)];
      } else if (stored_lead == kNoLead) {
        return CorruptColumn(kName, absl::StrCat("value ", i, " reuses a lead before any"));
      }
      v = ring[(i - 1) % kRing] ^ r.Read(64 - stored_lead);
    }
    if (r.overrun()) return CorruptColumn(kName, absl::StrCat("truncated at value ", i));
    ring[i % kRing] = v;
    dst[i] = std::bit_cast<double>(v);
  }
  // The bits after a prefix are not read, so only a whole decode can check the end.
  if (prefix == count && !r.AtPaddedEnd()) {
    return CorruptColumn(kName, "trailing bits after the last value");
  }
  return absl::OkStatus();
}

absl::Status Decode(absl::string_view payload, size_t count, std::vector<double>* out) {
  return DecodePrefix(payload, count, count, out);
}

constexpr Codec<double> kCodec = {CodecId::kDoubleChimp128, "chimp128", Analyze, Encode, Decode};

}  // namespace

const Codec<double>& DoubleChimp128Codec() { return kCodec; }

absl::Status DecodeChimp128Prefix(absl::string_view payload, size_t count, size_t prefix,
                                  std::vector<double>* out) {
  absl::Status s = DecodePrefix(payload, count, prefix, out);
  if (!s.ok()) out->clear();
  return s;
}

}  // namespace tsw::encoding
