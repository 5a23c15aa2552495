#include "engine/query/executor.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/query/aggregates.h"
#include "engine/query/group_table.h"
#include "engine/query/output_sink.h"
#include "engine/query/slot_vectors.h"
#include "engine/query/time_windows.h"
#include "engine/query/value_bounds.h"
#include "tsw/status.h"

namespace tsw::query {
namespace {

// ---- Inputs.

using ChunkVisitor = std::function<absl::StatusOr<bool>(const Chunk&)>;

// The bytes of table data `batch` holds for the slots the plan reads.
template <typename Batch>
int64_t BatchBytes(const Plan& plan, const Batch& batch) {
  const int64_t n = static_cast<int64_t>(batch.time_nanos.size());
  int64_t bytes = 0;
  for (size_t slot = 0; slot < plan.input.size(); ++slot) {
    if (!plan.input_used[slot]) continue;
    if (plan.sources[slot].kind == TableColumnSource::kTime) bytes += n * 8;
    const auto* c = ValueColumn(plan, slot, batch);
    if (c == nullptr) continue;
    if (c->type != MeasureValueType::kVarchar) {
      bytes += n * 8;
    } else {
      for (const std::string& s : c->strings) bytes += static_cast<int64_t>(s.size());
    }
  }
  return bytes;
}

// Late materialization: when the residual WHERE reads fewer columns than the query, a
// batch's WHERE columns are materialized first and filtered, and the other columns only
// at the matching rows (none when no row matches). The WHERE then runs again over the
// matches in RunInto, which keeps one path for every input; it selects them all.
class LateFilter {
 public:
  LateFilter(const Plan& plan, const EvalContext& ctx)
      : plan_(plan), ctx_(ctx), vectors_(plan.input.size()) {
    if (plan.where == nullptr) return;
    std::vector<bool> read(plan.input.size(), false);
    MarkSlots(*plan.where, &read);
    size_t used = 0;
    for (size_t slot = 0; slot < read.size(); ++slot) {
      used += plan.input_used[slot];
      if (read[slot]) where_slots_.push_back(slot);
    }
    enabled_ = where_slots_.size() < used;
  }

  // The rows of `batch` the WHERE selects, evaluated over the WHERE's columns only.
  // REQUIRES: the plan has a WHERE. The result lives until the next call.
  // A ScanBatch, or a RowBatch with the WHERE's attributes (RowFilter).
  template <typename Batch>
  absl::StatusOr<const std::vector<uint32_t>*> Matches(const Batch& batch) {
    const size_t n = batch.time_nanos.size();
    Chunk probe;
    probe.n = n;
    probe.cols.resize(plan_.input.size());
    for (size_t slot : where_slots_) probe.cols[slot] = vectors_.Set(plan_, slot, batch, nullptr);
    if (absl::Status s = FilterRows(*plan_.where, probe, Sel{nullptr, n}, ctx_, &matches_);
        !s.ok()) {
      return s;
    }
    return &matches_;
  }

  // Sets *rows to the rows of `batch` to materialize: null for all of them, else the
  // matching rows (empty: skip the batch).
  absl::Status Select(const ScanBatch& batch, const std::vector<uint32_t>** rows) {
    *rows = nullptr;
    if (!enabled_) return absl::OkStatus();
    absl::StatusOr<const std::vector<uint32_t>*> matches = Matches(batch);
    if (!matches.ok()) return matches.status();
    // Gathering most rows costs more than copying them all.
    if ((*matches)->size() * 2 <= batch.time_nanos.size()) *rows = *matches;
    return absl::OkStatus();
  }

  // Whether the WHERE reads only MULTI attributes and time, which a RowFilter's batches
  // hold (they may lack dimensions and measure_name).
  bool ReadsOnlyAttributesAndTime() const {
    for (size_t slot : where_slots_) {
      const TableColumnSource::Kind kind = plan_.sources[slot].kind;
      if (kind != TableColumnSource::kAttribute && kind != TableColumnSource::kTime) return false;
    }
    return !where_slots_.empty();
  }

