// What forwarding costs local writes, in process: Engine::WriteRecords records/s and CPU
// per record with forwarding off, and on to a Sender that accepts every request at once
// (ForwardDestination::sender), so the destination's own work is not on this machine's
// cores and what remains is the forwarder's: Notify on the write path, its dispatcher
// reading and decoding the log, its shards building requests.
//
//   forward_write_bench [--rounds=R] [--seconds=S] [--threads=T] [--records=N]
//                       [--durability=sync|periodic] [--modes=off,on]
//
// Modes: off; on (the forwarder's threads at ForwardDestination::thread_nice's default);
// onN (at thread_nice N, e.g. on0: the writers' own priority).
//
// Rounds alternate off, on, off, on... (R of each), each on a fresh table in a fresh
// temporary directory: T writer threads, each sending 100-record requests (100 series of
// its own, one DOUBLE measure, times counting up) for S seconds, or N records in all with
// --records (for callgrind: a fixed amount of work). Each round prints records/s (wall)
// and the process's CPU microseconds per record (every thread, the forwarder's included);
// with forwarding on, the time until the forwarder has had everything accepted is not
// counted in the rate, and is printed apart ("drain"), and so is the CPU time of the
// forwarder's own threads (named tsw-fwd-*) per record, drain included ("forwarder"): what
// forwarding takes from the writers' cores, without the writers' own noise. Durability: the
// Engine's default (sync: fsync before each write returns) or periodic (every 100 ms).
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/forward/sender.h"
#include "tsw/engine.h"

namespace tsw {
namespace {

class InstantSender final : public forward::Sender {
 public:
  forward::SendOutcome Send(const WriteRecordsRequest& request) override {
    records_.fetch_add(static_cast<int64_t>(request.records.size()), std::memory_order_relaxed);
    return {};
  }
  // The forwarder sends JSON bodies; an instant destination does not parse them.
  forward::SendOutcome SendJson(const std::string& body, size_t record_count) override {
    records_.fetch_add(static_cast<int64_t>(record_count), std::memory_order_relaxed);
    return {};
  }
  int64_t records() const { return records_.load(); }

 private:
  std::atomic<int64_t> records_{0};
};

double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// CPU seconds the process's threads named tsw-fwd-* (the forwarder's) have run, from
// /proc/self/task/<tid>/schedstat (nanoseconds on CPU); 0 where there is no /proc.
double ForwarderThreadsCpuSeconds() {
  std::error_code error;
  std::filesystem::directory_iterator tasks("/proc/self/task", error);
  if (error) return 0;
  int64_t nanos = 0;
  for (const std::filesystem::directory_entry& task : tasks) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (!std::getline(comm, name) || !absl::StartsWith(name, "tsw-fwd")) continue;
    std::ifstream schedstat(task.path() / "schedstat");
    int64_t on_cpu = 0;
    if (schedstat >> on_cpu) nanos += on_cpu;
  }
  return static_cast<double>(nanos) / 1e9;
}

struct Config {
  int rounds = 3;
  double seconds = 5;
  int threads = 1;
  int64_t records = 0;  // > 0: a fixed amount instead of `seconds`.
  SyncPolicy policy = SyncPolicy::kSyncBeforeAck;
  std::vector<std::string> modes = {"off", "on"};
};

WriteRecordsRequest Request(int thread, int64_t* next_time_ms) {
  WriteRecordsRequest r;
  r.database_name = "bench";
  r.table_name = "cpu";
  Record common;
  common.measure_name = "usage";
  common.measure_value_type = MeasureValueType::kDouble;
  common.time_unit = TimeUnit::kMilliseconds;
  common.dimensions = {{"region", "eu-west-1"}};
  r.common_attributes = common;
  const int64_t t = (*next_time_ms)++;
  for (int i = 0; i < 100; ++i) {
    Record rec;
    rec.dimensions = {{"host", absl::StrCat("h", thread, "-", i)}};
    rec.time = absl::StrCat(t);
    rec.measure_value = absl::StrCat((t * 7 + i) % 1000, ".25");
    r.records.push_back(std::move(rec));
  }
  return r;
}

struct RoundResult {
  double rate = 0;          // Records/s while writing.
  double cpu_us = 0;        // Process CPU microseconds per record while writing.
  double drain_s = 0;       // After the writers: until the forwarder had it all accepted.
  double forwarder_us = 0;  // The forwarder's threads' CPU microseconds per record.
};

// `nice` < 0: ForwardDestination's default.
RoundResult RunRound(const Config& config, bool forward, int nice, int round) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           absl::StrCat("tsw-forward-write-", ::getpid(), "-", round))
                              .string();
  std::filesystem::remove_all(dir);
  Options options;
  options.durability.policy = config.policy;
  auto sender = std::make_shared<InstantSender>();
  if (forward) {
    ForwardDestination d;
    d.endpoint = "http://instant:1";
    d.sender = sender;
    if (nice >= 0) d.thread_nice = nice;
    options.forward.push_back(d);
  }
  auto engine = Engine::Open(dir, options);
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().ToString().c_str());
    std::exit(1);
  }
  (void)(*engine)->CreateDatabase({.database_name = "bench"});
  auto table = (*engine)->CreateTable({.database_name = "bench",
                                       .table_name = "cpu",
                                       .retention_properties = RetentionProperties{24, 73000}});
  if (!table.ok()) {
    std::fprintf(stderr, "create: %s\n", table.status().ToString().c_str());
    std::exit(1);
  }
  const int64_t start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count() -
                           int64_t{3} * 3600 * 1000;
  std::atomic<int64_t> written{0};
  std::atomic<bool> stop{false};
  const int64_t per_thread = config.records > 0 ? config.records / config.threads : 0;
  const double cpu0 = ProcessCpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> writers;
  for (int w = 0; w < config.threads; ++w) {
    writers.emplace_back([&, w] {
      int64_t next = start_ms, mine = 0;
      while (per_thread > 0 ? mine < per_thread : !stop.load(std::memory_order_relaxed)) {
        auto r = (*engine)->WriteRecords(Request(w, &next));
        if (!r.ok()) {
          std::fprintf(stderr, "write: %s\n", r.status().ToString().c_str());
          std::exit(1);
        }
        mine += 100;
      }
      written.fetch_add(mine);
    });
  }
  if (config.records == 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(config.seconds));
    stop.store(true);
  }
  for (std::thread& t : writers) t.join();
  const auto t1 = std::chrono::steady_clock::now();
  const double cpu1 = ProcessCpuSeconds();
  RoundResult result;
  const double wall = std::chrono::duration<double>(t1 - t0).count();
  result.rate = static_cast<double>(written.load()) / wall;
  result.cpu_us = (cpu1 - cpu0) * 1e6 / static_cast<double>(written.load());
  if (forward) {
    while (sender->records() < written.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    result.drain_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    // Its threads started with the engine: all they ran is this round's (and its opening).
    result.forwarder_us = ForwarderThreadsCpuSeconds() * 1e6 / static_cast<double>(written.load());
  }
  (void)(*engine)->Close();
  engine->reset();
  std::filesystem::remove_all(dir);
  return result;
}

