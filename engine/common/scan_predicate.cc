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

bool ScanPredicate::SeriesMatches(const std::vector<Dimension>& series_dimensions) const {
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
