#include "engine/table/table_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/ingest/request_parser.h"
#include "engine/scan/mem_scanner.h"
#include "tsw/status.h"

namespace tsw::table {
namespace {

constexpr absl::string_view kSchemaFile = "SCHEMA";
constexpr absl::string_view kWalDir = "wal";

}  // namespace

TableStore::TableStore(std::string dir, const TableStoreOptions& options)
    : dir_(std::move(dir)), options_(options), applier_(&schema_, &store_) {}

TableStore::~TableStore() {
  if (absl::Status s = Close(); !s.ok()) {
    options_.log(absl::StrCat("table store ", dir_, ": closing the log failed: ", s.ToString()));
  }
}

absl::StatusOr<std::unique_ptr<TableStore>> TableStore::Open(const std::string& dir,
                                                             const TableStoreOptions& options) {
  if (absl::Status s = file::CreateDirs(dir); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<file::DirectoryLock>> lock = file::DirectoryLock::Acquire(dir);
  if (!lock.ok()) return lock.status();
  std::unique_ptr<TableStore> store(new TableStore(dir, options));
  store->dir_lock_ = std::move(*lock);

  if (absl::Status s = store->Recover(); !s.ok()) return s;
  return store;
}

absl::Status TableStore::Recover() {
  const std::string schema_path = file::JoinPath(dir_, kSchemaFile);
  if (file::Exists(schema_path)) {
    absl::StatusOr<std::string> bytes = file::ReadFile(schema_path);
    if (!bytes.ok()) return bytes.status();
    if (absl::Status s = schema_.Decode(*bytes); !s.ok()) {
      return InternalError(absl::StrCat(schema_path, ": ", s.message()));
    }
  }
  auto schema_entries = [this] {
    return schema_.measures.size() + schema_.attributes.size() + schema_.dimensions.size();
  };
  const size_t file_entries = schema_entries();

  wal::LogOptions log_options;
  log_options.durability = options_.options->durability;
  log_options.log = options_.log;
  const std::string wal_dir = file::JoinPath(dir_, kWalDir);
  absl::StatusOr<std::unique_ptr<wal::Log>> log = wal::Log::Open(
      wal_dir, log_options,
      [this, &wal_dir](uint64_t sequence, absl::string_view payload)
          ABSL_NO_THREAD_SAFETY_ANALYSIS -> absl::Status {
            absl::Status s = applier_.Replay(payload, sequence);
            if (s.ok()) return s;
            return InternalError(absl::StrCat(wal_dir, ": batch ", sequence, ": ", s.message()));
          });
  if (!log.ok()) return log.status();
  log_ = std::move(*log);

  // Replay may have taught the schema entries the file lacks (a crash before the file was
  // rewritten); make the file whole again once those batches are surely on disk.
  if (schema_entries() != file_entries) {
    if (absl::Status s = log_->Sync(); !s.ok()) return s;
    return PersistSchema(log_->NextSequence() - 1);
  }
  return absl::OkStatus();
}

absl::Status TableStore::Usable() const {
  if (closed_) return ValidationError(absl::StrCat("The table store ", dir_, " is closed."));
  return failed_;
}

absl::StatusOr<WriteRecordsResponse> TableStore::Write(const WriteRecordsRequest& request,
                                                       const Table& table) {
  // Per-thread scratch: steady-state writes allocate nothing for parsing.
  thread_local ingest::ParsedBatch parsed;
  ingest::ParseContext context;
  context.quotas = &options_.options->quotas;
  context.now_nanos = options_.clock->NowNanos();
  context.retention = table.retention_properties;
  context.magnetic_store_writes =
      table.magnetic_store_write_properties.enable_magnetic_store_writes;
  if (absl::Status s = ingest::ParseRequest(request, context, &parsed); !s.ok()) return s;

  std::vector<RejectedRecord> rejected = parsed.rejected;
  ingest::ApplyResult result;
  uint64_t sequence = 0;
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = Usable(); !s.ok()) return s;
    absl::string_view payload;
    applier_.Apply(parsed, options_.options->quotas, log_->NextSequence(), &rejected, &payload,
                   &result);
    if (result.logged > 0) {
      absl::StatusOr<uint64_t> appended = log_->AppendNoSync(payload);
      if (!appended.ok()) {
        // The memory store holds a batch the log lacks: refuse everything until reopened.
        failed_ = InternalError(absl::StrCat("Table store ", dir_, " failed writing its log (",
                                             appended.status().message(), "); reopen the table."));
        return failed_;
      }
      sequence = *appended;
    }
  }
  if (sequence != 0) {
    if (absl::Status s = log_->WaitDurable(sequence); !s.ok()) {
      absl::MutexLock lock(&mu_);
      if (failed_.ok()) {
        failed_ = InternalError(absl::StrCat("Table store ", dir_, " failed syncing its log (",
                                             s.message(), "); reopen the table."));
      }
      return failed_;
    }
    if (result.schema_grew) {
      if (absl::Status s = PersistSchema(sequence); !s.ok()) return s;
    }
  }

  if (!rejected.empty()) {
    std::stable_sort(rejected.begin(), rejected.end(),
                     [](const RejectedRecord& a, const RejectedRecord& b) {
                       return a.record_index < b.record_index;
                     });
    const std::string message =
        absl::StrCat(rejected.size(), " of ", request.records.size(),
                     " records were rejected (see RejectedRecords); the other ",
                     request.records.size() - rejected.size(), " were ingested.");
    return RejectedRecordsError(message, rejected);
  }
  WriteRecordsResponse response;
  response.records_ingested.memory_store = result.memory_store;
  response.records_ingested.magnetic_store = result.magnetic_store;
  response.records_ingested.total = result.memory_store + result.magnetic_store;
  return response;
}

absl::Status TableStore::PersistSchema(uint64_t durable) {
  absl::MutexLock file_lock(&schema_file_mu_);
  if (schema_file_sequence_ >= durable) return absl::OkStatus();
  std::string bytes;
  {
    absl::ReaderMutexLock lock(&mu_);
    bytes = schema_.Encode(durable);
  }
  if (absl::Status s = file::WriteFileAtomically(file::JoinPath(dir_, kSchemaFile), bytes);
      !s.ok()) {
    return s;
  }
  schema_file_sequence_ = durable;
  return absl::OkStatus();
}

absl::Status TableStore::Scan(const ScanRequest& request,
                              const std::function<bool(const ScanBatch&)>& visitor) {
  absl::ReaderMutexLock lock(&mu_);
  if (absl::Status s = Usable(); !s.ok()) return s;
  return scan::ScanMemStore(store_, schema_, request, visitor);
}

TableStats TableStore::Stats() const {
  TableStats stats;
  absl::ReaderMutexLock lock(&mu_);
  stats.series = static_cast<int64_t>(store_.series().size());
  stats.memory_points = store_.Points();
  stats.memory_bytes = store_.MemoryBytes();
  stats.wal_bytes = log_->SizeBytes();
  return stats;
}

absl::Status TableStore::Close() {
  absl::MutexLock lock(&mu_);
  if (closed_) return absl::OkStatus();
  closed_ = true;
  return log_ == nullptr ? absl::OkStatus() : log_->Close();
}

}  // namespace tsw::table
