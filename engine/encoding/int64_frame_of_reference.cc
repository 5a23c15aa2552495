#include "engine/encoding/int64_frame_of_reference.h"

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/packed_ints.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "for";

absl::Status Encode(absl::Span<const int64_t> values, std::string* out) {
  EncodePackedInts(values, out);
  return absl::OkStatus();
}

size_t Analyze(absl::Span<const int64_t> values) { return AnalyzeBySampleEncoding(values, Encode); }

absl::Status TooShort(absl::string_view payload, size_t count) {
  if (payload.size() < MinPackedIntsBytes(count)) {
    return CorruptColumn(kName,
                         absl::StrCat(payload.size(), " bytes cannot hold ", count, " values"));
  }
  return absl::OkStatus();
}

absl::Status DecodeTo(absl::string_view payload, absl::Span<int64_t> out) {
  if (absl::Status s = TooShort(payload, out.size()); !s.ok()) return s;
  ByteReader in(payload);
  absl::Status status = DecodePackedInts(&in, out, kName);
  if (!status.ok()) return status;
  if (!in.empty()) return CorruptColumn(kName, absl::StrCat(in.remaining(), " trailing bytes"));
  return absl::OkStatus();
}

absl::Status Decode(absl::string_view payload, size_t count, std::vector<int64_t>* out) {
  if (absl::Status s = TooShort(payload, count); !s.ok()) return s;
  out->resize(count);
  return DecodeTo(payload, absl::MakeSpan(*out));
}

constexpr Codec<int64_t> kCodec = {
    CodecId::kInt64FrameOfReference, "for", Analyze, Encode, Decode, DecodeTo};

}  // namespace

const Codec<int64_t>& Int64FrameOfReferenceCodec() { return kCodec; }

}  // namespace tsw::encoding
