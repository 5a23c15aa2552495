#include "engine/memstore/series_registry.h"

#include <atomic>
#include <cstdint>

namespace tsw::memstore {

SeriesRegistry::SeriesRegistry() {
  static std::atomic<uint64_t> next{1};
  const uint64_t n = next.fetch_add(1, std::memory_order_relaxed);
  instance_ = n <= UINT32_MAX ? static_cast<uint32_t>(n) : 0;  // Never reused.
}

uint32_t SeriesRegistry::Add(uint64_t hash, absl::string_view key,
                             std::vector<Dimension> dimensions) {
  const uint32_t id = static_cast<uint32_t>(series_.size());
  auto series = std::make_unique<Series>();
  series->key.assign(key.data(), key.size());
  if (key.size() <= Series::kKeyHeadBytes) {
    std::memcpy(series->key_head, key.data(), key.size());
    series->key_head_size = static_cast<uint32_t>(key.size());
  }
  series->hash = hash;
  series->dimensions = std::move(dimensions);
  if (!by_hash_.emplace(hash, id).second) collided_.emplace(series->key, id);
  series_.push_back(std::move(series));
  return id;
}

int64_t SeriesRegistry::MemoryBytes() const {
  int64_t bytes = static_cast<int64_t>(by_hash_.capacity() * 16 + collided_.size() * 48);
  for (const auto& s : series_) {
    bytes += static_cast<int64_t>(sizeof(Series) + s->key.capacity() +
                                  s->columns.capacity() * sizeof(uint32_t));
    for (const Dimension& d : s->dimensions) {
      bytes += static_cast<int64_t>(sizeof(Dimension) + d.name.capacity() + d.value.capacity());
    }
  }
  return bytes;
}

}  // namespace tsw::memstore
