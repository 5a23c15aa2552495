// The engine facade: tsw::Engine (api/tsw/engine.h) over the catalog and one TableStore
// per table.
//
// Directory layout (<data> is the directory given to Engine::Open):
//   <data>/LOCK               locked (Env::LockFile) while an engine has the directory open
//   <data>/catalog/           the catalog (engine/catalog/FORMAT.md)
//   <data>/tables/<id>/       one table's data: WAL, segments, schema (engine/table)
// A table's data directory is named by its catalog id, never reused, so a directory
// whose id the catalog does not know is the remains of a deleted table (or of a create
// that crashed before committing) and is removed at open.
//
// Lifetimes: each table's store lives in a TableHandle shared by the calls using it.
// DeleteTable marks the handle deleted under its exclusive lock, so a WriteRecords or
// Scan either completes before the delete or sees ResourceNotFoundException after it.
#include "tsw/engine.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <thread>
#include <type_traits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/catalog/catalog.h"
#include "engine/catalog/validation.h"
#include "engine/common/file_util.h"
#include "engine/common/mutex.h"
#include "engine/forward/forwarder.h"
#include "engine/query/query_engine.h"
#include "engine/query/query_service.h"
#include "engine/table/table_store.h"

namespace tsw {
namespace {

struct TableHandle {
  // The forwarders' threads use the store: they stop before it goes (Open failing midway
  // destroys handles that Close never saw).
  ~TableHandle() {
    if (forwarders != nullptr) forwarders->Stop();
  }

  // Members up to mu are set before the handle is shared and constant after.
  //
  // Why the table's data could not be opened (a corrupt segment, say), or OK. A damaged
  // table has no store: its data calls fail with this error, Verify reports it, and
  // DeleteTable removes it, while every other table works as usual.
  absl::Status damaged;
  std::string dir;

  // The table's forwarders (Options::forward), or null. Stopped before the store closes;
  // declared first so that it is destroyed after the store, whose hooks call into it.
  // Set before the handle is shared; constant after.
  std::unique_ptr<forward::TableForwarders> forwarders;

  // Data calls hold it shared while they use the store; Close and DeleteTable hold it
  // exclusively to close it.
  SharedMutex mu;
  bool deleted ABSL_GUARDED_BY(mu) = false;
  std::unique_ptr<table::TableStore> store ABSL_GUARDED_BY(mu);
};

// The open store of `handle`, or the error a data call on it gets.
absl::StatusOr<table::TableStore*> StoreOf(const TableHandle& handle,
                                           std::string_view database_name,
                                           std::string_view table_name)
    ABSL_SHARED_LOCKS_REQUIRED(handle.mu) {
  if (handle.deleted) {
    return catalog::TableNotFoundError(database_name, table_name, "it was deleted during the call");
  }
  if (!handle.damaged.ok()) return handle.damaged;
  return handle.store.get();
}

}  // namespace

struct Engine::Impl {
  std::string dir;
  Options options;  // options.env is never null here.
  const Clock* clock = nullptr;
  std::function<void(absl::string_view)> report;
  std::unique_ptr<file::DirectoryLock> lock;
  std::unique_ptr<catalog::Catalog> catalog;

  mutable SharedMutex tables_mu;
  absl::flat_hash_map<uint64_t, std::shared_ptr<TableHandle>> tables  // By table id.
      ABSL_GUARDED_BY(tables_mu);

  std::atomic<bool> closed{false};

  // The Query API's paging layer: the answers clients are paging through, in memory
  // (bounded by options.query_memory_limit_bytes). Set once in Open.
  std::unique_ptr<query::QueryService> query_service;

  // Background maintenance thread (retention eviction and compaction).
  Mutex maintenance_mu;
  bool stop_maintenance ABSL_GUARDED_BY(maintenance_mu) = false;
  CondVar maintenance_cv;  // stop_maintenance set.
  std::thread maintenance_thread;

  std::string TableDir(uint64_t id) const {
    return file::JoinPath(file::JoinPath(dir, "tables"), absl::StrCat(id));
  }

