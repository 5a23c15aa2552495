// What tests/forward's forwarder tests share: fake Senders (scripted outcomes, a second
// in-process Engine, one stuck on a series, one that applies concurrently), request
// readers, and ForwarderTest, the fixture of an Engine whose Options::forward sends to one
// of them, on in-memory file systems (tests/common/fault_env.h). No sleep synchronizes:
// WaitFor polls a condition and its deadline only guards against a hang.
#ifndef TSW_TESTS_FORWARD_FORWARDER_TEST_UTIL_H_
#define TSW_TESTS_FORWARD_FORWARDER_TEST_UTIL_H_

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

namespace tsw::forward_test {

using forward::SendOutcome;

inline constexpr int64_t kMs = 1000000;

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

inline SendOutcome Retry() {
  return SendOutcome{SendOutcome::Kind::kRetry, {}, "ThrottlingException: slow down"};
}

// What a Sender reports for a destination's answer: accepted, some records rejected, or
// failed.
inline SendOutcome OutcomeOf(const absl::StatusOr<WriteRecordsResponse>& r) {
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
inline std::string Device(const WriteRecordsRequest& r, size_t i) {
  const Record& rec = r.records[i];
  if (!rec.dimensions.empty()) return rec.dimensions[0].value;
  return r.common_attributes->dimensions[0].value;
}
// Record `i`'s Time, its own or the common one.
inline std::string TimeOf(const WriteRecordsRequest& r, size_t i) {
  const Record& rec = r.records[i];
  if (rec.time) return *rec.time;
  return r.common_attributes && r.common_attributes->time ? *r.common_attributes->time : "";
}
inline std::string TimeAndVersion(const WriteRecordsRequest& r, size_t i) {
  const Record& rec = r.records[i];
  std::optional<int64_t> version = rec.version;
  if (!version && r.common_attributes) version = r.common_attributes->version;
  return absl::StrCat(TimeOf(r, i), "v", version.value_or(1));
}

// The time of record `i` of `r` in milliseconds (a request's unit is its coarsest exact one).
inline int64_t TimeMillis(const WriteRecordsRequest& r, size_t i) {
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

inline Record Point(const std::string& device, int64_t time_ms, const std::string& value,
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
inline std::vector<std::string> Dump(Engine& engine) {
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
    // At least one, not exactly one: a resend sends the old records first, and the
    // checks below say so at once rather than after WaitFor's minute.
    ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).forwarded_records >= 1; }));
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

}  // namespace tsw::forward_test

#endif  // TSW_TESTS_FORWARD_FORWARDER_TEST_UTIL_H_
