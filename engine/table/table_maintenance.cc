// TableStore's maintenance: moving rows past the memory store's retention into magnetic
// segments (eviction, in the steps table_store.h lists), reporting late rows, and giving
// the write-ahead log's space back once segments hold what it held. The write and scan
// paths are in table_store.cc.
#include <algorithm>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/row_batch.h"
#include "engine/model/retention_window.h"
#include "engine/table/rejected_data.h"
#include "engine/table/table_store.h"
#include "engine/table/tier_rows.h"
#include "tsw/status.h"

namespace tsw::table {
namespace {

using memstore::MeasureColumn;
using model::kNanosPerDay;
using model::kNanosPerHour;
using model::kNanosPerMinute;
using model::SubtractSaturating;
using model::WindowNanos;

// The largest multiple of `step` (> 0) at or below `t`.
int64_t FloorTo(int64_t t, int64_t step) {
  int64_t q = t / step;
  if (t % step != 0 && t < 0) --q;
  return q * step;
}

// Rows of one column an eviction copied (or found expired), to remove once in a segment.
struct EvictedColumn {
  uint32_t column = 0;
  int batch = -1;              // Index of its RowBatch, or -1 (no row inside retention).
  std::vector<RowId> expired;  // Rows older than the magnetic cutoff, dropped unstored.
};

// True for a row (time, version) that `rows` (times increasing) lists, advancing *cursor;
// calls come in increasing time.
bool Listed(const int64_t* times, const int64_t* versions, size_t n, size_t* cursor, int64_t time,
            int64_t version) {
  while (*cursor < n && times[*cursor] < time) ++*cursor;
  return *cursor < n && times[*cursor] == time && versions[*cursor] == version;
}

}  // namespace

absl::Status TableStore::RunMaintenance(const Table& table) {
  MutexLock maintenance_lock(&maintenance_mu_);
  if (absl::Status s = CatchUp(); !s.ok()) return s;
  {
    ReaderMutexLock lock(&mu_);
    if (absl::Status s = Usable(); !s.ok()) return s;
  }
  const int64_t now = options_.clock->NowNanos();
  const int64_t memory_window =
      WindowNanos(table.retention_properties.memory_store_retention_period_in_hours, kNanosPerHour);
  const int64_t magnetic_window =
      WindowNanos(table.retention_properties.magnetic_store_retention_period_in_days, kNanosPerDay);
  magnetic_window_nanos_.store(magnetic_window, std::memory_order_relaxed);
  const bool window_shrank = last_memory_window_ >= 0 && memory_window < last_memory_window_;
  last_memory_window_ = memory_window;
  const int64_t magnetic_cutoff = SubtractSaturating(now, magnetic_window);
  if (absl::Status s = Evict(table, now, memory_window, magnetic_cutoff, window_shrank); !s.ok()) {
    return s;
  }
  if (hooks_.log_hold && wanted_trim_ > 0) {
    // An earlier eviction's trim a forwarder held back: as far as the hold allows now.
    if (absl::Status s = log_->TrimBefore(std::min(wanted_trim_, hooks_.log_hold())); !s.ok()) {
      return s;
    }
  }
  // Magnetic retention moves in steps of 1/24 of the window (at least a minute): Compact
  // rewrites a segment partly past the cutoff each time the cutoff moves, so a cutoff that
  // moved on every pass would rewrite the oldest segment every pass. Scans apply the exact
  // cutoff themselves (ScanFloor).
  const int64_t step = std::max(kNanosPerMinute, magnetic_window / 24);
  const int64_t retention = FloorTo(magnetic_cutoff, step);
  if (retention > magnetic_->RetentionCutoff()) {
    if (absl::Status s = magnetic_->ApplyRetention(retention); !s.ok()) return s;
  }
  return magnetic_->Compact();
}

struct TableStore::Eviction {
  int64_t now = 0;
  int64_t memory_window = 0;
  int64_t memory_cutoff = 0;    // now - the memory window.
  int64_t magnetic_cutoff = 0;  // M: rows older than it expire instead of moving.
  // Set by step 2.
  int64_t cutoff = 0;         // C.
  uint64_t covered = 0;       // S.
  std::vector<LateRow> late;  // Magnetic-store writes accepted since the last eviction.
  size_t columns = 0;         // Memory columns when C was fixed: step 4 copies from these.
  std::string previous_note;  // For every segment but the last.
  std::string note;           // EvictionNote{C, S}, for the last segment.
  // Step 4's progress: the next memory column to copy from.
  size_t next_column = 0;
};

struct TableStore::EvictionSegment {
  std::vector<RowBatch> batches;
  std::vector<EvictedColumn> evicted;
};

absl::Status TableStore::Evict(const Table& table, int64_t now, int64_t memory_window,
                               int64_t magnetic_cutoff, bool window_shrank) {
  Eviction eviction;
  eviction.now = now;
  eviction.memory_window = memory_window;
  eviction.memory_cutoff = SubtractSaturating(now, memory_window);
  eviction.magnetic_cutoff = magnetic_cutoff;
  absl::StatusOr<bool> due = EvictionDue(eviction, window_shrank);
  if (!due.ok()) return due.status();
  if (!*due) return absl::OkStatus();
  if (absl::Status s = FixCutoffAndSequence(&eviction); !s.ok()) return s;
  if (absl::Status s = ReportRejectedLateRows(table, &eviction); !s.ok()) return s;
  // Steps 4 to 6, a segment's worth at a time.
  eviction.previous_note = magnetic_->LastNote();
  eviction.note = EvictionNote{eviction.cutoff, eviction.covered}.Encode();
  while (true) {
    EvictionSegment segment;
    if (absl::Status s = CopyEvictedRows(&eviction, &segment); !s.ok()) return s;
    const bool last = eviction.next_column >= eviction.columns;
    if (absl::Status s = PublishSegment(eviction, segment, last); !s.ok()) return s;
    RemoveEvictedRows(eviction, segment);
    if (last) break;
  }
  {
    // Strings only removed rows used go once they are as many as the rest: the pool is
    // rebuilt under the write lock, a stall amortized over the strings interned since.
    MutexLock lock(&mu_);
    store_.CompactStrings();
  }
  return TrimEvictedLog(eviction);
}

absl::StatusOr<bool> TableStore::EvictionDue(const Eviction& eviction, bool window_shrank) {
  const int64_t memory_cutoff = eviction.memory_cutoff;
  const int64_t slab = std::max(kNanosPerMinute, eviction.memory_window / 24);
  auto due = [&](int64_t oldest) ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    if (oldest >= std::max(memory_cutoff, evicted_cutoff_)) return false;
    return oldest < SubtractSaturating(memory_cutoff, slab) || window_shrank ||
           late_rows_pending_ || oldest < evicted_cutoff_;
  };
  int64_t hint, oldest;
  {
    ReaderMutexLock lock(&mu_);
    if (absl::Status s = Usable(); !s.ok()) return s;
    // The hint is a lower bound of the oldest row: most passes end here, in O(1).
    hint = oldest_hint_;
    if (!due(hint)) return false;
    oldest = store_.OldestTime();  // Visits every column; shared, so scans go on.
  }
  MutexLock lock(&mu_);
  if (oldest_hint_ == hint) oldest_hint_ = oldest;  // Unless a write lowered it since.
  return due(oldest_hint_);
}

