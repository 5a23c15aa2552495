// CreateDatabase, DescribeDatabase, UpdateDatabase, DeleteDatabase through the Catalog.
#include <string>

#include "engine/catalog/validation.h"
#include "tests/catalog/catalog_test_util.h"

namespace tsw::catalog::testing {
namespace {

class DatabaseTest : public CatalogTest {
 protected:
  void SetUp() override {
    CatalogTest::SetUp();
    ASSERT_TRUE(Open().ok());
  }
};

TEST_F(DatabaseTest, CreateReturnsTheDatabaseWithArnTimesAndDefaultKey) {
  absl::StatusOr<CreateDatabaseResponse> r = catalog().CreateDatabase({.database_name = "fleet"});
  TSW_ASSERT_OK(r);
  const Database& db = r->database;
  EXPECT_EQ(db.database_name, "fleet");
  EXPECT_EQ(db.arn, "arn:aws:timestream:eu-west-1:123456789012:database/fleet");
  EXPECT_EQ(db.table_count, 0);
  EXPECT_EQ(db.creation_time, AtNanos(kStartNanos));
  EXPECT_EQ(db.last_updated_time, AtNanos(kStartNanos));
  EXPECT_EQ(db.kms_key_id, DefaultKmsKeyArn("eu-west-1", "123456789012"));
}

TEST_F(DatabaseTest, DefaultKeyIsAUuidShapedKeyArnFixedPerAccount) {
  std::string key = DefaultKmsKeyArn("eu-west-1", "123456789012");
  const std::string prefix = "arn:aws:kms:eu-west-1:123456789012:key/";
  ASSERT_EQ(key.substr(0, prefix.size()), prefix);
  std::string id = key.substr(prefix.size());
  ASSERT_EQ(id.size(), 36u);
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      EXPECT_EQ(id[i], '-');
    } else {
      EXPECT_TRUE(isxdigit(static_cast<unsigned char>(id[i])) && !isupper(id[i])) << id;
    }
  }
  EXPECT_EQ(key, DefaultKmsKeyArn("eu-west-1", "123456789012"));
  EXPECT_NE(key, DefaultKmsKeyArn("eu-west-1", "210987654321"));
  // Reopening (a new process, in effect) records the same key.
  TSW_ASSERT_OK(MakeDatabase("one"));
  ASSERT_TRUE(Open().ok());
  TSW_ASSERT_OK(MakeDatabase("two"));
  EXPECT_EQ(catalog().DescribeDatabase({.database_name = "two"})->database.kms_key_id, key);
}

TEST_F(DatabaseTest, CreateKeepsAGivenKmsKeyAndTags) {
  absl::StatusOr<CreateDatabaseResponse> r = catalog().CreateDatabase(
      {.database_name = "fleet", .kms_key_id = "alias/mine", .tags = {{"env", "prod"}, {"e", ""}}});
  TSW_ASSERT_OK(r);
  EXPECT_EQ(r->database.kms_key_id, "alias/mine");
  auto tags = catalog().ListTagsForResource({.resource_arn = DbArn("fleet")});
  TSW_ASSERT_OK(tags);
  ASSERT_EQ(tags->tags.size(), 2u);
  EXPECT_EQ(tags->tags[0].key, "env");
  EXPECT_EQ(tags->tags[1].value, "");
}

TEST_F(DatabaseTest, CreateOfAnExistingNameIsAConflict) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  TSW_EXPECT_KIND(catalog().CreateDatabase({.database_name = "fleet"}), ErrorKind::kConflict);
  // Names are case-sensitive.
  TSW_ASSERT_OK(MakeDatabase("Fleet"));
}

TEST_F(DatabaseTest, CreateRejectsNamesOutsideThePatternAndLengths) {
  for (const std::string& name :
       {std::string(""), std::string("ab"), std::string(257, 'a'), std::string("has space"),
        std::string("a/b/c"), std::string("colon:x"), std::string("unicodé")}) {
    TSW_EXPECT_KIND(catalog().CreateDatabase({.database_name = name}), ErrorKind::kValidation);
  }
  TSW_ASSERT_OK(MakeDatabase("abc"));
  TSW_ASSERT_OK(MakeDatabase(std::string(256, 'z')));
  TSW_ASSERT_OK(MakeDatabase("A-b_c.9"));
}

