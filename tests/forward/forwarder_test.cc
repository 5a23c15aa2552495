// The forwarder through the public API: an Engine whose Options::forward sends to a fake
// Sender (scripted outcomes) or to a second in-process Engine, both on in-memory
// file systems (tests/common/fault_env.h). No sleep synchronizes: WaitFor polls a condition
// and its deadline only guards against a hang.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/common/file_util.h"
#include "engine/forward/sender.h"
#include "gtest/gtest.h"
#include "tests/common/fault_env.h"
#include "tsw/clock.h"
#include "tsw/engine.h"
#include "tsw/status.h"

#if defined(__linux__)
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace tsw {
namespace {

using forward::SendOutcome;

constexpr int64_t kMs = 1000000;

// Polls `done` until it holds; fails the test after a minute (a hang, not a timing).
template <typename F>
bool WaitFor(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Answers each request with the next scripted outcome, then with `otherwise`.
class ScriptedSender final : public forward::Sender {
 public:
  SendOutcome Send(const WriteRecordsRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    if (!script_.empty()) {
      SendOutcome o = script_.front();
      script_.pop_front();
      return o;
    }
    return otherwise_;
  }
  void Script(SendOutcome o) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(o));
  }
  void Otherwise(SendOutcome o) {
    std::lock_guard<std::mutex> lock(mu_);
    otherwise_ = std::move(o);
  }
  std::vector<WriteRecordsRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  std::deque<SendOutcome> script_;
  SendOutcome otherwise_;
  std::vector<WriteRecordsRequest> requests_;
};

SendOutcome Retry() {
  return SendOutcome{SendOutcome::Kind::kRetry, {}, "ThrottlingException: slow down"};
}

// What a Sender reports for a destination's answer: accepted, some records rejected, or
// failed.
SendOutcome OutcomeOf(const absl::StatusOr<WriteRecordsResponse>& r) {
  SendOutcome o;
  if (r.ok()) return o;
  if (KindOf(r.status()) == ErrorKind::kRejectedRecords) {
    o.rejected = RejectedRecordsOf(r.status());
    return o;
  }
  o.kind = SendOutcome::Kind::kFailed;
  o.error = r.status().ToString();
  return o;
}

// Writes every request to a destination engine, as a tsw serve would take it.
class EngineSender final : public forward::Sender {
 public:
  // `retry_every`: answer every n-th request kRetry instead (0: never), so the forwarder
  // lags behind the writers and a power cut finds requests in flight.
  explicit EngineSender(Engine* dest, int retry_every = 0)
      : dest_(dest), retry_every_(retry_every) {}
  SendOutcome Send(const WriteRecordsRequest& request) override {
    if (retry_every_ > 0 && calls_.fetch_add(1) % retry_every_ == 0) return Retry();
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    absl::StatusOr<WriteRecordsResponse> r = dest_->WriteRecords(request);
    return OutcomeOf(r);
  }
  // The requests sent to the destination (not those answered kRetry unsent).
  std::vector<WriteRecordsRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  Engine* dest_;
  const int retry_every_;
  std::atomic<int> calls_{0};
  mutable std::mutex mu_;
  std::vector<WriteRecordsRequest> requests_;
};

// The device, time and Version of record `i` of `r`, CommonAttributes merged in.
std::string Device(const WriteRecordsRequest& r, size_t i) {
  const Record& rec = r.records[i];
  if (!rec.dimensions.empty()) return rec.dimensions[0].value;
  return r.common_attributes->dimensions[0].value;
}
// Record `i`'s Time, its own or the common one.
std::string TimeOf(const WriteRecordsRequest& r, size_t i) {
  const Record& rec = r.records[i];
  if (rec.time) return *rec.time;
  return r.common_attributes && r.common_attributes->time ? *r.common_attributes->time : "";
}
std::string TimeAndVersion(const WriteRecordsRequest& r, size_t i) {
  const Record& rec = r.records[i];
  std::optional<int64_t> version = rec.version;
  if (!version && r.common_attributes) version = r.common_attributes->version;
  return absl::StrCat(TimeOf(r, i), "v", version.value_or(1));
}

// The time of record `i` of `r` in milliseconds (a request's unit is its coarsest exact one).
int64_t TimeMillis(const WriteRecordsRequest& r, size_t i) {
  const Record& rec = r.records[i];
  TimeUnit unit = rec.time_unit.value_or(r.common_attributes && r.common_attributes->time_unit
                                             ? *r.common_attributes->time_unit
                                             : TimeUnit::kMilliseconds);
  const int64_t t = std::stoll(TimeOf(r, i));
  switch (unit) {
    case TimeUnit::kSeconds:
      return t * 1000;
    case TimeUnit::kMicroseconds:
      return t / 1000;
    case TimeUnit::kNanoseconds:
      return t / 1000000;
    default:
      return t;
  }
}

// Answers kRetry to every request holding a record of device `stuck`, accepts the others.
class StuckSeriesSender final : public forward::Sender {
 public:
  explicit StuckSeriesSender(std::string stuck) : stuck_(std::move(stuck)) {}
  SendOutcome Send(const WriteRecordsRequest& request) override {
    for (size_t i = 0; i < request.records.size(); ++i) {
      if (Device(request, i) == stuck_) return Retry();
    }
    return SendOutcome{};
  }

 private:
  const std::string stuck_;
};

// Writes each request to a destination engine, noting per device the order its records
// arrived in. The first request is held until a second one has been in flight beside it
// (or ten seconds
// pass, so a forwarder sending one request at a time fails the test rather than hangs);
// `peak` is the most requests seen in flight at once.
class ConcurrentEngineSender final : public forward::Sender {
 public:
  explicit ConcurrentEngineSender(Engine* dest) : dest_(dest) {}
  SendOutcome Send(const WriteRecordsRequest& request) override {
    const int now = ++in_flight_;
    int seen = peak_.load();
    while (seen < now && !peak_.compare_exchange_weak(seen, now)) {
    }
    if (first_.exchange(false)) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (peak_.load() < 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    absl::StatusOr<WriteRecordsResponse> r = dest_->WriteRecords(request);
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < request.records.size(); ++i) {
        arrived_[Device(request, i)].push_back(TimeAndVersion(request, i));
      }
    }
    --in_flight_;
    return OutcomeOf(r);
  }
  std::map<std::string, std::vector<std::string>> arrived() const {
    std::lock_guard<std::mutex> lock(mu_);
    return arrived_;
  }
  int peak() const { return peak_.load(); }

 private:
  Engine* dest_;
  std::atomic<int> in_flight_{0}, peak_{0};
  std::atomic<bool> first_{true};
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::string>> arrived_;
};

