// The forwarder through the public API (fixture and fakes: forwarder_test_util.h): what
// is sent and in which requests, the cursor across reopening and damage, retries, refusals
// and rejected records. forwarder_flow_test.cc has backlog limits, log trimming, power
// cuts, shards and the window, and the threads' priority.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/forward/forwarder_test_util.h"

namespace tsw::forward_test {
namespace {

TEST_F(ForwarderTest, SendsEveryRecordInLogOrderInRequestsOfAtMostTheLimit) {
  auto sender = std::make_shared<ScriptedSender>();
  Options o = LocalOptions(sender);
  o.forward[0].max_records_per_request = 40;
  o.forward[0].database = "remote_db";
  auto e = Open(o);
  CreateTable(*e);
  const int64_t t0 = Now() - 1000;
  for (int w = 0; w < 3; ++w) {
    std::vector<Record> records;
    for (int i = 0; i < (w < 2 ? 100 : 50); ++i) {
      records.push_back(Point("d1", t0 + w * 100 + i, absl::StrCat(i, ".5")));
    }
    ASSERT_TRUE(Write(*e, records).ok());
  }
  // The cursor (and with it pending_bytes) moves a moment after the last acceptance.
  ASSERT_TRUE(WaitFor([&] {
    TableStats::ForwardStats f = Forwarding(*e);
    return f.forwarded_records == 250 && f.pending_bytes == 0;
  }));
  std::vector<int64_t> times;
  for (const WriteRecordsRequest& r : sender->requests()) {
    EXPECT_LE(r.records.size(), 40u);
    EXPECT_EQ(r.database_name, "remote_db");
    EXPECT_EQ(r.table_name, "sensors");
    // One series, one measure: everything but time and value is common.
    ASSERT_TRUE(r.common_attributes.has_value());
    ASSERT_EQ(r.common_attributes->dimensions.size(), 1u);
    EXPECT_EQ(r.common_attributes->dimensions[0].value, "d1");
    EXPECT_EQ(r.common_attributes->measure_name, "temp");
    EXPECT_EQ(r.common_attributes->time_unit, TimeUnit::kMilliseconds);
    EXPECT_EQ(r.common_attributes->version, 1);
    for (size_t i = 0; i < r.records.size(); ++i) {
      EXPECT_TRUE(r.records[i].dimensions.empty());
      times.push_back(std::stoll(TimeOf(r, i)));
    }
  }
  ASSERT_EQ(times.size(), 250u);
  for (size_t i = 0; i < times.size(); ++i) EXPECT_EQ(times[i], t0 + static_cast<int64_t>(i));
  TableStats::ForwardStats s = Forwarding(*e);
  EXPECT_EQ(s.pending_records, 0);
  EXPECT_EQ(s.pending_bytes, 0);
  EXPECT_EQ(s.destination, "http://dest:8080/remote_db/sensors");
}

TEST_F(ForwarderTest, DestinationEndsWithExactlyTheLocalRows) {
  auto dest = OpenDest();
  auto e = Open(LocalOptions(std::make_shared<EngineSender>(dest.get())));
  CreateTable(*e);
  const int64_t t0 = Now() - 10000;
  std::vector<Record> mixed;
  for (int i = 0; i < 30; ++i) mixed.push_back(Point(absl::StrCat("d", i % 4), t0 + i, "0.1"));
  Record big = Point("d9", t0, "-42");
  big.measure_name = "count";
  big.measure_value_type = MeasureValueType::kBigint;
  Record text = Point("d9", t0, "hello, \"world\"");
  text.measure_name = "label";
  text.measure_value_type = MeasureValueType::kVarchar;
  Record flag = Point("d9", t0, "true");
  flag.measure_name = "on";
  flag.measure_value_type = MeasureValueType::kBoolean;
  Record stamp = Point("d9", t0 + 1, absl::StrCat(t0 - 5));
  stamp.measure_name = "seen";
  stamp.measure_value_type = MeasureValueType::kTimestamp;
  Record multi = Point("d9", t0 + 7, "");
  multi.measure_name = "env";
  multi.measure_value.reset();
  multi.measure_value_type = MeasureValueType::kMulti;
  multi.measure_values = {{"hum", "41.25", MeasureValueType::kDouble},
                          {"door", "open", MeasureValueType::kVarchar},
                          {"at", absl::StrCat(t0), MeasureValueType::kTimestamp}};
  mixed.insert(mixed.end(), {big, text, flag, stamp, multi});
  ASSERT_TRUE(Write(*e, mixed).ok());
  // Upserts (a higher Version replaces), an idempotent rewrite, and a rejected record.
  ASSERT_TRUE(Write(*e, {Point("d0", t0, "7.75", 2), Point("d1", t0 + 1, "0.1")}).ok());
  absl::Status rejected = Write(*e, {Point("d0", t0, "9", 1), Point("d2", t0 + 99, "3")});
  EXPECT_EQ(KindOf(rejected), ErrorKind::kRejectedRecords);
  ASSERT_TRUE(
      WaitFor([&] { return Forwarding(*e).pending_records == 0 && Dump(*dest) == Dump(*e); }));
  EXPECT_EQ(Dump(*dest).size(), 36u);
  EXPECT_EQ(Forwarding(*e).rejected_records, 0);
}

Record SitePoint(const std::string& device, std::optional<std::string> site, int64_t time_ms,
                 const std::string& value, std::optional<int64_t> version = std::nullopt) {
  Record r = Point(device, time_ms, value, version);
  r.dimensions.push_back({"region", "eu-west-1"});
  if (site) r.dimensions.push_back({"site", *site});
  return r;
}

// Requests carry in CommonAttributes what their records share (dimensions every record has;
// the measure name, type, Time and Version most have, a record with another keeping its
// own, which overrides), and the destination ends with exactly the local rows.
TEST_F(ForwarderTest, RequestsHoistWhatRecordsShareAndTheDestinationGetsExactlyTheRows) {
  auto dest = OpenDest();
  auto sender = std::make_shared<EngineSender>(dest.get());
  auto e = Open(LocalOptions(sender));
  CreateTable(*e);
  const int64_t t0 = Now() - 10000;
  std::vector<Record> first;
  // Six devices at one site and one elsewhere (no site), all in one region, at one time.
  for (int i = 0; i < 6; ++i) {
    first.push_back(SitePoint(absl::StrCat("d", i), "s1", t0, absl::StrCat(i, ".5")));
  }
  first.push_back(SitePoint("d9", std::nullopt, t0, "9.5"));
  Record count = SitePoint("d1", "s1", t0, "12");  // Its own measure name and type.
  count.measure_name = "count";
  count.measure_value_type = MeasureValueType::kBigint;
  first.push_back(count);
  first.push_back(SitePoint("d2", "s1", t0 + 5, "2.75"));  // Its own Time.
  Record multi = SitePoint("d3", "s1", t0, "");
  multi.measure_name = "env";
  multi.measure_value.reset();
  multi.measure_value_type = MeasureValueType::kMulti;
  multi.measure_values = {{"hum", "41.25", MeasureValueType::kDouble},
                          {"door", "open \"now\"", MeasureValueType::kVarchar}};
  first.push_back(multi);
  ASSERT_TRUE(Write(*e, first).ok());
  // Upserts: Versions 2 and 3 among Version 1 records, one series twice in a request.
  ASSERT_TRUE(Write(*e, {SitePoint("d0", "s1", t0, "7.75", 2), SitePoint("d0", "s1", t0, "8.5", 3),
                         SitePoint("d4", "s1", t0 + 1, "1"), SitePoint("d5", "s1", t0 + 1, "1"),
                         SitePoint("d9", std::nullopt, t0 + 1, "1")})
                  .ok());
  ASSERT_TRUE(
      WaitFor([&] { return Forwarding(*e).pending_records == 0 && Dump(*dest) == Dump(*e); }));
  EXPECT_EQ(Dump(*dest).size(), 13u);
  EXPECT_EQ(Forwarding(*e).rejected_records, 0);
  const std::vector<std::string> rows = Dump(*dest);
  // The upserts arrived in order: Version 3 is what the destination holds.
  const std::string d0 = absl::StrCat("device=d0,region=eu-west-1,site=s1,temp@", t0 * kMs, " v");
  EXPECT_EQ(std::count_if(rows.begin(), rows.end(),
                          [&](const std::string& row) { return absl::StartsWith(row, d0 + "3 "); }),
            1)
      << absl::StrJoin(rows, "\n");
  // What the requests looked like: the region common, the site per record, overrides.
  bool region_common = false, name_override = false, time_override = false;
  for (const WriteRecordsRequest& r : sender->requests()) {
    ASSERT_TRUE(r.common_attributes.has_value());
    const Record& c = *r.common_attributes;
    for (const Dimension& d : c.dimensions) {
      region_common = region_common || d.name == "region";
      EXPECT_NE(d.name, "site");  // d9 has none.
    }
    for (const Record& rec : r.records) {
      for (const Dimension& d : rec.dimensions) {
        if (region_common) {
          EXPECT_NE(d.name, "region");
        }
      }
      name_override = name_override || (rec.measure_name && c.measure_name);
      time_override = time_override || (rec.time && c.time);
    }
  }
  EXPECT_TRUE(region_common);
  EXPECT_TRUE(name_override);
  EXPECT_TRUE(time_override);
}

TEST_F(ForwarderTest, ResumesAtTheCursorAfterCloseAndOpen) {
  auto first = std::make_shared<ScriptedSender>();
  auto e = Open(LocalOptions(first));
  CreateTable(*e);
  const int64_t t0 = Now() - 1000;
  std::vector<Record> records;
  for (int i = 0; i < 120; ++i) records.push_back(Point("d1", t0 + i, "1"));
  ASSERT_TRUE(Write(*e, std::vector<Record>(records.begin(), records.begin() + 100)).ok());
  ASSERT_TRUE(Write(*e, std::vector<Record>(records.begin() + 100, records.end())).ok());
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records == 120; }));
  ASSERT_TRUE(e->Close().ok());
  e.reset();
  ExpectNothingResentAfterReopen(t0 + 500);  // The cursor was written at Close.
}

