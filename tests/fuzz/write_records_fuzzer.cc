// Fuzz target: the WriteRecords parser (engine/ingest/request_parser) and the value
// parsers under it (engine/model/value_parse).
//
// Input: one byte choosing the check, then:
//   even: text for the value parsers, checked against independent references: integers
//         (also per time unit, and through IncrementalIntParser over the text's lines),
//         finite doubles (strtod on the grammar the parser documents; the decimal code,
//         when one is given, must stand for the same bits), booleans;
//   odd:  two bytes of context (magnetic writes, memory retention), then a WriteRecords
//         JSON body (engine/wire parses it; what it rejects is not the parser's input).
//         ParseRequest with the shape fast path on and off must give the same result,
//         every record is either accepted or rejected exactly once, in request order, and
//         each accepted record is inside the write window.
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "engine/ingest/request_parser.h"
#include "engine/model/value_parse.h"
#include "engine/wire/api_json.h"
#include "tests/fuzz/fuzz_util.h"
#include "tsw/options.h"

namespace tsw::ingest {
namespace {

// [+-]? digits+, in __int128 so overflow is a comparison.
model::ParseError ReferenceInt64(absl::string_view text, int64_t* out) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  if (i == text.size()) return model::ParseError::kSyntax;
  __int128 v = 0;
  bool overflow = false;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return model::ParseError::kSyntax;
    if (!overflow) v = v * 10 + (text[i] - '0');
    if (v > (static_cast<__int128>(1) << 64)) overflow = true;
  }
  if (negative) v = -v;
  if (overflow || v > INT64_MAX || v < INT64_MIN) return model::ParseError::kOutOfRange;
  *out = static_cast<int64_t>(v);
  return model::ParseError::kOk;
}

// The documented grammar: [+-]? (digits ['.' digits*] | '.' digits) ([eE] [+-]? digits)?;
// then strtod's correctly rounded value, refused when infinite or a non-zero underflowing
// to zero.
model::ParseError ReferenceDouble(absl::string_view text, double* out) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  bool nonzero = false;
  while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
    nonzero |= text[i++] != '0';
    ++int_digits;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      nonzero |= text[i++] != '0';
      ++frac_digits;
    }
  }
  if (int_digits + frac_digits == 0) return model::ParseError::kSyntax;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      ++i;
      ++exp_digits;
    }
    if (exp_digits == 0) return model::ParseError::kSyntax;
  }
  if (i != text.size()) return model::ParseError::kSyntax;
  const std::string copy(text);
  const double v = std::strtod(copy.c_str(), nullptr);
  if (std::isinf(v) || (v == 0 && nonzero)) return model::ParseError::kOutOfRange;
  *out = v;
  return model::ParseError::kOk;
}

const char* Name(model::ParseError e) {
  switch (e) {
    case model::ParseError::kOk:
      return "ok";
    case model::ParseError::kSyntax:
      return "syntax";
    case model::ParseError::kOutOfRange:
      return "out of range";
  }
  return "?";
}