  static void MarkSlots(const Expr& e, std::vector<bool>* read) {
    if (e.kind == ExprKind::kColumn && e.slot >= 0) (*read)[e.slot] = true;
    for (const auto& a : e.args) MarkSlots(*a, read);
  }

 private:
  const Plan& plan_;
  const EvalContext& ctx_;
  bool enabled_ = false;
  std::vector<size_t> where_slots_;
  std::vector<uint32_t> matches_;
  SlotVectors vectors_;  // The WHERE's columns of each batch in turn.
};

bool SameSeries(const std::vector<Dimension>& a, const std::vector<Dimension>& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](const Dimension& x, const Dimension& y) {
           return x.name == y.name && x.value == y.value;
         });
}

// One scan with `request`, of the series `only_series` alone if not null; false in
// `*more` once the visitor wants no further rows.
// With `filter`, through QuerySource::ScanFiltered (its UnimplementedError as it comes).
absl::Status ScanOnce(const Plan& plan, const ScanRequest& request, QuerySource& source,
                      LateFilter& late, const std::vector<Dimension>* only_series,
                      int64_t* bytes_scanned, const ChunkVisitor& visit, bool* more,
                      const RowFilter* filter = nullptr) {
  absl::Status status;
  SlotVectors vectors(plan.input.size());
  // A batch of Scan's is read; one of ScanFiltered's (mutable) has its arrays lent to the
  // chunk's vectors for the visit, and given back after it.
  const auto on_any_batch = [&](auto& batch) {
    if (batch.time_nanos.empty()) return true;
    // Dimension filters also admit series with more dimensions than the filter names.
    if (only_series != nullptr && !SameSeries(batch.dimensions, *only_series)) return true;
    *bytes_scanned += BatchBytes(plan, batch);
    // A filtered scan's batches hold the rows the tiers' filter kept (or all, where it
    // could not apply): RunInto's WHERE decides, so the late filter has nothing to add.
    const std::vector<uint32_t>* rows = nullptr;
    if (filter == nullptr) {
      status = late.Select(batch, &rows);
      if (!status.ok()) return false;
    }
    const size_t n = rows != nullptr ? rows->size() : batch.time_nanos.size();
    if (n == 0) return true;
    absl::StatusOr<bool> wanted = true;
    {
      Chunk chunk;
      chunk.n = n;
      chunk.cols.resize(plan.input.size());
      for (size_t slot = 0; slot < plan.input.size(); ++slot) {
        if (!plan.input_used[slot]) continue;
        if constexpr (std::is_const_v<std::remove_reference_t<decltype(batch)>>) {
          chunk.cols[slot] = vectors.Set(plan, slot, batch, rows);
        } else {
          chunk.cols[slot] = rows == nullptr ? vectors.Lend(plan, slot, batch, n)
                                             : vectors.Set(plan, slot, batch, rows);
        }
      }
      wanted = visit(chunk);
    }  // The chunk's references to the vectors are dropped before the arrays go back.
    vectors.GiveBack();
    if (!wanted.ok()) {
      status = wanted.status();
      return false;
    }
    *more = *wanted;
    return *more;
  };
  absl::Status scan =
      filter != nullptr
          ? source.ScanFiltered(request, *filter, [&](ScanBatch& b) { return on_any_batch(b); })
          : source.Scan(request, [&](const ScanBatch& b) { return on_any_batch(b); });
  if (!status.ok()) return status;
  return scan;
}

// Latest-row scans (latest_rows.h) read one row per (series, measure). As a ScanBatch per
// key, each would cost a chunk of vectors, a group lookup and every aggregate's update,
// far more than the row; so the source hands them out as columns of many keys
// (QuerySource::ScanLatestColumns, only the columns the plan reads), which become one
// chunk with dimensions and measure_name as ordinary (non-constant) columns.

