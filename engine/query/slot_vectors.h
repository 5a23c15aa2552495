// A scan's batches as the executor's input vectors: each input slot of a Plan is one
// column of a batch (a ScanBatch, or a RowFilter's RowBatch), set into a Vec whose arrays
// are reused from batch to batch, or lent from a mutable batch for one visit.
// Scratch of one scan: not thread-safe; nothing here outlives the scan that owns it.
#ifndef TSW_ENGINE_QUERY_SLOT_VECTORS_H_
#define TSW_ENGINE_QUERY_SLOT_VECTORS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/row_batch.h"
#include "engine/query/plan.h"
#include "engine/query/vector.h"
#include "tsw/types.h"

namespace tsw::query {

// The ScanColumn (or RowColumn) input slot `slot` reads from `batch`, or null (the slot is
// not a value column, or the batch lacks it).
template <typename Batch>
const typename decltype(Batch::columns)::value_type* ValueColumn(const Plan& plan, size_t slot,
                                                                 const Batch& batch) {
  const TableColumnSource& source = plan.sources[slot];
  if (source.kind == TableColumnSource::kMeasureValue) {
    if (batch.measure_value_type == source.value_type && !batch.columns.empty()) {
      return &batch.columns[0];
    }
  } else if (source.kind == TableColumnSource::kAttribute &&
             batch.measure_value_type == MeasureValueType::kMulti) {
    for (const auto& c : batch.columns) {
      if (c.name == source.name && ScalarOf(c.type) == plan.input[slot].type) return &c;
    }
  }
  return nullptr;
}

// Makes *v the input column `slot` of the rows of `batch`: all of them, or `rows` when not
// null. Its arrays are reused (a scan's batches fill the same vectors in turn).
// Defined for Batch = ScanBatch and RowBatch.
template <typename Batch>
void SetSlotVector(const Plan& plan, size_t slot, const Batch& batch,
                   const std::vector<uint32_t>* rows, Vec* v);

// The input vectors of one scan's batches, one per slot, each used again for the next
// batch once no one else holds it (the batch's evaluation is done with it): its arrays
// keep their capacity, never their values, which each batch sets anew. Scratch of one
// scan, so no allocation per batch and column.
class SlotVectors {
 public:
  explicit SlotVectors(size_t slots) : held_(slots) {}

  // Input column `slot` of `batch` (SetSlotVector), in the slot's own vector when that
  // is free, else in a new one that takes its place.
  template <typename Batch>
  VecPtr Set(const Plan& plan, size_t slot, const Batch& batch, const std::vector<uint32_t>* rows) {
    SetSlotVector(plan, slot, batch, rows, Free(slot));
    return held_[slot];
  }

  // As Set of all of `batch`'s rows, but a time or value column's arrays are moved into
  // the vector, not copied: the batch holds the vector's old arrays meanwhile. GiveBack
  // moves them back. A column two slots read is lent once, to both.
  // `rows`: the batch's row count (its times may be lent already).
  VecPtr Lend(const Plan& plan, size_t slot, ScanBatch& batch, size_t rows);

  // Moves the arrays Lend took back into their batch. A vector someone still holds keeps
  // them, and the batch gets a copy.
  void GiveBack();

 private:
  // The batch's arrays lent to held_[slot] (null: not lent).
  struct Lent {
    size_t slot = 0;
    std::vector<int64_t>* ints = nullptr;
    std::vector<double>* dbls = nullptr;
    std::vector<std::string>* strs = nullptr;
    std::vector<uint8_t>* present = nullptr;
  };

  // The slot's own vector when no one else holds it, else a new one in its place.
  Vec* Free(size_t slot);
  static void Swap(const Lent& lent, Vec* v);

  std::vector<std::shared_ptr<Vec>> held_;
  std::vector<Lent> lent_;
};

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_SLOT_VECTORS_H_
