#include "engine/scan/latest_scanner.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "engine/common/scan_predicate.h"
#include "engine/scan/chunk_copy.h"

namespace tsw::scan {
namespace {

using memstore::MeasureColumn;

// A memory row: chunk index and row within the column.
struct MemoryRow {
  uint32_t series = 0;
  uint32_t column = 0;  // MemStore column id.
  size_t chunk = 0;
  size_t row = 0;
  int64_t time = 0;
};

class LatestScanner {
 public:
  // Rows go to `visitor`, or into `gather` or `columns`, whichever is not null.
  LatestScanner(const memstore::MemStore& store, const model::TableSchema& schema,
                const ScanPredicate& predicate, const RowBatchVisitor* visitor,
                LatestRowSet* gather, LatestColumnsBuilder* columns)
      : store_(store),
        schema_(schema),
        predicate_(predicate),
        visitor_(visitor),
        gather_(gather),
        columns_(columns),
        strings_(store.strings().Pin()) {}

  // The last row in range of `column`; false if it has none.
  bool LastRow(const MeasureColumn& column, MemoryRow* out) const {
    const auto& chunks = column.chunks();
    const int64_t end = predicate_.end_time();
    // Most ranges end after the column's last row: then the last chunk and its last row,
    // without a search (whose every probe is a cache miss on a chunk of its own).
    if (chunks.empty()) return false;
    auto it = chunks.end();
    if (chunks.back()->times.front() >= end) {
      it = std::partition_point(chunks.begin(), chunks.end(),
                                [end](const auto& c) { return c->times.front() < end; });
    }
    if (it == chunks.begin()) return false;
    const MeasureColumn::Chunk& c = **(it - 1);
    const size_t row =
        c.times.back() < end
            ? c.times.size()
            : std::lower_bound(c.times.begin(), c.times.end(), end) - c.times.begin();
    if (row == 0) return false;  // Cannot happen: the chunk's first time is before `end`.
    out->chunk = static_cast<size_t>(it - 1 - chunks.begin());
    out->row = row - 1;
    out->time = c.times[row - 1];
    return out->time >= predicate_.start_time();
  }

  // Room for `rows` more rows in the output, when it is gathered.
  void Reserve(size_t rows) {
    if (columns_ != nullptr) columns_->Reserve(rows);
  }

  // Hands out one memory row as a one-row batch. False once the visitor asked to stop.
  bool EmitMemory(const MeasureColumn& column, const MemoryRow& at) {
    const memstore::Series& series = store_.series().at(at.series);
    const model::NameTable::Entry& measure =
        schema_.measures.at(static_cast<int32_t>(column.measure()));
    if (columns_ != nullptr) {
      columns_->AddMemory(series, measure.name, column, *column.chunks()[at.chunk], at.row,
                          strings_);
      return true;
    }
    if (gather_ != nullptr) {
      GatherMemory(column, at, series, measure.name);
      return true;
    }
    batch_.dimensions = series.dimensions;
    batch_.measure_name = measure.name;
    batch_.measure_value_type = column.type();
    batch_.time_nanos.clear();
    batch_.versions.clear();
    batch_.columns.resize(column.slot_count());
    const MeasureColumn::Chunk& chunk = *column.chunks()[at.chunk];
    AppendChunkTimes(chunk, at.row, 1, &batch_);
    for (size_t s = 0; s < column.slot_count(); ++s) {
      RowColumn& out = batch_.columns[s];
      out.name = column.multi()
                     ? schema_.attributes.at(static_cast<int32_t>(column.slot_attribute(s))).name
                     : measure.name;
      out.type = column.slot_type(s);
      out.doubles.clear();
      out.ints.clear();
      out.strings.clear();
      out.present.clear();
      AppendChunkSlot(strings_, column.multi(), chunk, s, at.row, 1, &out);
    }
    return (*visitor_)(batch_);
  }

  // EmitMemory's row into gather_, read straight from the chunk.
  void GatherMemory(const MeasureColumn& column, const MemoryRow& at,
                    const memstore::Series& series, const std::string& measure_name) {
    const MeasureColumn::Chunk& chunk = *column.chunks()[at.chunk];
    gather_->BeginRow(&series.dimensions, measure_name, column.type(), chunk.times[at.row],
                      chunk.versions[at.row]);
    for (size_t s = 0; s < column.slot_count(); ++s) {
      const std::string& name =
          column.multi()
              ? schema_.attributes.at(static_cast<int32_t>(column.slot_attribute(s))).name
              : measure_name;
      const MeasureValueType type = column.slot_type(s);
      const bool present = !column.multi() || chunk.present[s][at.row] != 0;
      const uint64_t bits = chunk.cells[s][at.row];
      absl::string_view text;
      if (type == MeasureValueType::kVarchar && present) {
        text = strings_.Get(static_cast<uint32_t>(bits));
      }
      gather_->AddCell(name, type, present, bits, text);
    }
  }

