#include "engine/forward/forwarder.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/common/file_util.h"
#include "engine/common/json_writer.h"
#include "tsw/status.h"
#include "xxhash.h"

namespace tsw::forward {
namespace {

constexpr absl::string_view kCursorMagic = "tsw-forward-cursor";
constexpr absl::string_view kCursorVersion = "1";

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
      reader_(*options_.env, store->WalDir()),
      counter_(*options_.env, store->WalDir()) {
  MutexLock lock(&mu_);
  stats_.destination = name_;
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
  f->written_ = f->cursor_;
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

void Forwarder::Notify() {
  if (wake_.exchange(true, std::memory_order_acq_rel)) return;
  MutexLock lock(&mu_);
  if (waiting_) cv_.Signal();
}

void Forwarder::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

bool Forwarder::Wait(int64_t millis, bool wake_on_notify) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(millis);
  MutexLock lock(&mu_);
  waiting_ = true;
  while (!stop_ && !(wake_on_notify && wake_.load(std::memory_order_acquire))) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
  waiting_ = false;
  return !stop_;
}

void Forwarder::Report(absl::string_view line) const { options_.report(line); }

void Forwarder::SetError(const std::string& error) {
  MutexLock lock(&mu_);
  stats_.last_error = error;
}

absl::Status Forwarder::WriteGate() const {
  if (!throttled_.load(std::memory_order_relaxed)) return absl::OkStatus();
  MutexLock lock(&mu_);
  return MakeError(ErrorKind::kThrottling, throttle_message_);
}

TableStats::ForwardStats Forwarder::Stats() const {
  MutexLock lock(&mu_);
  TableStats::ForwardStats s = stats_;
  s.pending_records = counted_records_ - passed_records_;
  s.pending_bytes = counted_bytes_ - passed_bytes_;
  s.seconds_behind = 0;
  if (s.pending_records > 0 && !seen_.empty()) {
    s.seconds_behind = std::max<double>(
        0, static_cast<double>(options_.clock->NowNanos() - seen_.front().second) / 1e9);
  }
  return s;
}

void Forwarder::Run() {
  while (true) {
    wake_.store(false, std::memory_order_release);
    const uint64_t durable = store_->DurableSequence();
    absl::Status s = Count(durable);
    if (s.ok()) s = EnforceBacklog(durable).status();
    if (s.ok()) s = Fill(durable);
    if (!s.ok()) {
      // The log cannot be read (damage, I/O): nothing can be sent; say so and wait long.
      SetError(std::string(s.message()));
      Report(absl::StrCat("forwarding ", options_.source_database, ".", options_.source_table,
                          " to ", name_, " stopped: ", s.message()));
      if (!Wait(options_.failed_backoff_millis, false)) break;
      continue;
    }
    if (queue_.empty()) {
      PersistCursor(true);
      if (!Wait(options_.idle_poll_millis, true)) break;
      continue;
    }
    {
      MutexLock lock(&mu_);
      if (stop_) break;  // Stop does not wait for the backlog to drain.
    }
    if (!SendOne()) break;
  }
  PersistCursor(true);
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
      throttled_.store(over, std::memory_order_relaxed);
      Report(over
                 ? absl::StrCat("forwarding: ", message)
                 : absl::StrCat("forwarding ", options_.source_database, ".", options_.source_table,
                                " to ", name_, ": backlog under its limit again; writes accepted"));
    }
    return false;
  }
  if (pending <= d.backlog_limit_bytes) return false;
  // kDropOldest: move the cursor past whole batches from its own until under the limit.
  queue_.clear();
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
  {
    MutexLock lock(&mu_);
    passed_records_ += dropped;
    passed_bytes_ += dropped_bytes;
    stats_.dropped_records += dropped;
    while (!seen_.empty() && seen_.front().first < cursor_.sequence) seen_.pop_front();
  }
  Report(absl::StrCat("forwarding ", options_.source_database, ".", options_.source_table, " to ",
                      name_, ": backlog over ", d.backlog_limit_bytes, " bytes; dropped ", dropped,
                      " unsent records (batches ", from, " to ", cursor_.sequence - 1, ")"));
  PersistCursor(true);
  return true;
}

