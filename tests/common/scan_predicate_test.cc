#include "engine/common/scan_predicate.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tsw/status.h"

namespace tsw {
namespace {

ScanRequest Range(int64_t start, int64_t end) {
  ScanRequest request;
  request.start_time_nanos = start;
  request.end_time_nanos = end;
  return request;
}

TEST(ScanPredicateTest, RejectsBatchSizeZeroOrNegative) {
  for (int32_t size : {0, -1, INT32_MIN}) {
    ScanRequest request;
    request.max_rows_per_batch = size;
    absl::StatusOr<ScanPredicate> p = ScanPredicate::Make(request);
    ASSERT_FALSE(p.ok()) << size;
    EXPECT_EQ(KindOf(p.status()), ErrorKind::kValidation);
    EXPECT_NE(p.status().message().find("max_rows_per_batch must be at least 1"),
              absl::string_view::npos);
  }
}

TEST(ScanPredicateTest, AcceptsBatchSizeOneAndMax) {
  for (int32_t size : {1, INT32_MAX}) {
    ScanRequest request;
    request.max_rows_per_batch = size;
    absl::StatusOr<ScanPredicate> p = ScanPredicate::Make(request);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->max_rows_per_batch(), static_cast<size_t>(size));
  }
}

TEST(ScanPredicateTest, DefaultRequestMatchesEveryTime) {
  ScanRequest request;
  absl::StatusOr<ScanPredicate> p = ScanPredicate::Make(request);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->empty());
  EXPECT_EQ(p->first_time(), INT64_MIN);
  EXPECT_EQ(p->last_time(), INT64_MAX - 1);  // End is exclusive.
  EXPECT_TRUE(p->TimeMatches(INT64_MIN));
  EXPECT_TRUE(p->TimeMatches(INT64_MAX - 1));
  EXPECT_FALSE(p->TimeMatches(INT64_MAX));
}

TEST(ScanPredicateTest, StartEqualToEndIsEmpty) {
  for (int64_t t : {INT64_MIN, int64_t{-1}, int64_t{0}, int64_t{7}, INT64_MAX}) {
    absl::StatusOr<ScanPredicate> p = ScanPredicate::Make(Range(t, t));
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p->empty()) << t;
    EXPECT_FALSE(p->TimeMatches(t)) << t;
  }
}

TEST(ScanPredicateTest, StartAfterEndIsEmpty) {
  EXPECT_TRUE(ScanPredicate::Make(Range(10, 5))->empty());
  EXPECT_TRUE(ScanPredicate::Make(Range(INT64_MAX, INT64_MIN))->empty());
}

TEST(ScanPredicateTest, EndAtInt64MinIsEmptyWithoutOverflow) {
  absl::StatusOr<ScanPredicate> p = ScanPredicate::Make(Range(INT64_MIN, INT64_MIN));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->empty());
}

TEST(ScanPredicateTest, OneNanosecondRangeHoldsItsStartOnly) {
  absl::StatusOr<ScanPredicate> p = ScanPredicate::Make(Range(INT64_MIN, INT64_MIN + 1));
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->empty());
  EXPECT_EQ(p->first_time(), INT64_MIN);
  EXPECT_EQ(p->last_time(), INT64_MIN);
  EXPECT_TRUE(p->TimeMatches(INT64_MIN));
  EXPECT_FALSE(p->TimeMatches(INT64_MIN + 1));

  p = ScanPredicate::Make(Range(INT64_MAX - 1, INT64_MAX));
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->empty());
  EXPECT_EQ(p->first_time(), INT64_MAX - 1);
  EXPECT_EQ(p->last_time(), INT64_MAX - 1);
  EXPECT_FALSE(p->TimeMatches(INT64_MAX));
}

TEST(ScanPredicateTest, NoFilterMatchesEverySeries) {
  ScanRequest request;
  absl::StatusOr<ScanPredicate> p = ScanPredicate::Make(request);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->SeriesMatches({}));
  EXPECT_TRUE(p->SeriesMatches({{"host", "a"}, {"region", "eu"}}));
}

TEST(ScanPredicateTest, FilterNeedsEveryDimensionWithAnEqualValue) {
  ScanRequest request;
  request.dimension_filters = {{"region", "eu"}, {"host", "a"}};  // Any order.
  absl::StatusOr<ScanPredicate> p = ScanPredicate::Make(request);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->SeriesMatches({{"az", "1"}, {"host", "a"}, {"region", "eu"}}));
  EXPECT_FALSE(p->SeriesMatches({{"host", "a"}}));                    // region missing.
  EXPECT_FALSE(p->SeriesMatches({{"host", "b"}, {"region", "eu"}}));  // host differs.
  EXPECT_FALSE(p->SeriesMatches({}));  // A series without dimensions.
  EXPECT_FALSE(p->SeriesMatches({{"hostname", "a"}, {"region", "eu"}}));  // Name prefix only.
}

TEST(ScanPredicateTest, FiltersSortedByNameOrNotMatchTheSameSeries) {
  const std::vector<std::vector<Dimension>> series = {
      {{"az", "1"}, {"host", "a"}, {"region", "eu"}},
      {{"host", "a"}, {"region", "eu"}},
      {{"host", "a"}, {"region", "us"}},
      {{"az", "1"}, {"host", "a"}},
      {{"host", "a"}, {"hostname", "a"}, {"region", "eu"}},
      {{"region", "eu"}},
      {{"a", "x"}, {"b", "x"}, {"host", "a"}, {"z", "x"}},
      {}};
  const std::vector<std::vector<Dimension>> filters = {
      {{"host", "a"}, {"region", "eu"}},               // Sorted.
      {{"region", "eu"}, {"host", "a"}},               // Not sorted.
      {{"az", "1"}, {"host", "a"}, {"region", "eu"}},  // A whole series, sorted.
      {{"host", "a"}, {"host", "a"}},                  // A name twice.
      {{"host", "a"}, {"host", "b"}},
      {{"a", "x"}, {"z", "x"}},
      {{"zz", ""}}};
  // Reference: every filter has a dimension of its name and value in the series.
  for (const auto& f : filters) {
    ScanRequest request;
    request.dimension_filters = f;
    absl::StatusOr<ScanPredicate> p = ScanPredicate::Make(request);
    ASSERT_TRUE(p.ok());
    for (const auto& s : series) {
      bool want = true;
      for (const Dimension& d : f) {
        want = want && std::any_of(s.begin(), s.end(), [&](const Dimension& x) {
                 return x.name == d.name && x.value == d.value;
               });
      }
      EXPECT_EQ(p->SeriesMatches(s), want) << f.size() << " filters, series of " << s.size();
    }
  }
}

TEST(ScanPredicateTest, FilterOnEmptyValueNeedsTheDimension) {
  ScanRequest request;
  request.dimension_filters = {{"host", ""}};
  absl::StatusOr<ScanPredicate> p = ScanPredicate::Make(request);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->SeriesMatches({}));
  EXPECT_TRUE(p->SeriesMatches({{"host", ""}}));
}

}  // namespace
}  // namespace tsw
