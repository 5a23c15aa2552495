// Interim encodings until engine/encoding's codecs land: plain varint/raw layouts that
// are simple to verify; Zstd recovers most of the redundancy. Replacing one means adding
// an encoding id, encoding with the new codec, and keeping the old decoder.
#include "engine/magnetic/column_codec.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/magnetic/coding.h"
#include "tsw/status.h"
#include "zstd.h"

namespace tsw::magnetic {
namespace {

absl::Status Corrupt(absl::string_view column, absl::string_view detail) {
  return tsw::InternalError(absl::StrCat("corrupt ", column, " column: ", detail));
}

absl::Status WrongEncoding(absl::string_view column, ChunkEncoding encoding) {
  return Corrupt(column,
                 absl::StrCat("unexpected encoding id ", static_cast<int>(encoding)));
}

}  // namespace

ChunkEncoding EncodeTimeColumn(absl::Span<const int64_t> values, std::string* out) {
  // Modular arithmetic: every int64 sequence round-trips.
  uint64_t prev = 0;
  uint64_t prev_delta = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    uint64_t v = static_cast<uint64_t>(values[i]);
    if (i == 0) {
      PutVarint64(out, ZigZag(static_cast<int64_t>(v)));
    } else {
      uint64_t delta = v - prev;
      PutVarint64(out, ZigZag(static_cast<int64_t>(delta - prev_delta)));
      prev_delta = delta;
    }
    prev = v;
  }
  return ChunkEncoding::kVarintDeltaOfDelta;
}

absl::Status DecodeTimeColumn(ChunkEncoding encoding, absl::string_view data,
                              absl::Span<int64_t> out) {
  if (encoding != ChunkEncoding::kVarintDeltaOfDelta) return WrongEncoding("time", encoding);
  FieldReader in(data);
  uint64_t prev = 0;
  uint64_t prev_delta = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t u;
    if (!in.ReadVarint64(&u)) return Corrupt("time", "truncated");
    uint64_t x = static_cast<uint64_t>(UnZigZag(u));
    uint64_t v;
    if (i == 0) {
      v = x;
    } else {
      uint64_t delta = prev_delta + x;
      v = prev + delta;
      prev_delta = delta;
    }
    out[i] = static_cast<int64_t>(v);
    prev = v;
  }
  if (!in.empty()) return Corrupt("time", "trailing bytes");
  return absl::OkStatus();
}

ChunkEncoding EncodeIntColumn(absl::Span<const int64_t> values, std::string* out) {
  for (int64_t v : values) PutSignedVarint64(out, v);
  return ChunkEncoding::kVarintZigZag;
}

absl::Status DecodeIntColumn(ChunkEncoding encoding, absl::string_view data,
                             absl::Span<int64_t> out) {
  if (encoding != ChunkEncoding::kVarintZigZag) return WrongEncoding("integer", encoding);
  FieldReader in(data);
  for (int64_t& v : out) {
    if (!in.ReadSignedVarint64(&v)) return Corrupt("integer", "truncated");
  }
  if (!in.empty()) return Corrupt("integer", "trailing bytes");
  return absl::OkStatus();
}

ChunkEncoding EncodeDoubleColumn(absl::Span<const double> values, std::string* out) {
  for (double d : values) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    PutFixed64(out, bits);
  }
  return ChunkEncoding::kRawDoubles;
}

absl::Status DecodeDoubleColumn(ChunkEncoding encoding, absl::string_view data,
                                absl::Span<double> out) {
  if (encoding != ChunkEncoding::kRawDoubles) return WrongEncoding("double", encoding);
  if (data.size() != out.size() * 8) return Corrupt("double", "wrong length");
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t bits = LoadFixed64(data.data() + 8 * i);
    std::memcpy(&out[i], &bits, 8);
  }
  return absl::OkStatus();
}

ChunkEncoding EncodeStringColumn(absl::Span<const std::string> values, std::string* out) {
  for (const std::string& s : values) PutString(out, s);
  return ChunkEncoding::kLengthPrefixedStrings;
}

absl::Status DecodeStringColumn(ChunkEncoding encoding, absl::string_view data, size_t count,
                                std::vector<std::string>* out) {
  if (encoding != ChunkEncoding::kLengthPrefixedStrings) {
    return WrongEncoding("varchar", encoding);
  }
  // Each string costs at least one byte, so a count above the size is corrupt (and must
  // not be reserved).
  if (count > data.size()) return Corrupt("varchar", "count exceeds size");
  out->clear();
  out->reserve(count);
  FieldReader in(data);
  for (size_t i = 0; i < count; ++i) {
    absl::string_view s;
    if (!in.ReadString(&s)) return Corrupt("varchar", "truncated");
    out->emplace_back(s.data(), s.size());
  }
  if (!in.empty()) return Corrupt("varchar", "trailing bytes");
  return absl::OkStatus();
}

ChunkEncoding EncodeBitColumn(absl::Span<const uint8_t> values, std::string* out) {
  size_t start = out->size();
  out->append((values.size() + 7) / 8, '\0');
  char* bytes = out->data() + start;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] != 0) bytes[i / 8] = static_cast<char>(bytes[i / 8] | (1 << (i % 8)));
  }
  return ChunkEncoding::kBitmap;
}

absl::Status DecodeBitColumn(ChunkEncoding encoding, absl::string_view data,
                             absl::Span<uint8_t> out) {
  if (encoding != ChunkEncoding::kBitmap) return WrongEncoding("bit", encoding);
  if (data.size() != (out.size() + 7) / 8) return Corrupt("bit", "wrong length");
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = (static_cast<uint8_t>(data[i / 8]) >> (i % 8)) & 1;
  }
  // The padding bits must be zero, so each value set has exactly one encoding.
  if (out.size() % 8 != 0 &&
      (static_cast<uint8_t>(data.back()) >> (out.size() % 8)) != 0) {
    return Corrupt("bit", "nonzero padding");
  }
  return absl::OkStatus();
}

bool ZstdCompress(absl::string_view raw, int level, std::string* out) {
  size_t bound = ZSTD_compressBound(raw.size());
  out->resize(bound);
  size_t n = ZSTD_compress(out->data(), bound, raw.data(), raw.size(), level);
  if (ZSTD_isError(n)) return false;
  if (n + raw.size() / 16 >= raw.size()) return false;
  out->resize(n);
  return true;
}

absl::Status ZstdDecompress(absl::string_view stored, size_t raw_size, std::string* out) {
  unsigned long long framed = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (framed == ZSTD_CONTENTSIZE_ERROR || framed == ZSTD_CONTENTSIZE_UNKNOWN ||
      framed != raw_size) {
    return Corrupt("zstd", "frame size does not match the chunk header");
  }
  out->resize(raw_size);
  size_t n = ZSTD_decompress(out->data(), raw_size, stored.data(), stored.size());
  if (ZSTD_isError(n)) return Corrupt("zstd", ZSTD_getErrorName(n));
  if (n != raw_size) return Corrupt("zstd", "short frame");
  return absl::OkStatus();
}

}  // namespace tsw::magnetic
