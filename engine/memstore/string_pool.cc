#include "engine/memstore/string_pool.h"

#include <cstring>

namespace tsw::memstore {

uint32_t StringPool::Intern(absl::string_view s) {
  auto it = index_.find(s);
  if (it != index_.end()) return it->second;
  std::vector<std::unique_ptr<char[]>>& blocks = storage_->blocks;
  char* dest;
  if (s.size() > kBlockBytes / 4) {
    // A large string gets a block of its own; the current block stays open.
    blocks.emplace_back(new char[s.size()]);
    dest = blocks.back().get();
    block_bytes_ += s.size();
  } else {
    if (block_used_ + s.size() > kBlockBytes) {
      blocks.emplace_back(new char[kBlockBytes]);
      current_block_ = blocks.back().get();
      block_used_ = 0;
      block_bytes_ += kBlockBytes;
    }
    dest = current_block_ + block_used_;
    block_used_ += s.size();
  }
  if (!s.empty()) std::memcpy(dest, s.data(), s.size());
  const absl::string_view stored(dest, s.size());
  const uint32_t id = static_cast<uint32_t>(size_);
  if ((id & (kPageIds - 1)) == 0) storage_->pages.emplace_back(new absl::string_view[kPageIds]);
  // Past every pin's ids: no Reader reads this entry.
  storage_->pages.back()[id & (kPageIds - 1)] = stored;
  ++size_;
  index_.emplace(stored, id);
  return id;
}

StringPool::Reader StringPool::Pin() const {
  Reader r;
  r.storage_ = storage_;
  r.pages_.reserve(storage_->pages.size());
  for (const auto& page : storage_->pages) r.pages_.push_back(page.get());
  return r;
}

int64_t StringPool::MemoryBytes() const {
  return block_bytes_ +
         static_cast<int64_t>(storage_->pages.size() * kPageIds * sizeof(absl::string_view)) +
         static_cast<int64_t>(index_.capacity() * (sizeof(absl::string_view) + 8));
}

}  // namespace tsw::memstore
