#include "engine/query/executor.h"

#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/query/aggregates.h"
#include "engine/query/output_sink.h"

namespace tsw::query {
namespace {

// Grouping and aggregation in one pass: a hash table from the group key's bytes to a
// dense group id, and one Accumulator per aggregate call. Within a chunk, a row whose
// keys equal the previous row's reuses its group id without hashing; when every key is
// constant in the chunk (dimensions, measure_name), the chunk is one lookup.
class GroupTable {
 public:
  GroupTable(const Plan& plan, const EvalContext& ctx, MemoryBudget* budget)
      : plan_(plan), ctx_(ctx), budget_(budget) {
    for (const auto& k : plan.group_keys) keys_.push_back(Vec::Nulls(k->type, 0));
    for (const AggCall& a : plan.aggs) accumulators_.emplace_back(a);
    if (plan.group_keys.empty()) {
      index_.emplace("", 0);
      ResizeTo(1);
    }
  }

  absl::Status Consume(const Chunk& chunk, const Sel& sel);
  // The group rows, through HAVING, into `sink`.
  absl::Status Finish(OutputSink& sink);

 private:
  absl::StatusOr<uint32_t> GroupOf(const std::vector<VecPtr>& keys, size_t row);
  void ResizeTo(size_t groups) {
    for (Accumulator& a : accumulators_) a.Resize(groups);
    groups_ = groups;
  }