TEST_F(DatabaseTest, CreateRejectsABadKmsKeyId) {
  TSW_EXPECT_KIND(catalog().CreateDatabase({.database_name = "fleet", .kms_key_id = ""}),
                  ErrorKind::kValidation);
  TSW_EXPECT_KIND(
      catalog().CreateDatabase({.database_name = "fleet", .kms_key_id = std::string(2049, 'a')}),
      ErrorKind::kValidation);
  TSW_EXPECT_KIND(catalog().CreateDatabase({.database_name = "fleet", .kms_key_id = "not a key"}),
                  ErrorKind::kValidation);
  TSW_ASSERT_OK(
      catalog().CreateDatabase({.database_name = "fleet", .kms_key_id = std::string(2048, 'a')}));
}

TEST_F(DatabaseTest, DatabaseQuotaAllowsTheLimitAndRefusesOnePast) {
  options_.quotas.max_databases = 3;
  ASSERT_TRUE(Open().ok());
  TSW_ASSERT_OK(MakeDatabase("db1"));
  TSW_ASSERT_OK(MakeDatabase("db2"));
  TSW_ASSERT_OK(MakeDatabase("db3"));
  TSW_EXPECT_KIND(MakeDatabase("db4"), ErrorKind::kServiceQuotaExceeded);
  // A delete frees a slot.
  TSW_ASSERT_OK(catalog().DeleteDatabase({.database_name = "db1"}));
  TSW_ASSERT_OK(MakeDatabase("db4"));
}

TEST_F(DatabaseTest, DescribeReportsTableCount) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  TSW_ASSERT_OK(MakeTable("fleet", "tb1"));
  TSW_ASSERT_OK(MakeTable("fleet", "tb2"));
  auto r = catalog().DescribeDatabase({.database_name = "fleet"});
  TSW_ASSERT_OK(r);
  EXPECT_EQ(r->database.table_count, 2);
  TSW_ASSERT_OK(catalog().DeleteTable({.database_name = "fleet", .table_name = "tb1"}));
  EXPECT_EQ(catalog().DescribeDatabase({.database_name = "fleet"})->database.table_count, 1);
}

TEST_F(DatabaseTest, DescribeOfAMissingOrImpossibleNameIsNotFound) {
  TSW_EXPECT_KIND(catalog().DescribeDatabase({.database_name = "nope"}),
                  ErrorKind::kResourceNotFound);
  // ResourceName has no pattern in the model: a name that could not exist is not found.
  TSW_EXPECT_KIND(catalog().DescribeDatabase({.database_name = "x"}), ErrorKind::kResourceNotFound);
  TSW_EXPECT_KIND(catalog().DescribeDatabase({.database_name = "bad name!"}),
                  ErrorKind::kResourceNotFound);
  // A required name left empty is invalid.
  TSW_EXPECT_KIND(catalog().DescribeDatabase({.database_name = ""}), ErrorKind::kValidation);
}

TEST_F(DatabaseTest, UpdateAcceptsEveryKeyFormAndMovesLastUpdatedTime) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  const std::vector<std::string> keys = {
      "1234abcd-12ab-34cd-56ef-1234567890ab",
      "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      "alias/ExampleAlias",
      "arn:aws:kms:us-east-1:111122223333:alias/ExampleAlias",
      "mrk-1234abcd12ab34cd56ef1234567890ab",
  };
  int64_t now = kStartNanos;
  for (const std::string& key : keys) {
    now += Seconds(10);
    clock_.Set(now);
    auto r = catalog().UpdateDatabase({.database_name = "fleet", .kms_key_id = key});
    TSW_ASSERT_OK(r);
    EXPECT_EQ(r->database.kms_key_id, key);
    EXPECT_EQ(r->database.last_updated_time, AtNanos(now));
    EXPECT_EQ(r->database.creation_time, AtNanos(kStartNanos));
    EXPECT_EQ(catalog().DescribeDatabase({.database_name = "fleet"})->database.kms_key_id, key);
  }
}