  absl::Status CheckOpen() const {
    if (closed.load(std::memory_order_acquire)) {
      return ValidationError("the engine is closed; open it again with Engine::Open");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::shared_ptr<TableHandle>> OpenTableHandle(uint64_t id, const Table& table) {
    auto handle = std::make_shared<TableHandle>();
    handle->dir = TableDir(id);
    table::TableStoreOptions store_options{&options, clock, report};
    absl::StatusOr<std::unique_ptr<table::TableStore>> store =
        table::TableStore::Open(handle->dir, store_options);
    if (!store.ok()) return store.status();
    if (!options.forward.empty()) {
      // Before the store is shared: its log must not be trimmed past what the forwarders
      // have not sent, from the first maintenance pass on.
      absl::StatusOr<std::unique_ptr<forward::TableForwarders>> forwarders =
          forward::TableForwarders::Start(options, table.database_name, table.table_name,
                                          handle->dir, clock, report, store->get());
      if (!forwarders.ok()) {
        (*store)->Close().IgnoreError();
        return forwarders.status();
      }
      handle->forwarders = std::move(*forwarders);
      (*store)->SetForwardHooks(handle->forwarders->Hooks());
    }
    MutexLock lock(&handle->mu);  // Not shared yet: never contended, for the analysis.
    handle->store = std::move(*store);
    return handle;
  }

  // Stops the forwarders of `handle` (before its store closes).
  static void StopForwarders(TableHandle& handle) {
    if (handle.forwarders != nullptr) handle.forwarders->Stop();
  }

  // The live handle of `database`.`table`, or ResourceNotFoundException.
  absl::StatusOr<std::pair<catalog::TableInfo, std::shared_ptr<TableHandle>>> FindTable(
      std::string_view database, std::string_view table_name) {
    absl::StatusOr<catalog::TableInfo> info = catalog->LookupTable(database, table_name);
    if (!info.ok()) return info.status();
    ReaderMutexLock lock(&tables_mu);
    auto it = tables.find(info->table_id);
    if (it == tables.end()) {
      return catalog::TableNotFoundError(database, table_name);
    }
    return std::make_pair(std::move(*info), it->second);
  }

  // fn(store, info, handle) on `database`.`table_name`, after the checks every data call
  // makes (the engine is open, the table exists, its store opened), under the handle's
  // shared lock: a DeleteTable or Close waits for the call to end. Returns fn's result
  // or the failed check's error.
  template <typename Fn>
  auto WithStore(std::string_view database, std::string_view table_name, Fn&& fn)
      -> std::invoke_result_t<Fn&, table::TableStore&, const catalog::TableInfo&,
                              const TableHandle&> {
    if (absl::Status s = CheckOpen(); !s.ok()) return s;
    auto found = FindTable(database, table_name);
    if (!found.ok()) return found.status();
    TableHandle& handle = *found->second;
    ReaderMutexLock lock(&handle.mu);
    absl::StatusOr<table::TableStore*> store = StoreOf(handle, database, table_name);
    if (!store.ok()) return store.status();
    return fn(**store, found->first, handle);
  }

  absl::Status MaintainAll() {
    std::vector<std::pair<catalog::TableInfo, std::shared_ptr<TableHandle>>> work;
    {
      std::vector<catalog::TableInfo> infos = catalog->AllTables();
      ReaderMutexLock lock(&tables_mu);
      for (catalog::TableInfo& info : infos) {
        auto it = tables.find(info.table_id);
        if (it != tables.end()) work.emplace_back(std::move(info), it->second);
      }
    }
    absl::Status result;
    for (auto& [info, handle] : work) {
      ReaderMutexLock lock(&handle->mu);
      if (handle->deleted || !handle->damaged.ok()) continue;  // Damage was logged at Open.
      absl::Status s = handle->store->RunMaintenance(info.table);
      if (!s.ok()) {
        report(absl::StrCat("maintenance of table ", info.table.database_name, ".",
                            info.table.table_name, " failed: ", s.ToString()));
        result.Update(s);
      }
    }
    return result;
  }

  void MaintenanceLoop() {
    MutexLock lock(&maintenance_mu);
    while (!stop_maintenance) {
      const auto deadline = std::chrono::steady_clock::now() +
                            std::chrono::milliseconds(options.maintenance_interval_millis);
      while (!stop_maintenance && !maintenance_cv.WaitWithDeadline(&maintenance_mu, deadline)) {
      }
      if (stop_maintenance) break;
      maintenance_mu.Unlock();
      MaintainAll().IgnoreError();  // Logged per table in MaintainAll.
      maintenance_mu.Lock();
    }
  }
};

namespace {

// What the query engine reads: a table's learned columns and its scans, through the
// engine's own lookups (so a missing table is the usual ResourceNotFoundException).
class EngineQuerySource final : public query::QuerySource {
 public:
  EngineQuerySource(Engine* engine, Engine::Impl* impl) : engine_(engine), impl_(impl) {}

  absl::StatusOr<query::TableColumns> Columns(std::string_view database_name,
                                              std::string_view table_name) override {
    return impl_->WithStore(database_name, table_name,
                            [](table::TableStore& store, const catalog::TableInfo&,
                               const TableHandle&) -> absl::StatusOr<query::TableColumns> {
                              table::TableStore::SchemaNames names = store.Names();
                              query::TableColumns columns;
                              columns.dimensions = std::move(names.dimensions);
                              columns.measures = std::move(names.measures);
                              columns.attributes = std::move(names.attributes);
                              return columns;
                            });
  }

  // As Columns(), compared under the table's lock instead of copied out.
  absl::StatusOr<bool> HasColumns(std::string_view database_name, std::string_view table_name,
                                  const query::TableColumns& columns) override {
    return impl_->WithStore(database_name, table_name,
                            [&](table::TableStore& store, const catalog::TableInfo&,
                                const TableHandle&) -> absl::StatusOr<bool> {
                              return store.NamesAre(columns.dimensions, columns.measures,
                                                    columns.attributes);
                            });
  }

  absl::Status Scan(const ScanRequest& request,
                    const std::function<bool(const ScanBatch&)>& visitor) override {
    return engine_->Scan(request, visitor);
  }

  // As Engine::Scan, with the filter handed to the table's tiers.
  absl::Status ScanFiltered(const ScanRequest& request, const RowFilter& filter,
                            const std::function<bool(ScanBatch&)>& visitor) override {
    return impl_->WithStore(
        request.database_name, request.table_name,
        [&](table::TableStore& store, const catalog::TableInfo& info, const TableHandle&) {
          store.NoteRetention(info.table);
          return store.Scan(request, visitor, &filter);
        });
  }

  // As Engine::Scan's lookups, then the table's own column-wise latest-rows read (no
  // ScanBatch per key).
  absl::Status ScanLatestColumns(const ScanRequest& request,
                                 const std::vector<LatestColumnSpec>& specs,
                                 LatestColumns* out) override {
    return impl_->WithStore(
        request.database_name, request.table_name,
        [&](table::TableStore& store, const catalog::TableInfo& info, const TableHandle&) {
          store.NoteRetention(info.table);
          return store.ScanLatestColumns(request, specs, out);
        });
  }

  int64_t NowNanos() const override { return impl_->clock->NowNanos(); }

 private:
  Engine* engine_;
  Engine::Impl* impl_;
};

// The query engine over `engine`'s tables, as the paging layer calls it.
query::QueryBackend QueryBackendOf(Engine* engine, Engine::Impl* impl) {
  query::QueryBackend backend;
  backend.execute = [engine, impl](std::string_view query_string, const query::QueryLimits& limits,
                                   const std::function<bool(const QueryBatch&)>& visitor,
                                   int64_t* bytes_scanned) {
    EngineQuerySource source(engine, impl);
    return query::Execute(query_string, source, limits, visitor, bytes_scanned);
  };
  backend.prepare = [engine, impl](std::string_view query_string) {
    EngineQuerySource source(engine, impl);
    return query::Prepare(query_string, source);
  };
  backend.format = [](const QueryColumn& column, size_t row) {
    return query::FormatValue(column, row);
  };
  return backend;
}

}  // namespace

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

absl::Status Engine::QueryStream(std::string_view query_string,
                                 const std::function<bool(const QueryBatch&)>& visitor) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  EngineQuerySource source(this, impl_.get());
  query::QueryLimits limits;
  limits.memory_limit_bytes = impl_->options.query_memory_limit_bytes;
  return query::Execute(query_string, source, limits, visitor);
}

Engine::~Engine() { Close().IgnoreError(); }

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(std::string_view directory, Options options) {
  if (directory.empty()) return ValidationError("the data directory must not be empty");
  auto impl = std::make_unique<Impl>();
  impl->dir = std::string(directory);
  impl->options = std::move(options);
  if (impl->options.env == nullptr) impl->options.env = Env::Default();
  Env& env = *impl->options.env;
  impl->clock = impl->options.clock != nullptr ? impl->options.clock : SystemClock::Default();
  if (impl->options.report) {
    impl->report = [f = impl->options.report](absl::string_view line) {
      f(std::string_view(line.data(), line.size()));
    };
  } else {
    impl->report = [](absl::string_view line) {
      std::fprintf(stderr, "tsw: %.*s\n", static_cast<int>(line.size()), line.data());
    };
  }
  if (absl::Status s = file::CreateDirs(env, impl->dir); !s.ok()) {
    return AccessDeniedError(
        absl::StrCat("cannot create data directory ", impl->dir, ": ", s.message()));
  }
  if (absl::Status s = file::CheckWritable(env, impl->dir); !s.ok()) {
    if (const int err = ErrnoOf(s); err == EACCES || err == EROFS || err == EPERM) {
      return AccessDeniedError(absl::StrCat("data directory ", impl->dir, " is not writable"));
    }
    return s;
  }
  absl::StatusOr<std::unique_ptr<file::DirectoryLock>> lock =
      file::DirectoryLock::Acquire(env, impl->dir);
  if (!lock.ok()) return lock.status();
  impl->lock = std::move(*lock);

  absl::StatusOr<std::unique_ptr<catalog::Catalog>> catalog =
      catalog::Catalog::Open(file::JoinPath(impl->dir, "catalog"), impl->options, impl->clock);
  if (!catalog.ok()) return catalog.status();
  impl->catalog = std::move(*catalog);

  std::string tables_dir = file::JoinPath(impl->dir, "tables");
  if (absl::Status s = file::CreateDirs(env, tables_dir); !s.ok()) return s;
  for (const catalog::TableInfo& info : impl->catalog->AllTables()) {
    absl::StatusOr<std::shared_ptr<TableHandle>> handle =
        impl->OpenTableHandle(info.table_id, info.table);
    if (!handle.ok() && KindOf(handle.status()) == ErrorKind::kInternalServer) {
      // Damaged data (the message names the file) takes this table out, not the engine.
      impl->report(absl::StrCat("table ", info.table.database_name, ".", info.table.table_name,
                                " is unavailable: ", handle.status().message(),
                                " (DeleteTable removes it)"));
      auto damaged = std::make_shared<TableHandle>();
      damaged->dir = impl->TableDir(info.table_id);
      damaged->damaged = handle.status();
      handle = damaged;
    }
    if (!handle.ok()) return handle.status();
    MutexLock lock(&impl->tables_mu);  // Not shared yet: never contended, for the analysis.
    impl->tables[info.table_id] = std::move(*handle);
  }
  // Remove the data of tables the catalog no longer has (a delete that crashed midway).
  absl::StatusOr<std::vector<std::string>> entries = env.ListDir(tables_dir);
  if (!entries.ok()) return entries.status();
  for (const std::string& name : *entries) {
    ReaderMutexLock lock(&impl->tables_mu);  // As above.
    uint64_t id = 0;
    if (absl::SimpleAtoi(name, &id) && impl->tables.contains(id)) continue;
    std::string path = file::JoinPath(tables_dir, name);
    impl->report(absl::StrCat("removing ", path, ": no table in the catalog owns it"));
    if (absl::Status s = file::RemoveTree(env, path); !s.ok()) return s;
  }

  std::unique_ptr<Engine> engine(new Engine(std::move(impl)));
  Impl* raw = engine->impl_.get();
  raw->query_service = std::make_unique<query::QueryService>(
      QueryBackendOf(engine.get(), raw),
      query::QueryServiceOptions{
          .limits = {raw->options.query_memory_limit_bytes},
          .stored_answers_limit_bytes = raw->options.query_memory_limit_bytes,
          .clock = raw->clock,
      });
  if (raw->options.background_maintenance) {
    raw->maintenance_thread = std::thread([raw] { raw->MaintenanceLoop(); });
  }
  return engine;
}

absl::Status Engine::Close() {
  if (impl_ == nullptr || impl_->closed.exchange(true)) return absl::OkStatus();
  {
    MutexLock lock(&impl_->maintenance_mu);
    impl_->stop_maintenance = true;
  }
  impl_->maintenance_cv.SignalAll();
  if (impl_->maintenance_thread.joinable()) impl_->maintenance_thread.join();
  absl::Status result;
  MutexLock lock(&impl_->tables_mu);
  for (auto& [id, handle] : impl_->tables) Impl::StopForwarders(*handle);
  for (auto& [id, handle] : impl_->tables) {
    MutexLock table_lock(&handle->mu);
    if (handle->store != nullptr) result.Update(handle->store->Close());
    handle->deleted = true;
  }
  impl_->tables.clear();
  impl_->lock.reset();
  return result;
}

absl::StatusOr<CreateDatabaseResponse> Engine::CreateDatabase(const CreateDatabaseRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->catalog->CreateDatabase(r);
}

absl::StatusOr<CreateTableResponse> Engine::CreateTable(const CreateTableRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  absl::StatusOr<CreateTableResponse> response = impl_->catalog->CreateTable(r);
  if (!response.ok()) return response;
  absl::StatusOr<catalog::TableInfo> info =
      impl_->catalog->LookupTable(r.database_name, r.table_name);
  if (!info.ok()) return info.status();
  absl::StatusOr<std::shared_ptr<TableHandle>> handle =
      impl_->OpenTableHandle(info->table_id, info->table);
  if (!handle.ok()) {
    // The table's files could not be made (a full disk, say): take the table out of the
    // catalog again, so the call changes nothing. Should that fail too, the table stays
    // in the catalog without data; the next Engine::Open creates its files.
    absl::StatusOr<uint64_t> undone =
        impl_->catalog->DeleteTable({.database_name = r.database_name, .table_name = r.table_name});
    if (undone.ok()) {
      file::RemoveTree(*impl_->options.env, impl_->TableDir(info->table_id)).IgnoreError();
    } else {
      impl_->report(absl::StrCat("table ", r.database_name, ".", r.table_name,
                                 " was created but its files were not (", handle.status().message(),
                                 "), and taking it back failed: ", undone.status().message()));
    }
    return file::ForClient(handle.status());
  }
  MutexLock lock(&impl_->tables_mu);
  impl_->tables[info->table_id] = std::move(*handle);
  return response;
}

absl::Status Engine::DeleteDatabase(const DeleteDatabaseRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->catalog->DeleteDatabase(r);
}

absl::Status Engine::DeleteTable(const DeleteTableRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  absl::StatusOr<uint64_t> id = impl_->catalog->DeleteTable(r);
  if (!id.ok()) return id.status();
  std::shared_ptr<TableHandle> handle;
  {
    MutexLock lock(&impl_->tables_mu);
    auto it = impl_->tables.find(*id);
    if (it != impl_->tables.end()) {
      handle = std::move(it->second);
      impl_->tables.erase(it);
    }
  }
  // The catalog no longer has the table, so a crash from here on leaves only a directory
  // that the next Open removes.
  std::string dir = impl_->TableDir(*id);
  if (handle != nullptr) {
    Impl::StopForwarders(*handle);
    MutexLock table_lock(&handle->mu);
    handle->deleted = true;
    if (handle->store != nullptr) handle->store->Close().IgnoreError();  // Data goes next.
    handle->store.reset();
  }
  return file::RemoveTree(*impl_->options.env, dir);
}

absl::StatusOr<DescribeDatabaseResponse> Engine::DescribeDatabase(
    const DescribeDatabaseRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->catalog->DescribeDatabase(r);
}

absl::StatusOr<DescribeTableResponse> Engine::DescribeTable(const DescribeTableRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->catalog->DescribeTable(r);
}

absl::StatusOr<DescribeEndpointsResponse> Engine::DescribeEndpoints(
    const DescribeEndpointsRequest&) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  DescribeEndpointsResponse response;
  // Timestream answers 1440 minutes (a day); the address never changes for an engine.
  response.endpoints.push_back(Endpoint{impl_->options.endpoint_address, 1440});
  return response;
}

absl::StatusOr<ListDatabasesResponse> Engine::ListDatabases(const ListDatabasesRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->catalog->ListDatabases(r);
}

absl::StatusOr<ListTablesResponse> Engine::ListTables(const ListTablesRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->catalog->ListTables(r);
}

absl::StatusOr<ListTagsForResourceResponse> Engine::ListTagsForResource(
    const ListTagsForResourceRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->catalog->ListTagsForResource(r);
}

absl::StatusOr<TagResourceResponse> Engine::TagResource(const TagResourceRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->catalog->TagResource(r);
}

absl::StatusOr<UntagResourceResponse> Engine::UntagResource(const UntagResourceRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->catalog->UntagResource(r);
}

absl::StatusOr<UpdateDatabaseResponse> Engine::UpdateDatabase(const UpdateDatabaseRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->catalog->UpdateDatabase(r);
}

absl::StatusOr<UpdateTableResponse> Engine::UpdateTable(const UpdateTableRequest& r) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  absl::StatusOr<UpdateTableResponse> response = impl_->catalog->UpdateTable(r);
  if (!response.ok()) return response;
  // Retention changes take effect at once: a shorter memory window evicts now rather
  // than at the next background pass.
  auto found = impl_->FindTable(r.database_name, r.table_name);
  if (found.ok()) {
    ReaderMutexLock lock(&found->second->mu);
    absl::StatusOr<table::TableStore*> store =
        StoreOf(*found->second, r.database_name, r.table_name);
    if (store.ok()) {
      absl::Status s = (*store)->RunMaintenance(found->first.table);
      if (!s.ok()) impl_->report(absl::StrCat("maintenance after UpdateTable: ", s.ToString()));
    }
  }
  return response;
}

