// The catalog: databases, tables, their tags, KMS key ids and ARNs, and the table ids
// that name each table's data directory. It answers the Timestream Write catalog
// operations (all but DescribeEndpoints and WriteRecords) with Amazon's shapes, bounds
// and error kinds, and is what WriteRecords and Scan consult to find a table.
//
// What it guarantees:
//  - Durability: a change whose call returned OK survives process exit and a crash at
//    any point (it is in the fsync'ed log before the call returns; see catalog_store.h
//    and FORMAT.md). A change in flight at a crash is recovered whole or not at all.
//  - Corruption is never silent: Open fails with InternalServerException naming the file.
//  - Table ids are unique and never reused, across deletes, restarts and crashes.
//  - Thread-safety: every method may be called from many threads at once; results are
//    as if the calls ran one at a time. Changes are serialized among themselves and
//    take effect atomically; readers (Describe*, List*, LookupTable) never wait for a
//    change's fsync, only for its in-memory apply.
//
// Who may call it: the engine facade (engine/db), one Catalog per directory at a time
// (the engine's directory lock keeps a second process out).
#ifndef TSW_ENGINE_CATALOG_CATALOG_H_
#define TSW_ENGINE_CATALOG_CATALOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/catalog/catalog_format.h"
#include "engine/catalog/catalog_state.h"
#include "engine/catalog/catalog_store.h"
#include "engine/common/mutex.h"
#include "tsw/clock.h"
#include "tsw/options.h"
#include "tsw/types.h"

namespace tsw::catalog {

struct TableInfo {
  uint64_t table_id = 0;  // Unique, never reused; names the table's data directory.
  Table table;
};

// Knobs that only tests turn.
struct CatalogTuning {
  // See StoreOptions::min_log_bytes_to_compact.
  int64_t min_log_bytes_to_compact = 1 << 20;
};

class Catalog {
 public:
  // ListDatabases/ListTables page size when MaxResults is unset. Amazon does not
  // document its default; 20 is the model's maximum, so an unset MaxResults returns as
  // much as any request could ask for.
  static constexpr int kDefaultMaxResults = 20;

  // Opens the catalog stored in `dir` (the engine passes <data>/catalog), creating the
  // directory and an empty catalog if missing. Region, account id, quotas and report come
  // from `options`; `clock` (not owned, must outlive the catalog; nullptr: the system
  // clock) stamps CreationTime and LastUpdatedTime. Corrupt or missing files:
  // InternalServerException naming the file.
  static absl::StatusOr<std::unique_ptr<Catalog>> Open(const std::string& dir,
                                                       const Options& options, const Clock* clock);
  static absl::StatusOr<std::unique_ptr<Catalog>> Open(const std::string& dir,
                                                       const Options& options, const Clock* clock,
                                                       const CatalogTuning& tuning);

  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;
  ~Catalog();

  // ---- The Timestream Write catalog operations. Each fails with the kinds the service
  // model lists for it: ValidationException (bad names, bounds, shapes), Conflict-
  // Exception (create of an existing name), ResourceNotFoundException (anything
  // missing), ServiceQuotaExceededException (over Options::quotas), and
  // InternalServerException (I/O failure).
  absl::StatusOr<CreateDatabaseResponse> CreateDatabase(const CreateDatabaseRequest& request);
  absl::StatusOr<CreateTableResponse> CreateTable(const CreateTableRequest& request);
  // ValidationException while the database still has tables.
  absl::Status DeleteDatabase(const DeleteDatabaseRequest& request);
  // Returns the deleted table's id, so the engine can remove its data.
  absl::StatusOr<uint64_t> DeleteTable(const DeleteTableRequest& request);
  absl::StatusOr<DescribeDatabaseResponse> DescribeDatabase(
      const DescribeDatabaseRequest& request) const;
  absl::StatusOr<DescribeTableResponse> DescribeTable(const DescribeTableRequest& request) const;
  // Pages in database name order; NextToken resumes after the last name returned.
  absl::StatusOr<ListDatabasesResponse> ListDatabases(const ListDatabasesRequest& request) const;
  // Pages in (database, table) name order. With DatabaseName, only that database's
  // tables (ResourceNotFoundException when it does not exist); without, every table.
  absl::StatusOr<ListTablesResponse> ListTables(const ListTablesRequest& request) const;
  absl::StatusOr<ListTagsForResourceResponse> ListTagsForResource(
      const ListTagsForResourceRequest& request) const;
  absl::StatusOr<TagResourceResponse> TagResource(const TagResourceRequest& request);
  absl::StatusOr<UntagResourceResponse> UntagResource(const UntagResourceRequest& request);
  // The same KmsKeyId as stored is no update: LastUpdatedTime stays.
  absl::StatusOr<UpdateDatabaseResponse> UpdateDatabase(const UpdateDatabaseRequest& request);
  absl::StatusOr<UpdateTableResponse> UpdateTable(const UpdateTableRequest& request);

  // ---- For the engine.
  // The table and its id, for every WriteRecords and Scan. Takes a shared lock and does
  // two hash lookups; allocates only to copy the Table. ResourceNotFoundException when
  // the database or table does not exist (ValidationException for an empty name).
  absl::StatusOr<TableInfo> LookupTable(std::string_view database_name,
                                        std::string_view table_name) const;
  // Every table, in (database, table) name order.
  std::vector<TableInfo> AllTables() const;

 private:
  using DatabaseEntry = CatalogState::DatabaseEntry;
  using TableEntry = CatalogState::TableEntry;
  // A resource named by an ARN: a database, or a table within it.
  struct Resource {
    const DatabaseEntry* database = nullptr;
    const TableEntry* table = nullptr;  // Set for a table ARN.
  };

  Catalog(const Options& options, const Clock* clock);

  TimePoint Now() const;
  // Lookups that turn absence into the API's errors. REQUIRES: mu_ held, or write_mu_
  // held and WriterReadsState called.
  absl::StatusOr<const DatabaseEntry*> RequireDatabase(std::string_view name) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::StatusOr<const TableEntry*> RequireTable(std::string_view database_name,
                                                 std::string_view table_name) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Resource> RequireResource(std::string_view arn) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // A holder of write_mu_ may read state_ without taking mu_: every change to state_
  // holds write_mu_ too (see mu_). This tells the analysis so, for the rest of the
  // caller's scope; it takes no lock. The caller must not take mu_ after it in that scope.
  void WriterReadsState() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_)
      ABSL_ASSERT_SHARED_LOCK(mu_) {}

  // Makes `record` durable, applies it to state_, and compacts the store when due.
  // REQUIRES: write_mu_ held, and `record` checked against state_ under it.
  absl::Status Commit(LogRecord record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  void Report(std::string_view line) const;

  const Options options_;
  const Clock* const clock_;

  // Serializes changes: held from validation against the state through the durable
  // append to the apply, so a change sees every earlier change.
  Mutex write_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::unique_ptr<CatalogStore> store_ ABSL_GUARDED_BY(write_mu_);

  // Guards state_. Changes hold it exclusively only while applying, and always while
  // also holding write_mu_; so a holder of write_mu_ may read state_ without it
  // (WriterReadsState), and readers never wait for an fsync.
  mutable SharedMutex mu_;
  CatalogState state_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tsw::catalog

#endif  // TSW_ENGINE_CATALOG_CATALOG_H_
