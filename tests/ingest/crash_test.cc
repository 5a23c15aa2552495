// Kills a writer process at random moments and checks, after each reopen, that every
// acknowledged request is there with its values and versions and that no request is half
// there. The child writes through TableStore with SyncPolicy::kSyncBeforeAck from several
// threads (so batches share fsyncs) and reports each acknowledged request to the parent
// through a pipe; the parent SIGKILLs it, reopens the directory and compares the whole
// table with a model of the acknowledged requests plus, for each thread, possibly the one
// request it had in flight (whole or not at all).
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/table/table_test_util.h"

namespace tsw::testing {
namespace {

constexpr int kThreads = 4;
constexpr int kRecordsPerRequest = 10;
constexpr int kRounds = 25;
const int64_t kBaseMillis = kNowMillis - 3600 * 1000;

// Request k of thread t in round `round`: records j = 0..9 on series (t, j) at time
// base + round*100000 + k, value id*10+j, version 1; from k >= 1 the record j = 0 of
// request k-1 is rewritten with version 2 and value -id.
int64_t RequestId(int round, int thread, int k) {
  return (static_cast<int64_t>(round) * kThreads + thread) * 100000 + k;
}
int64_t TimeMillis(int round, int k) { return kBaseMillis + int64_t{round} * 100000 + k; }
std::string Series(int thread, int j) { return absl::StrCat("j=", j, ",t=", thread); }

WriteRecordsRequest MakeRequest(int round, int thread, int k) {
  Record common;
  common.dimensions = {Dim("t", absl::StrCat(thread))};
  common.measure_name = "m";
  common.measure_value_type = MeasureValueType::kBigint;
  std::vector<Record> records;
  const int64_t id = RequestId(round, thread, k);
  for (int j = 0; j < kRecordsPerRequest; ++j) {
    Record r;
    r.dimensions = {Dim("j", absl::StrCat(j))};
    r.measure_value = absl::StrCat(id * 10 + j);
    r.time = absl::StrCat(TimeMillis(round, k));
    records.push_back(r);
  }
  if (k >= 1) {
    Record r;
    r.dimensions = {Dim("j", "0")};
    r.measure_value = absl::StrCat(-id);
    r.time = absl::StrCat(TimeMillis(round, k - 1));
    r.version = 2;
    records.push_back(r);
  }
  return Req(records, common);
}

// Applies request k to the model as the store would.
void ApplyToModel(int round, int thread, int k, Contents* model) {
  const int64_t id = RequestId(round, thread, k);
  for (int j = 0; j < kRecordsPerRequest; ++j) {
    (*model)[RowKey(Series(thread, j), "m", TimeMillis(round, k) * 1000000)] =
        Row{1, MeasureValueType::kBigint, absl::StrCat(id * 10 + j)};
  }
  if (k >= 1) {
    (*model)[RowKey(Series(thread, 0), "m", TimeMillis(round, k - 1) * 1000000)] =
        Row{2, MeasureValueType::kBigint, absl::StrCat(-id)};
  }
}

[[noreturn]] void RunChild(const std::string& dir, int round, int pipe_fd) {
  Options options;
  options.durability.policy = SyncPolicy::kSyncBeforeAck;
  ManualClock clock(kNowNanos);
  table::TableStoreOptions o;
  o.options = &options;
  o.clock = &clock;
  o.report = [](absl::string_view) {};
  absl::StatusOr<std::unique_ptr<table::TableStore>> store = table::TableStore::Open(dir, o);
  if (!store.ok()) _exit(3);
  Table table;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0;; ++k) {
        absl::StatusOr<WriteRecordsResponse> r = (*store)->Write(MakeRequest(round, t, k), table);
        if (!r.ok()) _exit(4);
        const int32_t ack[2] = {t, k};
        if (write(pipe_fd, ack, sizeof(ack)) != sizeof(ack)) _exit(5);
      }
    });
  }
  for (auto& th : threads) th.join();
  _exit(0);
}

class CrashTest : public TableFixture {};

TEST_F(CrashTest, KeepsEveryAcknowledgedRequestAndNoHalfRequestAcrossKills) {
  options_.durability.policy = SyncPolicy::kSyncBeforeAck;
  store_.reset();
  Contents model;
  std::mt19937 rng(20240607);
  int64_t total_acks = 0;
  int in_flight_present = 0;  // Requests killed after logging but before their ack reached us.
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      RunChild(dir_, round, fds[1]);
    }
    close(fds[1]);
    // Once it has acknowledged a request (however loaded the machine: a sanitizer build
    // beside other work may take longer than the window below to open the store), let it
    // write for a random while, then kill it mid-flight.
    pollfd first_ack{fds[0], POLLIN, 0};
    ASSERT_EQ(poll(&first_ack, 1, 60000), 1) << "round " << round << ": no acknowledgement in 60 s";
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 120));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
    std::vector<int> acked(kThreads, -1);  // Highest acknowledged k per thread.
    int32_t ack[2];
    while (read(fds[0], ack, sizeof(ack)) == sizeof(ack)) {
      ASSERT_EQ(ack[1], acked[ack[0]] + 1) << "acks arrive in order per thread";
      acked[ack[0]] = ack[1];
      ++total_acks;
    }
    close(fds[0]);

    ReopenStore();
    Contents stored = Scan();
    for (int t = 0; t < kThreads; ++t) {
      for (int k = 0; k <= acked[t]; ++k) ApplyToModel(round, t, k, &model);
      // The request in flight (k = acked + 1) is whole or absent; its record j = 5 tells.
      const int next = acked[t] + 1;
      if (stored.count(RowKey(Series(t, 5), "m", TimeMillis(round, next) * 1000000))) {
        ApplyToModel(round, t, next, &model);
        ++in_flight_present;
      }
    }
    ASSERT_EQ(stored.size(), model.size()) << "round " << round;
    for (const auto& [key, row] : model) {
      auto it = stored.find(key);
      ASSERT_TRUE(it != stored.end())
          << "round " << round << ": lost " << std::get<0>(key) << " @" << std::get<2>(key);
      ASSERT_EQ(it->second, row) << "round " << round << ": " << std::get<0>(key) << " @"
                                 << std::get<2>(key);
    }
    store_.reset();  // Release the directory for the next child.
  }
  // Every round waited for an acknowledgement before the kill.
  EXPECT_GE(total_acks, kRounds);
  std::cout << total_acks << " acknowledged requests over " << kRounds << " kills; "
            << in_flight_present << " unacknowledged ones were found whole\n";
}

}  // namespace
}  // namespace tsw::testing