absl::Status TableStore::FixCutoffAndSequence(Eviction* eviction) {
  MutexLock lock(&mu_);
  if (absl::Status s = Usable(); !s.ok()) return s;
  eviction->cutoff = std::max(eviction->memory_cutoff, evicted_cutoff_);
  evicted_cutoff_ = eviction->cutoff;
  evicted_cutoff_seen_.store(eviction->cutoff, std::memory_order_relaxed);
  ++evictions_;
  eviction->covered = log_->NextSequence() - 1;
  late_rows_pending_ = false;
  eviction->late.swap(late_rows_);
  eviction->columns = store_.column_count();
  return absl::OkStatus();
}

absl::Status TableStore::ReportRejectedLateRows(const Table& table, Eviction* eviction) {
  std::vector<LateRow>& late = eviction->late;
  if (late.empty()) return absl::OkStatus();
  std::sort(late.begin(), late.end(), [](const LateRow& a, const LateRow& b) {
    return std::tie(a.column, a.time_nanos) < std::tie(b.column, b.time_nanos);
  });
  std::vector<RejectedRow> rejected_rows;
  {
    ReaderMutexLock lock(&mu_);
    for (size_t i = 0; i < late.size(); ++i) {
      const LateRow& r = late[i];
      if (r.time_nanos >= eviction->magnetic_cutoff) continue;
      if (i > 0 && late[i - 1].column == r.column && late[i - 1].time_nanos == r.time_nanos) {
        continue;
      }
      const MeasureColumn::Position p = r.column->Locate(r.time_nanos);
      if (!p.found) continue;
      RejectedRow& row = rejected_rows.emplace_back();
      row.dimensions = store_.series().at(r.column->series()).dimensions;
      row.measure_name = schema_.measures.at(static_cast<int32_t>(r.column->measure())).name;
      row.time_nanos = r.time_nanos;
      row.version = r.column->VersionAt(p);
      row.reason = absl::StrCat(
          "The record was accepted for the magnetic store, but its time is older than the "
          "magnetic store retention period of ",
          table.retention_properties.magnetic_store_retention_period_in_days,
          " days by the time it was moved there.");
    }
  }
  if (rejected_rows.empty()) return absl::OkStatus();
  const std::string data_dir = file::Dirname(file::Dirname(dir_));
  absl::StatusOr<std::string> report =
      ReportRejectedRows(env_, data_dir, table, eviction->now, rejected_rows, options_.report);
  return report.status();
}

