#include "engine/common/scan_predicate.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "tsw/status.h"

namespace tsw {

absl::StatusOr<ScanPredicate> ScanPredicate::Make(const ScanRequest& request) {
  if (request.max_rows_per_batch < 1) {
    return ValidationError(absl::StrCat("max_rows_per_batch must be at least 1, not ",
                                        request.max_rows_per_batch, "."));
  }
  return ScanPredicate(request);
}

bool ScanPredicate::FiltersSortedByName(const std::vector<Dimension>& filters) {
  return std::adjacent_find(filters.begin(), filters.end(),
                            [](const Dimension& a, const Dimension& b) {
                              return a.name >= b.name;
                            }) == filters.end();
}

bool ScanPredicate::SeriesMatches(const std::vector<Dimension>& series_dimensions) const {
  if (filters_sorted_) {
    // One pass over both, as both are sorted by name (a scan of one whole series names
    // each of its dimensions, and runs this for every series of every tier).
    auto it = series_dimensions.begin();
    for (const Dimension& filter : *filters_) {
      while (it != series_dimensions.end() && it->name < filter.name) ++it;
      if (it == series_dimensions.end() || it->name != filter.name || it->value != filter.value) {
        return false;
      }
      ++it;
    }
    return true;
  }
  for (const Dimension& filter : *filters_) {
    auto it =
        std::lower_bound(series_dimensions.begin(), series_dimensions.end(), filter.name,
                         [](const Dimension& d, const std::string& name) { return d.name < name; });
    if (it == series_dimensions.end() || it->name != filter.name || it->value != filter.value) {
      return false;
    }
  }
  return true;
}

}  // namespace tsw
