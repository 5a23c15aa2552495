#include "engine/scan/chunk_copy.h"

#include <cstring>

namespace tsw::scan {

void AppendChunkTimes(const memstore::MeasureColumn::Chunk& chunk, size_t row, size_t count,
                      RowBatch* out) {
  out->time_nanos.insert(out->time_nanos.end(), chunk.times.begin() + row,
                         chunk.times.begin() + row + count);
  chunk.versions.AppendTo(row, count, &out->versions);
}

void AppendChunkSlot(const memstore::StringPool::Reader& strings, bool multi,
                     const memstore::MeasureColumn::Chunk& chunk, size_t slot, size_t row,
                     size_t count, RowColumn* out) {
  const memstore::MeasureColumn::CellArray cells = chunk.cells[slot];
  const uint8_t* present = multi ? chunk.present[slot].data() + row : nullptr;
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
