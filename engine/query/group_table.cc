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
  accumulators_.reserve(plan.aggs.size());
  for (const AggCall& a : plan.aggs) accumulators_.emplace_back(a);
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

void GroupTable::ResizeTo(size_t groups) {
  if (groups > capacity_) {
    capacity_ = std::max({groups, capacity_ * 2, size_t{16}});
    for (Vec& k : keys_) k.Resize(capacity_);
    for (Accumulator& a : accumulators_) a.Resize(capacity_);
  }
  groups_ = groups;
}

void GroupTable::Reserve(size_t groups) {
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

absl::StatusOr<uint32_t> GroupTable::NewGroup(const std::vector<VecPtr>& keys, size_t row,
                                              size_t key_bytes) {
  int64_t bytes = static_cast<int64_t>(key_bytes) * 2 + 64;
  for (const Accumulator& a : accumulators_) bytes += a.BytesPerGroup();
  if (absl::Status s = budget_->Charge(bytes); !s.ok()) return s;
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

absl::Status GroupTable::Consume(const Chunk& chunk, const Sel& sel) {
  if (sel.count == 0) return absl::OkStatus();
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
  std::vector<uint32_t> rows;
  Sel sel{nullptr, groups_};
  if (plan_.having != nullptr) {
    if (absl::Status s = FilterRows(*plan_.having, chunk, sel, ctx_, &rows); !s.ok()) return s;
    sel = Sel{rows.data(), rows.size()};
  }
  absl::StatusOr<bool> more = sink.Consume(chunk, sel);
  return more.status();
}

}  // namespace tsw::query
