#include "engine/wire/api_json.h"

#include <chrono>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/common/json_writer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tsw/status.h"

namespace tsw {
namespace apijson {
namespace {

using json::AppendJsonString;
using json::FormatDouble;
using json::JsonWriter;
using ::testing::HasSubstr;

TimePoint FromNanos(int64_t nanos) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(nanos)));
}

// Expects `result` to be a ValidationException whose message contains `fragment`.
template <typename T>
void ExpectValidationError(const absl::StatusOr<T>& result, const std::string& fragment) {
  ASSERT_FALSE(result.ok()) << "expected an error containing: " << fragment;
  EXPECT_EQ(KindOf(result.status()), ErrorKind::kValidation);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(fragment));
}

constexpr char kFullWriteRecords[] = R"({
  "DatabaseName": "fleet", "TableName": "telemetry",
  "CommonAttributes": {"Dimensions": [{"Name": "region", "Value": "eu", "DimensionValueType": "VARCHAR"}],
                       "TimeUnit": "SECONDS", "Version": 3},
  "Records": [
    {"Dimensions": [{"Name": "host", "Value": "h1"}], "MeasureName": "cpu",
     "MeasureValue": "0.5", "MeasureValueType": "DOUBLE", "Time": "1700000000"},
    {"MeasureName": "env", "MeasureValueType": "MULTI", "Time": "1700000001",
     "TimeUnit": "MILLISECONDS", "Version": 9223372036854775807,
     "MeasureValues": [{"Name": "temp", "Value": "21", "Type": "BIGINT"},
                       {"Name": "ok", "Value": "true", "Type": "BOOLEAN"}]}
  ]})";

TEST(ParseWriteRecordsRequestTest, ReadsEveryMemberOfRecordsAndCommonAttributes) {
  absl::StatusOr<WriteRecordsRequest> r = ParseWriteRecordsRequest(kFullWriteRecords);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->database_name, "fleet");
  EXPECT_EQ(r->table_name, "telemetry");
  ASSERT_TRUE(r->common_attributes.has_value());
  ASSERT_EQ(r->common_attributes->dimensions.size(), 1u);
  EXPECT_EQ(r->common_attributes->dimensions[0].name, "region");
  EXPECT_EQ(r->common_attributes->time_unit, TimeUnit::kSeconds);
  EXPECT_EQ(r->common_attributes->version, 3);
  EXPECT_FALSE(r->common_attributes->measure_name.has_value());
  ASSERT_EQ(r->records.size(), 2u);
  const Record& scalar = r->records[0];
  EXPECT_EQ(scalar.dimensions[0].value, "h1");
  EXPECT_EQ(scalar.measure_name, "cpu");
  EXPECT_EQ(scalar.measure_value, "0.5");
  EXPECT_EQ(scalar.measure_value_type, MeasureValueType::kDouble);
  EXPECT_EQ(scalar.time, "1700000000");
  EXPECT_FALSE(scalar.time_unit.has_value());
  EXPECT_FALSE(scalar.version.has_value());
  const Record& multi = r->records[1];
  EXPECT_EQ(multi.measure_value_type, MeasureValueType::kMulti);
  EXPECT_EQ(multi.time_unit, TimeUnit::kMilliseconds);
  EXPECT_EQ(multi.version, std::numeric_limits<int64_t>::max());
  ASSERT_EQ(multi.measure_values.size(), 2u);
  EXPECT_EQ(multi.measure_values[1].name, "ok");
  EXPECT_EQ(multi.measure_values[1].value, "true");
  EXPECT_EQ(multi.measure_values[1].type, MeasureValueType::kBoolean);
}

TEST(ParseWriteRecordsRequestTest, ReportsMalformedJson) {
  ExpectValidationError(ParseWriteRecordsRequest(R"({"DatabaseName": "a",)"),
                        "the request body is not valid JSON");
  ExpectValidationError(ParseWriteRecordsRequest("{\"DatabaseName\": \"\xff\"}"), "not valid JSON");
}

TEST(ParseWriteRecordsRequestTest, ReportsAWrongMemberTypeWithItsPath) {
  ExpectValidationError(
      ParseWriteRecordsRequest(
          R"({"DatabaseName": "d", "TableName": "t", "Records": [{}, {"Version": "2"}]})"),
      "Records[1].Version must be an integer, not a string");
  ExpectValidationError(
      ParseWriteRecordsRequest(
          R"({"DatabaseName": "d", "TableName": "t", "Records": [{"Version": 2.5}]})"),
      "Records[0].Version must be an integer, not a number with a fraction");
  ExpectValidationError(
      ParseWriteRecordsRequest(R"({"DatabaseName": 7, "TableName": "t", "Records": []})"),
      "DatabaseName must be a string, not an integer");
  ExpectValidationError(
      ParseWriteRecordsRequest(R"({"DatabaseName": "d", "TableName": "t", "Records": {}})"),
      "Records must be an array, not an object");
  ExpectValidationError(
      ParseWriteRecordsRequest(
          R"({"DatabaseName": "d", "TableName": "t", "Records": [{"Dimensions": [3]}]})"),
      "Records[0].Dimensions[0] must be an object, not an integer");
}

