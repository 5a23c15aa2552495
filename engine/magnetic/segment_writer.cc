#include "engine/magnetic/segment_writer.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "engine/common/file_util.h"
#include "engine/common/xxh3.h"
#include "tsw/status.h"

namespace tsw::magnetic {
namespace {

constexpr size_t kWriteBufferSize = 1 << 20;

absl::Status BadInput(absl::string_view detail) {
  return tsw::InternalError(absl::StrCat("magnetic segment writer: ", detail));
}

// The vector of `column` that holds values of its type.
size_t ValueCount(const RowColumn& column) {
  switch (column.type) {
    case MeasureValueType::kDouble:
      return column.doubles.size();
    case MeasureValueType::kVarchar:
      return column.strings.size();
    default:
      return column.ints.size();
  }
}

void AppendPlaceholders(RowColumn* column, size_t n) {
  switch (column->type) {
    case MeasureValueType::kDouble:
      column->doubles.resize(column->doubles.size() + n);
      break;
    case MeasureValueType::kVarchar:
      column->strings.resize(column->strings.size() + n);
      break;
    default:
      column->ints.resize(column->ints.size() + n);
      break;
  }
}

void AppendValues(const RowColumn& from, size_t begin, size_t end, RowColumn* to) {
  switch (to->type) {
    case MeasureValueType::kDouble:
      to->doubles.insert(to->doubles.end(), from.doubles.begin() + begin,
                         from.doubles.begin() + end);
      break;
    case MeasureValueType::kVarchar:
      to->strings.insert(to->strings.end(), from.strings.begin() + begin,
                         from.strings.begin() + end);
      break;
    default:
      to->ints.insert(to->ints.end(), from.ints.begin() + begin, from.ints.begin() + end);
      break;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(
    const std::string& path, const SegmentWriterOptions& options) {
  Env& env = options.env != nullptr ? *options.env : *Env::Default();
  absl::StatusOr<std::unique_ptr<File>> file = env.OpenFile(path, OpenMode::kCreateExclusive);
  if (!file.ok()) return file.status();
  std::unique_ptr<SegmentWriter> writer(new SegmentWriter(env, *std::move(file), options));
  std::string header(kSegmentHeaderMagic, sizeof(kSegmentHeaderMagic));
  PutFixed32(&header, kSegmentFormatVersion);
  PutFixed32(&header, static_cast<uint32_t>(Xxh3_64(header.data(), header.size())));
  writer->index_.bytes_by_kind[static_cast<size_t>(ByteKind::kIndex)] += header.size();
  if (absl::Status s = writer->Append(header); !s.ok()) return s;
  return writer;
}

SegmentWriter::SegmentWriter(Env& env, std::unique_ptr<File> file,
                             const SegmentWriterOptions& options)
    : env_(env), path_(file->path()), file_(std::move(file)), options_(options) {}

SegmentWriter::~SegmentWriter() {
  if (!finished_) Abandon();
}

void SegmentWriter::Abandon() {
  file_.reset();
  if (!finished_) {
    // A file left behind is an orphan: MagneticStore::Open removes it.
    env_.RemoveFile(path_).IgnoreError();
    finished_ = true;  // Nothing more to clean up.
    failed_ = true;
  }
}

absl::Status SegmentWriter::Append(absl::string_view bytes) {
  if (failed_) return BadInput(absl::StrCat("writing ", path_, " after a failure"));
  buffer_.append(bytes.data(), bytes.size());
  offset_ += bytes.size();
  if (buffer_.size() >= kWriteBufferSize) return FlushBuffer();
  return absl::OkStatus();
}

absl::Status SegmentWriter::FlushBuffer() {
  if (absl::Status s = file_->Write(offset_ - buffer_.size(), buffer_); !s.ok()) {
    failed_ = true;
    return s;
  }
  buffer_.clear();
  return absl::OkStatus();
}

absl::Status SegmentWriter::BeginStream(const std::vector<Dimension>& series,
                                        const std::string& measure_name, MeasureValueType type,
                                        std::vector<ColumnSpec> columns) {
  if (finished_ || failed_) return BadInput("BeginStream on a closed writer");
  if (absl::Status s = FlushGroup(); !s.ok()) return s;
  EndStream();
  for (size_t i = 1; i < series.size(); ++i) {
    if (!(series[i - 1].name < series[i].name)) {
      return BadInput("dimensions not sorted by name or not unique");
    }
  }
  if (type == MeasureValueType::kMulti) {
    if (columns.empty()) return BadInput("MULTI measure without attributes");
  } else if (columns.size() != 1 || columns[0].name != measure_name || columns[0].type != type) {
    return BadInput(absl::StrCat("scalar measure ", measure_name,
                                 " must have one column of its name and type"));
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].type == MeasureValueType::kMulti) return BadInput("column of type MULTI");
    if (i > 0 && !ColumnLess(columns[i - 1], columns[i])) {
      return BadInput("columns not sorted or not unique");
    }
  }
  // The series table is built in order: a stream of the previous stream's series reuses
  // its entry; a new series must sort after it.
  uint32_t series_index;
  if (!index_.series.empty() && CompareSeries(index_.series.back(), series) == 0) {
    series_index = static_cast<uint32_t>(index_.series.size() - 1);
    if (!index_.streams.empty() && index_.streams.back().series == series_index) {
      const StreamEntry& last = index_.streams.back();
      int c = last.measure_name.compare(measure_name);
      if (c > 0 || (c == 0 && MeasureTypeCode(last.type) >= MeasureTypeCode(type))) {
        return BadInput("streams out of order");
      }
    }
  } else {
    if (!index_.series.empty() && CompareSeries(index_.series.back(), series) > 0) {
      return BadInput("series out of order");
    }
    index_.series.push_back(series);
    series_index = static_cast<uint32_t>(index_.series.size() - 1);
  }
  stream_ = StreamEntry();
  stream_.series = series_index;
  stream_.measure_name = measure_name;
  stream_.type = type;
  stream_.columns = std::move(columns);
  stream_.hash = StreamHash(series, measure_name);
  pending_ = RowBatch();
  pending_.columns.resize(stream_.columns.size());
  for (size_t c = 0; c < stream_.columns.size(); ++c) {
    pending_.columns[c].name = stream_.columns[c].name;
    pending_.columns[c].type = stream_.columns[c].type;
  }
  has_last_time_ = false;
  in_stream_ = true;
  return absl::OkStatus();
}

absl::Status SegmentWriter::AddRows(const RowBatch& batch, size_t begin, size_t end) {
  if (!in_stream_ || failed_) return BadInput("AddRows outside a stream");
  const size_t rows = batch.time_nanos.size();
  if (begin > end || end > rows || batch.versions.size() != rows) {
    return BadInput("row range or version count does not match the times");
  }
  // Map the batch's columns onto the stream's.
  std::vector<int> source(stream_.columns.size(), -1);
  for (size_t j = 0; j < batch.columns.size(); ++j) {
    const RowColumn& column = batch.columns[j];
    auto it = std::lower_bound(stream_.columns.begin(), stream_.columns.end(),
                               ColumnSpec{column.name, column.type}, ColumnLess);
    if (it == stream_.columns.end() || it->name != column.name || it->type != column.type) {
      return BadInput(absl::StrCat("column ", column.name, " is not a column of the stream"));
    }
    size_t c = static_cast<size_t>(it - stream_.columns.begin());
    if (source[c] != -1) return BadInput(absl::StrCat("column ", column.name, " twice"));
    if (ValueCount(column) != rows || (!column.present.empty() && column.present.size() != rows)) {
      return BadInput(absl::StrCat("column ", column.name, " has the wrong length"));
    }
    if (column.type == MeasureValueType::kBoolean) {
      for (size_t i = begin; i < end; ++i) {
        bool present = column.present.empty() || column.present[i] != 0;
        if (present && column.ints[i] != 0 && column.ints[i] != 1) {
          return BadInput(absl::StrCat("boolean column ", column.name, " holds ", column.ints[i]));
        }
      }
    }
    source[c] = static_cast<int>(j);
  }
  for (size_t i = begin; i < end; ++i) {
    if (has_last_time_ && batch.time_nanos[i] <= last_time_) {
      return BadInput(absl::StrCat("times of ", stream_.measure_name,
                                   " do not increase strictly at ", batch.time_nanos[i]));
    }
    has_last_time_ = true;
    last_time_ = batch.time_nanos[i];
  }

  const size_t max_rows = static_cast<size_t>(std::max(options_.max_rows_per_block, 1)) *
                          static_cast<size_t>(std::max(options_.dictionary_group_blocks, 1));
  while (begin < end) {
    size_t take = std::min(end - begin, max_rows - pending_.time_nanos.size());
    size_t stop = begin + take;
    pending_.time_nanos.insert(pending_.time_nanos.end(), batch.time_nanos.begin() + begin,
                               batch.time_nanos.begin() + stop);
    pending_.versions.insert(pending_.versions.end(), batch.versions.begin() + begin,
                             batch.versions.begin() + stop);
    for (size_t c = 0; c < pending_.columns.size(); ++c) {
      RowColumn& to = pending_.columns[c];
      if (source[c] < 0) {
        to.present.resize(to.present.size() + take, 0);
        AppendPlaceholders(&to, take);
        continue;
      }
      const RowColumn& from = batch.columns[static_cast<size_t>(source[c])];
      if (from.present.empty()) {
        to.present.resize(to.present.size() + take, 1);
      } else {
        for (size_t i = begin; i < stop; ++i) to.present.push_back(from.present[i] != 0);
      }
      AppendValues(from, begin, stop, &to);
    }
    begin = stop;
    if (pending_.time_nanos.size() >= max_rows) {
      if (absl::Status s = FlushGroup(); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

GroupDictionary SegmentWriter::CandidateDictionary(size_t begin, size_t end, bool* too_many) const {
  GroupDictionary dictionary;
  *too_many = false;
  const size_t block_rows = static_cast<size_t>(std::max(options_.max_rows_per_block, 1));
  if (options_.dictionary_group_blocks <= 1 || end - begin <= block_rows) return dictionary;
  const size_t max_entries = options_.dictionary_max_entries > 0
                                 ? static_cast<size_t>(options_.dictionary_max_entries)
                                 : 4 * block_rows;
  dictionary.columns.resize(pending_.columns.size());
  for (size_t c = 0; c < pending_.columns.size(); ++c) {
    const RowColumn& column = pending_.columns[c];
    if (column.type != MeasureValueType::kDouble) continue;
    std::vector<uint64_t> keys;
    keys.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) {
      if (column.present[i]) keys.push_back(DictionaryOrderKey(column.doubles[i]));
    }
    const size_t present = keys.size();
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    // Values that never repeat cost more as codes plus entries than alone.
    if (keys.size() == present) continue;
    if (keys.size() > max_entries) {
      *too_many = true;
      continue;
    }
    std::vector<double>& entries = dictionary.columns[c];
    entries.reserve(keys.size());
    for (uint64_t k : keys) {
      entries.push_back(std::bit_cast<double>((k >> 63) != 0 ? k & ~(uint64_t{1} << 63) : ~k));
    }
  }
  return dictionary;
}

absl::Status SegmentWriter::EncodeGroup(size_t begin, size_t end, const GroupDictionary* dictionary,
                                        std::vector<std::string>* blocks,
                                        std::vector<bool>* uses_dictionary, ByteKindCounts* counts,
                                        std::vector<int64_t>* saved) const {
  const size_t block_rows = static_cast<size_t>(std::max(options_.max_rows_per_block, 1));
  blocks->clear();
  uses_dictionary->clear();
  *counts = ByteKindCounts{};
  saved->assign(pending_.columns.size(), 0);
  for (size_t first = begin; first < end; first += block_rows) {
    const size_t last = std::min(end, first + block_rows);
    std::vector<int64_t> block_saved(pending_.columns.size(), 0);
    std::string block;
    if (absl::Status s = EncodeBlock(pending_, first, last, stream_.hash, options_.block, &block,
                                     counts, dictionary, &block_saved);
        !s.ok()) {
      return s;
    }
    bool uses = false;
    for (size_t c = 0; c < block_saved.size(); ++c) {
      (*saved)[c] += block_saved[c];
      uses = uses || block_saved[c] > 0;
    }
    blocks->push_back(std::move(block));
    uses_dictionary->push_back(uses);
  }
  return absl::OkStatus();
}

absl::Status SegmentWriter::FlushGroup() {
  if (!in_stream_ || pending_.time_nanos.empty()) return absl::OkStatus();
  if (absl::Status s = FlushRows(0, pending_.time_nanos.size()); !s.ok()) {
    failed_ = true;
    return s;
  }
  pending_.time_nanos.clear();
  pending_.versions.clear();
  for (RowColumn& column : pending_.columns) {
    column.present.clear();
    column.doubles.clear();
    column.ints.clear();
    column.strings.clear();
  }
  return absl::OkStatus();
}

absl::Status SegmentWriter::FlushRows(size_t begin, size_t end) {
  const size_t block_rows = static_cast<size_t>(std::max(options_.max_rows_per_block, 1));
  bool too_many;
  GroupDictionary dictionary = CandidateDictionary(begin, end, &too_many);
  const size_t num_blocks = (end - begin + block_rows - 1) / block_rows;
  // A column with too many distinct values for one dictionary may have few enough in
  // half the group: halve it while it has four blocks or more.
  if (too_many && num_blocks >= 4) {
    const size_t middle = begin + (num_blocks / 2) * block_rows;
    if (absl::Status s = FlushRows(begin, middle); !s.ok()) return s;
    return FlushRows(middle, end);
  }
  std::vector<std::string> blocks;
  std::vector<bool> uses;
  ByteKindCounts counts{};
  std::vector<int64_t> saved;
  const GroupDictionary* candidate = dictionary.empty() ? nullptr : &dictionary;
  if (absl::Status s = EncodeGroup(begin, end, candidate, &blocks, &uses, &counts, &saved);
      !s.ok()) {
    return s;
  }
  // A column keeps its entries only when its blocks saved more than the entries cost.
  std::string dictionary_bytes;
  ByteKindCounts dictionary_counts{};
  if (candidate != nullptr) {
    bool pruned = false;
    for (size_t c = 0; c < dictionary.columns.size(); ++c) {
      if (dictionary.columns[c].empty()) continue;
      std::string chunk;
      if (absl::Status s =
              AppendDoubleDictionaryChunk(dictionary.columns[c], options_.block.zstd_level, &chunk);
          !s.ok()) {
        return s;
      }
      if (saved[c] <= static_cast<int64_t>(chunk.size()) + 4) {
        dictionary.columns[c].clear();
        pruned = true;
      }
    }
    candidate = dictionary.empty() ? nullptr : &dictionary;
    if (pruned) {
      if (absl::Status s = EncodeGroup(begin, end, candidate, &blocks, &uses, &counts, &saved);
          !s.ok()) {
        return s;
      }
    }
    if (candidate != nullptr) {
      if (absl::Status s = EncodeGroupDictionary(dictionary, options_.block.zstd_level,
                                                 &dictionary_bytes, &dictionary_counts);
          !s.ok()) {
        return s;
      }
    }
  }
  return AppendGroup(begin, end, blocks, uses, dictionary_bytes, counts, dictionary_counts);
}

absl::Status SegmentWriter::AppendGroup(size_t begin, size_t end,
                                        const std::vector<std::string>& blocks,
                                        const std::vector<bool>& uses, std::string dictionary_bytes,
                                        const ByteKindCounts& counts,
                                        const ByteKindCounts& dictionary_counts) {
  const size_t block_rows = static_cast<size_t>(std::max(options_.max_rows_per_block, 1));
  bool named = false;  // The group's dictionary is written and named.
  for (size_t k = 0; k < kNumByteKinds; ++k) index_.bytes_by_kind[k] += counts[k];
  for (size_t b = 0; b < blocks.size(); ++b) {
    // The dictionary lies right before the first block that names it (FORMAT.md).
    if (uses[b] && !dictionary_bytes.empty()) {
      DictionaryEntry entry;
      entry.offset = offset_;
      entry.length = dictionary_bytes.size();
      entry.checksum = Xxh3_64(dictionary_bytes.data(), dictionary_bytes.size());
      stream_.dictionaries.push_back(entry);
      for (size_t k = 0; k < kNumByteKinds; ++k) index_.bytes_by_kind[k] += dictionary_counts[k];
      if (absl::Status st = Append(dictionary_bytes); !st.ok()) return st;
      dictionary_bytes.clear();
      named = true;
    }
    const size_t first = begin + b * block_rows;
    const size_t last = std::min(end, first + block_rows);
    BlockEntry entry;
    entry.offset = offset_;
    entry.length = blocks[b].size();
    entry.checksum = Xxh3_64(blocks[b].data(), blocks[b].size());
    entry.rows = static_cast<int64_t>(last - first);
    entry.min_time = pending_.time_nanos[first];
    entry.max_time = pending_.time_nanos[last - 1];
    entry.dictionary = uses[b] && named ? static_cast<uint32_t>(stream_.dictionaries.size()) : 0;
    stream_.blocks.push_back(entry);
    for (const RowColumn& column : pending_.columns) {
      if (HasValueSummary(column.type)) {
        stream_.summaries.push_back(SummarizeValues(column, first, last));
      }
    }
    points_ += entry.rows;
    min_time_ = std::min(min_time_, entry.min_time);
    max_time_ = std::max(max_time_, entry.max_time);
    if (absl::Status st = Append(blocks[b]); !st.ok()) return st;
  }
  return absl::OkStatus();
}

void SegmentWriter::EndStream() {
  if (!in_stream_) return;
  in_stream_ = false;
  if (!stream_.blocks.empty()) {
    index_.streams.push_back(std::move(stream_));
  } else if (!index_.series.empty() &&
             (index_.streams.empty() || index_.streams.back().series != index_.series.size() - 1)) {
    // A series whose only stream had no rows is not stored.
    index_.series.pop_back();
  }
  stream_ = StreamEntry();
}

absl::StatusOr<SegmentSummary> SegmentWriter::Finish() {
  if (finished_ || failed_) return BadInput("Finish on a closed writer");
  if (absl::Status s = FlushGroup(); !s.ok()) return s;
  EndStream();
  std::string footer = EncodeFooter(index_);
  uint64_t footer_offset = offset_;
  uint64_t footer_checksum = Xxh3_64(footer.data(), footer.size());
  std::string trailer;
  PutFixed64(&trailer, footer_offset);
  PutFixed64(&trailer, footer.size());
  PutFixed64(&trailer, footer_checksum);
  trailer.append(kSegmentTrailerMagic, sizeof(kSegmentTrailerMagic));
  if (absl::Status s = Append(footer); !s.ok()) return s;
  if (absl::Status s = Append(trailer); !s.ok()) return s;
  if (absl::Status s = FlushBuffer(); !s.ok()) return s;
  if (absl::Status s = file_->Sync(); !s.ok()) {
    failed_ = true;
    return s;
  }
  file_.reset();
  finished_ = true;
  SegmentSummary summary;
  summary.file_size = offset_;
  summary.footer_checksum = footer_checksum;
  summary.points = points_;
  summary.min_time = points_ == 0 ? 0 : min_time_;
  summary.max_time = points_ == 0 ? 0 : max_time_;
  return summary;
}

}  // namespace tsw::magnetic
