// The error messages whose wording Timestream is known to use. Each case checks the
// exception and that the message opens with the service's sentence, exactly: code written
// against Timestream that matches the sentence matches tsw too (tsw's own detail follows).
// Sources: the service's DescribeDatabase/DescribeTable ResourceNotFoundException messages
// (issue 11), and the API reference's sentences naming a ValidationException (Version,
// CommonAttributes, DeleteDatabase).
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "gtest/gtest.h"
#include "tsw/engine.h"

namespace tsw {
namespace {

constexpr int64_t kNow = 1'800'000'000LL * 1'000'000'000LL;
constexpr int64_t kNowMillis = kNow / 1'000'000;

struct Case {
  const char* name;
  std::function<absl::Status(Engine&)> call;
  ErrorKind kind;
  const char* sentence;  // The service's sentence the message starts with.
};

Record OneRecord(int64_t version = 1) {
  Record r;
  r.dimensions = {{"host", "h1"}};
  r.measure_name = "cpu";
  r.measure_value = "1.5";
  r.time = absl::StrCat(kNowMillis);
  r.version = version;
  return r;
}

const std::vector<Case>& Cases() {
  static const std::vector<Case>* cases = new std::vector<Case>{
      {"DescribeDatabase of a missing database",
       [](Engine& e) { return e.DescribeDatabase({.database_name = "nodb"}).status(); },
       ErrorKind::kResourceNotFound, "The database nodb does not exist."},
      {"DescribeTable in a missing database",
       [](Engine& e) {
         return e.DescribeTable({.database_name = "nodb", .table_name = "sensors"}).status();
       },
       ErrorKind::kResourceNotFound, "The database nodb does not exist."},
      {"DescribeTable of a missing table",
       [](Engine& e) {
         return e.DescribeTable({.database_name = "fleet", .table_name = "notable"}).status();
       },
       ErrorKind::kResourceNotFound, "The table notable does not exist."},
      {"UpdateTable of a missing table",
       [](Engine& e) {
         return e
             .UpdateTable({.database_name = "fleet",
                           .table_name = "notable",
                           .retention_properties = RetentionProperties{}})
             .status();
       },
       ErrorKind::kResourceNotFound, "The table notable does not exist."},
      {"DeleteTable of a missing table",
       [](Engine& e) { return e.DeleteTable({.database_name = "fleet", .table_name = "notable"}); },
       ErrorKind::kResourceNotFound, "The table notable does not exist."},
      {"ListTables of a missing database",
       [](Engine& e) {
         ListTablesRequest request;
         request.database_name = "nodb";
         return e.ListTables(request).status();
       },
       ErrorKind::kResourceNotFound, "The database nodb does not exist."},
      {"WriteRecords to a missing table",
       [](Engine& e) {
         return e
             .WriteRecords(
                 {.database_name = "fleet", .table_name = "notable", .records = {OneRecord()}})
             .status();
       },
       ErrorKind::kResourceNotFound, "The table notable does not exist."},
      {"WriteRecords with Version 0",
       [](Engine& e) {
         return e
             .WriteRecords({.database_name = "fleet",
                            .table_name = "sensors",
                            .records = {OneRecord(), OneRecord(0)}})
             .status();
       },
       ErrorKind::kValidation, "Version must be 1 or greater"},
      {"WriteRecords with a dimension in a record and CommonAttributes",
       [](Engine& e) {
         Record common;
         common.dimensions = {{"host", "h2"}};
         return e
             .WriteRecords({.database_name = "fleet",
                            .table_name = "sensors",
                            .common_attributes = common,
                            .records = {OneRecord()}})
             .status();
       },
       ErrorKind::kValidation, "Dimensions may not overlap"},
      {"DeleteDatabase with tables",
       [](Engine& e) { return e.DeleteDatabase({.database_name = "fleet"}); },
       ErrorKind::kValidation, "All tables in the database must be deleted first."},
  };
  return *cases;
}

TEST(ServiceMessagesTest, EachMessageOpensWithTheServicesSentence) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/service_messages_test");
  ASSERT_TRUE(file::RemoveTree(*Env::Default(), dir).ok());
  ManualClock clock(kNow);
  Options options;
  options.clock = &clock;
  options.background_maintenance = false;
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(dir, options);
  ASSERT_TRUE(engine.ok()) << engine.status();
  ASSERT_TRUE((*engine)->CreateDatabase({.database_name = "fleet"}).ok());
  ASSERT_TRUE((*engine)->CreateTable({.database_name = "fleet", .table_name = "sensors"}).ok());
  for (const Case& c : Cases()) {
    const absl::Status s = c.call(**engine);
    EXPECT_EQ(KindOf(s), c.kind) << c.name << ": " << s;
    EXPECT_TRUE(absl::StartsWith(s.message(), c.sentence))
        << c.name << ": the message is \"" << s.message() << "\"; it must start with \""
        << c.sentence << "\"";
  }
  // Nothing of the rejected requests was stored.
  int rows = 0;
  ASSERT_TRUE((*engine)
                  ->Scan({.database_name = "fleet", .table_name = "sensors"},
                         [&rows](const ScanBatch& batch) {
                           rows += static_cast<int>(batch.time_nanos.size());
                           return true;
                         })
                  .ok());
  EXPECT_EQ(rows, 0);
  EXPECT_TRUE((*engine)->Close().ok());
}

}  // namespace
}  // namespace tsw
