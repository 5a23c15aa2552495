// ScanRequest::attributes (column projection) across both tiers: a MULTI batch carries only
// the requested attributes the measure has, every row still comes (with no column when it
// has none of them), and scalar measures are unaffected; in the memory store, in segments,
// and where a scan merges both.
#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/table/tier_test_util.h"

namespace tsw::testing {
namespace {

// `all` with each MULTI value cut down to the attributes in `names` (empty: all of them).
Contents Project(const Contents& all, const std::vector<std::string>& names) {
  if (names.empty()) return all;
  Contents out;
  for (const auto& [key, row] : all) {
    Row projected = row;
    if (row.type == MeasureValueType::kMulti) {
      std::string text;
      for (absl::string_view part : absl::StrSplit(row.value, ';', absl::SkipEmpty())) {
        const std::string name(part.substr(0, part.find('=')));
        if (std::find(names.begin(), names.end(), name) == names.end()) continue;
        absl::StrAppend(&text, text.empty() ? "" : ";", part);
      }
      projected.value = text;
    }
    out.emplace(key, projected);
  }
  return out;
}

class ProjectionTest : public TierFixture {
 protected:
  // Scans with `request` and checks that no MULTI batch has a column it did not ask for.
  Contents ScanProjected(const ScanRequest& request) {
    Contents out;
    absl::Status s = store_->Scan(request, [&](const ScanBatch& b) {
      if (b.measure_value_type == MeasureValueType::kMulti && !request.attributes.empty()) {
        for (const ScanColumn& c : b.columns) {
          EXPECT_NE(std::find(request.attributes.begin(), request.attributes.end(), c.name),
                    request.attributes.end())
              << "column " << c.name << " was not asked for";
        }
      }
      CollectBatch(b, &out);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  // Random projections (with names the table lacks, a scalar measure's name and the
  // empty name), ranges and batch sizes return the model's rows, projected.
  void ExpectProjectionsMatch(const Contents& expected, std::mt19937_64& rng) {
    static const char* const kNames[] = {"load", "mode", "apps", "cpu", "nope", ""};
    for (int i = 0; i < 24; ++i) {
      ScanRequest r;
      for (const char* name : kNames) {
        if (rng() % 3 == 0) r.attributes.push_back(name);
      }
      if (rng() % 2) r.start_time_nanos = kNowNanos - static_cast<int64_t>(rng() % (4 * kHour));
      if (rng() % 3 == 0) r.measure_names = {"metrics"};
      r.max_rows_per_batch = static_cast<int32_t>(1 + rng() % 50);
      EXPECT_EQ(ScanProjected(r), Project(Filter(expected, r), r.attributes))
          << "scan " << i << " attributes " << absl::StrJoin(r.attributes, ",");
    }
  }
};

TEST_F(ProjectionTest, ReturnsOnlyTheRequestedAttributesInTheMemoryStore) {
  std::mt19937_64 rng(11);
  Model model;
  WriteAll(MixedRecords(rng, 1500, clock_.NowNanos(), 30 * kMinute, 1, &model));
  EXPECT_EQ(Stats().magnetic_points, 0);
  ExpectProjectionsMatch(model.rows(), rng);
}

TEST_F(ProjectionTest, ReturnsOnlyTheRequestedAttributesFromSegmentsAndMergedTiers) {
  std::mt19937_64 rng(12);
  Model model;
  WriteAll(MixedRecords(rng, 1500, clock_.NowNanos(), kHour, 1, &model));
  for (int step = 0; step < 4; ++step) {
    clock_.Advance(25 * kMinute);
    WriteAll(MixedRecords(rng, 400, clock_.NowNanos(), 30 * kMinute, 1, &model));
    ASSERT_TRUE(Maintain().ok());
    ExpectProjectionsMatch(model.rows(), rng);
  }
  EXPECT_GT(Stats().magnetic_points, 0);
  EXPECT_GT(Stats().memory_points, 0);
  // Everything in segments.
  clock_.Advance(3 * kHour);
  ASSERT_TRUE(Maintain().ok());
  EXPECT_EQ(Stats().memory_points, 0);
  ExpectProjectionsMatch(model.rows(), rng);
}

TEST_F(ProjectionTest, KeepsRowsThatHaveNoneOfTheRequestedAttributes) {
  ASSERT_TRUE(WriteOne(MultiRec({Dim("host", "a")}, "mm", {Attr("x", "1.5")})).ok());
  ASSERT_TRUE(WriteOne(MultiRec({Dim("host", "a")}, "mm",
                                {Attr("y", "7", MeasureValueType::kBigint)}, kNowMillis + 1))
                  .ok());
  for (const std::vector<std::string>& names :
       {std::vector<std::string>{"y"}, std::vector<std::string>{""}}) {
    ScanRequest r;
    r.attributes = names;
    size_t rows = 0;
    ASSERT_TRUE(store_
                    ->Scan(r,
                           [&](const ScanBatch& b) {
                             rows += b.time_nanos.size();
                             EXPECT_EQ(b.columns.size(), names[0] == "y" ? 1u : 0u);
                             for (const ScanColumn& c : b.columns) {
                               EXPECT_EQ(c.name, "y");
                               EXPECT_EQ(c.present, std::vector<uint8_t>({0, 1}));
                               EXPECT_EQ(c.ints.at(1), 7);
                             }
                             return true;
                           })
                    .ok());
    EXPECT_EQ(rows, 2u);
  }
}

}  // namespace
}  // namespace tsw::testing