Record Point(const std::string& device, int64_t time_ms, const std::string& value,
             std::optional<int64_t> version = std::nullopt) {
  Record r;
  r.dimensions = {{"device", device}};
  r.measure_name = "temp";
  r.measure_value = value;
  r.measure_value_type = MeasureValueType::kDouble;
  r.time = absl::StrCat(time_ms);
  r.time_unit = TimeUnit::kMilliseconds;
  r.version = version;
  return r;
}

// Every row of db.t, one line each, sorted: what "equal tables" compares.
std::vector<std::string> Dump(Engine& engine) {
  std::vector<std::string> rows;
  absl::Status s =
      engine.Scan({.database_name = "fleet", .table_name = "sensors"}, [&](const ScanBatch& b) {
        std::string series;
        for (const Dimension& d : b.dimensions) absl::StrAppend(&series, d.name, "=", d.value, ",");
        for (size_t i = 0; i < b.time_nanos.size(); ++i) {
          std::string row =
              absl::StrCat(series, b.measure_name, "@", b.time_nanos[i], " v", b.versions[i]);
          for (const ScanColumn& c : b.columns) {
            if (!c.present.empty() && !c.present[i]) continue;
            absl::StrAppend(&row, " ", c.name, "=");
            if (!c.doubles.empty()) absl::StrAppend(&row, c.doubles[i]);
            if (!c.ints.empty()) absl::StrAppend(&row, c.ints[i]);
            if (!c.strings.empty()) absl::StrAppend(&row, c.strings[i]);
          }
          rows.push_back(row);
        }
        return true;
      });
  EXPECT_TRUE(s.ok()) << s;
  std::sort(rows.begin(), rows.end());
  return rows;
}

