#include "engine/memstore/mem_store.h"

#include <algorithm>
#include <cstdint>

namespace tsw::memstore {

MeasureColumn* MemStore::AddColumn(uint32_t series, uint32_t measure, MeasureValueType type) {
  const uint32_t id = static_cast<uint32_t>(columns_.size());
  columns_.push_back(std::make_unique<MeasureColumn>(series, measure, type));
  column_index_.emplace(ColumnKey(series, measure), id);
  Series& s = series_.at(series);
  s.columns.push_back(id);
  if (s.first_column == nullptr) {
    s.first_measure = measure;
    s.first_column = columns_.back().get();
  }
  return columns_.back().get();
}

int64_t MemStore::Points() const {
  int64_t points = 0;
  for (const auto& c : columns_) points += static_cast<int64_t>(c->rows());
  return points;
}

int64_t MemStore::OldestTime() const {
  int64_t oldest = INT64_MAX;
  for (const auto& c : columns_) {
    if (c->rows() > 0) oldest = std::min(oldest, c->first_time());
  }
  return oldest;
}

int64_t MemStore::MemoryBytes() const {
  int64_t bytes = series_.MemoryBytes() + strings_.MemoryBytes() +
                  static_cast<int64_t>(column_index_.capacity() * 16);
  for (const auto& c : columns_) bytes += c->MemoryBytes();
  return bytes;
}

}  // namespace tsw::memstore
