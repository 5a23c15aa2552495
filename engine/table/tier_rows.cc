#include "engine/table/tier_rows.h"

#include <cstring>
#include <string>

#include "engine/model/series_key.h"

namespace tsw::table {
namespace {

using memstore::MeasureColumn;

void AppendCell(MeasureValueType type, uint64_t cell, const memstore::StringPool& strings,
                RowColumn* out) {
  switch (type) {
    case MeasureValueType::kDouble: {
      double d;
      std::memcpy(&d, &cell, 8);
      out->doubles.push_back(d);
      break;
    }
    case MeasureValueType::kVarchar: {
      const absl::string_view s = strings.Get(static_cast<uint32_t>(cell));
      out->strings.emplace_back(s.data(), s.size());
      break;
    }
    default:
      out->ints.push_back(static_cast<int64_t>(cell));
      break;
  }
}

void AppendAbsent(MeasureValueType type, RowColumn* out) {
  switch (type) {
    case MeasureValueType::kDouble:
      out->doubles.push_back(0.0);
      break;
    case MeasureValueType::kVarchar:
      out->strings.emplace_back();
      break;
    default:
      out->ints.push_back(0);
      break;
  }
}

// The memory cell of value `i` of `column`. REQUIRES: the value is present.
uint64_t CellOf(const RowColumn& column, size_t i, memstore::StringPool* strings) {
  switch (column.type) {
    case MeasureValueType::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &column.doubles[i], 8);
      return bits;
    }
    case MeasureValueType::kVarchar:
      return strings->Intern(column.strings[i]);
    default:
      return static_cast<uint64_t>(column.ints[i]);
  }
}

bool Present(const RowColumn& column, size_t i) {
  return column.present.empty() || column.present[i] != 0;
}

}  // namespace

size_t CollectRows(const memstore::MemStore& store, const model::TableSchema& schema,
                   const MeasureColumn& column, int64_t min_time, int64_t cutoff, RowBatch* out,
                   std::vector<RowId>* expired) {
  const model::NameTable::Entry& measure =
      schema.measures.at(static_cast<int32_t>(column.measure()));
  out->dimensions = store.series().at(column.series()).dimensions;
  out->measure_name = measure.name;
  out->measure_value_type = column.type();
  out->time_nanos.clear();
  out->versions.clear();
  out->columns.resize(column.slot_count());
  for (size_t s = 0; s < column.slot_count(); ++s) {
    RowColumn& c = out->columns[s];
    c = RowColumn();
    c.name = column.multi()
                 ? schema.attributes.at(static_cast<int32_t>(column.slot_attribute(s))).name
                 : measure.name;
    c.type = column.slot_type(s);
  }
  std::vector<size_t> present_count(column.slot_count(), 0);
  size_t visited = 0;
  for (const auto& chunk : column.chunks()) {
    const MeasureColumn::Chunk& c = *chunk;
    if (c.times.front() >= cutoff) break;
    for (size_t r = 0; r < c.size() && c.times[r] < cutoff; ++r) {
      ++visited;
      if (c.times[r] < min_time) {
        expired->emplace_back(c.times[r], c.versions[r]);
        continue;
      }
      out->time_nanos.push_back(c.times[r]);
      out->versions.push_back(c.versions[r]);
      for (size_t s = 0; s < column.slot_count(); ++s) {
        RowColumn& to = out->columns[s];
        if (!column.multi()) {
          AppendCell(to.type, c.cells[s][r], store.strings(), &to);
          continue;
        }
        const bool present = c.present[s][r] != 0;
        to.present.push_back(present ? 1 : 0);
        if (present) {
          ++present_count[s];
          AppendCell(to.type, c.cells[s][r], store.strings(), &to);
        } else {
          AppendAbsent(to.type, &to);
        }
      }
    }
  }
  if (column.multi()) {
    // Attributes no row here has (a slot other rows use) stay out of the segment.
    size_t kept = 0;
    for (size_t s = 0; s < out->columns.size(); ++s) {
      if (present_count[s] == 0) continue;
      if (kept != s) out->columns[kept] = std::move(out->columns[s]);
      ++kept;
    }
    out->columns.resize(kept);
  }
  return visited;
}

MeasureColumn* InsertLookedUpRow(memstore::MemStore* store, model::TableSchema* schema,
                                 absl::string_view key, uint64_t hash, const RowBatch& row) {
  const bool multi = row.measure_value_type == MeasureValueType::kMulti;
  // Check every type before changing anything.
  int32_t measure = schema->measures.Find(row.measure_name);
  if (measure != model::NameTable::kAbsent &&
      schema->measures.at(measure).type != row.measure_value_type) {
    return nullptr;
  }
  if (!multi && (row.columns.size() != 1 || row.columns[0].type != row.measure_value_type)) {
    return nullptr;
  }
  for (const RowColumn& c : row.columns) {
    if (!multi || !Present(c, 0)) continue;
    const int32_t id = schema->attributes.Find(c.name);
    if (id != model::NameTable::kAbsent && schema->attributes.at(id).type != c.type) {
      return nullptr;
    }
  }
  memstore::SeriesRegistry& registry = store->series();
  uint32_t series = registry.Find(hash, key);
  MeasureColumn* column = nullptr;
  if (series != memstore::SeriesRegistry::kAbsent && measure != model::NameTable::kAbsent) {
    column = store->FindColumn(series, static_cast<uint32_t>(measure));
    if (column != nullptr && column->Locate(row.time_nanos[0]).found) return nullptr;
  }

  // Names the schema lacks come from a segment, so their batches are long durable: they are
  // added as if read from the schema file (sequence 0).
  if (measure == model::NameTable::kAbsent) {
    measure = schema->measures.Add(row.measure_name, row.measure_value_type, 0);
  }
  if (series == memstore::SeriesRegistry::kAbsent) {
    std::vector<Dimension> dimensions;
    model::DecodeSeriesKey(key, &dimensions);
    for (const Dimension& d : dimensions) {
      if (schema->dimensions.Find(d.name) == model::NameTable::kAbsent) {
        schema->dimensions.Add(d.name, MeasureValueType::kVarchar, 0);
      }
    }
    series = registry.Add(hash, key, std::move(dimensions));
  }
  if (column == nullptr) {
    column = store->AddColumn(series, static_cast<uint32_t>(measure), row.measure_value_type);
  }
  std::vector<uint64_t> cells(column->slot_count(), 0);
  std::vector<uint8_t> present;
  if (!multi) {
    cells[0] = CellOf(row.columns[0], 0, &store->strings());
  } else {
    for (const RowColumn& c : row.columns) {
      if (!Present(c, 0)) continue;
      int32_t attribute = schema->attributes.Find(c.name);
      if (attribute == model::NameTable::kAbsent) {
        attribute = schema->attributes.Add(c.name, c.type, 0);
      }
      int slot = column->FindSlot(static_cast<uint32_t>(attribute), 0);
      if (slot < 0)
        slot = static_cast<int>(column->AddSlot(static_cast<uint32_t>(attribute), c.type));
      cells.resize(column->slot_count(), 0);
      present.resize(column->slot_count(), 0);
      cells[slot] = CellOf(c, 0, &store->strings());
      present[slot] = 1;
    }
    cells.resize(column->slot_count(), 0);
    present.resize(column->slot_count(), 0);
  }
  const MeasureColumn::Position p = column->Locate(row.time_nanos[0]);
  column->Insert(p, row.time_nanos[0], row.versions[0], cells.data(),
                 multi ? present.data() : nullptr);
  return column;
}

}  // namespace tsw::table
