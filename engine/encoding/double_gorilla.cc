#include "engine/encoding/double_gorilla.h"

#include <bit>

#include "absl/strings/str_cat.h"
#include "engine/encoding/bit_stream.h"
#include "engine/encoding/byte_io.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "gorilla";

absl::Status Encode(absl::Span<const double> values, std::string* out) {
  if (values.empty()) return absl::OkStatus();
  BitWriter w(out);
  uint64_t previous = std::bit_cast<uint64_t>(values[0]);
  w.Write(previous, 64);
  int window_lead = -1;  // No window yet.
  int window_trail = 0;
  for (size_t i = 1; i < values.size(); ++i) {
    const uint64_t bits = std::bit_cast<uint64_t>(values[i]);
    const uint64_t x = bits ^ previous;
    previous = bits;
    if (x == 0) {
      w.Write(0, 1);
      continue;
    }
    w.Write(1, 1);
    int lead = __builtin_clzll(x);
    const int trail = __builtin_ctzll(x);
    if (lead > 31) lead = 31;  // Five bits hold the leading-zero count.
    if (window_lead >= 0 && lead >= window_lead && trail >= window_trail) {
      w.Write(0, 1);
      w.Write(x >> window_trail, 64 - window_lead - window_trail);
    } else {
      const int significant = 64 - lead - trail;
      w.Write(1, 1);
      w.Write(static_cast<uint64_t>(lead), 5);
      w.Write(static_cast<uint64_t>(significant & 63), 6);  // 64 is written as 0.
      w.Write(x >> trail, significant);
      window_lead = lead;
      window_trail = trail;
    }
  }
  w.Finish();
  return absl::OkStatus();
}

size_t Analyze(absl::Span<const double> values) { return AnalyzeBySampleEncoding(values, Encode); }

absl::Status Decode(absl::string_view payload, size_t count, std::vector<double>* out) {
  out->clear();
  if (count == 0) {
    if (!payload.empty()) return CorruptColumn(kName, "an empty column has a payload");
    return absl::OkStatus();
  }
  // The first value takes 64 bits and every later one at least 1.
  if (payload.size() < 8 || count - 1 > (payload.size() - 8) * 8) {
    return CorruptColumn(kName,
                         absl::StrCat(payload.size(), " bytes cannot hold ", count, " values"));
  }
  out->resize(count);
  BitReader r(payload);
  uint64_t previous = r.Read(64);
  (*out)[0] = std::bit_cast<double>(previous);
  int window_lead = -1;
  int window_trail = 0;
  for (size_t i = 1; i < count; ++i) {
    if (r.ReadBit() != 0) {
      uint64_t x;
      if (r.ReadBit() == 0) {
        if (window_lead < 0) {
          return CorruptColumn(kName, absl::StrCat("value ", i, " reuses a window before any"));
        }
        x = r.Read(64 - window_lead - window_trail) << window_trail;
      } else {
        const int lead = static_cast<int>(r.Read(5));
        int significant = static_cast<int>(r.Read(6));
        if (significant == 0) significant = 64;
        if (lead + significant > 64) {
          return CorruptColumn(kName, absl::StrCat("value ", i, " has window ", lead, "+",
                                                   significant, " beyond 64 bits"));
        }
        window_lead = lead;
        window_trail = 64 - lead - significant;
        x = r.Read(significant) << window_trail;
      }
      previous ^= x;
    }
    if (r.overrun()) return CorruptColumn(kName, absl::StrCat("truncated at value ", i));
    (*out)[i] = std::bit_cast<double>(previous);
  }
  if (r.overrun()) return CorruptColumn(kName, "truncated");
  if (!r.AtPaddedEnd()) return CorruptColumn(kName, "trailing bits after the last value");
  return absl::OkStatus();
}

constexpr Codec<double> kCodec = {CodecId::kDoubleGorilla, "gorilla", Analyze, Encode, Decode};

}  // namespace

const Codec<double>& DoubleGorillaCodec() { return kCodec; }

}  // namespace tsw::encoding