class ForwarderTest : public ::testing::Test {
 protected:
  Options LocalOptions(std::shared_ptr<forward::Sender> sender) {
    Options o;
    o.env = &env_;
    o.clock = &clock_;
    o.background_maintenance = false;
    o.report = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(report_mu_);
      reports_.emplace_back(line);
    };
    ForwardDestination d;
    d.endpoint = "http://dest:8080";
    d.sender = std::move(sender);
    o.forward.push_back(d);
    return o;
  }
  std::unique_ptr<Engine> Open(const Options& o) {
    auto e = Engine::Open("/local", o);
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? std::move(*e) : nullptr;
  }
  void CreateTable(Engine& e, int64_t memory_hours = 6) {
    (void)e.CreateDatabase({.database_name = "fleet"});
    auto t = e.CreateTable({.database_name = "fleet",
                            .table_name = "sensors",
                            .retention_properties = RetentionProperties{memory_hours, 73000}});
    ASSERT_TRUE(t.ok() || KindOf(t.status()) == ErrorKind::kConflict) << t.status();
  }
  std::unique_ptr<Engine> OpenDest() {
    Options o;
    o.env = &dest_env_;
    o.clock = &clock_;
    o.background_maintenance = false;
    auto e = Engine::Open("/dest", o);
    EXPECT_TRUE(e.ok()) << e.status();
    if (e.ok()) CreateTable(**e);
    return e.ok() ? std::move(*e) : nullptr;
  }
  static TableStats::ForwardStats Forwarding(Engine& e) {
    auto stats = e.GetTableStats("fleet", "sensors");
    EXPECT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->forwarding.size(), 1u);
    return stats->forwarding.empty() ? TableStats::ForwardStats{} : stats->forwarding[0];
  }
  bool Reported(absl::string_view what) {
    std::lock_guard<std::mutex> lock(report_mu_);
    for (const std::string& r : reports_) {
      if (absl::StrContains(r, what)) return true;
    }
    return false;
  }
  absl::Status Write(Engine& e, std::vector<Record> records) {
    return e
        .WriteRecords(
            {.database_name = "fleet", .table_name = "sensors", .records = std::move(records)})
        .status();
  }
  int64_t Now() const { return clock_.NowNanos() / kMs; }

  // The paths of every table's forwarding files whose names end in `suffix` (".cursor",
  // ".rejected.jsonl").
  std::vector<std::string> ForwardFiles(absl::string_view suffix) {
    std::vector<std::string> paths;
    // (Copies: a range-for over *ListDir() would walk a destroyed StatusOr's vector.)
    const std::vector<std::string> tables = *env_.ListDir("/local/tables");
    for (const std::string& table : tables) {
      const std::string dir = absl::StrCat("/local/tables/", table, "/forward");
      const std::vector<std::string> names = *env_.ListDir(dir);
      for (const std::string& name : names) {
        if (absl::EndsWith(name, suffix)) paths.push_back(absl::StrCat(dir, "/", name));
      }
    }
    return paths;
  }

  // Opens the engine again on a fresh sender, writes one record at `time` and expects
  // only that record sent: nothing before it resent from the cursor on.
  void ExpectNothingResentAfterReopen(int64_t time) {
    auto sender = std::make_shared<ScriptedSender>();
    std::unique_ptr<Engine> e = Open(LocalOptions(sender));
    ASSERT_TRUE(Write(*e, {Point("d1", time, "2")}).ok());
    ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records == 1; }));
    std::vector<WriteRecordsRequest> sent = sender->requests();
    ASSERT_EQ(sent.size(), 1u);
    ASSERT_EQ(sent[0].records.size(), 1u);
    EXPECT_EQ(TimeOf(sent[0], 0), absl::StrCat(time));
  }

  testing::FaultEnv env_, dest_env_;
  ManualClock clock_{int64_t{1700000000000} * kMs};
  std::mutex report_mu_;
  std::vector<std::string> reports_;
};

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
  // Three batches (sequences 1 to 3) sent: the cursor names the next, batch 4.
  ASSERT_TRUE(WaitFor([&] {
    for (const std::string& path : ForwardFiles(".cursor")) {
      absl::StatusOr<std::string> text = file::ReadFile(env_, path);
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

TEST_F(ForwarderTest, ThrottlesLocalWritesWhileTheBacklogIsOverItsLimit) {
  auto sender = std::make_shared<ScriptedSender>();
  sender->Otherwise(Retry());
  Options o = LocalOptions(sender);
  o.forward[0].backlog_limit_bytes = 1;
  auto e = Open(o);
  CreateTable(*e);
  ASSERT_TRUE(Write(*e, {Point("d1", Now(), "1")}).ok());
  absl::Status refused;
  ASSERT_TRUE(WaitFor([&] {
    refused = Write(*e, {Point("d1", Now(), "1")});
    return !refused.ok();
  }));
  EXPECT_EQ(KindOf(refused), ErrorKind::kThrottling) << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "over the limit of 1 bytes")) << refused;
  EXPECT_GT(Forwarding(*e).pending_bytes, 1);
  sender->Otherwise(SendOutcome{});
  ASSERT_TRUE(WaitFor([&] { return Write(*e, {Point("d1", Now(), "1")}).ok(); }));
  EXPECT_TRUE(Reported("writes accepted"));
}

TEST_F(ForwarderTest, DropOldestGivesUpTheOldestUnsentRecords) {
  auto sender = std::make_shared<ScriptedSender>();
  sender->Otherwise(Retry());
  Options o = LocalOptions(sender);
  o.forward[0].backlog_limit_bytes = 400;
  o.forward[0].backlog_policy = ForwardBacklogPolicy::kDropOldest;
  auto e = Open(o);
  CreateTable(*e);
  const int64_t t0 = Now() - 100000;
  for (int w = 0; w < 20; ++w) {
    std::vector<Record> records;
    for (int i = 0; i < 10; ++i) records.push_back(Point("d1", t0 + w * 10 + i, "1"));
    ASSERT_TRUE(Write(*e, records).ok());  // Never throttled.
  }
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).dropped_records > 0; }));
  sender->Otherwise(SendOutcome{});
  ASSERT_TRUE(Write(*e, {Point("d1", Now(), "2")}).ok());
  // The forwarder counts a write once its thread reads it from the log, so "0 pending" alone
  // can be seen before the last write is counted; wait for every record to be accounted for.
  ASSERT_TRUE(WaitFor([&] {
    TableStats::ForwardStats f = Forwarding(*e);
    return f.pending_records == 0 && f.dropped_records + f.forwarded_records == 201;
  }));
  TableStats::ForwardStats s = Forwarding(*e);
  EXPECT_LE(s.pending_bytes, 400);
  EXPECT_TRUE(Reported("dropped"));
  // What was sent is the newest records, in order, ending with the last write.
  std::vector<WriteRecordsRequest> sent = sender->requests();
  const WriteRecordsRequest& last = sent.back();
  EXPECT_EQ(TimeMillis(last, last.records.size() - 1), Now());
}

