#include "engine/scan/latest_columns_builder.h"

#include <cstring>

namespace tsw::scan {

LatestColumnsBuilder::LatestColumnsBuilder(const model::TableSchema& schema,
                                           const std::vector<LatestColumnSpec>& specs,
                                           LatestColumns* out)
    : specs_(specs), out_(out), hints_(specs.size(), 0), segment_hints_(specs.size(), 0) {
  StartLatestColumns(specs, out);
  attribute_ids_.assign(specs.size(), model::NameTable::kAbsent);
  for (size_t c = 0; c < specs.size(); ++c) {
    if (specs[c].kind == LatestColumnSpec::kAttribute) {
      attribute_ids_[c] = schema.attributes.Find(specs[c].name);
    }
  }
}

bool LatestColumnsBuilder::SameShape(const memstore::MeasureColumn& column) const {
  if (&column == shape_column_) return true;
  if (shape_column_ == nullptr || column.multi() != shape_multi_ || column.type() != shape_type_ ||
      !column.SlotsAre(shape_attributes_.data(), shape_attributes_.size())) {
    return false;
  }
  for (size_t s = 0; s < shape_types_.size(); ++s) {
    if (column.slot_type(s) != shape_types_[s]) return false;
  }
  return true;
}

void LatestColumnsBuilder::Resolve(const memstore::MeasureColumn& column) {
  shape_column_ = &column;
  shape_multi_ = column.multi();
  shape_type_ = column.type();
  const size_t slots = column.slot_count();
  shape_attributes_.resize(slots);
  shape_types_.resize(slots);
  for (size_t s = 0; s < slots; ++s) {
    shape_attributes_[s] = column.slot_attribute(s);
    shape_types_[s] = column.slot_type(s);
  }
  row_cells_.assign(slots, 0);
  wanted_slots_ = 0;
  per_cell_ = false;
  cells_.assign(specs_.size(), MemoryCell());
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
    if (cell.slot < 64) {
      wanted_slots_ |= uint64_t{1} << cell.slot;
    } else {
      per_cell_ = true;
    }
  }
}

void LatestColumnsBuilder::AppendCell(const MemoryCell& cell,
                                      const memstore::MeasureColumn::Chunk& chunk, size_t row,
                                      const uint64_t* cells,
                                      const memstore::StringPool::Reader& strings,
                                      ScanColumn* to) const {
  // A scalar column has no presence: its every row has its value.
  if (cell.op == MemoryCell::kNull || (shape_multi_ && chunk.present[cell.slot][row] == 0)) {
    AppendLatestValue(to, false, 0, {});
    return;
  }
  const uint64_t bits = cells != nullptr ? cells[cell.slot] : chunk.cells[cell.slot][row];
  to->present.push_back(1);
  switch (cell.op) {
    case MemoryCell::kDouble: {
      double d;
      std::memcpy(&d, &bits, sizeof(d));
      to->doubles.push_back(d);
      break;
    }
    case MemoryCell::kString:
      to->strings.emplace_back(strings.Get(static_cast<uint32_t>(bits)));
      break;
    default:
      to->ints.push_back(static_cast<int64_t>(bits));
      break;
  }
}

void LatestColumnsBuilder::AddMemory(const memstore::Series& series,
                                     const std::string& measure_name,
                                     const memstore::MeasureColumn& column,
                                     const memstore::MeasureColumn::Chunk& chunk, size_t row,
                                     const memstore::StringPool::Reader& strings) {
  if (!SameShape(column)) Resolve(column);
  // The row's wanted cells in one walk over the slots (not one offset sum per cell).
  const uint64_t* cells = nullptr;
  if (!per_cell_) {
    chunk.ReadRowCells(row, wanted_slots_, row_cells_.data());
    cells = row_cells_.data();
  }
  for (size_t c = 0; c < cells_.size(); ++c) {
    const MemoryCell& cell = cells_[c];
    ScanColumn* to = &out_->columns[c];
    switch (cell.op) {
      case MemoryCell::kDimension: {
        const std::string* value =
            FindLatestDimension(series.dimensions, specs_[c].name, &hints_[c]);
        AppendLatestValue(to, value != nullptr, 0, value != nullptr ? *value : absl::string_view());
        break;
      }
      case MemoryCell::kMeasureName:
        AppendLatestValue(to, true, 0, measure_name);
        break;
      case MemoryCell::kTime:
        to->present.push_back(1);
        to->ints.push_back(chunk.times[row]);
        break;
      default:
        AppendCell(cell, chunk, row, cells, strings, to);
        break;
    }
  }
  ++out_->rows;
}

void LatestColumnsBuilder::Reserve(size_t rows) {
  const size_t n = out_->rows + rows;
  for (ScanColumn& column : out_->columns) {
    column.present.reserve(n);
    switch (column.type) {
      case MeasureValueType::kDouble:
        column.doubles.reserve(n);
        break;
      case MeasureValueType::kVarchar:
        column.strings.reserve(n);
        break;
      default:
        column.ints.reserve(n);
        break;
    }
  }
}

void LatestColumnsBuilder::AddSegment(const RowBatch& row) {
  AppendLatestRow(row, 0, specs_, &segment_hints_, out_);
}

}  // namespace tsw::scan
