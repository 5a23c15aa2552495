// The full path: any record, every rejection worded. See parser.h for how it shares the
// per-record rules with the fast paths.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/ingest/parser.h"
#include "engine/model/names.h"

namespace tsw::ingest::internal {

absl::Status Parser::ParseRecord(int32_t index, const Record& record) {
  ParsedBatch& b = *batch_;
  ParsedRecord out;
  out.index = index;

  // Dimensions. A record whose own dimensions equal the previous keyed record's (the
  // usual case for a run of one series) reuses that record's checks and series key.
  const bool same_dimensions = SameAsPrevious(record.dimensions);
  size_t dimension_bytes = previous_.dimension_bytes;
  if (!same_dimensions && !CheckOwnDimensions(index, record.dimensions, &dimension_bytes)) {
    return absl::OkStatus();
  }
  TimeUnit unit;
  if (!ResolveMeasure(index, record, &out, &unit)) return absl::OkStatus();
  out.version =
      record.version ? *record.version : (common_ && common_->version ? *common_->version : 1);
  if (!RecordRules::VersionOk(out.version)) {
    // The API reference: "Version must be 1 or greater, or you will receive a
    // ValidationException error": a request-level error, not a rejected record.
    return ValidationError(absl::StrCat("Version must be 1 or greater. Record ", index,
                                        " has Version ", out.version, "."));
  }
  if (!ReadRecordTime(index, record, unit, &out)) return absl::OkStatus();
  if (!CheckWindow(index, &out)) return absl::OkStatus();

  // Values, then the record's size.
  size_t value_bytes = 0;
  out.values_begin = static_cast<uint32_t>(b.values.size());
  if (!ParseValues(index, record, unit, &out, &value_bytes)) {
    b.values.Truncate(out.values_begin);
    return absl::OkStatus();
  }
  out.values_count = static_cast<uint32_t>(b.values.size()) - out.values_begin;
  const size_t record_bytes = dimension_bytes + out.measure_name.size() + value_bytes;
  if (!rules_.RecordBytesOk(record_bytes)) {
    b.values.Truncate(out.values_begin);
    Reject(index, absl::StrCat("The record is ", record_bytes,
                               " bytes (dimensions, measure name and values); at most ",
                               quotas_.max_record_bytes, " are allowed."));
    return absl::OkStatus();
  }

  // The series key.
  if (same_dimensions) {
    out.key_begin = previous_.key_begin;
    out.key_size = previous_.key_size;
    out.series_hash = previous_.series_hash;
  } else {
    if (absl::Status s = BuildKey(index, &out); !s.ok()) return s;
    previous_.dimensions = &record.dimensions;
    previous_.dimension_bytes = dimension_bytes;
    previous_.key_begin = out.key_begin;
    previous_.key_size = out.key_size;
    previous_.series_hash = out.series_hash;
  }
  b.records.push_back(out);
  RememberShape(record, out, unit, dimension_bytes);
  return absl::OkStatus();
}

// The record's own dimensions: valid unique names, within the count and size quotas
// (CommonAttributes' included). Sorts them into batch.own_dimensions and adds their
// bytes to *dimension_bytes (which starts as the common ones').
bool Parser::CheckOwnDimensions(int32_t index, const std::vector<Dimension>& dimensions,
                                size_t* dimension_bytes) {
  std::vector<DimensionView>& own = batch_->own_dimensions;
  own.clear();
  *dimension_bytes = common_bytes_;
  for (const Dimension& d : dimensions) {
    const model::NameProblem problem =
        model::CheckName(View(d.name), quotas_.max_dimension_name_bytes);
    if (problem != model::NameProblem::kOk) {
      Reject(index, model::DescribeNameProblem("Dimension name", View(d.name), problem,
                                               quotas_.max_dimension_name_bytes));
      return false;
    }
    own.push_back({View(d.name), View(d.value)});
    *dimension_bytes += d.name.size() + d.value.size();
  }
  SortByName(own.data(), own.size());
  for (size_t i = 1; i < own.size(); ++i) {
    if (own[i].name == own[i - 1].name) {
      Reject(index, absl::StrCat("Dimension '", own[i].name, "' appears more than once."));
      return false;
    }
  }
  const size_t dimension_count = own.size() + batch_->common_dimensions.size();
  if (dimension_count > static_cast<size_t>(quotas_.max_dimensions_per_record)) {
    Reject(index, absl::StrCat("The record has ", dimension_count,
                               " dimensions (CommonAttributes included); at most ",
                               quotas_.max_dimensions_per_record, " are allowed."));
    return false;
  }
  if (!rules_.SeriesBytesOk(*dimension_bytes)) {
    Reject(index,
           absl::StrCat("The record's dimension names and values total ", *dimension_bytes,
                        " bytes; at most ", quotas_.max_series_dimensions_bytes, " are allowed."));
    return false;
  }
  return true;
}

// Measure name, type and time unit: the record's own, else the common one, else the
// default (DOUBLE, milliseconds). A record's own measure name must be valid (the common
// one was checked with CommonAttributes).
bool Parser::ResolveMeasure(int32_t index, const Record& record, ParsedRecord* out,
                            TimeUnit* unit) {
  const std::string* measure_name =
      record.measure_name ? &*record.measure_name
                          : (common_ && common_->measure_name ? &*common_->measure_name : nullptr);
  if (measure_name == nullptr) {
    Reject(index, "The record has no MeasureName (and CommonAttributes sets none).");
    return false;
  }
  if (record.measure_name) {
    const model::NameProblem problem =
        model::CheckName(View(*measure_name), quotas_.max_measure_name_bytes);
    if (problem != model::NameProblem::kOk) {
      Reject(index, model::DescribeNameProblem("MeasureName", View(*measure_name), problem,
                                               quotas_.max_measure_name_bytes));
      return false;
    }
  }
  out->measure_name = View(*measure_name);
  out->type = record.measure_value_type
                  ? *record.measure_value_type
                  : (common_ && common_->measure_value_type ? *common_->measure_value_type
                                                            : MeasureValueType::kDouble);
  *unit = record.time_unit
              ? *record.time_unit
              : (common_ && common_->time_unit ? *common_->time_unit : TimeUnit::kMilliseconds);
  return true;
}

// The record's Time (its own, else the common one) in `unit`, into out->time_nanos.
bool Parser::ReadRecordTime(int32_t index, const Record& record, TimeUnit unit, ParsedRecord* out) {
  const std::string* time =
      record.time ? &*record.time : (common_ && common_->time ? &*common_->time : nullptr);
  if (time == nullptr) {
    Reject(index, "The record has no Time (and CommonAttributes sets none).");
    return false;
  }
  if (ReadTime(&time_parser_, View(*time), model::NanosPerUnit(unit), &out->time_nanos))
    return true;
  switch (TimeProblemOf(View(*time), unit)) {
    case TimeProblem::kTooLong:
      Reject(index, absl::StrCat("Time is longer than ", kMaxTimeChars, " characters."));
      return false;
    case TimeProblem::kSyntax:
      Reject(index, absl::StrCat("Time '", View(*time).substr(0, 64),
                                 "' is not an integer number of ", model::Spelling(unit), "."));
      return false;
    case TimeProblem::kOutOfRange:
      Reject(index, absl::StrCat("Time ", View(*time).substr(0, 64), " ", model::Spelling(unit),
                                 " is outside the range of 64-bit nanoseconds since the "
                                 "epoch (years 1678 to 2262)."));
      return false;
  }
  return false;
}

// Memory store window, else magnetic store window (if the table takes magnetic writes):
// sets out->magnetic. Rejects a record too far ahead or too old.
bool Parser::CheckWindow(int32_t index, ParsedRecord* out) {
  const int64_t t = out->time_nanos;
  if (rules_.InMemoryWindow(t)) return true;
  if (rules_.AfterFutureLimit(t)) {
    Reject(index,
           absl::StrCat("Time ", t, " ns is more than ", quotas_.max_future_nanos / 1000000000,
                        " seconds ahead of the "
                        "current time ",
                        context_.now_nanos, " ns."));
    return false;
  }
  if (context_.magnetic_store_writes && rules_.InMagneticWindow(t)) {
    out->magnetic = true;
    return true;
  }
  if (context_.magnetic_store_writes) {
    Reject(index,
           absl::StrCat("Time ", t,
                        " ns is older than the magnetic store retention "
                        "period of ",
                        context_.retention.magnetic_store_retention_period_in_days, " days."));
  } else {
    Reject(index, absl::StrCat("Time ", t,
                               " ns is older than the memory store retention "
                               "period of ",
                               context_.retention.memory_store_retention_period_in_hours,
                               " hours, and magnetic store writes are disabled for this "
                               "table."));
  }
  return false;
}

// The record's value or MULTI attributes (its own, else the common ones), appended to
// batch.values; the caller drops them if this rejects the record.
bool Parser::ParseValues(int32_t index, const Record& record, TimeUnit unit, ParsedRecord* out,
                         size_t* value_bytes) {
  const std::string* measure_value =
      record.measure_value
          ? &*record.measure_value
          : (common_ && common_->measure_value ? &*common_->measure_value : nullptr);
  const std::vector<MeasureValue>& measure_values =
      !record.measure_values.empty() || common_ == nullptr ? record.measure_values
                                                           : common_->measure_values;
  if (out->type != MeasureValueType::kMulti) {
    if (!measure_values.empty()) {
      Reject(index, absl::StrCat("MeasureValueType ", model::Spelling(out->type),
                                 " is scalar, but the record has MeasureValues; they are "
                                 "only for MULTI."));
      return false;
    }
    return ParseScalarValue(index, measure_value, unit, out, value_bytes);
  }
  if (measure_value != nullptr) {
    Reject(index, "The record is MULTI but has a MeasureValue; MULTI takes MeasureValues.");
    return false;
  }
  return ParseMultiValues(index, measure_values, unit, value_bytes);
}

bool Parser::ParseScalarValue(int32_t index, const std::string* measure_value, TimeUnit unit,
                              ParsedRecord* out, size_t* value_bytes) {
  if (measure_value == nullptr) {
    Reject(index, "The record has no MeasureValue (and CommonAttributes sets none).");
    return false;
  }
  ParsedValue& value = *batch_->values.Grow(1);
  value = ParsedValue();
  value.type = out->type;
  if (!ParseValueFast(index, "", View(*measure_value), unit, &value)) return false;
  *value_bytes += measure_value->size();
  return true;
}

namespace {

bool SameNames(const std::vector<MeasureValue>* previous, const std::vector<MeasureValue>& values) {
  if (previous == nullptr || previous->size() != values.size()) return false;
  if (previous == &values) return true;  // CommonAttributes' MeasureValues again.
  for (size_t i = 0; i < values.size(); ++i) {
    if (!SameBytes(View(values[i].name), View((*previous)[i].name))) return false;
  }
  return true;
}

}  // namespace

bool Parser::ParseMultiValues(int32_t index, const std::vector<MeasureValue>& measure_values,
                              TimeUnit unit, size_t* value_bytes) {
  if (measure_values.empty()) {
    Reject(index, "The record is MULTI but has no MeasureValues.");
    return false;
  }
  if (measure_values.size() > static_cast<size_t>(quotas_.max_measures_per_multi_record)) {
    Reject(index, absl::StrCat("The record has ", measure_values.size(), " MeasureValues; at most ",
                               quotas_.max_measures_per_multi_record, " are allowed."));
    return false;
  }
  // Records of one request usually repeat the previous record's attribute names: those
  // were checked (valid, unique) already.
  const bool same_names = SameNames(previous_multi_, measure_values);
  std::vector<absl::string_view>& names = batch_->names;
  names.clear();
  // All of the record's values at once (the caller drops them if the record fails).
  ParsedValue* next = batch_->values.Grow(measure_values.size());
  for (const MeasureValue& mv : measure_values) {
    if (!same_names) {
      const model::NameProblem problem =
          model::CheckName(View(mv.name), quotas_.max_measure_name_bytes);
      if (problem != model::NameProblem::kOk) {
        Reject(index, model::DescribeNameProblem("MeasureValues name", View(mv.name), problem,
                                                 quotas_.max_measure_name_bytes));
        return false;
      }
    }
    if (mv.type == MeasureValueType::kMulti) {
      Reject(index,
             absl::StrCat("MeasureValues '", mv.name, "' has Type MULTI; attributes are scalar."));
      return false;
    }
    ParsedValue& value = *next++;
    value.name = View(mv.name);
    value.type = mv.type;
    value.bits = 0;
    value.text = absl::string_view();
    if (!ParseValueFast(index, value.name, View(mv.value), unit, &value)) {
      return false;  // The caller drops the record's values.
    }
    *value_bytes += mv.name.size() + mv.value.size();
    if (!same_names) names.push_back(value.name);
  }
  if (!same_names) {
    std::vector<absl::string_view> scratch;
    if (HasDuplicate(names, &scratch)) {
      Reject(index, "MeasureValues names must be unique within a record.");
      return false;
    }
    previous_multi_ = &measure_values;
  }
  return true;
}

// ParseValue, with the common cases (a valid value of a type that needs no TimeUnit)
// inline.
bool Parser::ParseValueFast(int32_t index, absl::string_view attribute, absl::string_view text,
                            TimeUnit unit, ParsedValue* value) {
  if (rules_.ValueSizeOk(text.size()) && ParseCommonValue(value->type, text, value)) {
    return true;
  }
  return ParseValue(index, attribute, text, unit, value);  // TIMESTAMP, and errors.
}

// Parses `text` as `value->type`. On failure rejects the record naming the value: the
// MeasureValue, or the MULTI attribute `attribute`.
bool Parser::ParseValue(int32_t index, absl::string_view attribute, absl::string_view text,
                        TimeUnit unit, ParsedValue* value) {
  auto what = [attribute] {
    return attribute.empty() ? std::string("MeasureValue")
                             : absl::StrCat("MeasureValues '", attribute, "'");
  };
  if (!rules_.ValueSizeOk(text.size())) {
    Reject(index, absl::StrCat(what(), " must be 1 to ", quotas_.max_measure_value_bytes,
                               " bytes, not ", text.size(), "."));
    return false;
  }
  model::ParseError error = model::ParseError::kOk;
  const char* expected = "";
  switch (value->type) {
    case MeasureValueType::kDouble: {
      error = model::ParseFiniteDoubleBits(text, &value->bits, &value->decimal);
      expected = "a finite decimal number";
      break;
    }
    case MeasureValueType::kBigint: {
      int64_t v = 0;
      error = model::ParseInt64(text, &v);
      value->bits = static_cast<uint64_t>(v);
      expected = "a signed 64-bit integer";
      break;
    }
    case MeasureValueType::kTimestamp: {
      int64_t v = 0;
      error = model::ParseTimeNanos(text, unit, &v);
      value->bits = static_cast<uint64_t>(v);
      expected = "an integer time in the record's TimeUnit, within 64-bit nanoseconds";
      break;
    }
    case MeasureValueType::kBoolean: {
      bool v = false;  // Left unset when the text is not a boolean; bits are read anyway.
      error = model::ParseBoolean(text, &v);
      value->bits = v ? 1 : 0;
      expected = "true or false";
      break;
    }
    case MeasureValueType::kVarchar:
      value->text = text;
      break;
    case MeasureValueType::kMulti:
      error = model::ParseError::kSyntax;
      break;
  }
  if (error == model::ParseError::kOk) return true;
  Reject(index, absl::StrCat(what(), " '", text.substr(0, 64), "' is not a valid ",
                             model::Spelling(value->type),
                             error == model::ParseError::kOutOfRange ? " (out of range)" : "",
                             ": expected ", expected, "."));
  return false;
}

// Writes the series key of own_dimensions (sorted) merged with the common ones into
// batch.keys. A dimension name on both sides is a request-level ValidationException.
absl::Status Parser::BuildKey(int32_t index, ParsedRecord* out) {
  const std::vector<DimensionView>& own = batch_->own_dimensions;
  const int overlap = MergeKeyPlan(
      own.size(), [&own](size_t k) { return own[k].name; },
      [](size_t k) { return static_cast<int32_t>(k); }, &batch_->key_plan);
  if (overlap >= 0) {
    // The API reference: "Dimensions may not overlap, or a ValidationException will be
    // thrown."
    return ValidationError(absl::StrCat("Dimensions may not overlap. Record ", index,
                                        " and CommonAttributes both have dimension '",
                                        own[overlap].name, "'."));
  }
  EmitKey(
      batch_->key_plan, [&own](int32_t i) { return own[i]; }, out);
  return absl::OkStatus();
}

}  // namespace tsw::ingest::internal
