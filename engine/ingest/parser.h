// The request parser's internals, shared by its files. Internal to //engine/ingest:
// include only from request_parser.cc, parse_full.cc and parse_fast_path.cc.
//
// A record takes one of three paths, which must give the same answers:
//   - the full path (parse_full.cc, ParseRecord): any record; words every rejection;
//   - the shape fast path (parse_fast_path.cc, ParseLikePrevious): a record shaped like
//     the previous accepted one, checked against what ParseRecord resolved for that one;
//   - the run loop (parse_fast_path.cc, ParseRunOf): records repeating the previous
//     one's shape exactly, and its series or its dimension names.
// The fast paths take only records they accept; anything else goes back to the full
// path untouched. The per-record rules (Version, time text and window, value sizes and
// values, record and series sizes) are the RecordRules below, ReadTime and
// ParseCommonValue, one function each, which every path calls: a path decides only what
// to do when a rule fails (the full path words a rejection, a fast path hands back).
// tests/ingest/parse_fast_path_test.cc checks that the paths agree.
#ifndef TSW_ENGINE_INGEST_PARSER_H_
#define TSW_ENGINE_INGEST_PARSER_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/common/coding.h"
#include "engine/ingest/byte_compare.h"
#include "engine/ingest/parse_helpers.h"
#include "engine/ingest/request_parser.h"
#include "engine/model/series_key.h"
#include "engine/model/value_parse.h"
#include "tsw/options.h"
#include "tsw/types.h"

namespace tsw::ingest::internal {

// Records with more dimensions of their own than this take the full path for a new key.
inline constexpr size_t kMaxPlannedDimensions = 16;

// The per-record limits of one request, each rule one function. The static forms take
// the limits as arguments for the run loop, which keeps them in locals of its own (a
// copy of the struct there cost it registers: more spills per record).
struct RecordRules {
  size_t max_value_bytes = 0;
  size_t max_record_bytes = 0;
  size_t max_series_bytes = 0;  // A record's dimension names and values, common ones too.
  int64_t memory_start = 0;     // The memory store window's first instant.
  int64_t magnetic_start = 0;   // The magnetic store window's first instant.
  int64_t future_limit = 0;     // The latest instant accepted.

  // The API reference: Version is 1 or greater.
  static bool VersionOk(int64_t version) { return version >= 1; }
  // A value is 1 to max_value_bytes bytes: one unsigned comparison (0 wraps around).
  bool ValueSizeOk(size_t size) const { return ValueSizeOk(size, max_value_bytes); }
  static bool ValueSizeOk(size_t size, size_t max) { return size - 1 < max; }
  // Dimensions, measure name and values (MULTI: attribute names and values).
  bool RecordBytesOk(size_t bytes) const { return RecordBytesOk(bytes, max_record_bytes); }
  static bool RecordBytesOk(size_t bytes, size_t max) { return bytes <= max; }
  bool SeriesBytesOk(size_t bytes) const { return bytes <= max_series_bytes; }
  bool AfterFutureLimit(int64_t t) const { return t > future_limit; }
  // In the memory store's window and not too far ahead: the window's first instant is in.
  bool InMemoryWindow(int64_t t) const { return InWindow(t, memory_start, future_limit); }
  static bool InWindow(int64_t t, int64_t start, int64_t limit) {
    return ABSL_PREDICT_TRUE(!(t > limit || t < start));
  }
  bool InMagneticWindow(int64_t t) const { return t >= magnetic_start; }
};

// The time rule: a record's Time is at most kMaxTimeChars characters, an integer number
// of units of `nanos_per_unit` nanoseconds, within int64 nanoseconds since the epoch.
// True with *nanos set if `text` passes. `parser` keeps the digits of the last time read.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ReadTime(model::IncrementalIntParser* parser,
                                                  absl::string_view text, int64_t nanos_per_unit,
                                                  int64_t* nanos) {
  int64_t units;
  return ABSL_PREDICT_TRUE(text.size() <= kMaxTimeChars &&
                           parser->Parse(text, &units) == model::ParseError::kOk &&
                           !__builtin_mul_overflow(units, nanos_per_unit, nanos));
}

// Why ReadTime rejected `text` (in `unit`), for the full path's message.
enum class TimeProblem { kTooLong, kSyntax, kOutOfRange };
inline TimeProblem TimeProblemOf(absl::string_view text, TimeUnit unit) {
  if (text.size() > kMaxTimeChars) return TimeProblem::kTooLong;
  int64_t nanos;
  return model::ParseTimeNanos(text, unit, &nanos) == model::ParseError::kSyntax
             ? TimeProblem::kSyntax
             : TimeProblem::kOutOfRange;
}

