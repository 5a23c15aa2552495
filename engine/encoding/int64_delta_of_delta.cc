#include "engine/encoding/int64_delta_of_delta.h"

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/packed_ints.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "delta_of_delta";

absl::Status Encode(absl::Span<const int64_t> values, std::string* out) {
  const size_t n = values.size();
  if (n == 0) return absl::OkStatus();
  PutVarint64(out, ZigZagEncode(values[0]));
  if (n == 1) return absl::OkStatus();
  uint64_t delta = static_cast<uint64_t>(values[1]) - static_cast<uint64_t>(values[0]);
  PutVarint64(out, ZigZagEncode(static_cast<int64_t>(delta)));
  std::vector<int64_t> dods(n - 2);
  for (size_t i = 2; i < n; ++i) {
    uint64_t next = static_cast<uint64_t>(values[i]) - static_cast<uint64_t>(values[i - 1]);
    dods[i - 2] = static_cast<int64_t>(next - delta);
    delta = next;
  }
  EncodePackedInts(dods, out);
  return absl::OkStatus();
}

size_t Analyze(absl::Span<const int64_t> values) { return AnalyzeBySampleEncoding(values, Encode); }

absl::Status TooShort(absl::string_view payload, size_t n) {
  if (payload.size() < MinPackedIntsBytes(n > 1 ? n - 2 : 0)) {
    return CorruptColumn(kName, absl::StrCat(payload.size(), " bytes cannot hold ", n, " values"));
  }
  return absl::OkStatus();
}

absl::Status DecodeTo(absl::string_view payload, absl::Span<int64_t> out) {
  const size_t n = out.size();
  if (absl::Status s = TooShort(payload, n); !s.ok()) return s;
  ByteReader in(payload);
  int64_t* v = out.data();
  if (n >= 1) {
    uint64_t first;
    if (!in.ReadVarint64(&first)) return CorruptColumn(kName, "truncated first value");
    v[0] = ZigZagDecode(first);
  }
  if (n >= 2) {
    uint64_t zigzag_delta;
    if (!in.ReadVarint64(&zigzag_delta)) return CorruptColumn(kName, "truncated first delta");
    uint64_t delta = static_cast<uint64_t>(ZigZagDecode(zigzag_delta));
    v[1] = static_cast<int64_t>(static_cast<uint64_t>(v[0]) + delta);
    absl::Status status = DecodePackedInts(&in, absl::MakeSpan(v + 2, n - 2), kName);
    if (!status.ok()) return status;
    uint64_t previous = static_cast<uint64_t>(v[1]);
    for (size_t i = 2; i < n; ++i) {
      delta += static_cast<uint64_t>(v[i]);
      previous += delta;
      v[i] = static_cast<int64_t>(previous);
    }
  }
  if (!in.empty()) return CorruptColumn(kName, absl::StrCat(in.remaining(), " trailing bytes"));
  return absl::OkStatus();
}

absl::Status Decode(absl::string_view payload, size_t count, std::vector<int64_t>* out) {
  if (absl::Status s = TooShort(payload, count); !s.ok()) return s;
  out->resize(count);
  return DecodeTo(payload, absl::MakeSpan(*out));
}

constexpr Codec<int64_t> kCodec = {
    CodecId::kInt64DeltaOfDelta, "delta_of_delta", Analyze, Encode, Decode, DecodeTo};

}  // namespace

const Codec<int64_t>& Int64DeltaOfDeltaCodec() { return kCodec; }

}  // namespace tsw::encoding
