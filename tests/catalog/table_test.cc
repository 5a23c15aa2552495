// CreateTable, DescribeTable, UpdateTable, DeleteTable, LookupTable and AllTables.
#include <set>
#include <string>

#include "tests/catalog/catalog_test_util.h"

namespace tsw::catalog::testing {
namespace {

class TableTest : public CatalogTest {
 protected:
  void SetUp() override {
    CatalogTest::SetUp();
    ASSERT_TRUE(Open().ok());
    ASSERT_TRUE(MakeDatabase("fleet").ok());
  }

  static S3Configuration GoodS3() {
    S3Configuration s3;
    s3.bucket_name = "my-bucket.1";
    s3.object_key_prefix = "rejected/2024";
    s3.encryption_option = S3EncryptionOption::kSseKms;
    s3.kms_key_id = "alias/s3key";
    return s3;
  }

  static MagneticStoreWriteProperties WithS3(S3Configuration s3) {
    MagneticStoreWriteProperties m;
    m.enable_magnetic_store_writes = true;
    m.magnetic_store_rejected_data_location = MagneticStoreRejectedDataLocation{std::move(s3)};
    return m;
  }

  absl::Status CreateWithMagnetic(const std::string& name, MagneticStoreWriteProperties m) {
    return catalog()
        .CreateTable({.database_name = "fleet",
                      .table_name = name,
                      .magnetic_store_write_properties = std::move(m)})
        .status();
  }
};

TEST_F(TableTest, CreateReturnsAnActiveTableWithDefaults) {
  clock_.Advance(Seconds(3));
  auto r = catalog().CreateTable({.database_name = "fleet", .table_name = "trucks"});
  TSW_ASSERT_OK(r);
  const Table& t = r->table;
  EXPECT_EQ(t.arn, "arn:aws:timestream:eu-west-1:123456789012:database/fleet/table/trucks");
  EXPECT_EQ(t.table_name, "trucks");
  EXPECT_EQ(t.database_name, "fleet");
  EXPECT_EQ(t.table_status, TableStatus::kActive);
  EXPECT_EQ(t.retention_properties.memory_store_retention_period_in_hours, 6);
  EXPECT_EQ(t.retention_properties.magnetic_store_retention_period_in_days, 73000);
  EXPECT_FALSE(t.magnetic_store_write_properties.enable_magnetic_store_writes);
  EXPECT_FALSE(t.magnetic_store_write_properties.magnetic_store_rejected_data_location);
  EXPECT_EQ(t.creation_time, AtNanos(kStartNanos + Seconds(3)));
  EXPECT_EQ(t.last_updated_time, t.creation_time);
  auto d = catalog().DescribeTable({.database_name = "fleet", .table_name = "trucks"});
  TSW_ASSERT_OK(d);
  EXPECT_EQ(d->table.arn, t.arn);
  EXPECT_EQ(d->table.creation_time, t.creation_time);
}

TEST_F(TableTest, CreateKeepsGivenRetentionMagneticPropertiesAndTags) {
  auto r = catalog().CreateTable({.database_name = "fleet",
                                  .table_name = "trucks",
                                  .retention_properties = RetentionProperties{24, 365},
                                  .tags = {{"team", "ops"}},
                                  .magnetic_store_write_properties = WithS3(GoodS3())});
  TSW_ASSERT_OK(r);
  EXPECT_EQ(r->table.retention_properties.memory_store_retention_period_in_hours, 24);
  EXPECT_EQ(r->table.retention_properties.magnetic_store_retention_period_in_days, 365);
  const auto& m = r->table.magnetic_store_write_properties;
  EXPECT_TRUE(m.enable_magnetic_store_writes);
  ASSERT_TRUE(m.magnetic_store_rejected_data_location.has_value());
  const auto& s3 = *m.magnetic_store_rejected_data_location->s3_configuration;
  EXPECT_EQ(*s3.bucket_name, "my-bucket.1");
  EXPECT_EQ(*s3.object_key_prefix, "rejected/2024");
  EXPECT_EQ(*s3.encryption_option, S3EncryptionOption::kSseKms);
  EXPECT_EQ(*s3.kms_key_id, "alias/s3key");
  auto tags = catalog().ListTagsForResource({.resource_arn = TableArnOf("fleet", "trucks")});
  TSW_ASSERT_OK(tags);
  ASSERT_EQ(tags->tags.size(), 1u);
  EXPECT_EQ(tags->tags[0].value, "ops");
}

TEST_F(TableTest, CreateErrors) {
  TSW_ASSERT_OK(MakeTable("fleet", "trucks"));
  TSW_EXPECT_KIND(MakeTable("fleet", "trucks"), ErrorKind::kConflict);
  TSW_EXPECT_KIND(MakeTable("nope", "trucks"), ErrorKind::kResourceNotFound);
  TSW_EXPECT_KIND(MakeTable("fleet", "t"), ErrorKind::kValidation);
  TSW_EXPECT_KIND(MakeTable("fleet", "bad name"), ErrorKind::kValidation);
  TSW_EXPECT_KIND(MakeTable("fleet", std::string(257, 't')), ErrorKind::kValidation);
  // A bad database name is a validation error even though no such database exists.
  TSW_EXPECT_KIND(MakeTable("no", "trucks2"), ErrorKind::kValidation);
  // The same table name in another database is fine.
  TSW_ASSERT_OK(MakeDatabase("other"));
  TSW_ASSERT_OK(MakeTable("other", "trucks"));
}

TEST_F(TableTest, RetentionBoundsAreEnforcedOnCreateAndUpdate) {
  struct Case {
    int64_t hours, days;
    bool ok;
  };
  const Case cases[] = {{1, 1, true},  {8766, 73000, true}, {0, 10, false}, {8767, 10, false},
                        {6, 0, false}, {6, 73001, false},   {-1, -1, false}};
  TSW_ASSERT_OK(MakeTable("fleet", "base"));
  int i = 0;
  for (const Case& c : cases) {
    RetentionProperties retention{c.hours, c.days};
    auto created = catalog().CreateTable({.database_name = "fleet",
                                          .table_name = "tbl" + std::to_string(i++),
                                          .retention_properties = retention});
    auto updated = catalog().UpdateTable(
        {.database_name = "fleet", .table_name = "base", .retention_properties = retention});
    if (c.ok) {
      TSW_ASSERT_OK(created);
      TSW_ASSERT_OK(updated);
    } else {
      TSW_EXPECT_KIND(created, ErrorKind::kValidation);
      TSW_EXPECT_KIND(updated, ErrorKind::kValidation);
    }
  }
}

TEST_F(TableTest, S3ConfigurationIsValidated) {
  TSW_ASSERT_OK(CreateWithMagnetic("ok1", WithS3(GoodS3())));
  S3Configuration minimal;
  minimal.bucket_name = "abc";
  TSW_ASSERT_OK(CreateWithMagnetic("ok2", WithS3(minimal)));
  S3Configuration sse_s3 = minimal;
  sse_s3.encryption_option = S3EncryptionOption::kSseS3;
  TSW_ASSERT_OK(CreateWithMagnetic("ok3", WithS3(sse_s3)));
  // Magnetic writes enabled with no rejected-data location at all is fine.
  MagneticStoreWriteProperties plain;
  plain.enable_magnetic_store_writes = true;
  TSW_ASSERT_OK(CreateWithMagnetic("ok4", plain));

  int n = 0;
  auto expect_invalid = [&](S3Configuration s3) {
    TSW_EXPECT_KIND(CreateWithMagnetic("bad" + std::to_string(n++), WithS3(std::move(s3))),
                    ErrorKind::kValidation);
  };
  for (const std::string& bucket :
       {std::string("ab"), std::string(64, 'a'), std::string("Upper-case"),
        std::string("-starts-with-dash"), std::string("ends-with-dot."), std::string("a_b_c")}) {
    S3Configuration s3 = GoodS3();
    s3.bucket_name = bucket;
    expect_invalid(s3);
  }
  for (const std::string& prefix :
       {std::string("a"), std::string("/leading-slash"), std::string("has space"),
        std::string(929, 'p'), std::string(".dot-first")}) {
    S3Configuration s3 = GoodS3();
    s3.object_key_prefix = prefix;
    expect_invalid(s3);
  }
  S3Configuration no_bucket = GoodS3();
  no_bucket.bucket_name.reset();
  expect_invalid(no_bucket);
  S3Configuration kms_without_key = GoodS3();
  kms_without_key.kms_key_id.reset();
  expect_invalid(kms_without_key);
  S3Configuration key_without_kms = GoodS3();
  key_without_kms.encryption_option = S3EncryptionOption::kSseS3;
  expect_invalid(key_without_kms);
  S3Configuration long_key = GoodS3();
  long_key.kms_key_id = std::string(2049, 'k');
  expect_invalid(long_key);
  MagneticStoreWriteProperties empty_location;
  empty_location.magnetic_store_rejected_data_location = MagneticStoreRejectedDataLocation{};
  TSW_EXPECT_KIND(CreateWithMagnetic("bad_empty", empty_location), ErrorKind::kValidation);
  // The same rules hold for UpdateTable.
  S3Configuration bad = GoodS3();
  bad.bucket_name = "x";
  TSW_EXPECT_KIND(catalog().UpdateTable({.database_name = "fleet",
                                         .table_name = "ok1",
                                         .magnetic_store_write_properties = WithS3(bad)}),
                  ErrorKind::kValidation);
}

TEST_F(TableTest, UpdateChangesPropertiesAndMovesOnlyLastUpdatedTime) {
  TSW_ASSERT_OK(MakeTable("fleet", "trucks"));
  clock_.Advance(Seconds(7));
  auto r = catalog().UpdateTable({.database_name = "fleet",
                                  .table_name = "trucks",
                                  .retention_properties = RetentionProperties{48, 30}});
  TSW_ASSERT_OK(r);
  EXPECT_EQ(r->table.retention_properties.memory_store_retention_period_in_hours, 48);
  EXPECT_EQ(r->table.retention_properties.magnetic_store_retention_period_in_days, 30);
  EXPECT_EQ(r->table.creation_time, AtNanos(kStartNanos));
  EXPECT_EQ(r->table.last_updated_time, AtNanos(kStartNanos + Seconds(7)));
  EXPECT_FALSE(r->table.magnetic_store_write_properties.enable_magnetic_store_writes);

  // Both at once; retention untouched when not given.
  clock_.Advance(Seconds(1));
  auto m = catalog().UpdateTable({.database_name = "fleet",
                                  .table_name = "trucks",
                                  .magnetic_store_write_properties = WithS3(GoodS3())});
  TSW_ASSERT_OK(m);
  EXPECT_TRUE(m->table.magnetic_store_write_properties.enable_magnetic_store_writes);
  EXPECT_EQ(m->table.retention_properties.memory_store_retention_period_in_hours, 48);
  EXPECT_EQ(m->table.last_updated_time, AtNanos(kStartNanos + Seconds(8)));

  auto d = catalog().DescribeTable({.database_name = "fleet", .table_name = "trucks"});
  TSW_ASSERT_OK(d);
  EXPECT_TRUE(d->table.magnetic_store_write_properties.enable_magnetic_store_writes);
  EXPECT_EQ(d->table.last_updated_time, AtNanos(kStartNanos + Seconds(8)));
  // The new properties are what LookupTable hands the write path.
  auto info = catalog().LookupTable("fleet", "trucks");
  TSW_ASSERT_OK(info);
  EXPECT_EQ(info->table.retention_properties.magnetic_store_retention_period_in_days, 30);
}

TEST_F(TableTest, UpdateNamingNoPropertyChangesNothing) {
  TSW_ASSERT_OK(MakeTable("fleet", "trucks"));
  clock_.Advance(Seconds(9));
  auto r = catalog().UpdateTable({.database_name = "fleet", .table_name = "trucks"});
  TSW_ASSERT_OK(r);
  EXPECT_EQ(r->table.last_updated_time, AtNanos(kStartNanos));
}

TEST_F(TableTest, DescribeUpdateDeleteOfMissingTablesAreNotFound) {
  TSW_ASSERT_OK(MakeTable("fleet", "trucks"));
  TSW_EXPECT_KIND(catalog().DescribeTable({.database_name = "fleet", .table_name = "cars"}),
                  ErrorKind::kResourceNotFound);
  TSW_EXPECT_KIND(catalog().DescribeTable({.database_name = "nope", .table_name = "trucks"}),
                  ErrorKind::kResourceNotFound);
  TSW_EXPECT_KIND(catalog().DescribeTable({.database_name = "fleet", .table_name = "x"}),
                  ErrorKind::kResourceNotFound);
  TSW_EXPECT_KIND(catalog().DescribeTable({.database_name = "fleet", .table_name = ""}),
                  ErrorKind::kValidation);
  TSW_EXPECT_KIND(catalog().UpdateTable({.database_name = "fleet",
                                         .table_name = "cars",
                                         .retention_properties = RetentionProperties{}}),
                  ErrorKind::kResourceNotFound);
  TSW_EXPECT_KIND(catalog().DeleteTable({.database_name = "fleet", .table_name = "cars"}),
                  ErrorKind::kResourceNotFound);
  TSW_EXPECT_KIND(catalog().DeleteTable({.database_name = "nope", .table_name = "trucks"}),
                  ErrorKind::kResourceNotFound);
  TSW_EXPECT_KIND(catalog().DeleteTable({.database_name = "", .table_name = "trucks"}),
                  ErrorKind::kValidation);
}

TEST_F(TableTest, DeleteReturnsTheIdAndIdsAreNeverReused) {
  std::set<uint64_t> ids;
  for (int round = 0; round < 3; ++round) {
    TSW_ASSERT_OK(MakeTable("fleet", "trucks"));
    auto info = catalog().LookupTable("fleet", "trucks");
    TSW_ASSERT_OK(info);
    EXPECT_TRUE(ids.insert(info->table_id).second) << "id reused: " << info->table_id;
    auto deleted = catalog().DeleteTable({.database_name = "fleet", .table_name = "trucks"});
    TSW_ASSERT_OK(deleted);
    EXPECT_EQ(*deleted, info->table_id);
    TSW_EXPECT_KIND(catalog().LookupTable("fleet", "trucks"), ErrorKind::kResourceNotFound);
    ASSERT_TRUE(Open().ok());  // Not even across a restart.
  }
}

TEST_F(TableTest, LookupAndAllTablesSeeEveryTableInNameOrder) {
  TSW_ASSERT_OK(MakeDatabase("another"));
  TSW_ASSERT_OK(MakeTable("fleet", "zeta"));
  TSW_ASSERT_OK(MakeTable("fleet", "alpha"));
  TSW_ASSERT_OK(MakeTable("another", "mid"));
  std::vector<TableInfo> all = catalog().AllTables();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].table.database_name + "." + all[0].table.table_name, "another.mid");
  EXPECT_EQ(all[1].table.table_name, "alpha");
  EXPECT_EQ(all[2].table.table_name, "zeta");
  std::set<uint64_t> ids;
  for (const TableInfo& info : all) {
    ids.insert(info.table_id);
    auto found = catalog().LookupTable(info.table.database_name, info.table.table_name);
    TSW_ASSERT_OK(found);
    EXPECT_EQ(found->table_id, info.table_id);
    EXPECT_EQ(found->table.arn, info.table.arn);
  }
  EXPECT_EQ(ids.size(), 3u);
  TSW_EXPECT_KIND(catalog().LookupTable("fleet", "nope"), ErrorKind::kResourceNotFound);
  TSW_EXPECT_KIND(catalog().LookupTable("nope", "zeta"), ErrorKind::kResourceNotFound);
}

