// Crash safety of the tiers: a child process writes requests (new rows, magnetic-store
// writes, upserts, resends and refused lower Versions of rows in either tier) and runs
// maintenance under an advancing manual clock, reporting through a pipe each request before
// it is sent and each acknowledgement, and each clock move before it happens. The parent
// SIGKILLs it at a random moment, reopens the table and checks that every acknowledged
// record is there exactly once at its value and Version (the request in flight: all or
// nothing), except rows that left the magnetic window. Twenty rounds continue on the same
// directory, so kills land in writes, evictions, retention and compaction alike.
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/table/tier_test_util.h"

namespace tsw::testing {
namespace {

constexpr int kRounds = 20;
constexpr int64_t kMemoryWindow = kHour;
constexpr int64_t kMagneticWindow = kDay;

Table CrashTable() {
  Table t;
  t.database_name = "db";
  t.table_name = "tbl";
  t.retention_properties.memory_store_retention_period_in_hours = 1;
  t.retention_properties.magnetic_store_retention_period_in_days = 1;
  t.magnetic_store_write_properties.enable_magnetic_store_writes = true;
  return t;
}

// One record: host, scalar "cpu" or MULTI "mm", time (ms), Version, and its values.
struct Op {
  std::string host;
  bool multi = false;
  int64_t millis = 0;
  int64_t version = 1;
  double load = 0;
  std::string mode;  // MULTI only; empty: attribute absent.

  std::string Series() const { return absl::StrCat("host=", host); }
  std::string Measure() const { return multi ? "mm" : "cpu"; }
  std::string Value() const {
    if (!multi) return DoubleText(load);
    return mode.empty() ? absl::StrCat("load=", DoubleText(load))
                        : absl::StrCat("load=", DoubleText(load), ";mode=", mode);
  }
  Record ToRecord() const {
    if (!multi)
      return Rec({Dim("host", host)}, "cpu", DoubleText(load), millis, std::nullopt, version);
    std::vector<MeasureValue> values = {Attr("load", DoubleText(load))};
    if (!mode.empty()) values.push_back(Attr("mode", mode, MeasureValueType::kVarchar));
    return MultiRec({Dim("host", host)}, "mm", values, millis, version);
  }
  std::string Encode() const {
    return absl::StrCat(host, ",", multi ? 1 : 0, ",", millis, ",", version, ",", DoubleText(load),
                        ",", mode);
  }
  static bool Decode(absl::string_view text, Op* op) {
    std::vector<std::string> f = absl::StrSplit(text, ',');
    if (f.size() != 6) return false;
    int multi;
    op->host = f[0];
    op->mode = f[5];
    if (!absl::SimpleAtoi(f[1], &multi) || !absl::SimpleAtoi(f[2], &op->millis) ||
        !absl::SimpleAtoi(f[3], &op->version) || !absl::SimpleAtod(f[4], &op->load)) {
      return false;
    }
    op->multi = multi != 0;
    return true;
  }
};

Model::Outcome Apply(Model* model, const Op& op) {
  return model->Write(op.Series(), op.Measure(),
                      op.multi ? MeasureValueType::kMulti : MeasureValueType::kDouble,
                      op.millis * 1000000, op.version, op.Value());
}

std::unique_ptr<table::TableStore> OpenStore(const std::string& dir, const Options* options,
                                             const Clock* clock) {
  table::TableStoreOptions o;
  o.options = options;
  o.clock = clock;
  o.report = [](absl::string_view) {};
  o.wal_max_file_bytes = 32 << 10;
  absl::StatusOr<std::unique_ptr<table::TableStore>> store = table::TableStore::Open(dir, o);
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    return nullptr;
  }
  return std::move(*store);
}

void WriteLine(int fd, const std::string& line) {
  std::string out = line + "\n";
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = write(fd, out.data() + done, out.size() - done);
    if (n <= 0) _exit(3);
    done += static_cast<size_t>(n);
  }
}