absl::Status TableStore::CopyEvictedRows(Eviction* eviction, EvictionSegment* segment) {
  size_t& next_column = eviction->next_column;
  size_t rows = 0;
  while (next_column < eviction->columns && rows < kMaxRowsPerSegment) {
    ReaderMutexLock lock(&mu_);
    if (absl::Status s = Usable(); !s.ok()) return s;
    for (size_t slice = 0; next_column < eviction->columns && slice < kMaintenanceSliceRows &&
                           rows < kMaxRowsPerSegment;
         ++next_column) {
      const MeasureColumn& column = store_.column(static_cast<uint32_t>(next_column));
      if (column.rows() == 0 || column.first_time() >= eviction->cutoff) continue;
      EvictedColumn& e = segment->evicted.emplace_back();
      e.column = static_cast<uint32_t>(next_column);
      RowBatch batch;
      const size_t n = CollectRows(store_, schema_, column, eviction->magnetic_cutoff,
                                   eviction->cutoff, &batch, &e.expired);
      if (!batch.time_nanos.empty()) {
        e.batch = static_cast<int>(segment->batches.size());
        segment->batches.push_back(std::move(batch));
      }
      slice += n + 1;
      rows += n;
    }
  }
  return absl::OkStatus();
}

absl::Status TableStore::PublishSegment(const Eviction& eviction, const EvictionSegment& segment,
                                        bool last) {
  if (absl::Status s = log_->Sync(); !s.ok()) return s;
  if (last) {
    if (absl::Status s = PersistSchema(eviction.covered); !s.ok()) return s;
  }
  if (segment.batches.empty() && !last) return absl::OkStatus();
  return magnetic_->AddSegment(segment.batches, last ? eviction.note : eviction.previous_note);
}

void TableStore::RemoveEvictedRows(const Eviction& eviction, const EvictionSegment& segment) {
  const int64_t cutoff = eviction.cutoff;
  const int64_t magnetic_cutoff = eviction.magnetic_cutoff;
  const std::vector<EvictedColumn>& evicted = segment.evicted;
  for (size_t i = 0; i < evicted.size();) {
    MutexLock lock(&mu_);
    ++evictions_;  // A lookup made before this may miss rows it removes.
    for (size_t slice = 0; i < evicted.size() && slice < kMaintenanceSliceRows; ++i) {
      const EvictedColumn& e = evicted[i];
      const RowBatch* batch = e.batch >= 0 ? &segment.batches[e.batch] : nullptr;
      size_t copied = 0, expired = 0;
      slice += store_.mutable_column(e.column)->RemoveBefore(cutoff, [&](int64_t time,
                                                                         int64_t version) {
        if (time < magnetic_cutoff) {
          while (expired < e.expired.size() && e.expired[expired].first < time) ++expired;
          return expired < e.expired.size() && e.expired[expired] == RowId(time, version);
        }
        return batch != nullptr && Listed(batch->time_nanos.data(), batch->versions.data(),
                                          batch->time_nanos.size(), &copied, time, version);
      }) + 1;
    }
  }
}

absl::Status TableStore::TrimEvictedLog(const Eviction& eviction) {
  uint64_t trim;
  {
    MutexLock lock(&mu_);
    trim = wal_coverage_.TrimPoint(eviction.cutoff, eviction.covered);
  }
  wanted_trim_ = std::max(wanted_trim_, trim);
  // Batches a forwarder has not sent stay, whatever the segments hold (engine/forward).
  if (hooks_.log_hold) trim = std::min(trim, hooks_.log_hold());
  return trim > 0 ? log_->TrimBefore(trim) : absl::OkStatus();
}

}  // namespace tsw::table
