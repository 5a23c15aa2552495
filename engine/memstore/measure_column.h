// The rows of one (series, measure) in the memory store, column by column.
//
// A MeasureColumn is a time-ordered list of chunks; each chunk holds up to kMaxChunkRows
// rows as parallel arrays: time, version, and one cell array per value slot (a scalar
// measure has one slot; a MULTI measure one per attribute, each with a presence array).
// A cell is the value's bits: a double's bit pattern, an int64 (BIGINT, TIMESTAMP
// nanoseconds), 0/1 (BOOLEAN) or a StringPool id (VARCHAR). A chunk stores a slot's cells
// in 4 bytes each while every one of them has a narrow form (NarrowCell: a DOUBLE's
// decimal code, an int64 that fits in 32 bits), else in 8.
//
// Invariants: times strictly increase across the whole column (each time at most once,
// holding the row's highest Version); chunks are non-empty and their time ranges do not
// overlap. Appending at the end is the fast path; an older time is inserted in place (a
// full chunk splits in two). REQUIRES: external synchronization (the table's lock).
//
// Pinning (copy-on-write): a scan copies a chunk's layout under the table's shared lock
// (Chunk's pinning constructor), sharing its heap block, and then reads the rows it pinned
// with no lock held. A writer changes rows of a block, or lowers a chunk's row count, only
// once no pin shares the block (it clones it first: Unshare); appends past the row count
// write bytes no pin reads, so they need no copy. See engine/memstore/README.md.
#ifndef TSW_ENGINE_MEMSTORE_MEASURE_COLUMN_H_
#define TSW_ENGINE_MEMSTORE_MEASURE_COLUMN_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/functional/function_ref.h"
#include "engine/common/decimal_code.h"
#include "tsw/types.h"

namespace tsw::memstore {

// The 4-byte form of a cell of `type` holding `bits`, if it has one: a DOUBLE's decimal
// code below 2^31 (`code` if the caller knows it, else kNoDecimal to look for one), an
// integer's low 32 bits when they sign-extend back to it, a BOOLEAN or VARCHAR id as is.
inline bool NarrowCell(MeasureValueType type, uint64_t bits, uint32_t code, uint32_t* out) {
  switch (type) {
    case MeasureValueType::kDouble:
      if (code == kNoDecimal) code = FindDecimalCode(bits);
      *out = code;
      return code < (1u << 31);
    case MeasureValueType::kBigint:
    case MeasureValueType::kTimestamp:
      *out = static_cast<uint32_t>(bits);
      return static_cast<int64_t>(bits) == static_cast<int32_t>(*out);
    default:
      *out = static_cast<uint32_t>(bits);
      return bits <= UINT32_MAX;
  }
}
// The cell a NarrowCell form stands for.
inline uint64_t WideCell(MeasureValueType type, uint32_t narrow) {
  switch (type) {
    case MeasureValueType::kDouble: {
      uint64_t bits = 0;
      DecimalCodeBits(narrow, &bits);
      return bits;
    }
    case MeasureValueType::kBigint:
    case MeasureValueType::kTimestamp:
      return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(narrow)));
    default:
      return narrow;
  }
}

// True if the `n` 4-byte words at `a` and at `b` are equal, compared 8 bytes at a time.
inline bool SameWords(const void* a, const void* b, size_t n) {
  const char* x = static_cast<const char*>(a);
  const char* y = static_cast<const char*>(b);
  const size_t bytes = 4 * n;
  uint64_t diff = 0;
  size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    uint64_t u, v;
    std::memcpy(&u, x + i, 8);
    std::memcpy(&v, y + i, 8);
    diff |= u ^ v;
  }
  if (i < bytes) {
    uint32_t u, v;
    std::memcpy(&u, x + i, 4);
    std::memcpy(&v, y + i, 4);
    diff |= u ^ v;
  }
  return diff == 0;
}

// The number of bits set in `x`, inline: without -mpopcnt __builtin_popcountll is a
// library call, and cell addresses are worked out per write.
inline size_t BitCount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555);
  x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0F;
  return static_cast<size_t>((x * 0x0101010101010101) >> 56);
}

// The heap block of a chunk's rows, shared by the chunk and the scans that pinned it; the
// last owner frees it. The count is read by writers only, under the table's exclusive lock,
// so no new owner can appear while a writer looks; owners leave at any time.
class ChunkBlock {
 public:
  ChunkBlock() = default;
  // A block of `bytes` uninitialized bytes, 16-byte aligned, with one owner.
  static ChunkBlock New(size_t bytes) {
    ChunkBlock b;
    b.header_ = new (::operator new(kHeaderBytes + bytes)) Header;
    return b;
  }
  ChunkBlock(const ChunkBlock& other) : header_(other.header_) {
    if (header_ != nullptr) header_->owners.fetch_add(1, std::memory_order_relaxed);
  }
  ChunkBlock(ChunkBlock&& other) noexcept : header_(std::exchange(other.header_, nullptr)) {}
  ChunkBlock& operator=(ChunkBlock other) noexcept {
    std::swap(header_, other.header_);
    return *this;
  }
  ~ChunkBlock() {
    // acq_rel: this owner's reads happen before a writer's changes, once it sees it gone
    // (shared()), and before the free.
    if (header_ != nullptr && header_->owners.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      header_->~Header();
      ::operator delete(header_);
    }
  }

