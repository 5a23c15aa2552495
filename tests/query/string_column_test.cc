// StringColumn (api/tsw/query.h), a QueryColumn's VARCHAR rows: each row reads back the
// string appended for it, whether appended alone, as a run of one value, or as a slice of
// another column; a run of equal values is stored once; a permutation (maybe cut short)
// reorders rows, not values.
#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tsw/query.h"

namespace tsw {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Rows(const StringColumn& c) {
  std::vector<std::string> rows;
  for (const std::string& s : c) rows.push_back(s);
  EXPECT_EQ(rows.size(), c.size());
  for (size_t r = 0; r < c.size(); ++r) EXPECT_EQ(c[r], rows[r]);
  return rows;
}

TEST(StringColumnTest, RowsReadBackAsAppended) {
  StringColumn c;
  EXPECT_TRUE(c.empty());
  c.append("host_1", 3);
  c.push_back("host_1");
  c.push_back("");
  c.append("a string longer than any short-string buffer", 2);
  c.push_back("host_2");
  c.push_back("host_1");
  c.append("host_3", 0);
  EXPECT_FALSE(c.empty());
  EXPECT_THAT(Rows(c),
              ElementsAre("host_1", "host_1", "host_1", "host_1", "",
                          "a string longer than any short-string buffer",
                          "a string longer than any short-string buffer", "host_2", "host_1"));
  // Equal neighbours share a value; a value seen earlier but not just before is stored again.
  EXPECT_THAT(c.values(), ElementsAre("host_1", "", "a string longer than any short-string buffer",
                                      "host_2", "host_1", "host_3"));
  EXPECT_THAT(c.codes(), ElementsAre(0, 0, 0, 0, 1, 2, 2, 3, 4));
  c.clear();
  EXPECT_TRUE(c.empty());
  EXPECT_TRUE(c.values().empty());
  c.push_back("x");
  EXPECT_THAT(Rows(c), ElementsAre("x"));
}

// Runs of every length around append's eight-codes-a-store steps, after rows already held.
TEST(StringColumnTest, RunsOfAnyLengthHoldTheirValueOnEveryRow) {
  StringColumn c;
  c.push_back("first");
  std::vector<std::string> want = {"first"};
  std::vector<uint32_t> codes = {0};
  for (size_t n : {1, 7, 8, 9, 15, 16, 17, 24, 1023}) {
    const std::string value = "v" + std::to_string(n);
    c.append(value, n);
    want.insert(want.end(), n, value);
    codes.insert(codes.end(), n, static_cast<uint32_t>(c.values().size() - 1));
  }
  ASSERT_EQ(c.size(), want.size());
  EXPECT_EQ(Rows(c), want);
  EXPECT_EQ(c.codes(), codes);
  EXPECT_EQ(c.values().size(), 10u);
}

TEST(StringColumnTest, PermuteReordersAndCutsRows) {
  StringColumn c;
  c.append("b", 2);
  c.push_back("a");
  c.push_back("c");
  c.permute({3, 2, 0, 1});
  EXPECT_THAT(Rows(c), ElementsAre("c", "a", "b", "b"));
  c.permute({1, 0});
  EXPECT_THAT(Rows(c), ElementsAre("a", "c"));
  c.push_back("c");  // After a permutation, appends still read back as appended.
  c.push_back("d");
  EXPECT_THAT(Rows(c), ElementsAre("a", "c", "c", "d"));
}

TEST(StringColumnTest, AppendsSlicesOfAnotherColumn) {
  StringColumn from;
  from.append("us-west-1", 3);
  from.push_back("eu-central-1");
  from.append("us-west-1", 2);
  StringColumn to;
  to.push_back("first");
  to.append(from, 2, 5);
  to.append(from, 0, 0);
  EXPECT_THAT(Rows(to), ElementsAre("first", "us-west-1", "eu-central-1", "us-west-1"));
  EXPECT_THAT(to.values(), ElementsAre("first", "us-west-1", "eu-central-1", "us-west-1"));
}

// A column goes where a std::vector<std::string> of its rows went: into a vector's
// range constructor, std::find and std::count, std::distance.
TEST(StringColumnTest, IteratesAsAForwardRangeOfItsRows) {
  StringColumn c;
  c.append("h1", 2);
  c.push_back("h2");
  c.push_back("h1");
  const std::vector<std::string> rows(c.begin(), c.end());
  EXPECT_THAT(rows, ElementsAre("h1", "h1", "h2", "h1"));
  EXPECT_EQ(std::count(c.begin(), c.end(), "h1"), 3);
  EXPECT_EQ(std::distance(c.begin(), std::find(c.begin(), c.end(), "h2")), 2);
  EXPECT_EQ(c.begin()->size(), 2u);
  StringColumn::const_iterator it = c.begin();
  EXPECT_EQ(*it++, "h1");
  EXPECT_EQ(std::distance(it, c.end()), 3);
}

}  // namespace
}  // namespace tsw
