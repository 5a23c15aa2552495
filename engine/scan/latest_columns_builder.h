// LatestColumnsBuilder: the rows of a latest-row scan (latest_scanner.h) appended to a
// LatestColumns (engine/common/latest_columns.h), one value per wanted column, read
// straight from the memory chunk or the segment's one-row batch. Nothing else of a row
// is copied: a query reading one dimension and ten attributes of a row with ten
// dimensions copies eleven values, not twenty.
//
// Wanted attributes are resolved to the schema's attribute ids once, and the wanted
// columns to what each copies from a memory row (its dimension, the time, a slot's cell
// of some type, or nothing) once per column shape (slots and their types): the rows of
// one measure's columns mostly share one, so a memory row is copied cell by cell without
// looking a slot up or checking its type.
//
// Memory rows are written in place: the columns are sized ahead (Reserve) to more rows
// than written, their values NULL (0, empty), and each memory row stores its cells at
// index `rows` with no growth check per cell. Finish cuts them back to `rows`; until
// then LatestColumns' "every array is `rows` long" does not hold.
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

  // Cuts every column to the rows added. REQUIRES: called once, after the last Add.
  void Finish();

 private:
  // What spec c copies from a memory row of the current shape.
  struct MemoryCell {
    enum Op : uint8_t { kDimension, kMeasureName, kTime, kNull, kDouble, kInt, kString };
    Op op = kNull;
    uint32_t slot = 0;  // kDouble, kInt, kString.
  };
  // True if `column` has the shape cells_ were resolved for.
  bool SameShape(const memstore::MeasureColumn& column) const;
  void Resolve(const memstore::MeasureColumn& column);
  // Stores the value of `cell` from row `row` of `chunk` at row `at` of `to`; `cells`
  // holds the row's cells of the slots in wanted_slots_ (null: read each from the chunk);
  // `all_present`: the chunk's rows have every slot.
  void StoreCell(const MemoryCell& cell, const memstore::MeasureColumn::Chunk& chunk, size_t row,
                 const uint64_t* cells, bool all_present,
                 const memstore::StringPool::Reader& strings, size_t at, ScanColumn* to) const;
  // Sizes every column to `rows` rows (new ones NULL).
  void SizeColumns(size_t rows);
  // Sets numeric_targets_ from numeric_cells_ and the columns' arrays as they are now.
  void AimNumericTargets();

  const std::vector<LatestColumnSpec>& specs_;
  LatestColumns* out_;
  std::vector<int32_t> attribute_ids_;  // Per spec: kAttribute's id in the schema, or absent.
  std::vector<size_t> hints_;           // Per spec: where the last memory row had it.
  std::vector<size_t> segment_hints_;   // The same for segment rows (their own order).

  // The shape cells_ answer: the column last resolved (a memory column, which outlives
  // the builder: the scan holds the table's lock), whose type and slots any other column
  // must match to share them.
  const memstore::MeasureColumn* shape_column_ = nullptr;
  bool shape_multi_ = false;
  std::vector<MemoryCell> cells_;  // Per spec.
  // The cells of cells_ that copy a DOUBLE or BIGINT-like cell of a slot below 64, in
  // spec order: stored straight from row_cells_ when the row has every slot.
  struct NumericCell {
    uint32_t slot = 0;
    uint32_t column = 0;  // The spec's index.
    bool is_double = false;
  };
  std::vector<NumericCell> numeric_cells_;
  // Per numeric_cells_ entry, where its column's arrays are: AimNumericTargets sets them
  // whenever the cells are resolved or the columns sized (an AddSegment's appends move
  // them, but leave the columns to be sized again before the next memory row).
  struct NumericTarget {
    uint8_t* present = nullptr;
    char* values = nullptr;  // The doubles' or ints' bytes.
    uint32_t slot = 0;
  };
  std::vector<NumericTarget> numeric_targets_;
  std::vector<uint32_t> other_cells_;  // The specs of every other cell, in order.
  uint64_t wanted_slots_ = 0;          // A bit per slot some cell reads.
  bool per_cell_ = false;              // A cell reads a slot from 64 on: cells[s][row] each.
  std::vector<uint64_t> row_cells_;    // Per slot: a row's cells, read once per row.
  // Rows every column is sized to: rows [out_->rows, sized_) are NULL, for AddMemory to
  // fill in place. Equal to out_->rows after an AddSegment (which appends).
  size_t sized_ = 0;
};

}  // namespace tsw::scan

#endif  // TSW_ENGINE_SCAN_LATEST_COLUMNS_BUILDER_H_
