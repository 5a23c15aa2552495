#include "engine/memstore/measure_column.h"

#include <algorithm>
#include <cstring>

namespace tsw::memstore {
namespace {

bool CellEquals(MeasureValueType type, uint64_t a, uint64_t b) {
  if (type != MeasureValueType::kDouble) return a == b;
  double x, y;
  std::memcpy(&x, &a, 8);
  std::memcpy(&y, &b, 8);
  return x == y;  // 0.0 equals -0.0; NaN never reaches the store.
}

}  // namespace

MeasureColumn::MeasureColumn(uint32_t series, uint32_t measure, MeasureValueType type)
    : series_(series), measure_(measure), type_(type) {
  if (!multi()) {
    slot_attributes_.push_back(kScalarAttribute);
    slot_types_.push_back(type);
  }
}

size_t MeasureColumn::AddSlot(uint32_t attribute, MeasureValueType type) {
  slot_attributes_.push_back(attribute);
  slot_types_.push_back(type);
  for (auto& chunk : chunks_) {
    chunk->cells.emplace_back(chunk->size(), 0);
    chunk->present.emplace_back(chunk->size(), 0);
  }
  return slot_attributes_.size() - 1;
}

std::unique_ptr<MeasureColumn::Chunk> MeasureColumn::NewChunk() const {
  // A column's first chunk grows from small (most series are short in memory); later
  // chunks belong to a busy series and get their full size at once, saving the copies.
  const size_t kInitialRows = chunks_.empty() ? 16 : kMaxChunkRows;
  auto chunk = std::make_unique<Chunk>();
  chunk->times.reserve(kInitialRows);
  chunk->versions.reserve(kInitialRows);
  chunk->cells.resize(slot_count());
  for (auto& cells : chunk->cells) cells.reserve(kInitialRows);
  if (multi()) {
    chunk->present.resize(slot_count());
    for (auto& present : chunk->present) present.reserve(kInitialRows);
  }
  return chunk;
}

MeasureColumn::Position MeasureColumn::LocateInside(int64_t time) const {
  Position p;
  // The first chunk whose last time is >= time; it exists since last_time_ >= time.
  auto it = std::partition_point(chunks_.begin(), chunks_.end(),
                                 [time](const auto& c) { return c->times.back() < time; });
  const Chunk& c = **it;
  auto row = std::lower_bound(c.times.begin(), c.times.end(), time);
  p.chunk = static_cast<uint32_t>(it - chunks_.begin());
  p.row = static_cast<uint32_t>(row - c.times.begin());
  p.found = *row == time;
  return p;
}

bool MeasureColumn::RowEquals(Position p, const uint64_t* cells, const uint8_t* present) const {
  const Chunk& c = *chunks_[p.chunk];
  for (size_t s = 0; s < slot_count(); ++s) {
    if (multi()) {
      const uint8_t stored = c.present[s][p.row];
      if (stored != present[s]) return false;
      if (!stored) continue;
    }
    if (!CellEquals(slot_types_[s], c.cells[s][p.row], cells[s])) return false;
  }
  return true;
}

void MeasureColumn::SetRow(Chunk* c, size_t row, const uint64_t* cells, const uint8_t* present) {
  for (size_t s = 0; s < slot_count(); ++s) {
    c->cells[s][row] = cells[s];
    if (multi()) c->present[s][row] = present[s];
  }
}

void MeasureColumn::Overwrite(Position p, int64_t version, const uint64_t* cells,
                              const uint8_t* present) {
  Chunk* c = chunks_[p.chunk].get();
  c->versions[p.row] = version;
  SetRow(c, p.row, cells, present);
}

void MeasureColumn::Insert(Position p, int64_t time, int64_t version, const uint64_t* cells,
                           const uint8_t* present) {
  ++rows_;
  if (chunks_.empty()) {
    chunks_.push_back(NewChunk());
    tail_ = chunks_.back().get();
    p = Position();
  }
  Chunk* c = chunks_[p.chunk].get();
  const bool at_end = c == tail_ && p.row == c->size();
  if (at_end) {
    if (c->size() >= kMaxChunkRows) {
      chunks_.push_back(NewChunk());
      c = tail_ = chunks_.back().get();
    }
    last_time_ = time;
    c->times.push_back(time);
    c->versions.push_back(version);
    for (size_t s = 0; s < slot_count(); ++s) {
      c->cells[s].push_back(cells[s]);
      if (multi()) c->present[s].push_back(present[s]);
    }
    return;
  }
  if (c->size() >= kMaxChunkRows) {
    // Split: the upper half moves to a new chunk right after this one.
    const size_t half = c->size() / 2;
    std::unique_ptr<Chunk> upper = NewChunk();
    upper->times.assign(c->times.begin() + half, c->times.end());
    c->times.resize(half);
    upper->versions.assign(c->versions.begin() + half, c->versions.end());
    c->versions.resize(half);
    for (size_t s = 0; s < slot_count(); ++s) {
      upper->cells[s].assign(c->cells[s].begin() + half, c->cells[s].end());
      c->cells[s].resize(half);
      if (multi()) {
        upper->present[s].assign(c->present[s].begin() + half, c->present[s].end());
        c->present[s].resize(half);
      }
    }
    chunks_.insert(chunks_.begin() + p.chunk + 1, std::move(upper));
    tail_ = chunks_.back().get();
    if (p.row > half) {
      ++p.chunk;
      p.row -= static_cast<uint32_t>(half);
      c = chunks_[p.chunk].get();
    }
  }
  c->times.insert(c->times.begin() + p.row, time);
  c->versions.insert(c->versions.begin() + p.row, version);
  for (size_t s = 0; s < slot_count(); ++s) {
    c->cells[s].insert(c->cells[s].begin() + p.row, cells[s]);
    if (multi()) c->present[s].insert(c->present[s].begin() + p.row, present[s]);
  }
}

void MeasureColumn::Upsert(int64_t time, int64_t version, const uint64_t* cells,
                           const uint8_t* present) {
  const Position p = Locate(time);
  if (p.found) {
    Overwrite(p, version, cells, present);
  } else {
    Insert(p, time, version, cells, present);
  }
}

size_t MeasureColumn::RemoveBefore(int64_t cutoff,
                                   absl::FunctionRef<bool(int64_t time, int64_t version)> remove) {
  size_t removed = 0;
  for (auto& chunk_ptr : chunks_) {
    Chunk& c = *chunk_ptr;
    if (c.times.front() >= cutoff) break;  // Chunks do not overlap: none further is older.
    const size_t n = c.size();
    size_t kept = 0;
    for (size_t r = 0; r < n; ++r) {
      if (c.times[r] < cutoff && remove(c.times[r], c.versions[r])) continue;
      if (kept != r) {
        c.times[kept] = c.times[r];
        c.versions[kept] = c.versions[r];
        for (size_t s = 0; s < slot_count(); ++s) {
          c.cells[s][kept] = c.cells[s][r];
          if (multi()) c.present[s][kept] = c.present[s][r];
        }
      }
      ++kept;
    }
    if (kept == n) continue;
    removed += n - kept;
    c.times.resize(kept);
    c.versions.resize(kept);
    for (size_t s = 0; s < slot_count(); ++s) {
      c.cells[s].resize(kept);
      if (multi()) c.present[s].resize(kept);
    }
  }
  if (removed > 0) {
    rows_ -= removed;
    AfterRemoval();
  }
  return removed;
}

void MeasureColumn::Erase(Position p) {
  Chunk* c = chunks_[p.chunk].get();
  c->times.erase(c->times.begin() + p.row);
  c->versions.erase(c->versions.begin() + p.row);
  for (size_t s = 0; s < slot_count(); ++s) {
    c->cells[s].erase(c->cells[s].begin() + p.row);
    if (multi()) c->present[s].erase(c->present[s].begin() + p.row);
  }
  --rows_;
  AfterRemoval();
}

void MeasureColumn::MapCells(size_t slot, absl::FunctionRef<uint64_t(uint64_t cell)> map) {
  for (auto& chunk : chunks_) {
    std::vector<uint64_t>& cells = chunk->cells[slot];
    for (size_t r = 0; r < cells.size(); ++r) {
      if (!multi() || chunk->present[slot][r]) cells[r] = map(cells[r]);
    }
  }
}

void MeasureColumn::AfterRemoval() {
  chunks_.erase(std::remove_if(chunks_.begin(), chunks_.end(),
                               [](const std::unique_ptr<Chunk>& c) { return c->size() == 0; }),
                chunks_.end());
  if (chunks_.empty()) {
    std::vector<std::unique_ptr<Chunk>>().swap(chunks_);  // Frees the chunk list too.
    tail_ = nullptr;
    last_time_ = 0;
    return;
  }
  tail_ = chunks_.back().get();
  last_time_ = tail_->times.back();
}

int64_t MeasureColumn::MemoryBytes() const {
  int64_t bytes = sizeof(MeasureColumn) + slot_attributes_.capacity() * 5;
  for (const auto& c : chunks_) {
    bytes += sizeof(Chunk) + (c->times.capacity() + c->versions.capacity()) * 8;
    for (const auto& cells : c->cells) bytes += cells.capacity() * 8 + sizeof(cells);
    for (const auto& present : c->present) bytes += present.capacity() + sizeof(present);
  }
  return bytes;
}

}  // namespace tsw::memstore
