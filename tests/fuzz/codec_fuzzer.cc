// Fuzz target: every column codec's decoder and encoder (engine/encoding), and the Zstd
// column frame.
//
// Input: one byte choosing the value type (int64, double, string, bool, presence mask,
// or the Zstd frame), then bytes used twice:
//   1. as an encoded column: decoding must fail cleanly or give values that every codec
//      of the type (each pinned in turn, then the automatic choice, without and before a
//      Zstd pass) encodes and decodes back exactly; doubles also as an ALP_rd payload;
//   2. as values (derived from the bytes, in shapes the codecs specialise in: runs,
//      small deltas, short decimals), which must round-trip the same way, bit for bit.
// Out-of-bounds reads are ASan's to catch.
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "engine/encoding/zstd_column.h"
#include "tests/fuzz/fuzz_util.h"

namespace tsw::encoding {
namespace {

using fuzz::InputReader;

// The column functions of one value type.
template <typename T>
struct Column;

template <>
struct Column<int64_t> {
  static absl::Status Encode(absl::Span<const int64_t> v, std::string* out,
                             const EncodeOptions& o) {
    return EncodeInt64s(v, out, o);
  }
  static absl::Status Decode(absl::string_view c, std::vector<int64_t>* out) {
    return DecodeInt64s(c, out);
  }
};
template <>
struct Column<double> {
  static absl::Status Encode(absl::Span<const double> v, std::string* out, const EncodeOptions& o) {
    return EncodeDoubles(v, out, o);
  }
  static absl::Status Decode(absl::string_view c, std::vector<double>* out) {
    return DecodeDoubles(c, out);
  }
};
template <>
struct Column<absl::string_view> {
  static absl::Status Encode(absl::Span<const absl::string_view> v, std::string* out,
                             const EncodeOptions& o) {
    return EncodeStrings(v, out, o);
  }
  static absl::Status Decode(absl::string_view c, std::vector<std::string>* out) {
    return DecodeStrings(c, out);
  }
};
template <>
struct Column<uint8_t> {
  static absl::Status Encode(absl::Span<const uint8_t> v, std::string* out,
                             const EncodeOptions& o) {
    return EncodeBools(v, out, o);
  }
  static absl::Status Decode(absl::string_view c, std::vector<uint8_t>* out) {
    return DecodeBools(c, out);
  }
};

// Values compare by their bits (NaN payloads, -0.0).
bool SameValues(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<uint64_t>(a[i]) != std::bit_cast<uint64_t>(b[i])) return false;
  }
  return true;
}
template <typename V>
bool SameValues(const std::vector<V>& a, const std::vector<V>& b) {
  return a == b;
}

// `values` through every codec of the type, pinned, and through the automatic choice.
template <typename T>
void CheckRoundTrips(const std::vector<DecodedValue<T>>& decoded) {
  const std::vector<T> values(decoded.begin(), decoded.end());  // Views of `decoded`.
  auto check = [&](const EncodeOptions& options, absl::string_view codec_name) {
    std::string column = "prefix";  // Encoders append.
    const absl::Status encoded = Column<T>::Encode(values, &column, options);
    if (!encoded.ok()) {
      // Only a pinned codec may refuse (the constant codec given two distinct values).
      TSW_FUZZ_CHECK(options.codec.has_value(),
                     absl::StrCat("automatic encoding failed: ", encoded.message()));
      TSW_FUZZ_CHECK(encoded.code() == absl::StatusCode::kFailedPrecondition ||
                         encoded.code() == absl::StatusCode::kInternal,
                     absl::StrCat(codec_name, " refused with ", encoded.ToString()));
      return;
    }
    TSW_FUZZ_CHECK(absl::string_view(column).substr(0, 6) == "prefix",
                   absl::StrCat(codec_name, " overwrote the bytes before its column"));
    absl::string_view mine = absl::string_view(column).substr(6);
    absl::StatusOr<ColumnHeader> header = ReadColumnHeader(mine);
    TSW_FUZZ_CHECK(header.ok() && header->count == values.size(),
                   absl::StrCat(codec_name, " wrote a bad column header"));
    if (options.codec.has_value()) {
      TSW_FUZZ_CHECK(header->codec == *options.codec,
                     absl::StrCat(codec_name, " column names another codec"));
    }
    std::vector<DecodedValue<T>> back;
    const absl::Status status = Column<T>::Decode(mine, &back);
    TSW_FUZZ_CHECK(status.ok(), absl::StrCat(codec_name, " cannot decode its own column (",
                                             values.size(), " values): ", status.message()));
    TSW_FUZZ_CHECK(SameValues(back, decoded),
                   absl::StrCat(codec_name, " does not round-trip ", values.size(), " values"));
    if (options.codec.has_value()) return;
    // The chosen column inside a Zstd frame, as segments store it (once: Zstd's contexts
    // are costly to set up under ASan).
    std::string framed, unframed;
    const absl::Status zstd = EncodeColumnZstd(mine, ZstdColumnOptions{}, &framed);
    TSW_FUZZ_CHECK(zstd.ok(), absl::StrCat("zstd frame: ", zstd.message()));
    TSW_FUZZ_CHECK(DecodeColumnZstd(framed, &unframed).ok() && unframed == mine,
                   "zstd frame does not round-trip");
  };
  for (const RegisteredCodec<T>& r : RegisteredCodecs<T>()) {
    EncodeOptions options;
    options.codec = r.codec->id;
    check(options, r.codec->name);
  }
  check(EncodeOptions{}, "automatic choice");
  EncodeOptions before_zstd;
  before_zstd.zstd_level = 1;
  check(before_zstd, "automatic choice before a zstd pass");
}