  // Hands out a segment row. False once the visitor asked to stop.
  bool EmitSegment(RowBatch& row) {
    if (columns_ != nullptr) {
      columns_->AddSegment(row);
      return true;
    }
    if (gather_ != nullptr) {
      gather_->Add(row, nullptr);
      return true;
    }
    return (*visitor_)(row);
  }

  // The id of the memory column of a magnetic stream's key, or kNoColumn. A stream's memo
  // (its LatestKey::memo, kept as long as its segments) remembers the answer with the
  // registry's instance(): the column's id (bit 31 set), or the store's column count when
  // the key had no column (valid until a column is added). Column ids are never reused
  // and a column's series, measure and type never change, so a remembered id needs no
  // check; a scan of a table whose memory settles every key then reads no segment key,
  // measure name or column index at all.
  uint32_t ColumnOf(const magnetic::MagneticStore::LatestKey& key) {
    const uint64_t instance = store_.series().instance();
    constexpr uint64_t kHeld = uint64_t{1} << 31;
    constexpr uint64_t kLow = kHeld - 1;
    if (key.memo != nullptr && instance != 0) {
      const uint64_t memo = key.memo->load(std::memory_order_relaxed);
      if (memo >> 32 == instance) {
        if ((memo & kHeld) != 0) return static_cast<uint32_t>(memo & kLow);
        if ((memo & kLow) == store_.column_count()) return kNoColumn;
      }
    }
    const uint32_t id = FindColumnOf(key);
    if (key.memo != nullptr && instance != 0 && store_.column_count() < kHeld) {
      const uint64_t low = id == kNoColumn ? store_.column_count() : kHeld | id;
      key.memo->store(instance << 32 | low, std::memory_order_relaxed);
    }
    return id;
  }

  static constexpr uint32_t kNoColumn = UINT32_MAX;

 private:
  const memstore::MemStore& store_;
  const model::TableSchema& schema_;
  const ScanPredicate& predicate_;
  const RowBatchVisitor* visitor_;
  LatestRowSet* gather_;
  LatestColumnsBuilder* columns_;
  const memstore::StringPool::Reader strings_;  // Read under the caller's shared lock.
  // ColumnOf's answer, looked up: the key's series by its canonical key, its measure by
  // name, their column, of the key's type.
  uint32_t FindColumnOf(const magnetic::MagneticStore::LatestKey& key) {
    const uint32_t series = store_.series().Find(
        key.series_hash, absl::string_view(key.series_key.data(), key.series_key.size()));
    if (series == memstore::SeriesRegistry::kAbsent) return kNoColumn;
    if (!have_measure_ || *key.measure_name != measure_name_) {
      measure_name_ = *key.measure_name;  // Most streams share a few measures.
      measure_ = schema_.measures.Find(measure_name_);
      have_measure_ = true;
    }
    if (measure_ == model::NameTable::kAbsent) return kNoColumn;
    const uint32_t id = store_.FindColumnId(series, static_cast<uint32_t>(measure_));
    if (id == kNoColumn || store_.column(id).type() != key.type) return kNoColumn;
    return id;
  }