// Column `from` of a latest-rows read as the vector of input slot `slot`; null if its
// values are not in the array the slot's type uses (a source breaking its contract).
std::shared_ptr<Vec> LatestVector(const Plan& plan, size_t slot, size_t rows, ScanColumn&& from,
                                  int64_t* bytes) {
  auto v = std::make_shared<Vec>();
  v->type = plan.input[slot].type;
  size_t values = 0;
  switch (PhysicalOf(v->type)) {
    case Physical::kInt:
      v->ints = std::move(from.ints);
      values = v->ints.size();
      break;
    case Physical::kDouble:
      v->dbls = std::move(from.doubles);
      values = v->dbls.size();
      break;
    case Physical::kString:
      v->strs = std::move(from.strings);
      values = v->strs.size();
      break;
    case Physical::kNone:
      values = rows;
      break;
  }
  v->present = std::move(from.present);
  if (values != rows || v->present.size() != rows) return nullptr;
  switch (plan.sources[slot].kind) {
    case TableColumnSource::kDimension:
    case TableColumnSource::kMeasureName:
      break;  // Not counted as scanned, as in a batch (a constant of the series).
    case TableColumnSource::kTime:
      *bytes += static_cast<int64_t>(rows) * 8;
      break;
    case TableColumnSource::kMeasureValue:
    case TableColumnSource::kAttribute:
      if (PhysicalOf(v->type) != Physical::kString) {
        *bytes += static_cast<int64_t>(rows) * 8;
      } else {
        for (const std::string& str : v->strs) *bytes += static_cast<int64_t>(str.size());
      }
      break;
  }
  return v;
}

// One latest_only scan with `request`, its rows as one chunk of many keys.
absl::Status ScanLatestOnce(const Plan& plan, const ScanRequest& request, QuerySource& source,
                            int64_t* bytes_scanned, const ChunkVisitor& visit, bool* more) {
  LatestColumns rows;
  if (absl::Status s = source.ScanLatestColumns(request, plan.latest_columns, &rows); !s.ok()) {
    return s;
  }
  if (rows.rows == 0) return absl::OkStatus();
  if (rows.columns.size() != plan.latest_columns.size()) {
    return InternalError("a latest-rows read returned the wrong number of columns");
  }
  Chunk chunk;
  chunk.n = rows.rows;
  chunk.cols.resize(plan.input.size());
  for (size_t c = 0; c < plan.latest_columns.size(); ++c) {
    const size_t slot = plan.latest_slots[c];
    std::shared_ptr<Vec> v =
        LatestVector(plan, slot, rows.rows, std::move(rows.columns[c]), bytes_scanned);
    if (v == nullptr) {
      return InternalError(absl::StrCat("a latest-rows read returned column ", c,
                                        " with the wrong number of values"));
    }
    chunk.cols[slot] = std::move(v);
  }
  absl::StatusOr<bool> wanted = visit(chunk);
  if (!wanted.ok()) return wanted.status();
  *more = *wanted;
  return absl::OkStatus();
}

// ---- Late materialization across blocks: two scans.
//
// A WHERE over a few of the attributes a query reads (high-cpu-all: `usage_user > 90.0`
// and all ten fields) is evaluated before the rest is decoded. The first scan reads only
// the WHERE's attributes and notes, for each run of batches with a matching row, the
// series, the measure and the times of the first and last match; the second reads every
// attribute the query needs over those ranges only, so segment blocks and memory rows
// outside them are neither decoded nor copied. The WHERE runs again over the second
// scan's rows. A row written between the two scans may be seen or not, as a row written
// during one scan may.

struct MatchRange {
  std::vector<Dimension> dimensions;
  std::string measure_name;
  int64_t first = 0;  // Times of the first and last matching rows.
  int64_t last = 0;
};

// The attributes the plan's WHERE reads, when they are fewer than those the query reads
// (else empty: one scan reads them all anyway).
std::vector<std::string> WhereOnlyAttributes(const Plan& plan) {
  if (plan.where == nullptr || plan.scan.attributes.empty()) return {};
  std::vector<bool> read(plan.input.size(), false);
  LateFilter::MarkSlots(*plan.where, &read);
  std::set<std::string> names;
  for (size_t slot = 0; slot < read.size(); ++slot) {
    if (read[slot] && plan.sources[slot].kind == TableColumnSource::kAttribute) {
      names.insert(plan.sources[slot].name);
    }
  }
  if (names.empty() || names.size() >= plan.scan.attributes.size()) return {};
  return std::vector<std::string>(names.begin(), names.end());
}

