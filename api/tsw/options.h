// Options for Engine::Open: every knob with its default.
#ifndef TSW_API_OPTIONS_H_
#define TSW_API_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tsw/clock.h"
#include "tsw/env.h"

namespace tsw {

namespace forward {
class Sender;  // engine/forward/sender.h
}  // namespace forward

// Service quotas. Defaults are Amazon Timestream's; an embedded application may lift any.
struct Quotas {
  int max_records_per_write = 100;          // Records per WriteRecords request.
  int max_dimensions_per_record = 128;      // Dimensions of one record (after the merge).
  int max_dimensions_per_table = 128;       // Distinct dimension names of one table.
  int max_measure_names_per_table = 8192;   // Distinct measure names of one table.
  int max_measures_per_multi_record = 256;  // MeasureValues of one MULTI record.
  int max_dimension_name_bytes = 60;
  int max_measure_name_bytes = 256;
  int max_series_dimensions_bytes = 2048;  // All dimension names + values of a record.
  int max_record_bytes = 2048;             // A whole record, dimensions and measures.
  int max_measure_value_bytes = 2048;      // MeasureValue, MeasureValues[].Value.
  int max_tags_per_resource = 200;
  int max_databases = 500;
  int max_tables = 50000;                             // Across all databases.
  int64_t max_future_nanos = 15LL * 60 * 1000000000;  // Data ahead of the clock.
};

// When acknowledged writes reach stable storage.
enum class SyncPolicy {
  // Default. WriteRecords returns after its records are in the write-ahead log and the
  // log is fsync'ed (group commit: concurrent writers share one fsync). Survives power loss.
  kSyncBeforeAck,
  // WriteRecords returns after its records are written to the log file (in the OS page
  // cache); a background thread fsyncs every `sync_interval_millis`. Survives a process
  // crash; a power loss may lose the last interval. (SQLite's synchronous=NORMAL in WAL
  // mode gives the same guarantee.)
  kSyncPeriodically,
};

struct DurabilityOptions {
  SyncPolicy policy = SyncPolicy::kSyncBeforeAck;
  int sync_interval_millis = 100;  // kSyncPeriodically only.
};

// What a forwarder does when its unsent backlog reaches ForwardDestination::backlog_limit_bytes.
enum class ForwardBacklogPolicy {
  // Local WriteRecords to the table fail with ThrottlingException until the backlog drains.
  kThrottleWrites,
  // The oldest unsent records are given up (counted in ForwardStats::dropped_records and
  // reported), so local writes never stop.
  kDropOldest,
};

// One forwarding rule: every record accepted by the matching local tables is sent, in log
// order per table, to a Timestream Write endpoint (Amazon Timestream or another tsw
// serve). Delivery is at-least-once; Version upserts make a resend harmless, so the
// destination ends with exactly the local table's rows. engine/forward/README.md.
struct ForwardDestination {
  // The local tables it applies to; empty matches every database / every table.
  std::string source_database;
  std::string source_table;
  // "https://host[:port]" or "http://host[:port]". Empty: the address is found by calling
  // DescribeEndpoints at `discovery_endpoint` (default
  // "https://ingest.timestream.<region>.amazonaws.com"), cached for its CachePeriodInMinutes.
  std::string endpoint;
  std::string discovery_endpoint;
  std::string region = "us-east-1";  // SigV4 signing region (and discovery's default host).
  // Destination names; empty: the local database's / table's name.
  std::string database;
  std::string table;
  // A file of "ACCESS_KEY_ID SECRET_ACCESS_KEY [SESSION_TOKEN]" lines (as `tsw serve
  // --credentials`), first entry used. Empty: the standard AWS sources (environment
  // variables incl. AWS_SESSION_TOKEN, then the shared credentials file at AWS_PROFILE).
  std::string credentials_file;
  // Unsent log bytes kept for this destination before `backlog_policy` applies.
  int64_t backlog_limit_bytes = int64_t{1} << 30;
  ForwardBacklogPolicy backlog_policy = ForwardBacklogPolicy::kThrottleWrites;
  int max_connections = 4;            // Concurrent requests when the backlog grows.
  int max_records_per_request = 100;  // WriteRecords batch size (the service's maximum).
  // The forwarder's threads (its log reader and one per connection) run this much nicer
  // than the thread that started them (Linux: per thread, capped at 19), so that on a
  // busy device local writes keep the CPU and the backlog is sent with what is left. A
  // nice thread is never starved: once writes pause, it has the CPU. 0: the same
  // priority. Where threads have no priority of their own, ignored.
  int thread_nice = 10;
  // A transport of your own (a test's fake, another protocol; engine/forward/sender.h),
  // shared by every table the rule matches. nullptr: the HTTP transport to `endpoint`.
  std::shared_ptr<forward::Sender> sender;
};

struct Options {
  // Region and account id used in ARNs: arn:aws:timestream:<region>:<account>:database/...
  std::string region = "us-east-1";
  std::string account_id = "000000000000";

  // What DescribeEndpoints answers (Endpoints[0].Address). `tsw serve` sets its own
  // host:port; an in-process engine has no network address of its own.
  std::string endpoint_address = "localhost";

  // Source of "now". Not owned; must outlive the Engine. nullptr: the system clock.
  const Clock* clock = nullptr;

  // The file system every file of the data directory is read and written through. Not
  // owned; must outlive the Engine. nullptr: Env::Default(), the POSIX file system.
  // Env::DefaultWithoutMapping() for storage whose reads can fail (tsw/env.h).
  Env* env = nullptr;

  Quotas quotas;
  DurabilityOptions durability;

  // Run retention eviction in a background thread owned by the engine, every
  // `maintenance_interval_millis`. Tests set false and call Engine::RunMaintenance().
  bool background_maintenance = true;
  int maintenance_interval_millis = 1000;

  // Zstd level for magnetic-store columns (0 stores encoded columns uncompressed).
  int zstd_level = 3;

  // Bits per key of the per-block key filters in magnetic segments, which let the Version
  // check of a late write (one whose time is already in the magnetic tier) skip blocks
  // that cannot hold its key. 0 writes none: the footer index's time ranges still prune,
  // and segments stay about half the size (figures: bench/RESULTS.md, "Magnetic tier").
  // Raise it when late writes are frequent.
  int magnetic_filter_bits_per_key = 0;

  // A query whose working state (groups, sort buffer, DISTINCT set) or answer would
  // exceed this many bytes fails with ValidationException saying so.
  int64_t query_memory_limit_bytes = int64_t{256} << 20;

  // Forwarding rules (empty: no forwarding). A table matching several rules is sent to
  // each destination with its own cursor.
  std::vector<ForwardDestination> forward;

  // Where the engine reports things a person should know (a torn log tail cut, orphan
  // files removed): a diagnostic callback, one line per event. nullptr: one line each to
  // stderr.
  std::function<void(std::string_view)> report;
};

}  // namespace tsw

#endif  // TSW_API_OPTIONS_H_
