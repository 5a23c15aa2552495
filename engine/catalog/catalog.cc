#include "engine/catalog/catalog.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/catalog/page_token.h"
#include "engine/catalog/validation.h"
#include "engine/common/file_util.h"
#include "tsw/status.h"

namespace tsw::catalog {
namespace {

absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// `tags` with `add` set on top: an existing key keeps its place and takes the new value;
// new keys are appended in request order.
std::vector<Tag> MergeTags(std::vector<Tag> tags, const std::vector<Tag>& add) {
  for (const Tag& tag : add) {
    auto it =
        std::find_if(tags.begin(), tags.end(), [&](const Tag& t) { return t.key == tag.key; });
    if (it != tags.end()) {
      it->value = tag.value;
    } else {
      tags.push_back(tag);
    }
  }
  return tags;
}

absl::Status CheckTagQuota(size_t count, int quota, std::string_view resource) {
  if (count > static_cast<size_t>(std::max(quota, 0))) {
    return QuotaExceededError(absl::StrCat("Resource ", AsAbsl(resource), " would have ", count,
                                           " tags; the quota is ", quota, " tags per resource."));
  }
  return absl::OkStatus();
}

}  // namespace

// ------------------------------------------------------------------------------- open

Catalog::Catalog(const Options& options, const Clock* clock)
    : options_(options),
      clock_(clock != nullptr ? clock : SystemClock::Default()),
      state_(options.region, options.account_id) {}

Catalog::~Catalog() = default;

absl::StatusOr<std::unique_ptr<Catalog>> Catalog::Open(const std::string& dir,
                                                       const Options& options, const Clock* clock) {
  return Open(dir, options, clock, CatalogTuning());
}

absl::StatusOr<std::unique_ptr<Catalog>> Catalog::Open(const std::string& dir,
                                                       const Options& options, const Clock* clock,
                                                       const CatalogTuning& tuning) {
  std::unique_ptr<Catalog> catalog(new Catalog(options, clock));
  StoreOptions store_options;
  store_options.min_log_bytes_to_compact = tuning.min_log_bytes_to_compact;
  store_options.report = options.report;
  store_options.env = options.env;
  CatalogStore::Recovered recovered;
  absl::StatusOr<std::unique_ptr<CatalogStore>> store =
      CatalogStore::Open(dir, std::move(store_options), &recovered);
  if (!store.ok()) return store.status();
  // Not yet shared with other threads: the locks, never contended, are for the analysis.
  MutexLock write_lock(&catalog->write_mu_);
  MutexLock lock(&catalog->mu_);
  catalog->store_ = std::move(*store);

  if (absl::Status s = catalog->state_.Load(recovered.snapshot, catalog->store_->SnapshotPath());
      !s.ok()) {
    return s;
  }
  const std::string log_path = catalog->store_->LogPath(catalog->store_->log_number());
  for (size_t i = 0; i < recovered.records.size(); ++i) {
    if (absl::Status s = catalog->state_.Apply(std::move(recovered.records[i])); !s.ok()) {
      return InternalError(absl::StrCat("catalog file ", log_path, " is corrupt: record ", i,
                                        " does not apply: ", s.message()));
    }
  }
  return catalog;
}

// --------------------------------------------------------------------------- lookups

TimePoint Catalog::Now() const {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::nanoseconds(clock_->NowNanos())));
}

absl::StatusOr<const Catalog::DatabaseEntry*> Catalog::RequireDatabase(
    std::string_view name) const {
  if (absl::Status s = ValidateExistingName("DatabaseName", name); !s.ok()) return s;
  const DatabaseEntry* db = state_.FindDatabase(name);
  if (db == nullptr) return DatabaseNotFoundError(name);
  return db;
}

