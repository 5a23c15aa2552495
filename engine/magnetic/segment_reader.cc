#include "engine/magnetic/segment_reader.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "engine/common/file_util.h"
#include "engine/common/xxh3.h"
#include "tsw/status.h"

namespace tsw::magnetic {

absl::StatusOr<std::shared_ptr<const SegmentReader>> SegmentReader::Open(
    Env& env, const std::string& path, const std::optional<SegmentSummary>& expected,
    std::shared_ptr<ReadCounters> counters) {
  absl::StatusOr<std::unique_ptr<File>> file = env.OpenFile(path, OpenMode::kRead);
  if (!file.ok()) {
    if (absl::IsNotFound(file.status())) {
      return tsw::InternalError(absl::StrCat("segment file ", path, " is missing"));
    }
    return file.status();
  }
  std::shared_ptr<SegmentReader> reader(new SegmentReader(*std::move(file), std::move(counters)));
  if (absl::Status s = reader->Load(expected); !s.ok()) return s;
  // Map only after Load checked the size; an Env that cannot map reads with Read.
  absl::StatusOr<std::unique_ptr<MappedRegion>> mapping = reader->file_->MapReadOnly();
  if (mapping.ok() && (*mapping)->size() == reader->file_size_) {
    reader->mapping_ = *std::move(mapping);
  }
  return std::shared_ptr<const SegmentReader>(std::move(reader));
}

SegmentReader::SegmentReader(std::unique_ptr<File> file, std::shared_ptr<ReadCounters> counters)
    : file_(std::move(file)), path_(file_->path()), counters_(std::move(counters)) {}

absl::Status SegmentReader::Corruption(absl::string_view what, const absl::Status& problem) const {
  return tsw::InternalError(absl::StrCat("segment file ", path_, ": ", what,
                                         what.empty() ? "" : ": ", problem.message()));
}

std::string SegmentReader::BlockName(size_t stream, size_t block) const {
  const StreamEntry& s = index_.streams[stream];
  return absl::StrCat("block ", block, " of stream ", stream, " (measure ", s.measure_name,
                      ") at offset ", s.blocks[block].offset);
}

absl::Status SegmentReader::PRead(uint64_t offset, uint64_t length, std::string* out) const {
  out->resize(length);
  absl::StatusOr<size_t> n = file_->Read(offset, length, out->data());
  if (!n.ok()) return n.status();
  if (*n < length) {
    return tsw::InternalError(
        absl::StrCat("segment file ", path_, " is truncated at ", offset + *n));
  }
  return absl::OkStatus();
}

absl::Status SegmentReader::Load(const std::optional<SegmentSummary>& expected) {
  absl::StatusOr<uint64_t> size = file_->Size();
  if (!size.ok()) return size.status();
  file_size_ = *size;
  auto corrupt = [this](absl::string_view detail) {
    return tsw::InternalError(absl::StrCat("segment file ", path_, ": ", detail));
  };
  if (expected.has_value() && expected->file_size != file_size_) {
    return corrupt(
        absl::StrCat("size ", file_size_, " differs from the manifest's ", expected->file_size));
  }
  if (file_size_ < kSegmentHeaderSize + kSegmentTrailerSize) return corrupt("too short");

  std::string header;
  if (absl::Status s = PRead(0, kSegmentHeaderSize, &header); !s.ok()) return s;
  if (std::memcmp(header.data(), kSegmentHeaderMagic, 8) != 0) return corrupt("bad header magic");
  uint32_t version = DecodeFixed32(header.data() + 8);
  if (static_cast<uint32_t>(Xxh3_64(header.data(), 12)) != DecodeFixed32(header.data() + 12)) {
    return corrupt("header checksum mismatch");
  }
  if (version < kOldestSegmentFormatVersion || version > kSegmentFormatVersion) {
    return corrupt(absl::StrCat("unsupported format version ", version));
  }

  std::string trailer;
  if (absl::Status s = PRead(file_size_ - kSegmentTrailerSize, kSegmentTrailerSize, &trailer);
      !s.ok()) {
    return s;
  }
  if (std::memcmp(trailer.data() + 24, kSegmentTrailerMagic, 8) != 0) {
    return corrupt("bad trailer magic");
  }
  uint64_t footer_offset = DecodeFixed64(trailer.data());
  uint64_t footer_length = DecodeFixed64(trailer.data() + 8);
  footer_checksum_ = DecodeFixed64(trailer.data() + 16);
  uint64_t footer_space = file_size_ - kSegmentTrailerSize;
  if (footer_offset < kSegmentHeaderSize || footer_offset > footer_space ||
      footer_length != footer_space - footer_offset) {
    return corrupt("trailer points outside the file");
  }
  if (expected.has_value() && expected->footer_checksum != footer_checksum_) {
    return corrupt("footer checksum differs from the manifest's");
  }
  std::string footer;
  if (absl::Status s = PRead(footer_offset, footer_length, &footer); !s.ok()) return s;
  if (Xxh3_64(footer.data(), footer.size()) != footer_checksum_) {
    return corrupt("footer checksum mismatch");
  }
  if (absl::Status s = DecodeFooter(footer, footer_offset, file_size_, version, &index_); !s.ok()) {
    return Corruption("", s);
  }
  if (expected.has_value() && (expected->points != index_.points ||
                               (index_.points > 0 && (expected->min_time != index_.min_time ||
                                                      expected->max_time != index_.max_time)))) {
    return corrupt("footer disagrees with the manifest's time range or point count");
  }
  return absl::OkStatus();
}

std::pair<size_t, size_t> SegmentReader::FindStreams(const std::vector<Dimension>& series,
                                                     absl::string_view measure_name) const {
  auto sit = std::lower_bound(index_.series.begin(), index_.series.end(), series,
                              [](const std::vector<Dimension>& a, const std::vector<Dimension>& b) {
                                return CompareSeries(a, b) < 0;
                              });
  if (sit == index_.series.end() || CompareSeries(*sit, series) != 0) return {0, 0};
  uint32_t s = static_cast<uint32_t>(sit - index_.series.begin());
  auto first = std::lower_bound(
      index_.streams.begin(), index_.streams.end(), std::make_pair(s, measure_name),
      [](const StreamEntry& e, const std::pair<uint32_t, absl::string_view>& key) {
        if (e.series != key.first) return e.series < key.first;
        return absl::string_view(e.measure_name) < key.second;
      });
  auto last = first;
  while (last != index_.streams.end() && last->series == s && last->measure_name == measure_name) {
    ++last;
  }
  return {static_cast<size_t>(first - index_.streams.begin()),
          static_cast<size_t>(last - index_.streams.begin())};
}

absl::Status SegmentReader::ReadBlock(size_t stream, size_t block, std::string* bytes) const {
  absl::StatusOr<absl::string_view> read = BlockBytes(stream, block, bytes);
  if (!read.ok()) return read.status();
  if (read->data() != bytes->data()) bytes->assign(read->data(), read->size());
  return absl::OkStatus();
}

absl::StatusOr<absl::string_view> SegmentReader::BlockBytes(size_t stream, size_t block,
                                                            std::string* scratch) const {
  const BlockEntry& entry = index_.streams[stream].blocks[block];
  absl::string_view bytes;
  if (mapping_ != nullptr) {
    // DecodeFooter checked every block lies inside the file.
    bytes = absl::string_view(mapping_->data() + entry.offset, entry.length);
  } else {
    if (absl::Status s = PRead(entry.offset, entry.length, scratch); !s.ok()) return s;
    bytes = *scratch;
  }
  if (counters_ != nullptr) counters_->blocks_read.fetch_add(1, std::memory_order_relaxed);
  if (Xxh3_64(bytes.data(), bytes.size()) != entry.checksum) {
    return tsw::InternalError(absl::StrCat("segment file ", path_, ": ", BlockName(stream, block),
                                           ": checksum mismatch"));
  }
  return bytes;
}

namespace {

size_t Entries(const GroupDictionary& dictionary) {
  size_t n = 0;
  for (const std::vector<double>& column : dictionary.columns) n += column.size();
  return n;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const GroupDictionary>> SegmentReader::ReadDictionary(
    size_t stream, size_t block) const {
  const StreamEntry& s = index_.streams[stream];
  const DictionaryEntry& entry = s.dictionaries[s.blocks[block].dictionary - 1];
  {
    MutexLock lock(&cache_mu_);
    for (size_t i = 0; i < cache_.size(); ++i) {
      if (cache_[i].first != entry.offset) continue;
      std::rotate(cache_.begin() + i, cache_.begin() + i + 1, cache_.end());
      return cache_.back().second;
    }
  }
  std::string bytes;
  if (absl::Status st = PRead(entry.offset, entry.length, &bytes); !st.ok()) return st;
  if (Xxh3_64(bytes.data(), bytes.size()) != entry.checksum) {
    return tsw::InternalError(absl::StrCat("segment file ", path_, ": dictionary of ",
                                           BlockName(stream, block), ": checksum mismatch"));
  }
  auto dictionary = std::make_shared<GroupDictionary>();
  if (absl::Status st = DecodeGroupDictionary(bytes, s.columns, dictionary.get()); !st.ok()) {
    return Corruption(absl::StrCat("dictionary of ", BlockName(stream, block)), st);
  }
  MutexLock lock(&cache_mu_);
  cache_.emplace_back(entry.offset, dictionary);
  size_t total = 0;
  for (const auto& [offset, cached] : cache_) total += Entries(*cached);
  while (cache_.size() > 1 && total > kDictionaryCacheEntries) {
    total -= Entries(*cache_.front().second);
    cache_.erase(cache_.begin());
  }
  return std::shared_ptr<const GroupDictionary>(std::move(dictionary));
}

absl::Status SegmentReader::DecodeBlock(size_t stream, size_t block, RowBatch* out,
                                        const std::vector<bool>* wanted, DecodeScratch* scratch,
                                        const RowFilter* filter, int64_t first_time,
                                        int64_t last_time) const {
  DecodeScratch own;  // Allocates nothing unless used.
  if (scratch == nullptr) scratch = &own;
  absl::StatusOr<absl::string_view> bytes = BlockBytes(stream, block, &scratch->bytes);
  if (!bytes.ok()) return bytes.status();
  const StreamEntry& s = index_.streams[stream];
  const BlockEntry& entry = s.blocks[block];
  absl::StatusOr<BlockReader> reader = BlockReader::Parse(*bytes, s.columns.size());
  if (!reader.ok()) return Corruption(BlockName(stream, block), reader.status());
  if (counters_ != nullptr) counters_->blocks_decoded.fetch_add(1, std::memory_order_relaxed);
  std::shared_ptr<const GroupDictionary> dictionary;
  if (entry.dictionary != 0) {
    absl::StatusOr<std::shared_ptr<const GroupDictionary>> read = ReadDictionary(stream, block);
    if (!read.ok()) return read.status();
    dictionary = *std::move(read);
  }
  const size_t rows = static_cast<size_t>(entry.rows);
  if (filter == nullptr) {
    absl::Status st = reader->DecodeAll(s, rows, out, dictionary.get(), wanted);
    if (st.ok()) st = CheckBlockTimes(out->time_nanos, entry.min_time, entry.max_time);
    if (!st.ok()) return Corruption(BlockName(stream, block), st);
    return absl::OkStatus();
  }
  // A filtered decode names the columns and decodes only the range's times and versions
  // here (the whole time column is checked against the index).
  size_t first_row = 0;
  if (absl::Status st =
          reader->DecodeTimesInRange(s, rows, entry.min_time, entry.max_time, first_time, last_time,
                                     out, &first_row, &scratch->times);
      !st.ok()) {
    return Corruption(BlockName(stream, block), st);
  }
  if (absl::Status st = DecodeFiltered(*reader, s, rows, dictionary.get(), wanted, *filter,
                                       first_row, scratch, out);
      !st.ok()) {
    return Corruption(BlockName(stream, block), st);
  }
  return absl::OkStatus();
}

absl::Status SegmentReader::DecodeFiltered(const BlockReader& reader, const StreamEntry& s,
                                           size_t rows, const GroupDictionary* dictionary,
                                           const std::vector<bool>* wanted, const RowFilter& filter,
                                           size_t first_row, DecodeScratch* scratch,
                                           RowBatch* out) {
  // The filter's columns first (`first`), the others (`rest`) at the rows it keeps.
  std::vector<bool> first(s.columns.size()), rest(s.columns.size());
  for (size_t c = 0; c < s.columns.size(); ++c) {
    const bool w = wanted == nullptr || (*wanted)[c];
    const bool read = std::find(filter.attributes.begin(), filter.attributes.end(),
                                s.columns[c].name) != filter.attributes.end();
    first[c] = w && read;
    rest[c] = w && !read;
  }
  // Only the rows in the time range are decoded: `in_range` of the block's, from
  // first_row on (out's times).
  const size_t lo = first_row;
  std::vector<uint32_t>& in_range = scratch->in_range;
  in_range.resize(out->time_nanos.size());
  std::iota(in_range.begin(), in_range.end(), static_cast<uint32_t>(lo));
  out->measure_value_type = s.type;
  if (in_range.empty()) return absl::OkStatus();
  if (absl::Status st = reader.DecodeColumns(s, rows, out, dictionary, &first, &in_range, scratch);
      !st.ok()) {
    return st;
  }
  std::vector<uint32_t>& keep = scratch->keep;
  keep.clear();
  if (!filter.select(*out, &keep)) {
    // The filter failed on these rows: all of them, whole.
    return reader.DecodeColumns(s, rows, out, dictionary, &rest, &in_range, scratch);
  }
  if (keep.size() < in_range.size()) KeepRows(keep, out);
  if (keep.empty()) return absl::OkStatus();  // The other columns stay undecoded.
  // The other columns at the kept rows only (a codec decodes only as far as it needs).
  for (uint32_t& row : keep) row += static_cast<uint32_t>(lo);
  return reader.DecodeColumns(s, rows, out, dictionary, &rest, &keep, scratch);
}

bool SegmentReader::MayMatch(size_t stream, size_t block,
                             const std::vector<ValueBound>& bounds) const {
  const StreamEntry& s = index_.streams[stream];
  if (s.type != MeasureValueType::kMulti || index_.version < 3) return true;
  for (const ValueBound& bound : bounds) {
    if (!HasValueSummary(bound.type)) continue;
    auto it = std::lower_bound(s.columns.begin(), s.columns.end(),
                               ColumnSpec{bound.attribute, bound.type}, ColumnLess);
    const bool has_column =
        it != s.columns.end() && it->name == bound.attribute && it->type == bound.type;
    const ValueSummary* summary =
        has_column ? BlockSummary(s, block, static_cast<size_t>(it - s.columns.begin())) : nullptr;
    if (has_column && summary == nullptr) continue;  // Not known (cannot happen in version 3).
    if (!has_column || !SummaryMayMeet(bound.type, *summary, bound)) {
      if (counters_ != nullptr) counters_->blocks_skipped.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }
  return true;
}

absl::Status SegmentReader::CheckSummaries(size_t stream, size_t block,
                                           const RowBatch& decoded) const {
  const StreamEntry& s = index_.streams[stream];
  for (size_t c = 0; c < s.columns.size() && c < decoded.columns.size(); ++c) {
    const ValueSummary* stored = BlockSummary(s, block, c);
    if (stored == nullptr) continue;
    const RowColumn& column = decoded.columns[c];
    if (!SameValueSummary(s.columns[c].type, *stored,
                          SummarizeValues(column, 0, decoded.time_nanos.size()))) {
      return tsw::InternalError(absl::StrCat("segment file ", path_, ": ", BlockName(stream, block),
                                             ": value summary of column ", s.columns[c].name,
                                             " disagrees with its values"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RowBatch>> SegmentReader::FindRow(size_t stream, size_t block,
                                                               int64_t time) const {
  const StreamEntry& s = index_.streams[stream];
  const BlockEntry& entry = s.blocks[block];
  if (time < entry.min_time || time > entry.max_time) return std::nullopt;
  std::string scratch;
  absl::StatusOr<absl::string_view> bytes = BlockBytes(stream, block, &scratch);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<BlockReader> reader = BlockReader::Parse(*bytes, s.columns.size());
  if (!reader.ok()) return Corruption(BlockName(stream, block), reader.status());
  if (!reader->MayContain(RowKeyHash(s.hash, time))) return std::nullopt;
  if (counters_ != nullptr) counters_->blocks_decoded.fetch_add(1, std::memory_order_relaxed);
  std::vector<int64_t> times;
  if (absl::Status st = reader->DecodeTimes(static_cast<size_t>(entry.rows), &times); !st.ok()) {
    return Corruption(BlockName(stream, block), st);
  }
  auto it = std::lower_bound(times.begin(), times.end(), time);
  if (it == times.end() || *it != time) return std::nullopt;
  size_t row = static_cast<size_t>(it - times.begin());
  // The dictionary is read only once the row is known to be here.
  std::shared_ptr<const GroupDictionary> dictionary;
  if (entry.dictionary != 0) {
    absl::StatusOr<std::shared_ptr<const GroupDictionary>> read = ReadDictionary(stream, block);
    if (!read.ok()) return read.status();
    dictionary = *std::move(read);
  }
  RowBatch all;
  if (absl::Status st =
          reader->DecodeAll(s, static_cast<size_t>(entry.rows), &all, dictionary.get());
      !st.ok()) {
    return Corruption(BlockName(stream, block), st);
  }
  return std::optional<RowBatch>(CopyRow(all, row));
}

}  // namespace tsw::magnetic
