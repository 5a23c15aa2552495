// RowBatch: the engine's own unit of rows, apart from the public tsw::ScanBatch. The
// memory scanner builds RowBatches, the magnetic store stores, merges, looks up and
// returns them, eviction and compaction move them between the tiers. Only the scan
// boundary (TableStore::Scan) turns one into the caller's ScanBatch, with
// ScanBatchExchange, which moves vectors in and back out and so never copies a value.
//
// Shape (the same as ScanBatch's, which is what lets the exchange move rather than copy):
// the rows of one series (dimensions sorted by name) and one measure, in increasing time,
// each time once at its highest Version; one column named after a scalar measure, one per
// attribute of a MULTI measure. A column uses exactly one value vector, by `type`:
// DOUBLE -> doubles; BIGINT, TIMESTAMP -> ints; BOOLEAN -> ints (0 or 1); VARCHAR ->
// strings; `present` is 1 where the row has a value.
//
// Thread-compatible value types.
#ifndef TSW_ENGINE_COMMON_ROW_BATCH_H_
#define TSW_ENGINE_COMMON_ROW_BATCH_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tsw/types.h"

namespace tsw {

struct RowColumn {
  std::string name;  // The measure name (scalar) or the MULTI attribute name.
  MeasureValueType type = MeasureValueType::kDouble;
  std::vector<double> doubles;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<uint8_t> present;
};

struct RowBatch {
  std::vector<Dimension> dimensions;  // The series, sorted by name.
  std::string measure_name;
  MeasureValueType measure_value_type = MeasureValueType::kDouble;
  std::vector<int64_t> time_nanos;
  std::vector<int64_t> versions;
  std::vector<RowColumn> columns;
};

// How the scanners hand out their batches. The visitor may lend the batch's contents out
// for the length of the call (ScanBatchExchange) but leaves the batch as it found it: the
// scanner refills it for the next call. Returning false stops the scan.
using RowBatchVisitor = std::function<bool(RowBatch&)>;

// `value op constant` over a MULTI attribute: the row's value in the column named
// `attribute` of type `type` (DOUBLE or BIGINT). A row whose stream has no such column, or
// where it is absent (NULL), does not meet it. Compared as the query evaluator compares:
// a BIGINT value with an integer constant exactly; anything else as two doubles under IEEE
// rules (a BIGINT value converted to double first), except that a NaN value, or a NaN
// constant, may meet any bound (the evaluator's mixed integer/double comparison takes NaN
// as equal to every number).
struct ValueBound {
  enum class Op { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual };
  std::string attribute;
  MeasureValueType type = MeasureValueType::kDouble;
  Op op = Op::kEqual;
  bool integer = false;  // The constant is `i`; else it is `d`.
  int64_t i = 0;
  double d = 0;
};

// A scan's row filter: a query's WHERE over a few MULTI attributes, handed to the tiers so
// that they decode or copy a row's other columns only where the WHERE may hold. A scanner
// given one may leave out the rows `select` rejects, and may hand them out as well (the
// caller evaluates its WHERE again on what it gets), so a scanner applies it only where
// leaving rows out cannot change which version of a row wins (a segment block no other
// source overlaps, memory rows with no magnetic twin).
//
// `select` gets a batch with the rows' times and measure_value_type and, of the stream's
// columns, at least those named in `attributes` (others may be empty); dimensions and
// measure_name may be empty. It sets *rows to the rows (ascending) that may pass, or
// returns false to keep them all (the WHERE failed on them: the caller's own evaluation
// then reports that). It is called on the scanning thread, during the scan.
//
// `bounds` (may be empty) are conditions every row `select` keeps meets, so a scanner may
// leave out a whole block of a MULTI stream whose stored value summaries show that no row
// meets one of them (ValueBound), without reading it.
struct RowFilter {
  std::vector<std::string> attributes;
  std::function<bool(const RowBatch& batch, std::vector<uint32_t>* rows)> select;
  std::vector<ValueBound> bounds;
};

// Keeps rows `rows` (ascending, each < the row count) of `batch`'s times, versions and
// columns; a column with no values (an undecoded one) stays empty.
inline void KeepRows(const std::vector<uint32_t>& rows, RowBatch* batch) {
  auto keep = [&rows](auto& values) {
    if (values.empty()) return;
    for (size_t k = 0; k < rows.size(); ++k) {
      if (rows[k] != k) values[k] = std::move(values[rows[k]]);
    }
    values.resize(rows.size());
  };
  keep(batch->time_nanos);
  keep(batch->versions);
  for (RowColumn& c : batch->columns) {
    keep(c.present);
    keep(c.doubles);
    keep(c.ints);
    keep(c.strings);
  }
}

// Lends a RowBatch's contents to a public ScanBatch for the length of one visitor call:
// Lend moves every vector of `rows` into the exchange's ScanBatch, Return moves them
// back, so `rows` keeps its buffers (and their capacity) for the next batch. Costs a
// handful of pointer moves per column, never a copy of a value. Between Lend and Return
// `rows` is empty. The exchange keeps its own column vector, so a batch's columns are
// allocated once per scan, not once per batch.
class ScanBatchExchange {
 public:
  ScanBatch& Lend(RowBatch& rows) {
    batch_.dimensions = std::move(rows.dimensions);
    batch_.measure_name = std::move(rows.measure_name);
    batch_.measure_value_type = rows.measure_value_type;
    batch_.time_nanos = std::move(rows.time_nanos);
    batch_.versions = std::move(rows.versions);
    batch_.columns.resize(rows.columns.size());
    for (size_t i = 0; i < rows.columns.size(); ++i) {
      RowColumn& from = rows.columns[i];
      ScanColumn& to = batch_.columns[i];
      to.name = std::move(from.name);
      to.type = from.type;
      to.doubles = std::move(from.doubles);
      to.ints = std::move(from.ints);
      to.strings = std::move(from.strings);
      to.present = std::move(from.present);
    }
    return batch_;
  }

  void Return(RowBatch& rows) {
    rows.dimensions = std::move(batch_.dimensions);
    rows.measure_name = std::move(batch_.measure_name);
    rows.time_nanos = std::move(batch_.time_nanos);
    rows.versions = std::move(batch_.versions);
    for (size_t i = 0; i < rows.columns.size(); ++i) {
      ScanColumn& from = batch_.columns[i];
      RowColumn& to = rows.columns[i];
      to.name = std::move(from.name);
      to.doubles = std::move(from.doubles);
      to.ints = std::move(from.ints);
      to.strings = std::move(from.strings);
      to.present = std::move(from.present);
    }
  }

 private:
  ScanBatch batch_;
};

}  // namespace tsw

#endif  // TSW_ENGINE_COMMON_ROW_BATCH_H_
