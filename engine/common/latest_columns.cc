#include "engine/common/latest_columns.h"

namespace tsw {

void StartLatestColumns(const std::vector<LatestColumnSpec>& specs, LatestColumns* out) {
  out->rows = 0;
  out->columns.assign(specs.size(), ScanColumn());
  for (size_t c = 0; c < specs.size(); ++c) {
    ScanColumn& column = out->columns[c];
    column.name = specs[c].name;
    switch (specs[c].kind) {
      case LatestColumnSpec::kDimension:
      case LatestColumnSpec::kMeasureName:
        column.type = MeasureValueType::kVarchar;
        break;
      case LatestColumnSpec::kTime:
        column.type = MeasureValueType::kTimestamp;
        break;
      case LatestColumnSpec::kMeasureValue:
      case LatestColumnSpec::kAttribute:
        column.type = specs[c].type;
        break;
    }
  }
}

const std::string* FindLatestDimension(const std::vector<Dimension>& dimensions,
                                       const std::string& name, size_t* hint) {
  if (*hint < dimensions.size() && dimensions[*hint].name == name) return &dimensions[*hint].value;
  for (size_t i = 0; i < dimensions.size(); ++i) {
    if (dimensions[i].name == name) {
      *hint = i;
      return &dimensions[i].value;
    }
  }
  return nullptr;
}

}  // namespace tsw