// How much of the first scan's rows the ranges cover so far. Once most of the rows read
// lie in a range (matches spread over the whole time range, as high-cpu-all's), the second
// scan would read nearly everything again, range by range: one scan of everything is
// cheaper, and the first scan stops there.
class RangeCoverage {
 public:
  static constexpr int64_t kProbeRows = int64_t{1} << 16;

  // A batch of `rows` rows with the WHERE matching at `matches` (ascending); `extends`
  // when the batch continues the series of the last range.
  void Add(size_t rows, const std::vector<uint32_t>& matches, bool extends) {
    seen_ += static_cast<int64_t>(rows);
    if (matches.empty()) {
      pending_ += static_cast<int64_t>(rows);  // Covered if a later batch extends the range.
      return;
    }
    covered_ += (extends ? pending_ + matches.back() : matches.back() - matches.front()) + 1;
    pending_ = static_cast<int64_t>(rows) - matches.back() - 1;
  }
  void NewSeries() { pending_ = 0; }
  // Whether the ranges cover three quarters of the rows read, after enough rows to tell.
  bool Dense() const { return seen_ >= kProbeRows && covered_ * 4 >= seen_ * 3; }

 private:
  int64_t seen_ = 0, covered_ = 0, pending_ = 0;
};

// The first scan: the ranges of `request`'s rows where the WHERE matches. Sets *dense and
// stops early when they would cover most rows (RangeCoverage).
absl::Status FindMatches(const Plan& plan, const ScanRequest& request,
                         std::vector<std::string> attributes, QuerySource& source, LateFilter& late,
                         MemoryBudget* budget, int64_t* bytes_scanned,
                         std::vector<MatchRange>* ranges, bool* dense) {
  ScanRequest first = request;
  first.attributes = std::move(attributes);
  absl::Status status;
  RangeCoverage coverage;
  *dense = false;
  absl::Status scan = source.Scan(first, [&](const ScanBatch& batch) {
    if (batch.time_nanos.empty()) return true;
    *bytes_scanned += BatchBytes(plan, batch);
    absl::StatusOr<const std::vector<uint32_t>*> matches = late.Matches(batch);
    if (!matches.ok()) {
      status = matches.status();
      return false;
    }
    const bool extends = !ranges->empty() && ranges->back().measure_name == batch.measure_name &&
                         SameSeries(ranges->back().dimensions, batch.dimensions);
    if (!extends) coverage.NewSeries();
    coverage.Add(batch.time_nanos.size(), **matches, extends);
    if (coverage.Dense()) {
      *dense = true;
      return false;
    }
    if ((*matches)->empty()) return true;
    const int64_t from = batch.time_nanos[(*matches)->front()];
    const int64_t to = batch.time_nanos[(*matches)->back()];
    if (extends) {
      ranges->back().last = to;  // The stream's batches come in time order.
      return true;
    }
    int64_t bytes = 64 + static_cast<int64_t>(batch.measure_name.size());
    for (const Dimension& d : batch.dimensions) {
      bytes += static_cast<int64_t>(d.name.size() + d.value.size()) + 64;
    }
    status = budget->Charge(bytes);
    if (!status.ok()) return false;
    ranges->push_back(MatchRange{batch.dimensions, batch.measure_name, from, to});
    return true;
  });
  if (!status.ok()) return status;
  return scan;
}

