#include "engine/ingest/batch_applier.h"

#include <algorithm>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "engine/ingest/byte_compare.h"
#include "engine/model/series_key.h"

namespace tsw::ingest {
namespace {

using memstore::MeasureColumn;
using memstore::SeriesRegistry;
using memstore::StringPool;

// Stands for a VARCHAR the pool has never seen: unequal to every stored cell.
constexpr uint64_t kUnseenString = UINT64_MAX;

// Equal contents; views of the same bytes (a CommonAttributes field, a reused series key)
// are recognized without comparing them.
inline bool SameView(absl::string_view a, absl::string_view b) { return SameBytes(a, b); }

// A value as a cell to compare with stored ones, interning nothing: a string the pool has
// never seen differs from every stored cell.
uint64_t CellToCompare(const ParsedValue& v, const StringPool& strings) {
  if (v.type != MeasureValueType::kVarchar) return v.bits;
  const uint32_t id = strings.Find(v.text);
  return id == StringPool::kAbsent ? kUnseenString : id;
}

// The Version rule's rejection: a different value at a Version not above the stored one.
void RejectNotHigher(const ParsedRecord& rec, int64_t existing,
                     std::vector<RejectedRecord>* rejected) {
  rejected->push_back({rec.index,
                       absl::StrCat("A record with the same dimensions, measure name and time "
                                    "exists with Version ",
                                    existing, " and a different value; Version ", rec.version,
                                    " is not higher, so it does not replace it."),
                       existing});
}

}  // namespace

BatchApplier::BatchApplier(model::TableSchema* schema, memstore::MemStore* store)
    : schema_(schema), store_(store) {}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void BatchApplier::FillCells(
    const MeasureColumn& column, absl::Span<const ParsedValue> values, const uint32_t* slots) {
  StringPool& strings = store_->strings();
  if (!column.multi()) {
    const ParsedValue& v = values[0];
    // Each vector on its own: the Version comparison sizes cells_ alone (to the stored
    // row's column), so in an applier whose first row met a stored one (copied in from a
    // segment, with no batch replayed before) cells_ has a slot while codes_ has none.
    if (cells_.empty()) cells_.resize(1);
    if (codes_.empty()) codes_.resize(1);
    cells_[0] = v.type == MeasureValueType::kVarchar ? strings.Intern(v.text) : v.bits;
    codes_[0] = v.decimal;
    return;
  }
  cells_.resize(column.slot_count());
  codes_.resize(column.slot_count());
  present_.resize(column.slot_count());
  if (values.size() != column.slot_count()) {
    std::fill(cells_.begin(), cells_.end(), 0);
    std::fill(codes_.begin(), codes_.end(), 0);  // 0.0's code, for absent DOUBLEs.
    std::fill(present_.begin(), present_.end(), 0);
  }  // Else every slot is written below (attribute names are unique).
  // Raw pointers: a byte store may alias anything, so vector members would be reloaded.
  uint64_t* const cells = cells_.data();
  uint32_t* const codes = codes_.data();
  uint8_t* const present = present_.data();
  const size_t n = values.size();
  for (size_t i = 0; i < n; ++i) {
    const ParsedValue& v = values[i];
    const uint32_t slot = slots[i];
    cells[slot] = v.type == MeasureValueType::kVarchar ? strings.Intern(v.text) : v.bits;
    codes[slot] = v.decimal;  // Read for DOUBLE slots only.
    present[slot] = 1;
  }
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void BatchApplier::StoreRow(
    MeasureColumn* column, MeasureColumn::Position position, const ParsedRecord& rec,
    absl::Span<const ParsedValue> values) {
  FillCells(*column, values, value_slots_.data());
  const uint8_t* present = column->multi() ? present_.data() : nullptr;
  if (position.found) {
    column->Overwrite(position, rec.version, cells_.data(), present, codes_.data());
  } else {
    column->Insert(position, rec.time_nanos, rec.version, cells_.data(), present, codes_.data());
  }
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void BatchApplier::LogRow(
    uint32_t series_slot, uint32_t measure_slot, const ParsedRecord& rec,
    absl::Span<const ParsedValue> values) {
  encoder_.Row(series_slot, measure_slot, rec.time_nanos, rec.version);
  if (rec.type != MeasureValueType::kMulti) {
    encoder_.Value(values[0].type, values[0].bits, values[0].text);
  } else {
    encoder_.MultiValues(attribute_slots_.data(), values.data(), values.size());
  }
}

bool BatchApplier::BlockRow(const ParsedBatch& batch, const ParsedRecord& rec,
                            const MeasureColumn& column) {
  if (rec.type == MeasureValueType::kVarchar) return false;
  if (rec.type == MeasureValueType::kMulti) {
    // Every slot filled (no presence to record), no string to intern.
    if (rec.values_count != column.slot_count()) return false;
    for (const ParsedValue& v : batch.values_of(rec)) {
      if (v.type == MeasureValueType::kVarchar) return false;
    }
  }
  return true;
}

size_t BatchApplier::AppendableRun(const ParsedBatch& batch, size_t r,
                                   const MeasureColumn& column) const {
  const ParsedRecord* const records = batch.records.data();
  const ParsedRecord& first = records[r];
  if (!column.Appends(first.time_nanos) || !BlockRow(batch, first, column)) return 1;
  const size_t m = first.values_count;
  // like_previous: the same series, measure and attribute names and types as the record
  // before. The values of consecutive records are consecutive in the batch.
  const size_t count = batch.records.size();
  size_t end = r + 1;
  while (end < count && records[end].like_previous &&
         records[end].time_nanos > records[end - 1].time_nanos &&
         records[end].values_begin == records[end - 1].values_begin + m) {
    ++end;
  }
  return end - r;
}

void BatchApplier::AppendRun(const ParsedBatch& batch, size_t r, size_t n, MeasureColumn* column) {
  const ParsedRecord* records = batch.records.data() + r;
  const ParsedValue* values = batch.values.data() + records->values_begin;
  const size_t m = records->values_count;
  const bool multi = records->type == MeasureValueType::kMulti;
  // Slot s holds value slot_values_[s] of a record (value_slots_ inverted).
  slot_values_.resize(m);
  if (!multi) slot_values_[0] = 0;
  for (size_t i = 0; multi && i < m; ++i) slot_values_[value_slots_[i]] = static_cast<uint32_t>(i);
  const uint32_t* const slot_values = slot_values_.data();
  while (n > 0) {
    size_t k = column->AppendRows(
        n, [records](size_t i) { return records[i].time_nanos; },
        [records](size_t i) { return records[i].version; },
        [values, m, slot_values](size_t i, size_t s) {
          return values[i * m + slot_values[s]].bits;
        },
        [values, m, slot_values](size_t i, size_t s) {
          return values[i * m + slot_values[s]].decimal;
        });
    if (k == 0) {  // The tail chunk is full: Insert makes room for the row.
      StoreRow(column, column->Locate(records->time_nanos), *records,
               absl::MakeConstSpan(values, m));
      k = 1;
    }
    records += k;
    values += k * m;
    n -= k;
  }
}

void BatchApplier::LogRun(uint32_t series_slot, uint32_t measure_slot, const ParsedBatch& batch,
                          size_t r, size_t n) {
  const ParsedRecord& first = batch.records[r];
  encoder_.Rows(series_slot, measure_slot, &first, n, batch.values.data() + first.values_begin,
                first.values_count,
                first.type == MeasureValueType::kMulti ? attribute_slots_.data() : nullptr);
}

bool BatchApplier::PendingPrecede(const ParsedBatch& batch, size_t r, uint32_t series_slot,
                                  uint32_t measure_slot) const {
  if (pending_count_ == 0 || pending_first_ + pending_count_ != r ||
      measure_slot != pending_measure_slot_) {
    return false;
  }
  const ParsedRecord& rec = batch.records[r];
  const ParsedRecord& before = batch.records[r - 1];
  // The values of the block's rows must follow each other in the batch, all rows alike.
  if (rec.values_count != before.values_count ||
      rec.values_begin != before.values_begin + rec.values_count) {
    return false;
  }
  return std::all_of(pending_series_slots_.begin(), pending_series_slots_.end(),
                     [series_slot](uint32_t s) { return s == series_slot; });
}

void BatchApplier::LogPending(const ParsedBatch& batch) {
  if (pending_count_ == 0) return;
  const uint32_t* const series = pending_series_slots_.data();
  if (pending_count_ == 1) {
    const ParsedRecord& rec = batch.records[pending_first_];
    LogRow(series[0], pending_measure_slot_, rec, batch.values_of(rec));
  } else if (std::all_of(series + 1, series + pending_count_,
                         [first = series[0]](uint32_t s) { return s == first; })) {
    LogRun(series[0], pending_measure_slot_, batch, pending_first_, pending_count_);
  } else {
    const ParsedRecord& first = batch.records[pending_first_];
    encoder_.SeriesRows(series, pending_measure_slot_, &first, pending_count_,
                        batch.values.data() + first.values_begin, first.values_count,
                        first.type == MeasureValueType::kMulti ? attribute_slots_.data() : nullptr);
  }
  pending_count_ = 0;
  pending_series_slots_.clear();
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void BatchApplier::LogOrPend(const ParsedBatch& batch, size_t r,
                                                                 const MeasureColumn& column,
                                                                 uint32_t series_slot,
                                                                 uint32_t measure_slot) {
  const ParsedRecord* const records = batch.records.data();
  const ParsedRecord& rec = records[r];
  const bool block_row = BlockRow(batch, rec, column);
  // Right after the pending rows, of their measure (so of their type and, MULTI, with the
  // attribute slots they are logged with: LogAccepted logs them before those change), and
  // its values right after the previous record's.
  if (block_row && pending_count_ > 0 && pending_first_ + pending_count_ == r &&
      measure_slot == pending_measure_slot_ && rec.values_count == records[r - 1].values_count &&
      rec.values_begin == records[r - 1].values_begin + rec.values_count) {
    ++pending_count_;
    pending_series_slots_.push_back(series_slot);
    return;
  }
  LogPending(batch);
  if (block_row) {
    pending_first_ = r;
    pending_count_ = 1;
    pending_measure_slot_ = measure_slot;
    pending_series_slots_.push_back(series_slot);
  } else {
    LogRow(series_slot, measure_slot, rec, batch.values_of(rec));
  }
}

// Apply's caches. Consecutive records usually share their series or measure
// (CommonAttributes, runs of one series): the last ones found are checked before any
// hash lookup. A local of Apply handed to its phases, which are inlined into its loop,
// so the fields live in registers. (The per-record attribute caches are vectors, members
// of the applier to keep their capacity: attribute_names_, cached_ids_, cached_types_.)
struct BatchApplier::ApplyCache {
  absl::string_view measure;
  MeasureValueType type = MeasureValueType::kDouble;
  int32_t measure_id = model::NameTable::kAbsent;
  absl::string_view key;
  uint64_t series_hash = 0;  // Of `key`: a record of another series differs here first.
  uint32_t series_id = SeriesRegistry::kAbsent;
  // The column of (series_id, measure_id): Apply adds columns but never removes one, so
  // the pointer stays valid for the request.
  MeasureColumn* column = nullptr;
  // The column value_slots_ was computed for, with the cached attributes' ids.
  const MeasureColumn* slots_column = nullptr;
  // The index of the last record that reached the store (inserted or replaced a row).
  // While it is the one just before, a like_previous record has its measure, series,
  // column, attribute ids, value slots and payload slots in the caches.
  size_t last_stored = SIZE_MAX;
  // Where that record rewrote a row in place, if it did (found: true): a rewrite moves no
  // row, so while it is the last record stored the next one of its column, at a later
  // time, is searched for from there (LocateAfter).
  MeasureColumn::Position rewritten;
};

// What the checks of one record found, for the phases after them.
struct BatchApplier::Resolved {
  int32_t measure_id = model::NameTable::kAbsent;  // kAbsent: a new measure name.
  uint32_t series_id = SeriesRegistry::kAbsent;    // kAbsent: a new series (dimensions_).
  // Every attribute is the previous accepted MULTI record's, in its position.
  bool cached_attributes = false;
  absl::string_view key;
  MeasureColumn* column = nullptr;   // Null if the series or measure is new.
  MeasureColumn::Position position;  // rec's time in `column`.
};

void BatchApplier::Apply(const ParsedBatch& batch, const Quotas& quotas, uint64_t sequence,
                         std::vector<RejectedRecord>* rejected, absl::string_view* payload,
                         ApplyResult* result) {
  *result = ApplyResult();
  encoder_.Begin();
  ApplyCache cache;
  attribute_names_.clear();
  cached_ids_.clear();
  cached_types_.clear();
  logged_attribute_ids_.clear();  // Attribute slots are per payload.
  pending_count_ = 0;
  pending_series_slots_.clear();
  const size_t count = batch.records.size();
  for (size_t r = 0; r < count; ++r) {
    const ParsedRecord& rec = batch.records[r];
    if (rec.like_previous && cache.last_stored + 1 == r) {
      r = ApplyLikePrevious(batch, r, &cache, rejected, result);
      continue;
    }
    const absl::Span<const ParsedValue> values = batch.values_of(rec);
    Resolved resolved;
    if (!CheckSchema(batch, r, values, quotas, cache, &resolved, rejected)) continue;
    if (!ResolveVersion(rec, values, cache, &resolved, rejected, result)) continue;
    Commit(rec, values, sequence, &cache, &resolved, result);
    LogAccepted(batch, r, resolved);
    cache.last_stored = r;
    cache.rewritten = resolved.position.found ? resolved.position : MeasureColumn::Position();
  }
  LogPending(batch);
  *payload = encoder_.Finish();
  result->logged = encoder_.records();
  if (result->logged == 0) *payload = absl::string_view();
}

// A row of the previous record's column: everything about the record but its time,
// Version and values is in the caches. Stores a run of appends at once when it can.
// Returns the index of the last record it took.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline size_t BatchApplier::ApplyLikePrevious(
    const ParsedBatch& batch, size_t r, ApplyCache* cache, std::vector<RejectedRecord>* rejected,
    ApplyResult* result) {
  const ParsedRecord& rec = batch.records[r];
  const absl::Span<const ParsedValue> values = batch.values_of(rec);
  MeasureColumn* column = cache->column;
  if (const size_t n = AppendableRun(batch, r, *column); n > 1) {
    const uint32_t series_slot = encoder_.SeriesSlot(cache->series_id, batch.key(rec));
    const uint32_t measure_slot =
        encoder_.MeasureSlot(static_cast<uint32_t>(cache->measure_id), rec.type, rec.measure_name);
    // Rows pending right before, of this column (a request's first record, whose checks
    // took the long way, or rewrites of recent points): logged in the run's block, ahead
    // of it, rather than as a row or block of their own.
    size_t first = r;
    if (PendingPrecede(batch, r, series_slot, measure_slot)) {
      first = pending_first_;
      pending_count_ = 0;
      pending_series_slots_.clear();
    } else {
      LogPending(batch);
    }
    AppendRun(batch, r, n, column);
    LogRun(series_slot, measure_slot, batch, first, r + n - first);
    result->memory_store += static_cast<int32_t>(n);
    cache->last_stored = r + n - 1;
    cache->rewritten = MeasureColumn::Position();
    return cache->last_stored;
  }
  // Rewrites of recent points usually come in time order: after one, the next is a few
  // rows on.
  const MeasureColumn::Position position =
      cache->rewritten.found && rec.time_nanos > batch.records[r - 1].time_nanos
          ? column->LocateAfter(rec.time_nanos, cache->rewritten)
          : column->Locate(rec.time_nanos);
  if (position.found) {
    const int64_t existing = column->VersionAt(position);
    if (rec.version <= existing) {
      // The Version rules. The cells go in the previous record's layout: its FillCells
      // sized cells_ and present_ for this column and zeroed the slots these values do
      // not fill.
      const bool multi = rec.type == MeasureValueType::kMulti;
      const StringPool& pool = store_->strings();
      for (size_t i = 0; i < values.size(); ++i) {
        cells_[multi ? value_slots_[i] : 0] = CellToCompare(values[i], pool);
      }
      if (column->RowEquals(position, cells_.data(), present_.data())) {
        result->memory_store++;  // An idempotent re-send.
      } else {
        RejectNotHigher(rec, existing, rejected);
      }
      return r;
    }
  }
  StoreRow(column, position, rec, values);
  result->memory_store++;  // like_previous records are never magnetic.
  // Rows stored one by one in one column (rewrites of recent points, most often) are
  // logged together as a block when they can be, as runs of appends are.
  const ParsedRecord* const records = batch.records.data();
  if (pending_count_ > 0 && pending_first_ + pending_count_ == r &&
      rec.values_begin == records[r - 1].values_begin + rec.values_count) {
    // Like the previous record (its series and measure), so a block row too.
    ++pending_count_;
    pending_series_slots_.push_back(pending_series_slots_.back());
  } else {
    const uint32_t series_slot = encoder_.SeriesSlot(cache->series_id, batch.key(rec));
    const uint32_t measure_slot =
        encoder_.MeasureSlot(static_cast<uint32_t>(cache->measure_id), rec.type, rec.measure_name);
    LogOrPend(batch, r, *column, series_slot, measure_slot);
  }
  cache->last_stored = r;
  cache->rewritten = position;  // (found: false if it inserted a row.)
  return r;
}

// Checks against the schema: the measure's type, the MULTI attributes' types, the
// table's name quotas. Changes nothing; false if it rejected the record.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool BatchApplier::CheckSchema(
    const ParsedBatch& batch, size_t rec_slot, absl::Span<const ParsedValue> values,
    const Quotas& quotas, const ApplyCache& cache, Resolved* resolved,
    std::vector<RejectedRecord>* rejected) {
  const ParsedRecord& rec = batch.records[rec_slot];
  model::NameTable& measures = schema_->measures;
  if (rec.same_shape && cache.last_stored + 1 == rec_slot) {
    // Shaped like the record just stored: its measure and attributes (ids and types) are
    // the caches', checked when it was, and attribute_ids_ still holds its ids. At 10,000
    // series every record comes here, with another series than the one before.
    resolved->measure_id = cache.measure_id;
    resolved->cached_attributes = rec.type == MeasureValueType::kMulti;
  } else if (cache.measure_id != model::NameTable::kAbsent && rec.type == cache.type &&
             SameView(rec.measure_name, cache.measure)) {
    resolved->measure_id = cache.measure_id;
  } else {
    resolved->measure_id = measures.Find(rec.measure_name);
    if (resolved->measure_id == model::NameTable::kAbsent) {
      if (measures.size() >= static_cast<size_t>(quotas.max_measure_names_per_table)) {
        rejected->push_back({rec.index,
                             absl::StrCat("Measure '", rec.measure_name,
                                          "' would be new, but the table already has ",
                                          measures.size(), " measure names, the most allowed."),
                             std::nullopt});
        return false;
      }
    } else if (measures.at(resolved->measure_id).type != rec.type) {
      rejected->push_back(
          {rec.index,
           absl::StrCat("Measure '", rec.measure_name, "' has type ",
                        model::Spelling(measures.at(resolved->measure_id).type),
                        " in this table; the record's type ", model::Spelling(rec.type),
                        " conflicts with it (a measure keeps its first type)."),
           std::nullopt});
      return false;
    }
  }
  if (rec.type == MeasureValueType::kMulti && !resolved->cached_attributes &&
      !CheckAttributes(rec, values, &resolved->cached_attributes, rejected)) {
    return false;
  }
  resolved->key = batch.key(rec);
  if (cache.series_id != SeriesRegistry::kAbsent && rec.series_hash == cache.series_hash &&
      SameView(resolved->key, cache.key)) {
    resolved->series_id = cache.series_id;
    return true;
  }
  resolved->series_id = store_->series().Find(rec.series_hash, resolved->key);
  if (resolved->series_id != SeriesRegistry::kAbsent) return true;
  // A new series (rare in steady state): its dimensions come from its key.
  model::NameTable& dimensions = schema_->dimensions;
  model::DecodeSeriesKey(resolved->key, &dimensions_);
  size_t new_names = 0;
  for (const Dimension& d : dimensions_) {
    new_names += dimensions.Find(d.name) == model::NameTable::kAbsent;
  }
  if (dimensions.size() + new_names > static_cast<size_t>(quotas.max_dimensions_per_table)) {
    rejected->push_back(
        {rec.index,
         absl::StrCat("The record's ", new_names,
                      " new dimension names would take the table past its limit of ",
                      quotas.max_dimensions_per_table, " (it has ", dimensions.size(), ")."),
         std::nullopt});
    return false;
  }
  return true;
}

// A MULTI record's attributes: their ids into attribute_ids_ (kAbsent if new) and types
// that agree with the schema's. *cached: true while every attribute is the previous
// accepted MULTI record's, in its position.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool BatchApplier::CheckAttributes(
    const ParsedRecord& rec, absl::Span<const ParsedValue> values, bool* cached,
    std::vector<RejectedRecord>* rejected) {
  model::NameTable& attributes = schema_->attributes;
  *cached = values.size() == cached_ids_.size();
  attribute_ids_.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    // The previous MULTI record's attribute in the same position is the usual match; its
    // schema type is cached with it.
    int32_t id;
    MeasureValueType known;
    if (i < cached_ids_.size() && SameView(values[i].name, attribute_names_[i])) {
      id = cached_ids_[i];
      known = cached_types_[i];
    } else {
      *cached = false;
      id = attributes.Find(values[i].name);
      known = id == model::NameTable::kAbsent ? values[i].type : attributes.at(id).type;
    }
    attribute_ids_[i] = id;
    if (known != values[i].type) {
      rejected->push_back({rec.index,
                           absl::StrCat("MULTI attribute '", values[i].name, "' has type ",
                                        model::Spelling(attributes.at(id).type),
                                        " in this table; the record's type ",
                                        model::Spelling(values[i].type), " conflicts with it."),
                           std::nullopt});
      return false;
    }
  }
  return true;
}

