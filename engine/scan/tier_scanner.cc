#include "engine/scan/tier_scanner.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "engine/common/scan_predicate.h"
#include "engine/scan/chunk_copy.h"
#include "engine/scan/mem_scanner.h"
#include "tsw/status.h"

namespace tsw::scan {
namespace {

using Column = MemSnapshot::Column;

bool ColumnBefore(const RowColumn& a, const RowColumn& b) {
  if (a.name != b.name) return a.name < b.name;
  return static_cast<int>(a.type) < static_cast<int>(b.type);
}

// Consumes the magnetic store's batches, merging each stream with the memory column of the
// same (series, measure) when that column has rows in the range.
class TierMerger {
 public:
  TierMerger(const MemSnapshot& memory, const ScanRequest& request, const RowBatchVisitor& visitor,
             const RowFilter* filter)
      : memory_(memory),
        request_(request),
        visitor_(visitor),
        projection_(request.attributes),
        filter_(filter) {
    for (const Column& c : memory.columns()) {
      columns_.emplace(
          std::make_pair(absl::string_view(c.series_key()), absl::string_view(c.measure_name())),
          &c);
    }
  }

  // The magnetic store's visitor. False once the caller's visitor asked to stop.
  bool OnMagnetic(RowBatch& b) {
    if (!InStream(b)) {
      if (!FinishStream()) return false;
      StartStream(b);
    }
    if (column_ == nullptr) return Emit(b);
    return MergeBatch(b);
  }

  // Completes the open stream. False once the caller's visitor asked to stop.
  bool FinishStream() {
    if (!open_) return true;
    open_ = false;
    if (column_ == nullptr) return true;
    const bool go_on = EmitMemoryBefore(request_.end_time_nanos) && Flush();
    column_ = nullptr;
    return go_on;
  }

  // The times [*first, *last] of the memory column of a stream, left alone when memory
  // has none (MagneticStore::HeldElsewhere: its blocks there are not filtered).
  void MemoryTimes(const std::vector<Dimension>& series, const std::string& measure,
                   MeasureValueType type, int64_t* first, int64_t* last) const {
    std::string key;
    for (const Dimension& d : series) {
      PutLengthPrefixed(&key, d.name);
      PutLengthPrefixed(&key, d.value);
    }
    auto found = columns_.find(std::make_pair(absl::string_view(key), absl::string_view(measure)));
    if (found == columns_.end() || found->second->type() != type) return;
    const auto& chunks = found->second->chunks();
    *first = chunks.front()->times.front();
    *last = chunks.back()->times.back();
  }

  // Memory columns already merged into a magnetic stream.
  const absl::flat_hash_set<const Column*>& merged() const { return merged_; }

 private:
  bool InStream(const RowBatch& b) const {
    return open_ && b.measure_value_type == type_ && b.measure_name == measure_ &&
           b.dimensions.size() == dimensions_.size() &&
           std::equal(b.dimensions.begin(), b.dimensions.end(), dimensions_.begin(),
                      [](const Dimension& x, const Dimension& y) {
                        return x.name == y.name && x.value == y.value;
                      });
  }

  bool Emit(RowBatch& b) { return visitor_(b); }