absl::StatusOr<WriteRecordsResponse> Engine::WriteRecords(const WriteRecordsRequest& r) {
  return impl_->WithStore(
      r.database_name, r.table_name,
      [&r](table::TableStore& store, const catalog::TableInfo& info, const TableHandle& handle) {
        absl::StatusOr<WriteRecordsResponse> response = store.Write(r, info.table);
        // Even a partly rejected request logged its accepted records.
        if (handle.forwarders != nullptr) handle.forwarders->Notify();
        return response;
      });
}

absl::Status Engine::Scan(const ScanRequest& r,
                          const std::function<bool(const ScanBatch&)>& visitor) {
  return impl_->WithStore(
      r.database_name, r.table_name,
      [&](table::TableStore& store, const catalog::TableInfo& info, const TableHandle&) {
        store.NoteRetention(info.table);
        return store.Scan(r, visitor);
      });
}

absl::Status Engine::RunMaintenance() {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->MaintainAll();
}

absl::StatusOr<std::vector<std::string>> Engine::Verify() {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  std::vector<std::string> problems;
  for (const catalog::TableInfo& info : impl_->catalog->AllTables()) {
    auto found = impl_->FindTable(info.table.database_name, info.table.table_name);
    if (!found.ok()) continue;  // Deleted meanwhile.
    ReaderMutexLock lock(&found->second->mu);
    if (found->second->deleted) continue;
    std::string table = absl::StrCat(info.table.database_name, ".", info.table.table_name);
    if (!found->second->damaged.ok()) {
      problems.push_back(absl::StrCat(table, ": ", found->second->damaged.message()));
      continue;
    }
    for (std::string& problem : found->second->store->Verify()) {
      problems.push_back(absl::StrCat(table, ": ", problem));
    }
  }
  return problems;
}

