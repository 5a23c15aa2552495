// Reports of records that WriteRecords accepted for the magnetic store but that were
// rejected later, asynchronously: they had left the magnetic retention window by the time
// maintenance moved them to segments (Timestream's MagneticStoreRejectedDataLocation).
//
// Timestream writes such reports to the table's S3 location. This embedded engine writes
// them below its data directory instead: one JSON file per maintenance pass that rejected
// anything, at
//   <data dir>/rejected-data/<BucketName>/<ObjectKeyPrefix>/rejected-<now ns>-<n>.json
// (format in engine/table/FORMAT.md). Without a configured location (or with a bucket or
// prefix that is not a safe relative path) each record is logged as one line instead.
#ifndef TSW_ENGINE_TABLE_REJECTED_DATA_H_
#define TSW_ENGINE_TABLE_REJECTED_DATA_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tsw/env.h"
#include "tsw/types.h"

namespace tsw::table {

struct RejectedRow {
  std::vector<Dimension> dimensions;
  std::string measure_name;
  int64_t time_nanos = 0;
  int64_t version = 0;
  std::string reason;
};

// The report's JSON text.
std::string RejectedRowsJson(const Table& table, int64_t now_nanos,
                             const std::vector<RejectedRow>& rows);

// Writes the report of `rows` (atomically, fsynced) under `data_dir` at the table's
// rejected-data location and returns its path; or, with no usable location, logs each
// row through `report` and returns "". An I/O error names the file.
absl::StatusOr<std::string> ReportRejectedRows(
    Env& env, const std::string& data_dir, const Table& table, int64_t now_nanos,
    const std::vector<RejectedRow>& rows, const std::function<void(absl::string_view)>& report);

}  // namespace tsw::table

#endif  // TSW_ENGINE_TABLE_REJECTED_DATA_H_