absl::StatusOr<const Catalog::TableEntry*> Catalog::RequireTable(
    std::string_view database_name, std::string_view table_name) const {
  if (absl::Status s = ValidateExistingName("DatabaseName", database_name); !s.ok()) return s;
  if (absl::Status s = ValidateExistingName("TableName", table_name); !s.ok()) return s;
  const DatabaseEntry* db = state_.FindDatabase(database_name);
  if (db == nullptr) return DatabaseNotFoundError(database_name);
  auto it = db->table_index.find(AsAbsl(table_name));
  if (it == db->table_index.end()) return TableNotFoundError(database_name, table_name);
  return it->second;
}

absl::StatusOr<Catalog::Resource> Catalog::RequireResource(std::string_view arn) const {
  absl::StatusOr<ResourceArn> parsed = ParseResourceArn(arn);
  if (!parsed.ok()) return parsed.status();
  // A well-formed ARN of another partition, region or account names a resource this
  // engine does not hold.
  if (parsed->partition != "aws" || parsed->region != options_.region ||
      parsed->account_id != options_.account_id) {
    return NotFoundError(absl::StrCat("The resource ", AsAbsl(arn),
                                      " does not exist: this engine holds region ", options_.region,
                                      ", account ", options_.account_id, "."));
  }
  Resource resource;
  resource.database = state_.FindDatabase(parsed->database_name);
  if (resource.database == nullptr) {
    return NotFoundError(absl::StrCat("The resource ", AsAbsl(arn), " does not exist."));
  }
  if (parsed->table_name.has_value()) {
    resource.table = state_.FindTable(parsed->database_name, *parsed->table_name);
    if (resource.table == nullptr) {
      return NotFoundError(absl::StrCat("The resource ", AsAbsl(arn), " does not exist."));
    }
  }
  return resource;
}

// ---------------------------------------------------------------------------- commit

absl::Status Catalog::Commit(LogRecord record) {
  if (absl::Status s = store_->Append(record); !s.ok()) return file::ForClient(s);
  {
    MutexLock lock(&mu_);
    // Every caller checked the record against the state under write_mu_, so this holds;
    // a failure here is a bug, reported rather than hidden.
    if (absl::Status s = state_.Apply(std::move(record)); !s.ok()) {
      return InternalError(absl::StrCat("catalog change does not apply: ", s.message()));
    }
  }
  WriterReadsState();
  if (store_->ShouldCompact()) {
    // The change is durable in the log already; a failed compaction costs only space.
    if (absl::Status s = store_->Compact(state_.ToSnapshot()); !s.ok()) {
      Report(absl::StrCat("catalog compaction failed: ", s.ToString()));
    }
  }
  return absl::OkStatus();
}

void Catalog::Report(std::string_view line) const {
  if (options_.report) {
    options_.report(line);
  } else {
    std::cerr << "tsw catalog: " << line << "\n";
  }
}

// ------------------------------------------------------------------------- databases

absl::StatusOr<CreateDatabaseResponse> Catalog::CreateDatabase(
    const CreateDatabaseRequest& request) {
  if (absl::Status s = ValidateNewName("DatabaseName", request.database_name); !s.ok()) return s;
  if (request.kms_key_id.has_value()) {
    if (absl::Status s = ValidateKmsKeyId(*request.kms_key_id); !s.ok()) return s;
  }
  if (absl::Status s = ValidateTags(request.tags); !s.ok()) return s;

  MutexLock write_lock(&write_mu_);
  WriterReadsState();
  if (state_.FindDatabase(request.database_name) != nullptr) {
    return ConflictError(
        absl::StrCat("A database with the name ", request.database_name, " already exists."));
  }
  if (state_.databases().size() >=
      static_cast<size_t>(std::max(options_.quotas.max_databases, 0))) {
    return QuotaExceededError(absl::StrCat("Cannot create database ", request.database_name,
                                           ": the quota of ", options_.quotas.max_databases,
                                           " databases is reached."));
  }
  if (absl::Status s = CheckTagQuota(request.tags.size(), options_.quotas.max_tags_per_resource,
                                     request.database_name);
      !s.ok()) {
    return s;
  }
  LogRecord record;
  record.type = LogRecord::Type::kPutDatabase;
  Database& db = record.database.database;
  db.database_name = request.database_name;
  db.kms_key_id = request.kms_key_id.has_value()
                      ? *request.kms_key_id
                      : DefaultKmsKeyArn(options_.region, options_.account_id);
  db.creation_time = db.last_updated_time = Now();
  record.database.tags = request.tags;
  if (absl::Status s = Commit(std::move(record)); !s.ok()) return s;
  return CreateDatabaseResponse{state_.FindDatabase(request.database_name)->database};
}

