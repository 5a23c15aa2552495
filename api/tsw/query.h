// The Timestream Query API (2018-11-01) subset tsw answers in process: its request and
// response shapes, and the column batches of the streaming form.
//
// Each struct mirrors the shape of the same name in the SDK's model
// (timestream-query-2018-11-01.service-2.json); members are the model's members in
// snake_case. The SQL subset itself is described in engine/query/README.md.
#ifndef TSW_API_QUERY_H_
#define TSW_API_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsw {

// The model's ScalarType. The subset produces VARCHAR, BOOLEAN, BIGINT, DOUBLE,
// TIMESTAMP and INTERVAL_DAY_TO_SECOND; UNKNOWN is the type of a bare NULL.
enum class ScalarType {
  kVarchar,
  kBoolean,
  kBigint,
  kDouble,
  kTimestamp,
  kDate,
  kTime,
  kIntervalDayToSecond,
  kIntervalYearToMonth,
  kUnknown,
  kInteger,
};
// "VARCHAR", "BOOLEAN", ... as the wire protocol spells them.
std::string_view ScalarTypeName(ScalarType type);

// The model's Type; the subset's columns are all scalar.
struct ColumnType {
  ScalarType scalar_type = ScalarType::kUnknown;
};

struct ColumnInfo {
  std::string name;
  ColumnType type;
};

// One value of a row. `scalar_value` is the service's text for the value: BIGINT and
// DOUBLE as numbers, BOOLEAN as "true"/"false", TIMESTAMP as
// "2026-12-05 12:23:22.064000000" (UTC). A NULL has no scalar_value and null_value true.
struct Datum {
  std::optional<std::string> scalar_value;
  bool null_value = false;
};

struct Row {
  std::vector<Datum> data;
};

struct QueryStatus {
  double progress_percentage = 0;
  int64_t cumulative_bytes_scanned = 0;
  int64_t cumulative_bytes_metered = 0;
};

struct QueryRequest {
  std::string query_string;
  std::optional<std::string> client_token;
  std::optional<std::string> next_token;
  std::optional<int32_t> max_rows;  // 1..1000.
};

struct QueryResponse {
  std::string query_id;
  std::optional<std::string> next_token;
  std::vector<Row> rows;
  std::vector<ColumnInfo> column_info;
  QueryStatus query_status;
};

struct PrepareQueryRequest {
  std::string query_string;
  std::optional<bool> validate_only;
};

struct SelectColumn {
  std::string name;
  ColumnType type;
  std::string database_name;  // Empty for a computed column.
  std::string table_name;
  bool aliased = false;
};

struct ParameterMapping {
  std::string name;
  ColumnType type;
};

struct PrepareQueryResponse {
  std::string query_string;
  std::vector<SelectColumn> columns;
  std::vector<ParameterMapping> parameters;
};

struct CancelQueryRequest {
  std::string query_id;
};

struct CancelQueryResponse {
  std::optional<std::string> cancellation_message;
};

// ---- The streaming form (Engine::QueryStream): the answer as typed column batches,
// without building rows of text.

// One column of a QueryBatch. Exactly one value vector is used, by `type`:
// DOUBLE -> doubles; BIGINT, TIMESTAMP (nanoseconds since the epoch),
// INTERVAL_DAY_TO_SECOND (nanoseconds) -> ints; BOOLEAN -> ints (0 or 1);
// VARCHAR -> strings. `present[i]` is 0 where row i is NULL.
struct QueryColumn {
  std::string name;
  ScalarType type = ScalarType::kUnknown;
  std::vector<double> doubles;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<uint8_t> present;
};

// Consecutive rows of the answer, in the answer's order.
struct QueryBatch {
  int64_t num_rows = 0;
  std::vector<QueryColumn> columns;
};

}  // namespace tsw

#endif  // TSW_API_QUERY_H_