  // Finds the memory column of the stream `b` opens; prepares a merge if it has rows in
  // the range.
  void StartStream(const RowBatch& b) {
    open_ = true;
    dimensions_ = b.dimensions;
    measure_ = b.measure_name;
    type_ = b.measure_value_type;
    column_ = nullptr;
    key_.clear();
    for (const Dimension& d : b.dimensions) {  // Sorted by name: the canonical key.
      PutLengthPrefixed(&key_, d.name);
      PutLengthPrefixed(&key_, d.value);
    }
    auto found =
        columns_.find(std::make_pair(absl::string_view(key_), absl::string_view(b.measure_name)));
    if (found == columns_.end()) return;
    const Column* column = found->second;
    if (column->type() != type_) return;
    // The first row at or after the start.
    const auto& chunks = column->chunks();
    auto chunk = std::partition_point(chunks.begin(), chunks.end(), [this](const auto& c) {
      return c->times.back() < request_.start_time_nanos;
    });
    if (chunk == chunks.end()) return;
    const auto& times = (*chunk)->times;
    const size_t row =
        std::lower_bound(times.begin(), times.end(), request_.start_time_nanos) - times.begin();
    if (times[row] >= request_.end_time_nanos) return;
    column_ = column;
    chunk_ = static_cast<size_t>(chunk - chunks.begin());
    row_ = row;
    merged_.insert(column);
    if (filter_ != nullptr) FilterSlotsOf(*column, *filter_, &filter_slots_);

    // The output layout: the union of both tiers' columns, sorted by name.
    out_.dimensions = b.dimensions;
    out_.measure_name = b.measure_name;
    out_.measure_value_type = b.measure_value_type;
    for (RowColumn& c : out_.columns) spare_columns_.push_back(std::move(c));
    out_.columns.clear();
    for (const RowColumn& c : b.columns) AddOutColumn(c.name, c.type);
    projection_.SlotsOf(*column, &slots_);
    for (const size_t s : slots_) {
      const std::string& name = column->slot_name(s);
      const MeasureValueType type = column->slot_type(s);
      bool known = false;
      for (const RowColumn& c : out_.columns) known |= c.name == name && c.type == type;
      if (!known) AddOutColumn(name, type);
    }
    std::sort(out_.columns.begin(), out_.columns.end(), ColumnBefore);
    memory_slots_.assign(out_.columns.size(), -1);
    for (size_t o = 0; o < out_.columns.size(); ++o) {
      for (const size_t s : slots_) {
        const std::string& name = column->slot_name(s);
        if (name == out_.columns[o].name && column->slot_type(s) == out_.columns[o].type) {
          memory_slots_[o] = static_cast<int>(s);
        }
      }
    }
    ClearOut();
  }

  // Appends an output column, reusing an earlier stream's (its value buffers keep their
  // capacity, so each stream's batches do not grow them again from nothing). Its values
  // are cleared by ClearOut.
  void AddOutColumn(const std::string& name, MeasureValueType type) {
    if (spare_columns_.empty()) {
      out_.columns.emplace_back();
    } else {
      out_.columns.push_back(std::move(spare_columns_.back()));
      spare_columns_.pop_back();
    }
    RowColumn& added = out_.columns.back();
    added.name = name;
    added.type = type;
  }

  // Merges one magnetic batch with the memory rows up to its last time. Runs of rows
  // from one tier (the usual shape: segments hold the older rows) are copied in bulk.
  bool MergeBatch(RowBatch& b) {
    magnetic_columns_.assign(out_.columns.size(), -1);
    for (size_t o = 0; o < out_.columns.size(); ++o) {
      for (size_t c = 0; c < b.columns.size(); ++c) {
        if (b.columns[c].name == out_.columns[o].name &&
            b.columns[c].type == out_.columns[o].type) {
          magnetic_columns_[o] = static_cast<int>(c);
        }
      }
    }
    const size_t n = b.time_nanos.size();
    size_t i = 0;
    while (i < n) {
      if (!EmitMemoryBefore(b.time_nanos[i])) return false;
      if (MemoryLeft() && MemoryTime() == b.time_nanos[i]) {
        const MemSnapshot::Chunk& c = *column_->chunks()[chunk_];
        if (c.versions[row_] >= b.versions[i]) {  // Equal: the memory copy is the newer.
          AppendMemory(c, row_, 1);
        } else {
          AppendMagnetic(b, i, 1);
        }
        Advance(1);
        ++i;
        if (!FlushIfFull()) return false;
        continue;
      }
      // The magnetic rows before the next memory row.
      const size_t j = MemoryLeft() ? std::lower_bound(b.time_nanos.begin() + i, b.time_nanos.end(),
                                                       MemoryTime()) -
                                          b.time_nanos.begin()
                                    : n;
      if (i == 0 && j == n && TakeWhole(b)) return Flush();
      while (i < j) {
        const size_t take = std::min(j - i, Room());
        AppendMagnetic(b, i, take);
        i += take;
        if (!FlushIfFull()) return false;
      }
    }
    return true;
  }

