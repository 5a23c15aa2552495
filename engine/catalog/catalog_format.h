// The catalog's bytes on disk: the snapshot file and the change log (layouts in
// engine/catalog/FORMAT.md). Pure encoding and decoding; no I/O and no locks.
//
// Every decoder checks the xxHash (XXH3_64bits) of what it reads before trusting it, and
// reports a bad file as InternalServerException naming the file.
#ifndef TSW_ENGINE_CATALOG_CATALOG_FORMAT_H_
#define TSW_ENGINE_CATALOG_CATALOG_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tsw/types.h"

namespace tsw::catalog {

inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kSnapshotHeaderBytes = 32;
inline constexpr size_t kLogHeaderBytes = 32;
inline constexpr size_t kLogFrameBytes = 16;  // length, header check, payload checksum.

// A database as persisted. `database.arn` and `database.table_count` are derived, not
// stored (they decode empty/zero).
struct DatabaseRecord {
  Database database;
  std::vector<Tag> tags;
};

// A table as persisted. `table.arn` is derived, not stored (it decodes empty).
struct TableRecord {
  uint64_t table_id = 0;
  Table table;
  std::vector<Tag> tags;
};

// One committed change. Puts carry the entity's whole new state (insert or replace), so
// replaying a log is a sequence of idempotent assignments.
struct LogRecord {
  enum class Type : uint8_t {
    kPutDatabase = 1,
    kDeleteDatabase = 2,
    kPutTable = 3,
    kDeleteTable = 4,
  };
  Type type = Type::kPutDatabase;
  DatabaseRecord database;    // kPutDatabase.
  TableRecord table;          // kPutTable.
  std::string database_name;  // kDeleteDatabase, kDeleteTable.
  std::string table_name;     // kDeleteTable.
};

// The whole catalog at one moment, and the log that continues it.
struct Snapshot {
  uint64_t log_number = 0;     // The log whose records apply on top of this snapshot.
  uint64_t next_table_id = 1;  // Ids below this were handed out once; never reused.
  std::vector<DatabaseRecord> databases;
  std::vector<TableRecord> tables;
};

// The snapshot file's full contents (header and body).
std::string EncodeSnapshot(const Snapshot& snapshot);
// Parses a snapshot file read from `path` (used in error messages).
absl::StatusOr<Snapshot> DecodeSnapshot(absl::string_view contents, absl::string_view path);

// The 32-byte header that starts log number `log_number`.
std::string EncodeLogHeader(uint64_t log_number);
// One framed record, ready to append.
std::string EncodeLogRecord(const LogRecord& record);

// What a log file holds.
struct LogContents {
  std::vector<LogRecord> records;
  // Bytes of the header and the whole records; the file should be cut to this length.
  size_t valid_bytes = 0;
  // True when the file ends in an incomplete record (a crash during an append); that
  // change was never acknowledged and is dropped.
  bool torn_tail = false;
};

// Parses a log file read from `path`. A damaged record followed by more records, a bad
// header or a different log number is corruption (InternalServerException); damage
// confined to the file's end is a torn tail (see FORMAT.md for the exact rule).
absl::StatusOr<LogContents> DecodeLog(absl::string_view contents, uint64_t log_number,
                                      absl::string_view path);

}  // namespace tsw::catalog

#endif  // TSW_ENGINE_CATALOG_CATALOG_FORMAT_H_
