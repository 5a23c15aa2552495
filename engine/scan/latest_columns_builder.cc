#include "engine/scan/latest_columns_builder.h"

#include <algorithm>
#include <cstring>

namespace tsw::scan {

LatestColumnsBuilder::LatestColumnsBuilder(const model::TableSchema& schema,
                                           const std::vector<LatestColumnSpec>& specs,
                                           LatestColumns* out)
    : specs_(specs), out_(out), hints_(specs.size(), 0), segment_hints_(specs.size(), 0) {
  StartLatestColumns(specs, out);
  // Resolve's vectors hold at most one entry a spec: sized once, not grown entry by entry.
  cells_.reserve(specs.size());
  numeric_cells_.reserve(specs.size());
  numeric_targets_.reserve(specs.size());
  other_cells_.reserve(specs.size());
  attribute_ids_.assign(specs.size(), model::NameTable::kAbsent);
  for (size_t c = 0; c < specs.size(); ++c) {
    if (specs[c].kind == LatestColumnSpec::kAttribute) {
      attribute_ids_[c] = schema.attributes.Find(specs[c].name);
    }
  }
}

bool LatestColumnsBuilder::SameShape(const memstore::MeasureColumn& column) const {
  if (&column == shape_column_) return true;
  return shape_column_ != nullptr && column.type() == shape_column_->type() &&
         column.SameSlotsAs(*shape_column_);
}

void LatestColumnsBuilder::Resolve(const memstore::MeasureColumn& column) {
  shape_column_ = &column;
  shape_multi_ = column.multi();
  const size_t slots = column.slot_count();
  row_cells_.assign(slots, 0);
  wanted_slots_ = 0;
  per_cell_ = false;
  cells_.assign(specs_.size(), MemoryCell());
  numeric_cells_.clear();
  other_cells_.clear();
  for (size_t c = 0; c < specs_.size(); ++c) {
    const LatestColumnSpec& spec = specs_[c];
    MemoryCell& cell = cells_[c];
    int slot = -1;  // The value's slot in the column, for kMeasureValue and kAttribute.
    switch (spec.kind) {
      case LatestColumnSpec::kDimension:
        cell.op = MemoryCell::kDimension;
        continue;
      case LatestColumnSpec::kMeasureName:
        cell.op = MemoryCell::kMeasureName;
        continue;
      case LatestColumnSpec::kTime:
        cell.op = MemoryCell::kTime;
        continue;
      case LatestColumnSpec::kMeasureValue:
        if (!column.multi() && column.type() == spec.type) slot = 0;
        break;
      case LatestColumnSpec::kAttribute:
        if (column.multi() && attribute_ids_[c] != model::NameTable::kAbsent) {
          slot = column.FindSlot(static_cast<uint32_t>(attribute_ids_[c]), 0);
        }
        if (slot >= 0 && column.slot_type(static_cast<size_t>(slot)) != spec.type) slot = -1;
        break;
    }
    if (slot < 0) continue;  // kNull.
    cell.slot = static_cast<uint32_t>(slot);
    cell.op = spec.type == MeasureValueType::kDouble    ? MemoryCell::kDouble
              : spec.type == MeasureValueType::kVarchar ? MemoryCell::kString
                                                        : MemoryCell::kInt;
    if (cell.slot < 64 && cell.op != MemoryCell::kString) {
      numeric_cells_.push_back(
          {cell.slot, static_cast<uint32_t>(c), cell.op == MemoryCell::kDouble});
    }
    if (cell.slot < 64) {
      wanted_slots_ |= uint64_t{1} << cell.slot;
    } else {
      per_cell_ = true;
    }
  }
  // Every cell not in numeric_cells_.
  for (size_t c = 0, n = 0; c < cells_.size(); ++c) {
    if (n < numeric_cells_.size() && numeric_cells_[n].column == c) {
      ++n;
    } else {
      other_cells_.push_back(static_cast<uint32_t>(c));
    }
  }
  AimNumericTargets();
}

void LatestColumnsBuilder::AimNumericTargets() {
  numeric_targets_.clear();
  for (const NumericCell& n : numeric_cells_) {
    ScanColumn& column = out_->columns[n.column];
    char* values = n.is_double ? reinterpret_cast<char*>(column.doubles.data())
                               : reinterpret_cast<char*>(column.ints.data());
    numeric_targets_.push_back({column.present.data(), values, n.slot});
  }
}

void LatestColumnsBuilder::StoreCell(const MemoryCell& cell,
                                     const memstore::MeasureColumn::Chunk& chunk, size_t row,
                                     const uint64_t* cells, bool all_present,
                                     const memstore::StringPool::Reader& strings, size_t at,
                                     ScanColumn* to) const {
  // The row's place holds NULL already (SizeColumns): an absent cell is left as it is. A
  // scalar column has no presence: its every row has its value.
  if (cell.op == MemoryCell::kNull ||
      (shape_multi_ && !all_present && chunk.present[cell.slot][row] == 0)) {
    return;
  }
  const uint64_t bits = cells != nullptr ? cells[cell.slot] : chunk.cells[cell.slot][row];
  to->present[at] = 1;
  switch (cell.op) {
    case MemoryCell::kDouble:
      std::memcpy(&to->doubles[at], &bits, sizeof(bits));
      break;
    case MemoryCell::kString: {
      const absl::string_view text = strings.Get(static_cast<uint32_t>(bits));
      to->strings[at].assign(text.data(), text.size());
      break;
    }
    default:
      to->ints[at] = static_cast<int64_t>(bits);
      break;
  }
}

void LatestColumnsBuilder::AddMemory(const memstore::Series& series,
                                     const std::string& measure_name,
                                     const memstore::MeasureColumn& column,
                                     const memstore::MeasureColumn::Chunk& chunk, size_t row,
                                     const memstore::StringPool::Reader& strings) {
  if (!SameShape(column)) Resolve(column);
  const size_t at = out_->rows;
  if (at >= sized_) SizeColumns(std::max(at + 1, 2 * at));
  const bool all_present = chunk.all_present();
  ScanColumn* columns = out_->columns.data();
  // Where every wanted cell is present (the usual case), the DOUBLE and BIGINT-like cells
  // are stored in one tight loop, the others by kind below; else all of them by kind.
  const bool numeric_first = !per_cell_ && (!shape_multi_ || all_present);
  // Each cell straight from its slot's array when every slot is 8 bytes wide; else the
  // row's wanted cells in one walk over the slots (not one offset sum per cell).
  const uint64_t* wide = numeric_first ? chunk.wide_cells() : nullptr;
  const uint64_t* cells = nullptr;
  if (wide != nullptr) {
    const uint64_t* row_cells = wide + row;
    const size_t capacity = chunk.capacity();
    for (const NumericTarget& t : numeric_targets_) {
      t.present[at] = 1;
      std::memcpy(t.values + 8 * at, &row_cells[t.slot * capacity], 8);
    }
  } else if (!per_cell_) {
    chunk.ReadRowCells(row, wanted_slots_, row_cells_.data());
    cells = row_cells_.data();
    if (numeric_first) {
      for (const NumericTarget& t : numeric_targets_) {
        t.present[at] = 1;
        std::memcpy(t.values + 8 * at, &cells[t.slot], 8);
      }
    }
  }
  const size_t count = numeric_first ? other_cells_.size() : cells_.size();
  for (size_t k = 0; k < count; ++k) {
    const size_t c = numeric_first ? other_cells_[k] : k;
    const MemoryCell& cell = cells_[c];
    ScanColumn* to = &columns[c];
    switch (cell.op) {
      case MemoryCell::kDimension: {
        const std::string* value =
            FindLatestDimension(series.dimensions, specs_[c].name, &hints_[c]);
        if (value != nullptr) {
          to->present[at] = 1;
          to->strings[at] = *value;
        }
        break;
      }
      case MemoryCell::kMeasureName:
        to->present[at] = 1;
        to->strings[at] = measure_name;
        break;
      case MemoryCell::kTime:
        to->present[at] = 1;
        to->ints[at] = chunk.times[row];
        break;
      default:
        StoreCell(cell, chunk, row, cells, all_present, strings, at, to);
        break;
    }
  }
  out_->rows = at + 1;
}

void LatestColumnsBuilder::SizeColumns(size_t rows) {
  for (ScanColumn& column : out_->columns) {
    column.present.resize(rows, 0);
    switch (column.type) {
      case MeasureValueType::kDouble:
        column.doubles.resize(rows, 0);
        break;
      case MeasureValueType::kVarchar:
        column.strings.resize(rows);
        break;
      default:
        column.ints.resize(rows, 0);
        break;
    }
  }
  sized_ = rows;
  AimNumericTargets();
}

void LatestColumnsBuilder::Reserve(size_t rows) {
  if (out_->rows + rows > sized_) SizeColumns(out_->rows + rows);
}

void LatestColumnsBuilder::AddSegment(const RowBatch& row) {
  // AppendLatestRow appends: first the columns are cut to the rows so far.
  if (sized_ != out_->rows) SizeColumns(out_->rows);
  AppendLatestRow(row, 0, specs_, &segment_hints_, out_);
  sized_ = out_->rows;
}

void LatestColumnsBuilder::Finish() {
  if (sized_ != out_->rows) SizeColumns(out_->rows);
}

}  // namespace tsw::scan
