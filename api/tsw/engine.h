// tsw: an embedded time-series storage engine implementing the Amazon Timestream Write
// API (2018-11-01) in process.
//
//   auto engine = tsw::Engine::Open("/var/lib/myapp/tsw", tsw::Options{});
//   if (!engine.ok()) { ... engine.status() names the problem ... }
//   (*engine)->CreateDatabase({.database_name = "fleet"});
//
// Thread-safety: every method may be called from many threads at once; the results are
// as if the calls ran one at a time. Close() (or the destructor) must not race with
// other calls.
//
// Errors: each method returns absl::Status / absl::StatusOr carrying the Timestream
// exception kind (tsw::KindOf) and a message a person can act on (see status.h).
#ifndef TSW_API_ENGINE_H_
#define TSW_API_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tsw/options.h"
#include "tsw/query.h"
#include "tsw/status.h"
#include "tsw/types.h"

namespace tsw {

// Storage figures of one table (for `tsw stats` and tests).
struct TableStats {
  std::string database_name;
  std::string table_name;
  int64_t series = 0;
  int64_t memory_points = 0;  // (series, measure, time) rows held in memory.
  int64_t memory_bytes = 0;
  int64_t magnetic_points = 0;
  int64_t magnetic_bytes = 0;  // Bytes of segment files on disk.
  // Bytes of write-ahead log files on disk, including the zeros the active file is
  // extended with ahead of its batches (up to 128 KiB; see engine/wal/FORMAT.md).
  int64_t wal_bytes = 0;
  struct Segment {
    std::string file;
    int64_t min_time_nanos = 0;
    int64_t max_time_nanos = 0;
    int64_t points = 0;
    int64_t bytes = 0;
  };
  std::vector<Segment> segments;
  // Encoded bytes per column kind across segments ("time", "version", "double", ...).
  std::vector<std::pair<std::string, int64_t>> bytes_by_column_kind;
  // One per forwarding destination this table matches (Options::forward).
  struct ForwardStats {
    std::string destination;        // Endpoint URL (or discovery URL) / database / table.
    int64_t forwarded_records = 0;  // Accepted by the destination.
    // In the log, not yet accepted. The forwarder's thread counts a write when it reads the
    // write from the log, a moment after the write returns.
    int64_t pending_records = 0;
    int64_t pending_bytes = 0;
    double seconds_behind = 0;     // Age of the oldest pending record's write (0 if none).
    int64_t retried_requests = 0;  // Throttling, 5xx, timeouts, network errors.
    int64_t rejected_records = 0;  // RejectedRecords, written to the dead-letter report.
    int64_t dropped_records = 0;   // Given up by ForwardBacklogPolicy::kDropOldest.
    std::string last_error;        // The latest failure, empty once a request succeeds.
  };
  std::vector<ForwardStats> forwarding;
};

template <typename Request, typename Response>
class Paginator;

class Engine {
 public:
  // Opens (creating if needed) the engine stored in `directory`. Fails with
  // AccessDeniedException when the directory cannot be written or another process holds
  // it open, and InternalServerException when the catalog is corrupt (naming the file).
  // A table whose own data is damaged does not stop the engine: it is logged, its
  // WriteRecords/Scan/GetTableStats fail with InternalServerException naming the file,
  // Verify lists it, and DeleteTable removes it; every other table works as usual.
  static absl::StatusOr<std::unique_ptr<Engine>> Open(std::string_view directory,
                                                      Options options = {});

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  // Closes the engine if Close() was not called.
  ~Engine();

  // Stops background work, syncs the log and releases the directory lock. Later calls
  // fail with ValidationException. Idempotent.
  absl::Status Close();

  // ---- The Timestream Write operations.
  absl::StatusOr<CreateDatabaseResponse> CreateDatabase(const CreateDatabaseRequest& request);
  absl::StatusOr<CreateTableResponse> CreateTable(const CreateTableRequest& request);
  absl::Status DeleteDatabase(const DeleteDatabaseRequest& request);
  absl::Status DeleteTable(const DeleteTableRequest& request);
  absl::StatusOr<DescribeDatabaseResponse> DescribeDatabase(const DescribeDatabaseRequest& request);
  absl::StatusOr<DescribeTableResponse> DescribeTable(const DescribeTableRequest& request);
  absl::StatusOr<DescribeEndpointsResponse> DescribeEndpoints(
      const DescribeEndpointsRequest& request = {});
  absl::StatusOr<ListDatabasesResponse> ListDatabases(const ListDatabasesRequest& request = {});
  absl::StatusOr<ListTablesResponse> ListTables(const ListTablesRequest& request = {});
  absl::StatusOr<ListTagsForResourceResponse> ListTagsForResource(
      const ListTagsForResourceRequest& request);
  absl::StatusOr<TagResourceResponse> TagResource(const TagResourceRequest& request);
  absl::StatusOr<UntagResourceResponse> UntagResource(const UntagResourceRequest& request);
  absl::StatusOr<UpdateDatabaseResponse> UpdateDatabase(const UpdateDatabaseRequest& request);
  absl::StatusOr<UpdateTableResponse> UpdateTable(const UpdateTableRequest& request);
  // Ingests the valid records. When some were rejected, returns a RejectedRecordsException
  // status (RejectedRecordsOf lists them); the others are stored all the same.
  absl::StatusOr<WriteRecordsResponse> WriteRecords(const WriteRecordsRequest& request);