void CheckValues(absl::string_view text) {
  int64_t expected_int = 0, got_int = 0;
  const model::ParseError int_ref = ReferenceInt64(text, &expected_int);
  const model::ParseError int_got = model::ParseInt64(text, &got_int);
  TSW_FUZZ_CHECK(
      int_ref == int_got && (int_ref != model::ParseError::kOk || expected_int == got_int),
      absl::StrCat("ParseInt64(\"", text, "\"): ", Name(int_got), " ", got_int, ", expected ",
                   Name(int_ref), " ", expected_int));

  for (TimeUnit unit : {TimeUnit::kNanoseconds, TimeUnit::kMicroseconds, TimeUnit::kMilliseconds,
                        TimeUnit::kSeconds}) {
    int64_t nanos = 0, product = 0;
    const model::ParseError e = model::ParseTimeNanos(text, unit, &nanos);
    model::ParseError expected = int_ref;
    if (expected == model::ParseError::kOk &&
        __builtin_mul_overflow(expected_int, model::NanosPerUnit(unit), &product)) {
      expected = model::ParseError::kOutOfRange;
    }
    TSW_FUZZ_CHECK(e == expected && (e != model::ParseError::kOk || nanos == product),
                   absl::StrCat("ParseTimeNanos(\"", text, "\", ", model::Spelling(unit), "): ",
                                Name(e), " ", nanos, ", expected ", Name(expected), " ", product));
  }

  // The incremental parser over the text's lines, as over one request's times, in both
  // time forms it has.
  model::IncrementalIntParser incremental, incremental_times;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    int64_t want = 0, got = 0;
    const model::ParseError want_e = model::ParseInt64(line, &want);
    const model::ParseError got_e = incremental.Parse(line, &got);
    TSW_FUZZ_CHECK(want_e == got_e && (want_e != model::ParseError::kOk || want == got),
                   absl::StrCat("IncrementalIntParser(\"", line, "\") = ", got, " (", Name(got_e),
                                "), model::ParseInt64 = ", want, " (", Name(want_e), ")"));
    int64_t want_nanos = 0, got_nanos = 0;
    const model::ParseError want_t =
        model::ParseTimeNanos(line, TimeUnit::kMilliseconds, &want_nanos);
    const model::ParseError got_t =
        model::ParseTimeNanos(&incremental_times, line, TimeUnit::kMilliseconds, &got_nanos);
    TSW_FUZZ_CHECK(want_t == got_t && (want_t != model::ParseError::kOk || want_nanos == got_nanos),
                   absl::StrCat("incremental model::ParseTimeNanos(\"", line, "\") differs"));
  }

  double expected_double = 0, got_double = 0;
  const model::ParseError double_ref = ReferenceDouble(text, &expected_double);
  const model::ParseError double_got = model::ParseFiniteDouble(text, &got_double);
  uint64_t expected_bits = 0, got_bits = 0;
  std::memcpy(&expected_bits, &expected_double, 8);
  std::memcpy(&got_bits, &got_double, 8);
  TSW_FUZZ_CHECK(double_ref == double_got &&
                     (double_ref != model::ParseError::kOk || expected_bits == got_bits),
                 absl::StrCat("ParseFiniteDouble(\"", text, "\"): ", Name(double_got), " ",
                              got_double, ", expected ", Name(double_ref), " ", expected_double));
  uint64_t bits = 0;
  uint32_t decimal = kNoDecimal;
  const model::ParseError bits_e = model::ParseFiniteDoubleBits(text, &bits, &decimal);
  TSW_FUZZ_CHECK(
      bits_e == double_got && (bits_e != model::ParseError::kOk || bits == got_bits),
      absl::StrCat("ParseFiniteDoubleBits(\"", text, "\") differs from model::ParseFiniteDouble"));
  if (bits_e == model::ParseError::kOk && decimal != kNoDecimal) {
    uint64_t code_bits = 0;
    TSW_FUZZ_CHECK(DecimalCodeBits(decimal, &code_bits) && code_bits == bits,
                   absl::StrCat("the decimal code of \"", text, "\" stands for another double"));
  }

  bool b = false;
  const std::string lower = absl::AsciiStrToLower(text);
  const model::ParseError bool_e = model::ParseBoolean(text, &b);
  const bool is_bool = lower == "true" || lower == "false";
  TSW_FUZZ_CHECK(
      (bool_e == model::ParseError::kOk) == is_bool && (!is_bool || b == (lower == "true")),
      absl::StrCat("ParseBoolean(\"", text, "\")"));
}

