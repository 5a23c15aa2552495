// TagResource, UntagResource and ListTagsForResource on database and table ARNs.
#include <map>
#include <string>

#include "tests/catalog/catalog_test_util.h"

namespace tsw::catalog::testing {
namespace {

class TagTest : public CatalogTest {
 protected:
  void SetUp() override {
    CatalogTest::SetUp();
    ASSERT_TRUE(Open().ok());
    ASSERT_TRUE(MakeDatabase("fleet").ok());
    ASSERT_TRUE(MakeTable("fleet", "trucks").ok());
  }

  std::map<std::string, std::string> TagsOf(const std::string& arn) {
    std::map<std::string, std::string> out;
    auto r = catalog().ListTagsForResource({.resource_arn = arn});
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return out;
    for (const Tag& tag : r->tags) {
      EXPECT_TRUE(out.emplace(tag.key, tag.value).second) << "duplicate key " << tag.key;
    }
    return out;
  }

  static std::vector<Tag> ManyTags(int n, const std::string& prefix) {
    std::vector<Tag> tags;
    for (int i = 0; i < n; ++i) tags.push_back({prefix + std::to_string(i), "v"});
    return tags;
  }
};

TEST_F(TagTest, TagAndUntagDatabaseAndTableSeparately) {
  const std::string db = DbArn("fleet");
  const std::string table = TableArnOf("fleet", "trucks");
  TSW_ASSERT_OK(catalog().TagResource({.resource_arn = db, .tags = {{"env", "prod"}}}));
  TSW_ASSERT_OK(catalog().TagResource({.resource_arn = table, .tags = {{"owner", "ops"}}}));
  EXPECT_EQ(TagsOf(db), (std::map<std::string, std::string>{{"env", "prod"}}));
  EXPECT_EQ(TagsOf(table), (std::map<std::string, std::string>{{"owner", "ops"}}));
  TSW_ASSERT_OK(catalog().UntagResource({.resource_arn = db, .tag_keys = {"env"}}));
  EXPECT_TRUE(TagsOf(db).empty());
  EXPECT_EQ(TagsOf(table).size(), 1u);
}

TEST_F(TagTest, TaggingAnExistingKeyOverwritesItsValue) {
  const std::string arn = TableArnOf("fleet", "trucks");
  TSW_ASSERT_OK(catalog().TagResource({.resource_arn = arn, .tags = {{"k", "1"}, {"j", "x"}}}));
  TSW_ASSERT_OK(catalog().TagResource({.resource_arn = arn, .tags = {{"k", "2"}}}));
  EXPECT_EQ(TagsOf(arn), (std::map<std::string, std::string>{{"j", "x"}, {"k", "2"}}));
}

TEST_F(TagTest, KeysAreCaseSensitiveAndValuesMayBeEmpty) {
  const std::string arn = DbArn("fleet");
  TSW_ASSERT_OK(catalog().TagResource({.resource_arn = arn, .tags = {{"Env", "A"}, {"env", ""}}}));
  EXPECT_EQ(TagsOf(arn), (std::map<std::string, std::string>{{"Env", "A"}, {"env", ""}}));
  TSW_ASSERT_OK(catalog().UntagResource({.resource_arn = arn, .tag_keys = {"ENV", "Env"}}));
  EXPECT_EQ(TagsOf(arn), (std::map<std::string, std::string>{{"env", ""}}));
}

TEST_F(TagTest, UntaggingAnAbsentKeyIsFine) {
  const std::string arn = DbArn("fleet");
  TSW_ASSERT_OK(catalog().UntagResource({.resource_arn = arn, .tag_keys = {"never"}}));
  TSW_ASSERT_OK(catalog().UntagResource({.resource_arn = arn, .tag_keys = {}}));
  TSW_ASSERT_OK(catalog().TagResource({.resource_arn = arn, .tags = {}}));
}

TEST_F(TagTest, KeyAndValueLengthsAreChecked) {
  const std::string arn = DbArn("fleet");
  TSW_ASSERT_OK(catalog().TagResource(
      {.resource_arn = arn, .tags = {{std::string(128, 'k'), std::string(256, 'v')}}}));
  // Lengths count characters, not bytes: 128 two-byte characters are fine.
  std::string wide;
  for (int i = 0; i < 128; ++i) wide += "\xC3\xA9";
  TSW_ASSERT_OK(catalog().TagResource({.resource_arn = arn, .tags = {{wide, "x"}}}));
  TSW_EXPECT_KIND(catalog().TagResource({.resource_arn = arn, .tags = {{"", "v"}}}),
                  ErrorKind::kValidation);
  TSW_EXPECT_KIND(
      catalog().TagResource({.resource_arn = arn, .tags = {{std::string(129, 'k'), "v"}}}),
      ErrorKind::kValidation);
  TSW_EXPECT_KIND(
      catalog().TagResource({.resource_arn = arn, .tags = {{"k", std::string(257, 'v')}}}),
      ErrorKind::kValidation);
  // Not UTF-8: a stray byte, an overlong form, a surrogate, a cut-off sequence.
  for (const std::string& bad : {std::string("\xFF"), std::string("\xC0\x80"),
                                 std::string("\xED\xA0\x80"), std::string("ok\xE2\x82")}) {
    TSW_EXPECT_KIND(catalog().TagResource({.resource_arn = arn, .tags = {{bad, "v"}}}),
                    ErrorKind::kValidation);
    TSW_EXPECT_KIND(catalog().TagResource({.resource_arn = arn, .tags = {{"k", bad}}}),
                    ErrorKind::kValidation);
  }
  TSW_ASSERT_OK(catalog().TagResource(
      {.resource_arn = arn, .tags = {{"\xE2\x82\xAC\xF0\x9F\x98\x80", "\xE6\x97\xA5"}}}));
  TSW_EXPECT_KIND(
      catalog().TagResource({.resource_arn = arn, .tags = {{"dup", "1"}, {"dup", "2"}}}),
      ErrorKind::kValidation);
  TSW_EXPECT_KIND(catalog().UntagResource({.resource_arn = arn, .tag_keys = {""}}),
                  ErrorKind::kValidation);
  TSW_EXPECT_KIND(
      catalog().UntagResource({.resource_arn = arn, .tag_keys = {std::string(129, 'k')}}),
      ErrorKind::kValidation);
  // The same rules apply to tags given at create time.
  TSW_EXPECT_KIND(catalog().CreateDatabase({.database_name = "other", .tags = {{"", "v"}}}),
                  ErrorKind::kValidation);
  TSW_EXPECT_KIND(
      catalog().CreateTable(
          {.database_name = "fleet", .table_name = "cars", .tags = {{std::string(129, 'k'), "v"}}}),
      ErrorKind::kValidation);
}

TEST_F(TagTest, MoreThan200InOneRequestIsAValidationError) {
  options_.quotas.max_tags_per_resource = 1000;
  ASSERT_TRUE(Open().ok());
  const std::string arn = DbArn("fleet");
  TSW_EXPECT_KIND(catalog().TagResource({.resource_arn = arn, .tags = ManyTags(201, "k")}),
                  ErrorKind::kValidation);
  std::vector<std::string> keys(201, "k");
  TSW_EXPECT_KIND(catalog().UntagResource({.resource_arn = arn, .tag_keys = keys}),
                  ErrorKind::kValidation);
  TSW_EXPECT_KIND(catalog().CreateDatabase({.database_name = "other", .tags = ManyTags(201, "k")}),
                  ErrorKind::kValidation);
  TSW_ASSERT_OK(catalog().TagResource({.resource_arn = arn, .tags = ManyTags(200, "k")}));
}

TEST_F(TagTest, TagQuotaAllowsTheLimitAndRefusesOnePast) {
  options_.quotas.max_tags_per_resource = 5;
  ASSERT_TRUE(Open().ok());
  const std::string arn = TableArnOf("fleet", "trucks");
  TSW_ASSERT_OK(catalog().TagResource({.resource_arn = arn, .tags = ManyTags(3, "a")}));
  TSW_ASSERT_OK(catalog().TagResource({.resource_arn = arn, .tags = ManyTags(2, "b")}));
  EXPECT_EQ(TagsOf(arn).size(), 5u);
  TSW_EXPECT_KIND(catalog().TagResource({.resource_arn = arn, .tags = {{"c", "1"}}}),
                  ErrorKind::kServiceQuotaExceeded);
  EXPECT_EQ(TagsOf(arn).size(), 5u);  // Nothing of the refused request was applied.
  // Overwriting existing keys at the limit adds nothing, so it passes.
  TSW_ASSERT_OK(catalog().TagResource({.resource_arn = arn, .tags = {{"a0", "new"}}}));
  EXPECT_EQ(TagsOf(arn)["a0"], "new");
  // Create-time tags count against the same quota.
  TSW_ASSERT_OK(catalog().CreateTable(
      {.database_name = "fleet", .table_name = "five", .tags = ManyTags(5, "t")}));
  TSW_EXPECT_KIND(catalog().CreateTable(
                      {.database_name = "fleet", .table_name = "six", .tags = ManyTags(6, "t")}),
                  ErrorKind::kServiceQuotaExceeded);
  TSW_EXPECT_KIND(catalog().CreateDatabase({.database_name = "six", .tags = ManyTags(6, "t")}),
                  ErrorKind::kServiceQuotaExceeded);
}

TEST_F(TagTest, MalformedArnsAreValidationErrors) {
  for (const std::string& arn :
       {std::string(""), std::string("fleet"), std::string("arn:aws:timestream:eu-west-1"),
        std::string("arn:aws:s3:eu-west-1:123456789012:database/fleet"),
        std::string("arn:aws:timestream:eu-west-1:123456789012:fleet"),
        std::string("arn:aws:timestream:eu-west-1:123456789012:database/"),
        std::string("arn:aws:timestream:eu-west-1:123456789012:database/fleet/table/"),
        std::string("arn:aws:timestream:eu-west-1:123456789012:database/fleet/tables/trucks"),
        std::string("arn:aws:timestream:eu-west-1:123456789012:database/fleet/table/a/b"),
        std::string("arn:aws:timestream::123456789012:database/fleet"),
        "arn:aws:timestream:eu-west-1:123456789012:database/" + std::string(1000, 'x')}) {
    TSW_EXPECT_KIND(catalog().ListTagsForResource({.resource_arn = arn}), ErrorKind::kValidation);
    TSW_EXPECT_KIND(catalog().TagResource({.resource_arn = arn, .tags = {{"k", "v"}}}),
                    ErrorKind::kValidation);
    TSW_EXPECT_KIND(catalog().UntagResource({.resource_arn = arn, .tag_keys = {"k"}}),
                    ErrorKind::kValidation);
  }
}

TEST_F(TagTest, UnknownResourcesAreNotFound) {
  for (const std::string& arn :
       {DbArn("nope"), TableArnOf("fleet", "nope"), TableArnOf("nope", "trucks"),
        std::string("arn:aws:timestream:us-east-1:123456789012:database/fleet"),
        std::string("arn:aws:timestream:eu-west-1:999999999999:database/fleet"),
        std::string("arn:aws-cn:timestream:eu-west-1:123456789012:database/fleet")}) {
    TSW_EXPECT_KIND(catalog().ListTagsForResource({.resource_arn = arn}),
                    ErrorKind::kResourceNotFound);
    TSW_EXPECT_KIND(catalog().TagResource({.resource_arn = arn, .tags = {{"k", "v"}}}),
                    ErrorKind::kResourceNotFound);
    TSW_EXPECT_KIND(catalog().UntagResource({.resource_arn = arn, .tag_keys = {"k"}}),
                    ErrorKind::kResourceNotFound);
  }
}

TEST_F(TagTest, TagsGoAwayWithTheirResource) {
  TSW_ASSERT_OK(
      catalog().TagResource({.resource_arn = TableArnOf("fleet", "trucks"), .tags = {{"a", "b"}}}));
  TSW_ASSERT_OK(catalog().DeleteTable({.database_name = "fleet", .table_name = "trucks"}));
  TSW_ASSERT_OK(MakeTable("fleet", "trucks"));
  EXPECT_TRUE(TagsOf(TableArnOf("fleet", "trucks")).empty());
}

TEST_F(TagTest, TaggingDoesNotMoveLastUpdatedTime) {
  clock_.Advance(Seconds(30));
  TSW_ASSERT_OK(catalog().TagResource({.resource_arn = DbArn("fleet"), .tags = {{"a", "b"}}}));
  TSW_ASSERT_OK(
      catalog().TagResource({.resource_arn = TableArnOf("fleet", "trucks"), .tags = {{"a", "b"}}}));
  EXPECT_EQ(catalog().DescribeDatabase({.database_name = "fleet"})->database.last_updated_time,
            AtNanos(kStartNanos));
  EXPECT_EQ(catalog()
                .DescribeTable({.database_name = "fleet", .table_name = "trucks"})
                ->table.last_updated_time,
            AtNanos(kStartNanos));
}

}  // namespace
}  // namespace tsw::catalog::testing