TEST(ParseWriteRecordsRequestTest, ReportsAnUnknownEnumValueAndTheValidOnes) {
  ExpectValidationError(
      ParseWriteRecordsRequest(R"({"DatabaseName": "d", "TableName": "t",
          "Records": [{"MeasureValueType": "FLOAT"}]})"),
      "Records[0].MeasureValueType: unknown value \"FLOAT\"; expected one of DOUBLE, BIGINT, "
      "VARCHAR, BOOLEAN, TIMESTAMP, MULTI");
  ExpectValidationError(ParseWriteRecordsRequest(R"({"DatabaseName": "d", "TableName": "t",
          "Records": [{"TimeUnit": "milliseconds"}]})"),
                        "unknown value \"milliseconds\"");
  ExpectValidationError(
      ParseWriteRecordsRequest(R"({"DatabaseName": "d", "TableName": "t",
          "Records": [{"Dimensions": [{"Name": "a", "Value": "b", "DimensionValueType": "INT"}]}]})"),
      "Records[0].Dimensions[0].DimensionValueType: unknown value \"INT\"; expected one of "
      "VARCHAR");
}

TEST(ParseWriteRecordsRequestTest, ReportsMissingRequiredMembersAtEveryLevel) {
  ExpectValidationError(ParseWriteRecordsRequest(R"({"DatabaseName": "d", "Records": []})"),
                        "the request body: missing required member TableName");
  ExpectValidationError(ParseWriteRecordsRequest(R"({"DatabaseName": "d", "TableName": "t"})"),
                        "missing required member Records");
  ExpectValidationError(ParseWriteRecordsRequest(R"({"DatabaseName": "d", "TableName": "t",
          "Records": [{"Dimensions": [{"Name": "host"}]}]})"),
                        "Records[0].Dimensions[0]: missing required member Value");
  ExpectValidationError(ParseWriteRecordsRequest(R"({"DatabaseName": "d", "TableName": "t",
          "Records": [{"MeasureValues": [{"Name": "a", "Value": "1"}]}]})"),
                        "Records[0].MeasureValues[0]: missing required member Type");
  // null is absent, so it does not satisfy a required member.
  ExpectValidationError(
      ParseWriteRecordsRequest(R"({"DatabaseName": null, "TableName": "t", "Records": []})"),
      "missing required member DatabaseName");
}

TEST(ParseWriteRecordsRequestTest, RejectsNumbersOutOfTheMembersRange) {
  ExpectValidationError(ParseWriteRecordsRequest(R"({"DatabaseName": "d", "TableName": "t",
          "Records": [{"Version": 18446744073709551615}]})"),
                        "Records[0].Version is out of range for a 64-bit signed integer");
  ExpectValidationError(ParseListDatabasesRequest(R"({"MaxResults": 4294967296})"),
                        "MaxResults is out of range for a 32-bit integer");
}

TEST(ParseRequestTest, ParsesABodyLargerThanTheReusedParserKeeps) {
  std::string big = R"({"DatabaseName": "d", "TableName": "t", "Records": [)";
  for (int i = 0; i < 20000; ++i) {
    absl::StrAppend(&big, i ? "," : "", R"({"MeasureName": "m", "MeasureValue": ")", i,
                    R"(", "Time": "1", "Dimensions": [{"Name": "host", "Value": "h"}]})");
  }
  big += "]}";
  ASSERT_GT(big.size(), 1u << 20);
  absl::StatusOr<WriteRecordsRequest> r = ParseWriteRecordsRequest(big);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->records.size(), 20000u);
  EXPECT_EQ(r->records[19999].measure_value, "19999");
  // And the per-thread parser still works for small bodies afterwards.
  EXPECT_TRUE(ParseWriteRecordsRequest(kFullWriteRecords).ok());
}

TEST(ParseRequestTest, RejectsABodyThatIsNotAnObject) {
  ExpectValidationError(ParseListDatabasesRequest("[]"),
                        "the request body must be an object, not an array");
  ExpectValidationError(ParseDescribeEndpointsRequest("\"x\""),
                        "the request body must be an object, not a string");
}

TEST(ParseRequestTest, ReadsAnEmptyBodyAsAnEmptyObject) {
  absl::StatusOr<ListDatabasesRequest> r = ParseListDatabasesRequest("");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->max_results.has_value());
  EXPECT_TRUE(ParseDescribeEndpointsRequest(" \n").ok());
  ExpectValidationError(ParseDescribeDatabaseRequest(""), "missing required member DatabaseName");
}