absl::StatusOr<TableStats> Engine::GetTableStats(std::string_view database_name,
                                                 std::string_view table_name) {
  return impl_->WithStore(database_name, table_name,
                          [&](table::TableStore& store, const catalog::TableInfo&,
                              const TableHandle& handle) -> absl::StatusOr<TableStats> {
                            TableStats stats = store.Stats();
                            if (handle.forwarders != nullptr)
                              stats.forwarding = handle.forwarders->Stats();
                            stats.database_name = std::string(database_name);
                            stats.table_name = std::string(table_name);
                            return stats;
                          });
}

Paginator<ListDatabasesRequest, ListDatabasesResponse> Engine::ListDatabasesPages(
    ListDatabasesRequest request) {
  return Paginator<ListDatabasesRequest, ListDatabasesResponse>(
      std::move(request), [this](const ListDatabasesRequest& r) { return ListDatabases(r); });
}

Paginator<ListTablesRequest, ListTablesResponse> Engine::ListTablesPages(
    ListTablesRequest request) {
  return Paginator<ListTablesRequest, ListTablesResponse>(
      std::move(request), [this](const ListTablesRequest& r) { return ListTables(r); });
}

absl::StatusOr<QueryResponse> Engine::Query(const QueryRequest& request) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->query_service->Query(request);
}

Paginator<QueryRequest, QueryResponse> Engine::QueryPages(QueryRequest request) {
  return Paginator<QueryRequest, QueryResponse>(std::move(request),
                                                [this](const QueryRequest& r) { return Query(r); });
}

absl::StatusOr<PrepareQueryResponse> Engine::PrepareQuery(const PrepareQueryRequest& request) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->query_service->PrepareQuery(request);
}

absl::StatusOr<CancelQueryResponse> Engine::CancelQuery(const CancelQueryRequest& request) {
  if (absl::Status s = impl_->CheckOpen(); !s.ok()) return s;
  return impl_->query_service->CancelQuery(request);
}

}  // namespace tsw
