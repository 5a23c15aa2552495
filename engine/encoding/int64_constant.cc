#include "engine/encoding/int64_constant.h"

#include <algorithm>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "constant";

bool AllEqual(absl::Span<const int64_t> values) {
  for (int64_t v : values) {
    if (v != values[0]) return false;
  }
  return true;
}

size_t Analyze(absl::Span<const int64_t> values) {
  if (values.empty()) return 0;
  return AllEqual(values) ? VarintLength(ZigZagEncode(values[0])) : kNotApplicable;
}

absl::Status Encode(absl::Span<const int64_t> values, std::string* out) {
  if (values.empty()) return absl::OkStatus();
  if (!AllEqual(values)) {
    return absl::FailedPreconditionError("constant codec: the values are not all equal");
  }
  PutVarint64(out, ZigZagEncode(values[0]));
  return absl::OkStatus();
}

// The value of a column of `count` values (0 when count is 0).
absl::StatusOr<int64_t> Value(absl::string_view payload, size_t count) {
  ByteReader in(payload);
  if (count == 0) {
    if (!in.empty()) return CorruptColumn(kName, "an empty column has a payload");
    return 0;
  }
  uint64_t zigzag;
  if (!in.ReadVarint64(&zigzag)) return CorruptColumn(kName, "truncated value");
  if (!in.empty()) {
    return CorruptColumn(kName, absl::StrCat(in.remaining(), " trailing bytes"));
  }
  return ZigZagDecode(zigzag);
}

absl::Status Decode(absl::string_view payload, size_t count, std::vector<int64_t>* out) {
  out->clear();
  absl::StatusOr<int64_t> value = Value(payload, count);
  if (!value.ok()) return value.status();
  out->assign(count, *value);
  return absl::OkStatus();
}

absl::Status DecodeTo(absl::string_view payload, absl::Span<int64_t> out) {
  absl::StatusOr<int64_t> value = Value(payload, out.size());
  if (!value.ok()) return value.status();
  std::fill(out.begin(), out.end(), *value);
  return absl::OkStatus();
}

constexpr Codec<int64_t> kCodec = {
    CodecId::kInt64Constant, "constant", Analyze, Encode, Decode, DecodeTo};

}  // namespace

const Codec<int64_t>& Int64ConstantCodec() { return kCodec; }

}  // namespace tsw::encoding
