#include "engine/forward/forwarder.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#if defined(__linux__)
#include <pthread.h>
#include <sys/resource.h>
#endif

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/common/file_util.h"
#include "engine/common/json_writer.h"
#include "engine/forward/record_builder.h"
#include "engine/wire/api_json.h"
#include "tsw/status.h"
#include "xxhash.h"

namespace tsw::forward {
namespace {

constexpr absl::string_view kCursorMagic = "tsw-forward-cursor";
constexpr absl::string_view kCursorVersion = "1";

// Whether cursor `a` is past `b` in the log (cursors only move forward once running).
bool Past(const Cursor& a, const Cursor& b) {
  return a.sequence != b.sequence ? a.sequence > b.sequence : a.record > b.record;
}

int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Names the calling thread (for `top -H` and /proc/<pid>/task/*/comm) and makes it `nice`
// nicer than it was (inherited from the thread that started it), capped at 19. Linux
// gives each thread a nice value of its own (setpriority of the calling thread); elsewhere
// this does nothing. Returns what failed, or an empty string.
std::string LowerThisThreadsPriority(const char* name, int nice) {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), name);
  if (nice <= 0) return "";
  // PRIO_PROCESS with id 0 is the calling thread on Linux (the kernel takes `current`),
  // the same as its thread id.
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, 0);
  if (now == -1 && errno != 0) return std::strerror(errno);
  if (setpriority(PRIO_PROCESS, 0, std::min(19, now + nice)) != 0) {
    return std::strerror(errno);
  }
#else
  (void)name;
  (void)nice;
#endif
  return "";
}

}  // namespace

// ------------------------------------------------------------------------------ Cursor

std::string Cursor::Encode() const {
  std::string body =
      absl::StrCat(kCursorMagic, " ", kCursorVersion, " sequence=", sequence, " record=", record,
                   " file=", hint.file_number, " offset=", hint.offset);
  const uint64_t sum = XXH3_64bits(body.data(), body.size());
  return absl::StrCat(body, " checksum=", Hex64(sum), "\n");
}

absl::Status Cursor::Decode(absl::string_view text, Cursor* cursor) {
  auto bad = [&](absl::string_view why) {
    return InternalError(absl::StrCat("the forwarding cursor \"", absl::StripAsciiWhitespace(text),
                                      "\" is damaged (", why, ")"));
  };
  absl::string_view line = absl::StripTrailingAsciiWhitespace(text);
  const size_t at = line.rfind(" checksum=");
  if (at == absl::string_view::npos) return bad("no checksum");
  const absl::string_view body = line.substr(0, at);
  if (line.substr(at + 10) != Hex64(XXH3_64bits(body.data(), body.size()))) {
    return bad("checksum mismatch");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(body, ' ');
  if (parts.size() != 6 || parts[0] != kCursorMagic || parts[1] != kCursorVersion) {
    return bad("not a version 1 cursor");
  }
  Cursor c;
  auto field = [&](absl::string_view part, absl::string_view key, auto* out) {
    return absl::ConsumePrefix(&part, key) && absl::SimpleAtoi(part, out);
  };
  if (!field(parts[2], "sequence=", &c.sequence) || !field(parts[3], "record=", &c.record) ||
      !field(parts[4], "file=", &c.hint.file_number) ||
      !field(parts[5], "offset=", &c.hint.offset) || c.sequence == 0) {
    return bad("malformed field");
  }
  *cursor = c;
  return absl::OkStatus();
}

// --------------------------------------------------------------------------- Forwarder

std::string Forwarder::DestinationName(const ForwardDestination& d, absl::string_view database,
                                       absl::string_view table) {
  const std::string& where = !d.endpoint.empty()             ? d.endpoint
                             : !d.discovery_endpoint.empty() ? d.discovery_endpoint
                                                             : d.region;
  return absl::StrCat(where, "/", d.database.empty() ? database : d.database, "/",
                      d.table.empty() ? table : d.table);
}

std::string Forwarder::StateId(const ForwardDestination& d) {
  const std::string key = absl::StrCat(d.endpoint, "\n", d.discovery_endpoint, "\n", d.region, "\n",
                                       d.database, "\n", d.table);
  return Hex64(XXH3_64bits(key.data(), key.size()));
}

Forwarder::Forwarder(ForwarderOptions options, table::TableStore* store)
    : options_(std::move(options)),
      store_(store),
      name_(DestinationName(options_.destination, options_.source_database, options_.source_table)),
      state_dir_(file::JoinPath(options_.table_dir, "forward")),
      cursor_path_(file::JoinPath(state_dir_, StateId(options_.destination) + ".cursor")),
      dead_letter_path_(
          file::JoinPath(state_dir_, StateId(options_.destination) + ".rejected.jsonl")),
      database_(options_.destination.database.empty() ? options_.source_database
                                                      : options_.destination.database),
      table_(options_.destination.table.empty() ? options_.source_table
                                                : options_.destination.table),
      request_prefix_(RequestPrefix(database_, table_)),
      max_shards_(std::max(1, options_.destination.max_connections)),
      reader_(*options_.env, store->WalDir()),
      counter_(*options_.env, store->WalDir()) {
  MutexLock lock(&mu_);
  stats_.destination = name_;
  queues_.resize(static_cast<size_t>(max_shards_));
  queue_cvs_ = std::make_unique<CondVar[]>(static_cast<size_t>(max_shards_));
}

absl::StatusOr<std::unique_ptr<Forwarder>> Forwarder::Start(ForwarderOptions options,
                                                            table::TableStore* store) {
  std::unique_ptr<Forwarder> f(new Forwarder(std::move(options), store));
  if (absl::Status s = file::CreateDirs(*f->options_.env, f->state_dir_); !s.ok()) return s;
  absl::StatusOr<std::string> text = file::ReadFile(*f->options_.env, f->cursor_path_);
  bool had_cursor = false;
  if (text.ok()) {
    had_cursor = true;
    if (absl::Status s = Cursor::Decode(*text, &f->cursor_); !s.ok()) {
      had_cursor = false;
      // Deterministic: start over from the oldest batch the log holds (resending is
      // harmless), and say so.
      f->Report(absl::StrCat(s.message(), " in ", f->cursor_path_,
                             "; resending from the oldest batch the log holds"));
      f->cursor_ = Cursor();
    }
  } else if (!absl::IsNotFound(text.status())) {
    return text.status();
  }
  if (absl::Status s = f->Open(had_cursor); !s.ok()) return s;
  // The backlog the log already holds is counted before Start returns, so the table's
  // stats are right from the first GetTableStats (not "0 pending" until the thread has
  // looked). A log that cannot be read is the thread's to report, as later.
  if (absl::Status s = f->Count(f->store_->DurableSequence()); !s.ok()) {
    f->SetError(std::string(s.message()));
  }
  f->hold_.store(f->cursor_.sequence, std::memory_order_release);
  f->handed_ = f->cursor_;
  {
    MutexLock lock(&f->cursor_mu_);
    f->written_ = f->to_write_ = f->cursor_;
  }
  for (int i = 0; i < f->max_shards_; ++i) {
    f->shard_threads_.emplace_back([raw = f.get(), i] { raw->RunShard(i); });
  }
  f->cursor_thread_ = std::thread([raw = f.get()] { raw->RunCursorWriter(); });
  f->thread_ = std::thread([raw = f.get()] { raw->Run(); });
  return f;
}

absl::Status Forwarder::Open(bool had_cursor) {
  uint64_t first_held = 0;
  absl::Status s = reader_.Seek(cursor_.sequence, cursor_.hint, &first_held);
  if (absl::IsNotFound(s) && first_held != 0) {
    Report(absl::StrCat(
        "forwarding ", options_.source_database, ".", options_.source_table, " to ", name_, ": ",
        had_cursor
            ? absl::StrCat("the cursor names batch ", cursor_.sequence, " but the log begins at ",
                           first_held, "; the batches between were never sent")
            : absl::StrCat("starts at batch ", first_held, ", the oldest the log holds")));
    cursor_ = Cursor{first_held, 0, {}};
    s = reader_.Seek(cursor_.sequence, {}, &first_held);
  }
  if (absl::IsOutOfRange(s)) {
    // The cursor is past the log's end: the log lost batches it had (a damaged disk)
    // or the cursor belongs to another log. Start from the log's end.
    const uint64_t end = store_->DurableSequence() + 1;
    Report(absl::StrCat("forwarding ", options_.source_database, ".", options_.source_table, " to ",
                        name_, ": ", s.message(), "; the cursor (batch ", cursor_.sequence,
                        ") moves back to batch ", end));
    cursor_ = Cursor{end, 0, {}};
    s = reader_.Seek(cursor_.sequence, {}, &first_held);
  }
  if (!s.ok()) return s;
  cursor_.hint = reader_.position();
  return counter_.Seek(cursor_.sequence, cursor_.hint, &first_held);
}

Forwarder::~Forwarder() { Stop(); }

// On the write path (every WriteRecords): while the dispatcher is busy, two atomic
// operations and no lock. The sequentially consistent pair (wake_ then waiting_ here,
// waiting_ then wake_ in Wait) means that either Wait sees wake_ set or this sees it
// waiting and signals under mu_, which Wait holds until it sleeps.
void Forwarder::Notify() {
  if (wake_.exchange(true)) return;
  if (!waiting_.load()) return;
  // Taking and releasing mu_ orders this after the dispatcher's check of wake_ (it waits
  // already, or it sees wake_ set); the signal follows the release, so the dispatcher
  // does not wake only to wait for mu_.
  { MutexLock lock(&mu_); }
  cv_.Signal();
}

void Forwarder::NotifyAcknowledged() {
  acknowledged_.store(true);
  Notify();
}

void Forwarder::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  shard_cv_.SignalAll();
  for (int i = 0; i < max_shards_; ++i) queue_cvs_[i].SignalAll();
  for (std::thread& t : shard_threads_) {
    if (t.joinable()) t.join();
  }
  if (!thread_.joinable()) return;
  thread_.join();
  {
    MutexLock lock(&cursor_mu_);
    cursor_stop_ = true;
  }
  cursor_cv_.SignalAll();
  cursor_thread_.join();  // After a write it had begun.
  // Every thread is gone: the cursor moves over what the shards had accepted last, and is
  // written here.
  Advance();
  MutexLock lock(&cursor_mu_);
  if (Past(cursor_, written_) && WriteCursor(cursor_)) written_ = cursor_;
}

bool Forwarder::Wait(int64_t millis, bool wake_on_notify) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(millis);
  MutexLock lock(&mu_);
  // Only a wait that Notify ends tells writers to signal: a writer during any other wait
  // (the coalescing pause, a backoff) costs one atomic exchange and no system call.
  if (wake_on_notify) waiting_.store(true);
  while (!stop_ && !(wake_on_notify && wake_.load())) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
  waiting_.store(false);
  return !stop_;
}

size_t Forwarder::RequestRecords() const {
  return static_cast<size_t>(std::max(1, options_.destination.max_records_per_request));
}

uint64_t Forwarder::NextRandom() {
  MutexLock lock(&mu_);
  rng_ ^= rng_ << 13, rng_ ^= rng_ >> 7, rng_ ^= rng_ << 17;  // xorshift64
  return rng_;
}

void Forwarder::Report(absl::string_view line) const { options_.report(line); }

void Forwarder::SetError(const std::string& error) {
  MutexLock lock(&mu_);
  stats_.last_error = error;
}

absl::Status Forwarder::WriteGate() const {
  if (!throttled_.load(std::memory_order_acquire)) return absl::OkStatus();
  MutexLock lock(&mu_);
  return MakeError(ErrorKind::kThrottling, throttle_message_);
}

TableStats::ForwardStats Forwarder::Stats() const {
  MutexLock lock(&mu_);
  TableStats::ForwardStats s = stats_;
  s.pending_records = counted_records_ - passed_records_ - window_done_;
  s.pending_bytes = counted_bytes_ - passed_bytes_;
  s.seconds_behind = 0;
  if (s.pending_records > 0 && !seen_.empty()) {
    s.seconds_behind = std::max<double>(
        0, static_cast<double>(options_.clock->NowNanos() - seen_.front().second) / 1e9);
  }
  return s;
}

void Forwarder::LowerPriority(const char* thread_name) const {
  const std::string error = LowerThisThreadsPriority(thread_name, options_.destination.thread_nice);
  if (error.empty()) return;
  Report(absl::StrCat("forwarding ", options_.source_database, ".", options_.source_table, " to ",
                      name_, ": its threads keep their priority (", error, ")"));
}

void Forwarder::Run() {
  LowerPriority("tsw-fwd-read");
  while (true) {
    wake_.store(false);
    const uint64_t durable = store_->DurableSequence();
    Advance();
    absl::Status s = Count(durable);
    if (s.ok()) s = EnforceBacklog(durable).status();
    if (s.ok() && Reshard()) s = Fill(durable);
    if (!s.ok()) {
      // The log cannot be read (damage, I/O): nothing can be sent; say so and wait long.
      Report(absl::StrCat("forwarding ", options_.source_database, ".", options_.source_table,
                          " to ", name_, " stopped: ", s.message()));
      SetError(std::string(s.message()));
      if (!Wait(options_.failed_backoff_millis, false)) break;
      continue;
    }
    bool idle;
    {
      MutexLock lock(&mu_);
      if (stop_) break;  // Stop does not wait for the backlog to drain.
      idle = window_.empty();
    }
    // At most every cursor_persist_millis, caught up or not: a forwarder that keeps up
    // with a busy writer catches up after nearly every write, and a cursor written each
    // time (fdatasync, rename, directory fsync) queued behind the writers' own syncs.
    PersistCursor(false);
    // Woken by a write (Notify), a shard's acknowledgement, the poll, or the cursor's timer
    // (a cursor not yet written is written within cursor_persist_millis, also when no
    // write or acknowledgement follows).
    if (!Wait(NextWaitMillis(), true)) break;
    // Woken by a write while caught up: pause a moment so the writes of the next few
    // milliseconds are read, queued and sent together instead of one wake-up (and one
    // request, and one acknowledgement) per write. An acknowledgement is not paused for:
    // with a backlog the shards' next requests are read at once.
    const bool acknowledged = acknowledged_.exchange(false);
    if (idle && !acknowledged && options_.notify_coalesce_millis > 0) {
      if (!Wait(options_.notify_coalesce_millis, false)) break;
    }
  }
}

int64_t Forwarder::NextWaitMillis() const {
  int64_t wait = options_.idle_poll_millis;
  if (cursor_.sequence != handed_.sequence || cursor_.record != handed_.record) {
    const int64_t due = last_persist_ + options_.cursor_persist_millis - SteadyMillis();
    wait = std::min(wait, std::max<int64_t>(1, due));
  }
  return wait;
}

void Forwarder::RunShard(int shard) {
  LowerPriority(absl::StrCat("tsw-fwd-send", shard).substr(0, 15).c_str());
  std::vector<Queued> records;
  std::string body;  // Reused: a request's JSON allocates only when it outgrows the last.
  while (true) {
    uint64_t epoch;
    {
      MutexLock lock(&mu_);
      std::deque<Queued>& queue = queues_[static_cast<size_t>(shard)];
      while (!stop_ && (queue.empty() || !MaySendLocked(queue))) queue_cvs_[shard].Wait(&mu_);
      if (stop_) return;
      const size_t n = std::min(queue.size(), RequestRecords());
      records.clear();
      for (size_t i = 0; i < n; ++i) {
        records.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      epoch = epoch_;
      ++busy_;
    }
    SendUntilAccepted(epoch, records, &body);
    records.clear();  // Outside mu_: releasing the batches' tables is not the shards' business.
    {
      MutexLock lock(&mu_);
      // The last request in flight is answered: shards holding partial requests behind a
      // full window may send them now (MaySendLocked), even if no Fill follows (a reshard
      // waiting for the shards to drain).
      if (--busy_ == backing_off_ && !reading_ && !caught_up_) SignalShardsThatMaySendLocked();
    }
    NotifyAcknowledged();  // The cursor may move; a reshard may wait for this.
  }
}

absl::Status Forwarder::Count(uint64_t durable) {
  int64_t records = 0, bytes = 0;
  uint64_t last = 0;
  wal::LogBatch& b = batch_;
  while (true) {
    const bool first_of_cursor = counter_.next_sequence() == cursor_.sequence;
    absl::StatusOr<bool> got = counter_.Next(durable, wal::LogReader::ReadMode::kRecordCount, &b);
    if (!got.ok()) return got.status();
    if (!*got) break;
    uint32_t n = 0;
    if (b.payload.size() >= wal::LogReader::kPayloadHeaderBytes) {
      std::memcpy(&n, b.payload.data() + 1, 4);  // Little-endian fixed32 (FORMAT.md).
    }
    if (first_of_cursor) n -= std::min(n, cursor_.record);
    records += n;
    bytes += b.frame_bytes;
    last = b.sequence;
  }
  if (last == 0) return absl::OkStatus();
  const int64_t now = options_.clock->NowNanos();
  MutexLock lock(&mu_);
  counted_records_ += records;
  counted_bytes_ += bytes;
  if (!seen_.empty() && now - seen_.back().second < 1000000000) {
    seen_.back().first = last;
  } else {
    seen_.emplace_back(last, now);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Forwarder::EnforceBacklog(uint64_t durable) {
  const ForwardDestination& d = options_.destination;
  int64_t pending;
  {
    MutexLock lock(&mu_);
    pending = counted_bytes_ - passed_bytes_;
  }
  if (d.backlog_policy == ForwardBacklogPolicy::kThrottleWrites) {
    const bool over = pending > d.backlog_limit_bytes;
    if (over != throttled_.load(std::memory_order_relaxed)) {
      std::string message =
          absl::StrCat("Table ", options_.source_database, ".", options_.source_table,
                       " is not accepting writes: its backlog of unsent records for ", name_, " (",
                       pending, " bytes of log) is over the limit of ", d.backlog_limit_bytes,
                       " bytes. Writes resume once the destination catches up.");
      {
        MutexLock lock(&mu_);
        throttle_message_ = message;
      }
      // Reported before the state flips, so the report is never later than what it says
      // (a write accepted again before "writes accepted" is reported).
      Report(over
                 ? absl::StrCat("forwarding: ", message)
                 : absl::StrCat("forwarding ", options_.source_database, ".", options_.source_table,
                                " to ", name_, ": backlog under its limit again; writes accepted"));
      throttled_.store(over, std::memory_order_release);
    }
    return false;
  }
  if (pending <= d.backlog_limit_bytes) return false;
  // kDropOldest: move the cursor past whole batches from its own until under the limit.
  uint64_t first_held = 0;
  if (absl::Status s = reader_.Seek(cursor_.sequence, cursor_.hint, &first_held); !s.ok()) {
    return s;
  }
  int64_t dropped = 0, dropped_bytes = 0;
  const uint64_t from = cursor_.sequence;
  wal::LogBatch& b = batch_;
  while (pending - dropped_bytes > d.backlog_limit_bytes) {
    absl::StatusOr<bool> got = reader_.Next(durable, wal::LogReader::ReadMode::kRecordCount, &b);
    if (!got.ok()) return got.status();
    if (!*got) break;
    uint32_t n = 0;
    if (b.payload.size() >= wal::LogReader::kPayloadHeaderBytes) {
      std::memcpy(&n, b.payload.data() + 1, 4);
    }
    if (b.sequence == from) n -= std::min(n, cursor_.record);
    dropped += n;
    dropped_bytes += b.frame_bytes;
  }
  cursor_ = Cursor{reader_.next_sequence(), 0, reader_.position()};
  // Records of the dropped batches a shard had already had accepted are forwarded ones.
  const int64_t accepted = ResetShards(cursor_.sequence);
  {
    MutexLock lock(&mu_);
    passed_records_ += dropped;
    passed_bytes_ += dropped_bytes;
    stats_.dropped_records += dropped - accepted;
    while (!seen_.empty() && seen_.front().first < cursor_.sequence) seen_.pop_front();
  }
  Report(absl::StrCat("forwarding ", options_.source_database, ".", options_.source_table, " to ",
                      name_, ": backlog over ", d.backlog_limit_bytes, " bytes; dropped ", dropped,
                      " unsent records (batches ", from, " to ", cursor_.sequence - 1, ")"));
  PersistCursor(true);
  return true;
}

int64_t Forwarder::ResetShards(uint64_t before_sequence) {
  int64_t accepted = 0;
  {
    MutexLock lock(&mu_);
    for (const InFlight& p : window_) accepted += p.done && p.sequence < before_sequence;
    window_base_ += window_.size();
    window_.clear();
    window_done_ = 0;
    for (std::deque<Queued>& q : queues_) q.clear();
    ++epoch_;
  }
  shard_cv_.SignalAll();  // Shards backing off give their requests up.
  for (int i = 0; i < max_shards_; ++i) queue_cvs_[i].SignalAll();
  return accepted;
}

bool Forwarder::Reshard() {
  MutexLock lock(&mu_);
  const int64_t pending = counted_records_ - passed_records_;
  const int want = static_cast<int>(
      std::clamp<int64_t>(pending / static_cast<int64_t>(RequestRecords()), 1, max_shards_));
  if (want == shards_) return true;
  // A series must not have records on two shards at once: the count changes only when
  // nothing is queued or in flight. Growing waits for that (reading nothing meanwhile);
  // shrinking goes on at the current count until the forwarder drains by itself.
  if (!window_.empty() || busy_ > 0) return want < shards_;
  shards_ = want;
  return true;
}

absl::Status Forwarder::Fill(uint64_t durable) {
  {
    MutexLock lock(&mu_);
    reading_ = true;
  }
  bool caught_up = false;
  absl::Status s = FillWindow(durable, &caught_up);
  // Reading is over: shards that may send what they hold now, a partial request included
  // (MaySendLocked), are woken (after mu_ is released); no others (one that may not, or an
  // empty one, would look and sleep again: a futex round trip per shard per read).
  {
    MutexLock lock(&mu_);
    reading_ = false;
    // A log that cannot be read will not fill anyone's request either.
    caught_up_ = caught_up || !s.ok();
    ShardsThatMaySendLocked(&wake_shards_);
  }
  SignalShards(wake_shards_);
  return s;
}

void Forwarder::SignalShardsThatMaySendLocked() {
  for (int i = 0; i < max_shards_; ++i) {
    const std::deque<Queued>& queue = queues_[static_cast<size_t>(i)];
    if (!queue.empty() && MaySendLocked(queue)) queue_cvs_[i].Signal();
  }
}

void Forwarder::ShardsThatMaySendLocked(std::vector<int>* shards) const {
  shards->clear();
  for (int i = 0; i < max_shards_; ++i) {
    const std::deque<Queued>& queue = queues_[static_cast<size_t>(i)];
    if (!queue.empty() && MaySendLocked(queue)) shards->push_back(i);
  }
}

void Forwarder::SignalShards(const std::vector<int>& shards) {
  // The shards' state changed under mu_, before this: a shard either saw it before it
  // waited, or waits and gets the signal.
  for (int i : shards) queue_cvs_[i].Signal();
}

bool Forwarder::MaySendLocked(const std::deque<Queued>& queue) const {
  if (queue.size() >= RequestRecords()) return true;
  // A partial request. Not while the dispatcher reads: records of one batch arrive on
  // every shard, and a request per batch per shard is many small ones.
  if (reading_) return false;
  // The dispatcher read all the log holds, or no request is in flight (shards backing off
  // after kRetry or kFailed bring no answer soon): nothing more is coming soon.
  if (caught_up_ || busy_ == backing_off_) return true;
  // The window is full and requests are in flight: their answers let the dispatcher read
  // more, which may fill this request. Unless this shard holds the window's oldest
  // record not yet accepted: then the window (and the cursor) wait for this request,
  // and no answer to another one moves them.
  for (size_t i = 0; i < window_.size(); ++i) {
    if (!window_[i].done) return queue.front().ordinal == window_base_ + i;
  }
  return true;
}

absl::Status Forwarder::FillWindow(uint64_t durable, bool* caught_up) {
  // Room for a few requests per shard, so each has its next one ready as one is answered.
  const size_t limit = RequestRecords() * static_cast<size_t>(max_shards_) * 4;
  wal::LogBatch& b = batch_;
  std::vector<size_t> shard_of;
  while (true) {
    {
      MutexLock lock(&mu_);
      if (window_.size() >= limit) break;
    }
    absl::StatusOr<bool> got = reader_.Next(durable, wal::LogReader::ReadMode::kWhole, &b);
    if (!got.ok()) return got.status();
    if (!*got) {
      *caught_up = true;
      break;
    }
    scratch_.clear();
    if (absl::Status s = decoder_.Decode(b.payload, &scratch_); !s.ok()) {
      return InternalError(
          absl::StrCat("batch ", b.sequence, " of ", store_->WalDir(), ": ", s.message()));
    }
    const uint32_t skip = b.sequence == cursor_.sequence ? cursor_.record : 0;
    const uint32_t n = static_cast<uint32_t>(scratch_.size());
    shard_of.assign(n, 0);
    if (shards_ > 1) {
      for (uint32_t i = skip; i < n; ++i) {
        // The shard key: a series and measure. Records of one key always go to one shard,
        // so they reach the destination in log order.
        shard_of[i] = scratch_[i].shard_hash % static_cast<uint64_t>(shards_);
      }
    }
    wake_shards_.clear();
    {
      MutexLock lock(&mu_);
      if (n <= skip) {
        // A batch with no record left to send (or none at all): passed now, and by the
        // cursor once the records before it are accepted.
        if (window_.empty()) cursor_ = Cursor{reader_.next_sequence(), 0, reader_.position()};
        passed_bytes_ += b.frame_bytes;
        continue;
      }
      // While reading, a shard waits for a full request: woken only when its queue fills
      // one (not once per batch), once mu_ is released.
      const size_t full = RequestRecords();
      for (uint32_t i = skip; i < n; ++i) {
        const uint64_t ordinal = window_base_ + window_.size();
        window_.push_back(InFlight{b.sequence, i, n, b.frame_bytes, b.position, false});
        std::deque<Queued>& queue = queues_[shard_of[i]];
        queue.push_back(Queued{std::move(scratch_[i]), ordinal});
        if (queue.size() == full) wake_shards_.push_back(static_cast<int>(shard_of[i]));
      }
    }
    SignalShards(wake_shards_);
  }
  return absl::OkStatus();
}

void Forwarder::Advance() {
  MutexLock lock(&mu_);
  int64_t n = 0, bytes = 0;
  while (!window_.empty() && window_.front().done) {
    const InFlight& p = window_.front();
    if (p.index + 1 == p.batch_records) bytes += p.frame_bytes;  // Its batch is passed.
    window_.pop_front();
    ++window_base_;
    ++n;
  }
  if (n == 0) return;
  if (!window_.empty()) {
    const InFlight& p = window_.front();
    cursor_ = Cursor{p.sequence, p.index, p.position};
  } else {
    cursor_ = Cursor{reader_.next_sequence(), 0, reader_.position()};
  }
  passed_records_ += n;
  passed_bytes_ += bytes;
  window_done_ -= n;
  while (!seen_.empty() && seen_.front().first < cursor_.sequence) seen_.pop_front();
}

void Forwarder::PersistCursor(bool force) {
  if (cursor_.sequence == handed_.sequence && cursor_.record == handed_.record) return;
  const int64_t now = SteadyMillis();
  if (!force && now - last_persist_ < options_.cursor_persist_millis) return;
  {
    MutexLock lock(&cursor_mu_);
    to_write_ = cursor_;
  }
  cursor_cv_.Signal();
  handed_ = cursor_;
  last_persist_ = now;
}

void Forwarder::RunCursorWriter() {
  LowerPriority("tsw-fwd-cursor");
  MutexLock lock(&cursor_mu_);
  while (true) {
    while (!cursor_stop_ && !Past(to_write_, written_)) cursor_cv_.Wait(&cursor_mu_);
    if (cursor_stop_) return;  // Stop writes the last cursor itself.
    const Cursor cursor = to_write_;
    cursor_mu_.Unlock();
    const bool written = WriteCursor(cursor);
    cursor_mu_.Lock();
    if (written) {
      written_ = cursor;
      continue;
    }
    // Reported; tried again (with the latest cursor handed over) after a pause.
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(options_.cursor_persist_millis);
    while (!cursor_stop_ && !cursor_cv_.WaitWithDeadline(&cursor_mu_, deadline)) {
    }
  }
}

bool Forwarder::WriteCursor(const Cursor& cursor) {
  absl::Status s = file::WriteFileAtomically(*options_.env, cursor_path_, cursor.Encode());
  if (!s.ok()) {
    // The destination has the records; a crash before the next write resends them.
    Report(absl::StrCat("forwarding ", options_.source_database, ".", options_.source_table, " to ",
                        name_, ": cannot write ", cursor_path_, ": ", s.message()));
    SetError(absl::StrCat("cannot write the forwarding cursor: ", s.message()));
    return false;
  }
  hold_.store(cursor.sequence, std::memory_order_release);
  return true;
}

void Forwarder::WriteDeadLetters(const std::string& body, const SendOutcome& outcome) {
  // Rare: the request is parsed back from the body sent, for the rejected records' JSON.
  const absl::StatusOr<WriteRecordsRequest> parsed = apijson::ParseWriteRecordsRequest(body);
  static const WriteRecordsRequest kNone;
  const WriteRecordsRequest& request = parsed.ok() ? *parsed : kNone;
  std::string lines;
  const int64_t now = options_.clock->NowNanos();
  for (const RejectedRecord& r : outcome.rejected) {
    json::JsonWriter w(&lines);
    w.BeginObject();
    w.Key("time");
    w.EpochSeconds(now);
    w.Member("destination", name_);
    w.Member("reason", r.reason);
    if (r.existing_version) w.Member("existing_version", *r.existing_version);
    if (r.record_index >= 0 && static_cast<size_t>(r.record_index) < request.records.size()) {
      lines += ",\"record\":";
      lines += RecordJson(FullRecord(request, static_cast<size_t>(r.record_index)));
    }
    lines += "}\n";
  }
  absl::Status s;
  MutexLock lock(&dead_letter_mu_);  // Shards append whole lines, one after another.
  absl::StatusOr<std::unique_ptr<File>> f =
      options_.env->OpenFile(dead_letter_path_, OpenMode::kCreate);
  if (f.ok()) {
    absl::StatusOr<uint64_t> size = (*f)->Size();
    s = size.ok() ? (*f)->Write(*size, lines) : size.status();
    if (s.ok()) s = (*f)->Sync();
    if (s.ok() && *size == 0) s = file::SyncDir(*options_.env, state_dir_);
  } else {
    s = f.status();
  }
  Report(absl::StrCat(
      "forwarding ", options_.source_database, ".", options_.source_table, " to ", name_,
      ": the destination rejected ", outcome.rejected.size(), " records; ",
      s.ok() ? absl::StrCat("listed in ", dead_letter_path_)
             : absl::StrCat("writing them to ", dead_letter_path_, " failed: ", s.message())));
}

bool Forwarder::SendUntilAccepted(uint64_t epoch, std::vector<Queued>& records, std::string* body) {
  std::vector<const LogRecord*> logged;
  logged.reserve(records.size());
  for (const Queued& q : records) logged.push_back(&q.record);
  WriteRequestJson(logged, request_prefix_, body);
  int64_t backoff = options_.retry_initial_millis;
  while (true) {
    SendOutcome outcome = options_.sender->SendJson(*body, records.size());
    if (outcome.kind == SendOutcome::Kind::kAccepted) {
      if (!outcome.rejected.empty()) WriteDeadLetters(*body, outcome);
      MutexLock lock(&mu_);
      // After a drop (ResetShards) these records were dropped or are sent again.
      if (epoch != epoch_) return false;
      const int64_t rejected = static_cast<int64_t>(outcome.rejected.size());
      stats_.rejected_records += rejected;
      stats_.forwarded_records += static_cast<int64_t>(records.size()) - rejected;
      stats_.last_error.clear();
      for (const Queued& q : records) window_[q.ordinal - window_base_].done = true;
      window_done_ += static_cast<int64_t>(records.size());
      return true;
    }
    int64_t wait;
    if (outcome.kind == SendOutcome::Kind::kRetry) {
      const uint64_t r = NextRandom();
      wait = backoff / 2 + static_cast<int64_t>(r % static_cast<uint64_t>(backoff / 2 + 1));
      backoff = std::min(backoff * 2, options_.retry_max_millis);
    } else {
      Report(absl::StrCat("forwarding ", options_.source_database, ".", options_.source_table,
                          " to ", name_, ": the destination refused a request (", outcome.error,
                          "); retrying in ", options_.failed_backoff_millis / 1000, " s"));
      wait = options_.failed_backoff_millis;
    }
    // After the report: the stats never show an error whose report is yet to come.
    SetError(outcome.error);
    // The dispatcher applies the backlog policy meanwhile (a drop resets the shards).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait);
    MutexLock lock(&mu_);
    if (outcome.kind == SendOutcome::Kind::kRetry) ++stats_.retried_requests;
    // Backing off, this shard brings no answer soon: shards holding partial requests
    // behind a full window need not wait for it (MaySendLocked).
    if (++backing_off_ == busy_ && !reading_ && !caught_up_) SignalShardsThatMaySendLocked();
    while (!stop_ && epoch == epoch_) {
      if (shard_cv_.WaitWithDeadline(&mu_, deadline)) break;
    }
    --backing_off_;
    if (stop_ || epoch != epoch_) return false;
  }
}

}  // namespace tsw::forward