TEST(ParseRequestTest, IgnoresUnknownMembersAndNullValues) {
  absl::StatusOr<CreateTableRequest> r = ParseCreateTableRequest(
      R"({"DatabaseName": "d", "TableName": "t", "Schema": {"x": [1, 2]},
          "RetentionProperties": null, "Tags": null})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->retention_properties.has_value());
  EXPECT_TRUE(r->tags.empty());
}

TEST(ParseRequestTest, ReadsNestedTableProperties) {
  absl::StatusOr<UpdateTableRequest> r = ParseUpdateTableRequest(R"({
      "DatabaseName": "d", "TableName": "t",
      "RetentionProperties": {"MemoryStoreRetentionPeriodInHours": 12,
                              "MagneticStoreRetentionPeriodInDays": 30},
      "MagneticStoreWriteProperties": {"EnableMagneticStoreWrites": true,
          "MagneticStoreRejectedDataLocation": {"S3Configuration": {
              "BucketName": "b-1", "ObjectKeyPrefix": "p", "EncryptionOption": "SSE_KMS",
              "KmsKeyId": "k"}}}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->retention_properties->memory_store_retention_period_in_hours, 12);
  EXPECT_EQ(r->retention_properties->magnetic_store_retention_period_in_days, 30);
  EXPECT_TRUE(r->magnetic_store_write_properties->enable_magnetic_store_writes);
  const S3Configuration& s3 =
      *r->magnetic_store_write_properties->magnetic_store_rejected_data_location->s3_configuration;
  EXPECT_EQ(s3.bucket_name, "b-1");
  EXPECT_EQ(s3.object_key_prefix, "p");
  EXPECT_EQ(s3.encryption_option, S3EncryptionOption::kSseKms);
  EXPECT_EQ(s3.kms_key_id, "k");

  ExpectValidationError(
      ParseUpdateTableRequest(R"({"DatabaseName": "d", "TableName": "t",
          "RetentionProperties": {"MemoryStoreRetentionPeriodInHours": 12}})"),
      "RetentionProperties: missing required member MagneticStoreRetentionPeriodInDays");
  ExpectValidationError(
      ParseUpdateTableRequest(R"({"DatabaseName": "d", "TableName": "t",
          "MagneticStoreWriteProperties": {"EnableMagneticStoreWrites": "yes"}})"),
      "MagneticStoreWriteProperties.EnableMagneticStoreWrites must be a boolean, not a string");
  ExpectValidationError(ParseUpdateTableRequest(R"({"DatabaseName": "d", "TableName": "t",
          "MagneticStoreWriteProperties": {"EnableMagneticStoreWrites": true,
          "MagneticStoreRejectedDataLocation": {"S3Configuration": {"EncryptionOption": "AES"}}}})"),
                        "EncryptionOption: unknown value \"AES\"; expected one of SSE_S3, SSE_KMS");
}

TEST(ParseRequestTest, ChecksTheRequiredMembersOfTagOperations) {
  ExpectValidationError(ParseTagResourceRequest(R"({"ResourceARN": "arn"})"),
                        "missing required member Tags");
  ExpectValidationError(
      ParseTagResourceRequest(R"({"ResourceARN": "arn", "Tags": [{"Key": "k"}]})"),
      "Tags[0]: missing required member Value");
  ExpectValidationError(ParseUntagResourceRequest(R"({"ResourceARN": "arn", "TagKeys": [1]})"),
                        "TagKeys[0] must be a string, not an integer");
  ExpectValidationError(ParseUpdateDatabaseRequest(R"({"DatabaseName": "d"})"),
                        "missing required member KmsKeyId");
  ExpectValidationError(ParseListTagsForResourceRequest("{}"),
                        "missing required member ResourceARN");
}