// The child: continues from `model` at `now`, forever (until killed).
[[noreturn]] void RunChild(const std::string& dir, Model model, int64_t now, uint64_t seed,
                           int fd) {
  ManualClock clock(now);
  Options options;
  table::TableStoreOptions o;
  o.options = &options;
  o.clock = &clock;
  o.report = [](absl::string_view) {};
  o.wal_max_file_bytes = 32 << 10;
  absl::StatusOr<std::unique_ptr<table::TableStore>> opened = table::TableStore::Open(dir, o);
  if (!opened.ok()) _exit(2);
  table::TableStore& store = **opened;
  const Table table = CrashTable();
  std::mt19937_64 rng(seed);
  for (uint64_t request = 0;; ++request) {
    if (rng() % 4 == 0) {
      const int64_t next = clock.NowNanos() + static_cast<int64_t>(5 + rng() % 36) * kMinute;
      WriteLine(fd, absl::StrCat("T ", next));
      clock.Set(next);
      if (!store.RunMaintenance(table).ok()) _exit(4);
      WriteLine(fd, "M");
      continue;
    }
    // Keys the model holds that are still safely inside the magnetic window.
    const int64_t now_ms = clock.NowNanos() / 1000000;
    const int64_t oldest_ms = (clock.NowNanos() - kMagneticWindow) / 1000000 + 10 * 60 * 1000;
    std::vector<const std::pair<const RowKey, Row>*> live;
    for (const auto& entry : model.rows()) {
      if (std::get<2>(entry.first) / 1000000 >= oldest_ms) live.push_back(&entry);
    }
    std::vector<Op> ops;
    const int count = 5 + static_cast<int>(rng() % 30);
    for (int i = 0; i < count; ++i) {
      Op op;
      const int kind = static_cast<int>(rng() % 10);
      if (kind >= 5 && !live.empty()) {
        // An existing key: upsert, resend, or a refused lower or equal Version.
        const auto& [key, row] = *live[rng() % live.size()];
        op.host = std::get<0>(key).substr(5);
        op.multi = std::get<1>(key) == "mm";
        op.millis = std::get<2>(key) / 1000000;
        op.load = static_cast<double>(rng() % 1000) / 8;
        if (op.multi && rng() % 2) op.mode = absl::StrCat("m", rng() % 3);
        if (kind <= 6) {
          op.version = row.version + 1 + static_cast<int64_t>(rng() % 2);
        } else if (kind == 7) {
          op.version = row.version;
          // Same value: rebuild it from the row's text.
          std::vector<std::string> parts = absl::StrSplit(row.value, ';');
          if (!op.multi) {
            absl::SimpleAtod(row.value, &op.load);
          } else {
            op.mode.clear();
            for (const std::string& p : parts) {
              if (p.rfind("load=", 0) == 0) absl::SimpleAtod(p.substr(5), &op.load);
              if (p.rfind("mode=", 0) == 0) op.mode = p.substr(5);
            }
          }
        } else {
          op.version = std::max<int64_t>(1, row.version - static_cast<int64_t>(rng() % 2));
          op.load = 1000.5;  // Never a stored value: refused.
        }
      } else {
        op.host = absl::StrCat("h", rng() % 12);
        op.multi = rng() % 3 == 0;
        op.load = static_cast<double>(rng() % 1000) / 8;
        if (op.multi && rng() % 2) op.mode = absl::StrCat("m", rng() % 3);
        // Mostly recent rows; some magnetic-store writes up to the magnetic window.
        if (rng() % 4 == 0) {
          op.millis =
              oldest_ms + static_cast<int64_t>(rng() % static_cast<uint64_t>(now_ms - oldest_ms));
        } else {
          op.millis = now_ms - static_cast<int64_t>(rng() % (50 * 60 * 1000));
        }
        op.version = 1 + static_cast<int64_t>(rng() % 3);
      }
      ops.push_back(op);
    }
    std::vector<std::string> encoded;
    std::vector<Record> records;
    for (const Op& op : ops) {
      encoded.push_back(op.Encode());
      records.push_back(op.ToRecord());
    }
    WriteLine(fd, absl::StrCat("I ", request, " ", absl::StrJoin(encoded, ";")));
    absl::StatusOr<WriteRecordsResponse> r = store.Write(Req(records), table);
    std::vector<std::string> refused;
    if (!r.ok()) {
      if (KindOf(r.status()) != ErrorKind::kRejectedRecords) _exit(5);
      for (const RejectedRecord& rr : RejectedRecordsOf(r.status())) {
        refused.push_back(absl::StrCat(rr.record_index));
      }
    }
    WriteLine(fd, absl::StrCat("A ", request, " ", absl::StrJoin(refused, ",")));
    std::vector<bool> is_refused(ops.size());
    for (const std::string& s : refused) is_refused[std::stoi(s)] = true;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (!is_refused[i]) Apply(&model, ops[i]);
    }
  }
}

// The rows of `model` a scan at clock `now` must show, and may show, once maintenance
// ran: those inside the magnetic window.
Contents Live(const Contents& rows, int64_t now) { return From(rows, now - kMagneticWindow); }

