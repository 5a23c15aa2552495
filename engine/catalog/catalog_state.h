// CatalogState: the catalog's contents in memory (databases, their tables, tags, table
// ids) and the one way to change them, Apply(LogRecord). Recovery and live changes both
// go through Apply, so what a reopen rebuilds is exactly what the running catalog held.
//
// Invariants (checked by Apply, which refuses a record that would break them):
//  - every table's database exists; names are unique per account / per database;
//  - a database is deleted only when it has no tables;
//  - table ids are unique: a new table's id is at least next_table_id(), which then
//    moves past it and never moves back (so ids are never reused);
//  - Database::table_count equals the number of its tables; ARNs are set.
//
// Not thread-safe: the Catalog guards it (see catalog.h).
#ifndef TSW_ENGINE_CATALOG_CATALOG_STATE_H_
#define TSW_ENGINE_CATALOG_CATALOG_STATE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "engine/catalog/catalog_format.h"
#include "tsw/types.h"

namespace tsw::catalog {

class CatalogState {
 public:
  struct TableEntry {
    uint64_t table_id = 0;
    Table table;  // arn set.
    std::vector<Tag> tags;
  };
  struct DatabaseEntry {
    Database database;  // arn set; table_count == tables.size().
    std::vector<Tag> tags;
    // Name order for listing; the index points into it for hash lookups. Map nodes never
    // move, so the pointers stay valid until the entry is erased.
    std::map<std::string, TableEntry, std::less<>> tables;
    absl::flat_hash_map<std::string, TableEntry*> table_index;
  };
  using DatabaseMap = std::map<std::string, std::unique_ptr<DatabaseEntry>, std::less<>>;

  // ARNs are built from `region` and `account_id`.
  CatalogState(std::string region, std::string account_id);
  CatalogState(const CatalogState&) = delete;
  CatalogState& operator=(const CatalogState&) = delete;

  // Hash lookups; nullptr when absent. No allocation.
  const DatabaseEntry* FindDatabase(std::string_view name) const;
  const TableEntry* FindTable(std::string_view database_name, std::string_view table_name) const;

  // Databases in name order, each with its tables in name order.
  const DatabaseMap& databases() const { return databases_; }
  int64_t table_total() const { return table_total_; }
  uint64_t next_table_id() const { return next_table_id_; }

  // Applies one change. Fails, changing nothing, when the record does not fit the state
  // (see the invariants above); for a recovered record that means corruption.
  absl::Status Apply(LogRecord record);

  // Replaces the (empty) state with `snapshot`. InternalServerException naming `path`
  // when the snapshot breaks an invariant. REQUIRES: the state is empty.
  absl::Status Load(const Snapshot& snapshot, std::string_view path);
  // The whole state as a snapshot (log_number left 0 for the store to assign).
  Snapshot ToSnapshot() const;

  // The ARN of a table of this state's region and account.
  std::string TableArnOf(std::string_view database_name, std::string_view table_name) const;

 private:
  const std::string region_;
  const std::string account_id_;
  DatabaseMap databases_;
  absl::flat_hash_map<std::string, DatabaseEntry*> database_index_;
  int64_t table_total_ = 0;     // Tables across all databases.
  uint64_t next_table_id_ = 1;  // Ids below were handed out once.
};

}  // namespace tsw::catalog

#endif  // TSW_ENGINE_CATALOG_CATALOG_STATE_H_