// A prefix decode (DecodeDoublesPrefix, a filtered segment read's) never reads outside the
// column, and of a column that decodes whole gives exactly its first values.
void CheckPrefixDecode(absl::string_view column) {
  std::vector<double> whole;
  const bool ok = DecodeDoubles(column, &whole).ok();
  for (size_t prefix : {size_t{0}, size_t{1}, whole.size() / 2, whole.size()}) {
    std::vector<double> part;
    const absl::Status status = DecodeDoublesPrefix(column, nullptr, prefix, &part);
    if (!ok) continue;
    if (prefix > whole.size()) {  // Of an empty column: more values than it holds.
      TSW_FUZZ_CHECK(!status.ok(), "a prefix longer than the column decoded");
      continue;
    }
    TSW_FUZZ_CHECK(status.ok(),
                   absl::StrCat("a prefix of a column that decodes failed: ", status.message()));
    TSW_FUZZ_CHECK(SameValues(part, std::vector<double>(whole.begin(), whole.begin() + prefix)),
                   "a prefix decode differs from the whole decode's first values");
  }
}

// A decode at rows (DecodeDoublesAt, a filtered segment read's) never reads outside the
// column, and of a column that decodes whole gives exactly its values at those rows.
void CheckAtDecode(absl::string_view column) {
  std::vector<double> whole;
  const bool ok = DecodeDoubles(column, &whole).ok();
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  if (!header.ok() || header->count == 0) return;
  const size_t n = ok ? whole.size() : static_cast<size_t>(header->count);
  std::vector<std::vector<uint32_t>> sets = {{0}, {static_cast<uint32_t>(n - 1)}, {}};
  if (ok) {
    for (size_t i = 0; i < n; i += 1 + i % 5) sets.back().push_back(static_cast<uint32_t>(i));
  }
  for (const std::vector<uint32_t>& rows : sets) {
    std::vector<double> got;
    const absl::Status status = DecodeDoublesAt(column, nullptr, rows, &got);
    if (!status.ok()) {
      TSW_FUZZ_CHECK(got.empty(), "a failed decode at rows left values behind");
      TSW_FUZZ_CHECK(!ok, absl::StrCat("a decode at rows of a column that decodes failed: ",
                                       status.message()));
      continue;
    }
    if (!ok) continue;
    std::vector<double> want;
    for (uint32_t row : rows) want.push_back(whole[row]);
    TSW_FUZZ_CHECK(SameValues(got, want), "a decode at rows differs from the whole decode's");
  }
}

// Decoding arbitrary bytes: fails cleanly (leaving *out empty) or gives re-encodable values.
template <typename T>
void CheckDecode(absl::string_view column) {
  if constexpr (std::is_same_v<T, double>) {
    CheckPrefixDecode(column);
    CheckAtDecode(column);
  }
  std::vector<DecodedValue<T>> values;
  const absl::Status status = Column<T>::Decode(column, &values);
  if (!status.ok()) {
    TSW_FUZZ_CHECK(values.empty(), "failed decode left values behind");
    TSW_FUZZ_CHECK(status.code() == absl::StatusCode::kInternal,
                   absl::StrCat("decode failed with an unexpected code: ", status.ToString()));
    return;
  }
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  TSW_FUZZ_CHECK(header.ok() && header->count == values.size(),
                 "decoded value count differs from the header's");
  if constexpr (std::is_same_v<T, uint8_t>) {
    for (uint8_t v : values) TSW_FUZZ_CHECK(v <= 1, "a decoded boolean is not 0 or 1");
  }
  // A few bytes of a constant or run-length column may stand for up to 2^24 values;
  // re-encoding those through every codec would make each run seconds long.
  if (values.size() > (size_t{1} << 16)) return;
  CheckRoundTrips<T>(values);
}

// Values shaped from the input: `shape` picks raw bytes, or runs/small steps.
std::vector<int64_t> Int64Values(InputReader in) {
  std::vector<int64_t> values;
  const uint8_t shape = in.Byte();
  int64_t last = in.I64();
  while (!in.empty()) {
    switch (shape % 3) {
      case 0:
        values.push_back(in.I64());
        break;
      case 1:  // Small signed steps (delta, delta-of-delta, frame of reference).
        last = static_cast<int64_t>(static_cast<uint64_t>(last) +
                                    static_cast<uint64_t>(static_cast<int8_t>(in.Byte())));
        values.push_back(last);
        break;
      default: {  // Runs of one value.
        const size_t run = in.Byte() % 16 + 1;
        const int64_t v = static_cast<int64_t>(in.Byte()) << (shape % 64);
        values.insert(values.end(), run, v);
      }
    }
  }
  return values;
}

