// `tsw forward`: forwards a data directory's tables to a Timestream Write endpoint until
// nothing is pending, then exits; and the --forward-* flags and forwarding statistics
// that `tsw stats` shares with it.
#include <chrono>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/server/forward_flags.h"
#include "tools/tsw/commands.h"
#include "tsw/engine.h"
#include "tsw/status.h"

namespace tsw::cli {

const std::set<std::string>& ForwardFlagNames() {
  static const std::set<std::string>* names = new std::set<std::string>{
      "forward-to",          "forward-discovery", "forward-region",        "forward-credentials",
      "forward-database",    "forward-table",     "forward-backlog-bytes", "forward-policy",
      "forward-connections", "forward-nice"};
  return *names;
}

absl::Status AddForwardFlags(const Flags& flags, bool short_names, Options* options) {
  server::ForwardFlags forward;
  // `tsw forward` has nothing else to do: its threads keep the command's priority unless
  // --nice says otherwise (nice(1) the command to lower everything).
  if (short_names && !flags.Get("nice")) {
    if (absl::Status s = forward.Set("--forward-nice", "0"); !s.ok()) return s;
  }
  for (const std::string& name : ForwardFlagNames()) {
    // `tsw forward` says --to, --credentials...; the others --forward-to...
    const std::string given = short_names ? name.substr(std::string("forward-").size()) : name;
    if (auto value = flags.Get(given)) {
      if (absl::Status s = forward.Set("--" + name, *value); !s.ok()) return s;
    }
  }
  absl::StatusOr<std::optional<ForwardDestination>> rule = forward.Destination();
  if (!rule.ok()) return rule.status();
  if (rule->has_value()) options->forward.push_back(std::move(**rule));
  return absl::OkStatus();
}

void WriteForwardStats(const TableStats& stats, json::JsonWriter& w) {
  if (stats.forwarding.empty()) return;
  w.Key("Forwarding");
  w.BeginArray();
  for (const TableStats::ForwardStats& f : stats.forwarding) {
    w.BeginObject();
    w.Member("Destination", f.destination);
    w.Member("Forwarded", f.forwarded_records);
    w.Member("PendingRecords", f.pending_records);
    w.Member("PendingBytes", f.pending_bytes);
    w.Key("SecondsBehind");
    w.Double(f.seconds_behind);
    w.Member("Retried", f.retried_requests);
    w.Member("Rejected", f.rejected_records);
    w.Member("Dropped", f.dropped_records);
    w.Member("LastError", f.last_error);
    w.EndObject();
  }
  w.EndArray();
}

namespace {

struct Progress {
  int64_t pending = 0, forwarded = 0, retried = 0, rejected = 0, dropped = 0;
  double seconds_behind = 0;
  std::string last_error;
  std::string unforwarded_table;  // A table the engine reports no forwarding for.
};

absl::StatusOr<Progress> Measure(Engine& engine) {
  Progress p;
  for (const auto& page : engine.ListTablesPages(ListTablesRequest{})) {
    if (!page.ok()) return page.status();
    for (const Table& t : page->tables) {
      absl::StatusOr<TableStats> stats = engine.GetTableStats(t.database_name, t.table_name);
      if (!stats.ok()) return stats.status();
      if (stats->forwarding.empty()) p.unforwarded_table = t.database_name + "." + t.table_name;
      for (const TableStats::ForwardStats& f : stats->forwarding) {
        p.pending += f.pending_records;
        p.forwarded += f.forwarded_records;
        p.retried += f.retried_requests;
        p.rejected += f.rejected_records;
        p.dropped += f.dropped_records;
        p.seconds_behind = std::max(p.seconds_behind, f.seconds_behind);
        if (!f.last_error.empty()) p.last_error = f.last_error;
      }
    }
  }
  return p;
}

void PrintProgress(const Progress& p) {
  std::printf(
      "tsw forward: %lld pending (%.1f s behind), %lld forwarded, %lld retried, %lld rejected, "
      "%lld dropped%s%s\n",
      static_cast<long long>(p.pending), p.seconds_behind, static_cast<long long>(p.forwarded),
      static_cast<long long>(p.retried), static_cast<long long>(p.rejected),
      static_cast<long long>(p.dropped),
      p.last_error.empty() ? "" : "; last error: ", p.last_error.c_str());
  std::fflush(stdout);
}

}  // namespace

int RunForward(const std::vector<std::string>& args) {
  absl::StatusOr<Flags> flags = Flags::Parse(args, {});
  if (!flags.ok()) return ReportError(flags.status());
  std::set<std::string> known = {"data", "timeout-seconds"};
  for (const std::string& name : ForwardFlagNames()) known.insert(name.substr(8));
  if (absl::Status s = flags->CheckKnown(known); !s.ok()) return ReportError(s);
  absl::StatusOr<std::string> dir = flags->Require("data");
  if (!dir.ok()) return ReportError(dir.status());
  if (!flags->Has("to")) return ReportError(ValidationError("missing --to URL|REGION"));
  absl::StatusOr<std::optional<int64_t>> timeout = flags->GetInt("timeout-seconds");
  if (!timeout.ok()) return ReportError(timeout.status());
  Options options;
  if (absl::Status s = AddForwardFlags(*flags, /*short_names=*/true, &options); !s.ok()) {
    return ReportError(s);
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(*dir, std::move(options));
  if (!engine.ok()) return ReportError(engine.status());

  // Each forwarder has counted the log's backlog when Open returns: done is 0 pending.
  // The rate printed at the end counts from here: opening (replaying the log) is not in it.
  const auto start = std::chrono::steady_clock::now();
  auto last_print = start - std::chrono::hours(1);
  int exit_code = 0;
  int64_t forwarded_at_start = -1;
  for (;;) {
    absl::StatusOr<Progress> progress = Measure(**engine);
    if (!progress.ok()) {
      exit_code = ReportError(progress.status());
      break;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!progress->unforwarded_table.empty()) {
      exit_code = ReportError(InternalError(absl::StrCat("the engine reports no forwarding for ",
                                                         progress->unforwarded_table,
                                                         " (is forwarding built into this tsw?)")));
      break;
    }
    if (forwarded_at_start < 0) forwarded_at_start = progress->forwarded;
    const bool done = progress->pending == 0;
    if (done || now - last_print >= std::chrono::seconds(2)) {
      PrintProgress(*progress);
      last_print = now;
    }
    if (done) {
      const double seconds = std::chrono::duration<double>(now - start).count();
      const int64_t sent = progress->forwarded - forwarded_at_start;
      std::printf("tsw forward: %lld records forwarded in %.3f s after opening (%.0f records/s)\n",
                  static_cast<long long>(sent), seconds, seconds > 0 ? sent / seconds : 0.0);
      break;
    }
    if (timeout->has_value() && now - start >= std::chrono::seconds(**timeout)) {
      exit_code = ReportError(MakeError(
          ErrorKind::kThrottling, absl::StrCat(progress->pending, " records still pending after ",
                                               **timeout, " s (--timeout-seconds)")));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // The rate's resolution.
  }
  absl::Status closed = (*engine)->Close();
  if (!closed.ok() && exit_code == 0) return ReportError(closed);
  return exit_code;
}

}  // namespace tsw::cli
