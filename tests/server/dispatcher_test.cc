// Dispatch over a real engine: each operation's JSON in, the model's JSON out.
#include "tools/server/dispatcher.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/wire/api_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tsw/engine.h"
#include "tsw/status.h"

namespace tsw {
namespace server {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = std::filesystem::path(tmp != nullptr ? tmp : "/tmp") /
           absl::StrCat("dispatcher-", ::testing::UnitTest::GetInstance()->random_seed(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Options options;
    options.background_maintenance = false;
    absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(dir_.string(), options);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }
  void TearDown() override {
    if (engine_) {
      EXPECT_TRUE(engine_->Close().ok());
    }
    std::filesystem::remove_all(dir_);
  }

  absl::StatusOr<std::string> Call(absl::string_view operation, absl::string_view body) {
    return Dispatch(*engine_, operation, body, DispatchContext{"127.0.0.1:4242"});
  }

  std::filesystem::path dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(DispatcherTest, ListsTheOperationsOfBothApisSorted) {
  const std::vector<absl::string_view>& names = OperationNames();
  // Write's 15, Query's 13, four of them shared.
  ASSERT_EQ(names.size(), 15u + 13u - 4u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(names.front(), "CancelQuery");
  EXPECT_EQ(names.back(), "WriteRecords");
  for (absl::string_view name : {"Query", "PrepareQuery", "DescribeEndpoints", "TagResource"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

TEST_F(DispatcherTest, RunsCatalogOperationsAndAnswersInTheModelsShapes) {
  absl::StatusOr<std::string> created =
      Call("CreateDatabase", R"({"DatabaseName":"fleet","Tags":[{"Key":"k","Value":"v"}]})");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_THAT(*created, StartsWith(R"({"Database":{"Arn":"arn:aws:timestream:us-east-1:)"));
  EXPECT_THAT(*created, HasSubstr(R"("DatabaseName":"fleet","TableCount":0,)"));

  ASSERT_TRUE(Call("CreateTable", R"({"DatabaseName":"fleet","TableName":"metrics"})").ok());
  absl::StatusOr<std::string> tables = Call("ListTables", R"({"DatabaseName":"fleet"})");
  ASSERT_TRUE(tables.ok()) << tables.status();
  EXPECT_THAT(*tables, HasSubstr(R"("TableName":"metrics","DatabaseName":"fleet",)"
                                 R"("TableStatus":"ACTIVE")"));

  absl::StatusOr<std::string> deleted =
      Call("DeleteTable", R"({"DatabaseName":"fleet","TableName":"metrics"})");
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, "{}");
  absl::StatusOr<std::string> missing = Call("DescribeDatabase", R"({"DatabaseName":"nope"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(KindOf(missing.status()), ErrorKind::kResourceNotFound);
}

TEST_F(DispatcherTest, WritesRecordsAndReportsRejections) {
  ASSERT_TRUE(Call("CreateDatabase", R"({"DatabaseName":"iot"})").ok());
  ASSERT_TRUE(Call("CreateTable", R"({"DatabaseName":"iot","TableName":"readings"})").ok());
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  const std::string record = absl::StrCat(
      R"({"Dimensions":[{"Name":"host","Value":"h1"}],"MeasureName":"cpu","MeasureValue":")");
  auto body = [&](const std::string& value) {
    return absl::StrCat(R"({"DatabaseName":"iot","TableName":"readings","Records":[)", record,
                        value, R"(","Time":")", now_ms - 1000, R"("}]})");
  };
  absl::StatusOr<std::string> written = Call("WriteRecords", body("1.5"));
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, R"({"RecordsIngested":{"Total":1,"MemoryStore":1,"MagneticStore":0}})");

  absl::StatusOr<std::string> conflict = Call("WriteRecords", body("2.5"));
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(KindOf(conflict.status()), ErrorKind::kRejectedRecords);
  EXPECT_THAT(apijson::ErrorToJson(conflict.status()),
              HasSubstr(R"("RejectedRecords":[{"RecordIndex":0,"Reason":")"));
  EXPECT_THAT(apijson::ErrorToJson(conflict.status()), HasSubstr(R"("ExistingVersion":1})"));
}

TEST_F(DispatcherTest, AnswersDescribeEndpointsWithTheServersAddress) {
  absl::StatusOr<std::string> endpoints = Call("DescribeEndpoints", "{}");
  ASSERT_TRUE(endpoints.ok()) << endpoints.status();
  EXPECT_EQ(*endpoints,
            R"({"Endpoints":[{"Address":"127.0.0.1:4242","CachePeriodInMinutes":1440}]})");
}

TEST_F(DispatcherTest, RejectsUnknownOperationsAndMalformedBodies) {
  absl::StatusOr<std::string> unknown = Call("DropTable", "{}");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(KindOf(unknown.status()), ErrorKind::kValidation);
  EXPECT_THAT(
      std::string(unknown.status().message()),
      HasSubstr("unknown operation \"DropTable\"; tsw answers CancelQuery, CreateDatabase, "));
  absl::StatusOr<std::string> malformed = Call("CreateDatabase", "{");
  ASSERT_FALSE(malformed.ok());
  EXPECT_THAT(std::string(malformed.status().message()), HasSubstr("not valid JSON"));
}

TEST_F(DispatcherTest, AnswersQueryInTheModelsShapeAndPagesWithNextToken) {
  ASSERT_TRUE(Call("CreateDatabase", R"({"DatabaseName":"iot"})").ok());
  ASSERT_TRUE(Call("CreateTable", R"({"DatabaseName":"iot","TableName":"cpu"})").ok());
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  std::string records;
  for (int i = 0; i < 25; ++i) {
    if (i > 0) records.push_back(',');
    absl::StrAppend(&records, R"({"Dimensions":[{"Name":"host","Value":"h)", i % 3,
                    R"("}],"MeasureName":"cpu","MeasureValue":")", i, R"(","Time":")",
                    now_ms - 60'000 + i * 1000, R"("})");
  }
  ASSERT_TRUE(
      Call("WriteRecords",
           absl::StrCat(R"({"DatabaseName":"iot","TableName":"cpu","Records":[)", records, "]}"))
          .ok());

  const std::string sql = R"(SELECT host, measure_value::double AS cpu FROM \"iot\".\"cpu\")";
  absl::StatusOr<std::string> first =
      Call("Query", absl::StrCat(R"({"QueryString":")", sql, R"(","MaxRows":10})"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(*first, StartsWith(R"({"QueryId":")"));
  EXPECT_THAT(*first, HasSubstr(R"("NextToken":")"));
  EXPECT_THAT(*first, HasSubstr(R"("Rows":[{"Data":[{"ScalarValue":"h)"));
  EXPECT_THAT(*first, HasSubstr(R"("ColumnInfo":[{"Name":"host","Type":{"ScalarType":"VARCHAR"}},)"
                                R"({"Name":"cpu","Type":{"ScalarType":"DOUBLE"}}])"));
  EXPECT_THAT(*first, HasSubstr(R"("QueryStatus":{"ProgressPercentage":100,)"));

  // Follow the tokens: 25 rows in pages of 10.
  absl::StatusOr<QueryRequest> request =
      apijson::ParseQueryRequest(absl::StrCat(R"({"QueryString":")", sql, R"(","MaxRows":10})"));
  ASSERT_TRUE(request.ok());
  int rows = 0, pages = 0;
  std::string page_json = *first;
  while (true) {
    ++pages;
    for (size_t at = page_json.find(R"({"Data":)"); at != std::string::npos;
         at = page_json.find(R"({"Data":)", at + 1)) {
      ++rows;
    }
    const size_t token_at = page_json.find(R"("NextToken":")");
    if (token_at == std::string::npos) break;
    const size_t begin = token_at + 13;
    request->next_token = page_json.substr(begin, page_json.find('"', begin) - begin);
    absl::StatusOr<std::string> next = Call("Query", apijson::ToJson(*request));
    ASSERT_TRUE(next.ok()) << next.status();
    page_json = *next;
  }
  EXPECT_EQ(rows, 25);
  EXPECT_EQ(pages, 3);

  absl::StatusOr<std::string> bad = Call("Query", R"({"QueryString":"SELEC nothing"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(KindOf(bad.status()), ErrorKind::kValidation);
  absl::StatusOr<std::string> too_many =
      Call("Query", absl::StrCat(R"({"QueryString":")", sql, R"(","MaxRows":1001})"));
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(KindOf(too_many.status()), ErrorKind::kValidation);
}

TEST_F(DispatcherTest, PreparesAndCancelsQueries) {
  ASSERT_TRUE(Call("CreateDatabase", R"({"DatabaseName":"iot"})").ok());
  ASSERT_TRUE(Call("CreateTable", R"({"DatabaseName":"iot","TableName":"cpu"})").ok());
  absl::StatusOr<std::string> prepared = Call(
      "PrepareQuery",
      R"({"QueryString":"SELECT measure_name AS m FROM \"iot\".\"cpu\"","ValidateOnly":true})");
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_THAT(*prepared, HasSubstr(R"("Columns":[{"Name":"m","Type":{"ScalarType":"VARCHAR"})"));
  EXPECT_THAT(*prepared, HasSubstr(R"("Parameters":[])"));

  absl::StatusOr<std::string> answered =
      Call("Query", R"({"QueryString":"SELECT measure_name FROM \"iot\".\"cpu\""})");
  ASSERT_TRUE(answered.ok()) << answered.status();
  const std::string id = answered->substr(12, answered->find('"', 12) - 12);
  absl::StatusOr<std::string> cancelled =
      Call("CancelQuery", absl::StrCat(R"({"QueryId":")", id, R"("})"));
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_THAT(*cancelled, HasSubstr("CancellationMessage"));  // It had completed.
  absl::StatusOr<std::string> unknown = Call("CancelQuery", R"({"QueryId":"NOSUCHQUERY"})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(KindOf(unknown.status()), ErrorKind::kValidation);
}

TEST_F(DispatcherTest, ScheduledQueryOperationsAnswerWithAValidationException) {
  for (absl::string_view op :
       {"CreateScheduledQuery", "DeleteScheduledQuery", "DescribeScheduledQuery",
        "ExecuteScheduledQuery", "ListScheduledQueries", "UpdateScheduledQuery"}) {
    absl::StatusOr<std::string> answer = Call(op, "{}");
    ASSERT_FALSE(answer.ok()) << op;
    EXPECT_EQ(KindOf(answer.status()), ErrorKind::kValidation);
    EXPECT_THAT(std::string(answer.status().message()),
                HasSubstr("tsw does not run scheduled queries"));
    EXPECT_THAT(std::string(answer.status().message()), StartsWith(std::string(op)));
  }
}

}  // namespace
}  // namespace server
}  // namespace tsw