std::vector<double> DoubleValues(InputReader in) {
  std::vector<double> values;
  const uint8_t shape = in.Byte();
  while (!in.empty()) {
    if (shape % 2 == 0) {
      values.push_back(std::bit_cast<double>(in.U64()));
    } else {  // Short decimals (ALP's case), sometimes negative or with many digits.
      const int64_t digits = static_cast<int32_t>(in.U32() >> (in.Byte() % 32));
      values.push_back(static_cast<double>(digits) / std::pow(10.0, in.Byte() % 12));
    }
  }
  return values;
}

std::vector<std::string> StringValues(InputReader in) {
  std::vector<std::string> values;
  while (!in.empty()) values.emplace_back(in.ShortString(40));
  return values;
}

std::vector<uint8_t> BoolValues(InputReader in) {
  std::vector<uint8_t> values;
  const uint8_t shape = in.Byte();
  while (!in.empty()) {
    const uint8_t b = in.Byte();
    if (shape % 2 == 0) {
      for (int i = 0; i < 8; ++i) values.push_back((b >> i) & 1);
    } else {  // Runs (bool_runs' case).
      values.insert(values.end(), b >> 1, b & 1);
    }
  }
  return values;
}

// Arbitrary bytes as the payload of an ALP_rd column of a count taken from the input, so
// the decoder sees payloads it could never meet through a random codec id byte.
void CheckAlpRdPayload(absl::string_view bytes) {
  InputReader in(bytes);
  const size_t count = (size_t{in.Byte()} << 8 | in.Byte()) % 4200;
  std::string column(1, static_cast<char>(CodecId::kDoubleAlpRd));
  PutVarint64(&column, count);
  absl::StrAppend(&column, in.rest());
  CheckDecode<double>(column);
}

void CheckZstd(absl::string_view bytes) {
  std::string out;
  const absl::Status status = DecodeColumnZstd(bytes, &out);
  if (status.ok()) {
    std::string again, back;
    TSW_FUZZ_CHECK(EncodeColumnZstd(out, ZstdColumnOptions{}, &again).ok() &&
                       DecodeColumnZstd(again, &back).ok() && back == out,
                   "a decoded zstd frame does not re-encode");
  } else {
    TSW_FUZZ_CHECK(status.code() == absl::StatusCode::kInternal,
                   absl::StrCat("zstd decode failed with ", status.ToString()));
  }
  InputReader in(bytes);
  ZstdColumnOptions options;
  options.level = static_cast<int>(in.Byte() % 8) - 1;
  options.store_raw_if_not_smaller = in.Bool();
  std::string framed, back;
  TSW_FUZZ_CHECK(EncodeColumnZstd(in.rest(), options, &framed).ok(), "zstd encode failed");
  TSW_FUZZ_CHECK(DecodeColumnZstd(framed, &back).ok() && back == in.rest(),
                 "zstd frame does not round-trip");
}

}  // namespace
}  // namespace tsw::encoding

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tsw::encoding;
  tsw::fuzz::InputReader in(data, size);
  const uint8_t type = in.Byte();
  const absl::string_view rest = in.rest();
  switch (type % 6) {
    case 0: {
      CheckDecode<int64_t>(rest);
      std::vector<int64_t> timestamps;
      (void)DecodeTimestamps(rest, &timestamps);  // Same codecs, another kind.
      CheckRoundTrips<int64_t>(Int64Values(tsw::fuzz::InputReader(rest)));
      break;
    }
    case 1:
      CheckDecode<double>(rest);
      CheckAlpRdPayload(rest);
      CheckRoundTrips<double>(DoubleValues(tsw::fuzz::InputReader(rest)));
      break;
    case 2:
      CheckDecode<absl::string_view>(rest);
      CheckRoundTrips<absl::string_view>(StringValues(tsw::fuzz::InputReader(rest)));
      break;
    case 3:
      CheckDecode<uint8_t>(rest);
      CheckRoundTrips<uint8_t>(BoolValues(tsw::fuzz::InputReader(rest)));
      break;
    case 4: {
      std::vector<uint8_t> mask;
      if (DecodePresenceMask(rest, &mask).ok()) {
        std::string column, again;
        std::vector<uint8_t> back;
        TSW_FUZZ_CHECK(EncodePresenceMask(mask, &column).ok() &&
                           DecodePresenceMask(column, &back).ok() && back == mask,
                       "a decoded presence mask does not round-trip");
      }
      break;
    }
    default:
      CheckZstd(rest);
      break;
  }
  return 0;
}
