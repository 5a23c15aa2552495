// The service's text for query values (Datum::scalar_value).
#ifndef TSW_ENGINE_QUERY_FORMAT_H_
#define TSW_ENGINE_QUERY_FORMAT_H_

#include <string>

#include "tsw/query.h"

namespace tsw::query {

// DOUBLE: shortest round-trip decimal ("NaN", "Infinity", "-Infinity" when not finite);
// BIGINT: decimal; BOOLEAN: "true"/"false"; TIMESTAMP: "2026-12-05 12:23:22.064000000";
// INTERVAL_DAY_TO_SECOND: "0 01:00:00.000000000"; VARCHAR: itself.
std::string FormatScalar(ScalarType type, int64_t i, double d, const std::string& s);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_FORMAT_H_
