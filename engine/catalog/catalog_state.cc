#include "engine/catalog/catalog_state.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/catalog/validation.h"
#include "tsw/status.h"

namespace tsw::catalog {
namespace {

absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

CatalogState::CatalogState(std::string region, std::string account_id)
    : region_(std::move(region)), account_id_(std::move(account_id)) {}

const CatalogState::DatabaseEntry* CatalogState::FindDatabase(std::string_view name) const {
  auto it = database_index_.find(AsAbsl(name));
  return it == database_index_.end() ? nullptr : it->second;
}

const CatalogState::TableEntry* CatalogState::FindTable(std::string_view database_name,
                                                        std::string_view table_name) const {
  const DatabaseEntry* db = FindDatabase(database_name);
  if (db == nullptr) return nullptr;
  auto it = db->table_index.find(AsAbsl(table_name));
  return it == db->table_index.end() ? nullptr : it->second;
}

std::string CatalogState::TableArnOf(std::string_view database_name,
                                     std::string_view table_name) const {
  return TableArn(region_, account_id_, database_name, table_name);
}

absl::Status CatalogState::Apply(LogRecord record) {
  switch (record.type) {
    case LogRecord::Type::kPutDatabase: {
      Database& incoming = record.database.database;
      auto it = databases_.find(incoming.database_name);
      if (it == databases_.end()) {
        auto entry = std::make_unique<DatabaseEntry>();
        incoming.arn = DatabaseArn(region_, account_id_, incoming.database_name);
        incoming.table_count = 0;
        entry->database = std::move(incoming);
        entry->tags = std::move(record.database.tags);
        DatabaseEntry* raw = entry.get();
        database_index_[raw->database.database_name] = raw;
        databases_.emplace(raw->database.database_name, std::move(entry));
      } else {
        DatabaseEntry& entry = *it->second;
        entry.database.kms_key_id = std::move(incoming.kms_key_id);
        entry.database.creation_time = incoming.creation_time;
        entry.database.last_updated_time = incoming.last_updated_time;
        entry.tags = std::move(record.database.tags);
      }
      return absl::OkStatus();
    }
    case LogRecord::Type::kDeleteDatabase: {
      auto it = databases_.find(record.database_name);
      if (it == databases_.end()) {
        return InternalError(absl::StrCat("database ", record.database_name, " is not there"));
      }
      if (!it->second->tables.empty()) {
        return InternalError(absl::StrCat("database ", record.database_name, " has tables"));
      }
      database_index_.erase(record.database_name);
      databases_.erase(it);
      return absl::OkStatus();
    }
    case LogRecord::Type::kPutTable: {
      TableRecord& incoming = record.table;
      auto db_it = databases_.find(incoming.table.database_name);
      if (db_it == databases_.end()) {
        return InternalError(
            absl::StrCat("database ", incoming.table.database_name, " is not there"));
      }
      DatabaseEntry& db = *db_it->second;
      incoming.table.arn = TableArnOf(incoming.table.database_name, incoming.table.table_name);
      auto it = db.tables.find(incoming.table.table_name);
      if (it != db.tables.end()) {
        if (it->second.table_id != incoming.table_id) {
          return InternalError(absl::StrCat("table ", incoming.table.table_name, " has id ",
                                            it->second.table_id, ", record says ",
                                            incoming.table_id));
        }
        it->second.table = std::move(incoming.table);
        it->second.tags = std::move(incoming.tags);
        return absl::OkStatus();
      }
      if (incoming.table_id < next_table_id_) {
        return InternalError(absl::StrCat("new table ", incoming.table.table_name, " reuses id ",
                                          incoming.table_id));
      }
      next_table_id_ = incoming.table_id + 1;
      const std::string name = incoming.table.table_name;
      TableEntry& entry = db.tables[name];
      entry.table_id = incoming.table_id;
      entry.table = std::move(incoming.table);
      entry.tags = std::move(incoming.tags);
      db.table_index[name] = &entry;
      db.database.table_count = static_cast<int64_t>(db.tables.size());
      ++table_total_;
      return absl::OkStatus();
    }
    case LogRecord::Type::kDeleteTable: {
      auto db_it = databases_.find(record.database_name);
      if (db_it == databases_.end()) {
        return InternalError(absl::StrCat("database ", record.database_name, " is not there"));
      }
      DatabaseEntry& db = *db_it->second;
      auto it = db.tables.find(record.table_name);
      if (it == db.tables.end()) {
        return InternalError(
            absl::StrCat("table ", record.database_name, ".", record.table_name, " is not there"));
      }
      db.table_index.erase(record.table_name);
      db.tables.erase(it);
      db.database.table_count = static_cast<int64_t>(db.tables.size());
      --table_total_;
      return absl::OkStatus();
    }
  }
  return InternalError("unknown catalog record type");
}

absl::Status CatalogState::Load(const Snapshot& snapshot, std::string_view path) {
  auto corrupt = [&](absl::string_view what) {
    return InternalError(absl::StrCat("catalog file ", AsAbsl(path), " is corrupt: ", what));
  };
  for (const DatabaseRecord& db : snapshot.databases) {
    if (FindDatabase(db.database.database_name) != nullptr) {
      return corrupt(absl::StrCat("database ", db.database.database_name, " appears twice"));
    }
    LogRecord record;
    record.type = LogRecord::Type::kPutDatabase;
    record.database = db;
    if (absl::Status s = Apply(std::move(record)); !s.ok()) return corrupt(s.message());
  }
  // In id order, so Apply's rule that a new table's id is at least next_table_id_ also
  // proves the ids unique.
  std::vector<const TableRecord*> tables;
  tables.reserve(snapshot.tables.size());
  for (const TableRecord& table : snapshot.tables) tables.push_back(&table);
  std::sort(tables.begin(), tables.end(),
            [](const TableRecord* a, const TableRecord* b) { return a->table_id < b->table_id; });
  for (const TableRecord* table : tables) {
    if (FindTable(table->table.database_name, table->table.table_name) != nullptr) {
      return corrupt(absl::StrCat("table ", table->table.database_name, ".",
                                  table->table.table_name, " appears twice"));
    }
    LogRecord record;
    record.type = LogRecord::Type::kPutTable;
    record.table = *table;
    if (absl::Status s = Apply(std::move(record)); !s.ok()) return corrupt(s.message());
  }
  if (snapshot.next_table_id < next_table_id_) {
    return corrupt(
        absl::StrCat("next table id ", snapshot.next_table_id, " is not above every table id"));
  }
  next_table_id_ = snapshot.next_table_id;
  return absl::OkStatus();
}

Snapshot CatalogState::ToSnapshot() const {
  Snapshot snapshot;
  snapshot.next_table_id = next_table_id_;
  snapshot.databases.reserve(databases_.size());
  snapshot.tables.reserve(static_cast<size_t>(table_total_));
  for (const auto& [name, db] : databases_) {
    snapshot.databases.push_back(DatabaseRecord{db->database, db->tags});
    for (const auto& [table_name, table] : db->tables) {
      snapshot.tables.push_back(TableRecord{table.table_id, table.table, table.tags});
    }
  }
  return snapshot;
}

}  // namespace tsw::catalog
