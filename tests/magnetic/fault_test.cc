// The magnetic store on a full or failing disk: a failed AddSegment or Compact loses
// nothing, and what it left behind is removed by the next pass that succeeds.

#include <cerrno>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "engine/magnetic/magnetic_store.h"
#include "gtest/gtest.h"
#include "tests/common/fault_env.h"

namespace tsw::magnetic {
namespace {

using testing::Fault;
using testing::FaultEnv;
using testing::FaultOp;

constexpr char kDir[] = "/data/magnetic";

RowBatch Points(int64_t first, int n) {
  RowBatch b;
  b.dimensions = {{"host", "h1"}};
  b.measure_name = "cpu";
  b.measure_value_type = MeasureValueType::kDouble;
  RowColumn c;
  c.name = "cpu";
  c.type = MeasureValueType::kDouble;
  for (int i = 0; i < n; ++i) {
    b.time_nanos.push_back(first + i);
    b.versions.push_back(1);
    c.doubles.push_back(static_cast<double>(first + i));
  }
  b.columns.push_back(std::move(c));
  return b;
}

class MagneticFaultTest : public ::testing::Test {
 protected:
  std::unique_ptr<MagneticStore> Open() {
    MagneticOptions options;
    options.env = &env_;
    options.compaction_min_segments = 2;
    absl::StatusOr<std::unique_ptr<MagneticStore>> store = MagneticStore::Open(kDir, options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::map<int64_t, double> ScanAll(MagneticStore& store) {
    std::map<int64_t, double> rows;
    absl::Status s = store.Scan({}, [&rows](const RowBatch& b) {
      for (size_t i = 0; i < b.time_nanos.size(); ++i)
        rows[b.time_nanos[i]] = b.columns[0].doubles[i];
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return rows;
  }

  size_t SegmentFiles() {
    size_t n = 0;
    absl::StatusOr<std::vector<std::string>> names = env_.ListDir(kDir);
    for (const std::string& name : names.value_or(std::vector<std::string>())) {
      n += name != "MANIFEST";
    }
    return n;
  }

  FaultEnv env_;
};

TEST_F(MagneticFaultTest, FailedPassesLoseNothingAndTheirLeftoversGoNextPass) {
  std::unique_ptr<MagneticStore> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->AddSegment({Points(0, 100)}, "").ok());
  ASSERT_TRUE(store->AddSegment({Points(100, 100)}, "").ok());
  const std::map<int64_t, double> before = ScanAll(*store);
  ASSERT_EQ(before.size(), 200u);

  // The new segment is written, but the manifest naming it is not.
  env_.InjectFault(
      Fault{.op = FaultOp::kWrite, .times = -1, .err = ENOSPC, .path_contains = "MANIFEST"});
  absl::Status added = store->AddSegment({Points(200, 100)}, "");
  EXPECT_EQ(ErrnoOf(added), ENOSPC) << added;
  EXPECT_FALSE(store->Compact().ok());
  EXPECT_EQ(ScanAll(*store), before);
  EXPECT_FALSE(store->Verify().empty());  // The leftovers are not in the manifest.

  // The next successful pass removes them.
  env_.ClearFaults();
  ASSERT_TRUE(store->AddSegment({Points(300, 100)}, "").ok());
  std::map<int64_t, double> after = before;
  for (int64_t t = 300; t < 400; ++t) after[t] = static_cast<double>(t);
  EXPECT_EQ(ScanAll(*store), after);
  EXPECT_TRUE(store->Verify().empty()) << absl::StrJoin(store->Verify(), "; ");
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(ScanAll(*store), after);
  EXPECT_TRUE(store->Verify().empty());
  EXPECT_EQ(SegmentFiles(), store->Stats().segments.size());

  store.reset();
  env_.CutPower();
  env_.PowerOn();
  store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(ScanAll(*store), after);
}

}  // namespace
}  // namespace tsw::magnetic
