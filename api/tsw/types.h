// Request and response types of the Timestream Write API (service model 2018-11-01).
//
// Each struct mirrors the shape of the same name in the reference; members are the
// reference's member names in snake_case (DatabaseName -> database_name). Optional members
// are std::optional (or an empty vector for optional lists). Times are
// std::chrono::system_clock::time_point (nanosecond resolution on Linux).
#ifndef TSW_API_TYPES_H_
#define TSW_API_TYPES_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsw {

using TimePoint = std::chrono::system_clock::time_point;

// ---------------------------------------------------------------------------- enums

enum class MeasureValueType { kDouble, kBigint, kVarchar, kBoolean, kTimestamp, kMulti };
enum class TimeUnit { kMilliseconds, kSeconds, kMicroseconds, kNanoseconds };
enum class DimensionValueType { kVarchar };
enum class TableStatus { kActive, kDeleting };
enum class S3EncryptionOption { kSseS3, kSseKms };

// The API's spelling ("DOUBLE", "MILLISECONDS", "ACTIVE", "SSE_S3", ...).
std::string_view ToString(MeasureValueType type);
std::string_view ToString(TimeUnit unit);
std::string_view ToString(DimensionValueType type);
std::string_view ToString(TableStatus status);
std::string_view ToString(S3EncryptionOption option);

// The enum value spelled `text` exactly as the API spells it, or nullopt.
std::optional<MeasureValueType> ParseMeasureValueType(std::string_view text);
std::optional<TimeUnit> ParseTimeUnit(std::string_view text);
std::optional<DimensionValueType> ParseDimensionValueType(std::string_view text);
std::optional<S3EncryptionOption> ParseS3EncryptionOption(std::string_view text);

// ---------------------------------------------------------------------------- shapes

struct Tag {
  std::string key;    // 1 to 128 characters, case-sensitive.
  std::string value;  // 0 to 256 characters.
};

struct RetentionProperties {
  int64_t memory_store_retention_period_in_hours = 6;       // 1 to 8766.
  int64_t magnetic_store_retention_period_in_days = 73000;  // 1 to 73000.
};

struct S3Configuration {
  std::optional<std::string> bucket_name;
  std::optional<std::string> object_key_prefix;
  std::optional<S3EncryptionOption> encryption_option;
  std::optional<std::string> kms_key_id;
};

struct MagneticStoreRejectedDataLocation {
  std::optional<S3Configuration> s3_configuration;
};

struct MagneticStoreWriteProperties {
  bool enable_magnetic_store_writes = false;
  std::optional<MagneticStoreRejectedDataLocation> magnetic_store_rejected_data_location;
};

struct Database {
  std::string arn;
  std::string database_name;
  int64_t table_count = 0;
  std::string kms_key_id;
  TimePoint creation_time;
  TimePoint last_updated_time;
};

struct Table {
  std::string arn;
  std::string table_name;
  std::string database_name;
  TableStatus table_status = TableStatus::kActive;
  RetentionProperties retention_properties;
  TimePoint creation_time;
  TimePoint last_updated_time;
  MagneticStoreWriteProperties magnetic_store_write_properties;
};

struct Endpoint {
  std::string address;
  int64_t cache_period_in_minutes = 0;
};

struct Dimension {
  std::string name;
  std::string value;
  DimensionValueType dimension_value_type = DimensionValueType::kVarchar;
};

struct MeasureValue {
  std::string name;
  std::string value;
  MeasureValueType type = MeasureValueType::kDouble;
};

// One record of WriteRecords, also the shape of CommonAttributes. Unset members take the
// CommonAttributes' value, then the defaults (DOUBLE, MILLISECONDS, Version 1).
struct Record {
  std::vector<Dimension> dimensions;
  std::optional<std::string> measure_name;
  std::optional<std::string> measure_value;
  std::optional<MeasureValueType> measure_value_type;
  std::optional<std::string> time;  // An integer in time_unit since the Unix epoch.
  std::optional<TimeUnit> time_unit;
  std::optional<int64_t> version;
  std::vector<MeasureValue> measure_values;  // MULTI only.
};

struct RecordsIngested {
  int32_t total = 0;
  int32_t memory_store = 0;
  int32_t magnetic_store = 0;
};

// ------------------------------------------------------------------- requests/responses

struct CreateDatabaseRequest {
  std::string database_name;
  std::optional<std::string> kms_key_id;
  std::vector<Tag> tags;
};
struct CreateDatabaseResponse {
  Database database;
};

