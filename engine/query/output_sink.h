// The last stage of a query: evaluates the output expressions over the rows that reach
// it, removes duplicates (DISTINCT), orders (ORDER BY, bounded by LIMIT), cuts at LIMIT
// and hands the rows on in QueryBatches.
#ifndef TSW_ENGINE_QUERY_OUTPUT_SINK_H_
#define TSW_ENGINE_QUERY_OUTPUT_SINK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/query/evaluator.h"
#include "engine/query/plan.h"
#include "tsw/query.h"

namespace tsw::query {

// Counts the bytes a query holds against its limit.
class MemoryBudget {
 public:
  explicit MemoryBudget(int64_t limit) : limit_(limit) {}
  absl::Status Charge(int64_t bytes);
  void Release(int64_t bytes) { used_ -= bytes; }

 private:
  int64_t limit_;
  int64_t used_ = 0;
};

class OutputSink {
 public:
  OutputSink(const Plan& plan, const EvalContext& ctx, MemoryBudget* budget,
             std::function<bool(const QueryBatch&)> visitor);

  // Takes the rows `sel` of `chunk` (the plan's input rows, or its group rows).
  // False once no further rows can change the answer (LIMIT reached, visitor stopped).
  // `in_order`: the caller put `sel` in the ORDER BY's order (one key, sorted as
  // SortByOneValue sorts it in that key's direction and NULL placement, no two rows
  // equal), so the sink neither sorts nor checks them if they are its first rows.
  absl::StatusOr<bool> Consume(const Chunk& chunk, const Sel& sel, bool in_order = false);
  // Hands on what is still held.
  absl::Status Finish();

 private:
  bool Ordered() const { return !plan_.order.empty(); }
  // `in_order`: as Consume's.
  absl::Status Append(const std::vector<VecPtr>& values, const std::vector<uint32_t>& rows,
                      bool in_order);
  // Appends rows rows[0..count) of `values` (rows [0, count) if `rows` is null), handing
  // on each full batch.
  void AppendInBatches(const std::vector<VecPtr>& values, const uint32_t* rows, size_t count);
  // `rows`, or fewer: as many as LIMIT still wants (none: stopped_ is set).
  size_t LimitedRows(size_t rows);
  // ORDER BY one key whose values are of its buffer column's type and not constant, and
  // at least two rows: the rows can be put in order as they are appended (SortRows).
  bool SortableOnAppend(const std::vector<VecPtr>& values, size_t rows) const;
  // ORDER BY one key, rows into an empty buffer: `rows` in the key's order into *sorted
  // (the buffered rows then need no sort, in_order_). REQUIRES: SortableOnAppend.
  void SortRows(const std::vector<VecPtr>& values, const std::vector<uint32_t>& rows,
                std::vector<uint32_t>* sorted) const;
  void SortAndTruncate(size_t keep);
  bool Flush(size_t rows);
  bool FlushWhole();
  // The memory charged for buffered rows [begin, end): 9 bytes a cell, and a string's
  // size and 24 more for each VARCHAR cell.
  int64_t RowsBytes(size_t begin, size_t end) const;

  const Plan& plan_;
  const EvalContext& ctx_;
  MemoryBudget* budget_;
  std::function<bool(const QueryBatch&)> visitor_;
  std::vector<QueryColumn> buffer_;  // Outputs, then the sort keys that are not outputs.
  QueryBatch batch_;                 // FlushWhole's, its columns swapped with buffer_'s.
  size_t buffered_ = 0;
  int64_t buffered_bytes_ = 0;
  int64_t emitted_ = 0;
  bool stopped_ = false;          // No further rows are wanted.
  bool visitor_stopped_ = false;  // The visitor returned false.
  // In Finish: no batch follows the next, after which buffer_ is not read (FlushWhole
  // leaves its columns moved from).
  bool finishing_ = false;
  bool in_order_ = false;                  // The buffered rows are in the ORDER BY's order.
  absl::flat_hash_set<std::string> seen_;  // DISTINCT rows as bytes.
  std::vector<uint32_t> rows_;             // Consume's rows; capacity kept between chunks.
};

// Appends rows `rows` of `v` to `out` (BOOLEAN/TIMESTAMP/BIGINT as ints).
void AppendToColumn(const Vec& v, const std::vector<uint32_t>& rows, QueryColumn& out);
void AppendToColumn(const Vec& v, const uint32_t* rows, size_t n, QueryColumn& out);
// Appends rows [first, first + n) of `v` to `out`, as AppendToColumn would.
void AppendRangeToColumn(const Vec& v, size_t first, size_t n, QueryColumn& out);
// Rows [begin, end) of `c` as a vector.
Vec VecFromColumn(const QueryColumn& c, size_t begin, size_t end);
// Appends row `row` of `v` as bytes that identify its value (DISTINCT, group keys).
void AppendKeyBytes(const Vec& v, size_t row, std::string* out);
// Orders `order` (rows of `v`, which is not constant) by `v`'s values as the sink orders
// one ORDER BY key: `descending`, NULLs first or last by `nulls_first` alone, NaN above
// every double, ties by row. Equal values end up adjacent.
void SortByOneValue(const Vec& v, bool descending, bool nulls_first, std::vector<uint32_t>* order);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_OUTPUT_SINK_H_