absl::StatusOr<DescribeDatabaseResponse> Catalog::DescribeDatabase(
    const DescribeDatabaseRequest& request) const {
  ReaderMutexLock lock(&mu_);
  absl::StatusOr<const DatabaseEntry*> db = RequireDatabase(request.database_name);
  if (!db.ok()) return db.status();
  return DescribeDatabaseResponse{(*db)->database};
}

absl::StatusOr<UpdateDatabaseResponse> Catalog::UpdateDatabase(
    const UpdateDatabaseRequest& request) {
  if (absl::Status s = ValidateExistingName("DatabaseName", request.database_name); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateKmsKeyId(request.kms_key_id); !s.ok()) return s;
  MutexLock write_lock(&write_mu_);
  WriterReadsState();
  absl::StatusOr<const DatabaseEntry*> db = RequireDatabase(request.database_name);
  if (!db.ok()) return db.status();
  // The reference: the same KmsKeyId as registered is no update. Keys are compared as
  // the strings given (tsw cannot ask KMS whether an alias names the same key).
  if ((*db)->database.kms_key_id == request.kms_key_id) {
    return UpdateDatabaseResponse{(*db)->database};
  }
  LogRecord record;
  record.type = LogRecord::Type::kPutDatabase;
  record.database.database = (*db)->database;
  record.database.tags = (*db)->tags;
  record.database.database.kms_key_id = request.kms_key_id;
  record.database.database.last_updated_time = Now();
  if (absl::Status s = Commit(std::move(record)); !s.ok()) return s;
  return UpdateDatabaseResponse{state_.FindDatabase(request.database_name)->database};
}

absl::Status Catalog::DeleteDatabase(const DeleteDatabaseRequest& request) {
  MutexLock write_lock(&write_mu_);
  WriterReadsState();
  absl::StatusOr<const DatabaseEntry*> db = RequireDatabase(request.database_name);
  if (!db.ok()) return db.status();
  if (!(*db)->tables.empty()) {
    // The API reference: "All tables in the database must be deleted first, or a
    // ValidationException error will be thrown."
    return ValidationError(
        absl::StrCat("All tables in the database must be deleted first. Database ",
                     request.database_name, " still has ", (*db)->tables.size(), " tables."));
  }
  LogRecord record;
  record.type = LogRecord::Type::kDeleteDatabase;
  record.database_name = request.database_name;
  return Commit(std::move(record));
}

absl::StatusOr<ListDatabasesResponse> Catalog::ListDatabases(
    const ListDatabasesRequest& request) const {
  if (absl::Status s = ValidateMaxResults(request.max_results); !s.ok()) return s;
  std::optional<PageToken> token;
  if (request.next_token.has_value()) {
    absl::StatusOr<PageToken> decoded =
        DecodePageToken(*request.next_token, PageToken::Kind::kDatabases);
    if (!decoded.ok()) return decoded.status();
    token = std::move(*decoded);
  }
  const size_t limit = request.max_results.value_or(kDefaultMaxResults);

  ReaderMutexLock lock(&mu_);
  ListDatabasesResponse response;
  const CatalogState::DatabaseMap& databases = state_.databases();
  auto it = token.has_value() ? databases.upper_bound(token->database) : databases.begin();
  for (; it != databases.end() && response.databases.size() < limit; ++it) {
    response.databases.push_back(it->second->database);
  }
  if (it != databases.end()) {
    PageToken next;
    next.kind = PageToken::Kind::kDatabases;
    next.database = response.databases.back().database_name;
    response.next_token = EncodePageToken(next);
  }
  return response;
}

// ---------------------------------------------------------------------------- tables

