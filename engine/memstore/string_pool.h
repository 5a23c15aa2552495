// Interned VARCHAR values of one table: each distinct string is stored once and named by a
// 32-bit id, so value columns hold fixed-width ids and "same value" is an id comparison.
//
// Strings live in large arena blocks that never move, so a returned view stays valid for
// the pool's lifetime. Nothing is freed before the pool is: MemStore::CompactStrings
// replaces the pool with one holding only the strings rows still use.
//
// A scan pins the pool (Pin, under the table's shared lock) and then reads strings with no
// lock held: the arena and the id table are kept alive by the pin, even when
// CompactStrings replaces the pool meanwhile, and interning only appends where no pin
// reads. REQUIRES: external synchronization (the table's lock), except for a Reader.
#ifndef TSW_ENGINE_MEMSTORE_STRING_POOL_H_
#define TSW_ENGINE_MEMSTORE_STRING_POOL_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace tsw::memstore {

class StringPool {
  // The id table is paged: pages never move once allocated, so a pin copies the page
  // pointers (one per kPageIds ids) instead of the table.
  static constexpr int kPageBits = 10;
  static constexpr uint32_t kPageIds = uint32_t{1} << kPageBits;
  // What the views point into, shared by the pool and its pins.
  struct Storage {
    std::vector<std::unique_ptr<char[]>> blocks;
    std::vector<std::unique_ptr<absl::string_view[]>> pages;
  };

 public:
  static constexpr uint32_t kAbsent = UINT32_MAX;

  // The strings interned up to a Pin, readable with no lock whatever the pool does after.
  class Reader {
   public:
    Reader() = default;
    // REQUIRES: `id` was interned before the Pin.
    absl::string_view Get(uint32_t id) const {
      return pages_[id >> kPageBits][id & (kPageIds - 1)];
    }

   private:
    friend class StringPool;
    std::shared_ptr<const Storage> storage_;
    std::vector<const absl::string_view*> pages_;
  };

  StringPool() = default;
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;
  // Moving keeps every view valid (the blocks do not move).
  StringPool(StringPool&&) = default;
  StringPool& operator=(StringPool&&) = default;

  // The id of `s`, or kAbsent if it was never interned.
  uint32_t Find(absl::string_view s) const {
    auto it = index_.find(s);
    return it == index_.end() ? kAbsent : it->second;
  }
  // The id of `s`, interning it if new.
  uint32_t Intern(absl::string_view s);
  // REQUIRES: `id` was returned by Intern.
  absl::string_view Get(uint32_t id) const {
    return storage_->pages[id >> kPageBits][id & (kPageIds - 1)];
  }
  // The strings interned so far, for reading with no lock (see above).
  Reader Pin() const;

  size_t size() const { return size_; }
  int64_t MemoryBytes() const;

 private:
  static constexpr size_t kBlockBytes = 64 << 10;
  std::shared_ptr<Storage> storage_ = std::make_shared<Storage>();
  char* current_block_ = nullptr;    // Small strings go here.
  size_t block_used_ = kBlockBytes;  // Forces a block on the first Intern.
  int64_t block_bytes_ = 0;
  size_t size_ = 0;  // Ids interned.
  absl::flat_hash_map<absl::string_view, uint32_t> index_;
};

}  // namespace tsw::memstore

#endif  // TSW_ENGINE_MEMSTORE_STRING_POOL_H_
