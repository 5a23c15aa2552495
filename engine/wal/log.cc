// Log: the write path (framing, group commit, rotation, trimming) and Open's recovery.
//
// Locking: mu_ guards every member below it in LogImpl (each says so). Frames are copied
// or written under mu_, so file order is sequence order; fdatasync by a group-commit leader
// happens outside mu_ on a shared File, so appenders keep writing while the leader syncs.
// Lock order: trim_mu_ before mu_.

#include "engine/wal/log.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "engine/common/mutex.h"
#include "engine/wal/log_file.h"
#include "engine/wal/log_format.h"
#include "tsw/status.h"

namespace tsw::wal {
namespace {

using format::kFileHeaderSize;
using format::kFrameHeaderSize;

static_assert(Log::kMaxPayloadBytes == format::kMaxPayloadBytes);

// A log file as the live log tracks it.
struct FileInfo {
  uint64_t number = 0;
  uint64_t first_sequence = 0;  // Of its first batch (or of the next, if it has none).
  int64_t size = 0;             // Bytes, all of them whole frames after the header.
};

// A trimmed log file kept for reuse under format::FreeLogFileName(number).
struct FreeFile {
  uint64_t number = 0;
  int64_t size = 0;
};

// The active file is extended with zeros this many bytes at a time, ahead of the frames
// written over them. Appending to a file makes the kernel allocate page cache and
// reserve blocks page by page; writing into bytes the file already has does not, and
// one large zero write gets its page cache in large pieces, so a write into prefilled
// bytes costs less than an append even with the zero-fill counted (figures and the step
// sizes tried: bench/RESULTS.md, "Figures moved out of code comments").
// PostgreSQL zero-fills its WAL segments for the same reason.
constexpr int64_t kPrefillBytes = 128 << 10;

// Writes zeros over [from, to) of `file`.
absl::Status WriteZerosAt(File& file, int64_t from, int64_t to) {
  static const char* const zeros = new char[kPrefillBytes]();  // Never written.
  for (; from < to; from += kPrefillBytes) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(to - from, kPrefillBytes));
    if (absl::Status s = file.Write(static_cast<uint64_t>(from), absl::string_view(zeros, n));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// One line to LogOptions::log, or to stderr when it is empty.
void ReportLine(const LogOptions& options, absl::string_view line) {
  if (options.report) {
    options.report(line);
  } else {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  }
}

class LogImpl final : public Log {
 public:
  LogImpl(Env& env, std::string dir, const LogOptions& options)
      : env_(env), dir_(std::move(dir)), options_(options) {}
  ~LogImpl() override;

  // Open's work after listing the directory: scan `numbers` (sorted log file numbers) in
  // order, replay, repair the last file, and set up the active file.
  absl::Status Recover(const std::vector<uint64_t>& numbers, const ReplayFn& replay);
  // Keeps up to LogOptions::recycle_files of the free files `numbers` (left by trims
  // before the log was last closed) for reuse and deletes the others.
  absl::Status AdoptFreeFiles(const std::vector<uint64_t>& numbers);
  // Recover's cut of the last file after its last intact frame (scan.valid_end), made
  // durable and reported (FORMAT.md, "Reading (Open)").
  absl::Status CutTail(File& file, const ScanResult& scan);
  void StartSyncer();

  absl::Status Reserve(size_t payload_bytes) override;
  absl::StatusOr<uint64_t> AppendNoSync(absl::string_view payload) override;
  absl::Status WaitDurable(uint64_t sequence) override;
  absl::StatusOr<uint64_t> Append(absl::string_view payload) override;
  absl::Status TrimBefore(uint64_t sequence) override;
  absl::Status Sync() override;
  absl::Status Close() override;
  int64_t SizeBytes() const override;
  uint64_t NextSequence() const override;
  uint64_t DurableSequence() const override;
  int64_t SyncCount() const override;

 private:
  std::string PathOf(uint64_t number) const {
    return file::JoinPath(dir_, format::LogFileName(number));
  }
  void Report(absl::string_view line) const;
  absl::Status ClosedError(absl::string_view operation) const;

  // Returns once every batch through `sequence` is fsync'ed: by a sync another thread
  // leads, or by leading one (for every batch written so far) itself.
  // mu_ is released while waiting or syncing.
  absl::Status SyncThroughLocked(uint64_t sequence) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Syncs the active file and makes a new one whose first batch will be `first_sequence`.
  absl::Status RotateLocked(uint64_t first_sequence) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // After a failed write: truncates the active file to `size` (its last frame's end, or
  // the zeros written before a failed extension) and returns `error`, or a sticky
  // failure if the truncation fails.
  absl::Status TakeBackLocked(int64_t size, absl::Status error) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes `status` sticky: every later append fails with it. Returns it.
  absl::Status FailLocked(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Marks the active file's bytes after synced_size_ suspect after `error` (a failed
  // sync, or a partial write that could not be cut off) and returns `error`: nothing more
  // is written to that file, and RepairLocked must succeed before anything else is.
  absl::Status NeedRepairLocked(absl::Status error) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves the batches after the last sync to a new file (see "After an I/O error" in
  // log.h): reads them back and checks them, cuts the active file to synced_size_ and
  // syncs it, then writes them to a new file and syncs that. Each step that succeeded is
  // not redone by the next call after a failure. Fails (leaving the repair pending) on an
  // I/O error; makes the log fail for good if the batches read back are damaged.
  // Waits for a sync in progress to end (releasing mu_ meanwhile).
  absl::Status RepairLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // OK when an append may go ahead: the log is open, has not failed for good, and any
  // pending repair has been done (RepairLocked).
  absl::Status ReadyToAppendLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Extends the active file's zeros to cover `needed` bytes (rotating first if the file
  // would outgrow max_file_bytes and holds a frame), and maps the step they are in.
  absl::Status MakeRoomLocked(int64_t frame_bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Maps [page of active_.size, the end of the kPrefillBytes step holding byte
  // `needed` - 1, or active_prefilled_ if sooner) of the active file in place of the
  // previous mapping. A recycled file is mapped a step at a time like a new one.
  void MapActiveLocked(int64_t needed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Creates log file `number` for batches from `first_sequence` on: a free file reused
  // if there is one (setting *prefilled to its size), else a new one (*prefilled: its
  // header's size). `*renamed` as for CreateLogFile.
  absl::StatusOr<FileHandle> NewActiveFileLocked(uint64_t number, uint64_t first_sequence,
                                                 bool* renamed, int64_t* prefilled)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // TrimBefore's file work, outside mu_: each of `doomed` (oldest first) is kept for
  // reuse if `keep` allows (renamed to its free name), else deleted; each change made
  // durable before the next. On failure the files not yet handled are tracked again.
  absl::Status DisposeTrimmed(const std::vector<FileInfo>& doomed, size_t keep)
      ABSL_LOCKS_EXCLUDED(mu_);
  // When every batch written so far has sequence < `sequence` (TrimBefore's argument),
  // rotates the active file so that TrimBefore can delete it too: once a table's rows
  // are all in segments, its log shrinks to one empty file instead of keeping up to
  // max_file_bytes. A no-op otherwise.
  absl::Status RetireActiveIfCoveredLocked(uint64_t sequence) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Unmaps it (before rotation, truncation of its zeros, or Close).
  void UnmapActiveLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SyncerLoop();

  Env& env_;
  const std::string dir_;
  const LogOptions options_;
  std::thread syncer_;  // kSyncPeriodically only.

  Mutex trim_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // Serializes TrimBefore: removals stay oldest-first.

  mutable Mutex mu_;
  CondVar synced_cv_;  // synced_seq_, sync_in_progress_ or error_ changed.
  CondVar syncer_cv_;  // stop_syncer_ set.
  std::deque<FileInfo> old_files_ ABSL_GUARDED_BY(mu_);  // Oldest first; all fsync'ed, complete.
  int64_t old_files_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  FileInfo active_ ABSL_GUARDED_BY(mu_);
  // The active file's size on disk: active_.size, then zeros up to here (kPrefillBytes),
  // or in a recycled file its earlier use's bytes, which frames overwrite as they do zeros.
  int64_t active_prefilled_ ABSL_GUARDED_BY(mu_) = 0;
  // Trimmed files kept for reuse, oldest first, and their bytes.
  std::deque<FreeFile> free_files_ ABSL_GUARDED_BY(mu_);
  int64_t free_files_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  FileHandle active_file_ ABSL_GUARDED_BY(mu_);  // Null once closed.
  // The active file's prefilled zeros from the page of active_.size on, [map_offset_,
  // active_prefilled_), mapped shared and writable at map_ (or null): frames inside are
  // copied into the page cache through it, which costs less per frame than a pwritev.
  // The bytes are in the page cache once copied, as after a pwritev, so a process crash
  // keeps them and fdatasync writes them back. Only the latest prefill step is mapped:
  // writeback must write-protect every mapped page it cleans, and each costs a TLB
  // shootdown across the process's threads, so a larger mapping makes appends slower.
  // Under kSyncBeforeAck no file is mapped (MapActiveLocked says why). Without a mapping,
  // frames go by pwritev. Costs of this choice, accepted: the request that crosses into a
  // new step pays the remap and the populate on top of the zero-fill, so the write p99
  // is higher than with pwritev (the mean is lower). Figures for all of this:
  // bench/RESULTS.md, "Figures moved out of code comments". And a copy that faults
  // (a page written back by a sync is write-protected again) and cannot be served (an I/O
  // error reading back a page evicted meanwhile) is a SIGBUS where pwritev would have
  // returned EIO; the disk is failing then either way, and what was acknowledged is in
  // the log already.
  std::unique_ptr<MappedRegion> map_region_ ABSL_GUARDED_BY(mu_);
  char* map_ ABSL_GUARDED_BY(mu_) = nullptr;  // map_region_->data(), or null.
  int64_t map_offset_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t map_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // The end of the window MapActiveLocked last tried to map (0 after an unmap): a frame
  // that ends past it moves the mapping on, one that does not keeps it (even if mapping
  // failed: frames then go by pwritev until the next step).
  int64_t map_window_end_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t synced_seq_ ABSL_GUARDED_BY(mu_) = 0;  // Every batch through this one is fsync'ed.
  // The active file's bytes through the end of batch synced_seq_ (or its header), all
  // durable: the last sync of this file covered them.
  int64_t synced_size_ ABSL_GUARDED_BY(mu_) = 0;
  // A sync of the active file failed (or a partial write could not be taken back): its
  // bytes after synced_size_ are suspect, and RepairLocked moves its batches after
  // synced_seq_ to a new file before anything more is written or acknowledged.
  bool repair_pending_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status repair_cause_ ABSL_GUARDED_BY(mu_);  // Why, for messages.
  // RepairLocked has read the batches into carry_, and then cut the active file to
  // synced_size_, durably.
  bool carry_read_ ABSL_GUARDED_BY(mu_) = false;
  bool carry_cut_ ABSL_GUARDED_BY(mu_) = false;
  // The frames of batches synced_seq_ + 1 .. next_seq_ - 1.
  std::string carry_ ABSL_GUARDED_BY(mu_);
  bool sync_in_progress_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_syncer_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);  // Sticky: set once and for all by FailLocked.
  int64_t sync_count_ ABSL_GUARDED_BY(mu_) = 0;
};

LogImpl::~LogImpl() {
  absl::Status s = Close();
  if (!s.ok()) Report(absl::StrCat("wal: closing ", dir_, " failed: ", s.message()));
}

void LogImpl::Report(absl::string_view line) const { ReportLine(options_, line); }

absl::Status LogImpl::ClosedError(absl::string_view operation) const {
  return tsw::InternalError(
      absl::StrCat("wal: cannot ", operation, " the log in ", dir_, ": it is closed"));
}

absl::Status LogImpl::FailLocked(absl::Status status) {
  if (error_.ok()) {
    error_ = tsw::InternalError(absl::StrCat(status.message(), " (the write-ahead log in ", dir_,
                                             " accepts no more writes; reopen it to recover)"));
    Report(error_.message());
    synced_cv_.SignalAll();
  }
  return error_;
}

absl::Status LogImpl::Recover(const std::vector<uint64_t>& numbers, const ReplayFn& replay) {
  MutexLock lock(&mu_);  // Not shared yet: never contended, for the analysis.
  if (numbers.empty()) {
    bool renamed;
    absl::StatusOr<FileHandle> created = CreateLogFile(env_, dir_, 1, 1, &renamed);
    if (!created.ok()) return created.status();
    active_ = FileInfo{1, 1, static_cast<int64_t>(kFileHeaderSize)};
    active_prefilled_ = active_.size;
    active_file_ = *std::move(created);
    return absl::OkStatus();
  }
  uint64_t expected = 0;  // Sequence the next file must start at; 0 before the first file.
  for (size_t i = 0; i < numbers.size(); ++i) {
    const bool last = i + 1 == numbers.size();
    const uint64_t number = numbers[i];
    const std::string path = PathOf(number);
    absl::StatusOr<std::unique_ptr<File>> opened =
        env_.OpenFile(path, last ? OpenMode::kReadWrite : OpenMode::kRead);
    if (!opened.ok()) return opened.status();
    FileHandle handle = *std::move(opened);
    absl::StatusOr<ScanResult> scan = ScanLogFile(*handle, replay);
    if (!scan.ok()) return scan.status();

    if (!scan->header_ok) {
      // A crash while a file is created leaves at most a header's worth of bytes (files
      // are renamed into place whole; older code or other tools may not have been so
      // careful). More than that behind a bad header, or any bad header followed by
      // another file, is damage to data.
      if (!last || scan->file_size > static_cast<int64_t>(kFileHeaderSize)) {
        return tsw::InternalError(
            absl::StrCat("wal: ", path, " is damaged at offset 0 (", scan->problem, ", file of ",
                         scan->file_size, " bytes)", last ? "" : " and later log files follow it",
                         ": acknowledged batches would be lost; refusing to open the log"));
      }
      uint64_t first = expected != 0 ? expected : (number == 1 ? 1 : 0);
      if (first == 0) {
        return tsw::InternalError(absl::StrCat(
            "wal: ", path, " has a damaged header (", scan->problem,
            ") and no earlier log file tells its first sequence; refusing to open the log"));
      }
      handle.reset();
      bool renamed;
      absl::StatusOr<FileHandle> created = CreateLogFile(env_, dir_, number, first, &renamed);
      if (!created.ok()) return created.status();
      Report(absl::StrCat("wal: cut torn tail of ", path, " at offset 0: removed ", scan->file_size,
                          " bytes (", scan->problem, "); wrote a new header starting at sequence ",
                          first));
      active_ = FileInfo{number, first, static_cast<int64_t>(kFileHeaderSize)};
      active_prefilled_ = active_.size;
      active_file_ = *std::move(created);
      next_seq_ = first;
      break;
    }
    if (expected != 0 && scan->first_sequence != expected) {
      return tsw::InternalError(
          absl::StrCat("wal: ", path, " starts at sequence ", scan->first_sequence,
                       " but the log file before it ends before sequence ", expected,
                       ": batches are missing; refusing to open the log"));
    }
    if (!scan->problem.empty() && !last && scan->recycled) {
      // A recycled file's earlier use behind its last frame, left by a rotation whose cut
      // never reached the disk. Not a loss by itself: the next file must start at
      // scan->next_sequence (checked above), so a batch lost here is still found.
    } else if (!scan->problem.empty()) {
      if (!last) {
        return tsw::InternalError(absl::StrCat(
            "wal: ", path, " is damaged at offset ", scan->valid_end, " (", scan->problem,
            ") and later log files follow it: acknowledged batches would be lost; "
            "refusing to open the log"));
      }
      if (absl::Status s = CutTail(*handle, *scan); !s.ok()) return s;
    } else if (last) {
      // What was replayed may still be only in the page cache (a process crash under
      // kSyncPeriodically); make it durable before anything builds on it.
      if (absl::Status s = handle->Sync(); !s.ok()) return s;
    }
    FileInfo info{number, scan->first_sequence, scan->valid_end};
    expected = scan->next_sequence;
    if (last) {
      active_ = info;
      // A clean scan may end in preallocated zeros: the next frames go over them.
      active_prefilled_ = scan->problem.empty() ? scan->file_size : scan->valid_end;
      active_file_ = std::move(handle);
      next_seq_ = expected;
    } else {
      // Rotation cut the zeros off this file before the next one was made; a clean file
      // may still end in some if that cut never reached the disk (no batch is missing:
      // the next file starts where this one's batches end).
      info.size = scan->file_size;
      old_files_.push_back(info);
      old_files_bytes_ += info.size;
    }
  }
  synced_seq_ = next_seq_ - 1;
  synced_size_ = active_.size;
  return absl::OkStatus();
}

absl::Status LogImpl::AdoptFreeFiles(const std::vector<uint64_t>& numbers) {
  MutexLock lock(&mu_);  // Not shared yet: never contended, for the analysis.
  for (const uint64_t number : numbers) {
    const std::string path = file::JoinPath(dir_, format::FreeLogFileName(number));
    absl::StatusOr<uint64_t> size = absl::InternalError("not kept");
    if (free_files_.size() < static_cast<size_t>(std::max(0, options_.recycle_files))) {
      absl::StatusOr<std::unique_ptr<File>> opened = env_.OpenFile(path, OpenMode::kRead);
      size = opened.ok() ? (*opened)->Size() : opened.status();
    }
    if (size.ok()) {
      free_files_.push_back(FreeFile{number, static_cast<int64_t>(*size)});
      free_files_bytes_ += static_cast<int64_t>(*size);
    } else if (absl::Status s = file::RemoveFile(env_, path); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status LogImpl::CutTail(File& file, const ScanResult& scan) {
  if (absl::Status s = file.Truncate(static_cast<uint64_t>(scan.valid_end)); !s.ok()) return s;
  if (absl::Status s = file.Sync(); !s.ok()) return s;
  // In a recycled file the bytes after the last frame are mostly its earlier use's, not
  // news; a torn frame among them cannot be told apart, so neither is reported.
  if (!scan.recycled) {
    Report(absl::StrCat("wal: cut torn tail of ", file.path(), " at offset ", scan.valid_end,
                        ": removed ", scan.file_size - scan.valid_end, " bytes (", scan.problem,
                        ")"));
  }
  return absl::OkStatus();
}

void LogImpl::StartSyncer() {
  if (options_.durability.policy == SyncPolicy::kSyncPeriodically) {
    syncer_ = std::thread([this] { SyncerLoop(); });
  }
}

void LogImpl::SyncerLoop() {
  const auto interval = std::chrono::milliseconds(options_.durability.sync_interval_millis);
  MutexLock lock(&mu_);
  while (!stop_syncer_) {
    const auto deadline = std::chrono::steady_clock::now() + interval;
    while (!stop_syncer_ && !syncer_cv_.WaitWithDeadline(&mu_, deadline)) {
    }
    if (stop_syncer_ || !error_.ok()) continue;
    if (next_seq_ - 1 > synced_seq_ || repair_pending_) {
      // A sticky failure was reported by FailLocked; a pending repair is retried here
      // and by the next append, so a disk that has room again heals the log.
      SyncThroughLocked(next_seq_ - 1).IgnoreError();
    }
  }
}

absl::StatusOr<uint64_t> LogImpl::AppendNoSync(absl::string_view payload) {
  if (payload.size() > kMaxPayloadBytes) {
    return tsw::ValidationError(absl::StrCat("wal: batch of ", payload.size(),
                                             " bytes is over the limit of ", kMaxPayloadBytes,
                                             " bytes"));
  }
  const uint32_t length = static_cast<uint32_t>(payload.size());
  const uint64_t payload_hash = format::PayloadHash(payload);
  const int64_t frame_bytes = static_cast<int64_t>(kFrameHeaderSize) + length;

  MutexLock lock(&mu_);
  if (absl::Status s = ReadyToAppendLocked(); !s.ok()) return s;
  if (absl::Status s = MakeRoomLocked(frame_bytes); !s.ok()) return s;
  const uint64_t sequence = next_seq_;
  if (map_ != nullptr && active_.size >= map_offset_ &&
      active_.size + frame_bytes <= map_offset_ + map_bytes_) {
    char* const dst = map_ + (active_.size - map_offset_);
    format::EncodeFrameHeader(length, sequence, payload_hash, dst);
    std::memcpy(dst + kFrameHeaderSize, payload.data(), payload.size());
    active_.size += frame_bytes;
    ++next_seq_;
    return sequence;
  }
  char header[kFrameHeaderSize];
  format::EncodeFrameHeader(length, sequence, payload_hash, header);
  const absl::string_view pieces[2] = {absl::string_view(header, sizeof(header)), payload};
  if (absl::Status s = active_file_->Write(static_cast<uint64_t>(active_.size), pieces); !s.ok()) {
    return TakeBackLocked(active_.size, s);
  }
  active_.size += frame_bytes;
  ++next_seq_;
  return sequence;
}

absl::Status LogImpl::ReadyToAppendLocked() {
  if (closed_) return ClosedError("append to");
  if (!error_.ok()) return error_;
  if (repair_pending_) {
    if (absl::Status s = RepairLocked(); !s.ok()) return s;
    if (closed_) return ClosedError("append to");
  }
  return absl::OkStatus();
}

absl::Status LogImpl::Reserve(size_t payload_bytes) {
  MutexLock lock(&mu_);
  if (absl::Status s = ReadyToAppendLocked(); !s.ok()) return s;
  const int64_t frame_bytes = static_cast<int64_t>(kFrameHeaderSize) +
                              static_cast<int64_t>(std::min(payload_bytes, kMaxPayloadBytes));
  if (active_.size + frame_bytes > options_.max_file_bytes &&
      frame_bytes > options_.max_file_bytes / 8) {
    // A bound this large against the file size limit would rotate (nearly) every batch
    // early; AppendNoSync rotates if the batch itself does not fit.
    return absl::OkStatus();
  }
  return MakeRoomLocked(frame_bytes);
}

absl::Status LogImpl::MakeRoomLocked(int64_t frame_bytes) {
  if (active_.size + frame_bytes > options_.max_file_bytes &&
      active_.size > static_cast<int64_t>(kFileHeaderSize)) {
    if (absl::Status s = RotateLocked(next_seq_); !s.ok()) return s;
  }
  const int64_t needed = active_.size + frame_bytes;
  if (needed <= map_window_end_) return absl::OkStatus();
  if (needed > active_prefilled_) {
    // Ahead of the frame, in kPrefillBytes steps up to the file size limit (or the
    // frame's end if that is further). A failure leaves the frames as they were.
    const int64_t target =
        std::max(needed, std::min((needed + kPrefillBytes - 1) / kPrefillBytes * kPrefillBytes,
                                  options_.max_file_bytes));
    if (absl::Status s = WriteZerosAt(*active_file_, active_prefilled_, target); !s.ok()) {
      // The zeros written before are still good.
      return TakeBackLocked(active_prefilled_, s);
    }
    active_prefilled_ = target;
  }
  MapActiveLocked(needed);
  return absl::OkStatus();
}

absl::Status LogImpl::TakeBackLocked(int64_t size, absl::Status error) {
  // Any part of a frame or extension that reached the file goes: a later frame written
  // after a partial one would sit behind a torn frame and be cut at the next Open.
  UnmapActiveLocked();
  if (absl::Status s = active_file_->Truncate(static_cast<uint64_t>(size)); !s.ok()) {
    return NeedRepairLocked(file::Annotate(
        error,
        absl::StrCat(error.message(), "; cannot take back the partial write: ", s.message())));
  }
  active_prefilled_ = size;
  return error;
}

absl::Status LogImpl::NeedRepairLocked(absl::Status error) {
  if (!repair_pending_) {
    repair_pending_ = true;
    repair_cause_ = error;
    carry_read_ = carry_cut_ = false;
    carry_.clear();
    Report(absl::StrCat("wal: ", error.message(), "; batches after sequence ", synced_seq_,
                        " move to a new log file once the disk allows"));
    synced_cv_.SignalAll();
  }
  return error;
}

absl::Status LogImpl::RepairLocked() {
  while (sync_in_progress_) synced_cv_.Wait(&mu_);
  if (!repair_pending_) return absl::OkStatus();
  if (!error_.ok()) return error_;
  if (active_file_ == nullptr) return ClosedError("repair");
  const std::string path = PathOf(active_.number);
  auto failed = [&](const absl::Status& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return file::Annotate(
        s, absl::StrCat(s.message(), " (while moving the unsynced batches of ", path,
                        " to a new log file, after: ", repair_cause_.message(), ")"));
  };
  // 1. The frames after the last sync, from the page cache, each checked.
  if (!carry_read_) {
    UnmapActiveLocked();
    const size_t n = static_cast<size_t>(active_.size - synced_size_);
    std::string frames(n, '\0');
    absl::StatusOr<size_t> read =
        active_file_->Read(static_cast<uint64_t>(synced_size_), n, frames.data());
    if (!read.ok()) return failed(read.status());
    uint64_t expected = synced_seq_ + 1;
    size_t offset = 0;
    bool intact = *read == n;
    while (intact && offset < n) {
      if (n - offset < kFrameHeaderSize) {
        intact = false;
        break;
      }
      const format::FrameHeader frame = format::DecodeFrameHeader(frames.data() + offset);
      const size_t frame_bytes = kFrameHeaderSize + frame.length;
      intact = frame.sequence == expected && frame_bytes <= n - offset &&
               format::FrameChecksumMatches(
                   frames.data() + offset,
                   absl::string_view(frames.data() + offset + kFrameHeaderSize, frame.length));
      offset += frame_bytes;
      ++expected;
    }
    if (!intact || expected != next_seq_) {
      // The page cache lost them after the failed writeback: they cannot be rewritten.
      return FailLocked(tsw::InternalError(
          absl::StrCat("wal: batches ", synced_seq_ + 1, " to ", next_seq_ - 1, " of ", path,
                       " could not be read back after: ", repair_cause_.message())));
    }
    carry_ = std::move(frames);
    carry_read_ = true;
  }
  // 2. The active file as of its last sync, durably, so that it may have a successor:
  //    Open treats damage in a file that has one as data loss.
  if (!carry_cut_) {
    absl::Status s = active_file_->Truncate(static_cast<uint64_t>(synced_size_));
    if (s.ok()) s = active_file_->Sync();
    if (!s.ok()) return failed(s);
    ++sync_count_;
    active_.size = synced_size_;
    active_prefilled_ = synced_size_;
    carry_cut_ = true;
  }
  // 3. The batches in a new file (its header names synced_seq_ + 1), synced.
  const uint64_t number = active_.number + 1;
  bool renamed;
  absl::StatusOr<FileHandle> created = CreateLogFile(env_, dir_, number, synced_seq_ + 1, &renamed);
  if (!created.ok()) return failed(created.status());
  absl::Status s = (*created)->Write(kFileHeaderSize, carry_);
  if (s.ok()) s = (*created)->Sync();
  // On failure the new file, if on disk, holds a header and maybe a torn frame: Open takes
  // it as the last file and cuts it. The next attempt replaces it.
  if (!s.ok()) return failed(s);
  ++sync_count_;
  old_files_.push_back(active_);
  old_files_bytes_ += active_.size;
  active_ =
      FileInfo{number, synced_seq_ + 1, static_cast<int64_t>(kFileHeaderSize + carry_.size())};
  active_prefilled_ = active_.size;
  active_file_ = *std::move(created);
  synced_size_ = active_.size;
  synced_seq_ = next_seq_ - 1;
  Report(absl::StrCat("wal: moved batches after the last sync to ", PathOf(number),
                      " after: ", repair_cause_.message()));
  repair_pending_ = false;
  repair_cause_ = absl::OkStatus();
  carry_read_ = carry_cut_ = false;
  carry_.clear();
  carry_.shrink_to_fit();
  synced_cv_.SignalAll();
  return absl::OkStatus();
}

void LogImpl::MapActiveLocked(int64_t needed) {
  UnmapActiveLocked();
  const int64_t end =
      std::min(active_prefilled_, (needed + kPrefillBytes - 1) / kPrefillBytes * kPrefillBytes);
  map_window_end_ = end;
  // With an fdatasync before every acknowledgement, each sync write-protects the mapped
  // pages it cleans and the next copy faults them back, which makes the mapping slower
  // than pwritev (bench/RESULTS.md, "Figures moved out of code comments"). Only a log
  // synced now and then is mapped.
  if (options_.durability.policy != SyncPolicy::kSyncPeriodically) return;
  const int64_t offset = active_.size & ~int64_t{4095};
  const size_t bytes = static_cast<size_t>(end - offset);
  // MapWritable faults the zeros in writable now, where a failure is an error return,
  // rather than page by page inside the copies, where it would be a SIGBUS. (A page that a
  // sync writes back faults once more at its next copy; its blocks are allocated by then.)
  // If it cannot (before Linux 5.14 it never can), frames go by File::Write.
  absl::StatusOr<std::unique_ptr<MappedRegion>> region =
      active_file_->MapWritable(static_cast<uint64_t>(offset), bytes);
  if (!region.ok()) return;
  map_region_ = *std::move(region);
  map_ = map_region_->data();
  map_offset_ = offset;
  map_bytes_ = static_cast<int64_t>(bytes);
}

void LogImpl::UnmapActiveLocked() {
  map_window_end_ = 0;
  if (map_ == nullptr) return;
  map_region_.reset();
  map_ = nullptr;
  map_offset_ = 0;
  map_bytes_ = 0;
}

absl::Status LogImpl::RotateLocked(uint64_t first_sequence) {
  // The old file must be complete on disk before a later file can exist: Open treats
  // damage in a file that has a successor as data loss. Its preallocated zeros go first,
  // so it ends with its last frame.
  UnmapActiveLocked();
  if (active_prefilled_ > active_.size) {
    if (absl::Status s = active_file_->Truncate(static_cast<uint64_t>(active_.size)); !s.ok()) {
      return NeedRepairLocked(s);
    }
    active_prefilled_ = active_.size;
  }
  if (absl::Status s = active_file_->Sync(); !s.ok()) return NeedRepairLocked(s);
  ++sync_count_;
  synced_size_ = active_.size;
  if (next_seq_ - 1 > synced_seq_) {
    synced_seq_ = next_seq_ - 1;
    synced_cv_.SignalAll();
  }
  const uint64_t number = active_.number + 1;
  bool renamed;
  int64_t prefilled = kFileHeaderSize;
  absl::StatusOr<FileHandle> created =
      NewActiveFileLocked(number, first_sequence, &renamed, &prefilled);
  if (!created.ok()) {
    // Once the new file may exist under its name, appending to the old one would leave a
    // sequence gap between the two for Open to find.
    if (renamed) return FailLocked(created.status());
    return created.status();
  }
  old_files_.push_back(active_);
  old_files_bytes_ += active_.size;
  active_ = FileInfo{number, first_sequence, static_cast<int64_t>(kFileHeaderSize)};
  active_prefilled_ = prefilled;
  active_file_ = *std::move(created);
  synced_size_ = active_.size;
  return absl::OkStatus();
}

absl::StatusOr<FileHandle> LogImpl::NewActiveFileLocked(uint64_t number, uint64_t first_sequence,
                                                        bool* renamed, int64_t* prefilled) {
  *prefilled = kFileHeaderSize;
  if (!free_files_.empty()) {
    const FreeFile reuse = free_files_.front();
    free_files_.pop_front();
    free_files_bytes_ -= reuse.size;
    const std::string free_path = file::JoinPath(dir_, format::FreeLogFileName(reuse.number));
    absl::StatusOr<FileHandle> reused =
        ReuseLogFile(env_, dir_, free_path, number, first_sequence, renamed, prefilled);
    if (reused.ok() || *renamed) return reused;
    // Still a free file (maybe with its new header): not worth a second attempt.
    Report(absl::StrCat("wal: cannot reuse ", free_path, " (", reused.status().message(),
                        "); creating a new log file instead"));
    env_.RemoveFile(free_path).IgnoreError();  // Else the next Open adopts or removes it.
    *prefilled = kFileHeaderSize;
  }
  return CreateLogFile(env_, dir_, number, first_sequence, renamed);
}

absl::Status LogImpl::SyncThroughLocked(uint64_t sequence) {
  while (synced_seq_ < sequence || repair_pending_) {
    if (!error_.ok()) return error_;
    if (active_file_ == nullptr) return ClosedError("sync");
    if (sync_in_progress_) {
      synced_cv_.Wait(&mu_);
      continue;
    }
    if (repair_pending_) {
      if (absl::Status s = RepairLocked(); !s.ok()) return s;
      continue;
    }
    // Lead: one fdatasync for every batch written so far, including other waiters'.
    sync_in_progress_ = true;
    const uint64_t target = next_seq_ - 1;
    const uint64_t number = active_.number;
    const int64_t target_size = active_.size;
    FileHandle file = active_file_;
    mu_.Unlock();
    absl::Status synced = file->Sync();
    file.reset();
    mu_.Lock();
    sync_in_progress_ = false;
    synced_cv_.SignalAll();
    if (!synced.ok()) {
      // The kernel may have dropped the pages it failed to write (and reports that only
      // once): the batches after the last good sync must be rewritten elsewhere. If the
      // file was rotated meanwhile its batches are behind a successor: no way back.
      if (number != active_.number) return FailLocked(synced);
      NeedRepairLocked(synced).IgnoreError();
      continue;  // Repair now; if that fails too, this waiter gets the error.
    }
    ++sync_count_;
    // Batches before `target` in older files were synced when those files were rotated.
    synced_seq_ = std::max(synced_seq_, target);
    if (number == active_.number) synced_size_ = std::max(synced_size_, target_size);
  }
  return absl::OkStatus();
}

absl::Status LogImpl::WaitDurable(uint64_t sequence) {
  MutexLock lock(&mu_);
  if (sequence >= next_seq_) {
    return tsw::InternalError(absl::StrCat("wal: WaitDurable(", sequence,
                                           "): no batch with that sequence was appended (next is ",
                                           next_seq_, ")"));
  }
  if (options_.durability.policy == SyncPolicy::kSyncPeriodically) return absl::OkStatus();
  return SyncThroughLocked(sequence);
}

absl::StatusOr<uint64_t> LogImpl::Append(absl::string_view payload) {
  absl::StatusOr<uint64_t> sequence = AppendNoSync(payload);
  if (!sequence.ok()) return sequence;
  if (absl::Status s = WaitDurable(*sequence); !s.ok()) return s;
  return sequence;
}

absl::Status LogImpl::Sync() {
  MutexLock lock(&mu_);
  if (closed_) return ClosedError("sync");
  return SyncThroughLocked(next_seq_ - 1);
}

absl::Status LogImpl::TrimBefore(uint64_t sequence) {
  MutexLock trim_lock(&trim_mu_);
  std::vector<FileInfo> doomed;
  std::vector<FreeFile> unwanted;  // Free files to delete: the log is idle.
  size_t keep = 0;                 // Of `doomed`, how many to keep for reuse.
  {
    MutexLock lock(&mu_);
    if (closed_) return ClosedError("trim");
    // Every batch written is covered: a table whose rows are all in segments gives the
    // log's space back (issue 14) rather than keeping files for writes that may not come.
    // (Before the retiring rotation, which would reuse one.)
    const bool idle = sequence >= next_seq_;
    if (idle) {
      unwanted.assign(free_files_.begin(), free_files_.end());
      free_files_.clear();
      free_files_bytes_ = 0;
    }
    if (absl::Status s = RetireActiveIfCoveredLocked(sequence); !s.ok()) {
      for (const FreeFile& f : unwanted) {  // Still on disk: still tracked.
        free_files_.push_back(f);
        free_files_bytes_ += f.size;
      }
      return s;
    }
    if (!idle && free_files_.size() < static_cast<size_t>(std::max(0, options_.recycle_files))) {
      keep = static_cast<size_t>(options_.recycle_files) - free_files_.size();
    }
    while (!old_files_.empty()) {
      // A file holds [its first sequence, the next file's first sequence).
      const uint64_t next_first =
          old_files_.size() > 1 ? old_files_[1].first_sequence : active_.first_sequence;
      if (next_first > sequence) break;
      doomed.push_back(old_files_.front());
      old_files_bytes_ -= old_files_.front().size;
      old_files_.pop_front();
    }
  }
  for (const FreeFile& f : unwanted) {
    // Nothing depends on a free file: one left behind is adopted or removed by Open.
    env_.RemoveFile(file::JoinPath(dir_, format::FreeLogFileName(f.number))).IgnoreError();
  }
  return DisposeTrimmed(doomed, keep);
}

absl::Status LogImpl::DisposeTrimmed(const std::vector<FileInfo>& doomed, size_t keep) {
  // Unlink or rename and directory fsync outside mu_: appenders need not wait for them.
  // The newest doomed files are kept: they are the largest (rotated full).
  for (size_t i = 0; i < doomed.size(); ++i) {
    const std::string path = PathOf(doomed[i].number);
    const bool reuse = doomed.size() - i <= keep;
    absl::Status s =
        reuse ? env_.Rename(path, file::JoinPath(dir_, format::FreeLogFileName(doomed[i].number)))
              : file::RemoveFile(env_, path);
    if (s.ok()) s = env_.SyncDir(dir_);
    if (s.ok() && reuse) {
      MutexLock lock(&mu_);
      free_files_.push_back(FreeFile{doomed[i].number, doomed[i].size});
      free_files_bytes_ += doomed[i].size;
    }
    if (!s.ok()) {
      // Keep tracking what may still be on disk, so the log stays contiguous.
      MutexLock lock(&mu_);
      for (size_t j = doomed.size(); j > i; --j) {
        old_files_.push_front(doomed[j - 1]);
        old_files_bytes_ += doomed[j - 1].size;
      }
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status LogImpl::RetireActiveIfCoveredLocked(uint64_t sequence) {
  // Only when every batch written so far may go, the file holds at least one, and the log
  // is healthy: a repair or a failure has its own way with the active file.
  if (sequence < next_seq_ || active_.size <= static_cast<int64_t>(kFileHeaderSize) ||
      repair_pending_ || !error_.ok()) {
    return absl::OkStatus();
  }
  return RotateLocked(next_seq_);
}

absl::Status LogImpl::Close() {
  {
    MutexLock lock(&mu_);
    if (closed_) return absl::OkStatus();
    closed_ = true;
    stop_syncer_ = true;
  }
  syncer_cv_.SignalAll();
  if (syncer_.joinable()) syncer_.join();
  MutexLock lock(&mu_);
  // Leave the file ending with its last frame (the next Open would accept the zeros too).
  UnmapActiveLocked();
  if (active_file_ != nullptr && !repair_pending_ && active_prefilled_ > active_.size) {
    if (absl::Status t = active_file_->Truncate(static_cast<uint64_t>(active_.size)); t.ok()) {
      active_prefilled_ = active_.size;
    } else {
      Report(absl::StrCat("wal: cannot cut the preallocated tail: ", t.message()));
    }
  }
  absl::Status s = SyncThroughLocked(next_seq_ - 1);
  // A leader still in fdatasync holds its own reference; the fd closes after it.
  active_file_.reset();
  synced_cv_.SignalAll();
  return s;
}

int64_t LogImpl::SizeBytes() const {
  MutexLock lock(&mu_);
  return old_files_bytes_ + active_prefilled_ + free_files_bytes_;
}

uint64_t LogImpl::NextSequence() const {
  MutexLock lock(&mu_);
  return next_seq_;
}

uint64_t LogImpl::DurableSequence() const {
  MutexLock lock(&mu_);
  return synced_seq_;
}

int64_t LogImpl::SyncCount() const {
  MutexLock lock(&mu_);
  return sync_count_;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Log>> Log::Open(const std::string& dir, const LogOptions& options,
                                               const ReplayFn& replay) {
  if (options.max_file_bytes <= static_cast<int64_t>(kFileHeaderSize + kFrameHeaderSize)) {
    return tsw::ValidationError(absl::StrCat("wal: max_file_bytes must be over ",
                                             kFileHeaderSize + kFrameHeaderSize, ", not ",
                                             options.max_file_bytes));
  }
  if (options.durability.policy == SyncPolicy::kSyncPeriodically &&
      options.durability.sync_interval_millis <= 0) {
    return tsw::ValidationError(absl::StrCat("wal: sync_interval_millis must be positive, not ",
                                             options.durability.sync_interval_millis));
  }
  Env& env = options.env != nullptr ? *options.env : *Env::Default();
  if (absl::Status s = file::CreateDirs(env, dir); !s.ok()) return s;
  absl::StatusOr<std::vector<std::string>> names = env.ListDir(dir);
  if (!names.ok()) return names.status();

  auto log = std::make_unique<LogImpl>(env, dir, options);
  std::vector<uint64_t> numbers, free_numbers;
  for (const std::string& name : *names) {
    uint64_t number;
    if (format::ParseLogFileName(name, &number)) {
      numbers.push_back(number);
    } else if (format::ParseFreeLogFileName(name, &number)) {
      free_numbers.push_back(number);
    } else if (format::IsTempLogFileName(name)) {
      // A log file that was being created when the process stopped; never renamed into
      // place, so it holds no batch.
      const std::string path = file::JoinPath(dir, name);
      if (absl::Status s = file::RemoveFile(env, path); !s.ok()) return s;
      ReportLine(options, absl::StrCat("wal: removed unfinished new log file ", path));
    }
  }
  std::sort(numbers.begin(), numbers.end());
  if (absl::Status s = log->Recover(numbers, replay); !s.ok()) return s;
  std::sort(free_numbers.begin(), free_numbers.end());
  if (absl::Status s = log->AdoptFreeFiles(free_numbers); !s.ok()) return s;
  log->StartSyncer();
  return std::unique_ptr<Log>(std::move(log));
}

}  // namespace tsw::wal