// Sorts `ranges` by (measure, series, time) and merges those of one (series, measure) that
// overlap, so the second scan reads no row twice: a (series, measure) whose rows are in
// several streams (one per type, in segments and memory) may have come back more than once.
void CoalesceRanges(std::vector<MatchRange>* ranges) {
  // Orders by measure, then series as (name, value) pairs.
  auto compare = [](const MatchRange& a, const MatchRange& b) {
    if (int c = a.measure_name.compare(b.measure_name); c != 0) return c;
    for (size_t i = 0; i < a.dimensions.size() && i < b.dimensions.size(); ++i) {
      if (int c = a.dimensions[i].name.compare(b.dimensions[i].name); c != 0) return c;
      if (int c = a.dimensions[i].value.compare(b.dimensions[i].value); c != 0) return c;
    }
    return a.dimensions.size() < b.dimensions.size()   ? -1
           : a.dimensions.size() > b.dimensions.size() ? 1
                                                       : 0;
  };
  std::sort(ranges->begin(), ranges->end(), [&](const MatchRange& a, const MatchRange& b) {
    const int c = compare(a, b);
    return c != 0 ? c < 0 : a.first < b.first;
  });
  size_t kept = 0;
  for (size_t i = 0; i < ranges->size(); ++i) {
    MatchRange& r = (*ranges)[i];
    if (kept > 0) {
      MatchRange& previous = (*ranges)[kept - 1];
      if (compare(previous, r) == 0 && r.first <= previous.last) {
        previous.last = std::max(previous.last, r.last);
        continue;
      }
    }
    if (kept != i) (*ranges)[kept] = std::move(r);
    ++kept;
  }
  ranges->resize(kept);
}

// A WHERE that is one DOUBLE attribute compared with a DOUBLE constant (high-cpu-all's
// `usage_user > 90.0`), run by the RowFilter and by RunInto's WHERE as one loop over the
// column instead of through vectors: the same result as FilterRows (NULL, an absent
// value, is not selected; the comparison is the evaluator's, IEEE on doubles).
class DoubleComparison {
 public:
  // Null unless the plan's WHERE has that shape.
  static std::optional<DoubleComparison> Of(const Plan& plan) {
    const Expr* e = plan.where.get();
    if (e == nullptr || e->kind != ExprKind::kBinary || e->args.size() != 2) return std::nullopt;
    const Expr& column = *e->args[0];
    const Expr& constant = *e->args[1];
    if (column.kind != ExprKind::kColumn || column.slot < 0 ||
        constant.kind != ExprKind::kLiteral || constant.literal.null ||
        constant.literal.type != ScalarType::kDouble || column.type != ScalarType::kDouble ||
        !plan.from_table || static_cast<size_t>(column.slot) >= plan.sources.size()) {
      return std::nullopt;
    }
    const TableColumnSource& source = plan.sources[column.slot];
    if (source.kind != TableColumnSource::kAttribute ||
        plan.input[column.slot].type != ScalarType::kDouble) {
      return std::nullopt;
    }
    const std::string& op = e->name;
    const Op kind = op == "<"    ? Op::kLess
                    : op == "<=" ? Op::kLessEqual
                    : op == ">"  ? Op::kGreater
                    : op == ">=" ? Op::kGreaterEqual
                                 : Op::kNone;
    if (kind == Op::kNone) return std::nullopt;
    return DoubleComparison(source.name, static_cast<size_t>(column.slot), kind,
                            constant.literal.d);
  }

  // The rows of `batch` where the comparison holds.
  void Select(const RowBatch& batch, std::vector<uint32_t>* rows) const {
    rows->clear();
    if (batch.measure_value_type != MeasureValueType::kMulti) return;
    for (const RowColumn& c : batch.columns) {
      if (c.name != name_ || c.type != MeasureValueType::kDouble) continue;
      const size_t n = std::min(c.doubles.size(), c.present.size());
      return Loop(c.present.data(), c.doubles.data(), n, rows);
    }
  }

  // The rows of `chunk` where the comparison holds, as FilterRows over all its rows would
  // find them, into *sel (with `rows` as its storage; every row: no index, as a filtered
  // scan's batch mostly is); false (nothing set) when its column is not one the loop
  // reads (a constant).
  bool Select(const Chunk& chunk, std::vector<uint32_t>* rows, Sel* sel) const {
    const Vec* v = chunk.cols[slot_].get();
    if (v == nullptr || v->constant || v->type != ScalarType::kDouble || v->dbls.size() < chunk.n ||
        v->present.size() < chunk.n) {
      return false;
    }
    const size_t kept = Kept(v->present.data(), v->dbls.data(), chunk.n);
    if (kept == chunk.n) {
      *sel = Sel{nullptr, chunk.n};
    } else {
      rows->assign(scratch_.data(), scratch_.data() + kept);
      *sel = Sel{rows->data(), kept};
    }
    return true;
  }