// A valid value of the usual kinds (DOUBLE, BIGINT, VARCHAR, BOOLEAN) of type `type`,
// whose size the caller checked (RecordRules::ValueSizeOk): sets v's bits and text (v's
// name and type are the caller's). False for anything ParseValue would reject or that
// needs the record's TimeUnit. kPadded: at least 16 bytes are readable from text.data()
// (ParseStringValue's texts), which the DOUBLE and BIGINT parsers read in one load.
template <bool kPadded = false>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ParseCommonValue(MeasureValueType type,
                                                          absl::string_view text, ParsedValue* v) {
  // Tests in the order of how common the types are: a switch here compiles to a chain of
  // comparisons that reaches DOUBLE third.
  if (type == MeasureValueType::kDouble) {
    const model::ParseError error =
        kPadded ? model::ParseFiniteDoubleBitsPadded(text, &v->bits, &v->decimal)
                : model::ParseFiniteDoubleBits(text, &v->bits, &v->decimal);
    if (error != model::ParseError::kOk) return false;
    v->text = absl::string_view();
    return true;
  }
  if (type == MeasureValueType::kBigint) {
    int64_t i;
    const model::ParseError error =
        kPadded ? model::ParseInt64Padded(text, &i) : model::ParseInt64(text, &i);
    if (error != model::ParseError::kOk) return false;
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
    if (model::ParseBoolean(text, &flag) != model::ParseError::kOk) return false;
    v->bits = flag ? 1 : 0;
    v->text = absl::string_view();
    return true;
  }
  return false;  // TIMESTAMP (needs the TimeUnit) or MULTI (not a value's type).
}

// Whether at least 16 bytes are readable from any std::string's data(): its buffer inside
// the object (16 bytes in libstdc++, 23 in libc++) or a heap block of more than 16 (one is
// allocated only for more than the inside buffer holds). Other libraries: not assumed.
#if defined(__GLIBCXX__) || defined(_LIBCPP_VERSION)
inline constexpr bool kStringsPadded = true;
#else
inline constexpr bool kStringsPadded = false;
#endif

// ParseCommonValue of a std::string's text, read as a padded one where kStringsPadded.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ParseStringValue(MeasureValueType type,
                                                          const std::string& text, ParsedValue* v) {
  return ParseCommonValue<kStringsPadded>(type, View(text), v);
}

// A record that sets its own measure name, type or time unit, or has no Time: the fast
// paths take only records that do not (CommonAttributes or the defaults give those).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool SetsOwnShape(const Record& record) {
  return ABSL_PREDICT_FALSE(record.measure_name || record.measure_value_type || record.time_unit ||
                            !record.time);
}

// Equal strings of different records (so in different storage: SameBytesApart).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool SameString(const std::string& a, const std::string& b) {
  return a.size() == b.size() && SameBytesApart(a.data(), b.data(), a.size());
}

// The run loop's copy of one of its first record's strings (a name, or a dimension value of
// a run of one series) whose size is kWord to 2 * kWord (kWord 4 or 8): its size and its
// first and last kWord bytes, taken once per run, so that each record of the run compares
// its own string with these words instead of loading that record's string again: the
// sizes, then two overlapping word loads each, without SameBytesApart's tests of the size.
// Where strings are padded (kStringsPadded), a string of 4 to 8 bytes is compared as one
// 8-byte load under a mask of its size instead. At most kMaxRunWords of each kind per run
// (ParseRun).
inline constexpr size_t kMaxRunWords = 16;
template <size_t kWord>
struct StringWords {
  using Word = std::conditional_t<kWord == 4, uint32_t, uint64_t>;
  static_assert(sizeof(Word) == kWord);
  static constexpr bool kOneLoad = kWord == 4 && kStringsPadded;
  size_t size = 0;
  Word head = 0, tail = 0;
  uint64_t bytes = 0, mask = 0;  // kOneLoad: the string's bytes, zeros past them; its mask.

  void Set(const std::string& s) {
    size = s.size();
    if constexpr (kOneLoad) {
      mask = ~uint64_t{0} >> (64 - 8 * size);
      std::memcpy(&bytes, s.data(), 8);
      bytes &= mask;
    } else {
      std::memcpy(&head, s.data(), kWord);
      std::memcpy(&tail, s.data() + size - kWord, kWord);
    }
  }
  // SameString(s, the string Set was given).
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool Same(const std::string& s) const {
    if (s.size() != size) return false;
    if constexpr (kOneLoad) {
      uint64_t x;
      std::memcpy(&x, s.data(), 8);
      return ((x ^ bytes) & mask) == 0;
    } else {
      Word x0, x1;
      std::memcpy(&x0, s.data(), kWord);
      std::memcpy(&x1, s.data() + size - kWord, kWord);
      return ((x0 ^ head) | (x1 ^ tail)) == 0;
    }
  }
};

