// Dispatch over a real engine: each operation's JSON in, the model's JSON out.
#include "tools/server/dispatcher.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/apijson/api_json.h"
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

TEST_F(DispatcherTest, ListsTheFifteenOperationsSorted) {
  const std::vector<absl::string_view>& names = OperationNames();
  ASSERT_EQ(names.size(), 15u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(names.front(), "CreateDatabase");
  EXPECT_EQ(names.back(), "WriteRecords");
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
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("unknown operation \"DropTable\"; Timestream Write has CreateDatabase, "));
  absl::StatusOr<std::string> malformed = Call("CreateDatabase", "{");
  ASSERT_FALSE(malformed.ok());
  EXPECT_THAT(std::string(malformed.status().message()), HasSubstr("not valid JSON"));
}

}  // namespace
}  // namespace server
}  // namespace tsw