// The Version rules against the row at the record's time, if its column has one. True if
// the record goes on to be stored (no row, or a higher Version); false if it is settled:
// an idempotent re-send (counted) or rejected.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool BatchApplier::ResolveVersion(
    const ParsedRecord& rec, absl::Span<const ParsedValue> values, const ApplyCache& cache,
    Resolved* resolved, std::vector<RejectedRecord>* rejected, ApplyResult* result) {
  if (resolved->series_id == SeriesRegistry::kAbsent ||
      resolved->measure_id == model::NameTable::kAbsent) {
    return true;
  }
  MeasureColumn* const column = cache.column != nullptr && resolved->series_id == cache.series_id &&
                                        resolved->measure_id == cache.measure_id
                                    ? cache.column
                                    : store_->FindColumn(resolved->series_id, resolved->measure_id);
  resolved->column = column;
  if (column == nullptr) return true;
  resolved->position = column->Locate(rec.time_nanos);
  const MeasureColumn::Position position = resolved->position;
  const int64_t existing = position.found ? column->VersionAt(position) : 0;
  // Else absent, or a higher Version: it replaces the value (an equal value is rewritten
  // as is).
  if (!position.found || rec.version > existing) return true;
  // Only a record that does not raise the Version is compared: the same value is an
  // idempotent re-send. Build the record's cells in the column's layout without
  // interning anything; a value or attribute the store has never seen makes the record
  // differ.
  const StringPool& strings = store_->strings();
  bool same = true;
  cells_.assign(column->slot_count(), 0);
  if (rec.type != MeasureValueType::kMulti) {
    cells_[0] = CellToCompare(values[0], strings);
  } else {
    present_.assign(column->slot_count(), 0);
    for (size_t i = 0; i < values.size() && same; ++i) {
      const int slot = attribute_ids_[i] == model::NameTable::kAbsent
                           ? -1
                           : column->FindSlot(static_cast<uint32_t>(attribute_ids_[i]), i);
      if (slot < 0) {
        same = false;
        break;
      }
      cells_[slot] = CellToCompare(values[i], strings);
      present_[slot] = 1;
    }
  }
  same = same && column->RowEquals(position, cells_.data(), present_.data());
  if (same) {  // An idempotent re-send: success, nothing changes.
    (rec.magnetic ? result->magnetic_store : result->memory_store)++;
  } else {
    RejectNotHigher(rec, existing, rejected);
  }
  return false;
}

