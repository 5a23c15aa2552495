#include "engine/magnetic/block.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/magnetic/bloom_filter.h"
#include "engine/magnetic/coding.h"
#include "tsw/status.h"

namespace tsw::magnetic {
namespace {

// No chunk expands beyond this; a larger recorded size is corrupt, not an allocation.
constexpr uint64_t kMaxChunkRawSize = uint64_t{1} << 31;
// Chunks smaller than this are never worth a Zstd frame.
constexpr size_t kMinCompressSize = 64;

void AppendChunk(ChunkEncoding encoding, absl::string_view raw, int zstd_level, ByteKind kind,
                 std::string* out, ByteKindCounts* counts) {
  std::string compressed;
  bool zstd = zstd_level != 0 && raw.size() >= kMinCompressSize &&
              ZstdCompress(raw, zstd_level, &compressed);
  absl::string_view stored = zstd ? absl::string_view(compressed) : raw;
  size_t header_start = out->size();
  out->push_back(static_cast<char>(encoding));
  out->push_back(static_cast<char>(zstd ? 1 : 0));
  PutVarint64(out, raw.size());
  PutVarint64(out, stored.size());
  (*counts)[static_cast<size_t>(ByteKind::kIndex)] += out->size() - header_start;
  out->append(stored.data(), stored.size());
  (*counts)[static_cast<size_t>(kind)] += stored.size();
}

absl::Status CorruptBlock(absl::string_view detail) {
  return tsw::InternalError(absl::StrCat("corrupt block: ", detail));
}

}  // namespace

void EncodeBlock(const ScanBatch& rows, size_t begin, size_t end, uint64_t stream_hash,
                 const BlockEncodeOptions& options, std::string* out, ByteKindCounts* counts) {
  const size_t n = end - begin;
  std::string raw;

  std::vector<uint64_t> hashes;
  hashes.reserve(n);
  for (size_t i = begin; i < end; ++i) {
    hashes.push_back(RowKeyHash(stream_hash, rows.time_nanos[i]));
  }
  BuildBloomFilter(hashes, options.filter_bits_per_key, &raw);
  AppendChunk(ChunkEncoding::kBloomFilter, raw, 0, ByteKind::kFilter, out, counts);

  raw.clear();
  ChunkEncoding encoding =
      EncodeTimeColumn(absl::MakeConstSpan(rows.time_nanos).subspan(begin, n), &raw);
  AppendChunk(encoding, raw, options.zstd_level, ByteKind::kTime, out, counts);

  raw.clear();
  encoding = EncodeIntColumn(absl::MakeConstSpan(rows.versions).subspan(begin, n), &raw);
  AppendChunk(encoding, raw, options.zstd_level, ByteKind::kVersion, out, counts);

  for (const ScanColumn& column : rows.columns) {
    absl::Span<const uint8_t> present = absl::MakeConstSpan(column.present).subspan(begin, n);
    size_t count = 0;
    for (uint8_t p : present) count += p != 0;
    raw.clear();
    if (count == n) {
      AppendChunk(ChunkEncoding::kAllPresent, raw, 0, ByteKind::kPresence, out, counts);
    } else {
      std::vector<uint8_t> bits(present.begin(), present.end());
      for (uint8_t& b : bits) b = b != 0;
      encoding = EncodeBitColumn(bits, &raw);
      AppendChunk(encoding, raw, options.zstd_level, ByteKind::kPresence, out, counts);
    }

    raw.clear();
    switch (column.type) {
      case MeasureValueType::kDouble: {
        absl::Span<const double> all = absl::MakeConstSpan(column.doubles).subspan(begin, n);
        if (count == n) {
          encoding = EncodeDoubleColumn(all, &raw);
        } else {
          std::vector<double> dense;
          dense.reserve(count);
          for (size_t i = 0; i < n; ++i) {
            if (present[i]) dense.push_back(all[i]);
          }
          encoding = EncodeDoubleColumn(dense, &raw);
        }
        break;
      }
      case MeasureValueType::kBigint:
      case MeasureValueType::kTimestamp: {
        absl::Span<const int64_t> all = absl::MakeConstSpan(column.ints).subspan(begin, n);
        if (count == n) {
          encoding = EncodeIntColumn(all, &raw);
        } else {
          std::vector<int64_t> dense;
          dense.reserve(count);
          for (size_t i = 0; i < n; ++i) {
            if (present[i]) dense.push_back(all[i]);
          }
          encoding = EncodeIntColumn(dense, &raw);
        }
        break;
      }
      case MeasureValueType::kBoolean: {
        std::vector<uint8_t> dense;
        dense.reserve(count);
        for (size_t i = 0; i < n; ++i) {
          if (present[i]) dense.push_back(column.ints[begin + i] != 0);
        }
        encoding = EncodeBitColumn(dense, &raw);
        break;
      }
      case MeasureValueType::kVarchar: {
        absl::Span<const std::string> all =
            absl::MakeConstSpan(column.strings).subspan(begin, n);
        if (count == n) {
          encoding = EncodeStringColumn(all, &raw);
        } else {
          std::vector<std::string> dense;
          dense.reserve(count);
          for (size_t i = 0; i < n; ++i) {
            if (present[i]) dense.push_back(all[i]);
          }
          encoding = EncodeStringColumn(dense, &raw);
        }
        break;
      }
      case MeasureValueType::kMulti:
        break;  // Never a column type (validated by the writer).
    }
    AppendChunk(encoding, raw, options.zstd_level, ValueByteKind(column.type), out, counts);
  }
}

absl::StatusOr<BlockReader> BlockReader::Parse(absl::string_view block, size_t num_columns) {
  BlockReader reader;
  const size_t expected = 3 + 2 * num_columns;
  reader.chunks_.reserve(expected);
  FieldReader in(block);
  while (!in.empty()) {
    if (reader.chunks_.size() == expected) return CorruptBlock("trailing bytes");
    uint8_t encoding;
    uint8_t compression;
    Chunk chunk;
    uint64_t stored_size;
    if (!in.ReadByte(&encoding) || !in.ReadByte(&compression) ||
        !in.ReadVarint64(&chunk.raw_size) || !in.ReadVarint64(&stored_size)) {
      return CorruptBlock("truncated chunk header");
    }
    if (compression > 1) return CorruptBlock("unknown compression");
    if (chunk.raw_size > kMaxChunkRawSize) return CorruptBlock("chunk too large");
    if (compression == 0 && stored_size != chunk.raw_size) {
      return CorruptBlock("raw chunk with two sizes");
    }
    if (stored_size > in.remaining() ||
        !in.ReadBytes(static_cast<size_t>(stored_size), &chunk.stored)) {
      return CorruptBlock("truncated chunk");
    }
    chunk.encoding = static_cast<ChunkEncoding>(encoding);
    chunk.zstd = compression == 1;
    reader.chunks_.push_back(chunk);
  }
  if (reader.chunks_.size() != expected) return CorruptBlock("missing chunks");
  if (reader.chunks_[0].encoding != ChunkEncoding::kBloomFilter || reader.chunks_[0].zstd) {
    return CorruptBlock("first chunk is not a key filter");
  }
  return reader;
}

absl::StatusOr<absl::string_view> BlockReader::Payload(const Chunk& chunk,
                                                       std::string* scratch) const {
  if (!chunk.zstd) return chunk.stored;
  if (absl::Status s = ZstdDecompress(chunk.stored, chunk.raw_size, scratch); !s.ok()) {
    return s;
  }
  return absl::string_view(*scratch);
}

bool BlockReader::MayContain(uint64_t row_key_hash) const {
  return BloomMayContain(chunks_[0].stored, row_key_hash);
}

absl::Status BlockReader::DecodeTimes(size_t rows, std::vector<int64_t>* out) const {
  std::string scratch;
  absl::StatusOr<absl::string_view> payload = Payload(chunks_[1], &scratch);
  if (!payload.ok()) return payload.status();
  out->resize(rows);
  return DecodeTimeColumn(chunks_[1].encoding, *payload, absl::MakeSpan(*out));
}

absl::Status BlockReader::DecodeColumn(size_t column, const ColumnSpec& spec, size_t rows,
                                       ScanColumn* out) const {
  out->name = spec.name;
  out->type = spec.type;
  out->doubles.clear();
  out->ints.clear();
  out->strings.clear();
  std::string scratch;

  const Chunk& presence = chunks_[3 + 2 * column];
  out->present.assign(rows, 1);
  size_t count = rows;
  if (presence.encoding == ChunkEncoding::kAllPresent) {
    if (presence.raw_size != 0 || presence.zstd) return CorruptBlock("presence with bytes");
  } else {
    absl::StatusOr<absl::string_view> payload = Payload(presence, &scratch);
    if (!payload.ok()) return payload.status();
    if (absl::Status s = DecodeBitColumn(presence.encoding, *payload, absl::MakeSpan(out->present));
        !s.ok()) {
      return s;
    }
    count = 0;
    for (uint8_t p : out->present) count += p;
  }

  const Chunk& values = chunks_[4 + 2 * column];
  absl::StatusOr<absl::string_view> payload = Payload(values, &scratch);
  if (!payload.ok()) return payload.status();
  const std::vector<uint8_t>& present = out->present;
  switch (spec.type) {
    case MeasureValueType::kDouble: {
      std::vector<double> dense(count);
      if (absl::Status s = DecodeDoubleColumn(values.encoding, *payload, absl::MakeSpan(dense));
          !s.ok()) {
        return s;
      }
      if (count == rows) {
        out->doubles = std::move(dense);
      } else {
        out->doubles.assign(rows, 0.0);
        for (size_t i = 0, j = 0; i < rows; ++i) {
          if (present[i]) out->doubles[i] = dense[j++];
        }
      }
      return absl::OkStatus();
    }
    case MeasureValueType::kBigint:
    case MeasureValueType::kTimestamp:
    case MeasureValueType::kBoolean: {
      std::vector<int64_t> dense(count);
      if (spec.type == MeasureValueType::kBoolean) {
        std::vector<uint8_t> bits(count);
        if (absl::Status s = DecodeBitColumn(values.encoding, *payload, absl::MakeSpan(bits));
            !s.ok()) {
          return s;
        }
        for (size_t i = 0; i < count; ++i) dense[i] = bits[i];
      } else if (absl::Status s =
                     DecodeIntColumn(values.encoding, *payload, absl::MakeSpan(dense));
                 !s.ok()) {
        return s;
      }
      if (count == rows) {
        out->ints = std::move(dense);
      } else {
        out->ints.assign(rows, 0);
        for (size_t i = 0, j = 0; i < rows; ++i) {
          if (present[i]) out->ints[i] = dense[j++];
        }
      }
      return absl::OkStatus();
    }
    case MeasureValueType::kVarchar: {
      std::vector<std::string> dense;
      if (absl::Status s = DecodeStringColumn(values.encoding, *payload, count, &dense);
          !s.ok()) {
        return s;
      }
      if (count == rows) {
        out->strings = std::move(dense);
      } else {
        out->strings.assign(rows, std::string());
        for (size_t i = 0, j = 0; i < rows; ++i) {
          if (present[i]) out->strings[i] = std::move(dense[j++]);
        }
      }
      return absl::OkStatus();
    }
    case MeasureValueType::kMulti:
      break;
  }
  return CorruptBlock("column of type MULTI");
}

absl::Status BlockReader::DecodeAll(const StreamEntry& stream, size_t rows,
                                    ScanBatch* out) const {
  if (absl::Status s = DecodeTimes(rows, &out->time_nanos); !s.ok()) return s;
  std::string scratch;
  absl::StatusOr<absl::string_view> payload = Payload(chunks_[2], &scratch);
  if (!payload.ok()) return payload.status();
  out->versions.resize(rows);
  if (absl::Status s =
          DecodeIntColumn(chunks_[2].encoding, *payload, absl::MakeSpan(out->versions));
      !s.ok()) {
    return s;
  }
  out->columns.resize(stream.columns.size());
  for (size_t c = 0; c < stream.columns.size(); ++c) {
    if (absl::Status s = DecodeColumn(c, stream.columns[c], rows, &out->columns[c]); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace tsw::magnetic
