// The WHERE's bounds a scan may leave blocks out by (engine/query/value_bounds.h): only
// comparisons of one DOUBLE or BIGINT attribute with a numeric constant that are AND-ed
// at the WHERE's top; anything under an OR or a NOT, and every other shape, gives none.
#include "engine/query/value_bounds.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/query/binder.h"
#include "engine/query/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tsw::query {
namespace {

// A table of MULTI measure "m": x DOUBLE, y BIGINT, s VARCHAR, t TIMESTAMP; dimension host.
class Source : public QuerySource {
 public:
  absl::StatusOr<TableColumns> Columns(std::string_view, std::string_view) override {
    TableColumns c;
    c.dimensions = {"host"};
    c.measures = {{"m", MeasureValueType::kMulti}};
    c.attributes = {{"s", MeasureValueType::kVarchar},
                    {"t", MeasureValueType::kTimestamp},
                    {"x", MeasureValueType::kDouble},
                    {"y", MeasureValueType::kBigint}};
    return c;
  }
  absl::Status Scan(const ScanRequest&, const std::function<bool(const ScanBatch&)>&) override {
    return absl::OkStatus();
  }
  int64_t NowNanos() const override { return 0; }
};

std::string Text(const ValueBound& b) {
  static const char* const kOps[] = {"<", "<=", ">", ">=", "="};
  return absl::StrCat(b.attribute, b.type == MeasureValueType::kBigint ? ":bigint" : ":double", " ",
                      kOps[static_cast<int>(b.op)], " ",
                      b.integer ? absl::StrCat(b.i) : absl::StrCat(b.d, "d"));
}

// The bounds of `where` over the table above, as text.
std::vector<std::string> Bounds(const std::string& where) {
  auto select = Parse(absl::StrCat("SELECT x, y, s, t FROM \"db\".\"tb\" WHERE ", where));
  EXPECT_TRUE(select.ok()) << select.status();
  if (!select.ok()) return {"parse error"};
  Source source;
  auto plan = BuildPlan(**select, source, EvalContext{});
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return {"bind error"};
  std::vector<std::string> out;
  for (const ValueBound& b : WhereValueBounds(**plan)) out.push_back(Text(b));
  return out;
}

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ValueBoundsTest, ComparisonsWithAConstantAtTheTopAreBounds) {
  EXPECT_THAT(Bounds("x > 90"), ElementsAre("x:double > 90"));
  EXPECT_THAT(Bounds("x > 90.5"), ElementsAre("x:double > 90.5d"));
  EXPECT_THAT(Bounds("90 < x"), ElementsAre("x:double > 90"));
  EXPECT_THAT(Bounds("3 >= y"), ElementsAre("y:bigint <= 3"));
  EXPECT_THAT(Bounds("y = 4 AND x < 1.5 AND x >= -2.5"),
              ElementsAre("y:bigint = 4", "x:double < 1.5d", "x:double >= -2.5d"));
  EXPECT_THAT(Bounds("x BETWEEN 1 AND 2"), ElementsAre("x:double >= 1", "x:double <= 2"));
  EXPECT_THAT(Bounds("-3 > y AND x <= -0.5"), ElementsAre("y:bigint < -3", "x:double <= -0.5d"));
  EXPECT_THAT(Bounds("measure_name = 'm' AND host = 'a' AND x > 1 AND s = 'q'"),
              ElementsAre("x:double > 1"));
}

TEST(ValueBoundsTest, NothingUnderAnOrOrANot) {
  EXPECT_THAT(Bounds("x > 90 OR x < 5"), IsEmpty());
  EXPECT_THAT(Bounds("x > 90 OR y < 5"), IsEmpty());
  EXPECT_THAT(Bounds("(x > 90 AND y = 1) OR y = 2"), IsEmpty());
  EXPECT_THAT(Bounds("NOT (x > 90)"), IsEmpty());
  EXPECT_THAT(Bounds("NOT (x > 90 AND y = 1)"), IsEmpty());
  EXPECT_THAT(Bounds("x NOT BETWEEN 1 AND 2"), IsEmpty());
  EXPECT_THAT(Bounds("x > 90 AND (y < 1 OR y > 5)"), ElementsAre("x:double > 90"));
  EXPECT_THAT(Bounds("x > 90 AND NOT (y < 1)"), ElementsAre("x:double > 90"));
}

TEST(ValueBoundsTest, OtherShapesAreNotBounds) {
  EXPECT_THAT(Bounds("x + 1 > 90"), IsEmpty());
  EXPECT_THAT(Bounds("x > 1 - 2"), IsEmpty());
  EXPECT_THAT(Bounds("x > -(-2)"), IsEmpty());
  EXPECT_THAT(Bounds("x > y"), IsEmpty());
  EXPECT_THAT(Bounds("x <> 3"), IsEmpty());
  EXPECT_THAT(Bounds("x IS NULL"), IsEmpty());
  EXPECT_THAT(Bounds("x IN (1, 2)"), IsEmpty());
  EXPECT_THAT(Bounds("s = 'a'"), IsEmpty());
  EXPECT_THAT(Bounds("abs(x) > 3"), IsEmpty());
}

}  // namespace
}  // namespace tsw::query
