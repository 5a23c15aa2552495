#include "engine/scan/mem_scanner.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/common/scan_predicate.h"
#include "engine/scan/chunk_copy.h"
#include "tsw/status.h"

namespace tsw::scan {
namespace {

using Column = MemSnapshot::Column;

// Fills and hands out the batches of one column.
class ColumnScanner {
 public:
  ColumnScanner(const MemSnapshot& memory, const ScanPredicate& predicate,
                const AttributeProjection& projection, const RowBatchVisitor& visitor,
                const RowFilter* filter)
      : memory_(memory),
        predicate_(predicate),
        projection_(projection),
        visitor_(visitor),
        filter_(filter) {}

  // False once the visitor asked to stop.
  bool Scan(const Column& column) {
    const auto& chunks = column.chunks();
    // The first chunk that may hold times >= start.
    auto chunk = std::partition_point(chunks.begin(), chunks.end(), [this](const auto& c) {
      return c->times.back() < predicate_.start_time();
    });
    started_ = false;
    for (; chunk != chunks.end(); ++chunk) {
      const MemSnapshot::Chunk& c = **chunk;
      if (c.times.front() >= predicate_.end_time()) break;
      size_t row = std::lower_bound(c.times.begin(), c.times.end(), predicate_.start_time()) -
                   c.times.begin();
      const size_t end =
          std::lower_bound(c.times.begin() + row, c.times.end(), predicate_.end_time()) -
          c.times.begin();
      while (row < end) {
        if (!started_) Start(column);
        const size_t room = predicate_.max_rows_per_batch() - batch_.time_nanos.size();
        const size_t take = std::min(room, end - row);
        Append(column, c, row, take);
        row += take;
        if (batch_.time_nanos.size() == predicate_.max_rows_per_batch()) {
          if (!visitor_(batch_)) return false;
          Clear();
        }
      }
    }
    if (started_ && !batch_.time_nanos.empty()) return visitor_(batch_);
    return true;
  }

 private:
  void Start(const Column& column) {
    started_ = true;
    batch_.dimensions = column.dimensions();
    batch_.measure_name = column.measure_name();
    batch_.measure_value_type = column.type();
    projection_.SlotsOf(column, &slots_);
    if (filter_ != nullptr) FilterSlotsOf(column, *filter_, &filter_slots_);
    batch_.columns.resize(slots_.size());
    for (size_t i = 0; i < slots_.size(); ++i) {
      const size_t s = slots_[i];
      RowColumn& out = batch_.columns[i];
      out.name = column.slot_name(s);
      out.type = column.slot_type(s);
    }
    Clear();
  }

  void Clear() {
    batch_.time_nanos.clear();
    batch_.versions.clear();
    for (RowColumn& c : batch_.columns) {
      c.doubles.clear();
      c.ints.clear();
      c.strings.clear();
      c.present.clear();
    }
  }

  // The rows a filter keeps (a memory column not merged with segments has no twin there).
  void Append(const Column& column, const MemSnapshot::Chunk& c, size_t row, size_t count) {
    if (filter_ == nullptr || !column.multi()) return AppendRows(column, c, row, count);
    ForEachKept(
        memory_, column, c, filter_slots_, *filter_, row, count, &probe_, &keep_,
        [&](size_t first, size_t rows) { AppendRows(column, c, first, rows); },
        [&](size_t base, absl::Span<const uint32_t> rows) { AppendRowsAt(column, c, base, rows); });
  }

  void AppendRowsAt(const Column& column, const MemSnapshot::Chunk& c, size_t base,
                    absl::Span<const uint32_t> rows) {
    AppendChunkTimesAt(c, base, rows, &batch_);
    for (size_t i = 0; i < slots_.size(); ++i) {
      AppendChunkSlotAt(memory_.strings(), column.multi(), c, slots_[i], base, rows,
                        &batch_.columns[i]);
    }
  }

  void AppendRows(const Column& column, const MemSnapshot::Chunk& c, size_t row, size_t count) {
    AppendChunkTimes(c, row, count, &batch_);
    for (size_t i = 0; i < slots_.size(); ++i) {
      AppendChunkSlot(memory_.strings(), column.multi(), c, slots_[i], row, count,
                      &batch_.columns[i]);
    }
  }

  const MemSnapshot& memory_;
  const ScanPredicate& predicate_;
  const AttributeProjection& projection_;
  const RowBatchVisitor& visitor_;
  RowBatch batch_;
  std::vector<size_t> slots_;  // The current column's slots to copy (the projection).
  bool started_ = false;
  const RowFilter* const filter_;     // Optional.
  std::vector<size_t> filter_slots_;  // The current column's slots the filter reads.
  RowBatch probe_;                    // The filter's input.
  std::vector<uint32_t> keep_;
};

}  // namespace

absl::Status ScanMemStore(const MemSnapshot& memory, const ScanRequest& request,
                          const RowBatchVisitor& visitor,
                          const absl::flat_hash_set<const Column*>* skip_columns,
                          const RowFilter* filter) {
  absl::StatusOr<ScanPredicate> predicate = ScanPredicate::Make(request);
  if (!predicate.ok()) return predicate.status();
  if (predicate->empty()) return absl::OkStatus();
  const AttributeProjection projection(request.attributes);
  ColumnScanner scanner(memory, *predicate, projection, visitor, filter);
  for (const Column& column : memory.columns()) {
    if (skip_columns != nullptr && skip_columns->contains(&column)) continue;
    if (!scanner.Scan(column)) return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace tsw::scan
