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

// What a chunk's presence views read while it stores no presence bytes: every slot of
// every row present. Never written.
uint8_t* AllOnes() {
  static uint8_t* const ones = [] {
    auto* p = new uint8_t[MeasureColumn::kMaxChunkRows];
    std::memset(p, 1, MeasureColumn::kMaxChunkRows);
    return p;
  }();
  return ones;
}

// The mask of slots [0, slots) that can be narrow.
uint64_t SlotsBelow(size_t slots) {
  return slots >= MeasureColumn::kMaxNarrowSlots ? ~uint64_t{0} : (uint64_t{1} << slots) - 1;
}

}  // namespace

MeasureColumn::MeasureColumn(uint32_t series, uint32_t measure, MeasureValueType type)
    : series_(series), measure_(measure), type_(type) {
  if (!multi()) {
    slot_attributes_.push_back(kScalarAttribute);
    slot_types_.push_back(type);
  }
}

MeasureColumn::Chunk::Chunk(size_t capacity, size_t slots, bool multi,
                            const std::vector<MeasureValueType>* types, uint64_t narrow)
    : types_(types),
      narrow_(narrow & SlotsBelow(slots)),
      capacity_(static_cast<uint32_t>(capacity)),
      slots_(static_cast<uint32_t>(slots)),
      multi_(multi) {
  block_ = NewBlock(BlockBytes(capacity, slots, false, false, narrow_slots()));
  cells_end_ = CellsEnd();
  SetViews();
}

MeasureColumn::Chunk::Chunk(const Chunk& live, const std::vector<MeasureValueType>* types)
    : block_(live.block_),
      types_(types),
      narrow_(live.narrow_),
      cells_end_(live.cells_end_),
      size_(live.size_),
      capacity_(live.capacity_),
      slots_(live.slots_),
      multi_(live.multi_),
      present_stored_(live.present_stored_),
      wide_versions_(live.wide_versions_) {
  SetViews();
}

void MeasureColumn::Chunk::SetViews() {
  times = RowArray<int64_t>(time_data(), &size_);
  versions = VersionArray(version_data(), wide_versions_, &size_);
  cells = CellArrays(this);
  if (!multi_) {
    present = SlotArrays<uint8_t>();
  } else if (present_stored_) {
    present = SlotArrays<uint8_t>(present_data(0), capacity_, slots_, &size_);
  } else {
    present = SlotArrays<uint8_t>(AllOnes(), 0, slots_, &size_);  // Every slot: the ones.
  }
}

void MeasureColumn::Chunk::Relayout(size_t capacity, size_t slots, bool materialize, bool widen,
                                    uint64_t narrow) {
  const ChunkBlock old = std::move(block_);  // Freed here unless a scan pinned it.
  const size_t old_capacity = capacity_, old_slots = slots_;
  const bool old_stored = present_stored_, old_wide = wide_versions_;
  const uint64_t old_narrow = narrow_;
  present_stored_ = multi_ && (old_stored || materialize);
  wide_versions_ = old_wide || widen;
  // A slot can only widen; a new slot is narrow if asked.
  narrow_ = narrow & (old_narrow | ~SlotsBelow(old_slots)) & SlotsBelow(slots);
  const char* const old_base = reinterpret_cast<const char*>(old.get());
  auto old_cells = [&](size_t s) { return old_base + CellOffset(old_narrow, old_capacity, s); };
  const auto* old_present = reinterpret_cast<const uint8_t*>(old_cells(old_slots));
  const uint8_t* old_versions = old_stored ? old_present + old_slots * old_capacity : old_present;
  capacity_ = static_cast<uint32_t>(capacity);
  slots_ = static_cast<uint32_t>(slots);
  block_ = NewBlock(BlockBytes(capacity, slots, present_stored_, wide_versions_, narrow_slots()));
  cells_end_ = CellsEnd();
  const size_t n = size_;
  std::memcpy(time_data(), old_base, n * 8);
  if (old_wide == wide_versions_) {
    std::memcpy(version_data(), old_versions, n * version_bytes());
  } else {  // Widening.
    int64_t* versions = wide_versions();
    for (size_t i = 0; i < n; ++i) versions[i] = old_versions[i];
  }
  for (size_t s = 0; s < slots; ++s) {
    if (s < old_slots) {
      const bool was_narrow = s < kMaxNarrowSlots && (old_narrow >> s & 1) != 0;
      if (was_narrow == this->narrow(s)) {
        std::memcpy(cell_bytes(s), old_cells(s), n * cell_width(s));
      } else {  // Widening: the cells' full form.
        const auto* from = reinterpret_cast<const uint32_t*>(old_cells(s));
        uint64_t* to = static_cast<uint64_t*>(cell_bytes(s));
        const MeasureValueType type = (*types_)[s];
        for (size_t i = 0; i < n; ++i) to[i] = WideCell(type, from[i]);
      }
      if (old_stored) {
        std::memcpy(present_data(s), old_present + s * old_capacity, n);
      } else if (present_stored_) {
        std::memset(present_data(s), 1, n);
      }
    } else {
      std::memset(cell_bytes(s), 0, n * cell_width(s));
      if (present_stored_) std::memset(present_data(s), 0, n);
    }
  }
  SetViews();
}