TEST_F(ForwarderTest, LogTrimmingWaitsForTheCursor) {
  auto sender = std::make_shared<ScriptedSender>();
  sender->Otherwise(Retry());
  auto e = Open(LocalOptions(sender));
  CreateTable(*e, /*memory_hours=*/1);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Write(*e, {Point("d1", Now() + i, "1")}).ok());
  // Seen pending (its age counts from then), three hours on, maintenance moves every row
  // to a segment and would drop the log. (A shard sends on its own thread: its first
  // answer may come after the records are counted.)
  ASSERT_TRUE(WaitFor([&] {
    TableStats::ForwardStats f = Forwarding(*e);
    return f.pending_records == 50 && !f.last_error.empty();
  }));
  clock_.Advance(int64_t{3} * 3600 * 1000 * kMs);
  ASSERT_TRUE(e->RunMaintenance().ok());
  auto stats = e->GetTableStats("fleet", "sensors");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->memory_points, 0);
  EXPECT_EQ(stats->magnetic_points, 50);
  EXPECT_GE(Forwarding(*e).seconds_behind, 3 * 3600);
  EXPECT_EQ(Forwarding(*e).last_error, "ThrottlingException: slow down");
  sender->Otherwise(SendOutcome{});
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records == 50; }));
  EXPECT_FALSE(Reported("never sent"));
  // Once sent, the next pass trims what the eviction had allowed.
  ASSERT_TRUE(WaitFor([&] {
    (void)e->RunMaintenance();
    return e->GetTableStats("fleet", "sensors")->wal_bytes < stats->wal_bytes;
  }));
}

