#include "engine/scan/chunk_copy.h"

#include <bit>
#include <cstring>

#include "engine/common/generated_range.h"

namespace tsw::scan {
namespace {

using CellArray = memstore::MeasureColumn::CellArray;

// Appends cells [row, row + count) to *out as T (double or int64, by their bits). A few
// wide cells are built in place (a filter's kept rows come in short runs, and a memset
// call per run cost more than the values); many are zero-filled and copied in bulk, as
// memset and memcpy cost less per value than insert's element loop.
template <typename T>
void AppendCells(const CellArray& cells, size_t row, size_t count, std::vector<T>* out) {
  constexpr size_t kFewCells = 32;
  if (const uint64_t* wide = cells.wide(); wide != nullptr && count <= kFewCells) {
    AppendGenerated(
        count, [wide = wide + row](size_t k) { return std::bit_cast<T>(wide[k]); }, out);
    return;
  }
  const size_t at = out->size();
  out->resize(at + count);
  cells.CopyTo(row, count, out->data() + at);
}

// Appends the cells at rows base + rows[k] to *out as T.
template <typename T>
void AppendCellsAt(const CellArray& cells, size_t base, absl::Span<const uint32_t> rows,
                   std::vector<T>* out) {
  if (const uint64_t* wide = cells.wide(); wide != nullptr) {
    AppendGenerated(
        rows.size(),
        [wide = wide + base, rows](size_t k) { return std::bit_cast<T>(wide[rows[k]]); }, out);
    return;
  }
  AppendGenerated(
      rows.size(),
      [&cells, base, rows](size_t k) { return std::bit_cast<T>(cells[base + rows[k]]); }, out);
}

}  // namespace

void AppendChunkTimes(const memstore::MeasureColumn::Chunk& chunk, size_t row, size_t count,
                      RowBatch* out) {
  out->time_nanos.insert(out->time_nanos.end(), chunk.times.begin() + row,
                         chunk.times.begin() + row + count);
  chunk.versions.AppendTo(row, count, &out->versions);
}

void AppendChunkTimesAt(const memstore::MeasureColumn::Chunk& chunk, size_t base,
                        absl::Span<const uint32_t> rows, RowBatch* out) {
  AppendGenerated(
      rows.size(), [&chunk, base, rows](size_t k) { return chunk.times[base + rows[k]]; },
      &out->time_nanos);
  AppendGenerated(
      rows.size(), [&chunk, base, rows](size_t k) { return chunk.versions[base + rows[k]]; },
      &out->versions);
}

void AppendChunkSlot(const memstore::StringPool::Reader& strings, bool multi,
                     const memstore::MeasureColumn::Chunk& chunk, size_t slot, size_t row,
                     size_t count, RowColumn* out) {
  const CellArray cells = chunk.cells[slot];
  const uint8_t* present =
      multi && !chunk.all_present() ? chunk.present[slot].data() + row : nullptr;
  if (present != nullptr) {
    out->present.insert(out->present.end(), present, present + count);
  } else {
    out->present.insert(out->present.end(), count, 1);
  }
  switch (out->type) {
    case MeasureValueType::kDouble:
      AppendCells(cells, row, count, &out->doubles);
      break;
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
    default:  // BIGINT, TIMESTAMP, BOOLEAN: the cell is the int64 (0/1 for BOOLEAN).
      AppendCells(cells, row, count, &out->ints);
      break;
  }
}

void SetChunkSlot(const memstore::StringPool::Reader& strings, bool multi,
                  const memstore::MeasureColumn::Chunk& chunk, size_t slot, size_t row,
                  size_t count, RowColumn* out) {
  if (out->type == MeasureValueType::kVarchar) {
    out->present.clear();
    out->doubles.clear();
    out->ints.clear();
    out->strings.clear();
    AppendChunkSlot(strings, multi, chunk, slot, row, count, out);
    return;
  }
  if (multi) {
    const uint8_t* present = chunk.present[slot].data() + row;
    out->present.assign(present, present + count);
  } else {
    out->present.assign(count, 1);
  }
  // Resized, not cleared first: resize zero-fills only what it adds past the buffer's
  // previous length, and CopyTo then overwrites every value.
  std::vector<double>& doubles = out->doubles;
  std::vector<int64_t>& ints = out->ints;
  out->strings.clear();
  const CellArray cells = chunk.cells[slot];
  if (out->type == MeasureValueType::kDouble) {
    ints.clear();
    doubles.resize(count);
    cells.CopyTo(row, count, doubles.data());
  } else {
    doubles.clear();
    ints.resize(count);
    cells.CopyTo(row, count, ints.data());
  }
}

void AppendChunkSlotAt(const memstore::StringPool::Reader& strings, bool multi,
                       const memstore::MeasureColumn::Chunk& chunk, size_t slot, size_t base,
                       absl::Span<const uint32_t> rows, RowColumn* out) {
  const CellArray cells = chunk.cells[slot];
  // A chunk whose rows all have every slot reads no presence bytes (only ones).
  const uint8_t* present =
      multi && !chunk.all_present() ? chunk.present[slot].data() + base : nullptr;
  if (present != nullptr) {
    AppendGenerated(
        rows.size(), [present, rows](size_t k) { return present[rows[k]]; }, &out->present);
  } else {
    out->present.insert(out->present.end(), rows.size(), 1);
  }
  switch (out->type) {
    case MeasureValueType::kDouble:
      AppendCellsAt(cells, base, rows, &out->doubles);
      break;
    case MeasureValueType::kVarchar:
      for (const uint32_t r : rows) {
        if (present != nullptr && !present[r]) {
          out->strings.emplace_back();
        } else {
          const absl::string_view text = strings.Get(static_cast<uint32_t>(cells[base + r]));
          out->strings.emplace_back(text.data(), text.size());
        }
      }
      break;
    default:
      AppendCellsAt(cells, base, rows, &out->ints);
      break;
  }
}

}  // namespace tsw::scan
