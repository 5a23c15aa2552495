#include "engine/magnetic/stream_merger.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace tsw::magnetic {
namespace {

// The blocks [first, last) of `stream` that meet [first_time, last_time].
std::pair<size_t, size_t> BlockRange(const StreamEntry& stream, int64_t first_time,
                                     int64_t last_time) {
  if (first_time > last_time) return {0, 0};
  const std::vector<BlockEntry>& blocks = stream.blocks;
  auto first =
      std::partition_point(blocks.begin(), blocks.end(),
                           [first_time](const BlockEntry& b) { return b.max_time < first_time; });
  auto last = std::partition_point(
      first, blocks.end(), [last_time](const BlockEntry& b) { return b.min_time <= last_time; });
  return {static_cast<size_t>(first - blocks.begin()), static_cast<size_t>(last - blocks.begin())};
}

}  // namespace

bool StreamMerger::Overlaps(const StreamEntry& stream, int64_t first_time, int64_t last_time) {
  auto [first, last] = BlockRange(stream, first_time, last_time);
  return first < last;
}

StreamMerger::StreamMerger(std::vector<StreamSource> sources, int64_t first_time, int64_t last_time,
                           std::vector<ColumnSpec> columns, MergerScratch* scratch)
    : first_(first_time),
      last_(last_time),
      columns_(std::move(columns)),
      scratch_(scratch != nullptr ? scratch : &own_scratch_) {
  cursors_.resize(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    Cursor& c = cursors_[i];
    c.source = sources[i];
    if (!scratch_->blocks.empty()) {
      c.block = std::move(scratch_->blocks.back());
      scratch_->blocks.pop_back();
    }
    const StreamEntry& stream = c.source.reader->index().streams[c.source.stream];
    std::tie(c.next_block, c.end_block) = BlockRange(stream, first_, last_);
    c.column_map.resize(stream.columns.size());
    c.wanted.resize(stream.columns.size());
    for (size_t k = 0; k < stream.columns.size(); ++k) {
      const ColumnSpec& spec = stream.columns[k];
      auto it = std::lower_bound(columns_.begin(), columns_.end(), spec, ColumnLess);
      const bool found = it != columns_.end() && it->name == spec.name && it->type == spec.type;
      c.column_map[k] = found ? static_cast<size_t>(it - columns_.begin()) : kNotRead;
      c.wanted[k] = found;
      c.all_wanted = c.all_wanted && found;
    }
  }
}

StreamMerger::~StreamMerger() {
  if (scratch_ == &own_scratch_) return;
  for (Cursor& c : cursors_) scratch_->blocks.push_back(std::move(c.block));
}

bool StreamMerger::Filterable(const Cursor& c) const {
  if (filter_ == nullptr) return false;
  const BlockEntry& block = c.source.reader->index().streams[c.source.stream].blocks[c.next_block];
  if (foreign_first_ <= foreign_last_ && block.min_time <= foreign_last_ &&
      foreign_first_ <= block.max_time) {
    return false;
  }
  for (const Cursor& other : cursors_) {
    if (&other == &c) continue;
    const StreamEntry& stream = other.source.reader->index().streams[other.source.stream];
    if (Overlaps(stream, block.min_time, block.max_time)) return false;
  }
  return true;
}

absl::Status StreamMerger::Fill(Cursor* c) {
  while (!c->done && c->pos >= c->limit) {
    if (c->next_block >= c->end_block) {
      c->done = true;  // The block's rows are not read again; its buffers are kept.
      break;
    }
    const bool filtered = Filterable(*c);
    // A block whose value summaries rule the filter's bounds out holds no row the filter
    // keeps: it is neither read nor decoded.
    if (filtered && !filter_->bounds.empty() &&
        !c->source.reader->MayMatch(c->source.stream, c->next_block, filter_->bounds)) {
      ++c->next_block;
      continue;
    }
    if (absl::Status s = c->source.reader->DecodeBlock(
            c->source.stream, c->next_block, &c->block, c->all_wanted ? nullptr : &c->wanted,
            &scratch_->decode, filtered ? filter_ : nullptr, first_, last_);
        !s.ok()) {
      return s;
    }
    ++c->next_block;
    const std::vector<int64_t>& t = c->block.time_nanos;
    c->pos = static_cast<size_t>(std::lower_bound(t.begin(), t.end(), first_) - t.begin());
    c->limit = static_cast<size_t>(std::upper_bound(t.begin(), t.end(), last_) - t.begin());
  }
  return absl::OkStatus();
}