struct CreateTableRequest {
  std::string database_name;
  std::string table_name;
  std::optional<RetentionProperties> retention_properties;
  std::vector<Tag> tags;
  std::optional<MagneticStoreWriteProperties> magnetic_store_write_properties;
};
struct CreateTableResponse {
  Table table;
};

struct DeleteDatabaseRequest {
  std::string database_name;
};

struct DeleteTableRequest {
  std::string database_name;
  std::string table_name;
};

struct DescribeDatabaseRequest {
  std::string database_name;
};
struct DescribeDatabaseResponse {
  Database database;
};

struct DescribeTableRequest {
  std::string database_name;
  std::string table_name;
};
struct DescribeTableResponse {
  Table table;
};

struct DescribeEndpointsRequest {};
struct DescribeEndpointsResponse {
  std::vector<Endpoint> endpoints;
};

struct ListDatabasesRequest {
  std::optional<std::string> next_token;
  std::optional<int32_t> max_results;  // 1 to 20.
};
struct ListDatabasesResponse {
  std::vector<Database> databases;
  std::optional<std::string> next_token;  // Unset on the last page.
};

struct ListTablesRequest {
  std::optional<std::string> database_name;  // Unset: the tables of every database.
  std::optional<std::string> next_token;
  std::optional<int32_t> max_results;  // 1 to 20.
};
struct ListTablesResponse {
  std::vector<Table> tables;
  std::optional<std::string> next_token;  // Unset on the last page.
};

struct ListTagsForResourceRequest {
  std::string resource_arn;
};
struct ListTagsForResourceResponse {
  std::vector<Tag> tags;
};

struct TagResourceRequest {
  std::string resource_arn;
  std::vector<Tag> tags;
};
struct TagResourceResponse {};

struct UntagResourceRequest {
  std::string resource_arn;
  std::vector<std::string> tag_keys;
};
struct UntagResourceResponse {};

struct UpdateDatabaseRequest {
  std::string database_name;
  std::string kms_key_id;
};
struct UpdateDatabaseResponse {
  Database database;
};

struct UpdateTableRequest {
  std::string database_name;
  std::string table_name;
  std::optional<RetentionProperties> retention_properties;
  std::optional<MagneticStoreWriteProperties> magnetic_store_write_properties;
};
struct UpdateTableResponse {
  Table table;
};

struct WriteRecordsRequest {
  std::string database_name;
  std::string table_name;
  std::optional<Record> common_attributes;
  std::vector<Record> records;  // 1 to 100 (Quotas::max_records_per_write).
};
struct WriteRecordsResponse {
  RecordsIngested records_ingested;
};

// ---------------------------------------------------------------------------- scans

// Reads a table back (not part of the Timestream Write API; the embedded read path).
struct ScanRequest {
  std::string database_name;
  std::string table_name;
  int64_t start_time_nanos = INT64_MIN;      // Inclusive.
  int64_t end_time_nanos = INT64_MAX;        // Exclusive.
  std::vector<std::string> measure_names;    // Empty: every measure.
  std::vector<Dimension> dimension_filters;  // Each must equal the series' dimension.
  int32_t max_rows_per_batch = 4096;
  // MULTI attributes to return, by name: a batch of a MULTI measure carries only these
  // columns (those of them the measure has), so a reader of one attribute decodes one.
  // Empty: every attribute. Scalar measures are not affected.
  std::vector<std::string> attributes;
  // Only the latest row in [start_time_nanos, end_time_nanos) of each (series, measure):
  // "last point" reads, which need not read older rows of either tier.
  bool latest_only = false;
};

// One typed column of a ScanBatch. Exactly one of the value vectors is used, by `type`:
// DOUBLE -> doubles; BIGINT, TIMESTAMP -> ints; BOOLEAN -> ints (0 or 1); VARCHAR -> strings.
struct ScanColumn {
  std::string name;  // The measure name (scalar) or the MULTI attribute name.
  MeasureValueType type = MeasureValueType::kDouble;
  std::vector<double> doubles;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<uint8_t> present;  // 1 where the row has a value (MULTI attributes may not).
};

// Rows of one series and one measure, in increasing time, each time once at its highest
// Version. A scalar measure has one column; a MULTI measure one per attribute.
struct ScanBatch {
  std::vector<Dimension> dimensions;  // The series, sorted by name.
  std::string measure_name;
  MeasureValueType measure_value_type = MeasureValueType::kDouble;
  std::vector<int64_t> time_nanos;
  std::vector<int64_t> versions;
  std::vector<ScanColumn> columns;
};

}  // namespace tsw

#endif  // TSW_API_TYPES_H_