 private:
  enum class Op { kNone, kLess, kLessEqual, kGreater, kGreaterEqual };
  DoubleComparison(std::string name, size_t slot, Op op, double value)
      : name_(std::move(name)), slot_(slot), op_(op), value_(value) {}

  void Loop(const uint8_t* present, const double* values, size_t n,
            std::vector<uint32_t>* rows) const {
    const size_t kept = Kept(present, values, n);
    rows->assign(scratch_.data(), scratch_.data() + kept);
  }

  // The rows that pass into scratch_[0, returned count).
  size_t Kept(const uint8_t* present, const double* values, size_t n) const {
    switch (op_) {
      case Op::kLess:
        return Kept(present, values, n, [this](double x) { return x < value_; });
      case Op::kLessEqual:
        return Kept(present, values, n, [this](double x) { return x <= value_; });
      case Op::kGreater:
        return Kept(present, values, n, [this](double x) { return x > value_; });
      case Op::kGreaterEqual:
        return Kept(present, values, n, [this](double x) { return x >= value_; });
      case Op::kNone:
        break;
    }
    return 0;
  }

  // Writes every row number to scratch_ and moves the write position on past the rows
  // that pass (branch-free: most rows fail a selective WHERE). scratch_ only grows, so it
  // is zero-filled once per query, not on every batch.
  template <typename Holds>
  size_t Kept(const uint8_t* present, const double* values, size_t n, const Holds& holds) const {
    if (scratch_.size() < n) scratch_.resize(n);
    uint32_t* const to = scratch_.data();
    size_t kept = 0;
    for (size_t r = 0; r < n; ++r) {
      to[kept] = static_cast<uint32_t>(r);
      kept += static_cast<size_t>(present[r] != 0) & static_cast<size_t>(holds(values[r]));
    }
    return kept;
  }

  std::string name_;
  size_t slot_;  // The attribute's input slot.
  Op op_;
  double value_;
  // Select's buffer: capacity kept between batches of one query, never data.
  mutable std::vector<uint32_t> scratch_;
};

// The bytes of the WHERE's attributes in a RowFilter's batch (the columns read there, as
// the first of two scans counted them; the rows handed on are counted again whole).
int64_t FilterBytes(const std::vector<std::string>& attributes, const RowBatch& batch) {
  const size_t n = batch.time_nanos.size();
  int64_t bytes = 0;
  for (const RowColumn& c : batch.columns) {
    if (c.present.size() != n ||
        std::find(attributes.begin(), attributes.end(), c.name) == attributes.end()) {
      continue;
    }
    if (c.type != MeasureValueType::kVarchar) {
      bytes += static_cast<int64_t>(n) * 8;
    } else {
      for (const std::string& s : c.strings) bytes += static_cast<int64_t>(s.size());
    }
  }
  return bytes;
}

