// ListDatabases and ListTables: pages, tokens, and walks with changes between pages.
#include <map>
#include <set>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "tests/catalog/catalog_test_util.h"

namespace tsw::catalog::testing {
namespace {

class ListTest : public CatalogTest {
 protected:
  void SetUp() override {
    CatalogTest::SetUp();
    ASSERT_TRUE(Open().ok());
  }

  static std::string Name(const std::string& prefix, int i) {
    return absl::StrFormat("%s%03d", prefix, i);
  }

  // Every database name, walking pages of `page` (nullopt: the default size).
  std::vector<std::string> WalkDatabases(std::optional<int32_t> page, int* pages = nullptr) {
    std::vector<std::string> names;
    ListDatabasesRequest request{.max_results = page};
    for (int n = 1;; ++n) {
      auto r = catalog().ListDatabases(request);
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) break;
      EXPECT_LE(r->databases.size(), static_cast<size_t>(page.value_or(20)));
      for (const Database& db : r->databases) names.push_back(db.database_name);
      if (pages != nullptr) *pages = n;
      if (!r->next_token.has_value()) break;
      request.next_token = r->next_token;
    }
    return names;
  }

  // Every (database, table), walking ListTables pages.
  std::vector<std::string> WalkTables(std::optional<std::string> database, int32_t page) {
    std::vector<std::string> names;
    ListTablesRequest request{.database_name = database, .max_results = page};
    while (true) {
      auto r = catalog().ListTables(request);
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) break;
      EXPECT_LE(r->tables.size(), static_cast<size_t>(page));
      for (const Table& t : r->tables) names.push_back(t.database_name + "/" + t.table_name);
      if (!r->next_token.has_value()) break;
      request.next_token = r->next_token;
    }
    return names;
  }
};

TEST_F(ListTest, EmptyCatalogListsNothingWithoutToken) {
  auto d = catalog().ListDatabases({});
  TSW_ASSERT_OK(d);
  EXPECT_TRUE(d->databases.empty());
  EXPECT_FALSE(d->next_token.has_value());
  auto t = catalog().ListTables({});
  TSW_ASSERT_OK(t);
  EXPECT_TRUE(t->tables.empty());
  EXPECT_FALSE(t->next_token.has_value());
}

TEST_F(ListTest, DatabasesArePagedInNameOrderEachExactlyOnce) {
  std::vector<std::string> expected;
  for (int i = 0; i < 45; ++i) {
    expected.push_back(Name("db", i));
    TSW_ASSERT_OK(MakeDatabase(Name("db", 44 - i)));  // Created out of order.
  }
  for (int32_t page : {1, 2, 7, 20}) {
    int pages = 0;
    EXPECT_EQ(WalkDatabases(page, &pages), expected) << "page size " << page;
    EXPECT_EQ(pages, (45 + page - 1) / page);
  }
  // Unset MaxResults means pages of 20.
  int pages = 0;
  EXPECT_EQ(WalkDatabases(std::nullopt, &pages), expected);
  EXPECT_EQ(pages, 3);
  // Full pages carry the database shapes.
  auto r = catalog().ListDatabases({.max_results = 1});
  TSW_ASSERT_OK(r);
  EXPECT_EQ(r->databases[0].arn, DbArn("db000"));
}

TEST_F(ListTest, AnExactlyFullLastPageHasNoToken) {
  for (int i = 0; i < 4; ++i) TSW_ASSERT_OK(MakeDatabase(Name("db", i)));
  auto r = catalog().ListDatabases({.max_results = 4});
  TSW_ASSERT_OK(r);
  EXPECT_EQ(r->databases.size(), 4u);
  EXPECT_FALSE(r->next_token.has_value());
}

TEST_F(ListTest, MaxResultsOutsideOneToTwentyIsAValidationError) {
  for (int32_t bad : {0, -1, 21, 1000}) {
    TSW_EXPECT_KIND(catalog().ListDatabases({.max_results = bad}), ErrorKind::kValidation);
    TSW_EXPECT_KIND(catalog().ListTables({.max_results = bad}), ErrorKind::kValidation);
  }
}

