// The interface every column codec implements, and the registry that lists them.
//
// A codec is a value of Codec<T>: an on-disk id, a name, and three functions (DuckDB's
// analyze / compress / scan). T is the type a column's values have in memory:
//   int64_t            timestamps (nanoseconds), BIGINT, versions
//   double             DOUBLE
//   absl::string_view  VARCHAR (decoded into std::string)
//   uint8_t            BOOLEAN and presence masks, one byte per value holding 0 or 1
// Adding a codec: write its file pair (a header exposing `const Codec<T>& XxxCodec()`),
// give it the next free CodecId, and list it in codec_registry.cc. Nothing else changes.
//
// Codecs see only their payload; column_codec.cc writes and checks the column header
// (codec id and value count) around it. Thread-safety: codecs are stateless functions.
#ifndef TSW_ENGINE_ENCODING_CODEC_H_
#define TSW_ENGINE_ENCODING_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tsw::encoding {

// The first byte of every encoded column. Stored on disk: never renumber or reuse a value.
enum class CodecId : uint8_t {
  // int64 columns (timestamps and integers).
  kInt64Constant = 0x01,
  kInt64FrameOfReference = 0x02,
  kInt64Delta = 0x03,
  kInt64DeltaOfDelta = 0x04,
  // double columns.
  kDoublePlain = 0x10,
  kDoubleGorilla = 0x11,
  kDoubleChimp128 = 0x12,
  kDoubleAlp = 0x13,
  kDoubleAlpRd = 0x14,
  kDoubleDictionary = 0x15,
  // Codes into a dictionary stored outside the column (a segment's group dictionary,
  // engine/magnetic/FORMAT.md); not a registered codec: column_codec.h's EncodeDoubleCodes
  // and DecodeDoubles(column, dictionary, out) handle it.
  kDoubleCodes = 0x16,
  // string columns.
  kStringPlain = 0x20,
  kStringDictionary = 0x21,
  // boolean columns and presence masks.
  kBoolBitmap = 0x30,
  kBoolRuns = 0x31,
};

// What a column holds; selects the codecs the chooser tries (the registry lists, for each
// codec, the kinds it is a candidate for).
enum class ColumnKind : uint8_t {
  kTimestamps,
  kInt64s,
  kDoubles,
  kStrings,
  kBools,
  kPresence,
};

// The most values one encoded column may hold (2^24). Segment writers split larger
// columns. The bound keeps a corrupt count from making a decoder allocate gigabytes.
inline constexpr uint64_t kMaxColumnValues = uint64_t{1} << 24;

// The most bytes the strings of one decoded column may total (1 GiB), for the same
// reason: a dictionary column could otherwise expand a few bytes into terabytes.
inline constexpr uint64_t kMaxColumnBytes = uint64_t{1} << 30;

// Returned by Codec::analyze when the codec cannot encode the values at all.
inline constexpr size_t kNotApplicable = std::numeric_limits<size_t>::max();

// The in-memory type a decoder produces for values of type T.
template <typename T>
using DecodedValue = std::conditional_t<std::is_same_v<T, absl::string_view>, std::string, T>;

template <typename T>
struct Codec {
  CodecId id;
  // Lower-case, stable; used in error messages and benchmark names ("alp").
  const char* name;
  // The payload size encode() would produce for `values`, exactly or estimated from a
  // sample; kNotApplicable when encode() would fail. Must be cheap next to encode().
  size_t (*analyze)(absl::Span<const T> values);
  // Appends the payload for `values` to *out. Fails (FailedPrecondition) only when the
  // codec cannot hold these values, e.g. the constant codec given two distinct values.
  absl::Status (*encode)(absl::Span<const T> values, std::string* out);
  // Replaces *out with the `count` values held by the whole of `payload` (count comes
  // from the column header, at most kMaxColumnValues). Malformed payloads, including
  // trailing bytes, return CorruptColumn (InternalServerException); no byte outside
  // `payload` is read, and *out is not grown before the payload is known to be able to
  // hold `count` values, except by codecs whose payload size does not grow with count.
  absl::Status (*decode)(absl::string_view payload, size_t count,
                         std::vector<DecodedValue<T>>* out);
  // decode() into caller memory: `out` holds exactly the payload's value count, and is
  // written without being cleared first (a caller's buffer need not be zero-filled).
  // Errors as decode()'s; on one, `out` holds anything. Null for codecs that have only
  // decode() (DecodeInt64sInto then decodes into a vector and copies).
  absl::Status (*decode_to)(absl::string_view payload, absl::Span<DecodedValue<T>> out) = nullptr;
};

// A set of ColumnKinds as bits (1 << kind).
inline constexpr uint32_t KindBit(ColumnKind kind) { return uint32_t{1} << static_cast<int>(kind); }

// A codec and the column kinds (KindBit mask) the chooser tries it for. Decoding
// accepts any codec of the value type, whatever the kinds.
template <typename T>
struct RegisteredCodec {
  const Codec<T>* codec;
  uint32_t kinds;
};

// The registry (codec_registry.cc): every codec for values of type T, in order of
// preference when two estimate the same size.
template <typename T>
absl::Span<const RegisteredCodec<T>> RegisteredCodecs();

// The codec with `id` for values of type T, or nullptr (unknown id, or another type).
template <typename T>
const Codec<T>* FindCodec(CodecId id);

// The name of the codec with `id` in any type, or "unknown".
absl::string_view CodecName(CodecId id);

// A sample of `values` for analyze(): all of them when there are at most
// kAnalyzeSampleValues, otherwise kAnalyzeSampleRuns evenly spaced runs of consecutive
// values copied into *storage (runs keep neighbours together for delta-style codecs).
inline constexpr size_t kAnalyzeSampleValues = 8192;
inline constexpr size_t kAnalyzeSampleRuns = 8;
template <typename T>
absl::Span<const T> SampleForAnalysis(absl::Span<const T> values, std::vector<T>* storage) {
  if (values.size() <= kAnalyzeSampleValues) return values;
  const size_t run = kAnalyzeSampleValues / kAnalyzeSampleRuns;
  const size_t stride = values.size() / kAnalyzeSampleRuns;
  storage->clear();
  storage->reserve(kAnalyzeSampleValues);
  for (size_t r = 0; r < kAnalyzeSampleRuns; ++r) {
    storage->insert(storage->end(), values.begin() + r * stride, values.begin() + r * stride + run);
  }
  return *storage;
}

// analyze() by encoding a sample and scaling its size to the whole column.
template <typename T>
size_t AnalyzeBySampleEncoding(absl::Span<const T> values,
                               absl::Status (*encode)(absl::Span<const T>, std::string*)) {
  if (values.empty()) return 0;
  std::vector<T> storage;
  absl::Span<const T> sample = SampleForAnalysis(values, &storage);
  std::string payload;
  if (!encode(sample, &payload).ok()) return kNotApplicable;
  if (sample.size() == values.size()) return payload.size();
  return static_cast<size_t>(static_cast<double>(payload.size()) * values.size() / sample.size());
}

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_CODEC_H_
