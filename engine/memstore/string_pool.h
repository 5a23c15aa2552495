// Interned VARCHAR values of one table: each distinct string is stored once and named by a
// 32-bit id, so value columns hold fixed-width ids and "same value" is an id comparison.
//
// Strings live in large arena blocks that never move, so a returned view stays valid for
// the pool's lifetime. Nothing is freed before the pool is: MemStore::CompactStrings
// replaces the pool with one holding only the strings rows still use.
// REQUIRES: external synchronization (the table's lock).
#ifndef TSW_ENGINE_MEMSTORE_STRING_POOL_H_
#define TSW_ENGINE_MEMSTORE_STRING_POOL_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace tsw::memstore {

class StringPool {
 public:
  static constexpr uint32_t kAbsent = UINT32_MAX;

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
  absl::string_view Get(uint32_t id) const { return strings_[id]; }

  size_t size() const { return strings_.size(); }
  int64_t MemoryBytes() const;

 private:
  static constexpr size_t kBlockBytes = 64 << 10;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* current_block_ = nullptr;    // Small strings go here.
  size_t block_used_ = kBlockBytes;  // Forces a block on the first Intern.
  int64_t block_bytes_ = 0;
  std::vector<absl::string_view> strings_;
  absl::flat_hash_map<absl::string_view, uint32_t> index_;
};

}  // namespace tsw::memstore

#endif  // TSW_ENGINE_MEMSTORE_STRING_POOL_H_
