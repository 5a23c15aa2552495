#include "engine/encoding/string_plain.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/packed_ints.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "plain_strings";

size_t Analyze(absl::Span<const absl::string_view> values) {
  if (values.empty()) return 0;
  size_t bytes = 0, min = values[0].size(), max = values[0].size();
  for (absl::string_view s : values) {
    bytes += s.size();
    min = std::min(min, s.size());
    max = std::max(max, s.size());
  }
  return bytes + MinPackedIntsBytes(values.size()) + (values.size() * BitLength(max - min) + 7) / 8;
}

absl::Status Encode(absl::Span<const absl::string_view> values, std::string* out) {
  EncodeStringList(values, out);
  return absl::OkStatus();
}

absl::Status Decode(absl::string_view payload, size_t count, std::vector<std::string>* out) {
  out->clear();
  ByteReader in(payload);
  if (in.remaining() < MinPackedIntsBytes(count)) {
    return CorruptColumn(kName,
                         absl::StrCat(payload.size(), " bytes cannot hold ", count, " strings"));
  }
  out->resize(count);
  absl::Status status = DecodeStringList(&in, count, out->data(), kName);
  if (!status.ok()) return status;
  if (!in.empty()) return CorruptColumn(kName, absl::StrCat(in.remaining(), " trailing bytes"));
  return absl::OkStatus();
}

constexpr Codec<absl::string_view> kCodec = {CodecId::kStringPlain, "plain_strings", Analyze,
                                             Encode, Decode};

}  // namespace

void EncodeStringList(absl::Span<const absl::string_view> strings, std::string* out) {
  std::vector<int64_t> lengths(strings.size());
  size_t total = 0;
  for (size_t i = 0; i < strings.size(); ++i) {
    lengths[i] = static_cast<int64_t>(strings[i].size());
    total += strings[i].size();
  }
  EncodePackedInts(lengths, out);
  out->reserve(out->size() + total);
  for (absl::string_view s : strings) out->append(s.data(), s.size());
}

absl::Status DecodeStringList(ByteReader* in, size_t count, std::string* out,
                              absl::string_view codec) {
  std::vector<int64_t> lengths(count);
  absl::Status status = DecodePackedInts(in, absl::MakeSpan(lengths), codec);
  if (!status.ok()) return status;
  uint64_t total = 0;
  for (size_t i = 0; i < count; ++i) {
    // Each length must fit in what is left; this also bounds the sum without overflow.
    if (lengths[i] < 0 || static_cast<uint64_t>(lengths[i]) > in->remaining() - total) {
      return CorruptColumn(codec, absl::StrCat("string ", i, " has length ", lengths[i], " but ",
                                               in->remaining() - total, " bytes are left"));
    }
    total += static_cast<uint64_t>(lengths[i]);
  }
  for (size_t i = 0; i < count; ++i) {
    absl::string_view bytes;
    in->ReadBytes(static_cast<size_t>(lengths[i]), &bytes);  // Checked above.
    out[i].assign(bytes.data(), bytes.size());
  }
  return absl::OkStatus();
}

const Codec<absl::string_view>& StringPlainCodec() { return kCodec; }

}  // namespace tsw::encoding
