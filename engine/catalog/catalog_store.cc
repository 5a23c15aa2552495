#include "engine/catalog/catalog_store.h"

#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "engine/common/file_util.h"
#include "tsw/status.h"

namespace tsw::catalog {
namespace {

constexpr absl::string_view kSnapshotName = "catalog.snapshot";
constexpr absl::string_view kLogPrefix = "catalog-";
constexpr absl::string_view kLogSuffix = ".log";

// The number of a log file name ("catalog-000012.log" -> 12), or false.
bool ParseLogName(absl::string_view name, uint64_t* number) {
  if (!absl::ConsumePrefix(&name, kLogPrefix) || !absl::ConsumeSuffix(&name, kLogSuffix)) {
    return false;
  }
  return !name.empty() && absl::SimpleAtoi(name, number);
}

}  // namespace

CatalogStore::CatalogStore(Env& env, std::string dir, StoreOptions options)
    : env_(env), dir_(std::move(dir)), options_(std::move(options)) {}

CatalogStore::~CatalogStore() = default;

std::string CatalogStore::SnapshotPath() const { return file::JoinPath(dir_, kSnapshotName); }

std::string CatalogStore::LogPath(uint64_t log_number) const {
  return file::JoinPath(dir_, absl::StrFormat("%s%06d%s", kLogPrefix, log_number, kLogSuffix));
}

void CatalogStore::Report(std::string_view line) const {
  if (options_.report) {
    options_.report(line);
  } else {
    std::cerr << "tsw catalog: " << line << "\n";
  }
}

absl::StatusOr<std::unique_ptr<CatalogStore>> CatalogStore::Open(const std::string& dir,
                                                                 StoreOptions options,
                                                                 Recovered* recovered) {
  Env& env = options.env != nullptr ? *options.env : *Env::Default();
  std::unique_ptr<CatalogStore> store(new CatalogStore(env, dir, std::move(options)));
  if (absl::Status s = file::CreateDirs(env, dir); !s.ok()) return s;
  absl::StatusOr<std::vector<std::string>> names = env.ListDir(dir);
  if (!names.ok()) return names.status();

  std::vector<uint64_t> log_numbers;
  bool have_snapshot = false;
  for (const std::string& name : *names) {
    uint64_t number = 0;
    if (name == kSnapshotName) {
      have_snapshot = true;
    } else if (ParseLogName(name, &number)) {
      log_numbers.push_back(number);
    } else if (absl::EndsWith(name, ".tmp")) {
      // The temporary of a WriteFileAtomically that never reached its rename.
      std::string path = file::JoinPath(dir, name);
      if (absl::Status s = file::RemoveFile(env, path); !s.ok()) return s;
    }
  }

  const std::string snapshot_path = store->SnapshotPath();
  if (!have_snapshot) {
    // A new catalog is created log first, snapshot second, so a log without a snapshot
    // is either a creation that stopped halfway (the log holds only its header) or a
    // catalog whose snapshot was lost. The second must not become an empty catalog.
    for (uint64_t number : log_numbers) {
      std::string path = store->LogPath(number);
      absl::StatusOr<std::string> contents = file::ReadFile(env, path);
      if (!contents.ok()) return contents.status();
      if (contents->size() > kLogHeaderBytes) {
        return InternalError(absl::StrCat("catalog file ", snapshot_path, " is missing but ", path,
                                          " holds committed changes"));
      }
      if (absl::Status s = file::RemoveFile(env, path); !s.ok()) return s;
    }
    log_numbers.clear();
    Snapshot empty;
    empty.log_number = 1;
    if (absl::Status s = file::WriteFileAtomically(env, store->LogPath(1), EncodeLogHeader(1));
        !s.ok()) {
      return s;
    }
    if (absl::Status s = file::WriteFileAtomically(env, snapshot_path, EncodeSnapshot(empty));
        !s.ok()) {
      return s;
    }
    log_numbers.push_back(1);
  }

  absl::StatusOr<std::string> snapshot_bytes = file::ReadFile(env, snapshot_path);
  if (!snapshot_bytes.ok()) return snapshot_bytes.status();
  absl::StatusOr<Snapshot> snapshot = DecodeSnapshot(*snapshot_bytes, snapshot_path);
  if (!snapshot.ok()) return snapshot.status();
  store->snapshot_bytes_ = static_cast<int64_t>(snapshot_bytes->size());

  const uint64_t current = snapshot->log_number;
  const std::string log_path = store->LogPath(current);
  absl::StatusOr<std::string> log_bytes = file::ReadFile(env, log_path);
  if (!log_bytes.ok()) {
    if (absl::IsNotFound(log_bytes.status())) {
      return InternalError(
          absl::StrCat("catalog file ", log_path, " named by ", snapshot_path, " is missing"));
    }
    return log_bytes.status();
  }
  absl::StatusOr<LogContents> log = DecodeLog(*log_bytes, current, log_path);
  if (!log.ok()) return log.status();
  if (log->torn_tail) {
    store->Report(absl::StrCat("cut the torn tail of ", log_path, " at byte ", log->valid_bytes,
                               " of ", log_bytes->size(),
                               " (a change that was being committed when the process stopped)"));
  }
  if (absl::Status s = store->OpenLogForAppend(current, static_cast<int64_t>(log->valid_bytes));
      !s.ok()) {
    return s;
  }
  if (log->torn_tail) {
    if (absl::Status s = store->log_->Truncate(log->valid_bytes); !s.ok()) return s;
    if (absl::Status s = store->log_->Sync(); !s.ok()) return s;
  }

  // Logs other than the current one are the old log of a finished compaction that
  // stopped before removing it, or the new log of one that stopped before its snapshot.
  for (uint64_t number : log_numbers) {
    if (number == current) continue;
    std::string path = store->LogPath(number);
    store->Report(absl::StrCat("removing ", path, ": not named by ", snapshot_path));
    if (absl::Status s = file::RemoveFile(env, path); !s.ok()) return s;
  }

  recovered->snapshot = std::move(*snapshot);
  recovered->records = std::move(log->records);
  return store;
}

absl::Status CatalogStore::OpenLogForAppend(uint64_t log_number, int64_t size) {
  const std::string path = LogPath(log_number);
  absl::StatusOr<std::unique_ptr<File>> file = env_.OpenFile(path, OpenMode::kReadWrite);
  if (!file.ok()) return file.status();
  log_ = *std::move(file);
  cut_pending_ = false;
  log_number_ = log_number;
  log_bytes_ = size;
  return absl::OkStatus();
}

absl::Status CatalogStore::CutBackLocked() {
  if (!cut_pending_) return absl::OkStatus();
  absl::Status s = log_->Truncate(static_cast<uint64_t>(log_bytes_));
  if (s.ok()) s = log_->Sync();
  if (!s.ok()) return s;
  cut_pending_ = false;
  return absl::OkStatus();
}

absl::Status CatalogStore::Append(const LogRecord& record) {
  if (!failed_.ok()) return failed_;
  // A record whose write or sync failed is cut off, durably, before the next one goes in.
  if (absl::Status s = CutBackLocked(); !s.ok()) return s;
  const std::string bytes = EncodeLogRecord(record);
  // One write per record: a process killed mid-append leaves at most this record torn.
  if (absl::Status s = log_->Write(static_cast<uint64_t>(log_bytes_), bytes); !s.ok()) {
    // Cut the partial record so the next append does not land behind garbage.
    cut_pending_ = true;
    CutBackLocked().IgnoreError();  // Else the next Append retries it first.
    return s;
  }
  if (absl::Status s = log_->Sync(); !s.ok()) {
    // After a failed fsync the page cache may have dropped the dirty pages: whether the
    // record is on disk is unknowable, and a later successful sync would not tell. The
    // records before it were synced already; so the record is cut off and the cut
    // synced, leaving the log as before the call (the caller applies nothing).
    cut_pending_ = true;
    CutBackLocked().IgnoreError();  // Else the next Append retries it first.
    return s;
  }
  log_bytes_ += static_cast<int64_t>(bytes.size());
  return absl::OkStatus();
}

bool CatalogStore::ShouldCompact() const {
  return log_bytes_ > options_.min_log_bytes_to_compact && log_bytes_ > snapshot_bytes_;
}

absl::Status CatalogStore::Compact(Snapshot snapshot) {
  if (!failed_.ok()) return failed_;
  const uint64_t old_number = log_number_;
  const uint64_t new_number = old_number + 1;
  const std::string new_log = LogPath(new_number);
  // 1. The new, empty log. Until step 2 it is a stray file that Open removes.
  if (absl::Status s = file::WriteFileAtomically(env_, new_log, EncodeLogHeader(new_number));
      !s.ok()) {
    return s;
  }
  // 2. The snapshot naming it: the commit point.
  snapshot.log_number = new_number;
  const std::string bytes = EncodeSnapshot(snapshot);
  if (absl::Status s = file::WriteFileAtomically(env_, SnapshotPath(), bytes); !s.ok()) {
    // The rename may or may not have happened (or be durable). Either snapshot finds its
    // log complete on disk, but appending to either log could be lost, so stop here.
    failed_ = s;
    return s;
  }
  snapshot_bytes_ = static_cast<int64_t>(bytes.size());
  // 3. Switch to the new log and drop the old one.
  if (absl::Status s = OpenLogForAppend(new_number, static_cast<int64_t>(kLogHeaderBytes));
      !s.ok()) {
    failed_ = s;
    return s;
  }
  if (absl::Status s = file::RemoveFile(env_, LogPath(old_number)); !s.ok()) {
    // Harmless: Open removes logs the snapshot does not name.
    Report(std::string(s.message()));
  }
  return absl::OkStatus();
}

}  // namespace tsw::catalog