TEST_F(ForwarderTest, PowerCutsLoseNothingTheDestinationHasAndResendHarmlessly) {
  auto dest = OpenDest();
  auto sender = std::make_shared<EngineSender>(dest.get(), /*retry_every=*/3);
  Options o = LocalOptions(sender);
  o.forward[0].max_records_per_request = 10;  // Many requests: the cut finds some unsent.
  o.durability.policy = SyncPolicy::kSyncPeriodically;
  o.durability.sync_interval_millis = 2;
  // The log then writes through a mapping, whose bytes FaultEnv reads at each sync with
  // no lock the appender takes (a race ThreadSanitizer reports in FaultEnv, not in what is
  // tested here): plain writes instead.
  env_.SetMapSupported(false);
  const int64_t t0 = Now() - 100000;
  int64_t t = 0;
  for (uint64_t epoch = 0; epoch < 8; ++epoch) {
    auto e = Open(o);
    ASSERT_NE(e, nullptr);
    CreateTable(*e);
    for (int w = 0; w < 20; ++w) {
      std::vector<Record> records;
      for (int i = 0; i < 7; ++i, ++t) {
        records.push_back(Point(absl::StrCat("d", t % 3), t0 + t, absl::StrCat(t % 11)));
      }
      // An upsert of an earlier point (higher Version) in most requests.
      if (t > 10) records.push_back(Point("d0", t0 + (t - 9) / 3 * 3, "5", 1 + t));
      (void)Write(*e, records);  // Acknowledged or not, the tables must end equal.
    }
    // The cut comes while the forwarder is behind (every third request is retried).
    ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records > 0; }));
    env_.CutPower({testing::CutMode::kRandom, epoch});
    e.reset();  // Its files are dead: nothing it does now reaches the disk.
    env_.PowerOn();
  }
  auto e = Open(o);
  ASSERT_TRUE(WaitFor([&] {
    return Forwarding(*e).pending_records == 0 && Dump(*dest) == Dump(*e);
  })) << absl::StrJoin(Dump(*e), "\n")
      << "\n---\n"
      << absl::StrJoin(Dump(*dest), "\n");
  EXPECT_GT(Dump(*e).size(), 0u);
}