TEST_F(ListTest, MalformedOrForeignTokensAreValidationErrors) {
  TSW_ASSERT_OK(MakeDatabase("db1"));
  TSW_ASSERT_OK(MakeDatabase("db2"));
  TSW_ASSERT_OK(MakeTable("db1", "tb1"));
  TSW_ASSERT_OK(MakeTable("db1", "tb2"));
  TSW_ASSERT_OK(MakeTable("db2", "tb1"));
  auto dbs = catalog().ListDatabases({.max_results = 1});
  TSW_ASSERT_OK(dbs);
  auto tables_db1 = catalog().ListTables({.database_name = "db1", .max_results = 1});
  TSW_ASSERT_OK(tables_db1);
  auto all_tables = catalog().ListTables({.max_results = 1});
  TSW_ASSERT_OK(all_tables);
  ASSERT_TRUE(dbs->next_token && tables_db1->next_token && all_tables->next_token);

  for (const std::string& token :
       {std::string(""), std::string("!!!not base64!!!"), std::string("AAAA"),
        absl::WebSafeBase64Escape("hello"), *dbs->next_token + "x"}) {
    TSW_EXPECT_KIND(catalog().ListDatabases({.next_token = token}), ErrorKind::kValidation);
    TSW_EXPECT_KIND(catalog().ListTables({.next_token = token}), ErrorKind::kValidation);
  }
  // A token from one kind of listing is refused by another.
  TSW_EXPECT_KIND(catalog().ListTables({.next_token = dbs->next_token}), ErrorKind::kValidation);
  TSW_EXPECT_KIND(catalog().ListDatabases({.next_token = all_tables->next_token}),
                  ErrorKind::kValidation);
  TSW_EXPECT_KIND(catalog().ListTables({.next_token = tables_db1->next_token}),
                  ErrorKind::kValidation);
  TSW_EXPECT_KIND(
      catalog().ListTables({.database_name = "db2", .next_token = tables_db1->next_token}),
      ErrorKind::kValidation);
  TSW_EXPECT_KIND(
      catalog().ListTables({.database_name = "db1", .next_token = all_tables->next_token}),
      ErrorKind::kValidation);
  // The right token for the right request works.
  TSW_ASSERT_OK(
      catalog().ListTables({.database_name = "db1", .next_token = tables_db1->next_token}));
}

TEST_F(ListTest, ListTablesOfOneDatabaseOrOfAll) {
  TSW_ASSERT_OK(MakeDatabase("aaa"));
  TSW_ASSERT_OK(MakeDatabase("bbb"));
  TSW_ASSERT_OK(MakeDatabase("ccc"));  // No tables.
  TSW_ASSERT_OK(MakeDatabase("ddd"));
  std::vector<std::string> all;
  for (int i = 0; i < 9; ++i) {
    TSW_ASSERT_OK(MakeTable("aaa", Name("t", i)));
    all.push_back("aaa/" + Name("t", i));
  }
  for (int i = 0; i < 5; ++i) {
    TSW_ASSERT_OK(MakeTable("bbb", Name("t", i)));
    all.push_back("bbb/" + Name("t", i));
  }
  TSW_ASSERT_OK(MakeTable("ddd", "only"));
  all.push_back("ddd/only");

  std::vector<std::string> of_bbb(all.begin() + 9, all.begin() + 14);
  for (int32_t page : {1, 3, 4, 20}) {
    EXPECT_EQ(WalkTables(std::nullopt, page), all) << "page " << page;
    EXPECT_EQ(WalkTables("bbb", page), of_bbb) << "page " << page;
    EXPECT_TRUE(WalkTables("ccc", page).empty());
  }
  TSW_EXPECT_KIND(catalog().ListTables({.database_name = "nope"}), ErrorKind::kResourceNotFound);
  TSW_EXPECT_KIND(catalog().ListTables({.database_name = ""}), ErrorKind::kValidation);
}