  std::byte* get() const { return reinterpret_cast<std::byte*>(header_) + kHeaderBytes; }
  // True while another owner (a scan's pin) holds the block.
  bool shared() const { return header_->owners.load(std::memory_order_acquire) > 1; }

 private:
  struct Header {
    std::atomic<uint32_t> owners{1};
  };
  // The header's room: keeps the rows as aligned as operator new's own blocks.
  static constexpr size_t kHeaderBytes = 16;
  Header* header_ = nullptr;
};

class MeasureColumn {
 public:
  static constexpr uint32_t kScalarAttribute = UINT32_MAX;
  static constexpr size_t kMaxChunkRows = 1024;
  // Slots from this one on are always stored 8 bytes wide (a chunk's narrow slots are
  // one 64-bit mask).
  static constexpr size_t kMaxNarrowSlots = 64;

  // A chunk's rows live in one heap block, array after array: times[capacity], then for
  // each slot cells[capacity] (4 or 8 bytes each, by slot), then (MULTI only, once a row
  // lacks an attribute) for each slot present[capacity], then versions[capacity]: one byte each
  // while every Version in the chunk is at most kMaxNarrowVersion (the usual case: most rows keep
  // Version 1), else eight. One allocation per chunk; an append touches one line per array and no
  // per-array header. Readers see the arrays through the views below, which stay valid
  // until the chunk is next modified (their size is the chunk's live size).
  static constexpr int64_t kMaxNarrowVersion = 255;
  // How many rows past the one it is given LocateAfter reads before a binary search.
  static constexpr size_t kLocateAfterRows = 16;
  template <typename T>
  class RowArray {
   public:
    RowArray() = default;
    RowArray(T* data, const uint32_t* size) : data_(data), size_(size) {}
    T* data() const { return data_; }
    size_t size() const { return *size_; }
    bool empty() const { return *size_ == 0; }
    T* begin() const { return data_; }
    T* end() const { return data_ + *size_; }
    T& front() const { return data_[0]; }
    T& back() const { return data_[*size_ - 1]; }
    T& operator[](size_t i) const { return data_[i]; }
    friend bool operator==(const RowArray& a, const std::vector<T>& b) {
      return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
    }

   private:
    T* data_ = nullptr;
    const uint32_t* size_ = nullptr;
  };
  // The versions of a chunk's rows, read as int64 whatever their width.
  class VersionArray {
   public:
    VersionArray() = default;
    VersionArray(const void* data, bool wide, const uint32_t* size)
        : data_(data), wide_(wide), size_(size) {}
    size_t size() const { return *size_; }
    int64_t operator[](size_t i) const {
      return wide_ ? static_cast<const int64_t*>(data_)[i] : static_cast<const uint8_t*>(data_)[i];
    }
    // Appends rows [row, row + count) to `out`.
    void AppendTo(size_t row, size_t count, std::vector<int64_t>* out) const {
      if (wide_) {
        const int64_t* v = static_cast<const int64_t*>(data_) + row;
        out->insert(out->end(), v, v + count);
      } else {
        const uint8_t* v = static_cast<const uint8_t*>(data_) + row;
        out->insert(out->end(), v, v + count);
      }
    }

   private:
    const void* data_ = nullptr;
    bool wide_ = false;
    const uint32_t* size_ = nullptr;
  };
  // One RowArray per slot, `stride` elements apart.
  template <typename T>
  class SlotArrays {
   public:
    SlotArrays() = default;
    SlotArrays(T* base, size_t stride, size_t count, const uint32_t* size)
        : base_(base), stride_(stride), count_(count), size_(size) {}
    RowArray<T> operator[](size_t slot) const { return RowArray<T>(base_ + slot * stride_, size_); }
    size_t size() const { return count_; }

   private:
    T* base_ = nullptr;
    size_t stride_ = 0;
    size_t count_ = 0;
    const uint32_t* size_ = nullptr;
  };

