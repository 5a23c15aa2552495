// DoubleAlpRdCodec: ALP_rd, ALP's scheme for doubles with many significant digits (GPS
// coordinates, derived values), which ALP proper cannot turn into small integers
// (Afroozeh, Kuffo, Boncz, SIGMOD 2024, "ALP for real doubles"). Each double's 64 bits
// are cut in two at a position chosen per column: the left (front) part, sign, exponent
// and the first mantissa bits, takes few distinct values in real data and is stored as a
// code into a dictionary of at most 8 of its most frequent values (the rest are
// exceptions holding their left part); the right part is bit-packed as it is. The cut is
// chosen on a sample of the column by the bits it would cost, as the paper does per row
// group. Every bit pattern round-trips (NaN payloads, -0.0, infinities, subnormals).
// Payload: see FORMAT.md "alp_rd".
#ifndef TSW_ENGINE_ENCODING_DOUBLE_ALP_RD_H_
#define TSW_ENGINE_ENCODING_DOUBLE_ALP_RD_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<double>& DoubleAlpRdCodec();

// The values at `rows` (ascending, each < count) of an ALP-RD payload of `count` values into
// *out, rows.size() long: the codec's decode gathered at those rows. Vectors holding no
// wanted row are stepped over (their lengths are checked, their bits are not read); in a
// vector where few rows are wanted each is unpacked alone (random access), else the vector
// is unpacked whole. The header and every visited vector's exceptions get a whole decode's
// checks, as do the codes of the values decoded; the bits not read are not checked, so a
// payload corrupt only there decodes (a whole decode rejects it; segment blocks are
// checksummed before this). Fails (CorruptColumn) for a row >= count; on failure *out is
// empty.
absl::Status DecodeAlpRdAt(absl::string_view payload, size_t count, absl::Span<const uint32_t> rows,
                           std::vector<double>* out);

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_DOUBLE_ALP_RD_H_
