// Version upserts: the reference's worked example, idempotent re-sends, rejections with
// ExistingVersion, duplicates inside one request, MULTI equality.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/table/table_test_util.h"

namespace tsw::testing {
namespace {

class VersionsTest : public TableFixture {
 protected:
  Row Stored() { return Scan().at(RowKey("host=a", "m", kNowNanos)); }
  static Record At(std::string value, std::optional<int64_t> version = std::nullopt) {
    return Rec({Dim("host", "a")}, "m", std::move(value), kNowMillis, std::nullopt, version);
  }
};

const auto kDouble = MeasureValueType::kDouble;

// The reference's example, step by step.
TEST_F(VersionsTest, FollowsTheReferencesWorkedExample) {
  // A new record without Version is stored with Version 1.
  ASSERT_TRUE(WriteOne(At("10")).ok());
  EXPECT_EQ(Stored(), (Row{1, kDouble, "10"}));
  // A different value, again without Version: rejected, ExistingVersion 1.
  RejectedRecord r = OnlyRejection(WriteOne(At("20")));
  EXPECT_EQ(r.existing_version, 1);
  EXPECT_NE(r.reason.find("Version"), std::string::npos);
  EXPECT_EQ(Stored(), (Row{1, kDouble, "10"}));
  // Re-sent with Version 2: value and Version updated.
  ASSERT_TRUE(WriteOne(At("20", 2)).ok());
  EXPECT_EQ(Stored(), (Row{2, kDouble, "20"}));
  // The same value with Version 3: only the Version moves.
  ASSERT_TRUE(WriteOne(At("20", 3)).ok());
  EXPECT_EQ(Stored(), (Row{3, kDouble, "20"}));
  // Further updates need a Version above 3.
  r = OnlyRejection(WriteOne(At("30", 3)));
  EXPECT_EQ(r.existing_version, 3);
  r = OnlyRejection(WriteOne(At("30", 2)));
  EXPECT_EQ(r.existing_version, 3);
  ASSERT_TRUE(WriteOne(At("30", 4)).ok());
  EXPECT_EQ(Stored(), (Row{4, kDouble, "30"}));
}

TEST_F(VersionsTest, CountsAnIdenticalResendAsIngestedAndChangesNothing) {
  ASSERT_TRUE(WriteOne(At("10", 5)).ok());
  const int64_t wal_bytes = store_->Stats().wal_bytes;
  for (std::optional<int64_t> version :
       {std::optional<int64_t>(5), std::optional<int64_t>(2), std::optional<int64_t>()}) {
    absl::StatusOr<WriteRecordsResponse> r = Write({At("10", version)});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->records_ingested.total, 1);
    EXPECT_EQ(r->records_ingested.memory_store, 1);
    EXPECT_EQ(Stored(), (Row{5, kDouble, "10"}));
  }
  EXPECT_EQ(store_->Stats().wal_bytes, wal_bytes) << "a no-op is not logged";
  // Numerically equal spellings are the same value.
  ASSERT_TRUE(WriteOne(At("1.0e1", 5)).ok());
  EXPECT_EQ(Stored(), (Row{5, kDouble, "10"}));
}

TEST_F(VersionsTest, ResolvesDuplicatesWithinOneRequestInRequestOrder) {
  // Second differs without a higher version: rejected against the first.
  absl::Status s = Write({At("1"), At("2")}).status();
  RejectedRecord r = OnlyRejection(s);
  EXPECT_EQ(r.record_index, 1);
  EXPECT_EQ(r.existing_version, 1);
  EXPECT_EQ(Stored(), (Row{1, kDouble, "1"}));
  // A chain of increasing versions ends at the last.
  ASSERT_TRUE(Write({At("3", 2), At("4", 3), At("4", 4)}).ok());
  EXPECT_EQ(Stored(), (Row{4, kDouble, "4"}));
  // A lower version of the same value after a higher one is a no-op, counted.
  absl::StatusOr<WriteRecordsResponse> ok = Write({At("5", 6), At("5", 5)});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->records_ingested.total, 2);
  EXPECT_EQ(Stored(), (Row{6, kDouble, "5"}));
}

TEST_F(VersionsTest, KeepsTheResolutionAcrossReopen) {
  ASSERT_TRUE(Write({At("1"), At("2", 2), At("2", 3)}).ok());
  ReopenStore();
  EXPECT_EQ(Stored(), (Row{3, kDouble, "2"}));
  EXPECT_EQ(OnlyRejection(WriteOne(At("9", 3))).existing_version, 3);
}