  // One slot's cells of a chunk, read as 8-byte cells whatever their width.
  class CellArray {
   public:
    CellArray() = default;
    CellArray(const void* data, bool narrow, MeasureValueType type, const uint32_t* size)
        : data_(data), narrow_(narrow), type_(type), size_(size) {}
    size_t size() const { return *size_; }
    bool narrow() const { return narrow_; }
    uint64_t operator[](size_t i) const {
      return narrow_ ? WideCell(type_, static_cast<const uint32_t*>(data_)[i])
                     : static_cast<const uint64_t*>(data_)[i];
    }
    // The cells as 8-byte words, or null when they are stored 4 bytes wide (narrow).
    const uint64_t* wide() const { return narrow_ ? nullptr : static_cast<const uint64_t*>(data_); }
    // Writes the 8 bytes of cells [row, row + count) to `out` (a double or int64 array).
    void CopyTo(size_t row, size_t count, void* out) const {
      if (!narrow_) {
        std::memcpy(out, static_cast<const uint64_t*>(data_) + row, count * 8);
        return;
      }
      const uint32_t* narrow = static_cast<const uint32_t*>(data_) + row;
      char* to = static_cast<char*>(out);
      if (type_ == MeasureValueType::kDouble) {
        DecodeDoubles(narrow, count, to);
        return;
      }
      for (size_t i = 0; i < count; ++i, to += 8) {
        const uint64_t cell = WideCell(type_, narrow[i]);
        std::memcpy(to, &cell, 8);
      }
    }
    friend bool operator==(const CellArray& a, const std::vector<uint64_t>& b) {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < b.size(); ++i) {
        if (a[i] != b[i]) return false;
      }
      return true;
    }

