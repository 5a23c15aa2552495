#include "engine/ingest/request_parser.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "engine/ingest/coding.h"
#include "engine/ingest/common_attributes.h"
#include "engine/ingest/names.h"
#include "engine/ingest/parse_helpers.h"
#include "engine/ingest/retention_window.h"
#include "engine/ingest/series_key.h"
#include "engine/ingest/value_parse.h"

namespace tsw::ingest {
namespace {

// Records with more dimensions of their own than this take the full path for a new key.
constexpr size_t kMaxPlannedDimensions = 16;

// Equal strings of different records (so in different storage: SameBytesApart).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool SameString(const std::string& a, const std::string& b) {
  return a.size() == b.size() && SameBytesApart(a.data(), b.data(), a.size());
}

// SameString where b, and so a if the sizes are equal, is kWord to 2 * kWord bytes long:
// two overlapping word loads each, without SameBytesApart's tests of the size. kWord 0:
// any size (SameString).
template <size_t kWord>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool SameStringOfWords(const std::string& a,
                                                           const std::string& b) {
  if constexpr (kWord == 0) {
    return SameString(a, b);
  } else {
    using Word = std::conditional_t<kWord == 4, uint32_t, uint64_t>;
    static_assert(sizeof(Word) == kWord);
    const size_t n = a.size();
    if (n != b.size()) return false;
    Word x0, x1, y0, y1;
    std::memcpy(&x0, a.data(), kWord);
    std::memcpy(&y0, b.data(), kWord);
    std::memcpy(&x1, a.data() + n - kWord, kWord);
    std::memcpy(&y1, b.data() + n - kWord, kWord);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
}

class Parser {
 public:
  Parser(const WriteRecordsRequest& request, const ParseContext& context, ParsedBatch* batch)
      : request_(request),
        common_(request.common_attributes ? &*request.common_attributes : nullptr),
        context_(context),
        quotas_(*context.quotas),
        batch_(batch) {}

  absl::Status Run() {
    const size_t n = request_.records.size();
    if (n == 0 || n > static_cast<size_t>(quotas_.max_records_per_write)) {
      return ValidationError(absl::StrCat("A WriteRecords request carries 1 to ",
                                          quotas_.max_records_per_write, " records, not ", n, "."));
    }
    batch_->request_records = static_cast<int32_t>(n);
    if (common_ != nullptr) {
      if (absl::Status s = CheckCommonAttributes(*common_, quotas_, batch_, &common_bytes_);
          !s.ok()) {
        return s;
      }
    }
    PrepareWindow();
    batch_->records.reserve(n);
    batch_->values.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const Record& record = request_.records[i];
      if (like_.valid && context_.shape_fast_path &&
          ParseLikePrevious(static_cast<int32_t>(i), record)) {
        if (batch_->records.back().like_previous) i += ParseSameSeriesRun(i + 1);
        continue;
      }
      if (absl::Status s = ParseRecord(static_cast<int32_t>(i), record); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  void PrepareWindow() {
    const int64_t now = context_.now_nanos;
    memory_start_ = WindowStart(now, MemoryWindowNanos(context_.retention));
    magnetic_start_ = WindowStart(now, MagneticWindowNanos(context_.retention));
    future_limit_ = AddSaturating(now, quotas_.max_future_nanos);
  }

  void Reject(int32_t index, std::string reason) {
    batch_->rejected.push_back(RejectedRecord{index, std::move(reason), std::nullopt});
  }

  // ---- One record. Returns non-OK only for a request-level problem.
  absl::Status ParseRecord(int32_t index, const Record& record) {
    ParsedBatch& b = *batch_;
    ParsedRecord out;
    out.index = index;

    // Dimensions. A record whose own dimensions equal the previous keyed record's (the
    // usual case for a run of one series) reuses that record's checks and series key.
    const bool same_dimensions = SameAsPrevious(record.dimensions);
    size_t dimension_bytes = previous_.dimension_bytes;
    if (!same_dimensions) {
      std::vector<DimensionView>& own = b.own_dimensions;
      own.clear();
      dimension_bytes = common_bytes_;
      for (const Dimension& d : record.dimensions) {
        const NameProblem problem = CheckName(View(d.name), quotas_.max_dimension_name_bytes);
        if (problem != NameProblem::kOk) {
          Reject(index, DescribeNameProblem("Dimension name", View(d.name), problem,
                                            quotas_.max_dimension_name_bytes));
          return absl::OkStatus();
        }
        own.push_back({View(d.name), View(d.value)});
        dimension_bytes += d.name.size() + d.value.size();
      }
      SortByName(own.data(), own.size());
      for (size_t i = 1; i < own.size(); ++i) {
        if (own[i].name == own[i - 1].name) {
          Reject(index, absl::StrCat("Dimension '", own[i].name, "' appears more than once."));
          return absl::OkStatus();
        }
      }
      const size_t dimension_count = own.size() + b.common_dimensions.size();
      if (dimension_count > static_cast<size_t>(quotas_.max_dimensions_per_record)) {
        Reject(index, absl::StrCat("The record has ", dimension_count,
                                   " dimensions (CommonAttributes included); at most ",
                                   quotas_.max_dimensions_per_record, " are allowed."));
        return absl::OkStatus();
      }
      if (dimension_bytes > static_cast<size_t>(quotas_.max_series_dimensions_bytes)) {
        Reject(index, absl::StrCat("The record's dimension names and values total ",
                                   dimension_bytes, " bytes; at most ",
                                   quotas_.max_series_dimensions_bytes, " are allowed."));
        return absl::OkStatus();
      }
    }

    // Measure name, type, unit, version, time: the record's own, else the common one.
    const std::string* measure_name =
        record.measure_name
            ? &*record.measure_name
            : (common_ && common_->measure_name ? &*common_->measure_name : nullptr);
    if (measure_name == nullptr) {
      Reject(index, "The record has no MeasureName (and CommonAttributes sets none).");
      return absl::OkStatus();
    }
    if (record.measure_name) {
      const NameProblem problem = CheckName(View(*measure_name), quotas_.max_measure_name_bytes);
      if (problem != NameProblem::kOk) {
        Reject(index, DescribeNameProblem("MeasureName", View(*measure_name), problem,
                                          quotas_.max_measure_name_bytes));
        return absl::OkStatus();
      }
    }
    out.measure_name = View(*measure_name);
    out.type = record.measure_value_type
                   ? *record.measure_value_type
                   : (common_ && common_->measure_value_type ? *common_->measure_value_type
                                                             : MeasureValueType::kDouble);
    const TimeUnit unit =
        record.time_unit
            ? *record.time_unit
            : (common_ && common_->time_unit ? *common_->time_unit : TimeUnit::kMilliseconds);
    out.version =
        record.version ? *record.version : (common_ && common_->version ? *common_->version : 1);
    if (out.version < 1) {
      // The API reference: "Version must be 1 or greater, or you will receive a
      // ValidationException error": a request-level error, not a rejected record.
      return ValidationError(absl::StrCat("Version must be 1 or greater. Record ", index,
                                          " has Version ", out.version, "."));
    }
    const std::string* time =
        record.time ? &*record.time : (common_ && common_->time ? &*common_->time : nullptr);
    if (time == nullptr) {
      Reject(index, "The record has no Time (and CommonAttributes sets none).");
      return absl::OkStatus();
    }
    if (time->size() > kMaxTimeChars) {
      Reject(index, absl::StrCat("Time is longer than ", kMaxTimeChars, " characters."));
      return absl::OkStatus();
    }
    switch (ParseTimeNanos(&time_parser_, View(*time), unit, &out.time_nanos)) {
      case ParseError::kOk:
        break;
      case ParseError::kSyntax:
        Reject(index, absl::StrCat("Time '", View(*time).substr(0, 64),
                                   "' is not an integer number of ", Spelling(unit), "."));
        return absl::OkStatus();
      case ParseError::kOutOfRange:
        Reject(index, absl::StrCat("Time ", View(*time).substr(0, 64), " ", Spelling(unit),
                                   " is outside the range of 64-bit nanoseconds since the "
                                   "epoch (years 1678 to 2262)."));
        return absl::OkStatus();
    }
    if (!CheckWindow(index, &out)) return absl::OkStatus();

    // Values.
    size_t value_bytes = 0;
    out.values_begin = static_cast<uint32_t>(b.values.size());
    if (!ParseValues(index, record, unit, &out, &value_bytes)) {
      b.values.Truncate(out.values_begin);
      return absl::OkStatus();
    }
    out.values_count = static_cast<uint32_t>(b.values.size()) - out.values_begin;
    const size_t record_bytes = dimension_bytes + out.measure_name.size() + value_bytes;
    if (record_bytes > static_cast<size_t>(quotas_.max_record_bytes)) {
      b.values.Truncate(out.values_begin);
      Reject(index, absl::StrCat("The record is ", record_bytes,
                                 " bytes (dimensions, measure name and values); at most ",
                                 quotas_.max_record_bytes, " are allowed."));
      return absl::OkStatus();
    }

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

  // ---- The fast path: a record shaped like the previous accepted one.
  //
  // Most requests repeat one shape: measure name, type and unit from CommonAttributes,
  // the same dimensions as the record before (a run of one series) and, for MULTI, the
  // same attribute names. ParseLikePrevious handles such a record in one short pass,
  // reusing what ParseRecord resolved and checked for the previous one. It parses only
  // values that are valid in the common way; anything else (a different shape, a value
  // or time to reject, a record outside the memory window) makes it return false with
  // nothing changed, and ParseRecord takes the record from the start.

  void RememberShape(const Record& record, const ParsedRecord& out, TimeUnit unit,
                     size_t dimension_bytes) {
    like_.valid = !record.measure_name && !record.measure_value_type && !record.time_unit &&
                  record.time && !out.magnetic &&
                  (out.type == MeasureValueType::kMulti
                       ? !record.measure_value && !record.measure_values.empty()
                       : record.measure_value && record.measure_values.empty());
    if (!like_.valid) return;
    like_.plan_valid = false;  // The record's dimension names may differ from the last.
    like_.record = &record;
    like_.records_after = batch_->records.size();
    like_.type = out.type;
    like_.measure_name = out.measure_name;
    like_.nanos_per_unit = NanosPerUnit(unit);
    like_.default_version = common_ && common_->version ? *common_->version : 1;
    like_.key_begin = out.key_begin;
    like_.key_size = out.key_size;
    like_.series_hash = out.series_hash;
    // The record's bytes other than its value strings.
    size_t names = 0;
    for (const MeasureValue& mv : record.measure_values) names += mv.name.size();
    like_.name_bytes = out.measure_name.size() + names;
    like_.fixed_bytes = dimension_bytes + like_.name_bytes;
  }

  bool ParseLikePrevious(int32_t index, const Record& record) {
    const Record& previous = *like_.record;
    if (record.measure_name || record.measure_value_type || record.time_unit || !record.time) {
      return false;
    }
    // The same dimensions: the same series key. Else the same dimension names in the same
    // order (another device of the same kind): checked names, a new key.
    const Dimensions dimensions = CompareDimensions(record.dimensions, previous.dimensions);
    const bool same_series = dimensions == Dimensions::kSame;
    size_t fixed_bytes = like_.fixed_bytes;
    if (!same_series) {
      if (dimensions == Dimensions::kOther || record.dimensions.size() > kMaxPlannedDimensions) {
        return false;
      }
      size_t dimension_bytes = common_bytes_;
      for (const Dimension& d : record.dimensions)
        dimension_bytes += d.name.size() + d.value.size();
      if (dimension_bytes > static_cast<size_t>(quotas_.max_series_dimensions_bytes)) {
        return false;
      }
      fixed_bytes = dimension_bytes + like_.name_bytes;
    }
    const std::string& time = *record.time;
    // Written in place (a struct copy compiles to `rep movs`); dropped if the record is
    // handed back.
    ParsedBatch& b = *batch_;
    const size_t slot = b.records.size();
    const uint32_t values_begin = static_cast<uint32_t>(b.values.size());
    auto hand_back = [&b, slot, values_begin] {
      b.records.Truncate(slot);
      b.values.Truncate(values_begin);
      return false;
    };
    ParsedRecord& out = *b.records.Grow(1);
    out.index = index;
    out.magnetic = false;
    out.type = like_.type;
    out.measure_name = like_.measure_name;
    out.version = record.version ? *record.version : like_.default_version;
    int64_t units;
    if (out.version < 1 || time.size() > kMaxTimeChars ||
        time_parser_.Parse(View(time), &units) != ParseError::kOk ||
        __builtin_mul_overflow(units, like_.nanos_per_unit, &out.time_nanos) ||
        out.time_nanos > future_limit_ || out.time_nanos < memory_start_) {
      return hand_back();
    }
    const size_t max_value = static_cast<size_t>(quotas_.max_measure_value_bytes);
    size_t value_bytes = 0;
    bool same_types = true;
    out.values_begin = values_begin;
    if (like_.type != MeasureValueType::kMulti) {
      if (!record.measure_value || !record.measure_values.empty()) return hand_back();
      const std::string& text = *record.measure_value;
      ParsedValue* v = b.values.Grow(1);
      v->name = absl::string_view();
      v->type = like_.type;
      if (!ValueSizeOk(text.size(), max_value) || !ParseCommonValue(like_.type, View(text), v)) {
        return hand_back();
      }
      value_bytes = text.size();
      out.values_count = 1;
    } else {
      const size_t n = record.measure_values.size();
      if (record.measure_value || n != previous.measure_values.size()) return hand_back();
      // Two passes. The first, without calls, checks what needs the previous record (the
      // same names, so checked; the types) and the value sizes; the second parses. Kept
      // apart, the loop with calls has few live values (in one loop, inlined into Run, the
      // pointers and counts went to the stack around every call).
      const MeasureValue* const first = record.measure_values.data();
      const MeasureValue* const last = first + n;
      const MeasureValue* like = previous.measure_values.data();
      for (const MeasureValue* mv = first; mv != last; ++mv, ++like) {
        const size_t size = mv->value.size();
        if (!SameString(mv->name, like->name) || !ValueSizeOk(size, max_value)) {
          return hand_back();  // Another shape, or a value ParseValue rejects for its size.
        }
        same_types &= mv->type == like->type;
        value_bytes += size;
      }
      ParsedValue* v = b.values.Grow(n);
      for (const MeasureValue* mv = first; mv != last; ++mv, ++v) {
        v->name = View(mv->name);
        v->type = mv->type;
        if (!ParseCommonValue(mv->type, View(mv->value), v)) return hand_back();
      }
      out.values_count = static_cast<uint32_t>(n);
    }
    if (fixed_bytes + value_bytes > static_cast<size_t>(quotas_.max_record_bytes)) {
      return hand_back();
    }
    if (same_series) {
      out.key_begin = like_.key_begin;
      out.key_size = like_.key_size;
      out.series_hash = like_.series_hash;
    } else {
      BuildKeyLike(record.dimensions, &out);
      like_.key_begin = out.key_begin;
      like_.key_size = out.key_size;
      like_.series_hash = out.series_hash;
      like_.fixed_bytes = fixed_bytes;
    }
    out.like_previous = same_series && same_types && like_.records_after == slot;
    like_.record = &record;
    like_.records_after = b.records.size();
    return true;
  }

  // ---- Runs of one series: records that repeat the previous one's shape exactly.
  //
  // Once ParseLikePrevious has accepted a record as like_previous, the records after it
  // usually repeat it: the same dimensions (and, for MULTI, attribute names and types),
  // only time and values new. ParseSameSeriesRun takes such records from `begin` on in
  // one loop that keeps the shape's facts in locals and writes straight into room made
  // for the rest of the request, instead of a ParseLikePrevious call each. It accepts
  // exactly the records that ParseLikePrevious would accept as like_previous, with the
  // same results (they repeat like_.record, so whatever held for it holds for them), and
  // stops at the first other one, for Run to take it the usual way. Returns the number of
  // records taken.
  size_t ParseSameSeriesRun(size_t begin) {
    // The run's names and dimension values are compared with like_.record's; when all of
    // those have sizes in one word class, without a test of the size class each.
    const Record& like = *like_.record;
    bool narrow = true, wide = true;  // Sizes 4 to 8, 8 to 16.
    auto classify = [&narrow, &wide](const std::string& s) {
      narrow &= s.size() - 4 <= 4;
      wide &= s.size() - 8 <= 8;
    };
    for (const Dimension& d : like.dimensions) {
      classify(d.name);
      classify(d.value);
    }
    for (const MeasureValue& mv : like.measure_values) classify(mv.name);
    if (like_.type != MeasureValueType::kMulti) {
      if (narrow) return ParseSameSeriesRunOf<4, false>(begin);
      if (wide) return ParseSameSeriesRunOf<8, false>(begin);
      return ParseSameSeriesRunOf<0, false>(begin);
    }
    if (narrow) return ParseSameSeriesRunOf<4, true>(begin);
    if (wide) return ParseSameSeriesRunOf<8, true>(begin);
    return ParseSameSeriesRunOf<0, true>(begin);
  }

  // Out of line: called once per run, it gets registers of its own for the loop's state
  // (inlined into Run, most of that state lived on the stack).
  template <size_t kWord, bool kMulti>
  ABSL_ATTRIBUTE_NOINLINE size_t ParseSameSeriesRunOf(size_t begin) {
    ParsedBatch& b = *batch_;
    const Record* const records = request_.records.data();
    const size_t end = request_.records.size();
    const Record& like = *like_.record;
    const Dimension* const like_dims = like.dimensions.data();
    const size_t dims = like.dimensions.size();
    const MeasureValue* const like_values = like.measure_values.data();
    const size_t m = kMulti ? like.measure_values.size() : 1;
    const MeasureValueType type = like_.type;
    const int64_t default_version = like_.default_version;
    const int64_t nanos_per_unit = like_.nanos_per_unit;
    const size_t fixed_bytes = like_.fixed_bytes;
    const size_t max_value = static_cast<size_t>(quotas_.max_measure_value_bytes);
    const size_t max_record = static_cast<size_t>(quotas_.max_record_bytes);
    const int64_t future_limit = future_limit_, memory_start = memory_start_;
    ParsedRecord* out = b.records.MakeRoom(end - begin);
    ParsedValue* v = b.values.MakeRoom((end - begin) * m);
    size_t i = begin;
    for (; i < end; ++i) {
      const Record& record = records[i];
      if (record.measure_name || record.measure_value_type || record.time_unit || !record.time ||
          record.dimensions.size() != dims ||
          (kMulti ? record.measure_value || record.measure_values.size() != m
                  : !record.measure_value || !record.measure_values.empty())) {
        break;
      }
      const Dimension* d = record.dimensions.data();
      const Dimension* const dims_end = d + dims;
      for (const Dimension* like_d = like_dims; d != dims_end; ++d, ++like_d) {
        if (!SameStringOfWords<kWord>(d->name, like_d->name) ||
            !SameStringOfWords<kWord>(d->value, like_d->value)) {
          break;
        }
      }
      if (d != dims_end) break;
      const int64_t version = record.version ? *record.version : default_version;
      const std::string& time = *record.time;
      int64_t units, nanos;
      if (version < 1 || time.size() > kMaxTimeChars ||
          time_parser_.Parse(View(time), &units) != ParseError::kOk ||
          __builtin_mul_overflow(units, nanos_per_unit, &nanos) || nanos > future_limit ||
          nanos < memory_start) {
        break;
      }
      // The checks first, then the record (the one before has every other field right:
      // the one that started the run, like_previous too, or the last one taken), then the
      // values: few values are live across the value parsers' calls.
      size_t value_bytes = 0;
      if constexpr (kMulti) {
        const MeasureValue* mv = record.measure_values.data();
        const MeasureValue* const last = mv + m;
        for (const MeasureValue* like_mv = like_values; mv != last; ++mv, ++like_mv) {
          const size_t size = mv->value.size();
          if (mv->type != like_mv->type || !ValueSizeOk(size, max_value) ||
              !SameStringOfWords<kWord>(mv->name, like_mv->name)) {
            break;
          }
          value_bytes += size;
        }
        if (mv != last) break;
      } else {
        value_bytes = record.measure_value->size();
        if (!ValueSizeOk(value_bytes, max_value)) break;
      }
      if (fixed_bytes + value_bytes > max_record) break;
      *out = out[-1];
      out->index = static_cast<int32_t>(i);
      out->values_begin += static_cast<uint32_t>(m);
      out->time_nanos = nanos;
      out->version = version;
      if constexpr (kMulti) {
        const MeasureValue* mv = record.measure_values.data();
        const MeasureValue* const last = mv + m;
        for (; mv != last; ++mv, ++v) {
          v->name = View(mv->name);
          v->type = mv->type;
          if (!ParseCommonValue(mv->type, View(mv->value), v)) break;
        }
        if (mv != last) break;
      } else {
        v->name = absl::string_view();
        v->type = type;
        if (!ParseCommonValue(type, View(*record.measure_value), v)) break;
        ++v;
      }
      ++out;
    }
    const size_t taken = i - begin;
    if (taken > 0) {
      b.records.Extend(taken);
      b.values.Extend(taken * m);
      like_.record = &records[i - 1];
      like_.records_after = b.records.size();
    }
    return taken;
  }

  // The series key of `dims`, whose names are like_.record's in the same order: the
  // previous key's layout with the values swapped in. The layout is worked out once per
  // run of such records.
  void BuildKeyLike(const std::vector<Dimension>& dims, ParsedRecord* out) {
    std::vector<int32_t>& plan = batch_->like_key_plan;
    if (!like_.plan_valid) {
      // The record's dimensions in name order (a handful: insertion sort).
      uint8_t order[kMaxPlannedDimensions];
      for (size_t i = 0; i < dims.size(); ++i) {
        size_t j = i;
        while (j > 0 && View(dims[i].name) < View(dims[order[j - 1]].name)) {
          order[j] = order[j - 1];
          --j;
        }
        order[j] = static_cast<uint8_t>(i);
      }
      // No overlap with the common names: the previous record had these names.
      MergeKeyPlan(
          dims.size(), [&](size_t k) { return View(dims[order[k]].name); },
          [&](size_t k) { return static_cast<int32_t>(order[k]); }, &plan);
      like_.plan_valid = true;
    }
    EmitKey(
        plan,
        [&dims](int32_t i) {
          return DimensionView{View(dims[i].name), View(dims[i].value)};
        },
        out);
  }

  // The layout of a series key: the record's own dimensions, given in name order by
  // name_at(k) and their index_at(k), merged with the common ones (sorted). Entries are
  // a record dimension's index (>= 0) or -1 - j for common dimension j. Returns the
  // position k of an own name that is also a common one (a request-level error), or -1.
  template <typename NameAt, typename IndexAt>
  int MergeKeyPlan(size_t n, NameAt name_at, IndexAt index_at, std::vector<int32_t>* plan) {
    const std::vector<DimensionView>& common = batch_->common_dimensions;
    plan->clear();
    size_t i = 0, j = 0;
    while (i < n || j < common.size()) {
      if (j == common.size() || (i < n && name_at(i) < common[j].name)) {
        plan->push_back(index_at(i++));
      } else if (i == n || common[j].name < name_at(i)) {
        plan->push_back(-1 - static_cast<int32_t>(j++));
      } else {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  // Appends the key laid out by `plan` to batch.keys (record dimension i is own(i); the
  // common ones' encodings are copied, not re-encoded) and sets out's key and hash.
  template <typename Own>
  void EmitKey(const std::vector<int32_t>& plan, Own own, ParsedRecord* out) {
    ParsedBatch& b = *batch_;
    size_t size = 0;
    for (const int32_t step : plan) {
      if (step >= 0) {
        const DimensionView d = own(step);
        size += LengthPrefixedSize(d.name) + LengthPrefixedSize(d.value);
      } else {
        size += b.common_offsets[-step] - b.common_offsets[-1 - step];
      }
    }
    const size_t begin = b.keys.size();
    char* dst = b.keys.Grow(size);
    for (const int32_t step : plan) {
      if (step >= 0) {
        const DimensionView d = own(step);
        dst = EncodeKeyPiece(dst, d.name);
        dst = EncodeKeyPiece(dst, d.value);
      } else {
        const uint32_t from = b.common_offsets[-1 - step], to = b.common_offsets[-step];
        dst = CopyKeyPiece(dst, b.common_encoded.data() + from, to - from);
      }
    }
    out->key_begin = static_cast<uint32_t>(begin);
    out->key_size = static_cast<uint32_t>(size);
    out->series_hash = HashSeriesKey(b.key(*out));
  }

  enum class Dimensions { kSame, kSameNames, kOther };
  // How `a` compares with `b`: equal, equal names (in order) with other values, or neither.
  ABSL_ATTRIBUTE_ALWAYS_INLINE static Dimensions CompareDimensions(
      const std::vector<Dimension>& a, const std::vector<Dimension>& b) {
    if (a.size() != b.size()) return Dimensions::kOther;
    Dimensions result = Dimensions::kSame;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameString(a[i].name, b[i].name)) return Dimensions::kOther;
      if (!SameString(a[i].value, b[i].value)) result = Dimensions::kSameNames;
    }
    return result;
  }

  // A value's size is 1 to max_bytes bytes: one unsigned comparison (0 wraps around).
  static bool ValueSizeOk(size_t size, size_t max_bytes) { return size - 1 < max_bytes; }

  // A valid value of the usual kinds (DOUBLE, BIGINT, VARCHAR, BOOLEAN) of type `type`,
  // whose size the caller checked (ValueSizeOk): sets v's bits and text (v's name and type
  // are the caller's). False for anything ParseValue would reject or that needs the
  // record's TimeUnit.
  ABSL_ATTRIBUTE_ALWAYS_INLINE static bool ParseCommonValue(MeasureValueType type,
                                                            absl::string_view text,
                                                            ParsedValue* v) {
    // Tests in the order of how common the types are: a switch here compiles to a chain of
    // comparisons that reaches DOUBLE third.
    if (type == MeasureValueType::kDouble) {
      if (ParseFiniteDoubleBits(text, &v->bits, &v->decimal) != ParseError::kOk) return false;
      v->text = absl::string_view();
      return true;
    }
    if (type == MeasureValueType::kBigint) {
      int64_t i;
      if (ParseInt64(text, &i) != ParseError::kOk) return false;
      v->bits = static_cast<uint64_t>(i);
      v->text = absl::string_view();
      return true;
    }
    if (type == MeasureValueType::kVarchar) {
      v->bits = 0;
      v->text = text;
      return true;
    }
    if (type == MeasureValueType::kBoolean) {
      bool flag;
      if (ParseBoolean(text, &flag) != ParseError::kOk) return false;
      v->bits = flag ? 1 : 0;
      v->text = absl::string_view();
      return true;
    }
    return false;  // TIMESTAMP (needs the TimeUnit) or MULTI (not a value's type).
  }

  bool SameAsPrevious(const std::vector<Dimension>& dims) const {
    return previous_.dimensions != nullptr &&
           CompareDimensions(dims, *previous_.dimensions) == Dimensions::kSame;
  }

  // Writes the series key of own_dimensions (sorted) merged with the common ones into
  // batch.keys. A dimension name on both sides is a request-level ValidationException.
  absl::Status BuildKey(int32_t index, ParsedRecord* out) {
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

  bool CheckWindow(int32_t index, ParsedRecord* out) {
    const int64_t t = out->time_nanos;
    if (t > future_limit_) {
      Reject(index,
             absl::StrCat("Time ", t, " ns is more than ", quotas_.max_future_nanos / 1000000000,
                          " seconds ahead of the "
                          "current time ",
                          context_.now_nanos, " ns."));
      return false;
    }
    if (t >= memory_start_) return true;
    if (context_.magnetic_store_writes && t >= magnetic_start_) {
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

  bool ParseValues(int32_t index, const Record& record, TimeUnit unit, ParsedRecord* out,
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
        Reject(index, absl::StrCat("MeasureValueType ", Spelling(out->type),
                                   " is scalar, but the record has MeasureValues; they are "
                                   "only for MULTI."));
        return false;
      }
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
    if (measure_value != nullptr) {
      Reject(index, "The record is MULTI but has a MeasureValue; MULTI takes MeasureValues.");
      return false;
    }
    if (measure_values.empty()) {
      Reject(index, "The record is MULTI but has no MeasureValues.");
      return false;
    }
    if (measure_values.size() > static_cast<size_t>(quotas_.max_measures_per_multi_record)) {
      Reject(index,
             absl::StrCat("The record has ", measure_values.size(), " MeasureValues; at most ",
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
        const NameProblem problem = CheckName(View(mv.name), quotas_.max_measure_name_bytes);
        if (problem != NameProblem::kOk) {
          Reject(index, DescribeNameProblem("MeasureValues name", View(mv.name), problem,
                                            quotas_.max_measure_name_bytes));
          return false;
        }
      }
      if (mv.type == MeasureValueType::kMulti) {
        Reject(index, absl::StrCat("MeasureValues '", mv.name,
                                   "' has Type MULTI; attributes are scalar."));
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

  static bool SameNames(const std::vector<MeasureValue>* previous,
                        const std::vector<MeasureValue>& values) {
    if (previous == nullptr || previous->size() != values.size()) return false;
    if (previous == &values) return true;  // CommonAttributes' MeasureValues again.
    for (size_t i = 0; i < values.size(); ++i) {
      if (!SameBytes(View(values[i].name), View((*previous)[i].name))) return false;
    }
    return true;
  }

  // ParseValue, with the common cases (a valid value of a type that needs no TimeUnit)
  // inline.
  bool ParseValueFast(int32_t index, absl::string_view attribute, absl::string_view text,
                      TimeUnit unit, ParsedValue* value) {
    if (ValueSizeOk(text.size(), static_cast<size_t>(quotas_.max_measure_value_bytes)) &&
        ParseCommonValue(value->type, text, value)) {
      return true;
    }
    return ParseValue(index, attribute, text, unit, value);  // TIMESTAMP, and errors.
  }

  // Parses `text` as `value->type`. On failure rejects the record naming the value: the
  // MeasureValue, or the MULTI attribute `attribute`.
  bool ParseValue(int32_t index, absl::string_view attribute, absl::string_view text, TimeUnit unit,
                  ParsedValue* value) {
    auto what = [attribute] {
      return attribute.empty() ? std::string("MeasureValue")
                               : absl::StrCat("MeasureValues '", attribute, "'");
    };
    if (text.empty() || text.size() > static_cast<size_t>(quotas_.max_measure_value_bytes)) {
      Reject(index, absl::StrCat(what(), " must be 1 to ", quotas_.max_measure_value_bytes,
                                 " bytes, not ", text.size(), "."));
      return false;
    }
    ParseError error = ParseError::kOk;
    const char* expected = "";
    switch (value->type) {
      case MeasureValueType::kDouble: {
        error = ParseFiniteDoubleBits(text, &value->bits, &value->decimal);
        expected = "a finite decimal number";
        break;
      }
      case MeasureValueType::kBigint: {
        int64_t v;
        error = ParseInt64(text, &v);
        value->bits = static_cast<uint64_t>(v);
        expected = "a signed 64-bit integer";
        break;
      }
      case MeasureValueType::kTimestamp: {
        int64_t v;
        error = ParseTimeNanos(text, unit, &v);
        value->bits = static_cast<uint64_t>(v);
        expected = "an integer time in the record's TimeUnit, within 64-bit nanoseconds";
        break;
      }
      case MeasureValueType::kBoolean: {
        bool v;
        error = ParseBoolean(text, &v);
        value->bits = v ? 1 : 0;
        expected = "true or false";
        break;
      }
      case MeasureValueType::kVarchar:
        value->text = text;
        break;
      case MeasureValueType::kMulti:
        error = ParseError::kSyntax;
        break;
    }
    if (error == ParseError::kOk) return true;
    Reject(index, absl::StrCat(what(), " '", text.substr(0, 64), "' is not a valid ",
                               Spelling(value->type),
                               error == ParseError::kOutOfRange ? " (out of range)" : "",
                               ": expected ", expected, "."));
    return false;
  }

  const WriteRecordsRequest& request_;
  const Record* common_;
  const ParseContext& context_;
  const Quotas& quotas_;
  ParsedBatch* batch_;
  size_t common_bytes_ = 0;           // Names and values of the common dimensions.
  IncrementalIntParser time_parser_;  // Times of consecutive records share leading digits.
  // The last MeasureValues whose names passed the checks.
  const std::vector<MeasureValue>* previous_multi_ = nullptr;
  // The last record whose series key was built.
  struct {
    const std::vector<Dimension>* dimensions = nullptr;
    size_t dimension_bytes = 0;
    uint32_t key_begin = 0, key_size = 0;
    uint64_t series_hash = 0;
  } previous_;
  // The shape of the last record ParseRecord accepted, for ParseLikePrevious.
  struct {
    bool valid = false;
    const Record* record = nullptr;  // The last record accepted with this shape.
    size_t records_after = 0;        // ParsedBatch::records' size once it was added.
    MeasureValueType type = MeasureValueType::kDouble;
    absl::string_view measure_name;
    int64_t nanos_per_unit = 0;
    int64_t default_version = 1;
    uint32_t key_begin = 0, key_size = 0;
    uint64_t series_hash = 0;
    size_t fixed_bytes = 0;  // Dimensions, measure name and attribute names.
    size_t name_bytes = 0;   // Measure name and attribute names.
    // ParsedBatch::like_key_plan holds the key layout of `record`'s dimension names.
    // Reset with the shape.
    bool plan_valid = false;
  } like_;
  int64_t memory_start_ = 0;
  int64_t magnetic_start_ = 0;
  int64_t future_limit_ = 0;
};

}  // namespace

void ParsedBatch::Clear() {
  request_records = 0;
  records.clear();
  values.clear();
  keys.clear();
  rejected.clear();
  common_dimensions.clear();
  common_encoded.clear();
  common_offsets.clear();
}

absl::Status ParseRequest(const WriteRecordsRequest& request, const ParseContext& context,
                          ParsedBatch* batch) {
  batch->Clear();
  return Parser(request, context, batch).Run();
}

}  // namespace tsw::ingest
