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

using memstore::MeasureColumn;

// Fills and hands out the batches of one column.
class ColumnScanner {
 public:
  ColumnScanner(const memstore::MemStore& store, const model::TableSchema& schema,
                const ScanPredicate& predicate, const AttributeProjection& projection,
                const RowBatchVisitor& visitor)
      : store_(store),
        schema_(schema),
        predicate_(predicate),
        projection_(projection),
        visitor_(visitor) {}

  // False once the visitor asked to stop.
  bool Scan(const memstore::Series& series, const MeasureColumn& column) {
    const auto& chunks = column.chunks();
    // The first chunk that may hold times >= start.
    auto chunk = std::partition_point(chunks.begin(), chunks.end(), [this](const auto& c) {
      return c->times.back() < predicate_.start_time();
    });
    started_ = false;
    for (; chunk != chunks.end(); ++chunk) {
      const MeasureColumn::Chunk& c = **chunk;
      if (c.times.front() >= predicate_.end_time()) break;
      size_t row = std::lower_bound(c.times.begin(), c.times.end(), predicate_.start_time()) -
                   c.times.begin();
      const size_t end =
          std::lower_bound(c.times.begin() + row, c.times.end(), predicate_.end_time()) -
          c.times.begin();
      while (row < end) {
        if (!started_) Start(series, column);
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
  void Start(const memstore::Series& series, const MeasureColumn& column) {
    started_ = true;
    batch_.dimensions = series.dimensions;
    const model::NameTable::Entry& measure =
        schema_.measures.at(static_cast<int32_t>(column.measure()));
    batch_.measure_name = measure.name;
    batch_.measure_value_type = column.type();
    projection_.SlotsOf(column, &slots_);
    batch_.columns.resize(slots_.size());
    for (size_t i = 0; i < slots_.size(); ++i) {
      const size_t s = slots_[i];
      RowColumn& out = batch_.columns[i];
      out.name = column.multi()
                     ? schema_.attributes.at(static_cast<int32_t>(column.slot_attribute(s))).name
                     : measure.name;
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

  void Append(const MeasureColumn& column, const MeasureColumn::Chunk& c, size_t row,
              size_t count) {
    AppendChunkTimes(c, row, count, &batch_);
    for (size_t i = 0; i < slots_.size(); ++i) {
      AppendChunkSlot(store_.strings(), column, c, slots_[i], row, count, &batch_.columns[i]);
    }
  }

  const memstore::MemStore& store_;
  const model::TableSchema& schema_;
  const ScanPredicate& predicate_;
  const AttributeProjection& projection_;
  const RowBatchVisitor& visitor_;
  RowBatch batch_;
  std::vector<size_t> slots_;  // The current column's slots to copy (the projection).
  bool started_ = false;
};

}  // namespace

absl::Status ScanMemStore(const memstore::MemStore& store, const model::TableSchema& schema,
                          const ScanRequest& request, const RowBatchVisitor& visitor,
                          const absl::flat_hash_set<uint32_t>* skip_columns) {
  absl::StatusOr<ScanPredicate> predicate = ScanPredicate::Make(request);
  if (!predicate.ok()) return predicate.status();
  if (predicate->empty()) return absl::OkStatus();
  absl::flat_hash_set<uint32_t> measures;
  for (const std::string& name : request.measure_names) {
    const int32_t id = schema.measures.Find(name);
    if (id != model::NameTable::kAbsent) measures.insert(static_cast<uint32_t>(id));
  }
  if (!request.measure_names.empty() && measures.empty()) return absl::OkStatus();
  const AttributeProjection projection(schema, request.attributes);
  ColumnScanner scanner(store, schema, *predicate, projection, visitor);
  const memstore::SeriesRegistry& registry = store.series();
  for (uint32_t id = 0; id < registry.size(); ++id) {
    const memstore::Series& series = registry.at(id);
    if (!predicate->SeriesMatches(series.dimensions)) continue;
    for (const uint32_t column_id : series.columns) {
      const MeasureColumn& column = store.column(column_id);
      if (!request.measure_names.empty() && !measures.contains(column.measure())) continue;
      if (column.rows() == 0) continue;
      if (skip_columns != nullptr && skip_columns->contains(column_id)) continue;
      if (!scanner.Scan(series, column)) return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

}  // namespace tsw::scan