// The cursor is written at most every cursor_persist_millis, also when caught up: a
// forwarder that keeps up catches up after nearly every write. Once writes stop it is
// still written (a timer, not the next write or Close), so a power cut after that
// resends nothing.
TEST_F(ForwarderTest, ACaughtUpCursorIsWrittenWithoutAnotherWriteOrClose) {
  auto first = std::make_shared<ScriptedSender>();
  auto e = Open(LocalOptions(first));
  CreateTable(*e);
  const int64_t t0 = Now() - 1000;
  for (int w = 0; w < 3; ++w) {
    std::vector<Record> records;
    for (int i = 0; i < 10; ++i) records.push_back(Point("d1", t0 + w * 10 + i, "1"));
    ASSERT_TRUE(Write(*e, records).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records == 30; }));
  // Three batches (sequences 1 to 3) sent: the cursor names the next, batch 4, and it is
  // durable (a reader sees the renamed file before its directory is synced).
  ASSERT_TRUE(WaitFor([&] {
    for (const std::string& path : ForwardFiles(".cursor")) {
      absl::StatusOr<std::string> text = env_.ReadDurable(path);
      if (text.ok() && absl::StrContains(*text, " sequence=4 record=0 ")) return true;
    }
    return false;
  }));
  env_.CutPower({testing::CutMode::kWorstCase});
  e.reset();
  env_.PowerOn();
  ExpectNothingResentAfterReopen(t0 + 500);
}