// Pages resume strictly after the last returned name: with creates and deletes between
// pages, nothing is listed twice, and everything present throughout is listed.
TEST_F(ListTest, DatabaseWalkWithChangesBetweenPagesIsStable) {
  std::set<std::string> stable;
  for (int i = 0; i < 40; i += 2) {
    TSW_ASSERT_OK(MakeDatabase(Name("db", i)));
    stable.insert(Name("db", i));
  }
  std::set<std::string> doomed;
  for (int i = 1; i < 40; i += 4) {
    TSW_ASSERT_OK(MakeDatabase(Name("db", i)));
    doomed.insert(Name("db", i));
  }
  std::vector<std::string> seen;
  ListDatabasesRequest request{.max_results = 3};
  int step = 0;
  while (true) {
    auto r = catalog().ListDatabases(request);
    TSW_ASSERT_OK(r);
    for (const Database& db : r->databases) seen.push_back(db.database_name);
    if (!r->next_token) break;
    request.next_token = r->next_token;
    // Between pages: delete one doomed database, create a new odd one, and delete and
    // re-create the last name returned (the token names it; it must not come back).
    if (!doomed.empty()) {
      TSW_ASSERT_OK(catalog().DeleteDatabase({.database_name = *doomed.begin()}));
      doomed.erase(doomed.begin());
    }
    absl::Status created = MakeDatabase(Name("db", 3 + 4 * (step++ % 10)));
    EXPECT_TRUE(created.ok() || KindOf(created) == ErrorKind::kConflict) << created;
    const std::string last = seen.back();
    if (!stable.count(last) && catalog().DescribeDatabase({.database_name = last}).ok()) {
      TSW_ASSERT_OK(catalog().DeleteDatabase({.database_name = last}));
      TSW_ASSERT_OK(MakeDatabase(last));
    }
  }
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a database was listed twice";
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  for (const std::string& name : stable) EXPECT_TRUE(unique.count(name)) << name << " skipped";
}

TEST_F(ListTest, TableWalkAcrossDatabasesWithChangesBetweenPagesIsStable) {
  std::set<std::string> stable;
  for (const std::string db : {"db1", "db2", "db3", "db4"}) {
    TSW_ASSERT_OK(MakeDatabase(db));
    for (int i = 0; i < 7; ++i) {
      TSW_ASSERT_OK(MakeTable(db, Name("t", 2 * i)));
      stable.insert(db + "/" + Name("t", 2 * i));
    }
  }
  std::vector<std::string> seen;
  ListTablesRequest request{.max_results = 4};
  int step = 0;
  while (true) {
    auto r = catalog().ListTables(request);
    TSW_ASSERT_OK(r);
    for (const Table& t : r->tables) seen.push_back(t.database_name + "/" + t.table_name);
    if (!r->next_token) break;
    request.next_token = r->next_token;
    // Between pages: add odd tables everywhere (before and after the cursor), and empty
    // out a whole database that lies ahead only to be refilled.
    ++step;
    for (const std::string db : {"db1", "db2", "db3", "db4"}) {
      TSW_ASSERT_OK(MakeTable(db, Name("t", 2 * step + 1)));
    }
    if (step == 2) {
      TSW_ASSERT_OK(MakeDatabase("db25"));
      TSW_ASSERT_OK(MakeTable("db25", "x01"));
    }
    if (step == 3) {
      // The cursor's own table disappears; the walk must still resume after it.
      const std::string last = seen.back();
      const size_t slash = last.find('/');
      TSW_ASSERT_OK(catalog().DeleteTable(
          {.database_name = last.substr(0, slash), .table_name = last.substr(slash + 1)}));
      stable.erase(last);
    }
  }
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a table was listed twice";
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  for (const std::string& name : stable) EXPECT_TRUE(unique.count(name)) << name << " skipped";
}

TEST_F(ListTest, TokensSurviveARestart) {
  for (int i = 0; i < 5; ++i) TSW_ASSERT_OK(MakeDatabase(Name("db", i)));
  auto first = catalog().ListDatabases({.max_results = 2});
  TSW_ASSERT_OK(first);
  ASSERT_TRUE(Open().ok());
  auto second = catalog().ListDatabases({.next_token = first->next_token, .max_results = 2});
  TSW_ASSERT_OK(second);
  ASSERT_EQ(second->databases.size(), 2u);
  EXPECT_EQ(second->databases[0].database_name, "db002");
}

}  // namespace
}  // namespace tsw::catalog::testing
