// Response structs, errors and scan rows -> JSON.
#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/common/json_writer.h"
#include "engine/wire/api_json.h"
#include "engine/wire/shape_writers.h"

namespace tsw {
namespace apijson {
namespace {

int64_t NanosOf(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

void WriteDatabase(const Database& d, JsonWriter* w) {
  w->BeginObject();
  w->Member("Arn", d.arn);
  w->Member("DatabaseName", d.database_name);
  w->Member("TableCount", d.table_count);
  w->Member("KmsKeyId", d.kms_key_id);
  w->Key("CreationTime");
  w->EpochSeconds(NanosOf(d.creation_time));
  w->Key("LastUpdatedTime");
  w->EpochSeconds(NanosOf(d.last_updated_time));
  w->EndObject();
}

void WriteTable(const Table& t, JsonWriter* w) {
  w->BeginObject();
  w->Member("Arn", t.arn);
  w->Member("TableName", t.table_name);
  w->Member("DatabaseName", t.database_name);
  w->Member("TableStatus", AsAbsl(ToString(t.table_status)));
  w->Key("RetentionProperties");
  WriteRetentionProperties(t.retention_properties, w);
  w->Key("CreationTime");
  w->EpochSeconds(NanosOf(t.creation_time));
  w->Key("LastUpdatedTime");
  w->EpochSeconds(NanosOf(t.last_updated_time));
  w->Key("MagneticStoreWriteProperties");
  WriteMagneticStoreWriteProperties(t.magnetic_store_write_properties, w);
  w->EndObject();
}

std::string DatabaseResponse(const Database& d) {
  JsonWriter w;
  w.BeginObject();
  w.Key("Database");
  WriteDatabase(d, &w);
  w.EndObject();
  return w.Release();
}

std::string TableResponse(const Table& t) {
  JsonWriter w;
  w.BeginObject();
  w.Key("Table");
  WriteTable(t, &w);
  w.EndObject();
  return w.Release();
}

}  // namespace

std::string ToJson(const Database& database) {
  JsonWriter w;
  WriteDatabase(database, &w);
  return w.Release();
}

std::string ToJson(const Table& table) {
  JsonWriter w;
  WriteTable(table, &w);
  return w.Release();
}

std::string ToJson(const CreateDatabaseResponse& r) { return DatabaseResponse(r.database); }
std::string ToJson(const CreateTableResponse& r) { return TableResponse(r.table); }
std::string ToJson(const DescribeDatabaseResponse& r) { return DatabaseResponse(r.database); }
std::string ToJson(const DescribeTableResponse& r) { return TableResponse(r.table); }
std::string ToJson(const UpdateDatabaseResponse& r) { return DatabaseResponse(r.database); }
std::string ToJson(const UpdateTableResponse& r) { return TableResponse(r.table); }
std::string ToJson(const TagResourceResponse&) { return EmptyJson(); }
std::string ToJson(const UntagResourceResponse&) { return EmptyJson(); }
std::string EmptyJson() { return "{}"; }

namespace {

void WriteColumnType(const ColumnType& type, JsonWriter* w) {
  w->BeginObject();
  const std::string_view name = ScalarTypeName(type.scalar_type);
  w->Member("ScalarType", absl::string_view(name.data(), name.size()));
  w->EndObject();
}

}  // namespace

std::string ToJson(const QueryResponse& r) {
  JsonWriter w;
  w.BeginObject();
  w.Member("QueryId", r.query_id);
  if (r.next_token) w.Member("NextToken", *r.next_token);
  w.Key("Rows");
  w.BeginArray();
  for (const Row& row : r.rows) {
    w.BeginObject();
    w.Key("Data");
    w.BeginArray();
    for (const Datum& datum : row.data) {
      w.BeginObject();
      if (datum.scalar_value.has_value()) {
        w.Member("ScalarValue", *datum.scalar_value);
      } else {
        w.Member("NullValue", true);
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("ColumnInfo");
  w.BeginArray();
  for (const ColumnInfo& c : r.column_info) {
    w.BeginObject();
    w.Member("Name", c.name);
    w.Key("Type");
    WriteColumnType(c.type, &w);
    w.EndObject();
  }
  w.EndArray();
  w.Key("QueryStatus");
  w.BeginObject();
  w.Key("ProgressPercentage");
  w.Double(r.query_status.progress_percentage);
  w.Member("CumulativeBytesScanned", r.query_status.cumulative_bytes_scanned);
  w.Member("CumulativeBytesMetered", r.query_status.cumulative_bytes_metered);
  w.EndObject();
  w.EndObject();
  return w.Release();
}

std::string ToJson(const PrepareQueryResponse& r) {
  JsonWriter w;
  w.BeginObject();
  w.Member("QueryString", r.query_string);
  w.Key("Columns");
  w.BeginArray();
  for (const SelectColumn& c : r.columns) {
    w.BeginObject();
    w.Member("Name", c.name);
    w.Key("Type");
    WriteColumnType(c.type, &w);
    if (!c.database_name.empty()) w.Member("DatabaseName", c.database_name);
    if (!c.table_name.empty()) w.Member("TableName", c.table_name);
    w.Member("Aliased", c.aliased);
    w.EndObject();
  }
  w.EndArray();
  w.Key("Parameters");
  w.BeginArray();
  for (const ParameterMapping& p : r.parameters) {
    w.BeginObject();
    w.Member("Name", p.name);
    w.Key("Type");
    WriteColumnType(p.type, &w);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Release();
}

std::string ToJson(const CancelQueryResponse& r) {
  JsonWriter w;
  w.BeginObject();
  if (r.cancellation_message) w.Member("CancellationMessage", *r.cancellation_message);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const DescribeEndpointsResponse& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("Endpoints");
  w.BeginArray();
  for (const Endpoint& e : r.endpoints) {
    w.BeginObject();
    w.Member("Address", e.address);
    w.Member("CachePeriodInMinutes", e.cache_period_in_minutes);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Release();
}

std::string ToJson(const ListDatabasesResponse& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("Databases");
  w.BeginArray();
  for (const Database& d : r.databases) WriteDatabase(d, &w);
  w.EndArray();
  if (r.next_token) w.Member("NextToken", *r.next_token);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const ListTablesResponse& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("Tables");
  w.BeginArray();
  for (const Table& t : r.tables) WriteTable(t, &w);
  w.EndArray();
  if (r.next_token) w.Member("NextToken", *r.next_token);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const ListTagsForResourceResponse& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("Tags");
  WriteTags(r.tags, &w);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const WriteRecordsResponse& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("RecordsIngested");
  w.BeginObject();
  w.Member("Total", r.records_ingested.total);
  w.Member("MemoryStore", r.records_ingested.memory_store);
  w.Member("MagneticStore", r.records_ingested.magnetic_store);
  w.EndObject();
  w.EndObject();
  return w.Release();
}

// --------------------------------------------------------------------------- errors

std::string ErrorToJson(const absl::Status& status) {
  const ErrorKind kind = KindOf(status);
  JsonWriter w;
  w.BeginObject();
  w.Member("__type", AsAbsl(ExceptionName(kind)));
  w.Member("message", status.message());
  if (kind == ErrorKind::kRejectedRecords) {
    w.Key("RejectedRecords");
    w.BeginArray();
    for (const RejectedRecord& r : RejectedRecordsOf(status)) {
      w.BeginObject();
      w.Member("RecordIndex", r.record_index);
      w.Member("Reason", r.reason);
      if (r.existing_version) w.Member("ExistingVersion", *r.existing_version);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return w.Release();
}

int HttpStatusOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kValidation:
    case ErrorKind::kRejectedRecords:
    case ErrorKind::kServiceQuotaExceeded:
      return 400;
    case ErrorKind::kAccessDenied:
      return 403;
    case ErrorKind::kResourceNotFound:
      return 404;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kInvalidEndpoint:
      return 421;
    case ErrorKind::kThrottling:
      return 429;
    case ErrorKind::kInternalServer:
      return 500;
  }
  return 500;
}

// ---------------------------------------------------------------------- scan rows

namespace {

bool Present(const ScanColumn& column, size_t row) {
  return column.present.empty() || (row < column.present.size() && column.present[row] != 0);
}

void WriteColumnValue(const ScanColumn& column, size_t row, JsonWriter* w) {
  switch (column.type) {
    case MeasureValueType::kDouble:
      w->String(row < column.doubles.size() ? FormatDouble(column.doubles[row]) : "");
      return;
    case MeasureValueType::kBigint:
    case MeasureValueType::kTimestamp:
      w->String(row < column.ints.size() ? absl::StrCat(column.ints[row]) : "");
      return;
    case MeasureValueType::kBoolean:
      w->String(row < column.ints.size() && column.ints[row] != 0 ? "true" : "false");
      return;
    case MeasureValueType::kVarchar:
    case MeasureValueType::kMulti:
      w->String(row < column.strings.size() ? column.strings[row] : "");
      return;
  }
}

void WriteScanRow(const ScanBatch& batch, size_t row, JsonWriter* w) {
  w->BeginObject();
  w->Key("Dimensions");
  w->BeginArray();
  for (const Dimension& d : batch.dimensions) {
    w->BeginObject();
    w->Member("Name", d.name);
    w->Member("Value", d.value);
    w->EndObject();
  }
  w->EndArray();
  w->Member("MeasureName", batch.measure_name);
  w->Member("MeasureValueType", AsAbsl(ToString(batch.measure_value_type)));
  if (batch.measure_value_type == MeasureValueType::kMulti) {
    w->Key("MeasureValues");
    w->BeginArray();
    for (const ScanColumn& column : batch.columns) {
      if (!Present(column, row)) continue;
      w->BeginObject();
      w->Member("Name", column.name);
      w->Key("Value");
      WriteColumnValue(column, row, w);
      w->Member("Type", AsAbsl(ToString(column.type)));
      w->EndObject();
    }
    w->EndArray();
  } else if (!batch.columns.empty()) {
    w->Key("MeasureValue");
    WriteColumnValue(batch.columns.front(), row, w);
  }
  w->Member("Time", absl::StrCat(batch.time_nanos[row]));
  w->Member("TimeUnit", "NANOSECONDS");
  if (row < batch.versions.size()) w->Member("Version", batch.versions[row]);
  w->EndObject();
}

}  // namespace

std::string ScanRowToJson(const ScanBatch& batch, size_t row) {
  JsonWriter w;
  WriteScanRow(batch, row, &w);
  return w.Release();
}

void AppendScanRowsJson(const ScanBatch& batch, std::string* out) {
  for (size_t row = 0; row < batch.time_nanos.size(); ++row) {
    {
      JsonWriter w(out);
      WriteScanRow(batch, row, &w);
    }
    out->push_back('\n');
  }
}

}  // namespace apijson
}  // namespace tsw