size_t MeasureColumn::AddSlot(uint32_t attribute, MeasureValueType type) {
  slot_attributes_.push_back(attribute);
  slot_types_.push_back(type);
  // Rows already held lack the new attribute: a chunk with rows stores presence bytes.
  for (auto& chunk : chunks_) {
    chunk->Relayout(chunk->capacity(), slot_count(), /*materialize=*/chunk->size() > 0);
  }
  return slot_attributes_.size() - 1;
}

std::unique_ptr<MeasureColumn::Chunk> MeasureColumn::NewChunk() const {
  // A column's first chunk grows from small (most series are short in memory); later
  // chunks belong to a busy series and get their full size at once, saving the copies.
  const size_t kInitialRows = chunks_.empty() ? 16 : kMaxChunkRows;
  return std::make_unique<Chunk>(kInitialRows, slot_count(), multi(), &slot_types_, narrow_slots_);
}

void MeasureColumn::Widen(Chunk* c, uint64_t misfits) {
  c->Relayout(c->capacity_, slot_count(), false, false, c->narrow_ & ~misfits);
  narrow_slots_ &= ~misfits;
}

MeasureColumn::Position MeasureColumn::LocateInside(int64_t time) const {
  Position p;
  // An upsert most often rewrites the column's newest row (its last write): no search.
  if (time == last_time_) {
    p.chunk = static_cast<uint32_t>(chunks_.size() - 1);
    p.row = static_cast<uint32_t>(tail_->size() - 1);
    p.found = true;
    return p;
  }
  // The first chunk whose last time is >= time; it exists since last_time_ > time. Late
  // rows are mostly recent ones (an upsert of the last request's points), in the tail
  // chunk or the one before: those are tried first, without the binary search's cache
  // misses over every chunk of a long column.
  auto it = chunks_.end() - 1;
  if (time < tail_->times.front()) {
    if (chunks_.size() >= 2 && time >= (*(it - 1))->times.front()) {
      --it;  // (If `time` is past its last row, it goes before the tail's first: the tail.)
      if ((*it)->times.back() < time) ++it;
    } else {
      it = std::partition_point(chunks_.begin(), chunks_.end(),
                                [time](const auto& c) { return c->times.back() < time; });
    }
  }
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

void MeasureColumn::SetRow(Chunk* c, size_t row, const uint64_t* cells, const uint8_t* present,
                           const uint32_t* codes) {
  MaybeStorePresence(c, present);
  uint32_t narrow[kMaxNarrowSlots];
  if (const uint64_t misfits = NarrowRow(*c, cells, codes, narrow); misfits != 0) {
    Widen(c, misfits);
  }
  c->PutRow(row, cells, narrow);
  if (c->present_stored_) {
    for (size_t s = 0; s < slot_count(); ++s) c->present_data(s)[row] = present[s];
  }
}

void MeasureColumn::OverwriteSlow(Position p, int64_t version, const uint64_t* cells,
                                  const uint8_t* present, const uint32_t* codes) {
  Chunk* c = chunks_[p.chunk].get();
  Unshare(c);
  c->StoreVersion(p.row, version);
  SetRow(c, p.row, cells, present, codes);
}

void MeasureColumn::InsertSlow(Position p, int64_t time, int64_t version, const uint64_t* cells,
                               const uint8_t* present, const uint32_t* codes) {
  ++rows_;
  if (chunks_.empty()) {
    chunks_.push_back(NewChunk());
    tail_ = chunks_.back().get();
    p = Position();
  }
  Chunk* c = chunks_[p.chunk].get();
  const size_t slots = slot_count();
  const bool at_end = c == tail_ && p.row == c->size_;
  uint32_t narrow[kMaxNarrowSlots];
  if (at_end) {
    if (c->size_ == c->capacity_) {
      if (c->size_ >= kMaxChunkRows) {
        chunks_.push_back(NewChunk());
        c = tail_ = chunks_.back().get();
      } else {
        c->Relayout(std::min<size_t>(c->capacity_ * 2, kMaxChunkRows), slots);
      }
    }
    MaybeStorePresence(c, present);
    if (const uint64_t misfits = NarrowRow(*c, cells, codes, narrow); misfits != 0) {
      Widen(c, misfits);
    }
    last_time_ = time;
    const size_t row = c->size_++;
    c->time_data()[row] = time;
    c->StoreVersion(row, version);  // (Before taking pointers: it may widen the block.)
    c->PutRow(row, cells, narrow);
    if (c->present_stored_) {
      uint8_t* pres = c->present_data(0) + row;
      for (size_t s = 0; s < slots; ++s) pres[s * c->capacity_] = present[s];
    }
    return;
  }
  if (c->size_ >= kMaxChunkRows) {
    // Split: the upper half moves to a new chunk right after this one, laid out alike.
    const size_t half = c->size_ / 2;
    const size_t moved = c->size_ - half;
    auto upper = std::make_unique<Chunk>(kMaxChunkRows, slots, multi(), &slot_types_, c->narrow_);
    if (c->present_stored_ || c->wide_versions_) {
      upper->Relayout(kMaxChunkRows, slots, c->present_stored_, c->wide_versions_);
    }
    const size_t version_bytes = c->version_bytes();
    std::memcpy(upper->time_data(), c->time_data() + half, moved * 8);
    std::memcpy(upper->version_data(), c->narrow_versions() + half * version_bytes,
                moved * version_bytes);
    for (size_t s = 0; s < slots; ++s) {
      const size_t width = c->cell_width(s);
      std::memcpy(upper->cell_bytes(s), static_cast<char*>(c->cell_bytes(s)) + half * width,
                  moved * width);
      if (c->present_stored_) {
        std::memcpy(upper->present_data(s), c->present_data(s) + half, moved);
      }
    }
    upper->size_ = static_cast<uint32_t>(moved);
    c->size_ = static_cast<uint32_t>(half);
    Unshare(c);  // (After the split: only the half it keeps is copied.)
    chunks_.insert(chunks_.begin() + p.chunk + 1, std::move(upper));
    tail_ = chunks_.back().get();
    if (p.row > half) {
      ++p.chunk;
      p.row -= static_cast<uint32_t>(half);
      c = chunks_[p.chunk].get();
    }
  } else if (c->size_ == c->capacity_) {
    c->Relayout(std::min<size_t>(c->capacity_ * 2, kMaxChunkRows), slots);
  }
  MaybeStorePresence(c, present);
  if (!c->VersionFits(version)) c->Relayout(c->capacity_, slots, false, /*widen=*/true);
  if (const uint64_t misfits = NarrowRow(*c, cells, codes, narrow); misfits != 0) {
    Widen(c, misfits);
  }
  Unshare(c);
  // Opens row p.row in every array.
  const size_t row = p.row, after = c->size_ - row;
  std::memmove(c->time_data() + row + 1, c->time_data() + row, after * 8);
  const size_t version_bytes = c->version_bytes();
  uint8_t* const versions = c->narrow_versions();
  std::memmove(versions + (row + 1) * version_bytes, versions + row * version_bytes,
               after * version_bytes);
  c->time_data()[row] = time;
  c->StoreVersion(row, version);
  for (size_t s = 0; s < slots; ++s) {
    const size_t width = c->cell_width(s);
    char* const cell = static_cast<char*>(c->cell_bytes(s));
    std::memmove(cell + (row + 1) * width, cell + row * width, after * width);
    c->PutCell(s, row, cells[s], narrow);
    if (c->present_stored_) {
      uint8_t* pres = c->present_data(s);
      std::memmove(pres + row + 1, pres + row, after);
      pres[row] = present[s];
    }
  }
  ++c->size_;
}

void MeasureColumn::PrefetchTail(int step) const {
  if (step == 0) {
    // Own heap blocks: a MULTI write looks its attributes' slots up, an upsert compares
    // by slot type.
    __builtin_prefetch(slot_attributes_.data());
    __builtin_prefetch(slot_types_.data());
  }
  const Chunk* c = tail_;
  if (c == nullptr) return;
  if (step == 0) {
    // The fields an append reads (the views before them are for readers).
    __builtin_prefetch(&c->block_);
    __builtin_prefetch(&c->present_stored_);
    return;
  }
  // An append writes row size_; an upsert of the newest row rewrites row size_ - 1, most
  // often in the same lines.
  const size_t row = std::min<size_t>(c->size_, c->capacity_ - 1);
  // The times, then each slot's cells; then the versions, after the cells and any
  // presence bytes.
  __builtin_prefetch(c->block_.get() + 8 * row, 1);
  const std::byte* array = static_cast<const std::byte*>(c->cell_bytes(0));
  uint64_t narrow_slots = c->narrow_;  // Slot s's bit shifted down to bit 0.
  for (size_t s = 0; s < c->slots_; ++s, narrow_slots >>= 1) {
    const size_t width = 8 - 4 * (narrow_slots & 1);
    __builtin_prefetch(array + row * width, 1);
    array += width * c->capacity_;
  }
  Chunk* const chunk = const_cast<Chunk*>(c);  // version_data() only computes an address.
  __builtin_prefetch(chunk->narrow_versions() + row * chunk->version_bytes(), 1);
}

void MeasureColumn::Upsert(int64_t time, int64_t version, const uint64_t* cells,
                           const uint8_t* present, const uint32_t* codes) {
  const Position p = Locate(time);
  if (p.found) {
    Overwrite(p, version, cells, present, codes);
  } else {
    Insert(p, time, version, cells, present, codes);
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
      if (c.times[r] < cutoff && remove(c.times[r], c.versions[r])) {
        if (kept == r) Unshare(&c);  // The chunk's first removal: nothing moved yet.
        continue;
      }
      if (kept != r) {
        c.times[kept] = c.times[r];
        c.StoreVersion(kept, c.versions[r]);
        for (size_t s = 0; s < slot_count(); ++s) {
          c.MoveCell(s, r, kept);
          if (c.present_stored_) c.present[s][kept] = c.present[s][r];
        }
      }
      ++kept;
    }
    if (kept == n) continue;
    removed += n - kept;
    c.size_ = static_cast<uint32_t>(kept);
  }
  if (removed > 0) {
    rows_ -= removed;
    AfterRemoval();
  }
  return removed;
}

