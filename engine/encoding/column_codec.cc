#include "engine/encoding/column_codec.h"

#include <algorithm>
#include <memory>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/double_alp_rd.h"
#include "engine/encoding/double_chimp128.h"
#include "engine/encoding/packed_ints.h"
#include "engine/encoding/zstd_column.h"
#include "tsw/status.h"

namespace tsw::encoding {
namespace {

absl::Status Internal(const std::string& message) {
  return tsw::InternalError(std::string_view(message));
}

absl::string_view KindName(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kTimestamps:
      return "timestamp";
    case ColumnKind::kInt64s:
      return "int64";
    case ColumnKind::kDoubles:
      return "double";
    case ColumnKind::kStrings:
      return "string";
    case ColumnKind::kBools:
      return "boolean";
    case ColumnKind::kPresence:
      return "presence";
  }
  return "unknown";
}

// Appends header and payload with `codec`; on failure leaves *out as it was.
template <typename T>
absl::Status EncodeWith(const Codec<T>& codec, absl::Span<const T> values, std::string* out) {
  const size_t start = out->size();
  out->push_back(static_cast<char>(codec.id));
  PutVarint64(out, values.size());
  absl::Status status = codec.encode(values, out);
  if (!status.ok()) out->resize(start);
  return status;
}

// The bytes EncodeColumnZstd at `level` makes of `encoded` (raw when Zstd does not help).
size_t FramedSize(absl::string_view encoded, int level) {
  std::string framed;
  ZstdColumnOptions options;
  options.level = level;
  if (!EncodeColumnZstd(encoded, options, &framed).ok()) return encoded.size() + 1;
  return framed.size();
}

size_t Scale(size_t bytes, size_t values, size_t sampled) {
  return static_cast<size_t>(static_cast<double>(bytes) * values / sampled);
}

template <typename T>
absl::Status EncodeColumn(absl::Span<const T> values, ColumnKind kind, const EncodeOptions& options,
                          std::string* out) {
  if (values.size() > kMaxColumnValues) {
    return Internal(absl::StrCat("a ", KindName(kind), " column of ", values.size(),
                                 " values is above the limit of ", kMaxColumnValues));
  }
  if (options.codec.has_value()) {
    const Codec<T>* codec = FindCodec<T>(*options.codec);
    if (codec == nullptr) {
      return Internal(absl::StrCat("codec ", CodecName(*options.codec), " (0x",
                                   absl::Hex(static_cast<int>(*options.codec)),
                                   ") cannot encode a ", KindName(kind), " column"));
    }
    absl::Status status = EncodeWith(*codec, values, out);
    if (!status.ok()) {
      return Internal(absl::StrCat("encoding a ", KindName(kind), " column with ", codec->name,
                                   ": ", status.message()));
    }
    return absl::OkStatus();
  }
  std::vector<std::pair<size_t, const Codec<T>*>> ranked;
  if (options.zstd_level != 0) {
    // Rank by the framed size of each candidate's encoding of a sample. When the sample is
    // the whole column the sizes are exact, and the smallest encoding is the column.
    std::vector<T> storage;
    const absl::Span<const T> sample = SampleForAnalysis(values, &storage);
    const bool whole = sample.size() == values.size();
    std::string best;
    size_t best_size = kNotApplicable;
    for (const RegisteredCodec<T>& r : RegisteredCodecs<T>()) {
      if ((r.kinds & KindBit(kind)) == 0) continue;
      std::string encoded;
      if (!EncodeWith(*r.codec, sample, &encoded).ok()) continue;
      const size_t framed = FramedSize(encoded, options.zstd_level);
      if (whole && framed < best_size) {
        best_size = framed;
        best = std::move(encoded);
      }
      ranked.emplace_back(whole ? framed : Scale(framed, values.size(), sample.size()), r.codec);
    }
    if (whole && best_size != kNotApplicable) {
      out->append(best);
      return absl::OkStatus();
    }
  } else {
    for (const RegisteredCodec<T>& r : RegisteredCodecs<T>()) {
      if ((r.kinds & KindBit(kind)) == 0) continue;
      const size_t estimate = r.codec->analyze(values);
      if (estimate != kNotApplicable) ranked.emplace_back(estimate, r.codec);
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  // A sample can mislead (the constant codec on a sample that happens to be constant), so
  // fall through to the next estimate when a codec refuses the whole column.
  for (const auto& [estimate, codec] : ranked) {
    if (EncodeWith(*codec, values, out).ok()) return absl::OkStatus();
  }
  return Internal(absl::StrCat("no codec can encode this ", KindName(kind), " column"));
}

template <typename T>
absl::Status DecodeColumn(absl::string_view column, ColumnKind kind,
                          std::vector<DecodedValue<T>>* out) {
  out->clear();
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  if (!header.ok()) return header.status();
  const Codec<T>* codec = FindCodec<T>(header->codec);
  if (codec == nullptr) {
    return CorruptColumn(
        KindName(kind),
        absl::StrCat("codec id 0x", absl::Hex(static_cast<int>(header->codec)), " (",
                     CodecName(header->codec), ") does not hold ", KindName(kind), " values"));
  }
  absl::Status status = codec->decode(column.substr(header->header_bytes), header->count, out);
  if (!status.ok()) {
    out->clear();
    return status;
  }
  if (out->size() != header->count) {  // A codec bug, not bad input; never hand it on.
    out->clear();
    return Internal(absl::StrCat("codec ", codec->name, " decoded the wrong number of values"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ColumnHeader> ReadColumnHeader(absl::string_view column) {
  ByteReader in(column);
  uint8_t id;
  uint64_t count;
  if (!in.ReadByte(&id)) return CorruptColumn("encoded", "empty input");
  if (!in.ReadVarint64(&count)) return CorruptColumn("encoded", "truncated value count");
  if (count > kMaxColumnValues) {
    return CorruptColumn("encoded", absl::StrCat("value count ", count, " is above the limit of ",
                                                 kMaxColumnValues));
  }
  ColumnHeader header;
  header.codec = static_cast<CodecId>(id);
  header.count = count;
  header.header_bytes = column.size() - in.remaining();
  return header;
}

absl::Status EncodeTimestamps(absl::Span<const int64_t> values, std::string* out,
                              const EncodeOptions& options) {
  return EncodeColumn(values, ColumnKind::kTimestamps, options, out);
}
absl::Status DecodeTimestamps(absl::string_view column, std::vector<int64_t>* out) {
  return DecodeColumn<int64_t>(column, ColumnKind::kTimestamps, out);
}

absl::Status EncodeInt64s(absl::Span<const int64_t> values, std::string* out,
                          const EncodeOptions& options) {
  return EncodeColumn(values, ColumnKind::kInt64s, options, out);
}
absl::Status DecodeInt64s(absl::string_view column, std::vector<int64_t>* out) {
  return DecodeColumn<int64_t>(column, ColumnKind::kInt64s, out);
}

absl::Status DecodeInt64sInto(absl::string_view column, absl::Span<int64_t> out) {
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  if (!header.ok()) return header.status();
  if (header->count != out.size()) {
    return CorruptColumn("int64",
                         absl::StrCat(header->count, " values where ", out.size(), " belong"));
  }
  const Codec<int64_t>* codec = FindCodec<int64_t>(header->codec);
  if (codec == nullptr || codec->decode_to == nullptr) {
    std::vector<int64_t> values;
    if (absl::Status s = DecodeColumn<int64_t>(column, ColumnKind::kInt64s, &values); !s.ok()) {
      return s;
    }
    std::copy(values.begin(), values.end(), out.begin());
    return absl::OkStatus();
  }
  return codec->decode_to(column.substr(header->header_bytes), out);
}

absl::Status DecodeInt64sRange(absl::string_view column, size_t count, size_t begin, size_t end,
                               std::vector<int64_t>* out) {
  out->clear();
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  if (!header.ok()) return header.status();
  if (header->count != count || begin > end || end > count) {
    return CorruptColumn("int64", absl::StrCat("rows [", begin, ", ", end, ") of ", header->count,
                                               " values where ", count, " belong"));
  }
  if (header->codec == CodecId::kInt64Constant && begin < end) {
    // One value, whatever the count (the payload does not depend on it but for an empty
    // column): decoded as a column of the range's length.
    return FindCodec<int64_t>(header->codec)
        ->decode(column.substr(header->header_bytes), end - begin, out);
  }
  std::unique_ptr<int64_t[]> buffer(new int64_t[count]);  // Not zero-filled.
  if (absl::Status s = DecodeInt64sInto(column, absl::MakeSpan(buffer.get(), count)); !s.ok()) {
    return s;
  }
  out->assign(buffer.get() + begin, buffer.get() + end);
  return absl::OkStatus();
}

absl::Status EncodeDoubles(absl::Span<const double> values, std::string* out,
                           const EncodeOptions& options) {
  return EncodeColumn(values, ColumnKind::kDoubles, options, out);
}
absl::Status DecodeDoubles(absl::string_view column, std::vector<double>* out) {
  return DecodeColumn<double>(column, ColumnKind::kDoubles, out);
}

absl::Status EncodeDoubleCodes(absl::Span<const int64_t> codes, std::string* out) {
  if (codes.size() > kMaxColumnValues) {
    return Internal(absl::StrCat("a column of ", codes.size(),
                                 " double codes is above the limit of ", kMaxColumnValues));
  }
  for (int64_t code : codes) {
    if (code < 0) return Internal(absl::StrCat("double code ", code, " is negative"));
  }
  out->push_back(static_cast<char>(CodecId::kDoubleCodes));
  PutVarint64(out, codes.size());
  EncodePackedInts(codes, out);
  return absl::OkStatus();
}

absl::Status DecodeDoubles(absl::string_view column, const std::vector<double>* dictionary,
                           std::vector<double>* out) {
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  if (!header.ok()) return header.status();
  if (header->codec != CodecId::kDoubleCodes) return DecodeDoubles(column, out);
  constexpr absl::string_view kName = "double_codes";
  out->clear();
  if (dictionary == nullptr) return CorruptColumn(kName, "codes without a dictionary");
  ByteReader in(column.substr(header->header_bytes));
  if (in.remaining() < MinPackedIntsBytes(header->count)) {
    return CorruptColumn(
        kName, absl::StrCat(in.remaining(), " bytes cannot hold ", header->count, " codes"));
  }
  std::vector<int64_t> codes(header->count);
  if (absl::Status s = DecodePackedInts(&in, absl::MakeSpan(codes), kName); !s.ok()) return s;
  if (!in.empty()) return CorruptColumn(kName, absl::StrCat(in.remaining(), " trailing bytes"));
  out->resize(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) {
    if (static_cast<uint64_t>(codes[i]) >= dictionary->size()) {
      out->clear();
      return CorruptColumn(kName, absl::StrCat("code ", codes[i], " of value ", i, " beyond ",
                                               dictionary->size(), " entries"));
    }
    (*out)[i] = (*dictionary)[static_cast<size_t>(codes[i])];
  }
  return absl::OkStatus();
}

absl::Status DecodeDoublesPrefix(absl::string_view column, const std::vector<double>* dictionary,
                                 size_t prefix, std::vector<double>* out) {
  out->clear();
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  if (!header.ok()) return header.status();
  if (prefix > header->count) {
    return CorruptColumn("double",
                         absl::StrCat("a prefix of ", prefix, " of ", header->count, " values"));
  }
  if (header->codec == CodecId::kDoubleChimp128) {
    return DecodeChimp128Prefix(column.substr(header->header_bytes), header->count, prefix, out);
  }
  if (absl::Status s = DecodeDoubles(column, dictionary, out); !s.ok()) return s;
  out->resize(prefix);
  return absl::OkStatus();
}

absl::Status DecodeDoublesAt(absl::string_view column, const std::vector<double>* dictionary,
                             absl::Span<const uint32_t> rows, std::vector<double>* out) {
  out->clear();
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  if (!header.ok()) return header.status();
  if (!rows.empty() && rows.back() >= header->count) {
    return CorruptColumn("double",
                         absl::StrCat("row ", rows.back(), " of ", header->count, " values"));
  }
  if (rows.empty()) return absl::OkStatus();
  if (header->codec == CodecId::kDoubleAlpRd) {
    return DecodeAlpRdAt(column.substr(header->header_bytes), header->count, rows, out);
  }
  // Rows [first, last] together (a filter's column over a time range) are decoded into
  // *out and cut there; others into `all` and gathered.
  const size_t first = rows.front(), last = rows.back();
  const bool contiguous = last - first + 1 == rows.size();
  std::vector<double> all;
  std::vector<double>* into = contiguous ? out : &all;
  if (header->codec == CodecId::kDoubleChimp128) {
    if (absl::Status s = DecodeChimp128Prefix(column.substr(header->header_bytes), header->count,
                                              last + 1, into);
        !s.ok()) {
      return s;
    }
  } else if (absl::Status s = DecodeDoubles(column, dictionary, into); !s.ok()) {
    return s;
  }
  if (contiguous) {
    out->resize(last + 1);
    out->erase(out->begin(), out->begin() + static_cast<std::ptrdiff_t>(first));
    return absl::OkStatus();
  }
  out->resize(rows.size());
  for (size_t j = 0; j < rows.size(); ++j) (*out)[j] = all[rows[j]];
  return absl::OkStatus();
}

absl::Status EncodeStrings(absl::Span<const absl::string_view> values, std::string* out,
                           const EncodeOptions& options) {
  uint64_t total = 0;
  for (absl::string_view s : values) total += s.size();
  if (total > kMaxColumnBytes) {
    return Internal(absl::StrCat("a string column of ", total, " bytes is above the limit of ",
                                 kMaxColumnBytes));
  }
  return EncodeColumn(values, ColumnKind::kStrings, options, out);
}
absl::Status EncodeStrings(absl::Span<const std::string> values, std::string* out,
                           const EncodeOptions& options) {
  std::vector<absl::string_view> views(values.begin(), values.end());
  return EncodeStrings(absl::MakeConstSpan(views), out, options);
}
absl::Status DecodeStrings(absl::string_view column, std::vector<std::string>* out) {
  return DecodeColumn<absl::string_view>(column, ColumnKind::kStrings, out);
}

namespace {
absl::Status CheckBits(absl::Span<const uint8_t> values, ColumnKind kind) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] > 1) {
      return Internal(
          absl::StrCat(KindName(kind), " value ", i, " is ", values[i], ", not 0 or 1"));
    }
  }
  return absl::OkStatus();
}
}  // namespace

absl::Status EncodeBools(absl::Span<const uint8_t> values, std::string* out,
                         const EncodeOptions& options) {
  absl::Status status = CheckBits(values, ColumnKind::kBools);
  if (!status.ok()) return status;
  return EncodeColumn(values, ColumnKind::kBools, options, out);
}
absl::Status DecodeBools(absl::string_view column, std::vector<uint8_t>* out) {
  return DecodeColumn<uint8_t>(column, ColumnKind::kBools, out);
}

absl::Status EncodePresenceMask(absl::Span<const uint8_t> present, std::string* out,
                                const EncodeOptions& options) {
  absl::Status status = CheckBits(present, ColumnKind::kPresence);
  if (!status.ok()) return status;
  return EncodeColumn(present, ColumnKind::kPresence, options, out);
}
absl::Status DecodePresenceMask(absl::string_view column, std::vector<uint8_t>* out) {
  return DecodeColumn<uint8_t>(column, ColumnKind::kPresence, out);
}

}  // namespace tsw::encoding