// Records go to shards by series; a shard stuck in retries keeps the cursor (and so the log
// and the pending count) at its oldest record while the other shards send theirs.
TEST_F(ForwarderTest, AShardStuckInRetriesHoldsTheCursorWhileTheOthersSend) {
  auto sender = std::make_shared<StuckSeriesSender>("d0");
  Options o = LocalOptions(sender);
  o.forward[0].max_records_per_request = 10;
  o.forward[0].max_connections = 4;
  auto e = Open(o);
  CreateTable(*e);
  const int64_t t0 = Now() - 100000;
  for (int w = 0; w < 2; ++w) {
    std::vector<Record> records;
    for (int i = w * 10; i < w * 10 + 10; ++i) {
      for (int d = 0; d < 8; ++d) records.push_back(Point(absl::StrCat("d", d), t0 + i, "1"));
    }
    ASSERT_TRUE(Write(*e, records).ok());
  }
  ASSERT_TRUE(WaitFor([&] {
    TableStats::ForwardStats f = Forwarding(*e);
    // Both writes counted (each is counted when the forwarder reads it from the log).
    return f.forwarded_records > 0 && f.retried_requests > 0 &&
           f.pending_records + f.forwarded_records == 160;
  }));
  TableStats::ForwardStats f = Forwarding(*e);
  EXPECT_LT(f.forwarded_records, 160);
  // d0's first record is the log's first: the cursor cannot pass it, the log is held.
  EXPECT_GT(f.pending_bytes, 0);
  ASSERT_TRUE(e->Close().ok());
  e.reset();
  // The written cursor is still before d0's first record: all of it is sent again.
  auto ok = std::make_shared<ScriptedSender>();
  Options again = LocalOptions(ok);
  again.forward[0].max_records_per_request = 10;
  e = Open(again);
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records == 160; }));
  int d0 = 0;
  for (const WriteRecordsRequest& r : ok->requests()) {
    for (size_t i = 0; i < r.records.size(); ++i) d0 += Device(r, i) == "d0";
  }
  EXPECT_EQ(d0, 20);
}

// With several requests in flight at once, each series' records (values and the upserts
// that replace them) still reach the destination in log order: nothing is rejected as a
// lower Version and both tables end equal.
TEST_F(ForwarderTest, KeepsEachSeriesInLogOrderWithRequestsInFlightTogether) {
  auto dest = OpenDest();
  auto sender = std::make_shared<ConcurrentEngineSender>(dest.get());
  Options o = LocalOptions(sender);
  o.forward[0].max_records_per_request = 5;
  o.forward[0].max_connections = 4;
  auto e = Open(o);
  CreateTable(*e);
  const int64_t t0 = Now() - 100000;
  std::map<std::string, std::vector<std::string>> expected;
  std::vector<Record> all;
  for (int w = 0; w < 12; ++w) {
    std::vector<Record> records;
    for (int d = 0; d < 6; ++d) {
      const std::string device = absl::StrCat("d", d);
      for (int i = 0; i < 4; ++i) {
        // Each point written with Version w + 1: every later write replaces the earlier.
        const int64_t t = t0 + i;
        records.push_back(Point(device, t, absl::StrCat(w, ".", d), w + 1));
        expected[device].push_back(absl::StrCat(t, "v", w + 1));
      }
    }
    ASSERT_TRUE(Write(*e, records).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records == 12 * 6 * 4; }));
  EXPECT_GE(sender->peak(), 2);
  EXPECT_EQ(Forwarding(*e).rejected_records, 0);
  EXPECT_EQ(sender->arrived(), expected);
  EXPECT_EQ(Dump(*dest), Dump(*e));
}

// Writes each request to a destination engine, noting its size. The first request is
// held until Release (or ten seconds pass), so a backlog builds up in the log meanwhile;
// each request then takes `latency` (a round trip), so requests overlap.
class GatedEngineSender final : public forward::Sender {
 public:
  GatedEngineSender(Engine* dest, std::chrono::microseconds latency)
      : dest_(dest), latency_(latency) {}
  SendOutcome Send(const WriteRecordsRequest& request) override {
    if (first_.exchange(false)) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!released_.load() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    std::this_thread::sleep_for(latency_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      sizes_.push_back(request.records.size());
    }
    return OutcomeOf(dest_->WriteRecords(request));
  }
  void Release() { released_.store(true); }
  std::vector<size_t> sizes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sizes_;
  }

 private:
  Engine* dest_;
  const std::chrono::microseconds latency_;
  std::atomic<bool> first_{true}, released_{false};
  mutable std::mutex mu_;
  std::vector<size_t> sizes_;
};