// ToJson(request) then Parse gives the request back, for every operation.
TEST(RequestJsonTest, EveryRequestSurvivesARoundTrip) {
  CreateDatabaseRequest create_db{
      .database_name = "d\"b", .kms_key_id = "key", .tags = {{"k", ""}, {"k2", "v\n"}}};
  auto create_db2 = ParseCreateDatabaseRequest(ToJson(create_db));
  ASSERT_TRUE(create_db2.ok()) << create_db2.status();
  EXPECT_EQ(create_db2->database_name, "d\"b");
  EXPECT_EQ(create_db2->kms_key_id, "key");
  ASSERT_EQ(create_db2->tags.size(), 2u);
  EXPECT_EQ(create_db2->tags[1].value, "v\n");

  CreateTableRequest create_table{.database_name = "d", .table_name = "t"};
  create_table.retention_properties = RetentionProperties{7, 8};
  create_table.magnetic_store_write_properties = MagneticStoreWriteProperties{true, {}};
  auto create_table2 = ParseCreateTableRequest(ToJson(create_table));
  ASSERT_TRUE(create_table2.ok()) << create_table2.status();
  EXPECT_EQ(create_table2->retention_properties->memory_store_retention_period_in_hours, 7);
  EXPECT_TRUE(create_table2->magnetic_store_write_properties->enable_magnetic_store_writes);

  EXPECT_EQ(ParseDeleteDatabaseRequest(ToJson(DeleteDatabaseRequest{"d"}))->database_name, "d");
  EXPECT_EQ(ParseDeleteTableRequest(ToJson(DeleteTableRequest{"d", "t"}))->table_name, "t");
  EXPECT_EQ(ParseDescribeDatabaseRequest(ToJson(DescribeDatabaseRequest{"d"}))->database_name, "d");
  EXPECT_EQ(ParseDescribeTableRequest(ToJson(DescribeTableRequest{"d", "t"}))->table_name, "t");
  EXPECT_TRUE(ParseDescribeEndpointsRequest(ToJson(DescribeEndpointsRequest{})).ok());
  auto list_dbs = ParseListDatabasesRequest(ToJson(ListDatabasesRequest{"tok", 5}));
  EXPECT_EQ(list_dbs->next_token, "tok");
  EXPECT_EQ(list_dbs->max_results, 5);
  auto list_tables = ParseListTablesRequest(ToJson(ListTablesRequest{"d", std::nullopt, 3}));
  EXPECT_EQ(list_tables->database_name, "d");
  EXPECT_FALSE(list_tables->next_token.has_value());
  EXPECT_EQ(list_tables->max_results, 3);
  EXPECT_EQ(
      ParseListTagsForResourceRequest(ToJson(ListTagsForResourceRequest{"arn"}))->resource_arn,
      "arn");
  auto tag = ParseTagResourceRequest(ToJson(TagResourceRequest{"arn", {{"a", "b"}}}));
  EXPECT_EQ(tag->tags[0].key, "a");
  auto untag = ParseUntagResourceRequest(ToJson(UntagResourceRequest{"arn", {"a", "b"}}));
  EXPECT_EQ(untag->tag_keys, (std::vector<std::string>{"a", "b"}));
  auto update_db = ParseUpdateDatabaseRequest(ToJson(UpdateDatabaseRequest{"d", "alias/x"}));
  EXPECT_EQ(update_db->kms_key_id, "alias/x");
  UpdateTableRequest update_table{.database_name = "d", .table_name = "t"};
  update_table.retention_properties = RetentionProperties{1, 2};
  EXPECT_EQ(ParseUpdateTableRequest(ToJson(update_table))
                ->retention_properties->magnetic_store_retention_period_in_days,
            2);

  auto write = ParseWriteRecordsRequest(kFullWriteRecords);
  ASSERT_TRUE(write.ok());
  auto write2 = ParseWriteRecordsRequest(ToJson(*write));
  ASSERT_TRUE(write2.ok()) << write2.status();
  EXPECT_EQ(ToJson(*write2), ToJson(*write));
  EXPECT_EQ(write2->records[1].measure_values[0].type, MeasureValueType::kBigint);
  EXPECT_EQ(write2->common_attributes->version, 3);
}

TEST(RequestJsonTest, LeavesUnsetOptionalMembersOut) {
  EXPECT_EQ(ToJson(ListDatabasesRequest{}), "{}");
  EXPECT_EQ(ToJson(CreateDatabaseRequest{.database_name = "d"}), R"({"DatabaseName":"d"})");
}

// ---------------------------------------------------------------------- responses

