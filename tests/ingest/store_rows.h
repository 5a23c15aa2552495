// The rows a memory store holds, as plain numbers, for tests that compare what two paths
// stored (the applier's fast paths against the full path; a payload's replay against the
// store it was logged from).
#ifndef TSW_TESTS_INGEST_STORE_ROWS_H_
#define TSW_TESTS_INGEST_STORE_ROWS_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/memstore/mem_store.h"

namespace tsw::testing {

// Every row of every column of `store`, in column and time order: series, measure, time,
// version, then each slot's attribute id, presence and cell.
inline std::vector<std::vector<int64_t>> StoreRows(const memstore::MemStore& store) {
  std::vector<std::vector<int64_t>> rows;
  for (size_t id = 0; id < store.column_count(); ++id) {
    const memstore::MeasureColumn& column = store.column(static_cast<uint32_t>(id));
    for (const auto& chunk : column.chunks()) {
      for (size_t r = 0; r < chunk->size(); ++r) {
        std::vector<int64_t> row = {column.series(), column.measure(), chunk->times[r],
                                    chunk->versions[r]};
        for (size_t s = 0; s < column.slot_count(); ++s) {
          const bool present = !column.multi() || chunk->present[s][r] != 0;
          row.push_back(column.slot_attribute(s));
          row.push_back(present);
          row.push_back(present ? static_cast<int64_t>(chunk->cells[s][r]) : 0);
        }
        rows.push_back(std::move(row));
      }
    }
  }
  return rows;
}

}  // namespace tsw::testing

#endif  // TSW_TESTS_INGEST_STORE_ROWS_H_