absl::Status Forwarder::Fill(uint64_t durable) {
  const size_t want =
      static_cast<size_t>(std::max(1, options_.destination.max_records_per_request));
  wal::LogBatch& b = batch_;
  while (queue_.size() < want) {
    absl::StatusOr<bool> got = reader_.Next(durable, wal::LogReader::ReadMode::kWhole, &b);
    if (!got.ok()) return got.status();
    if (!*got) break;
    scratch_.clear();
    if (absl::Status s = decoder_.Decode(b.payload, &scratch_); !s.ok()) {
      return InternalError(
          absl::StrCat("batch ", b.sequence, " of ", store_->WalDir(), ": ", s.message()));
    }
    const uint32_t skip = b.sequence == cursor_.sequence ? cursor_.record : 0;
    for (uint32_t i = skip; i < scratch_.size(); ++i) {
      queue_.push_back(Pending{std::move(scratch_[i]), b.sequence, i,
                               static_cast<uint32_t>(scratch_.size()), b.frame_bytes, b.position});
    }
    if (scratch_.size() <= skip) {
      // A batch with no record left to send (or none at all): the cursor passes it now.
      Advance(0);
      MutexLock lock(&mu_);
      passed_bytes_ += b.frame_bytes;
    }
  }
  return absl::OkStatus();
}

void Forwarder::Advance(size_t n) {
  int64_t bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    const Pending& p = queue_.front();
    if (p.index + 1 == p.batch_records) bytes += p.frame_bytes;  // Its batch is passed.
    queue_.pop_front();
  }
  if (!queue_.empty()) {
    const Pending& p = queue_.front();
    cursor_ = Cursor{p.sequence, p.index, p.position};
  } else {
    cursor_ = Cursor{reader_.next_sequence(), 0, reader_.position()};
  }
  MutexLock lock(&mu_);
  passed_records_ += static_cast<int64_t>(n);
  passed_bytes_ += bytes;
  while (!seen_.empty() && seen_.front().first < cursor_.sequence) seen_.pop_front();
}

void Forwarder::PersistCursor(bool force) {
  if (cursor_.sequence == written_.sequence && cursor_.record == written_.record) return;
  const int64_t now = SteadyMillis();
  if (!force && now - last_persist_ < options_.cursor_persist_millis) return;
  absl::Status s = file::WriteFileAtomically(*options_.env, cursor_path_, cursor_.Encode());
  if (!s.ok()) {
    // The destination has the records; a crash before the next write resends them.
    SetError(absl::StrCat("cannot write the forwarding cursor: ", s.message()));
    Report(absl::StrCat("forwarding ", options_.source_database, ".", options_.source_table, " to ",
                        name_, ": cannot write ", cursor_path_, ": ", s.message()));
    return;
  }
  written_ = cursor_;
  last_persist_ = now;
  hold_.store(written_.sequence, std::memory_order_release);
}

void Forwarder::WriteDeadLetters(const std::vector<Record>& full, const SendOutcome& outcome) {
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
    if (r.record_index >= 0 && static_cast<size_t>(r.record_index) < full.size()) {
      lines += ",\"record\":";
      lines += RecordJson(full[static_cast<size_t>(r.record_index)]);
    }
    lines += "}\n";
  }
  absl::Status s;
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