void MeasureColumn::Erase(Position p) {
  Chunk* c = chunks_[p.chunk].get();
  Unshare(c);
  const size_t row = p.row, after = c->size_ - row - 1;
  std::memmove(c->time_data() + row, c->time_data() + row + 1, after * 8);
  const size_t version_bytes = c->version_bytes();
  uint8_t* const versions = c->narrow_versions();
  std::memmove(versions + row * version_bytes, versions + (row + 1) * version_bytes,
               after * version_bytes);
  for (size_t s = 0; s < slot_count(); ++s) {
    const size_t width = c->cell_width(s);
    char* const cell = static_cast<char*>(c->cell_bytes(s));
    std::memmove(cell + row * width, cell + (row + 1) * width, after * width);
    if (c->present_stored_) {
      std::memmove(c->present_data(s) + row, c->present_data(s) + row + 1, after);
    }
  }
  --c->size_;
  --rows_;
  AfterRemoval();
}

void MeasureColumn::MapCells(size_t slot, absl::FunctionRef<uint64_t(uint64_t cell)> map) {
  uint32_t narrow[kMaxNarrowSlots];
  for (auto& chunk : chunks_) {
    Chunk* const c = chunk.get();
    Unshare(c);
    for (size_t r = 0; r < c->size(); ++r) {
      if (multi() && !c->present[slot][r]) continue;
      const uint64_t cell = map(c->cells[slot][r]);
      if (c->narrow(slot) && !NarrowCell(slot_types_[slot], cell, kNoDecimal, &narrow[slot])) {
        Widen(c, uint64_t{1} << slot);
      }
      c->PutCell(slot, r, cell, narrow);
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
    bytes += sizeof(Chunk) + Chunk::BlockBytes(c->capacity(), slot_count(), c->present_stored(),
                                               c->wide_versions_, c->narrow_slots());
  }
  return bytes;
}

}  // namespace tsw::memstore