// Everything ParseRequest produced, as text, for comparing two runs.
std::string Describe(const absl::Status& status, const ParsedBatch& batch) {
  std::string out = status.ToString();
  if (!status.ok()) return out;
  for (const ParsedRecord& r : batch.records) {
    absl::StrAppend(&out, "\nrecord ", r.index, " type ", static_cast<int>(r.type), " magnetic ",
                    r.magnetic, " hash ", r.series_hash, " key ", absl::CEscape(batch.key(r)),
                    " measure ", r.measure_name, " time ", r.time_nanos, " version ", r.version);
    for (const ParsedValue& v : batch.values_of(r)) {
      absl::StrAppend(&out, " [", v.name, " ", static_cast<int>(v.type), " ", v.decimal, " ",
                      v.bits, " ", absl::CEscape(v.text), "]");
    }
  }
  for (const RejectedRecord& r : batch.rejected) {
    absl::StrAppend(&out, "\nrejected ", r.record_index, " ", r.reason);
  }
  return out;
}

void CheckRequest(fuzz::InputReader in) {
  Quotas quotas;
  ParseContext context;
  context.quotas = &quotas;
  context.now_nanos = int64_t{1700000000} * 1000000000;
  context.magnetic_store_writes = in.Bool();
  context.retention.memory_store_retention_period_in_hours = 1 + in.Byte() * 40;
  context.retention.magnetic_store_retention_period_in_days = 36500;
  absl::StatusOr<WriteRecordsRequest> request = apijson::ParseWriteRecordsRequest(in.rest());
  if (!request.ok()) return;

  ParsedBatch fast, full;
  context.shape_fast_path = true;
  const absl::Status fast_status = ParseRequest(*request, context, &fast);
  context.shape_fast_path = false;
  const absl::Status full_status = ParseRequest(*request, context, &full);
  const std::string described = Describe(fast_status, fast);
  TSW_FUZZ_CHECK(described == Describe(full_status, full),
                 absl::StrCat("the shape fast path changes the result:\n", described, "\n---\n",
                              Describe(full_status, full)));
  if (!fast_status.ok()) return;

  // Each record index once, accepted or rejected, both lists in request order.
  std::vector<int> seen(request->records.size(), 0);
  int last = -1;
  for (const ParsedRecord& r : fast.records) {
    TSW_FUZZ_CHECK(r.index > last && r.index < static_cast<int>(seen.size()),
                   "accepted records out of order");
    last = r.index;
    ++seen[r.index];
    const int64_t window_start =
        context.now_nanos -
        context.retention.memory_store_retention_period_in_hours * int64_t{3600} * 1000000000;
    TSW_FUZZ_CHECK(r.time_nanos <= context.now_nanos + quotas.max_future_nanos,
                   "an accepted record is too far in the future");
    TSW_FUZZ_CHECK(r.magnetic == (r.time_nanos < window_start),
                   "an accepted record's tier does not match its time");
    TSW_FUZZ_CHECK(!r.magnetic || context.magnetic_store_writes,
                   "a magnetic record accepted with magnetic writes off");
    const size_t values = fast.values_of(r).size();
    TSW_FUZZ_CHECK(r.type == MeasureValueType::kMulti ? values >= 1 : values == 1,
                   "an accepted record has the wrong number of values");
  }
  last = -1;
  for (const RejectedRecord& r : fast.rejected) {
    TSW_FUZZ_CHECK(r.record_index > last && r.record_index < static_cast<int>(seen.size()),
                   "rejected records out of order");
    last = r.record_index;
    ++seen[r.record_index];
    TSW_FUZZ_CHECK(!r.reason.empty(), "a rejection without a reason");
  }
  for (int count : seen) TSW_FUZZ_CHECK(count == 1, "a record neither or twice accepted/rejected");
}

}  // namespace
}  // namespace tsw::ingest

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tsw::fuzz::InputReader in(data, size);
  if (in.Byte() % 2 == 0) {
    tsw::ingest::CheckValues(in.rest());
  } else {
    tsw::ingest::CheckRequest(in);
  }
  return 0;
}