TEST_F(TableTest, TableQuotaCountsEveryDatabaseAndAllowsTheLimit) {
  options_.quotas.max_tables = 3;
  ASSERT_TRUE(Open().ok());
  TSW_ASSERT_OK(MakeDatabase("second"));
  TSW_ASSERT_OK(MakeTable("fleet", "tb1"));
  TSW_ASSERT_OK(MakeTable("fleet", "tb2"));
  TSW_ASSERT_OK(MakeTable("second", "tb3"));
  TSW_EXPECT_KIND(MakeTable("second", "tb4"), ErrorKind::kServiceQuotaExceeded);
  TSW_EXPECT_KIND(MakeTable("fleet", "tb4"), ErrorKind::kServiceQuotaExceeded);
  // An existing name is still a conflict at the limit.
  TSW_EXPECT_KIND(MakeTable("fleet", "tb1"), ErrorKind::kConflict);
  TSW_ASSERT_OK(catalog().DeleteTable({.database_name = "fleet", .table_name = "tb1"}));
  TSW_ASSERT_OK(MakeTable("second", "tb4"));
  // The count survives a restart.
  ASSERT_TRUE(Open().ok());
  TSW_EXPECT_KIND(MakeTable("fleet", "tb5"), ErrorKind::kServiceQuotaExceeded);
}

}  // namespace
}  // namespace tsw::catalog::testing
