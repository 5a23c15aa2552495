#include "engine/encoding/int64_delta.h"

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/packed_ints.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "delta";

absl::Status Encode(absl::Span<const int64_t> values, std::string* out) {
  if (values.empty()) return absl::OkStatus();
  PutVarint64(out, ZigZagEncode(values[0]));
  std::vector<int64_t> deltas(values.size() - 1);
  for (size_t i = 1; i < values.size(); ++i) {
    deltas[i - 1] = static_cast<int64_t>(static_cast<uint64_t>(values[i]) -
                                         static_cast<uint64_t>(values[i - 1]));
  }
  EncodePackedInts(deltas, out);
  return absl::OkStatus();
}

size_t Analyze(absl::Span<const int64_t> values) { return AnalyzeBySampleEncoding(values, Encode); }

absl::Status TooShort(absl::string_view payload, size_t n) {
  if (payload.size() < MinPackedIntsBytes(n > 0 ? n - 1 : 0)) {
    return CorruptColumn(kName, absl::StrCat(payload.size(), " bytes cannot hold ", n, " values"));
  }
  return absl::OkStatus();
}

absl::Status DecodeTo(absl::string_view payload, absl::Span<int64_t> out) {
  const size_t n = out.size();
  if (absl::Status s = TooShort(payload, n); !s.ok()) return s;
  ByteReader in(payload);
  if (n > 0) {
    uint64_t first;
    if (!in.ReadVarint64(&first)) return CorruptColumn(kName, "truncated first value");
    int64_t* v = out.data();
    v[0] = ZigZagDecode(first);
    absl::Status status = DecodePackedInts(&in, absl::MakeSpan(v + 1, n - 1), kName);
    if (!status.ok()) return status;
    for (size_t i = 1; i < n; ++i) {
      v[i] = static_cast<int64_t>(static_cast<uint64_t>(v[i - 1]) + static_cast<uint64_t>(v[i]));
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
    CodecId::kInt64Delta, "delta", Analyze, Encode, Decode, DecodeTo};

}  // namespace

const Codec<int64_t>& Int64DeltaCodec() { return kCodec; }

}  // namespace tsw::encoding
