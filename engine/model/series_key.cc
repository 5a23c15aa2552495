#include "engine/model/series_key.h"

#include <utility>

// xxHash's code inline in this file (XXH_INLINE_ALL: its functions static and renamed,
// apart from the shared library's): a dimension's hash is of a short name or value, for
// which the call into the library and its dispatch cost about what the hash itself does.
// The hashes are the library's (XXH3's specification; tests/model/series_key_test.cc).
#define XXH_INLINE_ALL
#include "xxhash.h"

namespace tsw::model {

bool DecodeSeriesKey(absl::string_view key, std::vector<Dimension>* out) {
  out->clear();
  while (!key.empty()) {
    absl::string_view name, value;
    if (!GetLengthPrefixed(&key, &name) || !GetLengthPrefixed(&key, &value)) return false;
    Dimension d;
    d.name.assign(name.data(), name.size());
    d.value.assign(value.data(), value.size());
    out->push_back(std::move(d));
  }
  return true;
}

uint64_t SeriesHashName(absl::string_view name) { return XXH3_64bits(name.data(), name.size()); }

uint64_t SeriesHashDimension(uint64_t name_hash, absl::string_view value) {
  return XXH3_64bits_withSeed(value.data(), value.size(), name_hash);
}

uint64_t HashSeriesKey(absl::string_view key) {
  uint64_t sum = 0;
  absl::string_view name, value;
  while (GetLengthPrefixed(&key, &name) && GetLengthPrefixed(&key, &value)) {
    sum += SeriesHashDimension(SeriesHashName(name), value);
  }
  // A malformed key (a corrupt one a reader checks for) still hashes all of its bytes.
  if (!key.empty()) sum += XXH3_64bits(key.data(), key.size());
  return SeriesHashFinish(sum);
}

}  // namespace tsw::model
