// The query engine's contract with the rest of tsw: it reads a table only through a
// QuerySource (the facade implements one over the catalog and the table stores), and
// hands its answer out as typed column batches. Paging, query ids and the wire protocol
// are layered on top (engine/query/query_service.h).
#ifndef TSW_ENGINE_QUERY_QUERY_ENGINE_H_
#define TSW_ENGINE_QUERY_QUERY_ENGINE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/common/latest_columns.h"
#include "engine/common/row_batch.h"
#include "tsw/query.h"
#include "tsw/types.h"

namespace tsw::query {

// The columns a table has learned from its writes (SELECT * and name resolution).
struct TableColumns {
  std::vector<std::string> dimensions;  // Dimension names.
  // Scalar measures by name with their type; MULTI measures have type kMulti.
  std::vector<std::pair<std::string, MeasureValueType>> measures;
  // MULTI attributes (table-wide) with their type.
  std::vector<std::pair<std::string, MeasureValueType>> attributes;

  bool operator==(const TableColumns& other) const {
    return dimensions == other.dimensions && measures == other.measures &&
           attributes == other.attributes;
  }
};

class QuerySource {
 public:
  virtual ~QuerySource() = default;
  // ResourceNotFoundException (the service's wording) if the database or table does
  // not exist.
  virtual absl::StatusOr<TableColumns> Columns(std::string_view database_name,
                                               std::string_view table_name) = 0;
  // Whether Columns(database_name, table_name) would answer `columns` now: true, false
  // (other columns), or the error Columns() would return. The plan cache asks this on
  // every run of a cached query. This default calls Columns() and compares; a source
  // that can compare the table's names in place, without copying them, overrides it.
  virtual absl::StatusOr<bool> HasColumns(std::string_view database_name,
                                          std::string_view table_name, const TableColumns& columns);
  // As Engine::Scan.
  virtual absl::Status Scan(const ScanRequest& request,
                            const std::function<bool(const ScanBatch&)>& visitor) = 0;
  // The rows Scan hands out for `request` with latest_only set (one per key, in Scan's
  // order) as columns: one per spec in *out (engine/common/latest_columns.h), only the
  // values the specs ask for. Errors as Scan's. This default gathers them from Scan; a
  // source that can read them without a ScanBatch per key overrides it.
  virtual absl::Status ScanLatestColumns(const ScanRequest& request,
                                         const std::vector<LatestColumnSpec>& specs,
                                         LatestColumns* out);
  // As Scan, with a hint: the source may leave out rows `filter` rejects (RowFilter,
  // engine/common/row_batch.h), so that a WHERE over a few attributes has the others
  // decoded and copied only where it may hold; the caller evaluates its WHERE again on
  // what it gets. This default answers UnimplementedError without calling `visitor` (the
  // executor then reads the rows another way); a source that can filter overrides it.
  // The visitor may take the batch's vectors for the length of the call (swapping them
  // with others) but leaves the batch as it found it.
  virtual absl::Status ScanFiltered(const ScanRequest& request, const RowFilter& filter,
                                    const std::function<bool(ScanBatch&)>& visitor);
  // "now()" for the query, nanoseconds since the epoch.
  virtual int64_t NowNanos() const = 0;
};

struct QueryLimits {
  // A query whose intermediate state (groups, sort buffer, DISTINCT set) or answer
  // would exceed this many bytes fails with ValidationException saying so.
  int64_t memory_limit_bytes = int64_t{256} << 20;
  // Answers "last point" queries from latest_only scans (latest_rows.h). The answer is
  // the same either way; false reads every row (tests compare the two).
  bool latest_rows = true;
  // Reads ORDER BY <time bin> ... LIMIT n over time windows from the end the order starts
  // at, stopping once n groups are complete (time_windows.h). The answer is the same
  // either way; false reads the whole time range (tests compare the two).
  bool time_windows = true;
};

// Parses and binds `query_string` without running it: the answer's columns. Anything
// outside the subset is a ValidationException naming the construct and its line:column.
absl::StatusOr<std::vector<SelectColumn>> Prepare(std::string_view query_string,
                                                  QuerySource& source);

// Runs `query_string` and calls `visitor` with the answer's rows in order, in batches
// (every batch has the columns Prepare returns). Returning false from `visitor` stops
// the query early (Execute still returns OK). `bytes_scanned`, if not null, receives the
// bytes of table data read.
absl::Status Execute(std::string_view query_string, QuerySource& source, const QueryLimits& limits,
                     const std::function<bool(const QueryBatch&)>& visitor,
                     int64_t* bytes_scanned = nullptr);

// The service's text for row `row` of `column` (Datum::scalar_value); nullopt for NULL.
std::optional<std::string> FormatValue(const QueryColumn& column, size_t row);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_QUERY_ENGINE_H_