  const Plan& plan_;
  const EvalContext& ctx_;
  MemoryBudget* budget_;
  std::vector<Vec> keys_;  // Per key, its value for each group.
  std::vector<Accumulator> accumulators_;
  absl::flat_hash_map<std::string, uint32_t> index_;
  size_t groups_ = 0;
  std::vector<uint32_t> gids_;
  std::string key_bytes_;
};

absl::StatusOr<uint32_t> GroupTable::GroupOf(const std::vector<VecPtr>& keys, size_t row) {
  key_bytes_.clear();
  for (const VecPtr& k : keys) AppendKeyBytes(*k, row, &key_bytes_);
  auto [it, inserted] = index_.try_emplace(key_bytes_, static_cast<uint32_t>(groups_));
  if (!inserted) return it->second;
  int64_t bytes = static_cast<int64_t>(key_bytes_.size()) * 2 + 64;
  for (size_t k = 0; k < keys.size(); ++k) {
    keys_[k].Resize(groups_ + 1);
    AssignValue(*keys[k], row, keys_[k], groups_);
  }
  for (const Accumulator& a : accumulators_) bytes += a.BytesPerGroup();
  if (absl::Status s = budget_->Charge(bytes); !s.ok()) return s;
  ResizeTo(groups_ + 1);
  return it->second;
}

absl::Status GroupTable::Consume(const Chunk& chunk, const Sel& sel) {
  if (sel.count == 0) return absl::OkStatus();
  std::vector<VecPtr> keys;
  bool all_constant = true;
  for (const auto& k : plan_.group_keys) {
    auto v = Evaluate(*k, chunk, sel, ctx_);
    if (!v.ok()) return v.status();
    all_constant = all_constant && (*v)->constant;
    keys.push_back(std::move(*v));
  }
  gids_.resize(chunk.n);
  if (all_constant) {
    absl::StatusOr<uint32_t> g = GroupOf(keys, 0);
    if (!g.ok()) return g.status();
    ForEachRow(sel, [&](size_t r) { gids_[r] = *g; });
  } else {
    size_t previous = SIZE_MAX;
    for (size_t k = 0; k < sel.count; ++k) {
      const size_t r = sel[k];
      bool same = previous != SIZE_MAX;
      for (size_t i = 0; i < keys.size() && same; ++i) {
        const Vec& v = *keys[i];
        if (v.constant) continue;
        same = v.present[r] == v.present[previous] &&
               (!v.present[r] || CompareValues(v, r, v, previous) == 0);
      }
      if (same) {
        gids_[r] = gids_[previous];
      } else {
        absl::StatusOr<uint32_t> g = GroupOf(keys, r);
        if (!g.ok()) return g.status();
        gids_[r] = *g;
      }
      previous = r;
    }
  }
  for (size_t a = 0; a < accumulators_.size(); ++a) {
    std::vector<VecPtr> args;
    for (const auto& arg : plan_.aggs[a].args) {
      auto v = Evaluate(*arg, chunk, sel, ctx_);
      if (!v.ok()) return v.status();
      args.push_back(std::move(*v));
    }
    const int64_t before = accumulators_[a].VariableBytes();
    if (absl::Status s = accumulators_[a].Update(args, sel, gids_.data()); !s.ok()) return s;
    if (absl::Status s = budget_->Charge(accumulators_[a].VariableBytes() - before); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status GroupTable::Finish(OutputSink& sink) {
  Chunk chunk;
  chunk.n = groups_;
  for (Vec& k : keys_) chunk.cols.push_back(std::make_shared<const Vec>(std::move(k)));
  for (const Accumulator& a : accumulators_) {
    chunk.cols.push_back(std::make_shared<const Vec>(a.Finish(groups_)));
  }
  std::vector<uint32_t> rows;
  Sel sel{nullptr, groups_};
  if (plan_.having != nullptr) {
    if (absl::Status s = FilterRows(*plan_.having, chunk, sel, ctx_, &rows); !s.ok()) return s;
    sel = Sel{rows.data(), rows.size()};
  }
  absl::StatusOr<bool> more = sink.Consume(chunk, sel);
  return more.status();
}

// ---- Inputs.

using ChunkVisitor = std::function<absl::StatusOr<bool>(const Chunk&)>;

VecPtr ConstantString(const std::string* value) {
  Scalar s;
  s.type = ScalarType::kVarchar;
  s.null = value == nullptr;
  if (value != nullptr) s.s = *value;
  return std::make_shared<const Vec>(Vec::Constant(s));
}

VecPtr FromScanColumn(const ScanColumn& c, ScalarType type, int64_t* bytes) {
  Vec v;
  v.type = type;
  size_t n = 0;
  if (type == ScalarType::kDouble) {
    v.dbls = c.doubles;
    n = c.doubles.size();
    *bytes += static_cast<int64_t>(n) * 8;
  } else if (type == ScalarType::kVarchar) {
    v.strs = c.strings;
    n = c.strings.size();
    for (const std::string& s : c.strings) *bytes += static_cast<int64_t>(s.size());
  } else {
    v.ints = c.ints;
    n = c.ints.size();
    *bytes += static_cast<int64_t>(n) * 8;
  }
  if (c.present.size() == n) {
    v.present = c.present;
  } else {
    v.present.assign(n, 1);
  }
  return std::make_shared<const Vec>(std::move(v));
}

// The input column `slot` of the rows of `batch`.
VecPtr SlotVector(const Plan& plan, size_t slot, const ScanBatch& batch, int64_t* bytes) {
  const TableColumnSource& source = plan.sources[slot];
  const ScalarType type = plan.input[slot].type;
  switch (source.kind) {
    case TableColumnSource::kDimension:
      for (const Dimension& d : batch.dimensions) {
        if (d.name == source.name) return ConstantString(&d.value);
      }
      return ConstantString(nullptr);
    case TableColumnSource::kMeasureName:
      return ConstantString(&batch.measure_name);
    case TableColumnSource::kTime: {
      Vec v;
      v.type = ScalarType::kTimestamp;
      v.ints = batch.time_nanos;
      v.present.assign(batch.time_nanos.size(), 1);
      *bytes += static_cast<int64_t>(batch.time_nanos.size()) * 8;
      return std::make_shared<const Vec>(std::move(v));
    }
    case TableColumnSource::kMeasureValue:
      if (batch.measure_value_type == source.value_type && !batch.columns.empty()) {
        return FromScanColumn(batch.columns[0], type, bytes);
      }
      break;
    case TableColumnSource::kAttribute:
      if (batch.measure_value_type != MeasureValueType::kMulti) break;
      for (const ScanColumn& c : batch.columns) {
        if (c.name == source.name && ScalarOf(c.type) == type) {
          return FromScanColumn(c, type, bytes);
        }
      }
      break;
  }
  return std::make_shared<const Vec>(Vec::Nulls(type, 1, /*constant=*/true));
}

// One scan with `request`; false in `*more` once the visitor wants no further rows.
absl::Status ScanOnce(const Plan& plan, const ScanRequest& request, QuerySource& source,
                      int64_t* bytes_scanned, const ChunkVisitor& visit, bool* more) {
  absl::Status status;
  absl::Status scan = source.Scan(request, [&](const ScanBatch& batch) {
    Chunk chunk;
    chunk.n = batch.time_nanos.size();
    if (chunk.n == 0) return true;
    chunk.cols.resize(plan.input.size());
    for (size_t slot = 0; slot < plan.input.size(); ++slot) {
      if (plan.input_used[slot]) chunk.cols[slot] = SlotVector(plan, slot, batch, bytes_scanned);
    }
    absl::StatusOr<bool> wanted = visit(chunk);
    if (!wanted.ok()) {
      status = wanted.status();
      return false;
    }
    *more = *wanted;
    return *more;
  });
  if (!status.ok()) return status;
  return scan;
}

// Latest-row scans (latest_rows.h) hand out one row per (series, measure). Per batch, the
// general path builds a chunk of vectors, looks the group up and updates every aggregate,
// which would cost far more than the row; so these rows are gathered into chunks of many
// keys instead, with dimensions and measure_name as ordinary (non-constant) columns.
class LatestRowsGatherer {
 public:
  static constexpr size_t kRowsPerChunk = 4096;

  explicit LatestRowsGatherer(const Plan& plan) : plan_(plan) { Reset(); }

  size_t rows() const { return rows_; }

  // Appends every row of `batch`.
  void Add(const ScanBatch& batch, int64_t* bytes) {
    const size_t n = batch.time_nanos.size();
    for (size_t slot = 0; slot < plan_.input.size(); ++slot) {
      if (!plan_.input_used[slot]) continue;
      Vec& out = cols_[slot];
      const TableColumnSource& source = plan_.sources[slot];
      const ScanColumn* column = nullptr;
      switch (source.kind) {
        case TableColumnSource::kDimension: {
          const std::string* value = nullptr;
          for (const Dimension& d : batch.dimensions) {
            if (d.name == source.name) value = &d.value;
          }
          for (size_t r = 0; r < n; ++r) AppendString(value, &out);
          continue;
        }
        case TableColumnSource::kMeasureName:
          for (size_t r = 0; r < n; ++r) AppendString(&batch.measure_name, &out);
          continue;
        case TableColumnSource::kTime:
          out.ints.insert(out.ints.end(), batch.time_nanos.begin(), batch.time_nanos.end());
          out.present.insert(out.present.end(), n, 1);
          *bytes += static_cast<int64_t>(n) * 8;
          continue;
        case TableColumnSource::kMeasureValue:
          if (batch.measure_value_type == source.value_type && !batch.columns.empty()) {
            column = &batch.columns[0];
          }
          break;
        case TableColumnSource::kAttribute:
          if (batch.measure_value_type != MeasureValueType::kMulti) break;
          for (const ScanColumn& c : batch.columns) {
            if (c.name == source.name && ScalarOf(c.type) == out.type) column = &c;
          }
          break;
      }
      for (size_t r = 0; r < n; ++r) AppendValue(column, r, &out, bytes);
    }
    rows_ += n;
  }

  // The rows gathered so far as a chunk; starts over.
  Chunk Take() {
    Chunk chunk;
    chunk.n = rows_;
    chunk.cols.resize(plan_.input.size());
    for (size_t slot = 0; slot < plan_.input.size(); ++slot) {
      if (plan_.input_used[slot])
        chunk.cols[slot] = std::make_shared<const Vec>(std::move(cols_[slot]));
    }
    Reset();
    return chunk;
  }

 private:
  void Reset() {
    rows_ = 0;
    cols_.clear();
    for (const InputColumn& c : plan_.input) cols_.push_back(Vec::Nulls(c.type, 0));
  }

  static void AppendString(const std::string* value, Vec* out) {
    out->present.push_back(value != nullptr);
    out->strs.push_back(value != nullptr ? *value : std::string());
  }

  // Row `r` of `column` (null: the batch has no such column, so NULL).
  static void AppendValue(const ScanColumn* column, size_t r, Vec* out, int64_t* bytes) {
    const bool present = column != nullptr && (column->present.empty() || column->present[r] != 0);
    out->present.push_back(present);
    switch (PhysicalOf(out->type)) {
      case Physical::kDouble:
        out->dbls.push_back(column != nullptr ? column->doubles[r] : 0.0);
        *bytes += 8;
        break;
      case Physical::kString:
        out->strs.push_back(column != nullptr ? column->strings[r] : std::string());
        *bytes += static_cast<int64_t>(out->strs.back().size());
        break;
      case Physical::kInt:
        out->ints.push_back(column != nullptr ? column->ints[r] : 0);
        *bytes += 8;
        break;
      case Physical::kNone:
        break;
    }
  }

  const Plan& plan_;
  std::vector<Vec> cols_;  // Per input slot (empty for slots no expression reads).
  size_t rows_ = 0;
};

// One latest_only scan with `request`, its rows gathered into chunks of many keys.
absl::Status ScanLatestOnce(const Plan& plan, const ScanRequest& request, QuerySource& source,
                            int64_t* bytes_scanned, const ChunkVisitor& visit, bool* more) {
  LatestRowsGatherer gatherer(plan);
  absl::Status status;
  auto flush = [&]() {
    if (gatherer.rows() == 0) return true;
    absl::StatusOr<bool> wanted = visit(gatherer.Take());
    if (!wanted.ok()) {
      status = wanted.status();
      return false;
    }
    *more = *wanted;
    return *more;
  };
  absl::Status scan = source.Scan(request, [&](const ScanBatch& batch) {
    gatherer.Add(batch, bytes_scanned);
    return gatherer.rows() < LatestRowsGatherer::kRowsPerChunk || flush();
  });
  if (!scan.ok()) return scan;
  if (!status.ok()) return status;
  if (*more) flush();
  return status;
}

absl::Status ScanTable(const Plan& plan, QuerySource& source, int64_t* bytes_scanned,
                       const ChunkVisitor& visit) {
  if (plan.scan_empty) return absl::OkStatus();
  bool more = true;
  if (plan.scan_dimension_values.empty()) {
    return plan.scan.latest_only
               ? ScanLatestOnce(plan, plan.scan, source, bytes_scanned, visit, &more)
               : ScanOnce(plan, plan.scan, source, bytes_scanned, visit, &more);
  }
  for (const std::string& value : plan.scan_dimension_values) {
    ScanRequest request = plan.scan;
    request.dimension_filters.push_back(Dimension{plan.scan_dimension, value});
    absl::Status s = request.latest_only
                         ? ScanLatestOnce(plan, request, source, bytes_scanned, visit, &more)
                         : ScanOnce(plan, request, source, bytes_scanned, visit, &more);
    if (!s.ok()) return s;
    if (!more) break;
  }
  return absl::OkStatus();
}

absl::Status RunInto(const Plan& plan, QuerySource& source, const EvalContext& ctx,
                     MemoryBudget* budget, const std::function<bool(const QueryBatch&)>& visitor,
                     int64_t* bytes_scanned);

// Runs the sub-query to completion (its answer is the state), then feeds it on.
absl::Status ScanSubquery(const Plan& plan, QuerySource& source, const EvalContext& ctx,
                          MemoryBudget* budget, int64_t* bytes_scanned, const ChunkVisitor& visit) {
  std::vector<QueryBatch> batches;
  absl::Status charge;
  absl::Status s = RunInto(
      *plan.subquery, source, ctx, budget,
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

absl::Status RunInto(const Plan& plan, QuerySource& source, const EvalContext& ctx,
                     MemoryBudget* budget, const std::function<bool(const QueryBatch&)>& visitor,
                     int64_t* bytes_scanned) {
  OutputSink sink(plan, ctx, budget, visitor);
  std::unique_ptr<GroupTable> groups;
  if (plan.aggregate) groups = std::make_unique<GroupTable>(plan, ctx, budget);
  std::vector<uint32_t> rows;
  ChunkVisitor visit = [&](const Chunk& chunk) -> absl::StatusOr<bool> {
    Sel sel{nullptr, chunk.n};
    if (plan.where != nullptr) {
      if (absl::Status s = FilterRows(*plan.where, chunk, sel, ctx, &rows); !s.ok()) return s;
      sel = Sel{rows.data(), rows.size()};
    }
    if (groups != nullptr) {
      if (absl::Status s = groups->Consume(chunk, sel); !s.ok()) return s;
      return true;
    }
    return sink.Consume(chunk, sel);
  };
  absl::Status s = plan.from_table ? ScanTable(plan, source, bytes_scanned, visit)
                                   : ScanSubquery(plan, source, ctx, budget, bytes_scanned, visit);
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
  absl::Status s = RunInto(plan, source, ctx, &budget, visitor, &scanned);
  if (bytes_scanned != nullptr) *bytes_scanned = scanned;
  return s;
}

}  // namespace tsw::query
