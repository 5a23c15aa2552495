#include "engine/magnetic/chunk_codec.h"

#include "absl/strings/str_cat.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "engine/encoding/zstd_column.h"
#include "tsw/status.h"

namespace tsw::magnetic {
namespace {

// Every column gets the pass the chooser ranked it by (a size threshold here would store
// raw the column it chose for its compressed size); EncodeColumnZstd keeps it raw when
// Zstd does not make it smaller.
absl::Status Frame(const std::string& encoded, int zstd_level, std::string* out) {
  encoding::ZstdColumnOptions options;
  options.level = zstd_level;
  return encoding::EncodeColumnZstd(encoded, options, out);
}

template <typename T, typename EncodeFn>
absl::Status Append(absl::Span<const T> values, int zstd_level, std::string* out, EncodeFn encode) {
  // The chooser ranks codecs by their size after the frame's Zstd pass, so a column is
  // never stored larger than Zstd alone would store it.
  encoding::EncodeOptions options;
  options.zstd_level = zstd_level;
  std::string encoded;
  if (absl::Status s = encode(values, &encoded, options); !s.ok()) return s;
  return Frame(encoded, zstd_level, out);
}

// The encoded column of `chunk`: a view into the chunk itself when its frame is raw (no
// copy), else into this thread's buffer for decompressed columns, which the next call on
// the thread reuses (no allocation per chunk once it has grown). Zstd's content checksum
// is not checked again: chunks are decoded only from blocks and dictionaries whose XXH3
// over these same bytes the segment reader has just verified (block.h).
absl::StatusOr<absl::string_view> Unframe(absl::string_view chunk) {
  thread_local std::string scratch;
  return encoding::DecodeColumnZstdView(chunk, &scratch,
                                        encoding::ZstdContentChecksum::kCheckedByCaller);
}

template <typename V, typename DecodeFn>
absl::Status Decode(absl::string_view chunk, size_t count, std::vector<V>* out,
                    absl::string_view what, DecodeFn decode) {
  absl::StatusOr<absl::string_view> encoded = Unframe(chunk);
  if (!encoded.ok()) return encoded.status();
  if (absl::Status s = decode(*encoded, out); !s.ok()) return s;
  if (out->size() != count) {
    return tsw::InternalError(absl::StrCat("corrupt ", what, " column: ", out->size(),
                                           " values where ", count, " belong"));
  }
  return absl::OkStatus();
}

}  // namespace

size_t MaxChunkValues() { return static_cast<size_t>(encoding::kMaxColumnValues); }

absl::Status AppendTimeChunk(absl::Span<const int64_t> values, int zstd_level, std::string* out) {
  return Append<int64_t>(
      values, zstd_level, out,
      [](absl::Span<const int64_t> v, std::string* o, const encoding::EncodeOptions& opt) {
        return encoding::EncodeTimestamps(v, o, opt);
      });
}

absl::Status AppendIntChunk(absl::Span<const int64_t> values, int zstd_level, std::string* out) {
  return Append<int64_t>(
      values, zstd_level, out,
      [](absl::Span<const int64_t> v, std::string* o, const encoding::EncodeOptions& opt) {
        return encoding::EncodeInt64s(v, o, opt);
      });
}

absl::Status AppendDoubleChunk(absl::Span<const double> values, int zstd_level, std::string* out) {
  return Append<double>(
      values, zstd_level, out,
      [](absl::Span<const double> v, std::string* o, const encoding::EncodeOptions& opt) {
        return encoding::EncodeDoubles(v, o, opt);
      });
}

absl::Status AppendDoubleCodesChunk(absl::Span<const int64_t> codes, int zstd_level,
                                    std::string* out) {
  std::string encoded;
  if (absl::Status s = encoding::EncodeDoubleCodes(codes, &encoded); !s.ok()) return s;
  return Frame(encoded, zstd_level, out);
}

absl::Status AppendDoubleDictionaryChunk(absl::Span<const double> entries, int zstd_level,
                                         std::string* out) {
  return AppendDoubleChunk(entries, zstd_level, out);
}

absl::Status AppendStringChunk(absl::Span<const std::string> values, int zstd_level,
                               std::string* out) {
  return Append<std::string>(
      values, zstd_level, out,
      [](absl::Span<const std::string> v, std::string* o, const encoding::EncodeOptions& opt) {
        return encoding::EncodeStrings(v, o, opt);
      });
}

absl::Status AppendBoolChunk(absl::Span<const uint8_t> values, int zstd_level, std::string* out) {
  return Append<uint8_t>(
      values, zstd_level, out,
      [](absl::Span<const uint8_t> v, std::string* o, const encoding::EncodeOptions& opt) {
        return encoding::EncodeBools(v, o, opt);
      });
}

absl::Status AppendPresenceChunk(absl::Span<const uint8_t> present, int zstd_level,
                                 std::string* out) {
  return Append<uint8_t>(
      present, zstd_level, out,
      [](absl::Span<const uint8_t> v, std::string* o, const encoding::EncodeOptions& opt) {
        return encoding::EncodePresenceMask(v, o, opt);
      });
}

absl::Status DecodeTimeChunk(absl::string_view chunk, size_t count, std::vector<int64_t>* out) {
  return Decode(chunk, count, out, "time", encoding::DecodeTimestamps);
}

absl::Status DecodeIntChunk(absl::string_view chunk, size_t count, std::vector<int64_t>* out) {
  return Decode(chunk, count, out, "integer", encoding::DecodeInt64s);
}

absl::Status DecodeInt64ChunkInto(absl::string_view chunk, absl::Span<int64_t> out) {
  absl::StatusOr<absl::string_view> encoded = Unframe(chunk);
  if (!encoded.ok()) return encoded.status();
  return encoding::DecodeInt64sInto(*encoded, out);
}

absl::Status DecodeInt64ChunkRange(absl::string_view chunk, size_t count, size_t begin, size_t end,
                                   std::vector<int64_t>* out) {
  absl::StatusOr<absl::string_view> encoded = Unframe(chunk);
  if (!encoded.ok()) return encoded.status();
  return encoding::DecodeInt64sRange(*encoded, count, begin, end, out);
}

absl::Status DecodeDoubleChunk(absl::string_view chunk, size_t count, std::vector<double>* out,
                               const std::vector<double>* dictionary) {
  return Decode(chunk, count, out, "double",
                [dictionary](absl::string_view column, std::vector<double>* values) {
                  return encoding::DecodeDoubles(column, dictionary, values);
                });
}

absl::Status DecodeDoubleChunkAt(absl::string_view chunk, size_t count,
                                 absl::Span<const uint32_t> rows, std::vector<double>* out,
                                 const std::vector<double>* dictionary) {
  absl::StatusOr<absl::string_view> encoded = Unframe(chunk);
  if (!encoded.ok()) return encoded.status();
  absl::StatusOr<encoding::ColumnHeader> header = encoding::ReadColumnHeader(*encoded);
  if (!header.ok()) return header.status();
  if (header->count != count) {
    return tsw::InternalError(
        absl::StrCat("corrupt double column: ", header->count, " values where ", count, " belong"));
  }
  if (absl::Status s = encoding::DecodeDoublesAt(*encoded, dictionary, rows, out); !s.ok()) {
    return s;
  }
  if (out->size() != rows.size()) {  // A codec bug, not bad input.
    return tsw::InternalError(absl::StrCat("corrupt double column: ", out->size(), " values where ",
                                           rows.size(), " belong"));
  }
  return absl::OkStatus();
}

absl::Status DecodeDoubleDictionaryChunk(absl::string_view chunk, std::vector<double>* out) {
  absl::StatusOr<absl::string_view> encoded = Unframe(chunk);
  if (!encoded.ok()) return encoded.status();
  absl::StatusOr<encoding::ColumnHeader> header = encoding::ReadColumnHeader(*encoded);
  if (!header.ok()) return header.status();
  if (header->count == 0) return tsw::InternalError("corrupt dictionary: no entries");
  if (absl::Status s = encoding::DecodeDoubles(*encoded, out); !s.ok()) return s;
  // Entries are distinct and sorted by DictionaryOrderKey, so a code names one value.
  for (size_t i = 1; i < out->size(); ++i) {
    if (DictionaryOrderKey((*out)[i - 1]) >= DictionaryOrderKey((*out)[i])) {
      out->clear();
      return tsw::InternalError("corrupt dictionary: entries not strictly increasing");
    }
  }
  return absl::OkStatus();
}

absl::Status DecodeStringChunk(absl::string_view chunk, size_t count,
                               std::vector<std::string>* out) {
  return Decode(chunk, count, out, "varchar", encoding::DecodeStrings);
}

absl::Status DecodeBoolChunk(absl::string_view chunk, size_t count, std::vector<uint8_t>* out) {
  return Decode(chunk, count, out, "boolean", encoding::DecodeBools);
}

absl::Status DecodePresenceChunk(absl::string_view chunk, size_t count, std::vector<uint8_t>* out) {
  return Decode(chunk, count, out, "presence", encoding::DecodePresenceMask);
}

}  // namespace tsw::magnetic