// A backlog is sent in full requests: a shard whose remainder is short of one waits while
// other requests are in flight (their answers let the dispatcher read more for it), so a
// full window does not send every shard's remainder alone. Only the shard holding the
// window's oldest unsent record, and every shard once nothing is in flight or the log is
// read to its end, sends a partial request.
TEST_F(ForwarderTest, ABacklogGoesOutInFullRequestsWhenTheWindowFills) {
  auto dest = OpenDest();
  auto sender = std::make_shared<GatedEngineSender>(dest.get(), std::chrono::microseconds(200));
  Options o = LocalOptions(sender);
  o.forward[0].max_records_per_request = 10;
  o.forward[0].max_connections = 4;
  auto e = Open(o);
  CreateTable(*e);
  const int64_t t0 = Now() - 100000;
  constexpr int kWrites = 150, kPerWrite = 20;
  for (int w = 0; w < kWrites; ++w) {
    std::vector<Record> records;
    for (int k = 0; k < kPerWrite; ++k) {
      records.push_back(Point(absl::StrCat("d", (w * 7 + k) % 23), t0 + w * kPerWrite + k, "1"));
    }
    ASSERT_TRUE(Write(*e, records).ok());
  }
  sender->Release();
  ASSERT_TRUE(WaitFor([&] {
    TableStats::ForwardStats f = Forwarding(*e);
    return f.forwarded_records == kWrites * kPerWrite && f.pending_records == 0;
  }));
  const std::vector<size_t> sizes = sender->sizes();
  size_t partial = 0;
  for (size_t i = 1; i < sizes.size(); ++i) partial += sizes[i] < 10;  // [0]: the gated one.
  // 3,000 records: 300 full requests when none is partial. The partials left are the end
  // of the backlog (one per shard) and the window's oldest record now and then, about 30;
  // sending each shard's remainder whenever the window fills made over 300.
  EXPECT_LE(partial, 75u) << sizes.size() << " requests";
  EXPECT_LE(sizes.size(), 350u);
  EXPECT_EQ(Dump(*dest), Dump(*e));
}

// A shard backing off brings no answer soon: behind a full window the other shards send
// their remainders (partial requests) rather than wait for it.
TEST_F(ForwarderTest, AShardStuckInRetriesDoesNotHoldBackTheOthersRemainders) {
  const int64_t t0 = Now() - 100000;
  {
    // The destination is down while the records are written: they wait in the log.
    auto down = std::make_shared<ScriptedSender>();
    down->Otherwise(Retry());
    auto e = Open(LocalOptions(down));
    CreateTable(*e);
    for (int i = 0; i < 40; ++i) {
      std::vector<Record> records;
      for (int d = 3; d < 8; ++d) records.push_back(Point(absl::StrCat("d", d), t0 + i, "1"));
      ASSERT_TRUE(Write(*e, records).ok());
    }
    ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).pending_records == 200; }));
    ASSERT_TRUE(e->Close().ok());
  }
  // (With these names d3 shares its shard with one other device; three are elsewhere.)
  auto sender = std::make_shared<StuckSeriesSender>("d3");
  Options o = LocalOptions(sender);
  o.forward[0].max_records_per_request = 10;
  o.forward[0].max_connections = 4;  // A window of 4 x 4 requests: 160 records.
  auto e = Open(o);
  // The window takes the first 32 writes: 32 records of each device. d3's shard is stuck
  // on its first request; every other shard sends all 32 of each of its devices, the
  // last few in a partial request. Full requests alone send multiples of 10 records, so
  // the count reaches a multiple of 32 only with those partial requests.
  ASSERT_TRUE(WaitFor([&] {
    TableStats::ForwardStats f = Forwarding(*e);
    return f.retried_requests > 0 && f.forwarded_records > 0 && f.forwarded_records % 32 == 0;
  })) << Forwarding(*e).forwarded_records;
  EXPECT_GT(Forwarding(*e).pending_records, 0);
}