TEST(TierCrashTest, AcknowledgedRecordsSurviveKillsDuringWritesAndMaintenance) {
  const std::string dir = NewTempDir();
  Model model;
  int64_t now = kNowNanos;
  Options options;
  const Table table = CrashTable();
  std::mt19937_64 rng(20240611);
  int acknowledged = 0, maintenance_moves = 0, in_flight_applied = 0, killed_in_maintenance = 0;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const uint64_t child_seed = rng();
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      RunChild(dir, model, now, child_seed, fds[1]);
    }
    close(fds[1]);
    // The kill comes a random 0-20 ms after the child reported a random number (0-199) of
    // steps, so every round makes progress however slow the machine's fsyncs are, and the
    // kill still lands at a random point of whatever the child is doing.
    const size_t lines_before_kill = rng() % 200;
    const auto kill_delay = std::chrono::microseconds(rng() % 20000);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::string buffer;
    char chunk[65536];
    auto read_for = [&](std::chrono::steady_clock::duration wait) {
      const auto until = std::chrono::steady_clock::now() + wait;
      while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              until - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0) return true;
        pollfd p{fds[0], POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
        const ssize_t n = read(fds[0], chunk, sizeof(chunk));
        if (n <= 0) return false;  // The child died on its own: the checks below say why.
        buffer.append(chunk, static_cast<size_t>(n));
      }
    };
    bool alive = true;
    while (alive && std::count(buffer.begin(), buffer.end(), '\n') <
                        static_cast<std::ptrdiff_t>(lines_before_kill)) {
      if (std::chrono::steady_clock::now() > give_up) break;
      alive = read_for(std::chrono::milliseconds(5));
    }
    if (alive) {
      std::this_thread::sleep_for(kill_delay);
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself with " << WEXITSTATUS(status);
    while (true) {
      const ssize_t n = read(fds[0], chunk, sizeof(chunk));
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    close(fds[0]);

    // Replay the child's reports: acknowledged requests into the model, the last request
    // without an acknowledgement kept aside.
    std::vector<Op> in_flight;
    bool has_in_flight = false;
    bool in_maintenance = false;
    size_t begin = 0;
    while (true) {
      const size_t end = buffer.find('\n', begin);
      if (end == std::string::npos) break;  // A line cut by the kill was never acted on.
      const std::string line = buffer.substr(begin, end - begin);
      begin = end + 1;
      if (line[0] == 'T') {
        ASSERT_TRUE(absl::SimpleAtoi(line.substr(2), &now));
        ++maintenance_moves;
        in_maintenance = true;
      } else if (line[0] == 'M') {
        in_maintenance = false;
      } else if (line[0] == 'I') {
        in_flight.clear();
        const size_t space = line.find(' ', 2);
        for (absl::string_view text : absl::StrSplit(line.substr(space + 1), ';')) {
          Op op;
          ASSERT_TRUE(Op::Decode(text, &op)) << text;
          in_flight.push_back(op);
        }
        has_in_flight = true;
      } else if (line[0] == 'A') {
        ASSERT_TRUE(has_in_flight);
        std::vector<int32_t> refused;
        const size_t space = line.find(' ', 2);
        if (space != std::string::npos && space + 1 < line.size()) {
          for (absl::string_view s : absl::StrSplit(line.substr(space + 1), ',')) {
            int32_t i;
            ASSERT_TRUE(absl::SimpleAtoi(s, &i));
            refused.push_back(i);
          }
        }
        std::vector<int32_t> expected_refused;
        for (size_t i = 0; i < in_flight.size(); ++i) {
          if (Apply(&model, in_flight[i]) == Model::Outcome::kRejected) {
            expected_refused.push_back(static_cast<int32_t>(i));
          }
        }
        EXPECT_EQ(refused, expected_refused) << "round " << round << ": " << line;
        ++acknowledged;
        has_in_flight = false;
      }
    }

    killed_in_maintenance += in_maintenance;
    // Reopen at the last clock reading the child reported (it may not have reached it).
    ManualClock clock(now);
    std::unique_ptr<table::TableStore> store = OpenStore(dir, &options, &clock);
    ASSERT_NE(store, nullptr);
    Model with = model;
    if (has_in_flight) {
      for (const Op& op : in_flight) Apply(&with, op);
    }
    const Contents base_live = Live(model.rows(), now);
    const Contents with_live = Live(with.rows(), now);
    // Before any maintenance the scan cuts at the magnetic store's own (coarser) cutoff:
    // compare inside the window.
    const Contents seen = Live(ScanAll(store.get()), now);
    const bool matches_base = seen == base_live;
    const bool matches_with = seen == with_live;
    EXPECT_TRUE(matches_base || matches_with)
        << "round " << round << ": " << seen.size() << " rows seen, " << base_live.size()
        << " acknowledged, " << with_live.size() << " with the request in flight";
    if (!matches_base && matches_with) {
      model = with;
      ++in_flight_applied;
    }
    ASSERT_TRUE(store->RunMaintenance(table).ok()) << "round " << round;
    EXPECT_EQ(ScanAll(store.get()), Live(model.rows(), now)) << "round " << round;
    EXPECT_TRUE(store->Verify().empty()) << "round " << round;
    if (::testing::Test::HasFailure()) break;
  }
  std::cout << acknowledged << " acknowledged requests, " << maintenance_moves
            << " maintenance passes begun, " << killed_in_maintenance << " kills during one, "
            << in_flight_applied << " requests in flight found applied, " << model.rows().size()
            << " rows in the model\n";
  EXPECT_GT(acknowledged, 50);
  EXPECT_GT(maintenance_moves, 20);
  // The clock passed the magnetic window: retention dropped rows along the way.
  EXPECT_GT(now - kNowNanos, kMagneticWindow);
}

}  // namespace
}  // namespace tsw::testing