  // ---- Paginators (the client's get_paginator): iterate pages until NextToken is unset.
  //   for (const auto& page : engine->ListDatabasesPages()) {
  //     if (!page.ok()) { ...; break; }
  //     for (const tsw::Database& db : page->databases) ...
  //   }
  Paginator<ListDatabasesRequest, ListDatabasesResponse> ListDatabasesPages(
      ListDatabasesRequest request = {});
  Paginator<ListTablesRequest, ListTablesResponse> ListTablesPages(ListTablesRequest request = {});

  // ---- Reading back.
  // Calls `visitor` with batches of the matching rows: within a series and measure in
  // increasing time, each (series, measure, time) once at its highest Version. Returning
  // false from `visitor` stops the scan early (Scan still returns OK). The rows are the
  // table as it was when the scan began (whole WriteRecords requests or none), whatever is
  // written, moved to the magnetic store or compacted while `visitor` runs; `visitor` runs
  // with no table lock held, so a slow one holds up no writer and no maintenance (a
  // DeleteTable of the table waits for it).
  absl::Status Scan(const ScanRequest& request,
                    const std::function<bool(const ScanBatch&)>& visitor);

  // ---- The Timestream Query operations (the SQL subset of engine/query/README.md).
  // Runs the query (or, with `next_token`, continues one) and returns up to `max_rows`
  // rows of its answer. The answer is fixed when the query starts: pages never repeat or
  // miss a row, whatever is written meanwhile. Bad SQL is a ValidationException naming
  // the construct and its line:column.
  absl::StatusOr<QueryResponse> Query(const QueryRequest& request);
  // Every page of a query (the client's get_paginator("query")).
  Paginator<QueryRequest, QueryResponse> QueryPages(QueryRequest request);
  // Validates a query and returns the columns its answer would have.
  absl::StatusOr<PrepareQueryResponse> PrepareQuery(const PrepareQueryRequest& request);
  // Forgets a running or paged query; its NextToken stops working.
  absl::StatusOr<CancelQueryResponse> CancelQuery(const CancelQueryRequest& request);
  // The streaming form for embedded apps: calls `visitor` with the answer's rows in
  // order as typed column batches, without building rows of text. Returning false stops
  // early. The batch is valid only during the call (its arrays are reused for the next
  // one): copy what must outlive it. A query that aggregates or sorts calls `visitor` after
  // its scan; any other runs it during the scan. Either way no table lock is held (as in
  // Scan): a visitor that blocks holds up no writes to that table. Query (paged) never
  // holds a lock between pages.
  absl::Status QueryStream(std::string_view query_string,
                           const std::function<bool(const QueryBatch&)>& visitor);

  // ---- Maintenance.
  // Runs retention eviction, magnetic retention and compaction now, as the background
  // thread would. Blocks until done.
  absl::Status RunMaintenance();
  // Re-reads the data on disk and checks every checksum and index. Open has checked the
  // catalog and the write-ahead logs; this reads every table's magnetic segments and
  // manifest. Returns the problems found, each naming its table and file; empty means
  // healthy.
  absl::StatusOr<std::vector<std::string>> Verify();
  // Storage figures of one table.
  absl::StatusOr<TableStats> GetTableStats(std::string_view database_name,
                                           std::string_view table_name);

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// An input range over the pages of a List operation; each element is a StatusOr of one
// page. Iteration ends after the page without NextToken, or after the first error.
template <typename Request, typename Response>
class Paginator {
 public:
  using Fetch = std::function<absl::StatusOr<Response>(const Request&)>;

  class Iterator {
   public:
    const absl::StatusOr<Response>& operator*() const { return *page_; }
    const absl::StatusOr<Response>* operator->() const { return &*page_; }
    Iterator& operator++() {
      if (!page_->ok() || !(*page_)->next_token.has_value()) {
        page_.reset();
      } else {
        owner_->request_.next_token = (*page_)->next_token;
        page_ = owner_->fetch_(owner_->request_);
      }
      return *this;
    }
    bool operator==(const Iterator& other) const {
      return page_.has_value() == other.page_.has_value();
    }
    bool operator!=(const Iterator& other) const { return !(*this == other); }

   private:
    friend class Paginator;
    Paginator* owner_ = nullptr;
    std::optional<absl::StatusOr<Response>> page_;
  };

  Paginator(Request request, Fetch fetch) : request_(std::move(request)), fetch_(fetch) {}
  Iterator begin() {
    Iterator it;
    it.owner_ = this;
    it.page_ = fetch_(request_);
    return it;
  }
  Iterator end() { return Iterator(); }

 private:
  Request request_;
  Fetch fetch_;
};

}  // namespace tsw

#endif  // TSW_API_ENGINE_H_
