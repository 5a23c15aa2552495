#include "engine/memstore/string_pool.h"

#include <cstring>

namespace tsw::memstore {

uint32_t StringPool::Intern(absl::string_view s) {
  auto it = index_.find(s);
  if (it != index_.end()) return it->second;
  char* dest;
  if (s.size() > kBlockBytes / 4) {
    // A large string gets a block of its own; the current block stays open.
    blocks_.emplace_back(new char[s.size()]);
    dest = blocks_.back().get();
    block_bytes_ += s.size();
  } else {
    if (block_used_ + s.size() > kBlockBytes) {
      blocks_.emplace_back(new char[kBlockBytes]);
      current_block_ = blocks_.back().get();
      block_used_ = 0;
      block_bytes_ += kBlockBytes;
    }
    dest = current_block_ + block_used_;
    block_used_ += s.size();
  }
  if (!s.empty()) std::memcpy(dest, s.data(), s.size());
  const absl::string_view stored(dest, s.size());
  const uint32_t id = static_cast<uint32_t>(strings_.size());
  strings_.push_back(stored);
  index_.emplace(stored, id);
  return id;
}

int64_t StringPool::MemoryBytes() const {
  return block_bytes_ + static_cast<int64_t>(strings_.capacity() * sizeof(absl::string_view)) +
         static_cast<int64_t>(index_.capacity() * (sizeof(absl::string_view) + 8));
}

}  // namespace tsw::memstore
