// The catalog through the public tsw::Engine: catalog operations, Close, and reopen.
#include <string>

#include "absl/strings/match.h"
#include "tests/catalog/catalog_test_util.h"
#include "tsw/engine.h"

namespace tsw::catalog::testing {
namespace {

class EngineCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = FreshTestDir(std::string("EngineCatalogTest.") + info->name());
    options_.clock = &clock_;
    options_.background_maintenance = false;
    options_.region = "ap-south-1";
    options_.account_id = "555555555555";
    options_.report = [](std::string_view) {};
  }

  absl::StatusOr<std::unique_ptr<Engine>> OpenEngine() { return Engine::Open(dir_, options_); }

  std::string dir_;
  ManualClock clock_{1700000000LL * 1000000000LL};
  Options options_;
};

TEST_F(EngineCatalogTest, CatalogChangesSurviveCloseAndReopen) {
  {
    auto engine = OpenEngine();
    TSW_ASSERT_OK(engine);
    auto db = (*engine)->CreateDatabase({.database_name = "fleet", .tags = {{"env", "prod"}}});
    TSW_ASSERT_OK(db);
    EXPECT_EQ(db->database.arn, "arn:aws:timestream:ap-south-1:555555555555:database/fleet");
    TSW_ASSERT_OK((*engine)->CreateTable({.database_name = "fleet",
                                          .table_name = "trucks",
                                          .retention_properties = RetentionProperties{12, 30}}));
    TSW_ASSERT_OK((*engine)->CreateTable({.database_name = "fleet", .table_name = "gone"}));
    TSW_ASSERT_OK((*engine)->DeleteTable({.database_name = "fleet", .table_name = "gone"}));
    clock_.Advance(Seconds(5));
    TSW_ASSERT_OK((*engine)->UpdateDatabase({.database_name = "fleet", .kms_key_id = "alias/x"}));
    TSW_EXPECT_KIND((*engine)->CreateDatabase({.database_name = "fleet"}), ErrorKind::kConflict);
    TSW_EXPECT_KIND((*engine)->DeleteDatabase({.database_name = "fleet"}), ErrorKind::kValidation);
    TSW_ASSERT_OK((*engine)->Close());
  }
  auto engine = OpenEngine();
  TSW_ASSERT_OK(engine);
  auto db = (*engine)->DescribeDatabase({.database_name = "fleet"});
  TSW_ASSERT_OK(db);
  EXPECT_EQ(db->database.kms_key_id, "alias/x");
  EXPECT_EQ(db->database.table_count, 1);
  EXPECT_EQ(NanosOf(db->database.last_updated_time), 1700000000LL * 1000000000LL + Seconds(5));
  auto table = (*engine)->DescribeTable({.database_name = "fleet", .table_name = "trucks"});
  TSW_ASSERT_OK(table);
  EXPECT_EQ(table->table.retention_properties.memory_store_retention_period_in_hours, 12);
  TSW_EXPECT_KIND((*engine)->DescribeTable({.database_name = "fleet", .table_name = "gone"}),
                  ErrorKind::kResourceNotFound);
  auto tags = (*engine)->ListTagsForResource({.resource_arn = db->database.arn});
  TSW_ASSERT_OK(tags);
  ASSERT_EQ(tags->tags.size(), 1u);
  EXPECT_EQ(tags->tags[0].key, "env");
  std::vector<std::string> names;
  for (const auto& page : (*engine)->ListTablesPages({.max_results = 1})) {
    TSW_ASSERT_OK(page);
    for (const Table& t : page->tables) names.push_back(t.table_name);
  }
  EXPECT_EQ(names, std::vector<std::string>{"trucks"});
}

TEST_F(EngineCatalogTest, CorruptCatalogFailsOpenNamingTheFile) {
  {
    auto engine = OpenEngine();
    TSW_ASSERT_OK(engine);
    TSW_ASSERT_OK((*engine)->CreateDatabase({.database_name = "fleet"}));
    TSW_ASSERT_OK((*engine)->Close());
  }
  const std::string snapshot = file::JoinPath(dir_, "catalog/catalog.snapshot");
  auto bytes = file::ReadFile(*Env::Default(), snapshot);
  TSW_ASSERT_OK(bytes);
  std::string damaged = *bytes;
  damaged[damaged.size() - 1] ^= 0x01;
  ASSERT_TRUE(file::WriteFileAtomically(*Env::Default(), snapshot, damaged).ok());
  auto engine = OpenEngine();
  TSW_EXPECT_KIND(engine, ErrorKind::kInternalServer);
  EXPECT_TRUE(absl::StrContains(engine.status().message(), snapshot)) << engine.status();
}

}  // namespace
}  // namespace tsw::catalog::testing