Database SampleDatabase() {
  Database d;
  d.arn = "arn:aws:timestream:us-east-1:000000000000:database/fleet";
  d.database_name = "fleet";
  d.table_count = 2;
  d.kms_key_id = "arn:aws:kms:us-east-1:000000000000:key/abc";
  d.creation_time = FromNanos(1700000000'500000000);
  d.last_updated_time = FromNanos(1700000001'000000000);
  return d;
}

TEST(ResponseJsonTest, WritesADatabaseWithEpochSecondTimestamps) {
  EXPECT_EQ(ToJson(DescribeDatabaseResponse{SampleDatabase()}),
            R"({"Database":{"Arn":"arn:aws:timestream:us-east-1:000000000000:database/fleet",)"
            R"("DatabaseName":"fleet","TableCount":2,)"
            R"("KmsKeyId":"arn:aws:kms:us-east-1:000000000000:key/abc",)"
            R"("CreationTime":1700000000.5,"LastUpdatedTime":1700000001}})");
}

TEST(ResponseJsonTest, WritesATableWithEveryMember) {
  Table t;
  t.arn = "arn:t";
  t.table_name = "telemetry";
  t.database_name = "fleet";
  t.table_status = TableStatus::kActive;
  t.retention_properties = {24, 365};
  t.creation_time = FromNanos(1'000001000);
  t.last_updated_time = FromNanos(2'000000001);
  t.magnetic_store_write_properties.enable_magnetic_store_writes = true;
  S3Configuration s3;
  s3.bucket_name = "bucket";
  s3.encryption_option = S3EncryptionOption::kSseS3;
  t.magnetic_store_write_properties.magnetic_store_rejected_data_location =
      MagneticStoreRejectedDataLocation{s3};
  EXPECT_EQ(
      ToJson(CreateTableResponse{t}),
      R"({"Table":{"Arn":"arn:t","TableName":"telemetry","DatabaseName":"fleet",)"
      R"("TableStatus":"ACTIVE","RetentionProperties":{"MemoryStoreRetentionPeriodInHours":24,)"
      R"("MagneticStoreRetentionPeriodInDays":365},"CreationTime":1.000001,)"
      R"("LastUpdatedTime":2.000000001,"MagneticStoreWriteProperties":)"
      R"({"EnableMagneticStoreWrites":true,"MagneticStoreRejectedDataLocation":)"
      R"({"S3Configuration":{"BucketName":"bucket","EncryptionOption":"SSE_S3"}}}}})");
}

TEST(ResponseJsonTest, LeavesNextTokenOutOnTheLastPage) {
  ListDatabasesResponse page{{SampleDatabase()}, std::nullopt};
  EXPECT_THAT(ToJson(page), ::testing::StartsWith(R"({"Databases":[{"Arn":)"));
  EXPECT_THAT(ToJson(page), ::testing::Not(HasSubstr("NextToken")));
  page.next_token = "t1";
  EXPECT_THAT(ToJson(page), ::testing::EndsWith(R"(],"NextToken":"t1"})"));
  EXPECT_EQ(ToJson(ListTablesResponse{}), R"({"Tables":[]})");
}

TEST(ResponseJsonTest, WritesTheSmallResponses) {
  EXPECT_EQ(ToJson(WriteRecordsResponse{{5, 3, 2}}),
            R"({"RecordsIngested":{"Total":5,"MemoryStore":3,"MagneticStore":2}})");
  EXPECT_EQ(ToJson(DescribeEndpointsResponse{{{"127.0.0.1:8080", 1440}}}),
            R"({"Endpoints":[{"Address":"127.0.0.1:8080","CachePeriodInMinutes":1440}]})");
  EXPECT_EQ(ToJson(ListTagsForResourceResponse{{{"k", "v"}}}),
            R"({"Tags":[{"Key":"k","Value":"v"}]})");
  EXPECT_EQ(ToJson(TagResourceResponse{}), "{}");
  EXPECT_EQ(ToJson(UntagResourceResponse{}), "{}");
  EXPECT_EQ(EmptyJson(), "{}");
}

TEST(QueryJsonTest, ParsesTheQueryRequests) {
  absl::StatusOr<QueryRequest> query = ParseQueryRequest(
      R"({"QueryString": "SELECT 1", "ClientToken": "c", "NextToken": "t", "MaxRows": 7})");
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->query_string, "SELECT 1");
  EXPECT_EQ(query->client_token, "c");
  EXPECT_EQ(query->next_token, "t");
  EXPECT_EQ(query->max_rows, 7);
  absl::StatusOr<QueryRequest> bare = ParseQueryRequest(R"({"QueryString": "SELECT 1"})");
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->max_rows.has_value());
  EXPECT_FALSE(bare->next_token.has_value());
  ExpectValidationError(ParseQueryRequest("{}"), "missing required member QueryString");
  ExpectValidationError(ParseQueryRequest(R"({"QueryString": "x", "MaxRows": "7"})"),
                        "MaxRows must be an integer");

  absl::StatusOr<PrepareQueryRequest> prepare =
      ParsePrepareQueryRequest(R"({"QueryString": "SELECT 1", "ValidateOnly": true})");
  ASSERT_TRUE(prepare.ok());
  EXPECT_EQ(prepare->validate_only, true);
  ExpectValidationError(ParsePrepareQueryRequest(R"({"ValidateOnly": true})"), "QueryString");

  absl::StatusOr<CancelQueryRequest> cancel = ParseCancelQueryRequest(R"({"QueryId": "AB12"})");
  ASSERT_TRUE(cancel.ok());
  EXPECT_EQ(cancel->query_id, "AB12");
  ExpectValidationError(ParseCancelQueryRequest("{}"), "missing required member QueryId");
}

TEST(QueryJsonTest, QueryRequestsSurviveARoundTrip) {
  QueryRequest query{.query_string = "SELECT \"a\"",
                     .client_token = std::string(36, 'k'),
                     .next_token = "tok",
                     .max_rows = 1000};
  absl::StatusOr<QueryRequest> back = ParseQueryRequest(ToJson(query));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->query_string, query.query_string);
  EXPECT_EQ(back->client_token, query.client_token);
  EXPECT_EQ(back->next_token, query.next_token);
  EXPECT_EQ(back->max_rows, query.max_rows);
  EXPECT_EQ(ToJson(PrepareQueryRequest{.query_string = "q", .validate_only = true}),
            R"({"QueryString":"q","ValidateOnly":true})");
  EXPECT_EQ(ToJson(CancelQueryRequest{"Q1"}), R"({"QueryId":"Q1"})");
}

TEST(QueryJsonTest, WritesAQueryResponseAsTheModelShapesIt) {
  QueryResponse response;
  response.query_id = "Q1";
  response.next_token = "N";
  response.column_info = {{"device", {ScalarType::kVarchar}},
                          {"avg", {ScalarType::kDouble}},
                          {"t", {ScalarType::kTimestamp}}};
  response.rows.push_back(
      Row{{Datum{"d1"}, Datum{"21.5"}, Datum{"2026-12-05 12:23:22.064000000"}}});
  response.rows.push_back(
      Row{{Datum{"d\"2"}, Datum{std::nullopt, true}, Datum{std::nullopt, true}}});
  response.query_status = {100, 4096, 0};
  EXPECT_EQ(ToJson(response),
            R"({"QueryId":"Q1","NextToken":"N","Rows":[)"
            R"({"Data":[{"ScalarValue":"d1"},{"ScalarValue":"21.5"},)"
            R"({"ScalarValue":"2026-12-05 12:23:22.064000000"}]},)"
            R"({"Data":[{"ScalarValue":"d\"2"},{"NullValue":true},{"NullValue":true}]}],)"
            R"("ColumnInfo":[{"Name":"device","Type":{"ScalarType":"VARCHAR"}},)"
            R"({"Name":"avg","Type":{"ScalarType":"DOUBLE"}},)"
            R"({"Name":"t","Type":{"ScalarType":"TIMESTAMP"}}],)"
            R"("QueryStatus":{"ProgressPercentage":100,"CumulativeBytesScanned":4096,)"
            R"("CumulativeBytesMetered":0}})");
  QueryResponse last;
  last.query_id = "Q2";
  EXPECT_EQ(ToJson(last),
            R"({"QueryId":"Q2","Rows":[],"ColumnInfo":[],"QueryStatus":{"ProgressPercentage":0,)"
            R"("CumulativeBytesScanned":0,"CumulativeBytesMetered":0}})");
}

