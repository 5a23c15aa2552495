// Request structs -> the JSON bodies an SDK sends.
#include <string>
#include <vector>

#include "engine/common/json_writer.h"
#include "engine/wire/api_json.h"
#include "engine/wire/shape_writers.h"

namespace tsw {
namespace apijson {

// ------------------------------------------------------------------ requests to JSON

void WriteTags(const std::vector<Tag>& tags, JsonWriter* w) {
  w->BeginArray();
  for (const Tag& tag : tags) {
    w->BeginObject();
    w->Member("Key", tag.key);
    w->Member("Value", tag.value);
    w->EndObject();
  }
  w->EndArray();
}

void WriteRetentionProperties(const RetentionProperties& r, JsonWriter* w) {
  w->BeginObject();
  w->Member("MemoryStoreRetentionPeriodInHours", r.memory_store_retention_period_in_hours);
  w->Member("MagneticStoreRetentionPeriodInDays", r.magnetic_store_retention_period_in_days);
  w->EndObject();
}

namespace {

void WriteDimensions(const std::vector<Dimension>& dimensions, JsonWriter* w) {
  w->BeginArray();
  for (const Dimension& d : dimensions) {
    w->BeginObject();
    w->Member("Name", d.name);
    w->Member("Value", d.value);
    // VARCHAR, the only type, is the default: leaving it out saves a third of a
    // dimension's JSON for the writer, SigV4's hash and the reader.
    if (d.dimension_value_type != DimensionValueType::kVarchar) {
      w->Member("DimensionValueType", AsAbsl(ToString(d.dimension_value_type)));
    }
    w->EndObject();
  }
  w->EndArray();
}

void WriteRecord(const Record& r, JsonWriter* w) {
  w->BeginObject();
  if (!r.dimensions.empty()) {
    w->Key("Dimensions");
    WriteDimensions(r.dimensions, w);
  }
  if (r.measure_name) w->Member("MeasureName", *r.measure_name);
  if (r.measure_value) w->Member("MeasureValue", *r.measure_value);
  if (r.measure_value_type) {
    w->Member("MeasureValueType", AsAbsl(ToString(*r.measure_value_type)));
  }
  if (r.time) w->Member("Time", *r.time);
  if (r.time_unit) w->Member("TimeUnit", AsAbsl(ToString(*r.time_unit)));
  if (r.version) w->Member("Version", *r.version);
  if (!r.measure_values.empty()) {
    w->Key("MeasureValues");
    w->BeginArray();
    for (const MeasureValue& mv : r.measure_values) {
      w->BeginObject();
      w->Member("Name", mv.name);
      w->Member("Value", mv.value);
      w->Member("Type", AsAbsl(ToString(mv.type)));
      w->EndObject();
    }
    w->EndArray();
  }
  w->EndObject();
}

}  // namespace

void WriteMagneticStoreWriteProperties(const MagneticStoreWriteProperties& m, JsonWriter* w) {
  w->BeginObject();
  w->Member("EnableMagneticStoreWrites", m.enable_magnetic_store_writes);
  if (m.magnetic_store_rejected_data_location) {
    w->Key("MagneticStoreRejectedDataLocation");
    w->BeginObject();
    if (const auto& s3 = m.magnetic_store_rejected_data_location->s3_configuration) {
      w->Key("S3Configuration");
      w->BeginObject();
      if (s3->bucket_name) w->Member("BucketName", *s3->bucket_name);
      if (s3->object_key_prefix) w->Member("ObjectKeyPrefix", *s3->object_key_prefix);
      if (s3->encryption_option) {
        w->Member("EncryptionOption", AsAbsl(ToString(*s3->encryption_option)));
      }
      if (s3->kms_key_id) w->Member("KmsKeyId", *s3->kms_key_id);
      w->EndObject();
    }
    w->EndObject();
  }
  w->EndObject();
}

std::string ToJson(const CreateDatabaseRequest& r) {
  JsonWriter w;
  w.BeginObject();
  w.Member("DatabaseName", r.database_name);
  if (r.kms_key_id) w.Member("KmsKeyId", *r.kms_key_id);
  if (!r.tags.empty()) {
    w.Key("Tags");
    WriteTags(r.tags, &w);
  }
  w.EndObject();
  return w.Release();
}

std::string ToJson(const CreateTableRequest& r) {
  JsonWriter w;
  w.BeginObject();
  w.Member("DatabaseName", r.database_name);
  w.Member("TableName", r.table_name);
  if (r.retention_properties) {
    w.Key("RetentionProperties");
    WriteRetentionProperties(*r.retention_properties, &w);
  }
  if (!r.tags.empty()) {
    w.Key("Tags");
    WriteTags(r.tags, &w);
  }
  if (r.magnetic_store_write_properties) {
    w.Key("MagneticStoreWriteProperties");
    WriteMagneticStoreWriteProperties(*r.magnetic_store_write_properties, &w);
  }
  w.EndObject();
  return w.Release();
}

namespace {

std::string DatabaseRequestJson(const std::string& database_name) {
  JsonWriter w;
  w.BeginObject();
  w.Member("DatabaseName", database_name);
  w.EndObject();
  return w.Release();
}

std::string TableRequestJson(const std::string& database_name, const std::string& table_name) {
  JsonWriter w;
  w.BeginObject();
  w.Member("DatabaseName", database_name);
  w.Member("TableName", table_name);
  w.EndObject();
  return w.Release();
}

}  // namespace

std::string ToJson(const DeleteDatabaseRequest& r) { return DatabaseRequestJson(r.database_name); }
std::string ToJson(const DeleteTableRequest& r) {
  return TableRequestJson(r.database_name, r.table_name);
}
std::string ToJson(const DescribeDatabaseRequest& r) {
  return DatabaseRequestJson(r.database_name);
}
std::string ToJson(const DescribeEndpointsRequest&) { return "{}"; }
std::string ToJson(const DescribeTableRequest& r) {
  return TableRequestJson(r.database_name, r.table_name);
}

std::string ToJson(const ListDatabasesRequest& r) {
  JsonWriter w;
  w.BeginObject();
  if (r.next_token) w.Member("NextToken", *r.next_token);
  if (r.max_results) w.Member("MaxResults", *r.max_results);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const ListTablesRequest& r) {
  JsonWriter w;
  w.BeginObject();
  if (r.database_name) w.Member("DatabaseName", *r.database_name);
  if (r.next_token) w.Member("NextToken", *r.next_token);
  if (r.max_results) w.Member("MaxResults", *r.max_results);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const ListTagsForResourceRequest& r) {
  JsonWriter w;
  w.BeginObject();
  w.Member("ResourceARN", r.resource_arn);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const TagResourceRequest& r) {
  JsonWriter w;
  w.BeginObject();
  w.Member("ResourceARN", r.resource_arn);
  w.Key("Tags");
  WriteTags(r.tags, &w);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const UntagResourceRequest& r) {
  JsonWriter w;
  w.BeginObject();
  w.Member("ResourceARN", r.resource_arn);
  w.Key("TagKeys");
  w.BeginArray();
  for (const std::string& key : r.tag_keys) w.String(key);
  w.EndArray();
  w.EndObject();
  return w.Release();
}

std::string ToJson(const UpdateDatabaseRequest& r) {
  JsonWriter w;
  w.BeginObject();
  w.Member("DatabaseName", r.database_name);
  w.Member("KmsKeyId", r.kms_key_id);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const UpdateTableRequest& r) {
  JsonWriter w;
  w.BeginObject();
  w.Member("DatabaseName", r.database_name);
  w.Member("TableName", r.table_name);
  if (r.retention_properties) {
    w.Key("RetentionProperties");
    WriteRetentionProperties(*r.retention_properties, &w);
  }
  if (r.magnetic_store_write_properties) {
    w.Key("MagneticStoreWriteProperties");
    WriteMagneticStoreWriteProperties(*r.magnetic_store_write_properties, &w);
  }
  w.EndObject();
  return w.Release();
}

std::string ToJson(const WriteRecordsRequest& r) {
  // Room for a typical record up front, not a copy of the body at every doubling.
  std::string body;
  body.reserve(256 + 160 * r.records.size());
  JsonWriter w(&body);
  w.BeginObject();
  w.Member("DatabaseName", r.database_name);
  w.Member("TableName", r.table_name);
  if (r.common_attributes) {
    w.Key("CommonAttributes");
    WriteRecord(*r.common_attributes, &w);
  }
  w.Key("Records");
  w.BeginArray();
  for (const Record& record : r.records) WriteRecord(record, &w);
  w.EndArray();
  w.EndObject();
  return body;
}

std::string ToJson(const QueryRequest& r) {
  JsonWriter w;
  w.BeginObject();
  w.Member("QueryString", r.query_string);
  if (r.client_token) w.Member("ClientToken", *r.client_token);
  if (r.next_token) w.Member("NextToken", *r.next_token);
  if (r.max_rows) w.Member("MaxRows", *r.max_rows);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const PrepareQueryRequest& r) {
  JsonWriter w;
  w.BeginObject();
  w.Member("QueryString", r.query_string);
  if (r.validate_only) w.Member("ValidateOnly", *r.validate_only);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const CancelQueryRequest& r) {
  JsonWriter w;
  w.BeginObject();
  w.Member("QueryId", r.query_id);
  w.EndObject();
  return w.Release();
}

}  // namespace apijson
}  // namespace tsw
