#include "engine/ingest/common_attributes.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "engine/ingest/parse_helpers.h"
#include "engine/model/names.h"
#include "engine/model/value_parse.h"
#include "tsw/status.h"

namespace tsw::ingest {

absl::Status CheckCommonAttributes(const Record& common, const Quotas& quotas, ParsedBatch* batch,
                                   size_t* common_bytes) {
  std::vector<DimensionView>& dims = batch->common_dimensions;
  if (common.dimensions.size() > static_cast<size_t>(quotas.max_dimensions_per_record)) {
    return ValidationError(absl::StrCat("CommonAttributes has ", common.dimensions.size(),
                                        " dimensions; a record may have at most ",
                                        quotas.max_dimensions_per_record, "."));
  }
  for (const Dimension& d : common.dimensions) {
    const model::NameProblem problem =
        model::CheckName(View(d.name), quotas.max_dimension_name_bytes);
    if (problem != model::NameProblem::kOk) {
      return ValidationError(absl::StrCat(
          "CommonAttributes: ", model::DescribeNameProblem("Dimension name", View(d.name), problem,
                                                           quotas.max_dimension_name_bytes)));
    }
    dims.push_back({View(d.name), View(d.value)});
  }
  SortByName(dims.data(), dims.size());
  for (size_t i = 1; i < dims.size(); ++i) {
    if (dims[i].name == dims[i - 1].name) {
      return ValidationError(
          absl::StrCat("CommonAttributes has dimension '", dims[i].name, "' more than once."));
    }
  }
  for (const DimensionView& d : dims) {
    batch->common_offsets.push_back(static_cast<uint32_t>(batch->common_encoded.size()));
    PutLengthPrefixed(&batch->common_encoded, d.name);
    PutLengthPrefixed(&batch->common_encoded, d.value);
    *common_bytes += d.name.size() + d.value.size();
  }
  batch->common_offsets.push_back(static_cast<uint32_t>(batch->common_encoded.size()));
  if (common.measure_name) {
    const model::NameProblem problem =
        model::CheckName(View(*common.measure_name), quotas.max_measure_name_bytes);
    if (problem != model::NameProblem::kOk) {
      return ValidationError(
          absl::StrCat("CommonAttributes: ",
                       model::DescribeNameProblem("MeasureName", View(*common.measure_name),
                                                  problem, quotas.max_measure_name_bytes)));
    }
  }
  if (common.version && *common.version < 1) {
    return ValidationError(absl::StrCat(
        "Version must be 1 or greater. CommonAttributes has Version ", *common.version, "."));
  }
  if (common.time) {
    int64_t unused;
    if (common.time->empty() || common.time->size() > kMaxTimeChars ||
        model::ParseInt64(View(*common.time), &unused) == model::ParseError::kSyntax) {
      return ValidationError(absl::StrCat(
          "CommonAttributes: Time '", View(*common.time).substr(0, 64), "' is not an integer."));
    }
  }
  if (common.measure_value) {
    const size_t size = common.measure_value->size();
    if (size == 0 || size > static_cast<size_t>(quotas.max_measure_value_bytes)) {
      return ValidationError(absl::StrCat("CommonAttributes: MeasureValue must be 1 to ",
                                          quotas.max_measure_value_bytes, " bytes, not ", size,
                                          "."));
    }
    if (!common.measure_values.empty()) {
      return ValidationError(
          "CommonAttributes sets both MeasureValue and MeasureValues; MeasureValue is for "
          "scalar types and MeasureValues for MULTI.");
    }
    if (common.measure_value_type == MeasureValueType::kMulti) {
      return ValidationError(
          "CommonAttributes sets MeasureValue with MeasureValueType MULTI; MULTI takes "
          "MeasureValues.");
    }
  }
  if (!common.measure_values.empty()) {
    if (common.measure_value_type && *common.measure_value_type != MeasureValueType::kMulti) {
      return ValidationError(absl::StrCat(
          "CommonAttributes sets MeasureValues with MeasureValueType ",
          model::Spelling(*common.measure_value_type), "; MeasureValues is only for MULTI."));
    }
    std::vector<absl::string_view>& names = batch->names;
    names.clear();
    for (const MeasureValue& mv : common.measure_values) {
      const model::NameProblem problem =
          model::CheckName(View(mv.name), quotas.max_measure_name_bytes);
      if (problem != model::NameProblem::kOk) {
        return ValidationError(
            absl::StrCat("CommonAttributes: ",
                         model::DescribeNameProblem("MeasureValues name", View(mv.name), problem,
                                                    quotas.max_measure_name_bytes)));
      }
      if (mv.type == MeasureValueType::kMulti) {
        return ValidationError(absl::StrCat("CommonAttributes: MeasureValues '", mv.name,
                                            "' has Type MULTI; attributes are scalar."));
      }
      names.push_back(View(mv.name));
    }
    std::vector<absl::string_view> scratch;
    if (HasDuplicate(names, &scratch)) {
      return ValidationError("CommonAttributes: MeasureValues names must be unique.");
    }
  }
  return absl::OkStatus();
}

}  // namespace tsw::ingest
