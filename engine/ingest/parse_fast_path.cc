// The request's loop and the fast paths: a record shaped like the previous accepted one
// (ParseLikePrevious) and runs of one shape (ParseRunOf). See parser.h for
// the rules they share with the full path (parse_full.cc).
//
// Run lives here, not in request_parser.cc, so that ParseLikePrevious is inlined into its
// loop (out of line it costs more per record: bench/RESULTS.md).
#include <string>
#include <vector>

#include "engine/ingest/common_attributes.h"
#include "engine/ingest/parser.h"

namespace tsw::ingest::internal {

absl::Status Parser::Run() {
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
  PrepareRules();
  batch_->records.reserve(n);
  batch_->values.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const Record& record = request_.records[i];
    if (like_.valid && context_.shape_fast_path &&
        ParseLikePrevious(static_cast<int32_t>(i), record)) {
      // A record of the series before it, or of another series with the same dimension
      // names (a device of the same kind, as when each request holds many series).
      const ParsedRecord& last = batch_->records.back();
      if (last.like_previous) {
        i += ParseRun(i + 1, true);
      } else if (last.same_shape) {
        i += ParseRun(i + 1, false);
      }
      continue;
    }
    if (absl::Status s = ParseRecord(static_cast<int32_t>(i), record); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// ---- A record shaped like the previous accepted one.
//
// Most requests repeat one shape: measure name, type and unit from CommonAttributes,
// the same dimensions as the record before (a run of one series) and, for MULTI, the
// same attribute names. ParseLikePrevious handles such a record in one short pass,
// reusing what ParseRecord resolved and checked for the previous one. It parses only
// values that are valid in the common way; anything else (a different shape, a value
// or time to reject, a record outside the memory window) makes it return false with
// nothing changed, and ParseRecord takes the record from the start.

void Parser::RememberShape(const Record& record, const ParsedRecord& out, TimeUnit unit,
                           size_t dimension_bytes) {
  like_.valid = !SetsOwnShape(record) && !out.magnetic &&
                (out.type == MeasureValueType::kMulti
                     ? !record.measure_value && !record.measure_values.empty()
                     : record.measure_value && record.measure_values.empty());
  if (!like_.valid) return;
  like_.plan_valid = false;  // The record's dimension names may differ from the last.
  like_.record = &record;
  like_.records_after = batch_->records.size();
  like_.type = out.type;
  like_.measure_name = out.measure_name;
  like_.nanos_per_unit = model::NanosPerUnit(unit);
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

// Called once per record in Run's loop, and the longest of the paths (dimensions that
// may differ in value, each value kind, the key): one function so that it is inlined
// there whole.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool Parser::ParseLikePrevious(int32_t index,
                                                                   const Record& record) {
  const Record& previous = *like_.record;
  if (SetsOwnShape(record)) return false;
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
    for (const Dimension& d : record.dimensions) dimension_bytes += d.name.size() + d.value.size();
    if (!rules_.SeriesBytesOk(dimension_bytes)) return false;
    fixed_bytes = dimension_bytes + like_.name_bytes;
  }
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
  if (!RecordRules::VersionOk(out.version) ||
      !ReadTime(&time_parser_, View(*record.time), like_.nanos_per_unit, &out.time_nanos) ||
      !rules_.InMemoryWindow(out.time_nanos)) {
    return hand_back();
  }
  size_t value_bytes = 0;
  bool same_types = true;
  out.values_begin = values_begin;
  if (like_.type != MeasureValueType::kMulti) {
    if (!record.measure_value || !record.measure_values.empty()) return hand_back();
    const std::string& text = *record.measure_value;
    ParsedValue* v = b.values.Grow(1);
    v->name = absl::string_view();
    v->type = like_.type;
    if (!rules_.ValueSizeOk(text.size()) || !ParseStringValue(like_.type, text, v)) {
      return hand_back();
    }
    value_bytes = text.size();
    out.values_count = 1;
  } else {
    const size_t n = record.measure_values.size();
    if (record.measure_value || n != previous.measure_values.size()) return hand_back();
    // Two passes. The first, without calls, checks what needs the previous record (the
    // same names, so checked; the types) and the value sizes; the second parses. Kept
    // apart, the loop with calls has few live values (in one loop the pointers and
    // counts went to the stack around every call).
    const MeasureValue* const first = record.measure_values.data();
    const MeasureValue* const last = first + n;
    const MeasureValue* like = previous.measure_values.data();
    for (const MeasureValue* mv = first; mv != last; ++mv, ++like) {
      const size_t size = mv->value.size();
      if (!SameString(mv->name, like->name) || !rules_.ValueSizeOk(size)) {
        return hand_back();  // Another shape, or a value ParseValue rejects for its size.
      }
      same_types &= mv->type == like->type;
      value_bytes += size;
    }
    ParsedValue* v = b.values.Grow(n);
    for (const MeasureValue* mv = first; mv != last; ++mv, ++v) {
      v->name = View(mv->name);
      v->type = mv->type;
      if (!ParseStringValue(mv->type, mv->value, v)) return hand_back();
    }
    out.values_count = static_cast<uint32_t>(n);
  }
  if (!rules_.RecordBytesOk(fixed_bytes + value_bytes)) return hand_back();
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
  out.same_shape = same_types && like_.records_after == slot;
  out.like_previous = same_series && out.same_shape;
  like_.record = &record;
  like_.records_after = b.records.size();
  return true;
}

// Up to 32 constant key bytes with two overlapping 16-byte copies, inline (the bytes
// between a run's own dimension values: common dimensions, own names); longer, memcpy.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline char* CopyConstant(char* dst, const char* src, size_t n) {
  if (n - 16 <= 16) {
    char head[16], tail[16];
    std::memcpy(head, src, 16);
    std::memcpy(tail, src + n - 16, 16);
    std::memcpy(dst, head, 16);
    std::memcpy(dst + n - 16, tail, 16);
    return dst + n;
  }
  return model::CopyKeyPiece(dst, src, n);
}

// The series key of `dims`, whose names are like_.record's in the same order: the
// run's constant bytes with the values put between them, and its hash from the values
// alone (the constant part's share is worked out with the plan). Once per record of a
// run of many series: a key built the generic way (EmitKey) and hashed whole cost
// about three times as many instructions (bench/RESULTS.md, "branch ing4"). Inline in
// the run loop, which calls it once per record: out of line, each call saved and restored
// registers (bench/RESULTS.md, "branch ing14").
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void Parser::BuildKeyLike(const std::vector<Dimension>& dims,
                                                              ParsedRecord* out) {
  if (!like_.plan_valid) PlanKeyLike(dims);
  ParsedBatch& b = *batch_;
  const std::string& constant = b.like_key_constant;
  const size_t holes = like_.hole_count;
  size_t size = constant.size();
  for (size_t k = 0; k < holes; ++k) {
    size += LengthPrefixedSize(View(dims[like_.holes[k].dimension].value));
  }
  const size_t begin = b.keys.size();
  char* dst = b.keys.Grow(size);
  uint64_t sum = like_.common_hash_sum;
  size_t from = 0;
  for (size_t k = 0; k < holes; ++k) {
    const auto& hole = like_.holes[k];
    dst = CopyConstant(dst, constant.data() + from, hole.constant_end - from);
    from = hole.constant_end;
    const absl::string_view value = View(dims[hole.dimension].value);
    dst = model::EncodeKeyPiece(dst, value);
    sum += model::SeriesHashDimension(hole.name_hash, value);
  }
  CopyConstant(dst, constant.data() + from, constant.size() - from);
  out->key_begin = static_cast<uint32_t>(begin);
  out->key_size = static_cast<uint32_t>(size);
  out->series_hash = model::SeriesHashFinish(sum);
}

// The key layout of `dims` (see BuildKeyLike), once per run of records with its names.
void Parser::PlanKeyLike(const std::vector<Dimension>& dims) {
  std::vector<int32_t>& plan = batch_->like_key_plan;
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
  ParsedBatch& b = *batch_;
  std::string& constant = b.like_key_constant;
  constant.clear();
  like_.hole_count = 0;
  like_.common_hash_sum = 0;
  for (const int32_t step : plan) {
    if (step >= 0) {
      const absl::string_view name = View(dims[step].name);
      PutLengthPrefixed(&constant, name);
      like_.holes[like_.hole_count++] = {static_cast<uint32_t>(constant.size()),
                                         static_cast<uint32_t>(step), model::SeriesHashName(name)};
    } else {
      const uint32_t from = b.common_offsets[-1 - step], to = b.common_offsets[-step];
      constant.append(b.common_encoded, from, to - from);
      const DimensionView& d = b.common_dimensions[-1 - step];
      like_.common_hash_sum += model::SeriesHashDimension(model::SeriesHashName(d.name), d.value);
    }
  }
  like_.plan_valid = true;
}

// ---- Runs of one shape: records that repeat the previous one's shape exactly.
//
// Once ParseLikePrevious has accepted a record as like_previous, the records after it
// usually repeat it: the same dimensions (and, for MULTI, attribute names and types),
// only time and values new. Once it has accepted one as same_shape of another series,
// the records after it usually repeat its shape with other dimension values (a request
// of many devices of one kind, one record each). ParseRun takes such records from `begin`
// on in one loop that keeps the shape's facts in locals and writes straight into room
// made for the rest of the request, instead of a ParseLikePrevious call each. It accepts
// exactly the records that ParseLikePrevious would accept as like_previous (`same_series`)
// or as same_shape of another series (not `same_series`: a record whose dimensions equal
// the one's before it ends the run, for ParseLikePrevious to take as like_previous), with
// the same results (they repeat like_.record, so whatever held for it holds for them),
// and stops at the first other one, for Run to take it the usual way. Returns the number
// of records taken.
size_t Parser::ParseRun(size_t begin, bool same_series) {
  // The run's names (and, for one series, dimension values) are compared with
  // like_.record's; when all of those have sizes in one word class (and are few enough for
  // the loop's copy of them, StringWords), with that copy and without a test of the size
  // class each.
  const Record& like = *like_.record;
  // Sizes 4 to 8, 8 to 16.
  bool narrow =
      like.dimensions.size() <= kMaxRunWords && like.measure_values.size() <= kMaxRunWords;
  bool wide = narrow;
  auto classify = [&narrow, &wide](const std::string& s) {
    narrow &= s.size() - 4 <= 4;
    wide &= s.size() - 8 <= 8;
  };
  for (const Dimension& d : like.dimensions) {
    classify(d.name);
    if (same_series) classify(d.value);
  }
  for (const MeasureValue& mv : like.measure_values) classify(mv.name);
  if (!same_series) {
    if (like_.type != MeasureValueType::kMulti) {
      return narrow ? ParseRunOf<4, false, false>(begin) : ParseRunOf<0, false, false>(begin);
    }
    if (narrow) return ParseRunOf<4, true, false>(begin);
    if (wide) return ParseRunOf<8, true, false>(begin);
    return ParseRunOf<0, true, false>(begin);
  }
  if (like_.type != MeasureValueType::kMulti) {
    if (narrow) return ParseRunOf<4, false, true>(begin);
    if (wide) return ParseRunOf<8, false, true>(begin);
    return ParseRunOf<0, false, true>(begin);
  }
  if (narrow) return ParseRunOf<4, true, true>(begin);
  if (wide) return ParseRunOf<8, true, true>(begin);
  return ParseRunOf<0, true, true>(begin);
}

// Out of line: called once per run, it gets registers of its own for the loop's state.
// Over 100 lines: the loop is the hot path of a run, and split into calls its state
// would go to the stack around each; its steps are marked.
template <size_t kWord, bool kMulti, bool kSameSeries>
ABSL_ATTRIBUTE_NOINLINE size_t Parser::ParseRunOf(size_t begin) {
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
  size_t fixed_bytes = like_.fixed_bytes;  // Per record for many series.
  const size_t name_bytes = like_.name_bytes, common_bytes = common_bytes_;
  const size_t max_value = rules_.max_value_bytes, max_record = rules_.max_record_bytes;
  const int64_t memory_start = rules_.memory_start, future_limit = rules_.future_limit;
  const size_t max_series = rules_.max_series_bytes;
  // What each record's dimensions and names are compared with: like's strings as words,
  // taken once here (kWord 4 or 8), or like's strings themselves (kWord 0).
  struct NoWords {};
  using Words = std::conditional_t<kWord == 0, NoWords, StringWords<kWord>>;
  struct Attribute {
    Words name;
    MeasureValueType type;
  };
  constexpr size_t kWords = kWord == 0 ? 1 : kMaxRunWords;
  Words dim_names[kWords], dim_values[kWords];
  Attribute attributes[kWords];
  if constexpr (kWord != 0) {
    for (size_t k = 0; k < dims; ++k) {
      dim_names[k].Set(like_dims[k].name);
      if constexpr (kSameSeries) dim_values[k].Set(like_dims[k].value);
    }
    for (size_t k = 0; kMulti && k < m; ++k) {
      attributes[k].name.Set(like_values[k].name);
      attributes[k].type = like_values[k].type;
    }
  }
  ParsedRecord* out = b.records.MakeRoom(end - begin);
  ParsedValue* v = b.values.MakeRoom((end - begin) * m);
  const RunBlock dim_block(dims * sizeof(Dimension)), value_block(m * sizeof(MeasureValue));
  // The first records' blocks now, the loop's prefetches cover the rest.
  for (size_t j = begin; j < end && j < begin + kPrefetchRecordsAhead; ++j) {
    PrefetchRunRecord<kMulti>(records[j], dim_block, value_block);
  }
  size_t i = begin;
  for (; i < end; ++i) {
    if (i + kPrefetchRecordsAhead < end) {
      PrefetchRunRecord<kMulti>(records[i + kPrefetchRecordsAhead], dim_block, value_block);
      if (i + 2 * kPrefetchRecordsAhead < end) {
        PrefetchBytes(&records[i + 2 * kPrefetchRecordsAhead], sizeof(Record));
      }
    }
    // The same shape, and series or dimension names.
    const Record& record = records[i];
    // SetsOwnShape(record), spelled out: called here, it cost the loop registers (more
    // spills per record).
    if (record.measure_name || record.measure_value_type || record.time_unit || !record.time ||
        record.dimensions.size() != dims ||
        (kMulti ? record.measure_value || record.measure_values.size() != m
                : !record.measure_value || !record.measure_values.empty())) {
      break;
    }
    const Dimension* d = record.dimensions.data();
    const Dimension* const dims_end = d + dims;
    if constexpr (kSameSeries) {
      if constexpr (kWord != 0) {
        const Words* name = dim_names;
        const Words* value = dim_values;
        for (; d != dims_end; ++d, ++name, ++value) {
          if (!name->Same(d->name) || !value->Same(d->value)) break;
        }
      } else {
        for (const Dimension* like_d = like_dims; d != dims_end; ++d, ++like_d) {
          if (!SameString(d->name, like_d->name) || !SameString(d->value, like_d->value)) break;
        }
      }
      if (d != dims_end) break;
    } else {
      // The names of like_.record, the values not all those of the record before.
      size_t dimension_bytes = common_bytes;
      bool same_values = true;
      const Dimension* before = records[i - 1].dimensions.data();
      for (size_t k = 0; d != dims_end; ++d, ++k, ++before) {
        if constexpr (kWord != 0) {
          if (!dim_names[k].Same(d->name)) break;
        } else {
          if (!SameString(d->name, like_dims[k].name)) break;
        }
        dimension_bytes += d->name.size() + d->value.size();
        same_values &= SameString(d->value, before->value);
      }
      if (d != dims_end || same_values || dimension_bytes > max_series) break;
      fixed_bytes = dimension_bytes + name_bytes;
    }
    // Version and time.
    const int64_t version = record.version ? *record.version : default_version;
    int64_t nanos;
    if (!RecordRules::VersionOk(version) ||
        !ReadTime(&time_parser_, View(*record.time), nanos_per_unit, &nanos) ||
        !RecordRules::InWindow(nanos, memory_start, future_limit)) {
      break;
    }
    // The checks first, then the record (the one before has every other field right:
    // the one that started the run, like_previous too, or the last one taken), then the
    // values: few values are live across the value parsers' calls.
    size_t value_bytes = 0;
    if constexpr (kMulti) {
      const MeasureValue* mv = record.measure_values.data();
      const MeasureValue* const last = mv + m;
      const Attribute* a = attributes;
      const MeasureValue* like_mv = like_values;
      for (; mv != last; ++mv, ++a, ++like_mv) {
        const size_t size = mv->value.size();
        bool same;
        if constexpr (kWord != 0) {
          same = mv->type == a->type && a->name.Same(mv->name);
        } else {
          same = mv->type == like_mv->type && SameString(mv->name, like_mv->name);
        }
        if (!same || !RecordRules::ValueSizeOk(size, max_value)) break;
        value_bytes += size;
      }
      if (mv != last) break;
    } else {
      value_bytes = record.measure_value->size();
      if (!RecordRules::ValueSizeOk(value_bytes, max_value)) break;
    }
    if (!RecordRules::RecordBytesOk(fixed_bytes + value_bytes, max_record)) break;
    *out = out[-1];
    out->index = static_cast<int32_t>(i);
    out->values_begin += static_cast<uint32_t>(m);
    out->time_nanos = nanos;
    out->version = version;
    // The values.
    if constexpr (kMulti) {
      const MeasureValue* mv = record.measure_values.data();
      const MeasureValue* const last = mv + m;
      for (; mv != last; ++mv, ++v) {
        v->name = View(mv->name);
        v->type = mv->type;
        if (!ParseStringValue(mv->type, mv->value, v)) break;
      }
      if (mv != last) break;
    } else {
      v->name = absl::string_view();
      v->type = type;
      if (!ParseStringValue(type, *record.measure_value, v)) break;
      ++v;
    }
    if constexpr (!kSameSeries) {
      BuildKeyLike(record.dimensions, out);
      out->same_shape = true;
      out->like_previous = false;
    }
    ++out;
  }
  const size_t taken = i - begin;
  if (taken > 0) {
    b.records.Extend(taken);
    b.values.Extend(taken * m);
    like_.record = &records[i - 1];
    like_.records_after = b.records.size();
    if constexpr (!kSameSeries) {
      const ParsedRecord& last = b.records.back();
      like_.key_begin = last.key_begin;
      like_.key_size = last.key_size;
      like_.series_hash = last.series_hash;
      like_.fixed_bytes = fixed_bytes;
    }
  }
  return taken;
}

}  // namespace tsw::ingest::internal