  // Moves the whole batch `b` into the empty output by swapping vectors, when its columns
  // are the output's in order and none is absent: the usual shape of a merged stream's
  // older rows (all in segments), whose copy was a tenth of a wide scan's time. Only a
  // batch at least half of max_rows long, so batches do not shrink. False: not taken.
  bool TakeWhole(RowBatch& b) {
    const size_t n = b.time_nanos.size();
    if (!out_.time_nanos.empty() || n > Room() ||
        n * 2 < static_cast<size_t>(request_.max_rows_per_batch) ||
        b.columns.size() != out_.columns.size()) {
      return false;
    }
    for (size_t o = 0; o < out_.columns.size(); ++o) {
      if (magnetic_columns_[o] != static_cast<int>(o) || b.columns[o].present.size() != n) {
        return false;
      }
    }
    out_.time_nanos.swap(b.time_nanos);
    out_.versions.swap(b.versions);
    for (size_t o = 0; o < out_.columns.size(); ++o) {
      RowColumn& to = out_.columns[o];
      RowColumn& from = b.columns[o];
      to.present.swap(from.present);
      to.doubles.swap(from.doubles);
      to.ints.swap(from.ints);
      to.strings.swap(from.strings);
    }
    return true;
  }

  bool MemoryLeft() const {
    return chunk_ < column_->chunks().size() && MemoryTime() < request_.end_time_nanos;
  }
  int64_t MemoryTime() const { return column_->chunks()[chunk_]->times[row_]; }
  // Moves the memory cursor `count` rows on. REQUIRES: they are in the current chunk.
  void Advance(size_t count) {
    row_ += count;
    if (row_ == column_->chunks()[chunk_]->size()) {
      ++chunk_;
      row_ = 0;
    }
  }
  size_t Room() const {
    return static_cast<size_t>(request_.max_rows_per_batch) - out_.time_nanos.size();
  }

  // Emits the memory rows with time < `limit` (and inside the range).
  bool EmitMemoryBefore(int64_t limit) {
    limit = std::min(limit, request_.end_time_nanos);
    while (chunk_ < column_->chunks().size()) {
      const MemSnapshot::Chunk& c = *column_->chunks()[chunk_];
      const size_t end =
          std::lower_bound(c.times.begin() + row_, c.times.end(), limit) - c.times.begin();
      if (end == row_) break;
      const size_t take = std::min(end - row_, Room());
      AppendMemoryKept(c, row_, take);
      Advance(take);
      if (!FlushIfFull()) return false;
    }
    return true;
  }

  void AppendMemory(const MemSnapshot::Chunk& c, size_t row, size_t count) {
    AppendChunkTimes(c, row, count, &out_);
    for (size_t o = 0; o < out_.columns.size(); ++o) {
      const int s = memory_slots_[o];
      if (s < 0) {
        AppendAbsent(&out_.columns[o], count);
      } else {
        AppendChunkSlot(memory_.strings(), column_->multi(), c, static_cast<size_t>(s), row, count,
                        &out_.columns[o]);
      }
    }
  }

  // The rows of AppendMemory's that the filter keeps. Only for rows with no magnetic twin
  // (EmitMemoryBefore's: a magnetic row of the same time is merged one by one instead).
  void AppendMemoryKept(const MemSnapshot::Chunk& c, size_t row, size_t count) {
    if (filter_ == nullptr || !column_->multi()) return AppendMemory(c, row, count);
    ForEachKept(
        memory_, *column_, c, filter_slots_, *filter_, row, count, &probe_, &keep_,
        [&](size_t first, size_t rows) { AppendMemory(c, first, rows); },
        [&](size_t base, absl::Span<const uint32_t> rows) { AppendMemoryAt(c, base, rows); });
  }

  // AppendMemory of rows base + rows[k].
  void AppendMemoryAt(const MemSnapshot::Chunk& c, size_t base, absl::Span<const uint32_t> rows) {
    AppendChunkTimesAt(c, base, rows, &out_);
    for (size_t o = 0; o < out_.columns.size(); ++o) {
      const int s = memory_slots_[o];
      if (s < 0) {
        AppendAbsent(&out_.columns[o], rows.size());
      } else {
        AppendChunkSlotAt(memory_.strings(), column_->multi(), c, static_cast<size_t>(s), base,
                          rows, &out_.columns[o]);
      }
    }
  }