#if defined(__linux__)
// The nice value of each of this process's threads whose name starts with `prefix`
// (/proc/self/task/<tid>/comm and stat, whose 19th field is the nice value).
std::vector<int> NiceOfThreads(const std::string& prefix) {
  std::vector<int> nices;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (!absl::StartsWith(name, prefix)) continue;
    std::ifstream stat_file(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), {});
    // The fields after the name in parentheses: state is the 3rd, nice the 19th.
    std::vector<std::string> fields = absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
    if (fields.size() > 16) nices.push_back(std::stoi(fields[16]));
  }
  return nices;
}

// The forwarder's reader and its senders run thread_nice nicer than the thread that
// opened the engine (so a busy writer keeps the CPU), and 0 keeps them at its priority.
TEST_F(ForwarderTest, ForwarderThreadsRunAtTheConfiguredLowerPriority) {
  errno = 0;
  const int base = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  ASSERT_EQ(errno, 0);
  for (const int nice : {0, 7, 30}) {
    SCOPED_TRACE(nice);
    Options o = LocalOptions(std::make_shared<ScriptedSender>());
    o.forward[0].thread_nice = nice;
    o.forward[0].max_connections = 3;
    auto e = Open(o);
    CreateTable(*e);
    ASSERT_TRUE(Write(*e, {Point("d1", Now() - 10 - nice, "1.5")}).ok());
    ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records >= 1; }));
    // A reader and one sender per connection; each names itself before it lowers its
    // priority, so wait for the names, then for the values.
    const int want = std::min(19, base + nice);
    ASSERT_TRUE(WaitFor([&] {
      std::vector<int> nices = NiceOfThreads("tsw-fwd-");
      return nices.size() == 4 &&
             std::all_of(nices.begin(), nices.end(), [&](int n) { return n == want; });
    })) << absl::StrJoin(NiceOfThreads("tsw-fwd-"), ",");
    e.reset();
    // Closing joins them; the kernel drops a joined thread from /proc/self/task a moment
    // after pthread_join returns (its tid is cleared before the task is released).
    EXPECT_TRUE(WaitFor([] { return NiceOfThreads("tsw-fwd-").empty(); }))
        << absl::StrJoin(NiceOfThreads("tsw-fwd-"), ",");
  }
}
#endif

// A writer that keeps a core busy while it writes does not keep the (nicer) forwarder
// from finishing: once the writes pause, everything reaches the destination.
TEST_F(ForwarderTest, NiceForwarderCatchesUpWhenABusyWriterPauses) {
  auto dest = OpenDest();
  auto sender = std::make_shared<ConcurrentEngineSender>(dest.get());
  Options o = LocalOptions(sender);
  o.forward[0].thread_nice = 19;
  o.forward[0].max_records_per_request = 50;
  auto e = Open(o);
  CreateTable(*e);
  const int64_t t0 = Now() - 100000;
  constexpr int kWriters = 2, kWrites = 40, kPerWrite = 100;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kWrites; ++i) {
        std::vector<Record> records;
        for (int k = 0; k < kPerWrite; ++k) {
          records.push_back(
              Point(absl::StrCat("w", w, "-", k % 7), t0 + i * kPerWrite + k, absl::StrCat(k)));
        }
        EXPECT_TRUE(Write(*e, records).ok());
      }
    });
  }
  for (std::thread& t : writers) t.join();
  ASSERT_TRUE(WaitFor([&] {
    TableStats::ForwardStats f = Forwarding(*e);
    return f.forwarded_records == kWriters * kWrites * kPerWrite && f.pending_records == 0;
  }));
  EXPECT_EQ(Forwarding(*e).rejected_records, 0);
  EXPECT_EQ(Dump(*dest), Dump(*e));
}

}  // namespace
}  // namespace tsw
