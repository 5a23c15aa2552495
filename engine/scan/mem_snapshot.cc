#include "engine/scan/mem_snapshot.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "engine/common/scan_predicate.h"

namespace tsw::scan {

using memstore::MeasureColumn;

absl::Status MemSnapshot::Pin(const memstore::MemStore& store, const model::TableSchema& schema,
                              const ScanRequest& request) {
  absl::StatusOr<ScanPredicate> predicate = ScanPredicate::Make(request);
  if (!predicate.ok()) return predicate.status();
  if (predicate->empty()) return absl::OkStatus();
  const absl::flat_hash_set<uint32_t> measures = model::MeasureIds(schema, request.measure_names);
  if (!request.measure_names.empty() && measures.empty()) return absl::OkStatus();
  const int64_t start = predicate->start_time(), end = predicate->end_time();
  const memstore::SeriesRegistry& registry = store.series();
  for (uint32_t id = 0; id < registry.size(); ++id) {
    const memstore::Series& series = registry.at(id);
    if (!predicate->SeriesMatches(series.dimensions)) continue;
    for (const uint32_t column_id : series.columns) {
      const MeasureColumn& column = store.column(column_id);
      if (!request.measure_names.empty() && !measures.contains(column.measure())) continue;
      const auto& chunks = column.chunks();
      // The first chunk that may hold times >= start, and the chunks up to the end.
      auto first = std::partition_point(chunks.begin(), chunks.end(),
                                        [start](const auto& c) { return c->times.back() < start; });
      auto last = first;
      while (last != chunks.end() && (*last)->times.front() < end) ++last;
      if (first == last) continue;
      // (A chunk may still hold no row in range: its rows straddle the whole range.)
      Column& pinned = columns_.emplace_back();
      pinned.series_ = &series;
      pinned.measure_name_ = &schema.measures.at(static_cast<int32_t>(column.measure())).name;
      pinned.type_ = column.type();
      for (size_t s = 0; s < column.slot_count(); ++s) {
        pinned.slot_types_.push_back(column.slot_type(s));
        if (column.multi()) {
          pinned.attribute_names_.push_back(
              &schema.attributes.at(static_cast<int32_t>(column.slot_attribute(s))).name);
        }
      }
      for (auto it = first; it != last; ++it) {
        pinned.chunks_.push_back(&chunks_.emplace_back(**it, &pinned.slot_types_));
      }
    }
  }
  if (!columns_.empty()) strings_ = store.strings().Pin();
  return absl::OkStatus();
}

}  // namespace tsw::scan