void StreamMerger::CopyRows(const Cursor& c, size_t begin, size_t end, RowBatch* out) const {
  const RowBatch& b = c.block;
  const size_t n = end - begin;
  out->time_nanos.insert(out->time_nanos.end(), b.time_nanos.begin() + begin,
                         b.time_nanos.begin() + end);
  out->versions.insert(out->versions.end(), b.versions.begin() + begin, b.versions.begin() + end);
  const size_t old_rows = out->time_nanos.size() - n;
  // Every output column grows by n absent rows; the source's columns then fill theirs.
  for (RowColumn& column : out->columns) {
    column.present.resize(old_rows + n, 0);
    switch (column.type) {
      case MeasureValueType::kDouble:
        column.doubles.resize(old_rows + n);
        break;
      case MeasureValueType::kVarchar:
        column.strings.resize(old_rows + n);
        break;
      default:
        column.ints.resize(old_rows + n);
        break;
    }
  }
  for (size_t k = 0; k < b.columns.size(); ++k) {
    if (c.column_map[k] == kNotRead) continue;
    const RowColumn& from = b.columns[k];
    RowColumn& to = out->columns[c.column_map[k]];
    std::copy(from.present.begin() + begin, from.present.begin() + end,
              to.present.begin() + old_rows);
    switch (from.type) {
      case MeasureValueType::kDouble:
        std::copy(from.doubles.begin() + begin, from.doubles.begin() + end,
                  to.doubles.begin() + old_rows);
        break;
      case MeasureValueType::kVarchar:
        std::copy(from.strings.begin() + begin, from.strings.begin() + end,
                  to.strings.begin() + old_rows);
        break;
      default:
        std::copy(from.ints.begin() + begin, from.ints.begin() + end, to.ints.begin() + old_rows);
        break;
    }
  }
}

void StreamMerger::SwapBlock(Cursor* c, RowBatch* out) const {
  RowBatch& b = c->block;
  const size_t n = b.time_nanos.size();
  out->time_nanos.swap(b.time_nanos);
  out->versions.swap(b.versions);
  std::vector<bool> filled(out->columns.size(), false);
  for (size_t k = 0; k < b.columns.size(); ++k) {
    if (c->column_map[k] == kNotRead) continue;
    RowColumn& from = b.columns[k];
    RowColumn& to = out->columns[c->column_map[k]];
    to.present.swap(from.present);
    to.doubles.swap(from.doubles);
    to.ints.swap(from.ints);
    to.strings.swap(from.strings);
    filled[c->column_map[k]] = true;
  }
  for (size_t i = 0; i < out->columns.size(); ++i) {
    if (filled[i]) continue;
    RowColumn& column = out->columns[i];  // Not in this source: every row absent.
    column.present.assign(n, 0);
    switch (column.type) {
      case MeasureValueType::kDouble:
        column.doubles.assign(n, 0.0);
        break;
      case MeasureValueType::kVarchar:
        column.strings.assign(n, std::string());
        break;
      default:
        column.ints.assign(n, 0);
        break;
    }
  }
}

absl::StatusOr<bool> StreamMerger::Next(size_t max_rows, RowBatch* out) {
  max_rows = std::max<size_t>(max_rows, 1);
  out->time_nanos.clear();
  out->versions.clear();
  out->columns.resize(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    RowColumn& column = out->columns[i];
    column.name = columns_[i].name;
    column.type = columns_[i].type;
    column.present.clear();
    column.doubles.clear();
    column.ints.clear();
    column.strings.clear();
  }
  if (!started_) {
    started_ = true;
    for (Cursor& c : cursors_) {
      if (absl::Status s = Fill(&c); !s.ok()) return s;
    }
  }
  while (out->time_nanos.size() < max_rows) {
    // The smallest head time and the cursor holding its winning row; `next_other` is the
    // smallest head time of the other cursors.
    Cursor* winner = nullptr;
    int64_t min_time = 0;
    int64_t next_other = INT64_MAX;
    bool others = false;
    for (Cursor& c : cursors_) {
      if (c.done) continue;
      int64_t t = c.block.time_nanos[c.pos];
      int64_t v = c.block.versions[c.pos];
      if (winner == nullptr || t < min_time ||
          (t == min_time && v >= winner->block.versions[winner->pos])) {
        if (winner != nullptr) {
          others = true;
          next_other = std::min(next_other, min_time);
        }
        winner = &c;
        min_time = t;
      } else {
        others = true;
        next_other = std::min(next_other, t);
      }
    }
    if (winner == nullptr) break;
    if (!others || min_time < next_other) {
      // No other source holds a row before `next_other`: copy the winner's run up to it.
      const std::vector<int64_t>& t = winner->block.time_nanos;
      size_t stop =
          others ? static_cast<size_t>(std::lower_bound(t.begin() + winner->pos,
                                                        t.begin() + winner->limit, next_other) -
                                       t.begin())
                 : winner->limit;
      size_t n = std::min(stop - winner->pos, max_rows - out->time_nanos.size());
      // A large block wholly in range, before any other source's next row, moves out
      // whole: the copy was a tenth of a wide scan's time. (Small blocks are still
      // copied, so batches stay near max_rows long.)
      const size_t block_rows = winner->block.time_nanos.size();
      if (out->time_nanos.empty() && winner->pos == 0 && n == block_rows &&
          winner->limit == block_rows && block_rows * 2 >= max_rows) {
        SwapBlock(winner, out);
        winner->pos = n;
        if (absl::Status s = Fill(winner); !s.ok()) return s;
        break;
      }
      CopyRows(*winner, winner->pos, winner->pos + n, out);
      winner->pos += n;
      if (absl::Status s = Fill(winner); !s.ok()) return s;
      continue;
    }
    // Several sources hold min_time: the winner's row, once.
    CopyRows(*winner, winner->pos, winner->pos + 1, out);
    for (Cursor& c : cursors_) {
      if (!c.done && c.block.time_nanos[c.pos] == min_time) {
        ++c.pos;
        if (absl::Status s = Fill(&c); !s.ok()) return s;
      }
    }
  }
  return !out->time_nanos.empty();
}

}  // namespace tsw::magnetic
