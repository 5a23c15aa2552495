// `tsw serve` on a full disk: every request gets an answer, WriteRecords one an SDK
// retries (ThrottlingException, HTTP 429), and writes work again once there is room.

#include <cerrno>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/wire/api_json.h"
#include "gtest/gtest.h"
#include "tests/common/fault_env.h"
#include "tools/server/dispatcher.h"
#include "tsw/engine.h"
#include "tsw/status.h"

namespace tsw::server {
namespace {

std::string WriteBody(int n) {
  std::string records;
  for (int j = 0; j < 100; ++j) {
    absl::StrAppend(&records, j == 0 ? "" : ",", R"({"Dimensions":[{"Name":"host","Value":"h1"}],)",
                    R"("MeasureName":"load","MeasureValue":")", n, ".", j, R"(","Time":")",
                    absl::ToUnixMillis(absl::Now()) - 100000 + n * 100 + j, R"("})");
  }
  return absl::StrCat(R"({"DatabaseName":"fleet","TableName":"cpu","Records":[)", records, "]}");
}

TEST(FullDiskDispatchTest, AnswersEveryRequestAndRecoversWithoutARestart) {
  testing::FaultEnv env;
  Options options;
  options.env = &env;
  options.background_maintenance = false;
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open("/data", options);
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto call = [&](absl::string_view operation, const std::string& body) {
    return Dispatch(**engine, operation, body, DispatchContext{"127.0.0.1:4242"});
  };
  ASSERT_TRUE(call("CreateDatabase", R"({"DatabaseName":"fleet"})").ok());
  ASSERT_TRUE(call("CreateTable", R"({"DatabaseName":"fleet","TableName":"cpu"})").ok());
  ASSERT_TRUE(call("WriteRecords", WriteBody(0)).ok());

  env.SetCapacity(env.BytesUsed());
  // Writes go on into the log's preallocated room; once it is used up, all are throttled.
  int first_throttled = -1;
  for (int n = 1; n < 500; ++n) {
    absl::StatusOr<std::string> answer = call("WriteRecords", WriteBody(n));
    if (answer.ok()) {
      EXPECT_EQ(first_throttled, -1) << "write " << n << " accepted after write " << first_throttled
                                     << " was throttled on the full disk";
      continue;
    }
    if (first_throttled < 0) first_throttled = n;
    EXPECT_EQ(apijson::HttpStatusOf(KindOf(answer.status())), 429) << answer.status();
  }
  EXPECT_GE(first_throttled, 1);
  EXPECT_LT(first_throttled, 400);  // The room is bounded: 100 or more are throttled.
  // Reads and other calls are answered meanwhile.
  EXPECT_TRUE(call("DescribeTable", R"({"DatabaseName":"fleet","TableName":"cpu"})").ok());
  absl::StatusOr<std::string> created =
      call("CreateTable", R"({"DatabaseName":"fleet","TableName":"other"})");
  EXPECT_FALSE(created.ok());
  EXPECT_EQ(apijson::HttpStatusOf(KindOf(created.status())), 429) << created.status();

  env.SetCapacity(-1);
  for (int n = 500; n < 510; ++n) EXPECT_TRUE(call("WriteRecords", WriteBody(n)).ok()) << n;
  EXPECT_TRUE(call("CreateTable", R"({"DatabaseName":"fleet","TableName":"other"})").ok());
}

}  // namespace
}  // namespace tsw::server
