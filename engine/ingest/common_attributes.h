// The first step of parsing a WriteRecords request: its CommonAttributes, checked for
// everything that is wrong whatever the records say (names, quotas, Version, Time,
// MeasureValue against MeasureValues and the type), each problem a ValidationException
// for the whole request. Internal to //engine/ingest.
#ifndef TSW_ENGINE_INGEST_COMMON_ATTRIBUTES_H_
#define TSW_ENGINE_INGEST_COMMON_ATTRIBUTES_H_

#include <cstddef>

#include "absl/status/status.h"
#include "engine/ingest/request_parser.h"
#include "tsw/options.h"
#include "tsw/types.h"

namespace tsw::ingest {

// Checks `common`. On success, sets batch->common_dimensions (sorted by name) and their
// key encoding (common_encoded, common_offsets) and adds the dimensions' name and value
// bytes to *common_bytes; uses batch->names as scratch.
absl::Status CheckCommonAttributes(const Record& common, const Quotas& quotas, ParsedBatch* batch,
                                   size_t* common_bytes);

}  // namespace tsw::ingest

#endif  // TSW_ENGINE_INGEST_COMMON_ATTRIBUTES_H_
