#include "engine/scan/chunk_copy.h"

#include <cstring>

namespace tsw::scan {

AttributeProjection::AttributeProjection(const model::TableSchema& schema,
                                         const std::vector<std::string>& names)
    : all_(names.empty()) {
  for (const std::string& name : names) {
    const int32_t id = schema.attributes.Find(name);
    if (id != model::NameTable::kAbsent) ids_.insert(static_cast<uint32_t>(id));
  }
}

void AttributeProjection::SlotsOf(const memstore::MeasureColumn& column,
                                  std::vector<size_t>* slots) const {
  slots->clear();
  for (size_t s = 0; s < column.slot_count(); ++s) {
    if (all_ || !column.multi() || ids_.contains(column.slot_attribute(s))) slots->push_back(s);
  }
}

void AppendChunkTimes(const memstore::MeasureColumn::Chunk& chunk, size_t row, size_t count,
                      RowBatch* out) {
  out->time_nanos.insert(out->time_nanos.end(), chunk.times.begin() + row,
                         chunk.times.begin() + row + count);
  chunk.versions.AppendTo(row, count, &out->versions);
}

void AppendChunkSlot(const memstore::StringPool& strings, const memstore::MeasureColumn& column,
                     const memstore::MeasureColumn::Chunk& chunk, size_t slot, size_t row,
                     size_t count, RowColumn* out) {
  const memstore::MeasureColumn::CellArray cells = chunk.cells[slot];
  const uint8_t* present = column.multi() ? chunk.present[slot].data() + row : nullptr;
  if (present != nullptr) {
    out->present.insert(out->present.end(), present, present + count);
  } else {
    out->present.insert(out->present.end(), count, 1);
  }
  switch (out->type) {
    case MeasureValueType::kDouble: {
      const size_t at = out->doubles.size();
      out->doubles.resize(at + count);
      cells.CopyTo(row, count, out->doubles.data() + at);
      break;
    }
    case MeasureValueType::kVarchar:
      for (size_t i = 0; i < count; ++i) {
        if (present != nullptr && !present[i]) {
          out->strings.emplace_back();
        } else {
          const absl::string_view text = strings.Get(static_cast<uint32_t>(cells[row + i]));
          out->strings.emplace_back(text.data(), text.size());
        }
      }
      break;
    default: {  // BIGINT, TIMESTAMP, BOOLEAN: the cell is the int64 (0/1 for BOOLEAN).
      const size_t at = out->ints.size();
      out->ints.resize(at + count);
      cells.CopyTo(row, count, out->ints.data() + at);
      break;
    }
  }
}

}  // namespace tsw::scan
