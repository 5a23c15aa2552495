// Grouping by one key and ordering by one key (engine/query/group_table.h,
// output_sink.h): a single string or integer-like group key is looked up as it is, with
// NULL as a group of its own, and a single ORDER BY key is compared by its type, strings
// by an 8-byte prefix first. These check the answers those paths give against orders
// computed here: strings sharing long prefixes, of different lengths, with bytes above
// 0x7f; NULL keys under every NULLS rule; DESC; integer and double keys.
#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"

namespace tsw::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

class GroupOrderTest : public QueryTest {
 protected:
  // Hosts whose order needs more than their first 8 bytes, or unsigned bytes: one `x`
  // row each, in an order that is none of the answers'.
  const std::vector<std::string> hosts_ = {"host-aaaaaaa-10", "host-aaaaaaa-2",
                                           "host-aaa",        "host-aaaaaaa",
                                           "host-aaaaaaa-1",  "hos",
                                           "h\xc3\xa9",       "hz",
                                           "host-aaaaaaa-1-", "host-aaaaaaab"};

  void WriteHosts() {
    std::vector<Record> records;
    for (size_t i = 0; i < hosts_.size(); ++i) {
      records.push_back(Scalar(hosts_[i], "", "x", MeasureValueType::kBigint, absl::StrCat(i),
                               kN + static_cast<int64_t>(i) * kSecondNanos));
    }
    Write(std::move(records));
  }
};

TEST_F(GroupOrderTest, OneStringKeyOrdersAsWholeStringsCompare) {
  WriteHosts();
  // Bytes compare unsigned (0xc3 after 'z'), a string after its own prefixes.
  const std::vector<std::string> ascending = {"hos",
                                              "host-aaa",
                                              "host-aaaaaaa",
                                              "host-aaaaaaa-1",
                                              "host-aaaaaaa-1-",
                                              "host-aaaaaaa-10",
                                              "host-aaaaaaa-2",
                                              "host-aaaaaaab",
                                              "hz",
                                              "h\xc3\xa9"};
  EXPECT_THAT(Rows(R"(SELECT host FROM "fleet"."metrics" WHERE measure_name = 'x'
                      GROUP BY host ORDER BY host)"),
              ElementsAreArray(ascending));
  std::vector<std::string> descending(ascending.rbegin(), ascending.rend());
  EXPECT_THAT(Rows(R"(SELECT host FROM "fleet"."metrics" WHERE measure_name = 'x'
                      ORDER BY host DESC)"),
              ElementsAreArray(descending));
  // The last point of each: a group per host, each row its own.
  std::vector<std::string> latest;
  for (const std::string& host : ascending) {
    const size_t i = std::find(hosts_.begin(), hosts_.end(), host) - hosts_.begin();
    latest.push_back(absl::StrCat(host, "|", i));
  }
  EXPECT_THAT(Rows(R"(SELECT host, max_by(measure_value::bigint, time) FROM "fleet"."metrics"
                      WHERE measure_name = 'x' GROUP BY host ORDER BY host)"),
              ElementsAreArray(latest));
}

TEST_F(GroupOrderTest, NullStringKeysFollowTheNullsRule) {
  // Regions: eu (h1, h2), none (h3), and two more series of `mem`.
  Write({Scalar("h4", "us", "mem", MeasureValueType::kBigint, "4", kN),
         Scalar("h5", "ap", "mem", MeasureValueType::kBigint, "5", kN)});
  const std::string select = R"(SELECT region, count(*) FROM "fleet"."metrics"
                                WHERE measure_name = 'mem' GROUP BY region ORDER BY region )";
  EXPECT_THAT(Rows(select + "ASC NULLS LAST"), ElementsAre("ap|1", "eu|2", "us|1", "NULL|1"));
  EXPECT_THAT(Rows(select + "ASC NULLS FIRST"), ElementsAre("NULL|1", "ap|1", "eu|2", "us|1"));
  EXPECT_THAT(Rows(select + "DESC NULLS FIRST"), ElementsAre("NULL|1", "us|1", "eu|2", "ap|1"));
  EXPECT_THAT(Rows(select + "DESC NULLS LAST"), ElementsAre("us|1", "eu|2", "ap|1", "NULL|1"));
  EXPECT_THAT(Rows(select), ElementsAre("ap|1", "eu|2", "us|1", "NULL|1"));
}

TEST_F(GroupOrderTest, OneIntegerKeyGroupsWithNullAsItsOwnGroup) {
  // mem: 100 and 7 (h1), 3 (h3); the other 14 rows have no BIGINT value.
  EXPECT_THAT(Rows(R"(SELECT measure_value::bigint AS v, count(*) FROM "fleet"."metrics"
                      GROUP BY measure_value::bigint ORDER BY v NULLS FIRST)"),
              ElementsAre("NULL|14", "3|1", "7|1", "100|1"));
  EXPECT_THAT(Rows(R"(SELECT measure_value::bigint AS v, count(*) FROM "fleet"."metrics"
                      GROUP BY measure_value::bigint ORDER BY v DESC NULLS LAST)"),
              ElementsAre("100|1", "7|1", "3|1", "NULL|14"));
  // A time bin: the old rows at 07:10 and 07:11, the new at 08:30 and 08:31.
  EXPECT_THAT(Rows(R"(SELECT bin(time, 1h) AS hour, count(*) FROM "fleet"."metrics"
                      GROUP BY bin(time, 1h) ORDER BY hour DESC)"),
              ElementsAre("2027-01-15 08:00:00.000000000|10", "2027-01-15 07:00:00.000000000|7"));
}

TEST_F(GroupOrderTest, OneDoubleKeyOrdersByValue) {
  EXPECT_THAT(Rows(R"(SELECT measure_value::double AS v FROM "fleet"."metrics"
                      WHERE measure_name = 'cpu' ORDER BY v DESC)"),
              ElementsAre("40", "30", "20", "15", "11", "5", "3", "1"));
  EXPECT_THAT(Rows(R"(SELECT measure_value::double AS v, count(*) FROM "fleet"."metrics"
                      WHERE measure_name IN ('cpu', 'ok') GROUP BY measure_value::double
                      ORDER BY v NULLS FIRST LIMIT 3)"),
              ElementsAre("NULL|1", "1|1", "3|1"));
}

}  // namespace
}  // namespace tsw::testing
