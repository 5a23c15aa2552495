// What a table has learned from its writes: each measure name's type, each MULTI
// attribute name's type, and the dimension names. A measure (or attribute) keeps the type
// it was first written with; a record with another type is rejected.
//
// The schema is rebuilt by WAL replay (each batch defines the names it uses) and also kept
// in `<table dir>/SCHEMA` (engine/ingest/FORMAT.md), written atomically when it grows, so
// it outlives the log once the tiers trim it. Each entry remembers the WAL sequence of the
// batch that added it, so the file only ever holds entries whose batch is durable.
// REQUIRES: external synchronization (the table's lock).
#ifndef TSW_ENGINE_MODEL_TABLE_SCHEMA_H_
#define TSW_ENGINE_MODEL_TABLE_SCHEMA_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "tsw/types.h"

namespace tsw::model {

// Names with a type and a dense id, in order of addition.
class NameTable {
 public:
  static constexpr int32_t kAbsent = -1;
  struct Entry {
    std::string name;
    MeasureValueType type;
    uint64_t added_sequence;  // WAL sequence of the batch that added it; 0 from the file.
  };

  int32_t Find(absl::string_view name) const {
    auto it = index_.find(name);
    return it == index_.end() ? kAbsent : it->second;
  }
  // REQUIRES: Find(name) == kAbsent.
  int32_t Add(absl::string_view name, MeasureValueType type, uint64_t sequence);
  const Entry& at(int32_t id) const { return entries_[id]; }
  size_t size() const { return entries_.size(); }

 private:
  std::deque<Entry> entries_;  // A deque: the index's views point into the entries.
  absl::flat_hash_map<absl::string_view, int32_t> index_;
};

class TableSchema {
 public:
  NameTable measures;    // Measure name -> type (MULTI for multi-measure records).
  NameTable attributes;  // MULTI attribute name -> type, table-wide.
  NameTable dimensions;  // Dimension names (type VARCHAR).

  // The schema file's bytes holding the entries added at or before `up_to_sequence`.
  std::string Encode(uint64_t up_to_sequence) const;
  // Adds the entries of a schema file to this (empty) schema. An InternalServerException
  // describing the damage if `data` is not an intact schema file.
  absl::Status Decode(absl::string_view data);
};

// The ids of those of `names` that `schema` has as measures; names it lacks are left out
// (a scan's ScanRequest::measure_names).
absl::flat_hash_set<uint32_t> MeasureIds(const TableSchema& schema,
                                         const std::vector<std::string>& names);

}  // namespace tsw::model

#endif  // TSW_ENGINE_MODEL_TABLE_SCHEMA_H_
