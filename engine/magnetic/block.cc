#include "engine/magnetic/block.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "engine/magnetic/bloom_filter.h"
#include "tsw/status.h"

namespace tsw::magnetic {
namespace {

// Appends `chunk` with its length prefix, counting the prefix as index bytes.
void AppendChunk(absl::string_view chunk, ByteKind kind, std::string* out, ByteKindCounts* counts) {
  size_t start = out->size();
  PutVarint64(out, chunk.size());
  (*counts)[static_cast<size_t>(ByteKind::kIndex)] += out->size() - start;
  out->append(chunk.data(), chunk.size());
  (*counts)[static_cast<size_t>(kind)] += chunk.size();
}

absl::Status CorruptBlock(absl::string_view detail) {
  return tsw::InternalError(absl::StrCat("corrupt block: ", detail));
}

// The values of `all` at the rows where `present` is set (all of them when count == n).
template <typename T>
absl::Span<const T> Dense(absl::Span<const T> all, absl::Span<const uint8_t> present, size_t count,
                          std::vector<T>* storage) {
  if (count == all.size()) return all;
  storage->clear();
  storage->reserve(count);
  for (size_t i = 0; i < all.size(); ++i) {
    if (present[i]) storage->push_back(all[i]);
  }
  return *storage;
}

// Spreads `dense` over the rows where `present` is set into *out (`rows` long).
template <typename T>
void Scatter(std::vector<T>&& dense, const std::vector<uint8_t>& present, size_t rows,
             std::vector<T>* out) {
  if (dense.size() == rows) {
    *out = std::move(dense);
    return;
  }
  out->assign(rows, T());
  for (size_t i = 0, j = 0; i < rows; ++i) {
    if (present[i]) (*out)[i] = std::move(dense[j++]);
  }
}

// Keeps rows `at` (ascending) of a column's presence and values.
void Gather(const std::vector<uint32_t>& at, RowColumn* column) {
  auto gather = [&at](auto& values) {
    if (values.empty()) return;
    for (size_t j = 0; j < at.size(); ++j) {
      if (at[j] != j) values[j] = std::move(values[at[j]]);  // Never a self-move.
    }
    values.resize(at.size());
  };
  gather(column->present);
  gather(column->doubles);
  gather(column->ints);
  gather(column->strings);
}

// The chunk of a DOUBLE column's present values: codes into `entries` when that is
// smaller than the column alone (adding the bytes saved to *saved), else the column.
absl::Status AppendDoubles(absl::Span<const double> values, const std::vector<double>* entries,
                           int level, std::string* chunk, int64_t* saved) {
  if (absl::Status s = AppendDoubleChunk(values, level, chunk); !s.ok()) return s;
  if (entries == nullptr || entries->empty()) return absl::OkStatus();
  std::vector<int64_t> codes(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const uint64_t key = DictionaryOrderKey(values[i]);
    auto it = std::lower_bound(entries->begin(), entries->end(), key, [](double entry, uint64_t k) {
      return DictionaryOrderKey(entry) < k;
    });
    if (it == entries->end() || DictionaryOrderKey(*it) != key) return absl::OkStatus();
    codes[i] = it - entries->begin();
  }
  std::string coded;
  if (absl::Status s = AppendDoubleCodesChunk(codes, level, &coded); !s.ok()) return s;
  if (coded.size() < chunk->size()) {
    *saved += static_cast<int64_t>(chunk->size() - coded.size());
    *chunk = std::move(coded);
  }
  return absl::OkStatus();
}

// out->columns: one per column of `stream`, named and typed, with no values yet (a reused
// batch keeps its vectors' capacity).
void NameEmptyColumns(const StreamEntry& stream, RowBatch* out) {
  out->columns.resize(stream.columns.size());
  for (size_t c = 0; c < stream.columns.size(); ++c) {
    RowColumn& column = out->columns[c];
    column.name = stream.columns[c].name;
    column.type = stream.columns[c].type;
    column.present.clear();
    column.doubles.clear();
    column.ints.clear();
    column.strings.clear();
  }
}

}  // namespace

bool GroupDictionary::empty() const {
  for (const std::vector<double>& entries : columns) {
    if (!entries.empty()) return false;
  }
  return true;
}

absl::Status EncodeGroupDictionary(const GroupDictionary& dictionary, int zstd_level,
                                   std::string* out, ByteKindCounts* counts) {
  std::string chunk;
  for (const std::vector<double>& entries : dictionary.columns) {
    chunk.clear();
    if (!entries.empty()) {
      if (absl::Status s = AppendDoubleDictionaryChunk(entries, zstd_level, &chunk); !s.ok()) {
        return s;
      }
    }
    AppendChunk(chunk, ByteKind::kDouble, out, counts);
  }
  return absl::OkStatus();
}

absl::Status DecodeGroupDictionary(absl::string_view bytes, const std::vector<ColumnSpec>& columns,
                                   GroupDictionary* out) {
  out->columns.assign(columns.size(), {});
  ByteReader in(bytes);
  bool any = false;
  for (size_t c = 0; c < columns.size(); ++c) {
    absl::string_view chunk;
    if (!in.ReadLengthPrefixed(&chunk)) return CorruptBlock("truncated dictionary");
    if (chunk.empty()) continue;
    if (columns[c].type != MeasureValueType::kDouble) {
      return CorruptBlock("dictionary entries for a column that is not DOUBLE");
    }
    if (absl::Status s = DecodeDoubleDictionaryChunk(chunk, &out->columns[c]); !s.ok()) return s;
    any = true;
  }
  if (!in.empty()) return CorruptBlock("trailing bytes in a dictionary");
  if (!any) return CorruptBlock("a dictionary without entries");
  return absl::OkStatus();
}

absl::Status EncodeBlock(const RowBatch& rows, size_t begin, size_t end, uint64_t stream_hash,
                         const BlockEncodeOptions& options, std::string* out,
                         ByteKindCounts* counts, const GroupDictionary* dictionary,
                         std::vector<int64_t>* saved) {
  const size_t n = end - begin;
  const int level = options.zstd_level;
  std::string chunk;

  if (options.filter_bits_per_key > 0) {
    std::vector<uint64_t> hashes;
    hashes.reserve(n);
    for (size_t i = begin; i < end; ++i) {
      hashes.push_back(RowKeyHash(stream_hash, rows.time_nanos[i]));
    }
    BuildBloomFilter(hashes, options.filter_bits_per_key, &chunk);
  }
  AppendChunk(chunk, ByteKind::kFilter, out, counts);  // Empty: no filter.

  chunk.clear();
  if (absl::Status s =
          AppendTimeChunk(absl::MakeConstSpan(rows.time_nanos).subspan(begin, n), level, &chunk);
      !s.ok()) {
    return s;
  }
  AppendChunk(chunk, ByteKind::kTime, out, counts);

  chunk.clear();
  if (absl::Status s =
          AppendIntChunk(absl::MakeConstSpan(rows.versions).subspan(begin, n), level, &chunk);
      !s.ok()) {
    return s;
  }
  AppendChunk(chunk, ByteKind::kVersion, out, counts);

  for (size_t c = 0; c < rows.columns.size(); ++c) {
    const RowColumn& column = rows.columns[c];
    absl::Span<const uint8_t> present = absl::MakeConstSpan(column.present).subspan(begin, n);
    std::vector<uint8_t> bits(present.begin(), present.end());
    size_t count = 0;
    for (uint8_t& b : bits) {
      b = b != 0;
      count += b;
    }
    chunk.clear();
    if (count < n) {
      if (absl::Status s = AppendPresenceChunk(bits, level, &chunk); !s.ok()) return s;
    }
    AppendChunk(chunk, ByteKind::kPresence, out, counts);

    chunk.clear();
    absl::Status s;
    switch (column.type) {
      case MeasureValueType::kDouble: {
        std::vector<double> storage;
        const std::vector<double>* entries = dictionary != nullptr && c < dictionary->columns.size()
                                                 ? &dictionary->columns[c]
                                                 : nullptr;
        int64_t saved_here = 0;
        s = AppendDoubles(
            Dense(absl::MakeConstSpan(column.doubles).subspan(begin, n), bits, count, &storage),
            entries, level, &chunk, &saved_here);
        if (saved != nullptr && c < saved->size()) (*saved)[c] += saved_here;
        break;
      }
      case MeasureValueType::kBigint:
      case MeasureValueType::kTimestamp: {
        std::vector<int64_t> storage;
        s = AppendIntChunk(
            Dense(absl::MakeConstSpan(column.ints).subspan(begin, n), bits, count, &storage), level,
            &chunk);
        break;
      }
      case MeasureValueType::kBoolean: {
        std::vector<uint8_t> dense;
        dense.reserve(count);
        for (size_t i = 0; i < n; ++i) {
          if (bits[i]) dense.push_back(column.ints[begin + i] != 0);
        }
        s = AppendBoolChunk(dense, level, &chunk);
        break;
      }
      case MeasureValueType::kVarchar: {
        std::vector<std::string> storage;
        s = AppendStringChunk(
            Dense(absl::MakeConstSpan(column.strings).subspan(begin, n), bits, count, &storage),
            level, &chunk);
        break;
      }
      case MeasureValueType::kMulti:
        s = tsw::InternalError("a column of type MULTI");
        break;
    }
    if (!s.ok()) return s;
    AppendChunk(chunk, ValueByteKind(column.type), out, counts);
  }
  return absl::OkStatus();
}

RowBatch CopyRow(const RowBatch& rows, size_t row) {
  RowBatch one;
  one.time_nanos.push_back(rows.time_nanos[row]);
  one.versions.push_back(rows.versions[row]);
  one.columns.resize(rows.columns.size());
  for (size_t c = 0; c < rows.columns.size(); ++c) {
    const RowColumn& from = rows.columns[c];
    RowColumn& to = one.columns[c];
    to.name = from.name;
    to.type = from.type;
    to.present.push_back(from.present[row]);
    switch (from.type) {
      case MeasureValueType::kDouble:
        to.doubles.push_back(from.doubles[row]);
        break;
      case MeasureValueType::kVarchar:
        to.strings.push_back(from.strings[row]);
        break;
      default:
        to.ints.push_back(from.ints[row]);
        break;
    }
  }
  return one;
}

absl::Status CheckBlockTimes(absl::Span<const int64_t> times, int64_t min_time, int64_t max_time) {
  bool ok = !times.empty() && times.front() == min_time && times.back() == max_time;
  for (size_t i = 1; ok && i < times.size(); ++i) ok = times[i - 1] < times[i];
  return ok ? absl::OkStatus() : tsw::InternalError("times disagree with the index");
}

absl::StatusOr<BlockReader> BlockReader::Parse(absl::string_view block, size_t num_columns) {
  BlockReader reader;
  const size_t expected = 3 + 2 * num_columns;
  reader.chunks_.reserve(expected);
  ByteReader in(block);
  while (!in.empty()) {
    if (reader.chunks_.size() == expected) return CorruptBlock("trailing bytes");
    absl::string_view chunk;
    if (!in.ReadLengthPrefixed(&chunk)) return CorruptBlock("truncated chunk");
    reader.chunks_.push_back(chunk);
  }
  if (reader.chunks_.size() != expected) return CorruptBlock("missing chunks");
  return reader;
}

bool BlockReader::MayContain(uint64_t row_key_hash) const {
  return chunks_[0].empty() || BloomMayContain(chunks_[0], row_key_hash);
}

absl::Status BlockReader::DecodeTimes(size_t rows, std::vector<int64_t>* out) const {
  return DecodeTimeChunk(chunks_[1], rows, out);
}

absl::Status BlockReader::DecodeColumn(size_t column, const ColumnSpec& spec, size_t rows,
                                       const std::vector<uint32_t>* at,
                                       const std::vector<double>* dictionary,
                                       DecodeScratch* scratch, RowColumn* out) const {
  out->name = spec.name;
  out->type = spec.type;
  out->doubles.clear();
  out->ints.clear();
  out->strings.clear();

  absl::string_view presence = chunks_[3 + 2 * column];
  size_t count = rows;
  if (presence.empty()) {
    out->present.assign(rows, 1);
  } else {
    if (absl::Status s = DecodePresenceChunk(presence, rows, &out->present); !s.ok()) return s;
    count = 0;
    for (uint8_t p : out->present) count += p;
  }

  absl::string_view values = chunks_[4 + 2 * column];
  if (at == nullptr) return DecodeValues(spec, values, count, rows, dictionary, out);
  if (spec.type != MeasureValueType::kDouble) {
    // Other types decode whole, then are gathered at the rows.
    if (absl::Status s = DecodeValues(spec, values, count, rows, dictionary, out); !s.ok()) {
      return s;
    }
    Gather(*at, out);
    return absl::OkStatus();
  }
  // The values of the present rows among `at`: their places among the present values.
  // The buffers are the scratch's (a scan's), swapped with the column's, so a scan's
  // columns and its scratch trade the same few buffers instead of allocating per block.
  DecodeScratch own;
  DecodeScratch& buffers = scratch != nullptr ? *scratch : own;
  std::vector<uint8_t>& present = buffers.present;
  std::vector<uint32_t>& dense = buffers.dense;
  if (presence.empty()) {
    present.assign(at->size(), 1);
    dense.assign(at->begin(), at->end());
  } else {
    present.resize(at->size());  // Every entry is written below.
    dense.clear();
    uint32_t before = 0;  // Present rows before row `next`.
    size_t next = 0;
    for (size_t j = 0; j < at->size(); ++j) {
      for (const size_t row = (*at)[j]; next < row; ++next) before += out->present[next];
      present[j] = out->present[(*at)[j]];
      if (present[j]) dense.push_back(before);
    }
  }
  std::vector<double>& got = buffers.values;
  if (absl::Status s = DecodeDoubleChunkAt(values, count, dense, &got, dictionary); !s.ok()) {
    return s;
  }
  out->present.swap(present);
  if (got.size() == at->size()) {
    out->doubles.swap(got);
  } else {
    out->doubles.assign(at->size(), 0.0);
    for (size_t j = 0, k = 0; j < at->size(); ++j) {
      if (out->present[j]) out->doubles[j] = got[k++];
    }
  }
  return absl::OkStatus();
}

absl::Status BlockReader::DecodeValues(const ColumnSpec& spec, absl::string_view values,
                                       size_t count, size_t rows,
                                       const std::vector<double>* dictionary, RowColumn* out) {
  switch (spec.type) {
    case MeasureValueType::kDouble: {
      std::vector<double> dense;
      if (absl::Status s = DecodeDoubleChunk(values, count, &dense, dictionary); !s.ok()) {
        return s;
      }
      Scatter(std::move(dense), out->present, rows, &out->doubles);
      return absl::OkStatus();
    }
    case MeasureValueType::kBigint:
    case MeasureValueType::kTimestamp: {
      std::vector<int64_t> dense;
      if (absl::Status s = DecodeIntChunk(values, count, &dense); !s.ok()) return s;
      Scatter(std::move(dense), out->present, rows, &out->ints);
      return absl::OkStatus();
    }
    case MeasureValueType::kBoolean: {
      std::vector<uint8_t> bits;
      if (absl::Status s = DecodeBoolChunk(values, count, &bits); !s.ok()) return s;
      std::vector<int64_t> dense(bits.begin(), bits.end());
      Scatter(std::move(dense), out->present, rows, &out->ints);
      return absl::OkStatus();
    }
    case MeasureValueType::kVarchar: {
      std::vector<std::string> dense;
      if (absl::Status s = DecodeStringChunk(values, count, &dense); !s.ok()) return s;
      Scatter(std::move(dense), out->present, rows, &out->strings);
      return absl::OkStatus();
    }
    case MeasureValueType::kMulti:
      break;
  }
  return CorruptBlock("column of type MULTI");
}

absl::Status BlockReader::DecodeAll(const StreamEntry& stream, size_t rows, RowBatch* out,
                                    const GroupDictionary* dictionary,
                                    const std::vector<bool>* wanted) const {
  if (absl::Status s = DecodeTimes(rows, &out->time_nanos); !s.ok()) return s;
  if (absl::Status s = DecodeIntChunk(chunks_[2], rows, &out->versions); !s.ok()) return s;
  NameEmptyColumns(stream, out);
  return DecodeColumns(stream, rows, out, dictionary, wanted);
}

absl::Status BlockReader::DecodeTimesInRange(const StreamEntry& stream, size_t rows,
                                             int64_t min_time, int64_t max_time, int64_t first_time,
                                             int64_t last_time, RowBatch* out, size_t* first_row,
                                             std::vector<int64_t>* buffer) const {
  // Grown only (zero-filled only then): the decoders write every value of the span.
  if (buffer->size() < rows) buffer->resize(rows);
  const absl::Span<int64_t> decoded(buffer->data(), rows);
  if (absl::Status s = DecodeInt64ChunkInto(chunks_[1], decoded); !s.ok()) return s;
  if (absl::Status s = CheckBlockTimes(decoded, min_time, max_time); !s.ok()) return s;
  const size_t lo = static_cast<size_t>(
      std::lower_bound(decoded.begin(), decoded.end(), first_time) - decoded.begin());
  const size_t hi = static_cast<size_t>(
      std::upper_bound(decoded.begin() + lo, decoded.end(), last_time) - decoded.begin());
  out->time_nanos.assign(decoded.begin() + lo, decoded.begin() + hi);
  if (absl::Status s = DecodeInt64ChunkRange(chunks_[2], rows, lo, hi, &out->versions); !s.ok()) {
    return s;
  }
  *first_row = lo;
  NameEmptyColumns(stream, out);
  return absl::OkStatus();
}

absl::Status BlockReader::DecodeColumns(const StreamEntry& stream, size_t rows, RowBatch* out,
                                        const GroupDictionary* dictionary,
                                        const std::vector<bool>* which,
                                        const std::vector<uint32_t>* at,
                                        DecodeScratch* scratch) const {
  for (size_t c = 0; c < stream.columns.size(); ++c) {
    if (which != nullptr && (c >= which->size() || !(*which)[c])) continue;
    const std::vector<double>* entries =
        dictionary != nullptr && c < dictionary->columns.size() && !dictionary->columns[c].empty()
            ? &dictionary->columns[c]
            : nullptr;
    if (absl::Status s =
            DecodeColumn(c, stream.columns[c], rows, at, entries, scratch, &out->columns[c]);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace tsw::magnetic