// A backlog already in the log is in the stats as soon as Open returns (tsw forward and
// tsw stats read them once, right after opening), not only once the thread has looked.
TEST_F(ForwarderTest, BacklogInTheLogIsCountedWhenOpenReturns) {
  auto down = std::make_shared<ScriptedSender>();
  down->Otherwise(Retry());
  auto e = Open(LocalOptions(down));
  CreateTable(*e);
  std::vector<Record> records;
  for (int i = 0; i < 30; ++i) records.push_back(Point("d1", Now() - 1000 + i, "1"));
  ASSERT_TRUE(Write(*e, records).ok());
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).pending_records == 30; }));
  ASSERT_TRUE(e->Close().ok());
  e.reset();

  auto still_down = std::make_shared<ScriptedSender>();
  still_down->Otherwise(Retry());
  e = Open(LocalOptions(still_down));
  EXPECT_EQ(Forwarding(*e).pending_records, 30);  // No wait: counted during Open.
}

TEST_F(ForwarderTest, DamagedCursorIsReportedAndEverythingIsResent) {
  auto first = std::make_shared<ScriptedSender>();
  auto e = Open(LocalOptions(first));
  CreateTable(*e);
  ASSERT_TRUE(Write(*e, {Point("d1", Now(), "1"), Point("d1", Now() + 1, "2")}).ok());
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records == 2; }));
  ASSERT_TRUE(e->Close().ok());
  e.reset();
  const std::vector<std::string> cursors = ForwardFiles(".cursor");
  ASSERT_EQ(cursors.size(), 1u);
  auto f = env_.OpenFile(cursors[0], OpenMode::kReadWrite);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Write(20, "9").ok());  // One digit of the sequence.
  auto second = std::make_shared<ScriptedSender>();
  e = Open(LocalOptions(second));
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records == 2; }));
  EXPECT_TRUE(Reported("is damaged (checksum mismatch)"));
  EXPECT_TRUE(Reported("resending from the oldest batch the log holds"));
}