bool Forwarder::SendOne() {
  const size_t n =
      std::min(queue_.size(),
               static_cast<size_t>(std::max(1, options_.destination.max_records_per_request)));
  std::vector<const LoggedRecord*> records;
  records.reserve(n);
  for (size_t i = 0; i < n; ++i) records.push_back(&queue_[i].record);
  std::vector<Record> full;
  const WriteRecordsRequest request = BuildRequest(records, database_, table_, &full);
  int64_t backoff = options_.retry_initial_millis;
  while (true) {
    SendOutcome outcome = options_.sender->Send(request);
    if (outcome.kind == SendOutcome::Kind::kAccepted) {
      if (!outcome.rejected.empty()) WriteDeadLetters(full, outcome);
      {
        MutexLock lock(&mu_);
        const int64_t rejected = static_cast<int64_t>(outcome.rejected.size());
        stats_.rejected_records += rejected;
        stats_.forwarded_records += static_cast<int64_t>(n) - rejected;
        stats_.last_error.clear();
      }
      Advance(n);
      // On the timer only: Run persists as soon as it finds nothing more to send (caught
      // up), and Stop persists too. Forcing it here whenever the queue ran dry (it holds
      // at most one request's records) synced the cursor after every request.
      PersistCursor(false);
      return true;
    }
    SetError(outcome.error);
    int64_t wait;
    if (outcome.kind == SendOutcome::Kind::kRetry) {
      {
        MutexLock lock(&mu_);
        ++stats_.retried_requests;
      }
      rng_ ^= rng_ << 13, rng_ ^= rng_ >> 7, rng_ ^= rng_ << 17;  // xorshift64
      wait = backoff / 2 + static_cast<int64_t>(rng_ % static_cast<uint64_t>(backoff / 2 + 1));
      backoff = std::min(backoff * 2, options_.retry_max_millis);
    } else {
      Report(absl::StrCat("forwarding ", options_.source_database, ".", options_.source_table,
                          " to ", name_, ": the destination refused a request (", outcome.error,
                          "); retrying in ", options_.failed_backoff_millis / 1000, " s"));
      wait = options_.failed_backoff_millis;
    }
    if (!Wait(wait, false)) return false;
    // The backlog grows while the destination is away: its policy applies meanwhile.
    const uint64_t durable = store_->DurableSequence();
    absl::Status s = Count(durable);
    absl::StatusOr<bool> dropped = s.ok() ? EnforceBacklog(durable) : s;
    if (!dropped.ok()) {
      SetError(std::string(dropped.status().message()));
    } else if (*dropped) {
      return true;  // The queue was reset: the next request starts at the new cursor.
    }
  }
}

// ---------------------------------------------------------------------- TableForwarders

namespace {

bool Matches(const ForwardDestination& d, const std::string& database, const std::string& table) {
  return (d.source_database.empty() || d.source_database == database) &&
         (d.source_table.empty() || d.source_table == table);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TableForwarders>> TableForwarders::Start(
    const Options& options, const std::string& database, const std::string& table,
    const std::string& table_dir, const Clock* clock, std::function<void(absl::string_view)> report,
    table::TableStore* store) {
  auto group = std::make_unique<TableForwarders>();
  for (const ForwardDestination& d : options.forward) {
    if (!Matches(d, database, table)) continue;
    std::shared_ptr<Sender> sender = d.sender;
    if (sender == nullptr) {
      absl::StatusOr<std::shared_ptr<Sender>> made = MakeDefaultSender(d);
      if (!made.ok()) {
        group->Stop();
        return made.status();
      }
      sender = std::move(*made);
    }
    ForwarderOptions fo;
    fo.destination = d;
    fo.source_database = database;
    fo.source_table = table;
    fo.table_dir = table_dir;
    fo.env = options.env;
    fo.clock = clock;
    fo.report = report;
    fo.sender = std::move(sender);
    // Under kSyncPeriodically batches turn durable with no write to announce it.
    fo.idle_poll_millis = options.durability.policy == SyncPolicy::kSyncPeriodically
                              ? std::max(1, options.durability.sync_interval_millis)
                              : 1000;
    absl::StatusOr<std::unique_ptr<Forwarder>> f = Forwarder::Start(std::move(fo), store);
    if (!f.ok()) {
      group->Stop();
      return f.status();
    }
    group->forwarders_.push_back(std::move(*f));
  }
  return group;
}

table::TableStore::ForwardHooks TableForwarders::Hooks() {
  table::TableStore::ForwardHooks hooks;
  if (forwarders_.empty()) return hooks;
  hooks.log_hold = [this] {
    uint64_t hold = UINT64_MAX;
    for (const auto& f : forwarders_) hold = std::min(hold, f->LogHold());
    return hold;
  };
  hooks.write_gate = [this] {
    for (const auto& f : forwarders_) {
      if (absl::Status s = f->WriteGate(); !s.ok()) return s;
    }
    return absl::OkStatus();
  };
  return hooks;
}

void TableForwarders::Notify() {
  for (const auto& f : forwarders_) f->Notify();
}

void TableForwarders::Stop() {
  for (const auto& f : forwarders_) f->Stop();
}

std::vector<TableStats::ForwardStats> TableForwarders::Stats() const {
  std::vector<TableStats::ForwardStats> stats;
  for (const auto& f : forwarders_) stats.push_back(f->Stats());
  return stats;
}

}  // namespace tsw::forward
