// The forwarder's flow control through the public API (fixture and fakes:
// forwarder_test_util.h): a backlog over its limit throttling or dropping, log trimming
// behind the cursor, power cuts, shards in flight together and a full window, and the
// forwarder threads' priority.
#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/common/wrapping_env.h"
#include "tests/forward/forwarder_test_util.h"

namespace tsw::forward_test {
namespace {

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

// Drops (kDropOldest) reset the window many times while shards build requests from the
// records they took: a shard's request keeps the batches' tables it reads alive (under
// ThreadSanitizer or AddressSanitizer, a table freed by a drop while a shard writes its
// request is reported), every record is sent or counted as dropped, and the newest batch,
// under the limit by itself, is always sent. (A drop resets the whole window, also the
// records after the dropped batches, which are then read and sent again: at least once, so
// "forwarded" may count a record twice, and a request in flight at a drop may reach the
// destination although its records are counted as dropped.)
TEST_F(ForwarderTest, DropsWhileShardsBuildRequestsLeaveEveryRecordAccountedFor) {
  auto sender = std::make_shared<ScriptedSender>();
  Options o = LocalOptions(sender);
  // A few batches' worth (a batch of this test is about 1 KB of log): each look drops all
  // but the newest few, which the shards take while later writes pile up behind them for
  // the next look's drop.
  o.forward[0].backlog_limit_bytes = 3000;
  o.forward[0].backlog_policy = ForwardBacklogPolicy::kDropOldest;
  o.forward[0].max_connections = 4;
  o.forward[0].max_records_per_request = 100;
  auto e = Open(o);
  CreateTable(*e);
  const int64_t t0 = Now() - 100000;
  constexpr int kWrites = 1000, kPerWrite = 100;
  for (int w = 0; w < kWrites; ++w) {
    std::vector<Record> records;
    for (int i = 0; i < kPerWrite; ++i) {
      records.push_back(Point(absl::StrCat("d", i), t0 + w, absl::StrCat(w)));
    }
    ASSERT_TRUE(Write(*e, records).ok());
  }
  // Every distinct record the destination was sent, as "device@time".
  auto sent = [&] {
    std::set<std::string> keys;
    for (const WriteRecordsRequest& r : sender->requests()) {
      EXPECT_FALSE(r.records.empty());
      for (size_t i = 0; i < r.records.size(); ++i) {
        const int64_t t = TimeMillis(r, i);
        EXPECT_TRUE(t >= t0 && t < t0 + kWrites) << t;
        keys.insert(absl::StrCat(Device(r, i), "@", t));
      }
    }
    return keys;
  };
  auto last_write_sent = [&] {
    const std::set<std::string> keys = sent();
    for (int i = 0; i < kPerWrite; ++i) {
      if (!keys.count(absl::StrCat("d", i, "@", t0 + kWrites - 1))) return false;
    }
    return true;
  };
  // Not "nothing pending" alone: the log's newest batches become durable (and counted)
  // after the last write returns, and until then nothing is pending.
  ASSERT_TRUE(WaitFor([&] { return Forwarding(*e).pending_records == 0 && last_write_sent(); }))
      << Forwarding(*e).dropped_records << " dropped, " << Forwarding(*e).forwarded_records
      << " forwarded, " << Forwarding(*e).pending_records << " pending";
  const TableStats::ForwardStats f = Forwarding(*e);
  EXPECT_GT(f.dropped_records, 0);
  EXPECT_GT(f.forwarded_records, 0);
  EXPECT_GE(static_cast<int64_t>(sent().size()) + f.dropped_records, kWrites * kPerWrite);
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

// An Env whose cursor files' syncs wait while the gate is shut (a disk whose fdatasync
// takes long): everything else goes to `base` at once.
class SlowCursorSyncEnv final : public tsw::testing::WrappingEnv {
 public:
  explicit SlowCursorSyncEnv(Env* base) : WrappingEnv(base) {}
  ~SlowCursorSyncEnv() override { Open(); }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  int waiting() const {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_;
  }

  absl::StatusOr<std::unique_ptr<File>> OpenFile(const std::string& path, OpenMode mode) override {
    absl::StatusOr<std::unique_ptr<File>> f = base()->OpenFile(path, mode);
    if (!f.ok() || !absl::StrContains(path, ".cursor")) return f;
    return std::unique_ptr<File>(new GatedFile(this, std::move(*f)));
  }

 private:
  class GatedFile final : public tsw::testing::WrappingFile {
   public:
    GatedFile(SlowCursorSyncEnv* env, std::unique_ptr<File> f)
        : WrappingFile(std::move(f)), env_(env) {}
    absl::Status Sync() override {
      env_->WaitForTheGate();
      return WrappingFile::Sync();
    }

   private:
    SlowCursorSyncEnv* const env_;
  };

  void WaitForTheGate() {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    cv_.wait(lock, [&] { return open_; });
    --waiting_;
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int waiting_ = 0;
};

// The cursor's write (temporary file, fdatasync, rename, directory fsync) can take tens of
// milliseconds on a busy disk. The shards go on sending a backlog meanwhile: the reading
// of the log does not wait for it (the window holds only a few requests per shard).
TEST_F(ForwarderTest, ABacklogGoesOutWhileTheCursorsSyncIsSlow) {
  SlowCursorSyncEnv slow(&env_);
  auto sender = std::make_shared<ScriptedSender>();
  Options o = LocalOptions(sender);
  o.env = &slow;
  o.forward[0].max_records_per_request = 10;
  o.forward[0].max_connections = 2;  // A window of 80 records.
  auto e = Open(o);
  CreateTable(*e);
  const int64_t t0 = Now() - 100000;
  constexpr int kWrites = 20, kPerWrite = 100;
  for (int w = 0; w < kWrites; ++w) {
    std::vector<Record> records;
    for (int k = 0; k < kPerWrite; ++k) {
      records.push_back(Point(absl::StrCat("d", k % 7), t0 + w * kPerWrite + k, "1"));
    }
    ASSERT_TRUE(Write(*e, records).ok());
  }
  auto sent = [&] {
    size_t n = 0;
    for (const WriteRecordsRequest& r : sender->requests()) n += r.records.size();
    return n;
  };
  // Not WaitFor's minute: a forwarder that stops reading while the cursor's sync waits
  // sends the window and then nothing (that is the failure, not a hang).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (sent() < kWrites * kPerWrite && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(sent(), size_t{kWrites * kPerWrite});
  EXPECT_EQ(slow.waiting(), 1);  // The cursor's first write, all along.
  slow.Open();
  // The cursor's writer catches up with the last cursor handed over: after every batch,
  // durably (the renamed file is seen before its directory is synced).
  ASSERT_TRUE(WaitFor([&] {
    for (const std::string& path : ForwardFiles(".cursor")) {
      absl::StatusOr<std::string> text = env_.ReadDurable(path);
      if (text.ok() &&
          absl::StrContains(*text, absl::StrCat(" sequence=", kWrites + 1, " record=0 "))) {
        return true;
      }
    }
    return false;
  }));
  env_.CutPower({testing::CutMode::kWorstCase});
  e.reset();
  env_.PowerOn();
  ExpectNothingResentAfterReopen(t0 + kWrites * kPerWrite + 7);
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
    // A reader, the cursor's writer and one sender per connection; each names itself
    // before it lowers its priority, so wait for the names, then for the values.
    const int want = std::min(19, base + nice);
    ASSERT_TRUE(WaitFor([&] {
      std::vector<int> nices = NiceOfThreads("tsw-fwd-");
      return nices.size() == 5 &&
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
}  // namespace tsw::forward_test