TEST(QueryJsonTest, WritesPrepareAndCancelResponses) {
  PrepareQueryResponse prepared;
  prepared.query_string = "SELECT x";
  prepared.columns.push_back(
      SelectColumn{"x", {ScalarType::kBigint}, "db", "tbl", /*aliased=*/false});
  prepared.columns.push_back(SelectColumn{"n", {ScalarType::kIntervalDayToSecond}, "", "", true});
  EXPECT_EQ(ToJson(prepared),
            R"({"QueryString":"SELECT x","Columns":[)"
            R"({"Name":"x","Type":{"ScalarType":"BIGINT"},"DatabaseName":"db","TableName":"tbl",)"
            R"("Aliased":false},)"
            R"({"Name":"n","Type":{"ScalarType":"INTERVAL_DAY_TO_SECOND"},"Aliased":true}],)"
            R"("Parameters":[]})");
  EXPECT_EQ(ToJson(CancelQueryResponse{}), "{}");
  EXPECT_EQ(ToJson(CancelQueryResponse{"already"}), R"({"CancellationMessage":"already"})");
}

TEST(ErrorJsonTest, NamesTheExceptionAndCarriesTheMessage) {
  EXPECT_EQ(ErrorToJson(NotFoundError("database \"x\" does not exist")),
            R"({"__type":"ResourceNotFoundException","message":"database \"x\" does not exist"})");
  // A status made outside tsw maps by its code.
  EXPECT_EQ(ErrorToJson(absl::InternalError("disk")),
            R"({"__type":"InternalServerException","message":"disk"})");
}

TEST(ErrorJsonTest, ListsRejectedRecordsWithTheirExistingVersions) {
  absl::Status status = RejectedRecordsError(
      "2 records were rejected",
      {{0,
        "a record with the same dimensions, time and measure name exists with a "
        "different value at version 4",
        4},
       {2, "the time is outside the retention window", std::nullopt}});
  EXPECT_EQ(ErrorToJson(status),
            R"({"__type":"RejectedRecordsException","message":"2 records were rejected",)"
            R"("RejectedRecords":[{"RecordIndex":0,"Reason":"a record with the same dimensions, )"
            R"(time and measure name exists with a different value at version 4",)"
            R"("ExistingVersion":4},{"RecordIndex":2,)"
            R"("Reason":"the time is outside the retention window"}]})");
}