absl::StatusOr<CreateTableResponse> Catalog::CreateTable(const CreateTableRequest& request) {
  if (absl::Status s = ValidateNewName("DatabaseName", request.database_name); !s.ok()) return s;
  if (absl::Status s = ValidateNewName("TableName", request.table_name); !s.ok()) return s;
  if (request.retention_properties.has_value()) {
    if (absl::Status s = ValidateRetention(*request.retention_properties); !s.ok()) return s;
  }
  if (request.magnetic_store_write_properties.has_value()) {
    if (absl::Status s =
            ValidateMagneticStoreWriteProperties(*request.magnetic_store_write_properties);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = ValidateTags(request.tags); !s.ok()) return s;

  MutexLock write_lock(&write_mu_);
  WriterReadsState();
  absl::StatusOr<const DatabaseEntry*> db = RequireDatabase(request.database_name);
  if (!db.ok()) return db.status();
  if ((*db)->table_index.contains(AsAbsl(request.table_name))) {
    return ConflictError(absl::StrCat("A table with the name ", request.table_name,
                                      " already exists in database ", request.database_name, "."));
  }
  if (state_.table_total() >= std::max(options_.quotas.max_tables, 0)) {
    return QuotaExceededError(absl::StrCat("Cannot create table ", request.table_name,
                                           ": the quota of ", options_.quotas.max_tables,
                                           " tables is reached."));
  }
  if (absl::Status s = CheckTagQuota(request.tags.size(), options_.quotas.max_tags_per_resource,
                                     request.table_name);
      !s.ok()) {
    return s;
  }
  LogRecord record;
  record.type = LogRecord::Type::kPutTable;
  record.table.table_id = state_.next_table_id();
  Table& table = record.table.table;
  table.database_name = request.database_name;
  table.table_name = request.table_name;
  table.table_status = TableStatus::kActive;
  table.retention_properties = request.retention_properties.value_or(RetentionProperties());
  table.magnetic_store_write_properties =
      request.magnetic_store_write_properties.value_or(MagneticStoreWriteProperties());
  table.creation_time = table.last_updated_time = Now();
  record.table.tags = request.tags;
  if (absl::Status s = Commit(std::move(record)); !s.ok()) return s;
  return CreateTableResponse{state_.FindTable(request.database_name, request.table_name)->table};
}

absl::StatusOr<DescribeTableResponse> Catalog::DescribeTable(
    const DescribeTableRequest& request) const {
  ReaderMutexLock lock(&mu_);
  absl::StatusOr<const TableEntry*> table = RequireTable(request.database_name, request.table_name);
  if (!table.ok()) return table.status();
  return DescribeTableResponse{(*table)->table};
}

absl::StatusOr<UpdateTableResponse> Catalog::UpdateTable(const UpdateTableRequest& request) {
  if (request.retention_properties.has_value()) {
    if (absl::Status s = ValidateRetention(*request.retention_properties); !s.ok()) return s;
  }
  if (request.magnetic_store_write_properties.has_value()) {
    if (absl::Status s =
            ValidateMagneticStoreWriteProperties(*request.magnetic_store_write_properties);
        !s.ok()) {
      return s;
    }
  }
  MutexLock write_lock(&write_mu_);
  WriterReadsState();
  absl::StatusOr<const TableEntry*> entry = RequireTable(request.database_name, request.table_name);
  if (!entry.ok()) return entry.status();
  // Amazon does not say what an UpdateTable naming no property does. Nothing is asked to
  // change, so nothing changes (LastUpdatedTime included), as for UpdateDatabase with the
  // registered key. Any property given is an update, even if equal to the current value.
  if (!request.retention_properties.has_value() &&
      !request.magnetic_store_write_properties.has_value()) {
    return UpdateTableResponse{(*entry)->table};
  }
  LogRecord record;
  record.type = LogRecord::Type::kPutTable;
  record.table.table_id = (*entry)->table_id;
  record.table.table = (*entry)->table;
  record.table.tags = (*entry)->tags;
  Table& table = record.table.table;
  if (request.retention_properties.has_value()) {
    table.retention_properties = *request.retention_properties;
  }
  if (request.magnetic_store_write_properties.has_value()) {
    table.magnetic_store_write_properties = *request.magnetic_store_write_properties;
  }
  table.last_updated_time = Now();
  if (absl::Status s = Commit(std::move(record)); !s.ok()) return s;
  return UpdateTableResponse{state_.FindTable(request.database_name, request.table_name)->table};
}

absl::StatusOr<uint64_t> Catalog::DeleteTable(const DeleteTableRequest& request) {
  MutexLock write_lock(&write_mu_);
  WriterReadsState();
  absl::StatusOr<const TableEntry*> entry = RequireTable(request.database_name, request.table_name);
  if (!entry.ok()) return entry.status();
  const uint64_t table_id = (*entry)->table_id;
  LogRecord record;
  record.type = LogRecord::Type::kDeleteTable;
  record.database_name = request.database_name;
  record.table_name = request.table_name;
  if (absl::Status s = Commit(std::move(record)); !s.ok()) return s;
  return table_id;
}

absl::StatusOr<ListTablesResponse> Catalog::ListTables(const ListTablesRequest& request) const {
  if (absl::Status s = ValidateMaxResults(request.max_results); !s.ok()) return s;
  if (request.database_name.has_value()) {
    if (absl::Status s = ValidateExistingName("DatabaseName", *request.database_name); !s.ok()) {
      return s;
    }
  }
  const PageToken::Kind kind = request.database_name.has_value()
                                   ? PageToken::Kind::kTablesOfDatabase
                                   : PageToken::Kind::kAllTables;
  std::optional<PageToken> token;
  if (request.next_token.has_value()) {
    absl::StatusOr<PageToken> decoded = DecodePageToken(*request.next_token, kind);
    if (!decoded.ok()) return decoded.status();
    if (kind == PageToken::Kind::kTablesOfDatabase && decoded->database != *request.database_name) {
      return ValidationError(absl::StrCat("NextToken was issued for the tables of database ",
                                          decoded->database, ", not ", *request.database_name));
    }
    token = std::move(*decoded);
  }
  const size_t limit = request.max_results.value_or(kDefaultMaxResults);

  ReaderMutexLock lock(&mu_);
  const CatalogState::DatabaseMap& databases = state_.databases();
  auto db_it = databases.begin();
  auto db_end = databases.end();
  if (request.database_name.has_value()) {
    db_it = databases.find(*request.database_name);
    if (db_it == databases.end()) return DatabaseNotFoundError(*request.database_name);
    db_end = std::next(db_it);
  } else if (token.has_value()) {
    db_it = databases.lower_bound(token->database);
  }
  ListTablesResponse response;
  bool more = false;
  for (; db_it != db_end && !more; ++db_it) {
    const auto& tables = db_it->second->tables;
    auto it = token.has_value() && db_it->first == token->database
                  ? tables.upper_bound(token->table)
                  : tables.begin();
    for (; it != tables.end(); ++it) {
      if (response.tables.size() == limit) {
        more = true;
        break;
      }
      response.tables.push_back(it->second.table);
    }
  }
  if (more) {
    const Table& last = response.tables.back();
    PageToken next;
    next.kind = kind;
    next.database = last.database_name;
    next.table = last.table_name;
    response.next_token = EncodePageToken(next);
  }
  return response;
}

// ------------------------------------------------------------------------------ tags

absl::StatusOr<ListTagsForResourceResponse> Catalog::ListTagsForResource(
    const ListTagsForResourceRequest& request) const {
  ReaderMutexLock lock(&mu_);
  absl::StatusOr<Resource> resource = RequireResource(request.resource_arn);
  if (!resource.ok()) return resource.status();
  return ListTagsForResourceResponse{resource->table != nullptr ? resource->table->tags
                                                                : resource->database->tags};
}

// Tag changes do not move LastUpdatedTime: that time belongs to the database's and
// table's own properties (KMS key, retention, magnetic-store writes), which tagging does
// not touch, and Amazon's Describe shows no tag-related change either.
absl::StatusOr<TagResourceResponse> Catalog::TagResource(const TagResourceRequest& request) {
  absl::StatusOr<ResourceArn> parsed = ParseResourceArn(request.resource_arn);
  if (!parsed.ok()) return parsed.status();
  if (absl::Status s = ValidateTags(request.tags); !s.ok()) return s;
  MutexLock write_lock(&write_mu_);
  WriterReadsState();
  absl::StatusOr<Resource> resource = RequireResource(request.resource_arn);
  if (!resource.ok()) return resource.status();
  const std::vector<Tag>& current =
      resource->table != nullptr ? resource->table->tags : resource->database->tags;
  std::vector<Tag> merged = MergeTags(current, request.tags);
  if (absl::Status s =
          CheckTagQuota(merged.size(), options_.quotas.max_tags_per_resource, request.resource_arn);
      !s.ok()) {
    return s;
  }
  if (request.tags.empty()) return TagResourceResponse{};
  LogRecord record;
  if (resource->table != nullptr) {
    record.type = LogRecord::Type::kPutTable;
    record.table =
        TableRecord{resource->table->table_id, resource->table->table, std::move(merged)};
  } else {
    record.type = LogRecord::Type::kPutDatabase;
    record.database = DatabaseRecord{resource->database->database, std::move(merged)};
  }
  if (absl::Status s = Commit(std::move(record)); !s.ok()) return s;
  return TagResourceResponse{};
}

absl::StatusOr<UntagResourceResponse> Catalog::UntagResource(const UntagResourceRequest& request) {
  absl::StatusOr<ResourceArn> parsed = ParseResourceArn(request.resource_arn);
  if (!parsed.ok()) return parsed.status();
  if (absl::Status s = ValidateTagKeys(request.tag_keys); !s.ok()) return s;
  MutexLock write_lock(&write_mu_);
  WriterReadsState();
  absl::StatusOr<Resource> resource = RequireResource(request.resource_arn);
  if (!resource.ok()) return resource.status();
  const std::vector<Tag>& current =
      resource->table != nullptr ? resource->table->tags : resource->database->tags;
  absl::flat_hash_set<absl::string_view> remove(request.tag_keys.begin(), request.tag_keys.end());
  std::vector<Tag> kept;
  for (const Tag& tag : current) {
    if (!remove.contains(tag.key)) kept.push_back(tag);
  }
  // Keys the resource does not have are not an error (the reference: existing tags
  // whose keys are in the list are removed).
  if (kept.size() == current.size()) return UntagResourceResponse{};
  LogRecord record;
  if (resource->table != nullptr) {
    record.type = LogRecord::Type::kPutTable;
    record.table = TableRecord{resource->table->table_id, resource->table->table, std::move(kept)};
  } else {
    record.type = LogRecord::Type::kPutDatabase;
    record.database = DatabaseRecord{resource->database->database, std::move(kept)};
  }
  if (absl::Status s = Commit(std::move(record)); !s.ok()) return s;
  return UntagResourceResponse{};
}

// ----------------------------------------------------------------------- for the engine

absl::StatusOr<TableInfo> Catalog::LookupTable(std::string_view database_name,
                                               std::string_view table_name) const {
  ReaderMutexLock lock(&mu_);
  absl::StatusOr<const TableEntry*> entry = RequireTable(database_name, table_name);
  if (!entry.ok()) return entry.status();
  return TableInfo{(*entry)->table_id, (*entry)->table};
}

std::vector<TableInfo> Catalog::AllTables() const {
  ReaderMutexLock lock(&mu_);
  std::vector<TableInfo> out;
  out.reserve(static_cast<size_t>(state_.table_total()));
  for (const auto& [name, db] : state_.databases()) {
    for (const auto& [table_name, table] : db->tables) {
      out.push_back(TableInfo{table.table_id, table.table});
    }
  }
  return out;
}

}  // namespace tsw::catalog
