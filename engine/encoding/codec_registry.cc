// The registry: the one list of codecs. A new codec is one line here (and its files).
#include "engine/encoding/bool_bitmap.h"
#include "engine/encoding/bool_runs.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/double_alp.h"
#include "engine/encoding/double_alp_rd.h"
#include "engine/encoding/double_chimp128.h"
#include "engine/encoding/double_dictionary.h"
#include "engine/encoding/double_gorilla.h"
#include "engine/encoding/double_plain.h"
#include "engine/encoding/int64_constant.h"
#include "engine/encoding/int64_delta.h"
#include "engine/encoding/int64_delta_of_delta.h"
#include "engine/encoding/int64_frame_of_reference.h"
#include "engine/encoding/string_dictionary.h"
#include "engine/encoding/string_plain.h"

namespace tsw::encoding {
namespace {

constexpr uint32_t kIntegers = KindBit(ColumnKind::kTimestamps) | KindBit(ColumnKind::kInt64s);
constexpr uint32_t kDoubles = KindBit(ColumnKind::kDoubles);
constexpr uint32_t kStrings = KindBit(ColumnKind::kStrings);
constexpr uint32_t kBits = KindBit(ColumnKind::kBools) | KindBit(ColumnKind::kPresence);

template <typename T>
const Codec<T>* Find(CodecId id) {
  for (const RegisteredCodec<T>& r : RegisteredCodecs<T>()) {
    if (r.codec->id == id) return r.codec;
  }
  return nullptr;
}

}  // namespace

// Order matters only between codecs whose estimates tie: the earlier one wins.
template <>
absl::Span<const RegisteredCodec<int64_t>> RegisteredCodecs<int64_t>() {
  static const RegisteredCodec<int64_t> kCodecs[] = {
      {&Int64ConstantCodec(), kIntegers},
      {&Int64DeltaOfDeltaCodec(), kIntegers},
      {&Int64DeltaCodec(), kIntegers},
      {&Int64FrameOfReferenceCodec(), kIntegers},
  };
  return kCodecs;
}

template <>
absl::Span<const RegisteredCodec<double>> RegisteredCodecs<double>() {
  static const RegisteredCodec<double> kCodecs[] = {
      {&DoubleAlpCodec(), kDoubles},      {&DoubleAlpRdCodec(), kDoubles},
      {&DoubleChimp128Codec(), kDoubles}, {&DoubleGorillaCodec(), kDoubles},
      {&DoublePlainCodec(), kDoubles},    {&DoubleDictionaryCodec(), kDoubles},
  };
  return kCodecs;
}

template <>
absl::Span<const RegisteredCodec<absl::string_view>> RegisteredCodecs<absl::string_view>() {
  static const RegisteredCodec<absl::string_view> kCodecs[] = {
      {&StringDictionaryCodec(), kStrings},
      {&StringPlainCodec(), kStrings},
  };
  return kCodecs;
}

template <>
absl::Span<const RegisteredCodec<uint8_t>> RegisteredCodecs<uint8_t>() {
  static const RegisteredCodec<uint8_t> kCodecs[] = {
      {&BoolRunsCodec(), kBits},
      {&BoolBitmapCodec(), kBits},
  };
  return kCodecs;
}

template <>
const Codec<int64_t>* FindCodec<int64_t>(CodecId id) {
  return Find<int64_t>(id);
}
template <>
const Codec<double>* FindCodec<double>(CodecId id) {
  return Find<double>(id);
}
template <>
const Codec<absl::string_view>* FindCodec<absl::string_view>(CodecId id) {
  return Find<absl::string_view>(id);
}
template <>
const Codec<uint8_t>* FindCodec<uint8_t>(CodecId id) {
  return Find<uint8_t>(id);
}

absl::string_view CodecName(CodecId id) {
  if (const auto* c = FindCodec<int64_t>(id)) return c->name;
  if (const auto* c = FindCodec<double>(id)) return c->name;
  if (const auto* c = FindCodec<absl::string_view>(id)) return c->name;
  if (const auto* c = FindCodec<uint8_t>(id)) return c->name;
  if (id == CodecId::kDoubleCodes) return "double_codes";
  return "unknown";
}

}  // namespace tsw::encoding
