// The second stage of WriteRecords: applies a ParsedBatch to a table's memory store under
// Timestream's rules that need table state, and encodes what changed as one WAL payload.
//
// Rules, per record in request order (so duplicates within one request resolve exactly as
// if they had come in separate requests, in order):
//  - A measure name keeps the type it was first written with; a MULTI attribute name keeps
//    its type table-wide. A conflicting record is rejected.
//  - Quotas::max_measure_names_per_table and max_dimensions_per_table bound the distinct
//    names a table learns; a record that would pass them is rejected.
//  - Versions, for the same (dimension set, measure name, time): no stored row -> insert.
//    Same value (MULTI: every attribute equal, none missing or extra): a higher Version
//    updates only the Version; otherwise the record is an idempotent success that changes
//    nothing. Different value: a higher Version replaces value and Version; otherwise the
//    record is rejected with ExistingVersion.
//  - RecordsIngested counts every record not rejected, idempotent re-sends included (they
//    are successfully written as far as the client can tell, and Total + rejections then
//    equals the request size); MagneticStore counts those older than the memory window.
// Only records that changed the store go into the payload; replaying it (Replay) sets
// exactly the same rows, schema entries and series.
//
// REQUIRES: the caller holds the table's write lock for Apply and Replay.
#ifndef TSW_ENGINE_INGEST_BATCH_APPLIER_H_
#define TSW_ENGINE_INGEST_BATCH_APPLIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/ingest/batch_codec.h"
#include "engine/ingest/request_parser.h"
#include "engine/memstore/mem_store.h"
#include "engine/model/table_schema.h"
#include "engine/model/value_parse.h"
#include "tsw/options.h"
#include "tsw/status.h"

namespace tsw::ingest {

struct ApplyResult {
  int32_t memory_store = 0;    // Records ingested into the memory window.
  int32_t magnetic_store = 0;  // Records ingested that are older than the memory window.
  uint32_t logged = 0;         // Records in the payload; 0 means there is nothing to log.
  bool schema_grew = false;    // The schema gained entries (persist it once durable).
};

class BatchApplier {
 public:
  // `schema` and `store` are the table's and outlive the applier.
  BatchApplier(model::TableSchema* schema, memstore::MemStore* store);
  BatchApplier(const BatchApplier&) = delete;
  BatchApplier& operator=(const BatchApplier&) = delete;

  // Applies `batch`; appends the records it rejects to `*rejected`; encodes the records
  // that changed the store into `*payload` (empty if none did; valid until the next
  // Apply). `sequence` is the WAL sequence the payload will be appended at (it tags new
  // schema entries).
  void Apply(const ParsedBatch& batch, const Quotas& quotas, uint64_t sequence,
             std::vector<RejectedRecord>* rejected, absl::string_view* payload,
             ApplyResult* result);

  // Re-applies a payload written by Apply (WAL replay). An InternalServerException if the
  // payload is malformed or contradicts the schema.
  absl::Status Replay(absl::string_view payload, uint64_t sequence);

 private:
  // Cells and presence of `values` laid out by `column`'s slots (VARCHARs interned);
  // value i goes to slot slots[i] (MULTI; unused for a scalar column).
  void FillCells(const memstore::MeasureColumn& column, absl::Span<const ParsedValue> values,
                 const uint32_t* slots);

  // The number of records from `r` on (at least 1) that AppendRun may store at once:
  // records[r] is like_previous after a stored record and `column` is its column; the run
  // continues while records are like_previous with increasing times, all after the
  // column's last row, without VARCHAR values and (MULTI) with every slot of the column.
  size_t AppendableRun(const ParsedBatch& batch, size_t r,
                       const memstore::MeasureColumn& column) const;
  // True if `rec`, of `column`, can be a block row (BatchEncoder::Rows): no VARCHAR and
  // (MULTI) a value for every slot of the column.
  static bool BlockRow(const ParsedBatch& batch, const ParsedRecord& rec,
                       const memstore::MeasureColumn& column);
  // True if the pending rows (below) end right before record `r` and are all of its
  // series and measure (payload slots given), its values right after theirs: a block of
  // `r`'s column may start with them.
  bool PendingPrecede(const ParsedBatch& batch, size_t r, uint32_t series_slot,
                      uint32_t measure_slot) const;
  // Logs the pending rows (below): one row, or a block (of one series, or of many).
  // Every other row logged must wait for it, so the payload keeps the records' order.
  void LogPending(const ParsedBatch& batch);
  // Logs record `r` (stored into `column`, its payload slots given): joins the pending
  // rows when it can be a block row right after them, of the same measure; else logs
  // them and starts pending rows of its own (or logs its row, if it cannot be a block row).
  void LogOrPend(const ParsedBatch& batch, size_t r, const memstore::MeasureColumn& column,
                 uint32_t series_slot, uint32_t measure_slot);
  // Appends records r .. r+n-1 of such a run to `column` (no Version rule applies to an
  // append).
  void AppendRun(const ParsedBatch& batch, size_t r, size_t n, memstore::MeasureColumn* column);
  // Logs them: their rows, MULTI values with the payload slots in attribute_slots_.
  void LogRun(uint32_t series_slot, uint32_t measure_slot, const ParsedBatch& batch, size_t r,
              size_t n);