TEST_F(ForwarderTest, RetriesWithBackoffUntilAccepted) {
  auto sender = std::make_shared<ScriptedSender>();
  sender->Script(Retry());
  sender->Script(Retry());
  auto e = Open(LocalOptions(sender));
  CreateTable(*e);
  ASSERT_TRUE(Write(*e, {Point("d1", Now(), "1"), Point("d2", Now(), "2")}).ok());
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records == 2; }));
  TableStats::ForwardStats s = Forwarding(*e);
  EXPECT_EQ(s.retried_requests, 2);
  EXPECT_EQ(s.last_error, "");
  std::vector<WriteRecordsRequest> sent = sender->requests();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].records.size(), sent[2].records.size());
  // Two series: dimensions stay per record.
  EXPECT_TRUE(sent[0].common_attributes->dimensions.empty());
  EXPECT_EQ(sent[0].records[1].dimensions[0].value, "d2");
}

TEST_F(ForwarderTest, RefusedRequestIsReportedAndWaitsForALongBackoff) {
  auto sender = std::make_shared<ScriptedSender>();
  sender->Otherwise({SendOutcome::Kind::kFailed, {}, "AccessDeniedException: bad key"});
  auto e = Open(LocalOptions(sender));
  CreateTable(*e);
  ASSERT_TRUE(Write(*e, {Point("d1", Now(), "1")}).ok());
  ASSERT_TRUE(
      WaitFor([&] { return Forwarding(*e).last_error == "AccessDeniedException: bad key"; }));
  EXPECT_TRUE(Reported("refused a request (AccessDeniedException: bad key)"));
  // Local writes go on; the refused request is not retried in a tight loop.
  ASSERT_TRUE(Write(*e, {Point("d1", Now() + 1, "1")}).ok());
  EXPECT_EQ(sender->requests().size(), 1u);
  ASSERT_TRUE(e->Close().ok());  // Stops the backoff wait.
  e.reset();
  auto ok = std::make_shared<ScriptedSender>();
  e = Open(LocalOptions(ok));
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records == 2; }));
}

TEST_F(ForwarderTest, RejectedRecordsGoToTheDeadLetterReportAndAreNotResent) {
  auto sender = std::make_shared<ScriptedSender>();
  SendOutcome partly;
  partly.rejected = {RejectedRecord{1, "The record is older than the memory store", 3}};
  sender->Script(partly);
  auto e = Open(LocalOptions(sender));
  CreateTable(*e);
  ASSERT_TRUE(
      Write(*e, {Point("d1", Now(), "1"), Point("d1", Now() + 1, "2"), Point("d1", Now() + 2, "3")})
          .ok());
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).rejected_records == 1; }));
  TableStats::ForwardStats s = Forwarding(*e);
  EXPECT_EQ(s.forwarded_records, 2);
  EXPECT_EQ(s.pending_records, 0);
  EXPECT_EQ(sender->requests().size(), 1u);
  // The report: <table dir>/forward/<id>.rejected.jsonl, one line per record.
  std::string found;
  for (const std::string& path : ForwardFiles(".rejected.jsonl")) {
    auto f = env_.OpenFile(path, OpenMode::kRead);
    ASSERT_TRUE(f.ok());
    found.resize(static_cast<size_t>(*(*f)->Size()));
    ASSERT_TRUE((*f)->Read(0, found.size(), found.data()).ok());
  }
  EXPECT_EQ(std::count(found.begin(), found.end(), '\n'), 1) << found;
  EXPECT_TRUE(absl::StrContains(found, "\"reason\":\"The record is older than the memory store\""));
  EXPECT_TRUE(absl::StrContains(found, "\"existing_version\":3"));
  EXPECT_TRUE(absl::StrContains(found, absl::StrCat("\"Time\":\"", Now() + 1, "\"")));
  EXPECT_TRUE(absl::StrContains(found, "\"MeasureValue\":\"2\"")) << found;
}

}  // namespace
}  // namespace tsw::forward_test