bool ParseFlags(int argc, char** argv, Config* c) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view a = argv[i];
    std::vector<std::string> kv = absl::StrSplit(a, absl::MaxSplits('=', 1));
    if (kv.size() != 2) return false;
    bool ok = true;
    if (kv[0] == "--rounds") {
      ok = absl::SimpleAtoi(kv[1], &c->rounds);
    } else if (kv[0] == "--seconds") {
      ok = absl::SimpleAtod(kv[1], &c->seconds);
    } else if (kv[0] == "--threads") {
      ok = absl::SimpleAtoi(kv[1], &c->threads) && c->threads > 0;
    } else if (kv[0] == "--records") {
      ok = absl::SimpleAtoi(kv[1], &c->records);
    } else if (kv[0] == "--durability") {
      ok = kv[1] == "sync" || kv[1] == "periodic";
      c->policy = kv[1] == "sync" ? SyncPolicy::kSyncBeforeAck : SyncPolicy::kSyncPeriodically;
    } else if (kv[0] == "--modes") {
      c->modes = absl::StrSplit(kv[1], ',');
    } else {
      ok = false;
    }
    if (!ok) return false;
  }
  return true;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace
}  // namespace tsw

int main(int argc, char** argv) {
  tsw::Config config;
  if (!tsw::ParseFlags(argc, argv, &config)) {
    std::fprintf(stderr,
                 "usage: forward_write_bench [--rounds=R] [--seconds=S] [--threads=T] "
                 "[--records=N] [--durability=sync|periodic] [--modes=off,on]\n");
    return 2;
  }
  std::map<std::string, std::vector<double>> rate, cpu, forwarder;
  int round = 0;
  for (int r = 0; r < config.rounds; ++r) {
    for (const std::string& mode : config.modes) {
      const bool on = absl::StartsWith(mode, "on");
      int nice = -1;
      if (on && mode.size() > 2 && !absl::SimpleAtoi(mode.substr(2), &nice)) {
        std::fprintf(stderr, "bad mode %s\n", mode.c_str());
        return 2;
      }
      tsw::RoundResult res = tsw::RunRound(config, on, nice, round++);
      rate[mode].push_back(res.rate);
      cpu[mode].push_back(res.cpu_us);
      forwarder[mode].push_back(res.forwarder_us);
      std::printf("round %d forwarding %-3s %9.0f records/s  %6.2f CPU us/record", r + 1,
                  mode.c_str(), res.rate, res.cpu_us);
      if (on)
        std::printf("  drain %.3f s  forwarder %.3f CPU us/record", res.drain_s, res.forwarder_us);
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  for (const std::string& mode : config.modes) {
    if (mode == "off" || forwarder[mode].empty()) continue;
    std::printf("median: %s forwarder %.3f CPU us/record\n", mode.c_str(),
                tsw::Median(forwarder[mode]));
    forwarder[mode].clear();
  }
  if (rate.count("off") == 0) return 0;
  const double off = tsw::Median(rate["off"]), off_cpu = tsw::Median(cpu["off"]);
  std::printf("median: off %.0f records/s %.2f CPU us/record\n", off, off_cpu);
  for (const std::string& mode : config.modes) {
    if (mode == "off" || rate[mode].empty()) continue;
    const double on = tsw::Median(rate[mode]), on_cpu = tsw::Median(cpu[mode]);
    std::printf("median: %s %.0f records/s %.2f CPU us/record: rate %+.1f%%, CPU %+.1f%%\n",
                mode.c_str(), on, on_cpu, (on / off - 1) * 100, (on_cpu / off_cpu - 1) * 100);
    rate[mode].clear();  // A mode given twice prints once.
  }
  return 0;
}