TEST_F(VersionsTest, ComparesMultiRecordsAttributeByAttribute) {
  const std::vector<Dimension> host = {Dim("host", "a")};
  auto stored = [this] { return Scan().at(RowKey("host=a", "mm", kNowNanos)); };
  ASSERT_TRUE(WriteOne(MultiRec(host, "mm", {Attr("a", "1"), Attr("b", "2")})).ok());
  // Same attributes in another order: the same value, an idempotent success.
  EXPECT_TRUE(WriteOne(MultiRec(host, "mm", {Attr("b", "2.0"), Attr("a", "1")})).ok());
  // A missing attribute, an extra one, or one changed value: different.
  EXPECT_EQ(OnlyRejection(WriteOne(MultiRec(host, "mm", {Attr("a", "1")}))).existing_version, 1);
  EXPECT_EQ(OnlyRejection(
                WriteOne(MultiRec(host, "mm", {Attr("a", "1"), Attr("b", "2"), Attr("c", "3")})))
                .existing_version,
            1);
  EXPECT_EQ(OnlyRejection(WriteOne(MultiRec(host, "mm", {Attr("a", "1"), Attr("b", "3")})))
                .existing_version,
            1);
  EXPECT_EQ(stored().value, "a=1;b=2");
  // A higher version replaces the whole row: attributes not sent become absent.
  ASSERT_TRUE(WriteOne(MultiRec(host, "mm", {Attr("c", "3")}, kNowMillis, 2)).ok());
  EXPECT_EQ(stored(), (Row{2, MeasureValueType::kMulti, "c=3"}));
}

TEST_F(VersionsTest, ComparesVarcharValuesExactly) {
  const auto varchar = MeasureValueType::kVarchar;
  const std::vector<Dimension> host = {Dim("host", "a")};
  ASSERT_TRUE(WriteOne(Rec(host, "s", "abc", kNowMillis, varchar)).ok());
  EXPECT_TRUE(WriteOne(Rec(host, "s", "abc", kNowMillis, varchar)).ok());
  EXPECT_EQ(OnlyRejection(WriteOne(Rec(host, "s", "ABC", kNowMillis, varchar))).existing_version,
            1);
  EXPECT_EQ(
      OnlyRejection(WriteOne(Rec(host, "s", "never seen", kNowMillis, varchar))).existing_version,
      1);
}

// Requests whose records each name another of thousands of series (the table store then
// prefetches their rows before applying the request, engine/table/table_store.cc): the
// same rules, including series whose first column is another measure and MULTI rows.
TEST_F(VersionsTest, AppliesTheRulesAlikeAcrossThousandsOfSeries) {
  constexpr int kSeries = 4000;
  const int64_t t0 = kNowMillis - 10, t1 = kNowMillis - 9;
  Contents expected;
  auto host = [](int i) { return std::vector<Dimension>{Dim("host", absl::StrCat("h", i))}; };
  auto key = [](int i, std::string measure, int64_t millis) {
    return RowKey(absl::StrCat("host=h", i), std::move(measure), millis * 1000000);
  };
  // Writes `make(i)` for every series, 100 records a request; returns the rejections.
  auto pass = [&](const std::function<Record(int)>& make) {
    size_t rejected = 0;
    for (int first = 0; first < kSeries; first += 100) {
      std::vector<Record> records;
      for (int i = first; i < first + 100; ++i) records.push_back(make(i));
      absl::Status s = Write(std::move(records)).status();
      if (!s.ok()) rejected += RejectedRecordsOf(s).size();
    }
    return rejected;
  };
  // Every seventh series gets measure "n" first.
  EXPECT_EQ(pass([&](int i) {
              const std::string measure = i % 7 == 0 ? "n" : "m";
              expected[key(i, measure, t0)] = Row{1, kDouble, absl::StrCat(i)};
              return Rec(host(i), measure, absl::StrCat(i), t0);
            }),
            0u);
  EXPECT_EQ(pass([&](int i) {
              expected[key(i, "m", t1)] = Row{1, kDouble, absl::StrCat(i)};
              return Rec(host(i), "m", absl::StrCat(i), t1);
            }),
            0u);
  // The newest rows again: a higher Version replaces, a different value without one is
  // rejected, the same value is an idempotent success.
  EXPECT_EQ(pass([&](int i) {
              if (i % 3 == 0) {
                expected[key(i, "m", t1)] = Row{2, kDouble, absl::StrCat(i, ".5")};
                return Rec(host(i), "m", absl::StrCat(i, ".5"), t1, std::nullopt, 2);
              }
              return Rec(host(i), "m", absl::StrCat(i + (i % 3 == 1 ? 1 : 0)), t1);
            }),
            static_cast<size_t>(kSeries / 3));
  EXPECT_EQ(pass([&](int i) {
              expected[key(i, "mm", t1)] =
                  Row{1, MeasureValueType::kMulti, absl::StrCat("a=", i, ";b=", 2 * i)};
              return MultiRec(host(i), "mm",
                              {Attr("a", absl::StrCat(i)),
                               Attr("b", absl::StrCat(2 * i), MeasureValueType::kBigint)},
                              t1);
            }),
            0u);
  EXPECT_EQ(pass([&](int i) {
              if (i % 2 == 0) expected[key(i, "mm", t1)] = Row{2, MeasureValueType::kMulti, "a=0"};
              return MultiRec(host(i), "mm", {Attr("a", "0")}, t1, i % 2 == 0 ? 2 : 1);
            }),
            static_cast<size_t>(kSeries / 2));
  EXPECT_EQ(Scan(), expected);
  ReopenStore();
  EXPECT_EQ(Scan(), expected);
}

}  // namespace
}  // namespace tsw::testing