// `request`'s rows: in one scan, or in two (above) when the WHERE reads only some of the
// attributes the query reads.
absl::Status ScanRequestRows(const Plan& plan, const ScanRequest& request, QuerySource& source,
                             LateFilter& late, MemoryBudget* budget, int64_t* bytes_scanned,
                             const ChunkVisitor& visit, bool* more) {
  std::vector<std::string> where_attributes = WhereOnlyAttributes(plan);
  if (where_attributes.empty()) {
    return ScanOnce(plan, request, source, late, nullptr, bytes_scanned, visit, more);
  }
  if (late.ReadsOnlyAttributesAndTime()) {
    // One scan, the WHERE evaluated inside the tiers: a segment block's or memory chunk's
    // other attributes are decoded or copied only at rows where it holds.
    LateFilter probe = late;
    RowFilter filter;
    filter.attributes = where_attributes;
    filter.bounds = WhereValueBounds(plan);
    const std::optional<DoubleComparison> comparison = DoubleComparison::Of(plan);
    filter.select = [&](const RowBatch& batch, std::vector<uint32_t>* rows) {
      *bytes_scanned += FilterBytes(where_attributes, batch);
      if (comparison.has_value()) {
        comparison->Select(batch, rows);
        return true;
      }
      absl::StatusOr<const std::vector<uint32_t>*> matches = probe.Matches(batch);
      if (!matches.ok()) return false;  // Every row; the WHERE's own run reports the error.
      *rows = **matches;
      return true;
    };
    bool batches = false;
    const ChunkVisitor counted = [&](const Chunk& chunk) {
      batches = true;
      return visit(chunk);
    };
    absl::Status s =
        ScanOnce(plan, request, source, late, nullptr, bytes_scanned, counted, more, &filter);
    if (!absl::IsUnimplemented(s) || batches) return s;
  }
  std::vector<MatchRange> ranges;
  bool dense = false;
  if (absl::Status s = FindMatches(plan, request, std::move(where_attributes), source, late, budget,
                                   bytes_scanned, &ranges, &dense);
      !s.ok()) {
    return s;
  }
  CoalesceRanges(&ranges);
  // Each scan walks every series of both tiers: beyond a few hundred ranges, one scan of
  // everything is cheaper.
  constexpr size_t kMaxRangeScans = 256;
  if (dense || ranges.size() > kMaxRangeScans) {
    return ScanOnce(plan, request, source, late, nullptr, bytes_scanned, visit, more);
  }
  for (const MatchRange& range : ranges) {
    ScanRequest r = request;
    r.start_time_nanos = range.first;
    r.end_time_nanos = range.last + 1;  // last < request.end_time_nanos <= INT64_MAX.
    r.measure_names = {range.measure_name};
    r.dimension_filters = range.dimensions;
    if (absl::Status s =
            ScanOnce(plan, r, source, late, &range.dimensions, bytes_scanned, visit, more);
        !s.ok()) {
      return s;
    }
    if (!*more) break;
  }
  return absl::OkStatus();
}

// The plan's table rows, read with `scan` (the plan's, or a time window of it).
absl::Status ScanTable(const Plan& plan, const ScanRequest& scan, QuerySource& source,
                       const EvalContext& ctx, MemoryBudget* budget, int64_t* bytes_scanned,
                       const ChunkVisitor& visit) {
  if (plan.scan_empty) return absl::OkStatus();
  LateFilter late(plan, ctx);
  bool more = true;
  if (plan.scan_dimension_values.empty()) {
    return scan.latest_only
               ? ScanLatestOnce(plan, scan, source, bytes_scanned, visit, &more)
               : ScanRequestRows(plan, scan, source, late, budget, bytes_scanned, visit, &more);
  }
  for (const std::string& value : plan.scan_dimension_values) {
    ScanRequest request = scan;
    request.dimension_filters.push_back(Dimension{plan.scan_dimension, value});
    absl::Status s =
        request.latest_only
            ? ScanLatestOnce(plan, request, source, bytes_scanned, visit, &more)
            : ScanRequestRows(plan, request, source, late, budget, bytes_scanned, visit, &more);
    if (!s.ok()) return s;
    if (!more) break;
  }
  return absl::OkStatus();
}

absl::Status RunInto(const Plan& plan, QuerySource& source, const EvalContext& ctx,
                     MemoryBudget* budget, bool time_windows,
                     const std::function<bool(const QueryBatch&)>& visitor, int64_t* bytes_scanned);

