// Small pieces the request parser and the CommonAttributes checks share. Internal to
// //engine/ingest.
#ifndef TSW_ENGINE_INGEST_PARSE_HELPERS_H_
#define TSW_ENGINE_INGEST_PARSE_HELPERS_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/ingest/request_parser.h"

namespace tsw::ingest {

inline constexpr size_t kMaxTimeChars = 256;  // The model's StringValue256.

// absl::string_view's conversion from std::string, which (unlike its (data, size)
// constructor) skips the hardened length check: a std::string's size is always valid.
inline absl::string_view View(const std::string& s) { return s; }

// Insertion sort: records carry a handful of dimensions.
inline void SortByName(DimensionView* dims, size_t n) {
  for (size_t i = 1; i < n; ++i) {
    DimensionView d = dims[i];
    size_t j = i;
    while (j > 0 && d.name < dims[j - 1].name) {
      dims[j] = dims[j - 1];
      --j;
    }
    dims[j] = d;
  }
}

// True if `names` has two equal entries. Sorts `*scratch` for long lists.
inline bool HasDuplicate(absl::Span<const absl::string_view> names,
                         std::vector<absl::string_view>* scratch) {
  if (names.size() <= 16) {
    for (size_t i = 1; i < names.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (names[i] == names[j]) return true;
      }
    }
    return false;
  }
  scratch->assign(names.begin(), names.end());
  std::sort(scratch->begin(), scratch->end());
  return std::adjacent_find(scratch->begin(), scratch->end()) != scratch->end();
}

}  // namespace tsw::ingest

#endif  // TSW_ENGINE_INGEST_PARSE_HELPERS_H_
