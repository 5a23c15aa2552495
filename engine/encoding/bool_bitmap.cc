#include "engine/encoding/bool_bitmap.h"

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "bitmap";

size_t Analyze(absl::Span<const uint8_t> values) { return (values.size() + 7) / 8; }

absl::Status Encode(absl::Span<const uint8_t> values, std::string* out) {
  const size_t n = values.size();
  const size_t start = out->size();
  out->resize(start + (n + 7) / 8);
  char* dst = &(*out)[start];
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint8_t byte = 0;
    for (int b = 0; b < 8; ++b) byte |= static_cast<uint8_t>((values[i + b] != 0) << b);
    *dst++ = static_cast<char>(byte);
  }
  if (i < n) {
    uint8_t byte = 0;
    for (int b = 0; i + b < n; ++b) byte |= static_cast<uint8_t>((values[i + b] != 0) << b);
    *dst = static_cast<char>(byte);
  }
  return absl::OkStatus();
}

absl::Status Decode(absl::string_view payload, size_t count, std::vector<uint8_t>* out) {
  out->clear();
  if (payload.size() != (count + 7) / 8) {
    return CorruptColumn(kName, absl::StrCat(payload.size(), " bytes for ", count, " bits"));
  }
  if (count % 8 != 0 && (static_cast<uint8_t>(payload.back()) >> (count % 8)) != 0) {
    return CorruptColumn(kName, "padding bits are set");
  }
  out->resize(count);
  for (size_t i = 0; i < count; ++i) {
    (*out)[i] = (static_cast<uint8_t>(payload[i / 8]) >> (i % 8)) & 1;
  }
  return absl::OkStatus();
}

constexpr Codec<uint8_t> kCodec = {CodecId::kBoolBitmap, "bitmap", Analyze, Encode, Decode};

}  // namespace

const Codec<uint8_t>& BoolBitmapCodec() { return kCodec; }

}  // namespace tsw::encoding
