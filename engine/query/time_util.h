// Timestamps and intervals as the query language writes them. Timestamps are
// nanoseconds since the Unix epoch, UTC; intervals are nanoseconds.
#ifndef TSW_ENGINE_QUERY_TIME_UTIL_H_
#define TSW_ENGINE_QUERY_TIME_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace tsw::query {

// `digits` (decimal, no sign) of `unit` ("ns", "us", "ms", "s", "m", "h", "d") in
// nanoseconds; nullopt if not digits or past INT64_MAX.
std::optional<int64_t> IntervalNanos(absl::string_view digits, absl::string_view unit);

// "YYYY-MM-DD[ HH:MM[:SS[.fffffffff]]]", UTC; nullopt if malformed.
std::optional<int64_t> ParseTimestampText(absl::string_view text);

// ISO 8601: "YYYY-MM-DD[THH:MM[:SS[.fffffffff]]][Z|+HH:MM|-HH:MM]"; nullopt if malformed.
std::optional<int64_t> ParseIso8601(absl::string_view text);

// "2026-12-05 12:23:22.064000000".
std::string FormatTimestamp(int64_t nanos);

// "1 02:03:04.005000000" (days hours:minutes:seconds.nanos), as the service prints an
// INTERVAL_DAY_TO_SECOND.
std::string FormatInterval(int64_t nanos);

// Floor division (rounds toward negative infinity). REQUIRES: d > 0.
inline int64_t FloorDiv(int64_t n, int64_t d) {
  int64_t q = n / d;
  if ((n % d) != 0 && n < 0) --q;
  return q;
}

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_TIME_UTIL_H_
