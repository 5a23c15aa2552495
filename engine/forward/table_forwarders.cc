// TableForwarders: the forwarders of one table, one per matching Options::forward rule
// (declared in forwarder.h).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/forward/default_sender.h"
#include "engine/forward/forwarder.h"

namespace tsw::forward {

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
