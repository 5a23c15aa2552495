// Timestream's naming constraints for dimension names, measure names and MULTI attribute
// names (spec "Naming constraints"): 1 to `max_bytes` bytes; not `measure_name`,
// `measure_value` or `time`; not starting with `ts_` or `measure_value`; no colon.
// Matching is case-sensitive, as the spec spells the rules ("Time" is allowed).
#ifndef TSW_ENGINE_MODEL_NAMES_H_
#define TSW_ENGINE_MODEL_NAMES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace tsw::model {

enum class NameProblem { kOk, kEmpty, kTooLong, kReserved, kReservedPrefix, kColon };

NameProblem CheckName(absl::string_view name, int max_bytes);

// "<what> '<name>' <problem>", e.g. "Dimension name 'time' is a reserved name."
std::string DescribeNameProblem(absl::string_view what, absl::string_view name, NameProblem problem,
                                int max_bytes);

}  // namespace tsw::model

#endif  // TSW_ENGINE_MODEL_NAMES_H_