  RowBatch batch_;
  bool have_measure_ = false;
  std::string measure_name_;
  int32_t measure_ = model::NameTable::kAbsent;
};

// The last row in range of each memory column of a series `predicate` matches, of a
// measure in `measures` (null: every measure), in registration order: into *settled when
// at or after `final_from` (no older tier can hold a later row), else into *pending.
void FindMemoryRows(const memstore::MemStore& store, const ScanPredicate& predicate,
                    const absl::flat_hash_set<uint32_t>* measures, int64_t final_from,
                    const LatestScanner& scanner,
                    std::vector<std::pair<const MeasureColumn*, MemoryRow>>* settled,
                    std::vector<std::pair<const MeasureColumn*, MemoryRow>>* pending) {
  const memstore::SeriesRegistry& registry = store.series();
  for (uint32_t id = 0; id < registry.size(); ++id) {
    const memstore::Series& series = registry.at(id);
    if (!predicate.SeriesMatches(series.dimensions)) continue;
    for (const uint32_t column_id : series.columns) {
      const MeasureColumn& column = store.column(column_id);
      if (measures != nullptr && !measures->contains(column.measure())) continue;
      if (column.rows() == 0) continue;
      MemoryRow at;
      at.series = id;
      at.column = column_id;
      if (!scanner.LastRow(column, &at)) continue;
      (at.time >= final_from ? settled : pending)->emplace_back(&column, at);
    }
  }
}

// Per-call vectors of ScanLatestInto, kept by the thread between calls so that a scan
// allocates none of them once warm (a latest-rows query reads about a hundred keys; the
// allocations were a good part of its cost). Nothing of one call's answer survives into
// the next: every vector is emptied first. A nested call on the same thread (a visitor
// scanning again) takes fresh vectors.
struct LatestScratch {
  std::vector<std::pair<const MeasureColumn*, MemoryRow>> settled;
  std::vector<std::pair<const MeasureColumn*, MemoryRow>> pending;
  // Per MemStore column id: kUnseen, kSettled, or kPendingBase + index into `pending`;
  // all kUnseen between calls.
  std::vector<uint32_t> state;
  bool in_use = false;
};
constexpr uint32_t kUnseen = 0, kSettled = 1, kPendingBase = 2;

// ScanLatest's rows to `visitor`, GatherLatest's into `gather` or GatherLatestColumns'
// into `columns` (the one not null).
absl::Status ScanLatestInto(const memstore::MemStore& store, const model::TableSchema& schema,
                            const magnetic::MagneticStore* magnetic, int64_t memory_complete_from,
                            const ScanRequest& request, const RowBatchVisitor* visitor,
                            LatestRowSet* gather, LatestColumnsBuilder* columns) {
  absl::StatusOr<ScanPredicate> predicate = ScanPredicate::Make(request);
  if (!predicate.ok()) return predicate.status();
  if (predicate->empty()) return absl::OkStatus();
  const absl::flat_hash_set<uint32_t> measures = model::MeasureIds(schema, request.measure_names);
  const bool read_magnetic = magnetic != nullptr && predicate->start_time() < memory_complete_from;
  LatestScanner scanner(store, schema, *predicate, visitor, gather, columns);

  thread_local LatestScratch thread_scratch;
  LatestScratch own_scratch;
  LatestScratch& scratch = thread_scratch.in_use ? own_scratch : thread_scratch;
  scratch.in_use = true;
  struct Release {
    LatestScratch* scratch;
    ~Release() {
      scratch->in_use = false;
      // Back to all kUnseen, touching only the keys this scan marked.
      std::vector<uint32_t>& state = scratch->state;
      for (const auto* rows : {&scratch->settled, &scratch->pending}) {
        for (const auto& entry : *rows) {
          if (entry.second.column < state.size()) state[entry.second.column] = kUnseen;
        }
      }
      // A thread keeps the row vectors of a scan of up to 4096 keys, not of the largest it
      // ran; `state` (4 bytes a column of the largest table scanned) stays.
      constexpr size_t kKept = 4096;
      if (scratch->settled.capacity() > kKept) decltype(scratch->settled)().swap(scratch->settled);
      if (scratch->pending.capacity() > kKept) decltype(scratch->pending)().swap(scratch->pending);
    }
  } release{&scratch};

  // Memory: a row at or after the cutoff is final; an older one waits for the segments'.
  // Both in registration order, so the answer's order does not depend on hashing.
  std::vector<std::pair<const MeasureColumn*, MemoryRow>>& settled = scratch.settled;
  std::vector<std::pair<const MeasureColumn*, MemoryRow>>& pending = scratch.pending;
  settled.clear();
  pending.clear();
  if (request.measure_names.empty() || !measures.empty()) {
    const int64_t final_from = read_magnetic ? memory_complete_from : INT64_MIN;
    FindMemoryRows(store, *predicate, request.measure_names.empty() ? nullptr : &measures,
                   final_from, scanner, &settled, &pending);
  }
  // Every memory row is known before any is handed out: the output grows once.
  scanner.Reserve(settled.size() + pending.size());
  for (const auto& [column, at] : settled) {
    if (!scanner.EmitMemory(*column, at)) return absl::OkStatus();
  }
  if (!read_magnetic) return absl::OkStatus();
  std::vector<uint32_t>& state = scratch.state;
  // All kUnseen between scans (Release resets what a scan marks): grown, never cleared, so
  // a scan of a few keys of a large table does not pay for every column.
  if (state.size() < store.column_count()) state.resize(store.column_count(), kUnseen);
  for (const auto& entry : settled) state[entry.second.column] = kSettled;
  for (size_t i = 0; i < pending.size(); ++i) {
    state[pending[i].second.column] = kPendingBase + static_cast<uint32_t>(i);
  }

  // The segments, for the keys memory did not settle. Their rows at or after the cutoff
  // are in memory too, so the range ends there. Every field of the request but the
  // attributes (MagneticStore::ScanLatest returns a row's every column, and copying the
  // names costs an allocation each).
  ScanRequest older;
  older.database_name = request.database_name;
  older.table_name = request.table_name;
  older.start_time_nanos = request.start_time_nanos;
  older.end_time_nanos = std::min(request.end_time_nanos, memory_complete_from);
  older.measure_names = request.measure_names;
  older.dimension_filters = request.dimension_filters;
  older.max_rows_per_batch = request.max_rows_per_batch;
  older.latest_only = request.latest_only;
  // What the two callbacks share, behind one pointer: a std::function holds a callable
  // of one or two pointers without allocating.
  struct SegmentPass {
    LatestScanner* scanner;
    std::vector<uint32_t>* state;
    std::vector<std::pair<const MeasureColumn*, MemoryRow>>* pending;
    // The column of the stream `wanted` accepted last: its row, if any, comes next.
    uint32_t wanted_column = LatestScanner::kNoColumn;
    bool stopped = false;
  } pass{&scanner, &state, &pending};
  absl::Status s = magnetic->ScanLatest(
      older,
      [p = &pass](const magnetic::MagneticStore::LatestKey& key) {
        p->wanted_column = p->scanner->ColumnOf(key);
        return p->wanted_column == LatestScanner::kNoColumn ||
               (*p->state)[p->wanted_column] != kSettled;
      },
      [p = &pass](RowBatch& row) {
        std::vector<uint32_t>& state = *p->state;
        const uint32_t id = p->wanted_column;
        if (id != LatestScanner::kNoColumn && state[id] >= kPendingBase) {
          std::pair<const MeasureColumn*, MemoryRow>& entry =
              (*p->pending)[state[id] - kPendingBase];
          state[id] = kUnseen;
          const MeasureColumn* column = entry.first;
          const MemoryRow at = entry.second;
          entry.first = nullptr;  // Settled here.
          // Equal times: the memory row is the newest Version of its key.
          if (at.time >= row.time_nanos[0]) {
            p->stopped = !p->scanner->EmitMemory(*column, at);
            return !p->stopped;
          }
        }
        p->stopped = !p->scanner->EmitSegment(row);
        return !p->stopped;
      });
  if (!s.ok() || pass.stopped) return s;
  // Memory rows older than the cutoff whose keys the segments do not hold in range.
  for (const auto& [column, at] : pending) {
    if (column != nullptr && !scanner.EmitMemory(*column, at)) break;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ScanLatest(const memstore::MemStore& store, const model::TableSchema& schema,
                        const magnetic::MagneticStore* magnetic, int64_t memory_complete_from,
                        const ScanRequest& request, const RowBatchVisitor& visitor) {
  return ScanLatestInto(store, schema, magnetic, memory_complete_from, request, &visitor, nullptr,
                        nullptr);
}

absl::Status GatherLatest(const memstore::MemStore& store, const model::TableSchema& schema,
                          const magnetic::MagneticStore* magnetic, int64_t memory_complete_from,
                          const ScanRequest& request, LatestRowSet* rows) {
  return ScanLatestInto(store, schema, magnetic, memory_complete_from, request, nullptr, rows,
                        nullptr);
}

absl::Status GatherLatestColumns(const memstore::MemStore& store, const model::TableSchema& schema,
                                 const magnetic::MagneticStore* magnetic,
                                 int64_t memory_complete_from, const ScanRequest& request,
                                 const std::vector<LatestColumnSpec>& specs, LatestColumns* out) {
  LatestColumnsBuilder builder(schema, specs, out);
  absl::Status s = ScanLatestInto(store, schema, magnetic, memory_complete_from, request, nullptr,
                                  nullptr, &builder);
  builder.Finish();
  return s;
}

}  // namespace tsw::scan
