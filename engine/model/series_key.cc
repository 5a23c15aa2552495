#include "engine/model/series_key.h"

#include <utility>

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

uint64_t HashSeriesKey(absl::string_view key) { return XXH3_64bits(key.data(), key.size()); }

}  // namespace tsw::model