TEST(ErrorJsonTest, MapsEachKindToAnHttpStatus) {
  EXPECT_EQ(HttpStatusOf(ErrorKind::kValidation), 400);
  EXPECT_EQ(HttpStatusOf(ErrorKind::kRejectedRecords), 400);
  EXPECT_EQ(HttpStatusOf(ErrorKind::kServiceQuotaExceeded), 400);
  EXPECT_EQ(HttpStatusOf(ErrorKind::kAccessDenied), 403);
  EXPECT_EQ(HttpStatusOf(ErrorKind::kResourceNotFound), 404);
  EXPECT_EQ(HttpStatusOf(ErrorKind::kConflict), 409);
  EXPECT_EQ(HttpStatusOf(ErrorKind::kInvalidEndpoint), 421);
  EXPECT_EQ(HttpStatusOf(ErrorKind::kThrottling), 429);
  EXPECT_EQ(HttpStatusOf(ErrorKind::kInternalServer), 500);
}

// ---------------------------------------------------------------------- scan rows

TEST(ScanRowJsonTest, WritesAScalarRowAsARecord) {
  ScanBatch batch;
  batch.dimensions = {{"host", "h1"}, {"region", "eu"}};
  batch.measure_name = "cpu";
  batch.measure_value_type = MeasureValueType::kDouble;
  batch.time_nanos = {1700000000123456789, 1700000001000000000};
  batch.versions = {1, 7};
  ScanColumn column;
  column.name = "cpu";
  column.type = MeasureValueType::kDouble;
  column.doubles = {0.1, 1e300};
  batch.columns = {column};
  EXPECT_EQ(ScanRowToJson(batch, 0),
            R"({"Dimensions":[{"Name":"host","Value":"h1"},{"Name":"region","Value":"eu"}],)"
            R"("MeasureName":"cpu","MeasureValueType":"DOUBLE","MeasureValue":"0.1",)"
            R"("Time":"1700000000123456789","TimeUnit":"NANOSECONDS","Version":1})");
  std::string lines;
  AppendScanRowsJson(batch, &lines);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2);
  EXPECT_THAT(lines, HasSubstr(R"("MeasureValue":"1e+300")"));
  EXPECT_THAT(lines, HasSubstr(R"("Version":7})"));
}

TEST(ScanRowJsonTest, WritesAMultiRowWithOnlyThePresentAttributes) {
  ScanBatch batch;
  batch.measure_name = "env";
  batch.measure_value_type = MeasureValueType::kMulti;
  batch.time_nanos = {5};
  batch.versions = {2};
  ScanColumn ok{.name = "ok", .type = MeasureValueType::kBoolean, .ints = {1}, .present = {1}};
  ScanColumn temp{.name = "temp", .type = MeasureValueType::kBigint, .ints = {0}, .present = {0}};
  ScanColumn note{
      .name = "note", .type = MeasureValueType::kVarchar, .strings = {"a\tb"}, .present = {1}};
  batch.columns = {ok, temp, note};
  EXPECT_EQ(ScanRowToJson(batch, 0),
            R"({"Dimensions":[],"MeasureName":"env","MeasureValueType":"MULTI",)"
            R"("MeasureValues":[{"Name":"ok","Value":"true","Type":"BOOLEAN"},)"
            R"({"Name":"note","Value":"a\tb","Type":"VARCHAR"}],)"
            R"("Time":"5","TimeUnit":"NANOSECONDS","Version":2})");
}

// ---------------------------------------------------------------------- the writer

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out;
  AppendJsonString(std::string("a\"b\\c\x01\x1f\r\b\f\xc3\xa9", 12), &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\u0001\\u001f\\r\\b\\f\xc3\xa9\"");
}

