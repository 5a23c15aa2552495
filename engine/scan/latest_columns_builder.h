// LatestColumnsBuilder: the rows of a latest-row scan (latest_scanner.h) appended to a
// LatestColumns (engine/common/latest_columns.h), one value per wanted column, read
// straight from the memory chunk or the segment's one-row batch. Nothing else of a row
// is copied: a query reading one dimension and ten attributes of a row with ten
// dimensions copies eleven values, not twenty.
//
// Wanted attributes are resolved to the schema's attribute ids once, so a memory row's
// slot is found by id (at the previous row's slot first), not by name.
//
// Thread-compatible; reads the memory store under the caller's shared table lock.
#ifndef TSW_ENGINE_SCAN_LATEST_COLUMNS_BUILDER_H_
#define TSW_ENGINE_SCAN_LATEST_COLUMNS_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/common/latest_columns.h"
#include "engine/common/row_batch.h"
#include "engine/memstore/mem_store.h"
#include "engine/model/table_schema.h"
#include "tsw/types.h"

namespace tsw::scan {

class LatestColumnsBuilder {
 public:
  // Rows go to *out, which gets one (empty) column per spec now. `schema` and `specs`
  // must outlive the builder.
  LatestColumnsBuilder(const model::TableSchema& schema, const std::vector<LatestColumnSpec>& specs,
                       LatestColumns* out);

  // Row `row` of `chunk`, a chunk of `column` (of series `series`, measure
  // `measure_name`); VARCHAR cells are read through `strings`.
  void AddMemory(const memstore::Series& series, const std::string& measure_name,
                 const memstore::MeasureColumn& column, const memstore::MeasureColumn::Chunk& chunk,
                 size_t row, const memstore::StringPool::Reader& strings);

  // Room for `rows` more rows in every column.
  void Reserve(size_t rows);

  // Row 0 of `row`, a segment's one-row batch.
  void AddSegment(const RowBatch& row);

 private:
  const std::vector<LatestColumnSpec>& specs_;
  LatestColumns* out_;
  std::vector<int32_t> attribute_ids_;  // Per spec: kAttribute's id in the schema, or absent.
  std::vector<size_t> hints_;           // Per spec: where the last memory row had it.
  std::vector<size_t> segment_hints_;   // The same for segment rows (their own order).
};

}  // namespace tsw::scan

#endif  // TSW_ENGINE_SCAN_LATEST_COLUMNS_BUILDER_H_
