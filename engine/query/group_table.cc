#include "engine/query/group_table.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/string_view.h"
#include "tsw/status.h"

namespace tsw::query {

GroupTable::GroupTable(const Plan& plan, const EvalContext& ctx, MemoryBudget* budget)
    : plan_(plan), ctx_(ctx), budget_(budget) {
  keys_.reserve(plan.group_keys.size());
  for (const auto& k : plan.group_keys) keys_.push_back(Vec::Nulls(k->type, 0));
  if (plan.group_keys.size() == 1) {
    switch (PhysicalOf(plan.group_keys[0]->type)) {
      case Physical::kString:
        index_kind_ = IndexKind::kOneString;
        break;
      case Physical::kInt:
        index_kind_ = IndexKind::kOneInt;
        break;
      default:
        break;  // DOUBLE keys are normalized as bytes (-0 and 0, NaNs are one value each).
    }
  }
  if (plan.group_keys.empty()) {
    index_.emplace("", 0);
    ResizeTo(1);
  }
}

void GroupTable::MakeAccumulators() {
  if (!accumulators_.empty() || plan_.aggs.empty()) return;
  accumulators_.reserve(plan_.aggs.size());
  for (const AggCall& a : plan_.aggs) accumulators_.emplace_back(a);
  for (Accumulator& a : accumulators_) a.Resize(capacity_);
}

void GroupTable::ResizeTo(size_t groups) {
  MakeAccumulators();
  if (groups > capacity_) {
    capacity_ = std::max({groups, capacity_ * 2, size_t{16}});
    for (Vec& k : keys_) k.Resize(capacity_);
    for (Accumulator& a : accumulators_) a.Resize(capacity_);
  }
  groups_ = groups;
}

void GroupTable::Reserve(size_t groups) {
  MakeAccumulators();
  if (groups <= capacity_) return;
  capacity_ = groups;
  if (index_kind_ == IndexKind::kOneInt) {
    int_index_.reserve(groups);
  } else {
    index_.reserve(groups);
  }
  for (Vec& k : keys_) k.Resize(capacity_);
  for (Accumulator& a : accumulators_) a.Resize(capacity_);
}

int64_t GroupTable::GroupBytes(size_t key_bytes, size_t groups) const {
  // Each key byte is held twice (the index and the key column), plus a fixed share per
  // group, plus each accumulator's.
  const int64_t per_group =
      64 + Accumulator::kBytesPerGroup * static_cast<int64_t>(plan_.aggs.size());
  return static_cast<int64_t>(key_bytes) * 2 + per_group * static_cast<int64_t>(groups);
}

absl::StatusOr<uint32_t> GroupTable::NewGroup(const std::vector<VecPtr>& keys, size_t row,
                                              size_t key_bytes) {
  if (absl::Status s = budget_->Charge(GroupBytes(key_bytes, 1)); !s.ok()) return s;
  const size_t group = groups_;
  ResizeTo(groups_ + 1);
  for (size_t k = 0; k < keys.size(); ++k) AssignValue(*keys[k], row, keys_[k], group);
  return static_cast<uint32_t>(group);
}

absl::StatusOr<uint32_t> GroupTable::GroupOf(const std::vector<VecPtr>& keys, size_t row) {
  if (index_kind_ != IndexKind::kBytes) return GroupOfOneKey(keys, row);
  key_bytes_.clear();
  for (const VecPtr& k : keys) AppendKeyBytes(*k, row, &key_bytes_);
  // A new key's entry names the group NewGroup makes next (a failure ends the query).
  auto [it, inserted] = index_.try_emplace(key_bytes_, static_cast<uint32_t>(groups_));
  if (!inserted) return it->second;
  return NewGroup(keys, row, key_bytes_.size());
}

absl::StatusOr<uint32_t> GroupTable::GroupOfOneKey(const std::vector<VecPtr>& keys, size_t row) {
  const Vec& key = *keys[0];
  const size_t i = key.Idx(row);
  const uint32_t next = static_cast<uint32_t>(groups_);
  // The key's bytes as AppendKeyBytes writes them: the same memory charge as kBytes.
  size_t key_bytes = 1;
  if (PhysicalOf(key.type) == Physical::kNone || !key.present[i]) {
    // A vector of no values (an untyped NULL) holds only NULLs.
    if (null_group_ != UINT32_MAX) return null_group_;
    null_group_ = next;
  } else if (index_kind_ == IndexKind::kOneString) {
    if (PhysicalOf(key.type) != Physical::kString) {
      return InternalError("query: a group key's values are not of its type");
    }
    const std::string& value = key.strs[i];
    auto [it, inserted] = index_.try_emplace(absl::string_view(value), next);
    if (!inserted) return it->second;
    key_bytes += 4 + value.size();
  } else {
    if (PhysicalOf(key.type) != Physical::kInt) {
      return InternalError("query: a group key's values are not of its type");
    }
    auto [it, inserted] = int_index_.try_emplace(key.ints[i], next);
    if (!inserted) return it->second;
    key_bytes += 8;
  }
  return NewGroup(keys, row, key_bytes);
}

// At most this many groups are made room for ahead of a latest-rows chunk (its keys may
// fall in far fewer groups).
constexpr size_t kMaxLatestGroupsReserved = 4096;

bool GroupTable::MayHold() const {
  if (!plan_.scan.latest_only || held_once_ || groups_ != 0) return false;
  if (index_kind_ != IndexKind::kOneString && index_kind_ != IndexKind::kOneInt) return false;
  for (const AggCall& a : plan_.aggs) {
    // latest_rows.h's aggregates, over columns.
    if (a.kind != AggKind::kMax && a.kind != AggKind::kMaxBy) return false;
    if (a.args.size() != (a.kind == AggKind::kMax ? 1u : 2u)) return false;
    for (const auto& arg : a.args) {
      if (arg == nullptr || arg->kind != ExprKind::kColumn) return false;
    }
  }
  return true;
}

absl::Status GroupTable::Consume(const Chunk& chunk, const Sel& sel) {
  if (sel.count == 0) return absl::OkStatus();
  if (MayHold()) {
    held_once_ = true;
    held_ = chunk;
    held_all_ = sel.idx == nullptr;
    if (!held_all_) held_rows_.assign(sel.idx, sel.idx + sel.count);
    held_.n = held_all_ ? sel.count : chunk.n;
    return absl::OkStatus();
  }
  if (absl::Status s = ConsumeHeld(); !s.ok()) return s;
  return ConsumeNow(chunk, sel);
}

absl::Status GroupTable::ConsumeHeld() {
  if (held_.n == 0) return absl::OkStatus();
  Chunk chunk = std::move(held_);
  held_ = Chunk();
  const Sel sel = held_all_ ? Sel{nullptr, chunk.n} : Sel{held_rows_.data(), held_rows_.size()};
  return ConsumeNow(chunk, sel);
}

const SortKey* GroupTable::OrderByTheKey() const {
  if (plan_.order.size() != 1 || plan_.group_keys.size() != 1) return nullptr;
  const SortKey& key = plan_.order[0];
  const Expr* e =
      key.output >= 0 ? plan_.outputs[static_cast<size_t>(key.output)].get() : key.expr.get();
  // Group row slot 0 is the one key's value (the group row is keys, then aggregates).
  return e != nullptr && e->kind == ExprKind::kColumn && e->slot == 0 ? &key : nullptr;
}

bool GroupTable::DistinctKeys(const Vec& key, const Sel& sel, const SortKey* order_by,
                              std::vector<uint32_t>* order, size_t* key_bytes) const {
  if (key.constant) return sel.count <= 1;
  order->resize(sel.count);
  for (size_t k = 0; k < sel.count; ++k) (*order)[k] = static_cast<uint32_t>(sel[k]);
  // Sorted, equal keys are neighbours (NULLs too): one comparison a row, no hash set.
  SortByOneValue(key, order_by != nullptr && order_by->descending,
                 order_by != nullptr && order_by->nulls_first, order);
  const bool strings = index_kind_ == IndexKind::kOneString;
  const uint32_t* rows = order->data();
  for (size_t k = 0; k < sel.count; ++k) {
    const uint32_t r = rows[k];
    const bool present = key.present[r] != 0;
    if (k > 0) {
      const uint32_t p = rows[k - 1];
      if (present == (key.present[p] != 0) &&
          (!present || (strings ? key.strs[r] == key.strs[p] : key.ints[r] == key.ints[p]))) {
        return false;
      }
    }
    // The key bytes NewGroup would charge (AppendKeyBytes' and the index's).
    *key_bytes += !present ? 1 : strings ? 5 + key.strs[r].size() : 9;
  }
  return true;
}

absl::StatusOr<bool> GroupTable::FinishRowsAsGroups(OutputSink& sink) {
  const Sel sel = held_all_ ? Sel{nullptr, held_.n} : Sel{held_rows_.data(), held_rows_.size()};
  absl::StatusOr<VecPtr> key = Evaluate(*plan_.group_keys[0], held_, sel, ctx_);
  if (!key.ok()) return key.status();
  const Physical physical =
      index_kind_ == IndexKind::kOneString ? Physical::kString : Physical::kInt;
  if (PhysicalOf((*key)->type) != physical) return false;
  size_t key_bytes = 0;
  const SortKey* order_by = OrderByTheKey();
  std::vector<uint32_t> order;
  if (!DistinctKeys(**key, sel, order_by, &order, &key_bytes)) return false;
  // A group of one row: max(x) is x, max_by(x, k) is x where k is not NULL (no row with a
  // NULL k, which would make it NULL, is taken here).
  Chunk groups;
  groups.n = held_.n;
  groups.cols.reserve(1 + plan_.aggs.size());
  groups.cols.push_back(std::move(*key));
  // The max_by keys found present in every row: the calls mostly share one (time).
  const Vec* checked_by = nullptr;
  for (const AggCall& a : plan_.aggs) {
    const VecPtr& value = held_.cols[a.args[0]->slot];
    if (value == nullptr || value->constant || value->type != a.result_type) return false;
    if (a.kind == AggKind::kMaxBy) {
      const VecPtr& by = held_.cols[a.args[1]->slot];
      if (by == nullptr || by->constant) return false;
      if (by.get() != checked_by) {
        bool all_present = true;
        ForEachRow(sel, [&](size_t r) { all_present = all_present && by->present[r] != 0; });
        if (!all_present) return false;
        checked_by = by.get();
      }
    }
    groups.cols.push_back(value);
  }
  // The memory NewGroup would have charged for these groups.
  if (absl::Status s = budget_->Charge(GroupBytes(key_bytes, sel.count)); !s.ok()) return s;
  held_ = Chunk();
  // Ordered by the key, the groups reach the sink in the answer's order (sorted as the
  // sink sorts one key, and distinct: it takes them as they come); else in the rows' own.
  const Sel emitted = order_by != nullptr ? Sel{order.data(), order.size()} : sel;
  if (absl::Status s = Emit(groups, emitted, sink, order_by != nullptr); !s.ok()) return s;
  return true;
}

absl::Status GroupTable::ConsumeNow(const Chunk& chunk, const Sel& sel) {
  MakeAccumulators();
  if (plan_.scan.latest_only) Reserve(std::min(chunk.n, kMaxLatestGroupsReserved));
  std::vector<VecPtr> keys;
  keys.reserve(plan_.group_keys.size());
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
  std::vector<VecPtr> args;
  for (size_t a = 0; a < accumulators_.size(); ++a) {
    args.clear();
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
  if (held_.n != 0) {
    absl::StatusOr<bool> done = FinishRowsAsGroups(sink);
    if (!done.ok()) return done.status();
    if (*done) return absl::OkStatus();
    if (absl::Status s = ConsumeHeld(); !s.ok()) return s;
  }
  MakeAccumulators();  // None yet when no row came.
  Chunk chunk;
  chunk.n = groups_;
  chunk.cols.reserve(keys_.size() + accumulators_.size());
  for (Vec& k : keys_) {
    k.Resize(groups_);  // Drops the spare capacity's slots.
    chunk.cols.push_back(std::make_shared<const Vec>(std::move(k)));
  }
  for (Accumulator& a : accumulators_) {
    chunk.cols.push_back(std::make_shared<const Vec>(a.Finish(groups_)));
  }
  return Emit(chunk, Sel{nullptr, groups_}, sink);
}

absl::Status GroupTable::Emit(const Chunk& groups, Sel sel, OutputSink& sink, bool in_order) {
  std::vector<uint32_t> rows;
  if (plan_.having != nullptr) {
    if (absl::Status s = FilterRows(*plan_.having, groups, sel, ctx_, &rows); !s.ok()) return s;
    sel = Sel{rows.data(), rows.size()};
  }
  absl::StatusOr<bool> more = sink.Consume(groups, sel, in_order);
  return more.status();
}

}  // namespace tsw::query
