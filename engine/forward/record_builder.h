// What the forwarder writes of records besides a request's body (json_request.h):
// WriteDoubleText, the shortest text of a DOUBLE; FullRecord and RecordJson, a record of a
// rejected request as the dead-letter report shows it. (The first record path, WAL
// batches into Records into WriteRecordsRequests, is the differential test's reference in
// tests/forward/reference_request.h.)
//
// Pure functions of their inputs; thread-compatible.
#ifndef TSW_ENGINE_FORWARD_RECORD_BUILDER_H_
#define TSW_ENGINE_FORWARD_RECORD_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "tsw/types.h"

namespace tsw::forward {

// Writes `value` as text that parses back to the same bits into buf[0, 32) and returns
// the end: a whole number of hundredths below 2^40 in magnitude (the common sensor
// reading) as "[-]I[.F[F]]" directly, anything else as std::to_chars' shortest text.
// Both are the shortest such text; they differ only in spelling (to_chars may pick
// "1e+05" where this writes "100000").
char* WriteDoubleText(double value, char* buf);

// The same text as WriteDoubleText for the double of decimal code `code`
// (engine/common/decimal_code.h) whose bits are `bits` (kNoDecimal: no code, `bits` only),
// written from the code's digits where that text is the code's decimal (a nonzero value of
// at most two fraction digits once trailing zeros go), without the double's arithmetic.
char* WriteDecimalCodeText(uint32_t code, uint64_t bits, char* buf);

// Record `i` of `request` with every member set (CommonAttributes merged in), as the
// dead-letter report shows it.
Record FullRecord(const WriteRecordsRequest& request, size_t i);

// One record as the API's JSON object ({"Dimensions": [...], "MeasureName": ...}).
std::string RecordJson(const Record& record);

}  // namespace tsw::forward

#endif  // TSW_ENGINE_FORWARD_RECORD_BUILDER_H_