// The record is accepted: commits its schema entries, series and column (and the caches
// that now describe them), then its row.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void BatchApplier::Commit(const ParsedRecord& rec,
                                                              absl::Span<const ParsedValue> values,
                                                              uint64_t sequence, ApplyCache* cache,
                                                              Resolved* resolved,
                                                              ApplyResult* result) {
  const bool multi = rec.type == MeasureValueType::kMulti;
  if (resolved->measure_id == model::NameTable::kAbsent) {
    resolved->measure_id = schema_->measures.Add(rec.measure_name, rec.type, sequence);
    result->schema_grew = true;
  }
  cache->measure = rec.measure_name;
  cache->type = rec.type;
  cache->measure_id = resolved->measure_id;
  if (multi && !resolved->cached_attributes) {  // (Else the cache holds these already.)
    model::NameTable& attributes = schema_->attributes;
    attribute_names_.resize(values.size());
    cached_ids_.resize(values.size());
    cached_types_.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      if (attribute_ids_[i] == model::NameTable::kAbsent) {
        attribute_ids_[i] = attributes.Add(values[i].name, values[i].type, sequence);
        result->schema_grew = true;
      }
      attribute_names_[i] = values[i].name;
      cached_ids_[i] = attribute_ids_[i];
      cached_types_[i] = values[i].type;  // Its schema type, now.
    }
  }
  if (resolved->series_id == SeriesRegistry::kAbsent) {
    model::NameTable& dimensions = schema_->dimensions;
    for (const Dimension& d : dimensions_) {  // Decoded by CheckSchema.
      if (dimensions.Find(d.name) == model::NameTable::kAbsent) {
        dimensions.Add(d.name, MeasureValueType::kVarchar, sequence);
        result->schema_grew = true;
      }
    }
    resolved->series_id =
        store_->series().Add(rec.series_hash, resolved->key, std::move(dimensions_));
    dimensions_.clear();
  }
  cache->key = resolved->key;
  cache->series_hash = rec.series_hash;
  cache->series_id = resolved->series_id;
  MeasureColumn* column = resolved->column;
  if (column == nullptr) {
    column = store_->AddColumn(resolved->series_id, resolved->measure_id, rec.type);
    resolved->column = column;
  }
  cache->column = column;
  // Slots only ever get added, so the cached attributes keep their slots in a column.
  if (multi && !(resolved->cached_attributes && column == cache->slots_column)) {
    cache->slots_column = column;
    value_slots_.resize(values.size());
    // Usually the column's slots are the attributes in order (the column was made for
    // records of this shape): one compare instead of a FindSlot each.
    if (column->SlotsAre(reinterpret_cast<const uint32_t*>(attribute_ids_.data()), values.size())) {
      for (size_t i = 0; i < values.size(); ++i) value_slots_[i] = static_cast<uint32_t>(i);
    } else {
      for (size_t i = 0; i < values.size(); ++i) {
        const uint32_t attribute = static_cast<uint32_t>(attribute_ids_[i]);
        const int slot = column->FindSlot(attribute, i);
        value_slots_[i] = slot >= 0
                              ? static_cast<uint32_t>(slot)
                              : static_cast<uint32_t>(column->AddSlot(attribute, values[i].type));
      }
    }
  }
  StoreRow(column, resolved->position, rec, values);
  (rec.magnetic ? result->magnetic_store : result->memory_store)++;
}

