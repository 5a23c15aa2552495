#include "engine/magnetic/bloom_filter.h"

#include <algorithm>

namespace tsw::magnetic {

void BuildBloomFilter(absl::Span<const uint64_t> hashes, int bits_per_key, std::string* out) {
  int k = std::clamp(static_cast<int>(bits_per_key * 0.69), 1, 30);
  size_t bits = std::max<size_t>(64, hashes.size() * static_cast<size_t>(bits_per_key));
  size_t bytes = (bits + 7) / 8;
  bits = bytes * 8;
  size_t start = out->size();
  out->append(bytes, '\0');
  char* array = out->data() + start;
  for (uint64_t hash : hashes) {
    uint32_t h = static_cast<uint32_t>(hash);
    uint32_t delta = static_cast<uint32_t>(hash >> 32);
    for (int j = 0; j < k; ++j) {
      size_t bit = h % bits;
      array[bit / 8] = static_cast<char>(array[bit / 8] | (1 << (bit % 8)));
      h += delta;
    }
  }
  out->push_back(static_cast<char>(k));
}

bool BloomMayContain(absl::string_view filter, uint64_t hash) {
  if (filter.size() < 9) return true;
  int k = static_cast<uint8_t>(filter.back());
  if (k < 1 || k > 30) return true;
  size_t bits = (filter.size() - 1) * 8;
  uint32_t h = static_cast<uint32_t>(hash);
  uint32_t delta = static_cast<uint32_t>(hash >> 32);
  for (int j = 0; j < k; ++j) {
    size_t bit = h % bits;
    if ((static_cast<uint8_t>(filter[bit / 8]) & (1 << (bit % 8))) == 0) return false;
    h += delta;
  }
  return true;
}

}  // namespace tsw::magnetic
