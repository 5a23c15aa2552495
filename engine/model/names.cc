#include "engine/model/names.h"

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace tsw::model {

NameProblem CheckName(absl::string_view name, int max_bytes) {
  if (name.empty()) return NameProblem::kEmpty;
  if (name.size() > static_cast<size_t>(max_bytes)) return NameProblem::kTooLong;
  if (std::memchr(name.data(), ':', name.size()) != nullptr) return NameProblem::kColon;
  // Cheap first-letter screen: every reserved name starts with 'm', 't'.
  if (name[0] == 'm' || name[0] == 't') {
    if (name == "measure_name" || name == "time") return NameProblem::kReserved;
    if (absl::StartsWith(name, "measure_value")) {
      return name.size() == 13 ? NameProblem::kReserved : NameProblem::kReservedPrefix;
    }
    if (absl::StartsWith(name, "ts_")) return NameProblem::kReservedPrefix;
  }
  return NameProblem::kOk;
}

std::string DescribeNameProblem(absl::string_view what, absl::string_view name, NameProblem problem,
                                int max_bytes) {
  switch (problem) {
    case NameProblem::kOk:
      break;
    case NameProblem::kEmpty:
      return absl::StrCat(what, " is empty.");
    case NameProblem::kTooLong:
      return absl::StrCat(what, " '", name.substr(0, 64), "...' is longer than ", max_bytes,
                          " bytes (", name.size(), ").");
    case NameProblem::kReserved:
      return absl::StrCat(what, " '", name,
                          "' is a reserved name (measure_name, measure_value, time).");
    case NameProblem::kReservedPrefix:
      return absl::StrCat(what, " '", name,
                          "' starts with a reserved prefix (ts_, measure_value).");
    case NameProblem::kColon:
      return absl::StrCat(what, " '", name, "' contains a colon.");
  }
  return absl::StrCat(what, " '", name, "' is valid.");
}

}  // namespace tsw::model