  void AppendMagnetic(const RowBatch& b, size_t i, size_t count) {
    out_.time_nanos.insert(out_.time_nanos.end(), b.time_nanos.begin() + i,
                           b.time_nanos.begin() + i + count);
    out_.versions.insert(out_.versions.end(), b.versions.begin() + i,
                         b.versions.begin() + i + count);
    for (size_t o = 0; o < out_.columns.size(); ++o) {
      RowColumn& out = out_.columns[o];
      const int c = magnetic_columns_[o];
      if (c < 0) {
        AppendAbsent(&out, count);
        continue;
      }
      const RowColumn& in = b.columns[c];
      if (in.present.empty()) {
        out.present.insert(out.present.end(), count, 1);
      } else {
        out.present.insert(out.present.end(), in.present.begin() + i,
                           in.present.begin() + i + count);
      }
      switch (out.type) {
        case MeasureValueType::kDouble:
          out.doubles.insert(out.doubles.end(), in.doubles.begin() + i,
                             in.doubles.begin() + i + count);
          break;
        case MeasureValueType::kVarchar:
          out.strings.insert(out.strings.end(), in.strings.begin() + i,
                             in.strings.begin() + i + count);
          break;
        default:
          out.ints.insert(out.ints.end(), in.ints.begin() + i, in.ints.begin() + i + count);
          break;
      }
    }
  }

  static void AppendAbsent(RowColumn* out, size_t count) {
    out->present.insert(out->present.end(), count, 0);
    switch (out->type) {
      case MeasureValueType::kDouble:
        out->doubles.insert(out->doubles.end(), count, 0.0);
        break;
      case MeasureValueType::kVarchar:
        out->strings.insert(out->strings.end(), count, std::string());
        break;
      default:
        out->ints.insert(out->ints.end(), count, 0);
        break;
    }
  }

  bool FlushIfFull() {
    if (out_.time_nanos.size() < static_cast<size_t>(request_.max_rows_per_batch)) return true;
    return Flush();
  }

  bool Flush() {
    if (out_.time_nanos.empty()) return true;
    const bool go_on = Emit(out_);
    ClearOut();
    return go_on;
  }

  void ClearOut() {
    out_.time_nanos.clear();
    out_.versions.clear();
    for (RowColumn& c : out_.columns) {
      c.doubles.clear();
      c.ints.clear();
      c.strings.clear();
      c.present.clear();
    }
  }

  const MemSnapshot& memory_;
  // The pinned columns by (series key, measure name).
  absl::flat_hash_map<std::pair<absl::string_view, absl::string_view>, const Column*> columns_;
  const ScanRequest& request_;
  const RowBatchVisitor& visitor_;
  const AttributeProjection projection_;
  std::vector<size_t> slots_;         // The merged memory column's slots to copy.
  const RowFilter* const filter_;     // Optional.
  std::vector<size_t> filter_slots_;  // The merged memory column's slots the filter reads.
  RowBatch probe_;                    // The filter's input.
  std::vector<uint32_t> keep_;

  // The open magnetic stream.
  bool open_ = false;
  std::vector<Dimension> dimensions_;
  std::string measure_;
  MeasureValueType type_ = MeasureValueType::kDouble;
  std::string key_;

  // Merging (column_ set): the memory cursor, the output batch and the column maps.
  const Column* column_ = nullptr;
  size_t chunk_ = 0, row_ = 0;
  RowBatch out_;
  std::vector<int> memory_slots_;         // Per output column: the memory slot, or -1.
  std::vector<int> magnetic_columns_;     // Per output column: the magnetic batch's, or -1.
  std::vector<RowColumn> spare_columns_;  // Earlier streams' output columns, for reuse.

  absl::flat_hash_set<const Column*> merged_;
};

}  // namespace

absl::Status ScanTiers(const MemSnapshot& memory, const magnetic::MagneticStore& magnetic,
                       const magnetic::MagneticStore::Pinned& segments, const ScanRequest& request,
                       const RowBatchVisitor& visitor, const RowFilter* filter) {
  absl::StatusOr<ScanPredicate> predicate = ScanPredicate::Make(request);
  if (!predicate.ok()) return predicate.status();
  if (predicate->empty()) return absl::OkStatus();
  TierMerger merger(memory, request, visitor, filter);
  const magnetic::MagneticStore::HeldElsewhere in_memory =
      [&merger](const std::vector<Dimension>& series, const std::string& measure,
                MeasureValueType type, int64_t* first,
                int64_t* last) { merger.MemoryTimes(series, measure, type, first, last); };
  bool stopped = false;
  absl::Status s = magnetic.Scan(
      request,
      [&](RowBatch& b) {
        if (merger.OnMagnetic(b)) return true;
        stopped = true;
        return false;
      },
      segments, filter, &in_memory);
  if (!s.ok()) return s;
  if (stopped || !merger.FinishStream()) return absl::OkStatus();
  return ScanMemStore(memory, request, visitor, &merger.merged(), filter);
}

}  // namespace tsw::scan