// How many records ahead of the one it parses the run loop starts loading a record's
// heap blocks (PrefetchRunBlock): a few records' time covers a load from memory. The
// Record itself, whose fields say where those blocks are, is loaded as far again ahead.
inline constexpr size_t kPrefetchRecordsAhead = 8;

// Starts loading the cache lines of [p, p + bytes), bytes >= 1.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void PrefetchBytes(const void* data, size_t bytes) {
  const char* const p = static_cast<const char*>(data);
  for (size_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(p + offset);
  __builtin_prefetch(p + bytes - 1);  // The last line, when p is not at a line's start.
}

// The run loop's form of PrefetchBytes, for a block whose size is the run's (its records
// repeat one shape): the block's lines counted once per run (RunBlock), then one
// prefetch per line at a constant offset, reached by one jump, instead of a loop of
// prefetches per block with the block's size worked out for each record. A record ahead
// of another shape gets the run's lines, more or fewer than its own: a prefetch changes no
// result and never faults, so it only loads what the run will not read (the addresses are
// worked out as integers: data() of an empty vector may be null).
struct RunBlock {
  size_t lines = 0;  // 64-byte steps from the block's start: ceil(bytes / 64).
  size_t last = 0;   // bytes - 1: the last line, when the block is not at a line's start.
  explicit RunBlock(size_t bytes) : lines((bytes + 63) / 64), last(bytes - 1) {}
};
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void PrefetchRunBlock(const void* data, RunBlock block) {
  const uintptr_t p = reinterpret_cast<uintptr_t>(data);
  switch (block.lines) {
    case 0:
      return;
    default:
      for (size_t offset = 6 * 64; offset <= block.last; offset += 64) {
        __builtin_prefetch(reinterpret_cast<const void*>(p + offset));
      }
      [[fallthrough]];
    case 6:
      __builtin_prefetch(reinterpret_cast<const void*>(p + 5 * 64));
      [[fallthrough]];
    case 5:
      __builtin_prefetch(reinterpret_cast<const void*>(p + 4 * 64));
      [[fallthrough]];
    case 4:
      __builtin_prefetch(reinterpret_cast<const void*>(p + 3 * 64));
      [[fallthrough]];
    case 3:
      __builtin_prefetch(reinterpret_cast<const void*>(p + 2 * 64));
      [[fallthrough]];
    case 2:
      __builtin_prefetch(reinterpret_cast<const void*>(p + 64));
      [[fallthrough]];
    case 1:
      __builtin_prefetch(reinterpret_cast<const void*>(p));
  }
  __builtin_prefetch(reinterpret_cast<const void*>(p + block.last));
}

// Starts loading the heap blocks the run loop reads of `record`: its dimensions and, for
// MULTI, its measure values (each record's are an allocation of their own, which a
// hardware prefetcher does not follow from the records array), with the run's block sizes.
// Without it, a request not in cache (one that waited, or many requests in turn) stalls on
// them once per record. A function, not a lambda in the loop: GCC drops the prefetches of
// a lambda (bench/RESULTS.md, "branch ing9").
template <bool kMulti>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void PrefetchRunRecord(const Record& record, RunBlock dims,
                                                           RunBlock values) {
  PrefetchRunBlock(record.dimensions.data(), dims);
  if constexpr (kMulti) PrefetchRunBlock(record.measure_values.data(), values);
}

enum class Dimensions { kSame, kSameNames, kOther };
// How `a` compares with `b`: equal, equal names (in order) with other values, or neither.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline Dimensions CompareDimensions(const std::vector<Dimension>& a,
                                                                 const std::vector<Dimension>& b) {
  if (a.size() != b.size()) return Dimensions::kOther;
  Dimensions result = Dimensions::kSame;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!SameString(a[i].name, b[i].name)) return Dimensions::kOther;
    if (!SameString(a[i].value, b[i].value)) result = Dimensions::kSameNames;
  }
  return result;
}

// One request's parse. Not thread-safe; one per ParseRequest call.
class Parser {
 public:
  Parser(const WriteRecordsRequest& request, const ParseContext& context, ParsedBatch* batch);

  // Parses the whole request into the batch (parse_fast_path.cc, so that the per-record
  // fast path is inlined into its loop).
  absl::Status Run();

 private:
  void PrepareRules();
  void Reject(int32_t index, std::string reason);