// Logs an accepted record (record r). Definitions first: they may not interrupt a row,
// and go before the pending rows' block, which is written when it ends.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void BatchApplier::LogAccepted(const ParsedBatch& batch,
                                                                   size_t r,
                                                                   const Resolved& resolved) {
  const ParsedRecord& rec = batch.records[r];
  const absl::Span<const ParsedValue> values = batch.values_of(rec);
  const uint32_t series_slot = encoder_.SeriesSlot(resolved.series_id, resolved.key);
  const uint32_t measure_slot =
      encoder_.MeasureSlot(resolved.measure_id, rec.type, rec.measure_name);
  // The previous logged MULTI record usually had the same attributes: same slots.
  if (rec.type == MeasureValueType::kMulti && !(logged_attribute_ids_ == attribute_ids_)) {
    LogPending(batch);  // Logged with the slots they were stored with.
    attribute_slots_.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      attribute_slots_[i] = encoder_.AttributeSlot(static_cast<uint32_t>(attribute_ids_[i]),
                                                   values[i].type, values[i].name);
    }
    logged_attribute_ids_ = attribute_ids_;
  }
  LogOrPend(batch, r, *resolved.column, series_slot, measure_slot);
}

absl::Status BatchApplier::Replay(absl::string_view payload, uint64_t sequence) {
  model::NameTable& measures = schema_->measures;
  model::NameTable& attributes = schema_->attributes;
  model::NameTable& dimensions = schema_->dimensions;
  SeriesRegistry& registry = store_->series();
  slot_series_.clear();
  slot_measures_.clear();
  slot_attributes_.clear();
  if (absl::Status s = decoder_.Reset(payload); !s.ok()) return s;
  BatchDecoder::Event& e = event_;
  while (true) {
    if (absl::Status s = decoder_.Next(&e); !s.ok()) return s;
    switch (e.kind) {
      case BatchDecoder::Kind::kEnd:
        return absl::OkStatus();
      case BatchDecoder::Kind::kSeries: {
        const uint64_t hash = model::HashSeriesKey(e.key);
        uint32_t id = registry.Find(hash, e.key);
        if (id == SeriesRegistry::kAbsent) {
          std::vector<Dimension> dims;
          if (!model::DecodeSeriesKey(e.key, &dims)) {
            return InternalError("WAL batch is malformed: bad series key");
          }
          for (const Dimension& d : dims) {
            if (dimensions.Find(d.name) == model::NameTable::kAbsent) {
              dimensions.Add(d.name, MeasureValueType::kVarchar, sequence);
            }
          }
          id = registry.Add(hash, e.key, std::move(dims));
        }
        slot_series_.push_back(id);
        break;
      }
      case BatchDecoder::Kind::kMeasure:
      case BatchDecoder::Kind::kAttribute: {
        model::NameTable& table = e.kind == BatchDecoder::Kind::kMeasure ? measures : attributes;
        int32_t id = table.Find(e.name);
        if (id == model::NameTable::kAbsent) {
          id = table.Add(e.name, e.type, sequence);
        } else if (table.at(id).type != e.type) {
          return InternalError(absl::StrCat("WAL batch ", sequence, " gives '", e.name, "' type ",
                                            model::Spelling(e.type), ", but the schema has ",
                                            model::Spelling(table.at(id).type)));
        }
        (e.kind == BatchDecoder::Kind::kMeasure ? slot_measures_ : slot_attributes_)
            .push_back(static_cast<uint32_t>(id));
        break;
      }
      case BatchDecoder::Kind::kRow: {
        const uint32_t series_id = slot_series_[e.series_slot];
        const uint32_t measure_id = slot_measures_[e.measure_slot];
        const MeasureValueType type = measures.at(static_cast<int32_t>(measure_id)).type;
        MeasureColumn* column = store_->FindColumn(series_id, measure_id);
        if (column == nullptr) column = store_->AddColumn(series_id, measure_id, type);
        StringPool& strings = store_->strings();
        if (type != MeasureValueType::kMulti) {
          const DecodedValue& v = e.values[0];
          cells_.assign(1, v.type == MeasureValueType::kVarchar ? strings.Intern(v.text) : v.bits);
          codes_.assign(1, v.decimal);
          column->Upsert(e.time_nanos, e.version, cells_.data(), nullptr, codes_.data());
          break;
        }
        for (size_t i = 0; i < e.values.size(); ++i) {
          const uint32_t attribute = slot_attributes_[e.values[i].attribute_slot];
          if (column->FindSlot(attribute, i) < 0) column->AddSlot(attribute, e.values[i].type);
        }
        cells_.assign(column->slot_count(), 0);
        codes_.assign(column->slot_count(), 0);
        present_.assign(column->slot_count(), 0);
        for (size_t i = 0; i < e.values.size(); ++i) {
          const DecodedValue& v = e.values[i];
          const int slot = column->FindSlot(slot_attributes_[v.attribute_slot], i);
          if (present_[slot]) return InternalError("WAL batch repeats a MULTI attribute");
          cells_[slot] = v.type == MeasureValueType::kVarchar ? strings.Intern(v.text) : v.bits;
          codes_[slot] = v.decimal;
          present_[slot] = 1;
        }
        column->Upsert(e.time_nanos, e.version, cells_.data(), present_.data(), codes_.data());
        break;
      }
    }
  }
}

}  // namespace tsw::ingest