TEST_F(DatabaseTest, UpdateWithTheSameKeyIsNoUpdate) {
  TSW_ASSERT_OK(catalog().CreateDatabase({.database_name = "fleet", .kms_key_id = "alias/a"}));
  clock_.Advance(Seconds(60));
  auto r = catalog().UpdateDatabase({.database_name = "fleet", .kms_key_id = "alias/a"});
  TSW_ASSERT_OK(r);
  EXPECT_EQ(r->database.last_updated_time, AtNanos(kStartNanos));
  // The default key, given back explicitly, is the same key too.
  TSW_ASSERT_OK(MakeDatabase("other"));
  std::string key = DefaultKmsKeyArn("eu-west-1", "123456789012");
  auto o = catalog().UpdateDatabase({.database_name = "other", .kms_key_id = key});
  TSW_ASSERT_OK(o);
  EXPECT_EQ(o->database.last_updated_time, AtNanos(kStartNanos + Seconds(60)));
}

TEST_F(DatabaseTest, UpdateErrors) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  TSW_EXPECT_KIND(catalog().UpdateDatabase({.database_name = "nope", .kms_key_id = "alias/a"}),
                  ErrorKind::kResourceNotFound);
  TSW_EXPECT_KIND(catalog().UpdateDatabase({.database_name = "fleet", .kms_key_id = ""}),
                  ErrorKind::kValidation);
  TSW_EXPECT_KIND(
      catalog().UpdateDatabase({.database_name = "fleet", .kms_key_id = std::string(2049, 'k')}),
      ErrorKind::kValidation);
  TSW_EXPECT_KIND(catalog().UpdateDatabase({.database_name = "fleet", .kms_key_id = "alias/"}),
                  ErrorKind::kValidation);
  TSW_EXPECT_KIND(
      catalog().UpdateDatabase({.database_name = "fleet", .kms_key_id = "arn:aws:s3:::bucket"}),
      ErrorKind::kValidation);
  TSW_EXPECT_KIND(catalog().UpdateDatabase({.database_name = "", .kms_key_id = "alias/a"}),
                  ErrorKind::kValidation);
}

TEST_F(DatabaseTest, DeleteRemovesTheDatabase) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  TSW_ASSERT_OK(catalog().DeleteDatabase({.database_name = "fleet"}));
  TSW_EXPECT_KIND(catalog().DescribeDatabase({.database_name = "fleet"}),
                  ErrorKind::kResourceNotFound);
  // Deleting again: already gone.
  TSW_EXPECT_KIND(catalog().DeleteDatabase({.database_name = "fleet"}),
                  ErrorKind::kResourceNotFound);
  // The name can be used again, with a new creation time.
  clock_.Advance(Seconds(5));
  auto r = catalog().CreateDatabase({.database_name = "fleet"});
  TSW_ASSERT_OK(r);
  EXPECT_EQ(r->database.creation_time, AtNanos(kStartNanos + Seconds(5)));
}

TEST_F(DatabaseTest, DeleteWhileTablesExistIsAValidationError) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  TSW_ASSERT_OK(MakeTable("fleet", "trucks"));
  TSW_EXPECT_KIND(catalog().DeleteDatabase({.database_name = "fleet"}), ErrorKind::kValidation);
  TSW_ASSERT_OK(catalog().DescribeDatabase({.database_name = "fleet"}));
  TSW_ASSERT_OK(catalog().DeleteTable({.database_name = "fleet", .table_name = "trucks"}));
  TSW_ASSERT_OK(catalog().DeleteDatabase({.database_name = "fleet"}));
  TSW_EXPECT_KIND(catalog().DeleteDatabase({.database_name = ""}), ErrorKind::kValidation);
}

}  // namespace
}  // namespace tsw::catalog::testing