// Runs the sub-query to completion (its answer is the state), then feeds it on.
absl::Status ScanSubquery(const Plan& plan, QuerySource& source, const EvalContext& ctx,
                          MemoryBudget* budget, bool time_windows, int64_t* bytes_scanned,
                          const ChunkVisitor& visit) {
  std::vector<QueryBatch> batches;
  absl::Status charge;
  absl::Status s = RunInto(
      *plan.subquery, source, ctx, budget, time_windows,
      [&](const QueryBatch& batch) {
        int64_t bytes = 0;
        for (const QueryColumn& c : batch.columns) {
          bytes += batch.num_rows * 9;
          for (const std::string& str : c.strings) bytes += static_cast<int64_t>(str.size());
        }
        charge = budget->Charge(bytes);
        batches.push_back(batch);
        return charge.ok();
      },
      bytes_scanned);
  if (!s.ok()) return s;
  if (!charge.ok()) return charge;
  for (const QueryBatch& batch : batches) {
    Chunk chunk;
    chunk.n = static_cast<size_t>(batch.num_rows);
    for (const QueryColumn& c : batch.columns) {
      chunk.cols.push_back(std::make_shared<const Vec>(VecFromColumn(c, 0, chunk.n)));
    }
    absl::StatusOr<bool> more = visit(chunk);
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  return absl::OkStatus();
}

// ORDER BY a time bin ... LIMIT n (time_windows.h): the table's rows into `groups` one
// time window at a time from the end the order starts at, until n groups are complete.
absl::Status ScanTimeWindows(const Plan& plan, const TimeOrderedLimit& order, QuerySource& source,
                             const EvalContext& ctx, MemoryBudget* budget, int64_t* bytes_scanned,
                             const ChunkVisitor& visit, const GroupTable& groups) {
  TimeWindows windows(order, plan.scan.start_time_nanos, plan.scan.end_time_nanos);
  ScanRequest window = plan.scan;
  while (windows.Next(&window.start_time_nanos, &window.end_time_nanos)) {
    if (absl::Status s = ScanTable(plan, window, source, ctx, budget, bytes_scanned, visit);
        !s.ok()) {
      return s;
    }
    const size_t complete =
        groups.CountGroups(order.key, [&](int64_t key) { return windows.Complete(key); });
    if (complete >= static_cast<uint64_t>(order.limit)) break;
  }
  return absl::OkStatus();
}

absl::Status RunInto(const Plan& plan, QuerySource& source, const EvalContext& ctx,
                     MemoryBudget* budget, bool time_windows,
                     const std::function<bool(const QueryBatch&)>& visitor,
                     int64_t* bytes_scanned) {
  OutputSink sink(plan, ctx, budget, visitor);
  std::unique_ptr<GroupTable> groups;
  if (plan.aggregate) groups = std::make_unique<GroupTable>(plan, ctx, budget);
  std::vector<uint32_t> rows;
  // `column op constant` (high-cpu-all's WHERE) by its own loop: the rows FilterRows selects.
  const std::optional<DoubleComparison> comparison = DoubleComparison::Of(plan);
  ChunkVisitor visit = [&](const Chunk& chunk) -> absl::StatusOr<bool> {
    Sel sel{nullptr, chunk.n};
    if (plan.where != nullptr &&
        (comparison == std::nullopt || !comparison->Select(chunk, &rows, &sel))) {
      if (absl::Status s = FilterRows(*plan.where, chunk, sel, ctx, &rows); !s.ok()) return s;
      sel = Sel{rows.data(), rows.size()};
    }
    if (groups != nullptr) {
      if (absl::Status s = groups->Consume(chunk, sel); !s.ok()) return s;
      return true;
    }
    return sink.Consume(chunk, sel);
  };
  std::optional<TimeOrderedLimit> by_time;
  if (groups != nullptr && time_windows) by_time = TimeOrderedLimitOf(plan);
  absl::Status s =
      by_time.has_value()
          ? ScanTimeWindows(plan, *by_time, source, ctx, budget, bytes_scanned, visit, *groups)
      : plan.from_table
          ? ScanTable(plan, plan.scan, source, ctx, budget, bytes_scanned, visit)
          : ScanSubquery(plan, source, ctx, budget, time_windows, bytes_scanned, visit);
  if (!s.ok()) return s;
  if (groups != nullptr) {
    if (absl::Status f = groups->Finish(sink); !f.ok()) return f;
  }
  return sink.Finish();
}

}  // namespace

absl::Status RunPlan(const Plan& plan, QuerySource& source, const EvalContext& ctx,
                     const QueryLimits& limits,
                     const std::function<bool(const QueryBatch&)>& visitor,
                     int64_t* bytes_scanned) {
  MemoryBudget budget(limits.memory_limit_bytes);
  int64_t scanned = 0;
  absl::Status s = RunInto(plan, source, ctx, &budget, limits.time_windows, visitor, &scanned);
  if (bytes_scanned != nullptr) *bytes_scanned = scanned;
  return s;
}

}  // namespace tsw::query