  // Stores `rec` at `position` (its column's Locate of rec.time_nanos): replaces the row
  // there or inserts one, cells laid out by value_slots_ (MULTI).
  void StoreRow(memstore::MeasureColumn* column, memstore::MeasureColumn::Position position,
                const ParsedRecord& rec, absl::Span<const ParsedValue> values);

  // Logs a record's row and value(s): MULTI values with the payload slots in
  // attribute_slots_.
  void LogRow(uint32_t series_slot, uint32_t measure_slot, const ParsedRecord& rec,
              absl::Span<const ParsedValue> values);

  // Apply's phases (batch_applier.cc), inlined into its loop. Per record: a
  // like_previous record right after a stored one takes ApplyLikePrevious; any other
  // goes CheckSchema (may reject), ResolveVersion (may settle it: idempotent or
  // rejected), Commit (schema, series, column, row), LogAccepted.
  struct ApplyCache;  // What the last records resolved, for the next ones.
  struct Resolved;    // What the checks of one record found.
  size_t ApplyLikePrevious(const ParsedBatch& batch, size_t r, ApplyCache* cache,
                           std::vector<RejectedRecord>* rejected, ApplyResult* result);
  bool CheckSchema(const ParsedBatch& batch, size_t rec_slot, absl::Span<const ParsedValue> values,
                   const Quotas& quotas, const ApplyCache& cache, Resolved* resolved,
                   std::vector<RejectedRecord>* rejected);
  bool CheckAttributes(const ParsedRecord& rec, absl::Span<const ParsedValue> values, bool* cached,
                       std::vector<RejectedRecord>* rejected);
  bool ResolveVersion(const ParsedRecord& rec, absl::Span<const ParsedValue> values,
                      const ApplyCache& cache, Resolved* resolved,
                      std::vector<RejectedRecord>* rejected, ApplyResult* result);
  void Commit(const ParsedRecord& rec, absl::Span<const ParsedValue> values, uint64_t sequence,
              ApplyCache* cache, Resolved* resolved, ApplyResult* result);
  void LogAccepted(const ParsedBatch& batch, size_t r, const Resolved& resolved);

  model::TableSchema* const schema_;
  memstore::MemStore* const store_;
  BatchEncoder encoder_;
  BatchDecoder decoder_;
  BatchDecoder::Event event_;
  std::vector<int32_t> attribute_ids_;  // Per value of the current record; kAbsent if new.
  std::vector<uint64_t> cells_;
  std::vector<uint32_t> codes_;  // Decimal codes of cells_'s DOUBLEs (MeasureColumn).
  // Records pending_first_ .. + pending_count_ - 1 were stored row by row, each into a
  // column of one measure (with the same attributes, MULTI), and are not logged yet
  // (LogPending): the payload's measure slot, and each record's series slot.
  size_t pending_first_ = 0, pending_count_ = 0;
  uint32_t pending_measure_slot_ = 0;
  std::vector<uint32_t> pending_series_slots_;
  std::vector<uint8_t> present_;
  // Apply's per-request attribute cache: the attribute names of the last accepted MULTI
  // record (views into the request), their ids and schema types.
  std::vector<absl::string_view> attribute_names_;
  std::vector<int32_t> cached_ids_;
  std::vector<MeasureValueType> cached_types_;
  std::vector<uint32_t> value_slots_;          // Column slot of each value (MULTI).
  std::vector<uint32_t> slot_values_;          // Value of each column slot (AppendRun).
  std::vector<uint32_t> attribute_slots_;      // Payload slots of the record's attributes...
  std::vector<int32_t> logged_attribute_ids_;  // ...which are these attributes'.
  std::vector<uint32_t> slot_series_, slot_measures_, slot_attributes_;  // Replay.
  std::vector<Dimension> dimensions_;
};

}  // namespace tsw::ingest

#endif  // TSW_ENGINE_INGEST_BATCH_APPLIER_H_
