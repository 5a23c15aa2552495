// Power cuts at random file operations while the engine runs a mixed workload on several
// threads, under both sync policies (see powercut_harness.h for what is checked). 16
// campaigns of 128 cuts: 2,048 cuts per `bazel test`.
//
// A longer campaign (tools/powercut.sh): TSW_POWERCUT_CUTS=<cuts> [TSW_POWERCUT_SEED=<s>]
// runs PowerCutCampaign.Long with that many cuts, split between the two policies, and
// prints its summary line.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/powercut/powercut_harness.h"

namespace tsw::testing::powercut {
namespace {

constexpr int64_t kCutsPerCampaign = 128;

void Report(const Summary& s) {
  for (const std::string& p : s.problems) std::printf("problem: %s\n", p.c_str());
  if (s.other > 0)
    std::printf("unexpected errors or wrong rejections: %lld\n", static_cast<long long>(s.other));
  std::printf("%s\n", s.Coverage().c_str());
  std::printf("%s\n", s.Line().c_str());
  std::fflush(stdout);
}

class PowerCutTest : public ::testing::TestWithParam<std::tuple<SyncPolicy, uint64_t>> {};

TEST_P(PowerCutTest, LosesNothingAcknowledgedAndInventsNothing) {
  CampaignOptions options;
  options.policy = std::get<0>(GetParam());
  options.seed = std::get<1>(GetParam());
  options.cuts = kCutsPerCampaign;
  const Summary s = RunCampaign(options);
  Report(s);
  EXPECT_GE(s.cuts, kCutsPerCampaign);
  EXPECT_GT(s.acknowledged, 0);
  EXPECT_TRUE(s.clean()) << s.Line() << "\n" << absl::StrJoin(s.problems, "\n");
}

INSTANTIATE_TEST_SUITE_P(Seeds, PowerCutTest,
                         ::testing::Combine(::testing::Values(SyncPolicy::kSyncBeforeAck,
                                                              SyncPolicy::kSyncPeriodically),
                                            ::testing::Range<uint64_t>(1, 9)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) == SyncPolicy::kSyncBeforeAck
                                                  ? "SyncBeforeAck"
                                                  : "Periodic") +
                                  "_" + std::to_string(std::get<1>(info.param));
                         });

TEST(PowerCutCampaign, Long) {
  const char* cuts_text = std::getenv("TSW_POWERCUT_CUTS");
  int64_t cuts = 0;
  if (cuts_text == nullptr || !absl::SimpleAtoi(cuts_text, &cuts) || cuts <= 0) {
    GTEST_SKIP() << "set TSW_POWERCUT_CUTS to run a long campaign";
  }
  uint64_t seed = 1000;
  if (const char* seed_text = std::getenv("TSW_POWERCUT_SEED"); seed_text != nullptr) {
    ASSERT_TRUE(absl::SimpleAtoi(seed_text, &seed));
  }
  Summary total;
  for (SyncPolicy policy : {SyncPolicy::kSyncBeforeAck, SyncPolicy::kSyncPeriodically}) {
    CampaignOptions options;
    options.policy = policy;
    options.seed = seed++;
    options.cuts = cuts / 2;
    total.Add(RunCampaign(options));
  }
  Report(total);
  EXPECT_TRUE(total.clean());
}

}  // namespace
}  // namespace tsw::testing::powercut