  // ---- The full path (parse_full.cc). Each returns false if it rejected the record.
  // One record. Returns non-OK only for a request-level problem.
  absl::Status ParseRecord(int32_t index, const Record& record);
  bool CheckOwnDimensions(int32_t index, const std::vector<Dimension>& dimensions,
                          size_t* dimension_bytes);
  bool ResolveMeasure(int32_t index, const Record& record, ParsedRecord* out, TimeUnit* unit);
  bool ReadRecordTime(int32_t index, const Record& record, TimeUnit unit, ParsedRecord* out);
  bool CheckWindow(int32_t index, ParsedRecord* out);
  bool ParseValues(int32_t index, const Record& record, TimeUnit unit, ParsedRecord* out,
                   size_t* value_bytes);
  bool ParseScalarValue(int32_t index, const std::string* measure_value, TimeUnit unit,
                        ParsedRecord* out, size_t* value_bytes);
  bool ParseMultiValues(int32_t index, const std::vector<MeasureValue>& measure_values,
                        TimeUnit unit, size_t* value_bytes);
  bool ParseValueFast(int32_t index, absl::string_view attribute, absl::string_view text,
                      TimeUnit unit, ParsedValue* value);
  bool ParseValue(int32_t index, absl::string_view attribute, absl::string_view text, TimeUnit unit,
                  ParsedValue* value);
  absl::Status BuildKey(int32_t index, ParsedRecord* out);
  bool SameAsPrevious(const std::vector<Dimension>& dims) const {
    return previous_.dimensions != nullptr &&
           CompareDimensions(dims, *previous_.dimensions) == Dimensions::kSame;
  }

  // ---- The fast paths (parse_fast_path.cc).
  void RememberShape(const Record& record, const ParsedRecord& out, TimeUnit unit,
                     size_t dimension_bytes);
  bool ParseLikePrevious(int32_t index, const Record& record);
  size_t ParseRun(size_t begin, bool same_series);
  template <size_t kWord, bool kMulti, bool kSameSeries>
  size_t ParseRunOf(size_t begin);
  void BuildKeyLike(const std::vector<Dimension>& dims, ParsedRecord* out);
  void PlanKeyLike(const std::vector<Dimension>& dims);

  // ---- Series keys, for both paths.
  // The layout of a series key: the record's own dimensions, given in name order by
  // name_at(k) and their index_at(k), merged with the common ones (sorted). Entries are
  // a record dimension's index (>= 0) or -1 - j for common dimension j. Returns the
  // position k of an own name that is also a common one (a request-level error), or -1.
  template <typename NameAt, typename IndexAt>
  int MergeKeyPlan(size_t n, NameAt name_at, IndexAt index_at, std::vector<int32_t>* plan);
  // Appends the key laid out by `plan` to batch.keys (record dimension i is own(i); the
  // common ones' encodings are copied, not re-encoded) and sets out's key and hash.
  template <typename Own>
  void EmitKey(const std::vector<int32_t>& plan, Own own, ParsedRecord* out);

  const WriteRecordsRequest& request_;
  const Record* common_;
  const ParseContext& context_;
  const Quotas& quotas_;
  ParsedBatch* batch_;
  RecordRules rules_;
  size_t common_bytes_ = 0;                  // Names and values of the common dimensions.
  model::IncrementalIntParser time_parser_;  // Times of consecutive records share leading digits.
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
    // With the plan: the key as ParsedBatch::like_key_constant's bytes with a record's
    // own dimension values between them. Value holes[k] (of the record's dimension
    // holes[k].dimension, named by the constant bytes before it) goes after the
    // constant's first holes[k].constant_end bytes.
    struct Hole {
      uint32_t constant_end = 0;
      uint32_t dimension = 0;
      uint64_t name_hash = 0;  // model::SeriesHashName of the dimension's name.
    };
    Hole holes[kMaxPlannedDimensions];
    size_t hole_count = 0;
    uint64_t common_hash_sum = 0;  // The common dimensions' share of the series hash.
  } like_;
};

template <typename NameAt, typename IndexAt>
int Parser::MergeKeyPlan(size_t n, NameAt name_at, IndexAt index_at, std::vector<int32_t>* plan) {
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

template <typename Own>
void Parser::EmitKey(const std::vector<int32_t>& plan, Own own, ParsedRecord* out) {
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
      dst = model::EncodeKeyPiece(dst, d.name);
      dst = model::EncodeKeyPiece(dst, d.value);
    } else {
      const uint32_t from = b.common_offsets[-1 - step], to = b.common_offsets[-step];
      dst = model::CopyKeyPiece(dst, b.common_encoded.data() + from, to - from);
    }
  }
  out->key_begin = static_cast<uint32_t>(begin);
  out->key_size = static_cast<uint32_t>(size);
  out->series_hash = model::HashSeriesKey(b.key(*out));
}

}  // namespace tsw::ingest::internal

#endif  // TSW_ENGINE_INGEST_PARSER_H_