   private:
    const void* data_ = nullptr;
    bool narrow_ = false;
    MeasureValueType type_ = MeasureValueType::kDouble;
    const uint32_t* size_ = nullptr;
  };

  class Chunk;
  // A chunk's CellArray per slot.
  class CellArrays {
   public:
    CellArrays() = default;
    explicit CellArrays(const Chunk* chunk) : chunk_(chunk) {}
    CellArray operator[](size_t slot) const;
    size_t size() const;

   private:
    const Chunk* chunk_ = nullptr;
  };

  class Chunk {
   public:
    // An empty chunk with room for `capacity` rows of `slots` slots of `*types` (the
    // column's slot types, which outlive it), the slots in `narrow` stored 4 bytes wide.
    Chunk(size_t capacity, size_t slots, bool multi, const std::vector<MeasureValueType>* types,
          uint64_t narrow);
    // Pins `live`: a read-only copy of its rows as they are now, sharing its block (the
    // live chunk's writers then copy before changing them). `types` are `live`'s slot
    // types, copied by the caller, and must outlive the pin. REQUIRES: the table's lock
    // (shared) while it is made; none while it is read.
    Chunk(const Chunk& live, const std::vector<MeasureValueType>* types);
    Chunk(const Chunk&) = delete;
    Chunk& operator=(const Chunk&) = delete;

    size_t size() const { return size_; }
    size_t capacity() const { return capacity_; }

    RowArray<int64_t> times;
    VersionArray versions;
    CellArrays cells;  // [slot][row]
    // [slot][row]; MULTI columns only (else no slots). While every row of the chunk has
    // every slot (the usual case) the block holds no presence bytes and these views read
    // a shared array of ones; the first absent value materializes them.
    SlotArrays<uint8_t> present;

    bool narrow(size_t slot) const { return slot < kMaxNarrowSlots && (narrow_ >> slot & 1) != 0; }
    // True while the block holds no presence bytes: every row has every slot, and
    // present[s][row] is 1 for each (a reader of many cells of a row may skip them).
    bool all_present() const { return !present_stored_; }

    // While every slot is 8 bytes wide: the chunk's cells, slot s's cell of row r at
    // [s * capacity() + r], for a reader of a few cells of a row (a latest-rows read);
    // else null.
    const uint64_t* wide_cells() const {
      return narrow_ == 0 ? static_cast<const uint64_t*>(cell_bytes(0)) : nullptr;
    }
    // Row `row`'s cell (8 bytes, as cells[s][row]) of each slot s in `wanted` (a bit per
    // slot; slots from 64 on cannot be asked for) into out[s]; other entries are left
    // alone. Walks the slots' arrays once, where cells[s] works each one's offset out
    // anew: for a row read across many slots (a latest-rows read).
    void ReadRowCells(size_t row, uint64_t wanted, uint64_t* out) const {
      const char* array = static_cast<const char*>(cell_bytes(0));
      const size_t capacity = capacity_;
      if (narrow_ == 0) {
        // Every slot 8 bytes wide: slot s's cell is s arrays on, so only the wanted
        // slots are visited.
        const uint64_t* cells = reinterpret_cast<const uint64_t*>(array) + row;
        const uint64_t slots =
            slots_ >= kMaxNarrowSlots ? ~uint64_t{0} : (uint64_t{1} << slots_) - 1;
        for (uint64_t w = wanted & slots; w != 0; w &= w - 1) {
          const size_t s = static_cast<size_t>(__builtin_ctzll(w));
          out[s] = cells[s * capacity];
        }
        return;
      }
      for (size_t s = 0; s < slots_ && s < kMaxNarrowSlots && (wanted >> s) != 0; ++s) {
        const bool is_narrow = (narrow_ >> s & 1) != 0;
        if ((wanted >> s & 1) != 0) {
          if (is_narrow) {
            uint32_t n;
            std::memcpy(&n, array + 4 * row, 4);
            out[s] = WideCell((*types_)[s], n);
          } else {
            std::memcpy(&out[s], array + 8 * row, 8);
          }
        }
        array += (is_narrow ? 4 : 8) * capacity;
      }
    }

   private:
    friend class MeasureColumn;
    friend class CellArrays;
    // Moves the rows to a new block of `capacity` rows and `slots` slots (new slots absent).
    // `materialize`: the new block holds presence bytes (ones for the rows so far, if the
    // old block had none); else it holds them only if the old one did. `widen`: the new
    // block holds 8-byte versions; else they are as wide as in the old one. `narrow`: the
    // slots that may stay 4 bytes wide (a slot only ever widens; new slots are narrow if
    // in it); by default every narrow slot stays so.
    void Relayout(size_t capacity, size_t slots, bool materialize = false, bool widen = false,
                  uint64_t narrow = ~uint64_t{0});
    // Stores a row's cells: narrow_forms[s] in each narrow slot s, cells[s] in each wide
    // one. Walks the slots' arrays in order instead of working out each one's address.
    void PutRow(size_t row, const uint64_t* cells, const uint32_t* narrow_forms) {
      std::byte* array = static_cast<std::byte*>(cell_bytes(0));
      const size_t capacity = capacity_;
      for (size_t s = 0; s < slots_; ++s) {
        if (narrow(s)) {
          std::memcpy(array + 4 * row, &narrow_forms[s], 4);
          array += 4 * capacity;
        } else {
          std::memcpy(array + 8 * row, &cells[s], 8);
          array += 8 * capacity;
        }
      }
    }
    // Stores a cell whose narrow form (if the slot is narrow) is narrow_forms[slot].
    void PutCell(size_t slot, size_t row, uint64_t bits, const uint32_t* narrow_forms) {
      if (narrow(slot)) {
        std::memcpy(static_cast<std::byte*>(cell_bytes(slot)) + 4 * row, &narrow_forms[slot], 4);
      } else {
        std::memcpy(static_cast<std::byte*>(cell_bytes(slot)) + 8 * row, &bits, 8);
      }
    }
    // Copies cell `from` of `slot` over cell `to`, in the slot's width.
    void MoveCell(size_t slot, size_t from, size_t to) {
      const size_t width = cell_width(slot);
      char* bytes = static_cast<char*>(cell_bytes(slot));
      std::memcpy(bytes + to * width, bytes + from * width, width);
    }
    bool present_stored() const { return present_stored_; }
    bool VersionFits(int64_t version) const {
      return wide_versions_ || version <= kMaxNarrowVersion;
    }
    // Sets row `row`'s version, widening the chunk's versions first if they must.
    void StoreVersion(size_t row, int64_t version) {
      if (!VersionFits(version)) Relayout(capacity_, slots_, false, /*widen=*/true);
      if (wide_versions_) {
        wide_versions()[row] = version;
      } else {
        narrow_versions()[row] = static_cast<uint8_t>(version);
      }
    }
    void SetViews();
    int64_t* time_data() { return reinterpret_cast<int64_t*>(block_.get()); }
    static ChunkBlock NewBlock(size_t bytes) { return ChunkBlock::New(bytes); }
    size_t cell_width(size_t slot) const { return narrow(slot) ? 4 : 8; }
    // Where a block's cells of `slot` start (slot == slot count: where its cells end), for
    // `capacity` rows and the narrow slots `narrow`: after the times and the slots before.
    static size_t CellOffset(uint64_t narrow, size_t capacity, size_t slot) {
      const uint64_t below = slot >= kMaxNarrowSlots ? ~uint64_t{0} : (uint64_t{1} << slot) - 1;
      return (8 + 8 * slot - 4 * BitCount(narrow & below)) * capacity;
    }
    void* cell_bytes(size_t slot) const {
      return reinterpret_cast<char*>(block_.get()) + CellOffset(narrow_, capacity_, slot);
    }
    uint8_t* present_data(size_t slot) {
      return reinterpret_cast<uint8_t*>(block_.get()) + cells_end_ + slot * capacity_;
    }
    // After the presence bytes, or the cells if there are none. Aligned for int64: every
    // capacity is a multiple of 8.
    void* version_data() {
      return present_stored_ ? static_cast<void*>(present_data(slots_))
                             : static_cast<void*>(block_.get() + cells_end_);
    }
    uint8_t* narrow_versions() { return static_cast<uint8_t*>(version_data()); }
    int64_t* wide_versions() { return static_cast<int64_t*>(version_data()); }
    size_t version_bytes() const { return wide_versions_ ? 8 : 1; }
    static size_t BlockBytes(size_t capacity, size_t slots, bool present_stored, bool wide,
                             size_t narrow_slots) {
      return capacity * (8 + (wide ? 8 : 1) + slots * (present_stored ? 9 : 8) - 4 * narrow_slots);
    }
    size_t narrow_slots() const { return BitCount(narrow_); }

    // Raw bytes, whose arrays of int64, uint32 and uint8 are created by writing them
    // (ChunkBlock aligns them for any of these: capacities are multiples of 8, so every
    // array starts 8-byte aligned). Shared with the scans that pinned this chunk.
    ChunkBlock block_;
    const std::vector<MeasureValueType>* types_ = nullptr;
    uint64_t narrow_ = 0;  // Bit s: slot s's cells take 4 bytes (NarrowCell).
    // Where the cells end in the block (cell_bytes(slots_)), kept for the arrays after them.
    size_t cells_end_ = 0;
    size_t CellsEnd() const { return CellOffset(narrow_, capacity_, slots_); }
    uint32_t size_ = 0;
    uint32_t capacity_ = 0;
    uint32_t slots_ = 0;
    bool multi_ = false;
    bool present_stored_ = false;  // MULTI: the block holds presence bytes.
    bool wide_versions_ = false;   // Versions take 8 bytes (else 1).
  };

  // Where a time is, or would be inserted.
  struct Position {
    uint32_t chunk = 0;
    uint32_t row = 0;
    bool found = false;
  };

  // A scalar column gets its one slot now; a MULTI column starts with none (AddSlot).
  MeasureColumn(uint32_t series, uint32_t measure, MeasureValueType type);
  MeasureColumn(const MeasureColumn&) = delete;
  MeasureColumn& operator=(const MeasureColumn&) = delete;

  uint32_t series() const { return series_; }
  uint32_t measure() const { return measure_; }
  MeasureValueType type() const { return type_; }
  bool multi() const { return type_ == MeasureValueType::kMulti; }

  // ---- Value slots.
  size_t slot_count() const { return slot_attributes_.size(); }
  uint32_t slot_attribute(size_t slot) const { return slot_attributes_[slot]; }
  MeasureValueType slot_type(size_t slot) const { return slot_types_[slot]; }
  // The slot holding `attribute`, trying `hint` first; -1 if the column has none.
  int FindSlot(uint32_t attribute, size_t hint) const {
    if (hint < slot_attributes_.size() && slot_attributes_[hint] == attribute) {
      return static_cast<int>(hint);
    }
    for (size_t i = 0; i < slot_attributes_.size(); ++i) {
      if (slot_attributes_[i] == attribute) return static_cast<int>(i);
    }
    return -1;
  }
  // True if the column's slots hold exactly `attributes[0..n)`, in that order.
  bool SlotsAre(const uint32_t* attributes, size_t n) const {
    if (n != slot_attributes_.size()) return false;
    uint32_t diff = 0;  // A handful of slots: inline, no memcmp call.
    for (size_t i = 0; i < n; ++i) diff |= slot_attributes_[i] ^ attributes[i];
    return diff == 0;
  }
  // True if `other`'s slots hold the same attributes of the same types in the same
  // order: for a reader of many columns' rows (a latest-rows read) that resolved one
  // column's slots and checks each next column against it. Compares 8 bytes at a time,
  // inline (no memcmp call).
  bool SameSlotsAs(const MeasureColumn& other) const {
    const size_t n = slot_attributes_.size();
    static_assert(sizeof(MeasureValueType) == 4);
    return n == other.slot_attributes_.size() &&
           SameWords(slot_attributes_.data(), other.slot_attributes_.data(), n) &&
           SameWords(slot_types_.data(), other.slot_types_.data(), n);
  }
  // Adds a MULTI attribute slot, absent in every existing row. Returns its index.
  size_t AddSlot(uint32_t attribute, MeasureValueType type);

  // ---- Rows. `cells` has slot_count() entries. `present` too for a MULTI column (1 where
  // the row has the attribute; an absent attribute's cell is 0); scalar columns have no
  // presence, and Insert, Overwrite and Upsert REQUIRE null for them. `codes`, if not
  // null, has slot_count() entries too: each DOUBLE cell's decimal code or kNoDecimal (as
  // the parser gives them; without them a narrow DOUBLE slot looks for each code).
  Position Locate(int64_t time) const {
    Position p;
    if (chunks_.empty()) return p;
    if (time > last_time_) {  // The in-order fast path touches only this object.
      p.chunk = static_cast<uint32_t>(chunks_.size() - 1);
      p.row = static_cast<uint32_t>(tail_->size());
      return p;
    }
    return LocateInside(time);
  }
  // Locate for a time above that of the row at `after` (a found Position of this column,
  // unchanged since): rewrites of a few recent points in time order (a request's upserts)
  // look a few rows past the one before, in its chunk, before any binary search.
  Position LocateAfter(int64_t time, Position after) const {
    if (time > last_time_ || after.chunk >= chunks_.size()) return Locate(time);
    const Chunk& c = *chunks_[after.chunk];
    const int64_t* const times = c.times.data();
    const size_t end = std::min<size_t>(c.size(), size_t{after.row} + 1 + kLocateAfterRows);
    for (size_t row = after.row + 1; row < end; ++row) {
      if (times[row] >= time) {
        Position p;
        p.chunk = after.chunk;
        p.row = static_cast<uint32_t>(row);
        p.found = times[row] == time;
        return p;
      }
    }
    return LocateInside(time);
  }
  // True if a row at `time` goes after every row held: an append, with no Version rule
  // to apply.
  bool Appends(int64_t time) const { return chunks_.empty() || time > last_time_; }
  int64_t VersionAt(Position p) const { return chunks_[p.chunk]->versions[p.row]; }
  // True if the row at `p` holds exactly these values (doubles compare as numbers).
  bool RowEquals(Position p, const uint64_t* cells, const uint8_t* present) const;
  void SetVersion(Position p, int64_t version) {
    Chunk* c = chunks_[p.chunk].get();
    Unshare(c);
    c->StoreVersion(p.row, version);
  }
  // REQUIRES: p.found.
  void Overwrite(Position p, int64_t version, const uint64_t* cells, const uint8_t* present,
                 const uint32_t* codes = nullptr) {
    if (!TryOverwrite(p, version, cells, present, codes))
      OverwriteSlow(p, version, cells, present, codes);
  }
  // REQUIRES: p == Locate(time) and !p.found.
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Insert(Position p, int64_t time, int64_t version,
                                           const uint64_t* cells, const uint8_t* present,
                                           const uint32_t* codes = nullptr) {
    Chunk* c = tail_;
    // The usual case, inline: an append with room left in the tail chunk.
    // (A row with an absent attribute may first need the chunk's presence bytes, and one
    // with a cell too wide for its slot a wider slot.)
    if (c != nullptr && p.row == c->size_ && c->size_ < c->capacity_ &&
        p.chunk + 1 == chunks_.size() && c->VersionFits(version) &&
        (!multi() || c->present_stored_ || AllPresent(present, slot_attributes_.size())) &&
        TryPutRow(c, c->size_, cells, codes)) {
      ++rows_;
      last_time_ = time;
      const size_t row = c->size_++;
      c->time_data()[row] = time;
      if (c->wide_versions_) {
        c->wide_versions()[row] = version;
      } else {
        c->narrow_versions()[row] = static_cast<uint8_t>(version);
      }
      const size_t slots = slot_attributes_.size();
      if (c->present_stored_) {
        const size_t capacity = c->capacity_;  // Held in a register across the byte stores.
        uint8_t* pres = c->present_data(0) + row;
        for (size_t s = 0; s < slots; ++s) pres[s * capacity] = present[s];
      }
      return;
    }
    InsertSlow(p, time, version, cells, present, codes);
  }
  // The bulk form of an in-order Insert: appends rows 0, 1, ... of `n` at the end of the
  // tail chunk, as many as it has room for, and returns how many (0 when the column has
  // no tail chunk, the tail is full, or time_at(0) is not above every time held: Insert
  // then does what is needed). Row i has time time_at(i), version version_at(i) and, in
  // each slot s, the cell cell_at(i, s); a MULTI row has every slot. REQUIRES: time_at
  // increases with i. code_at(i, s) is a DOUBLE cell's decimal code or kNoDecimal (asked
  // only for DOUBLE slots).
  template <typename TimeAt, typename VersionAt, typename CellAt, typename CodeAt>
  ABSL_ATTRIBUTE_ALWAYS_INLINE size_t AppendRows(size_t n, TimeAt time_at, VersionAt version_at,
                                                 CellAt cell_at, CodeAt code_at) {
    Chunk* c = tail_;
    if (c == nullptr || time_at(0) <= last_time_) return 0;
    const size_t row = c->size_;
    const size_t k = std::min<size_t>(n, c->capacity_ - row);
    if (k == 0) return 0;
    const size_t slots = slot_attributes_.size();
    // Array by array. A value too wide for its array's narrow form re-lays the block out
    // (keeping only the rows held) and the rows are written again from their versions on:
    // at most once per array and chunk.
    for (bool again = true; again;) {
      again = false;
      bool narrow = !c->wide_versions_;
      if (narrow) {
        uint8_t* const versions = c->narrow_versions() + row;
        for (size_t i = 0; i < k; ++i) {
          const int64_t v = version_at(i);
          versions[i] = static_cast<uint8_t>(v);
          narrow &= v <= kMaxNarrowVersion;
        }
        if (!narrow) c->Relayout(c->capacity_, slots, false, /*widen=*/true);
      }
      if (!narrow) {
        int64_t* const versions = c->wide_versions() + row;
        for (size_t i = 0; i < k; ++i) versions[i] = version_at(i);
      }
      for (size_t s = 0; s < slots && !again; ++s) {
        if (c->narrow(s)) {
          uint32_t* const cells = static_cast<uint32_t*>(c->cell_bytes(s)) + row;
          bool fits = true;
          if (slot_types_[s] == MeasureValueType::kDouble) {
            for (size_t i = 0; i < k; ++i) {
              const uint32_t code = code_at(i, s);
              cells[i] = code;
              fits &= code < (1u << 31);
            }
          } else {
            const MeasureValueType type = slot_types_[s];
            for (size_t i = 0; i < k; ++i) fits &= NarrowCell(type, cell_at(i, s), 0, &cells[i]);
          }
          if (!fits) {
            Widen(c, uint64_t{1} << s);
            again = true;
          }
          continue;
        }
        uint64_t* const cells = static_cast<uint64_t*>(c->cell_bytes(s)) + row;
        for (size_t i = 0; i < k; ++i) cells[i] = cell_at(i, s);
      }
    }
    int64_t* const times = c->time_data() + row;
    for (size_t i = 0; i < k; ++i) times[i] = time_at(i);
    if (c->present_stored_) {
      for (size_t s = 0; s < slots; ++s) std::memset(c->present_data(s) + row, 1, k);
    }
    c->size_ += static_cast<uint32_t>(k);
    rows_ += k;
    last_time_ = times[k - 1];
    return k;
  }
  // Prefetching ahead of a batch of writes (engine/table): step 0 loads the slot tables
  // and the tail chunk's header; step 1, once those are loaded, the lines of the chunk's
  // next (or last) row.
  void PrefetchTail(int step) const;
  // Sets the row at `time`, inserting it if absent (WAL replay).
  void Upsert(int64_t time, int64_t version, const uint64_t* cells, const uint8_t* present,
              const uint32_t* codes = nullptr);

  // ---- Removal (eviction to the magnetic tier, and undoing a lookup's temporary row).
  // Removes the rows with time < `cutoff` for which `remove(time, version)` returns true;
  // `remove` sees those rows in increasing time, once each. Chunks left empty are freed;
  // a column left empty holds no chunk at all. Returns the number of rows removed.
  size_t RemoveBefore(int64_t cutoff,
                      absl::FunctionRef<bool(int64_t time, int64_t version)> remove);
  // Removes the row at `p`. REQUIRES: p.found.
  void Erase(Position p);
  // Replaces each present cell `c` of `slot` by map(c) (re-numbering interned strings).
  void MapCells(size_t slot, absl::FunctionRef<uint64_t(uint64_t cell)> map);
  // The oldest time held. REQUIRES: rows() > 0.
  int64_t first_time() const { return chunks_.front()->times.front(); }

  const std::vector<std::unique_ptr<Chunk>>& chunks() const { return chunks_; }
  size_t rows() const { return rows_; }
  int64_t MemoryBytes() const;

 private:
  std::unique_ptr<Chunk> NewChunk() const;
  static bool AllPresent(const uint8_t* present, size_t slots) {
    for (size_t s = 0; s < slots; ++s) {
      if (present[s] == 0) return false;
    }
    return true;
  }
  // Gives `c` presence bytes unless `present` (a row about to be written to it) has every
  // slot and it has none.
  void MaybeStorePresence(Chunk* c, const uint8_t* present) const {
    if (multi() && !c->present_stored_ && !AllPresent(present, slot_count())) {
      c->Relayout(c->capacity_, slot_count(), /*materialize=*/true);
    }
  }
  // Sets narrow[s] to the narrow form of cells[s] for each of c's narrow slots; returns
  // the mask of those whose cell has none.
  ABSL_ATTRIBUTE_ALWAYS_INLINE uint64_t NarrowRow(const Chunk& c, const uint64_t* cells,
                                                  const uint32_t* codes, uint32_t* narrow) const {
    uint64_t misfits = 0;
    const size_t slots = std::min(slot_attributes_.size(), kMaxNarrowSlots);
    for (size_t s = 0; s < slots; ++s) {
      if (c.narrow(s) && !NarrowCell(slot_types_[s], cells[s],
                                     codes != nullptr ? codes[s] : kNoDecimal, &narrow[s])) {
        misfits |= uint64_t{1} << s;
      }
    }
    return misfits;
  }
  // Writes a row's cells at `row` of `c`, past its size (nothing is committed), each in
  // its slot's width: one walk over the slots' arrays. False, with the row written in
  // part, if a cell has no narrow form for its narrow slot.
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool TryPutRow(Chunk* c, size_t row, const uint64_t* cells,
                                              const uint32_t* codes) const {
    std::byte* array = static_cast<std::byte*>(c->cell_bytes(0));
    const size_t capacity = c->capacity_;
    const size_t slots = slot_attributes_.size();
    uint64_t narrow_slots = c->narrow_;  // Slot s's bit shifted down to bit 0.
    for (size_t s = 0; s < slots; ++s, narrow_slots >>= 1) {
      if (narrow_slots & 1) {
        uint32_t narrow;
        if (!NarrowCell(slot_types_[s], cells[s], codes != nullptr ? codes[s] : kNoDecimal,
                        &narrow)) {
          return false;
        }
        std::memcpy(array + 4 * row, &narrow, 4);
        array += 4 * capacity;
      } else {
        std::memcpy(array + 8 * row, &cells[s], 8);
        array += 8 * capacity;
      }
    }
    return true;
  }
  // Overwrite's usual case, inline: the chunk's block not pinned, the Version fitting its
  // width, every cell fitting its slot's width and (MULTI) presence bytes stored or not
  // needed. Checks all of that before it writes anything (a rewritten row must never be
  // left half old, half new); false, with nothing changed, when any fails.
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool TryOverwrite(Position p, int64_t version, const uint64_t* cells,
                                                 const uint8_t* present, const uint32_t* codes) {
    Chunk* const c = chunks_[p.chunk].get();
    const size_t slots = slot_attributes_.size();
    if (!c->VersionFits(version) || c->block_.shared() ||
        (multi() && !c->present_stored_ && !AllPresent(present, slots))) {
      return false;
    }
    uint32_t narrow[kMaxNarrowSlots];
    if (NarrowRow(*c, cells, codes, narrow) != 0) return false;
    const size_t row = p.row;
    c->PutRow(row, cells, narrow);
    if (c->wide_versions_) {
      c->wide_versions()[row] = version;
    } else {
      c->narrow_versions()[row] = static_cast<uint8_t>(version);
    }
    if (c->present_stored_) {
      const size_t capacity = c->capacity_;
      uint8_t* pres = c->present_data(0) + row;
      for (size_t s = 0; s < slots; ++s) pres[s * capacity] = present[s];
    }
    return true;
  }
  void OverwriteSlow(Position p, int64_t version, const uint64_t* cells, const uint8_t* present,
                     const uint32_t* codes);
  // Gives `c` a block of its own if a scan pinned the one it has: before changing rows
  // below its row count or lowering that count (copy-on-write).
  static void Unshare(Chunk* c) {
    if (c->block_.shared()) c->Relayout(c->capacity_, c->slots_);
  }
  // Stores `misfits` (slots of c) 8 bytes wide from now on, in c and in new chunks.
  void Widen(Chunk* c, uint64_t misfits);
  void InsertSlow(Position p, int64_t time, int64_t version, const uint64_t* cells,
                  const uint8_t* present, const uint32_t* codes);
  Position LocateInside(int64_t time) const;
  void SetRow(Chunk* c, size_t row, const uint64_t* cells, const uint8_t* present,
              const uint32_t* codes);
  // Drops empty chunks and re-derives tail_ and last_time_ after a removal.
  void AfterRemoval();

  const uint32_t series_;
  const uint32_t measure_;
  const MeasureValueType type_;
  std::vector<uint32_t> slot_attributes_;
  std::vector<MeasureValueType> slot_types_;
  // The slots a new chunk stores narrow: all, until a chunk had to widen one (a slot that
  // once held a wide value likely will again; its chunks then never re-lay out).
  uint64_t narrow_slots_ = ~uint64_t{0};
  std::vector<std::unique_ptr<Chunk>> chunks_;
  Chunk* tail_ = nullptr;  // chunks_.back(), cached: appends need no other lookup.
  int64_t last_time_ = 0;  // tail_->times.back(), when there are chunks.
  size_t rows_ = 0;
};

inline MeasureColumn::CellArray MeasureColumn::CellArrays::operator[](size_t slot) const {
  return CellArray(chunk_->cell_bytes(slot), chunk_->narrow(slot), (*chunk_->types_)[slot],
                   &chunk_->size_);
}

inline size_t MeasureColumn::CellArrays::size() const { return chunk_->slots_; }

}  // namespace tsw::memstore

#endif  // TSW_ENGINE_MEMSTORE_MEASURE_COLUMN_H_
