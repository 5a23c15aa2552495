// Per-block value summaries (FORMAT.md, "Value summaries", segment version 3 on): the
// least and greatest present value of each DOUBLE and BIGINT column of a block, whether it
// holds a NaN, and so whether it holds any value at all. They live in the footer (so the
// footer checksum covers them) and let a filtered scan leave out a block no row of which
// can meet a RowFilter's bounds (row_batch.h, ValueBound) without reading it.
#ifndef TSW_ENGINE_MAGNETIC_VALUE_SUMMARY_H_
#define TSW_ENGINE_MAGNETIC_VALUE_SUMMARY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/common/coding.h"
#include "engine/common/row_batch.h"
#include "tsw/types.h"

namespace tsw::magnetic {

struct ValueSummary {
  // Some present value is a number (not NaN); the least and greatest are then below, in
  // the field of the column's type. A column with neither a number nor a NaN is NULL in
  // every row of the block.
  bool has_values = false;
  bool has_nan = false;  // Some present value is NaN (DOUBLE only).
  // DOUBLE: over the present values but NaN, -0.0 taken as below 0.0 (so the bits read
  // back are always the same); infinities included.
  double min_double = 0;
  double max_double = 0;
  int64_t min_int = 0;  // BIGINT.
  int64_t max_int = 0;
};

// Whether columns of `type` have summaries: DOUBLE and BIGINT.
bool HasValueSummary(MeasureValueType type);

// The summary of rows [begin, end) of `column`, in stream shape (block.h: `present` holds
// one flag per row; values, placeholders included, one per row). REQUIRES:
// HasValueSummary(column.type).
ValueSummary SummarizeValues(const RowColumn& column, size_t begin, size_t end);

// Whether `a` and `b` summarize the same values of a column of `type` (doubles bit for bit).
bool SameValueSummary(MeasureValueType type, const ValueSummary& a, const ValueSummary& b);

// Appends the stored form of `summary` of a column of `type` (FORMAT.md). REQUIRES:
// HasValueSummary(type).
void EncodeValueSummary(MeasureValueType type, const ValueSummary& summary, std::string* out);
// Reads one stored summary of a column of `type`; false if it is malformed (unknown flag
// bits, a NaN bound, min above max).
bool DecodeValueSummary(MeasureValueType type, ByteReader* in, ValueSummary* summary);

// False only if no value of a column of `type` summarized by `summary` can meet `bound`
// (row_batch.h: a NULL does not meet it; a NaN may meet anything).
bool SummaryMayMeet(MeasureValueType type, const ValueSummary& summary, const ValueBound& bound);

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_VALUE_SUMMARY_H_
