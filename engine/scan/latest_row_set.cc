#include "engine/scan/latest_row_set.h"

#include <cstring>

namespace tsw::scan {
namespace {

uint64_t BitsOf(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  return bits;
}

double DoubleOf(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

}  // namespace

uint32_t LatestRowSet::NameId(const std::string& name, uint32_t hint) {
  if (hint < names_.size() && names_[hint] == name) return hint;
  auto [it, inserted] = name_ids_.try_emplace(name, static_cast<uint32_t>(names_.size()));
  if (inserted) names_.push_back(name);
  return it->second;
}

void LatestRowSet::BeginRow(const std::vector<Dimension>* dimensions,
                            const std::string& measure_name, MeasureValueType type, int64_t time,
                            int64_t version) {
  const uint32_t hint = keys_.empty() ? 0 : keys_.back().measure_name;
  Key key;
  key.dimensions = dimensions;
  key.measure_name = NameId(measure_name, hint);
  key.type = type;
  key.time = time;
  key.version = version;
  key.first_cell = static_cast<uint32_t>(cells_.size());
  keys_.push_back(key);
}

void LatestRowSet::AddCell(const std::string& name, MeasureValueType type, bool present,
                           uint64_t bits, absl::string_view text) {
  Key& key = keys_.back();
  // The previous row's name at this position: the likely one.
  uint32_t hint = 0;
  if (keys_.size() > 1) {
    const Key& previous = keys_[keys_.size() - 2];
    if (key.cells < previous.cells) hint = cells_[previous.first_cell + key.cells].name;
  }
  Cell cell;
  cell.name = NameId(name, hint);
  cell.type = type;
  cell.present = present;
  cell.bits = bits;
  if (type == MeasureValueType::kVarchar) {
    cell.bits = strings_.size();
    strings_.emplace_back(text.data(), text.size());
  }
  cells_.push_back(cell);
  ++key.cells;
}

void LatestRowSet::Add(const RowBatch& row, const std::vector<Dimension>* dimensions) {
  if (dimensions == nullptr) dimensions = &copied_dimensions_.emplace_back(row.dimensions);
  BeginRow(dimensions, row.measure_name, row.measure_value_type, row.time_nanos.at(0),
           row.versions.empty() ? 0 : row.versions[0]);
  for (const RowColumn& from : row.columns) {
    const bool present = from.present.empty() || from.present[0] != 0;
    switch (from.type) {
      case MeasureValueType::kDouble:
        AddCell(from.name, from.type, present, BitsOf(from.doubles.empty() ? 0 : from.doubles[0]),
                {});
        break;
      case MeasureValueType::kVarchar:
        AddCell(from.name, from.type, present, 0,
                from.strings.empty() ? absl::string_view() : absl::string_view(from.strings[0]));
        break;
      default:
        AddCell(from.name, from.type, present,
                static_cast<uint64_t>(from.ints.empty() ? 0 : from.ints[0]), {});
        break;
    }
  }
}

void LatestRowSet::Get(size_t i, RowBatch* out) const {
  const Key& key = keys_[i];
  out->dimensions = *key.dimensions;
  out->measure_name = names_[key.measure_name];
  out->measure_value_type = key.type;
  out->time_nanos.assign(1, key.time);
  out->versions.assign(1, key.version);
  out->columns.resize(key.cells);
  for (uint32_t c = 0; c < key.cells; ++c) {
    const Cell& cell = cells_[key.first_cell + c];
    RowColumn& to = out->columns[c];
    to.name = names_[cell.name];
    to.type = cell.type;
    to.doubles.clear();
    to.ints.clear();
    to.strings.clear();
    to.present.assign(1, cell.present ? 1 : 0);
    switch (cell.type) {
      case MeasureValueType::kDouble:
        to.doubles.push_back(DoubleOf(cell.bits));
        break;
      case MeasureValueType::kVarchar:
        to.strings.push_back(strings_[cell.bits]);
        break;
      default:
        to.ints.push_back(static_cast<int64_t>(cell.bits));
        break;
    }
  }
}

}  // namespace tsw::scan