TEST(JsonWriterTest, WritesEpochSecondsWithTheShortestFraction) {
  auto seconds = [](int64_t nanos) {
    JsonWriter w;
    w.EpochSeconds(nanos);
    return w.Release();
  };
  EXPECT_EQ(seconds(0), "0");
  EXPECT_EQ(seconds(1'500000000), "1.5");
  EXPECT_EQ(seconds(1'000000001), "1.000000001");
  EXPECT_EQ(seconds(-500000000), "-0.5");
  EXPECT_EQ(seconds(std::numeric_limits<int64_t>::min()), "-9223372036.854775808");
}

TEST(JsonWriterTest, WritesDoublesThatReadBackExactlyAndNullForNonFinite) {
  JsonWriter w;
  w.BeginArray();
  w.Double(0.1);
  w.Double(-2.5e-300);
  w.Double(std::numeric_limits<double>::infinity());
  w.Double(std::nan(""));
  w.EndArray();
  EXPECT_EQ(w.str(), "[0.1,-2.5e-300,null,null]");
  EXPECT_EQ(FormatDouble(1.0 / 3), "0.3333333333333333");
}

TEST(JsonWriterTest, PlacesCommasBetweenNestedValues) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a");
  w.BeginArray();
  w.BeginObject();
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.Int(-1);
  w.EndArray();
  w.Member("b", true);
  w.Key("c");
  w.Null();
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":[{},[],-1],"b":true,"c":null})");
}

TEST(ParseErrorResponseTest, ReadsBackWhatErrorToJsonWrote) {
  const absl::Status rejected = RejectedRecordsError(
      "One or more records have been rejected.",
      {{3, "A record with a higher version exists.", 7}, {5, "Bad measure value.", std::nullopt}});
  const absl::Status read = ParseErrorResponse(400, ErrorToJson(rejected));
  EXPECT_EQ(KindOf(read), ErrorKind::kRejectedRecords);
  EXPECT_EQ(read.message(), "One or more records have been rejected.");
  const std::vector<RejectedRecord> records = RejectedRecordsOf(read);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].record_index, 3);
  EXPECT_EQ(records[0].reason, "A record with a higher version exists.");
  EXPECT_EQ(records[0].existing_version, 7);
  EXPECT_EQ(records[1].record_index, 5);
  EXPECT_FALSE(records[1].existing_version.has_value());
  for (ErrorKind kind : {ErrorKind::kThrottling, ErrorKind::kValidation, ErrorKind::kAccessDenied,
                         ErrorKind::kResourceNotFound}) {
    const absl::Status error = MakeError(kind, "said so");
    const absl::Status back = ParseErrorResponse(HttpStatusOf(kind), ErrorToJson(error));
    EXPECT_EQ(KindOf(back), kind);
    EXPECT_EQ(back.message(), "said so");
  }
}

TEST(ParseErrorResponseTest, StripsTypeDecorationsAndFallsBackOnTheHttpStatus) {
  EXPECT_EQ(KindOf(ParseErrorResponse(
                400, R"({"__type":"com.amazonaws.timestream#ThrottlingException"})")),
            ErrorKind::kThrottling);
  EXPECT_EQ(KindOf(ParseErrorResponse(400, "{}", "ValidationException:http://internal")),
            ErrorKind::kValidation);
  const absl::Status unknown =
      ParseErrorResponse(403, R"({"__type":"UnrecognizedClientException","Message":"bad token"})");
  EXPECT_EQ(KindOf(unknown), ErrorKind::kAccessDenied);
  EXPECT_EQ(unknown.message(), "UnrecognizedClientException: bad token");
  const absl::Status html = ParseErrorResponse(503, "<html>Service Unavailable</html>");
  EXPECT_EQ(KindOf(html), ErrorKind::kInternalServer);
  EXPECT_THAT(html.message(), HasSubstr("HTTP 503: <html>Service Unavailable"));
  EXPECT_EQ(KindOf(ParseErrorResponse(429, "")), ErrorKind::kThrottling);
  EXPECT_EQ(KindOf(ParseErrorResponse(404, "")), ErrorKind::kResourceNotFound);
}

TEST(ParseDescribeEndpointsResponseTest, ReadsTheEndpointsAndRefusesOtherShapes) {
  absl::StatusOr<DescribeEndpointsResponse> response = ParseDescribeEndpointsResponse(
      R"({"Endpoints":[{"Address":"ingest-cell2.timestream.us-east-1.amazonaws.com",)"
      R"("CachePeriodInMinutes":1440}]})");
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->endpoints.size(), 1u);
  EXPECT_EQ(response->endpoints[0].address, "ingest-cell2.timestream.us-east-1.amazonaws.com");
  EXPECT_EQ(response->endpoints[0].cache_period_in_minutes, 1440);
  DescribeEndpointsResponse written;
  written.endpoints.push_back({"127.0.0.1:8080", 5});
  response = ParseDescribeEndpointsResponse(ToJson(written));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->endpoints[0].address, "127.0.0.1:8080");
  EXPECT_EQ(KindOf(ParseDescribeEndpointsResponse("{}").status()), ErrorKind::kValidation);
  EXPECT_EQ(KindOf(ParseDescribeEndpointsResponse(R"({"Endpoints":[{"Address":"a"}]})").status()),
            ErrorKind::kValidation);
  EXPECT_EQ(KindOf(ParseDescribeEndpointsResponse("not json").status()), ErrorKind::kValidation);
}

}  // namespace
}  // namespace apijson
}  // namespace tsw
