#include "engine/encoding/double_plain.h"

#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "plain";

size_t Analyze(absl::Span<const double> values) { return values.size() * 8; }

absl::Status Encode(absl::Span<const double> values, std::string* out) {
  if (values.empty()) return absl::OkStatus();
  const size_t start = out->size();
  out->resize(start + values.size() * 8);
  std::memcpy(&(*out)[start], values.data(), values.size() * 8);  // Little-endian host.
  return absl::OkStatus();
}

absl::Status Decode(absl::string_view payload, size_t count, std::vector<double>* out) {
  if (payload.size() != count * 8) {
    return CorruptColumn(kName,
                         absl::StrCat(payload.size(), " bytes for ", count, " values of 8 bytes"));
  }
  out->resize(count);
  if (count > 0) std::memcpy(out->data(), payload.data(), payload.size());
  return absl::OkStatus();
}

constexpr Codec<double> kCodec = {CodecId::kDoublePlain, "plain", Analyze, Encode, Decode};

}  // namespace

const Codec<double>& DoublePlainCodec() { return kCodec; }

}  // namespace tsw::encoding
