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

bool MemStore::CompactStrings() {
  if (strings_.size() < 2 * strings_after_compaction_ + 4096) return false;
  StringPool fresh;
  for (const auto& c : columns_) {
    for (size_t s = 0; s < c->slot_count(); ++s) {
      if (c->slot_type(s) != MeasureValueType::kVarchar) continue;
      c->MapCells(s, [&](uint64_t cell) -> uint64_t {
        return fresh.Intern(strings_.Get(static_cast<uint32_t>(cell)));
      });
    }
  }
  strings_ = std::move(fresh);
  strings_after_compaction_ = strings_.size();
  return true;
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
