#include "engine/query/format.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/common/json_writer.h"
#include "engine/query/query_engine.h"
#include "engine/query/time_util.h"

namespace tsw {
namespace query {

std::string FormatScalar(ScalarType type, int64_t i, double d, const std::string& s) {
  switch (type) {
    case ScalarType::kDouble:
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      return json::FormatDouble(d);
    case ScalarType::kBoolean:
      return i ? "true" : "false";
    case ScalarType::kTimestamp:
      return FormatTimestamp(i);
    case ScalarType::kIntervalDayToSecond:
      return FormatInterval(i);
    case ScalarType::kVarchar:
      return s;
    default:
      return absl::StrCat(i);
  }
}

std::optional<std::string> FormatValue(const QueryColumn& column, size_t row) {
  if (row >= column.present.size() || !column.present[row]) return std::nullopt;
  static const std::string kEmpty;
  switch (column.type) {
    case ScalarType::kDouble:
      return FormatScalar(column.type, 0, column.doubles[row], kEmpty);
    case ScalarType::kVarchar:
      return column.strings[row];
    case ScalarType::kUnknown:
      return std::nullopt;
    default:
      return FormatScalar(column.type, column.ints[row], 0, kEmpty);
  }
}

}  // namespace query
}  // namespace tsw
