#include "engine/scan/latest_columns_builder.h"

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

void LatestColumnsBuilder::AddMemory(const memstore::Series& series,
                                     const std::string& measure_name,
                                     const memstore::MeasureColumn& column,
                                     const memstore::MeasureColumn::Chunk& chunk, size_t row,
                                     const memstore::StringPool::Reader& strings) {
  for (size_t c = 0; c < specs_.size(); ++c) {
    const LatestColumnSpec& spec = specs_[c];
    ScanColumn* to = &out_->columns[c];
    int slot = -1;  // The value's slot in the column, for kMeasureValue and kAttribute.
    switch (spec.kind) {
      case LatestColumnSpec::kDimension: {
        const std::string* value = FindLatestDimension(series.dimensions, spec.name, &hints_[c]);
        AppendLatestValue(to, value != nullptr, 0, value != nullptr ? *value : absl::string_view());
        continue;
      }
      case LatestColumnSpec::kMeasureName:
        AppendLatestValue(to, true, 0, measure_name);
        continue;
      case LatestColumnSpec::kTime:
        AppendLatestValue(to, true, static_cast<uint64_t>(chunk.times[row]), {});
        continue;
      case LatestColumnSpec::kMeasureValue:
        if (!column.multi() && column.type() == spec.type) slot = 0;
        break;
      case LatestColumnSpec::kAttribute:
        if (column.multi() && attribute_ids_[c] != model::NameTable::kAbsent) {
          slot = column.FindSlot(static_cast<uint32_t>(attribute_ids_[c]), hints_[c]);
        }
        if (slot >= 0) hints_[c] = static_cast<size_t>(slot);
        if (slot >= 0 && column.slot_type(static_cast<size_t>(slot)) != spec.type) slot = -1;
        break;
    }
    const size_t s = static_cast<size_t>(slot);
    // A scalar column has no presence: its every row has its value.
    if (slot < 0 || (column.multi() && chunk.present[s][row] == 0)) {
      AppendLatestValue(to, false, 0, {});
      continue;
    }
    const uint64_t bits = chunk.cells[s][row];
    AppendLatestValue(to, true, bits,
                      spec.type == MeasureValueType::kVarchar
                          ? strings.Get(static_cast<uint32_t>(bits))
                          : absl::string_view());
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
