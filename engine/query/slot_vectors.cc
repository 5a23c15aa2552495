#include "engine/query/slot_vectors.h"

#include <algorithm>
#include <utility>

namespace tsw::query {
namespace {

// Makes *v the constant string `value` (NULL when null), reusing its arrays.
void SetConstantString(const std::string* value, Vec* v) {
  v->type = ScalarType::kVarchar;
  v->constant = true;
  v->ints.clear();
  v->dbls.clear();
  v->present.assign(1, value != nullptr ? 1 : 0);
  v->strs.resize(1);
  if (value != nullptr) {
    v->strs[0] = *value;
  } else {
    v->strs[0].clear();
  }
}

// `from`, or its rows `rows` in that order when `rows` is not null, into *to (whose
// capacity is reused).
template <typename T>
void TakeRows(const std::vector<T>& from, const std::vector<uint32_t>* rows, std::vector<T>* to) {
  if (rows == nullptr) {
    *to = from;
    return;
  }
  to->resize(rows->size());
  for (size_t k = 0; k < rows->size(); ++k) (*to)[k] = from[(*rows)[k]];
}

// Makes *v a ScanBatch's column, or a RowBatch's (the tiers' own, which a RowFilter
// sees), reusing its arrays.
template <typename Column>
void SetFromScanColumn(const Column& c, ScalarType type, const std::vector<uint32_t>* rows,
                       Vec* v) {
  v->type = type;
  v->constant = false;
  v->ints.clear();
  v->dbls.clear();
  v->strs.clear();
  if (type == ScalarType::kDouble) {
    TakeRows(c.doubles, rows, &v->dbls);
  } else if (type == ScalarType::kVarchar) {
    TakeRows(c.strings, rows, &v->strs);
  } else {
    TakeRows(c.ints, rows, &v->ints);
  }
  const size_t n = std::max({v->dbls.size(), v->strs.size(), v->ints.size()});
  if (!c.present.empty()) {
    TakeRows(c.present, rows, &v->present);
  } else {
    v->present.assign(n, 1);
  }
}

}  // namespace

template <typename Batch>
void SetSlotVector(const Plan& plan, size_t slot, const Batch& batch,
                   const std::vector<uint32_t>* rows, Vec* v) {
  const TableColumnSource& source = plan.sources[slot];
  const ScalarType type = plan.input[slot].type;
  switch (source.kind) {
    case TableColumnSource::kDimension:
      for (const Dimension& d : batch.dimensions) {
        if (d.name == source.name) return SetConstantString(&d.value, v);
      }
      return SetConstantString(nullptr, v);
    case TableColumnSource::kMeasureName:
      return SetConstantString(&batch.measure_name, v);
    case TableColumnSource::kTime:
      v->type = ScalarType::kTimestamp;
      v->constant = false;
      v->dbls.clear();
      v->strs.clear();
      TakeRows(batch.time_nanos, rows, &v->ints);
      v->present.assign(v->ints.size(), 1);
      return;
    case TableColumnSource::kMeasureValue:
    case TableColumnSource::kAttribute:
      if (const auto* c = ValueColumn(plan, slot, batch); c != nullptr) {
        return SetFromScanColumn(*c, type, rows, v);
      }
      break;
  }
  *v = Vec::Nulls(type, 1, /*constant=*/true);
}

template void SetSlotVector<ScanBatch>(const Plan&, size_t, const ScanBatch&,
                                       const std::vector<uint32_t>*, Vec*);
template void SetSlotVector<RowBatch>(const Plan&, size_t, const RowBatch&,
                                      const std::vector<uint32_t>*, Vec*);

Vec* SlotVectors::Free(size_t slot) {
  std::shared_ptr<Vec>& v = held_[slot];
  if (v == nullptr || v.use_count() != 1) v = std::make_shared<Vec>();
  return v.get();
}

VecPtr SlotVectors::Lend(const Plan& plan, size_t slot, ScanBatch& batch, size_t rows) {
  Lent lent;
  lent.slot = slot;
  const TableColumnSource::Kind kind = plan.sources[slot].kind;
  const ScalarType type = plan.input[slot].type;
  if (kind == TableColumnSource::kTime) {
    lent.ints = &batch.time_nanos;
  } else if (kind == TableColumnSource::kMeasureValue || kind == TableColumnSource::kAttribute) {
    const ScanColumn* found = ValueColumn(plan, slot, batch);
    if (found == nullptr || found->present.empty()) return Set(plan, slot, batch, nullptr);
    ScanColumn* c = &batch.columns[static_cast<size_t>(found - batch.columns.data())];
    lent.present = &c->present;
    if (type == ScalarType::kDouble) {
      lent.dbls = &c->doubles;
    } else if (type == ScalarType::kVarchar) {
      lent.strs = &c->strings;
    } else {
      lent.ints = &c->ints;
    }
  } else {
    return Set(plan, slot, batch, nullptr);
  }
  for (const Lent& earlier : lent_) {
    if (earlier.ints == lent.ints && earlier.dbls == lent.dbls && earlier.strs == lent.strs &&
        earlier.present == lent.present) {
      return held_[earlier.slot];
    }
  }
  Vec* v = Free(slot);
  v->type = kind == TableColumnSource::kTime ? ScalarType::kTimestamp : type;
  v->constant = false;
  v->ints.clear();
  v->dbls.clear();
  v->strs.clear();
  Swap(lent, v);
  if (lent.present == nullptr) v->present.assign(rows, 1);
  lent_.push_back(lent);
  return held_[slot];
}

void SlotVectors::GiveBack() {
  for (const Lent& lent : lent_) {
    Vec& v = *held_[lent.slot];
    if (held_[lent.slot].use_count() == 1) {
      Swap(lent, &v);
      continue;
    }
    if (lent.ints != nullptr) *lent.ints = v.ints;
    if (lent.dbls != nullptr) *lent.dbls = v.dbls;
    if (lent.strs != nullptr) *lent.strs = v.strs;
    if (lent.present != nullptr) *lent.present = v.present;
  }
  lent_.clear();
}

void SlotVectors::Swap(const Lent& lent, Vec* v) {
  if (lent.ints != nullptr) lent.ints->swap(v->ints);
  if (lent.dbls != nullptr) lent.dbls->swap(v->dbls);
  if (lent.strs != nullptr) lent.strs->swap(v->strs);
  if (lent.present != nullptr) lent.present->swap(v->present);
}

}  // namespace tsw::query
