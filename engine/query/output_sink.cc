#include "engine/query/output_sink.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/common/generated_range.h"
#include "engine/query/aggregates.h"
#include "tsw/status.h"

namespace tsw::query {

absl::Status MemoryBudget::Charge(int64_t bytes) {
  used_ += bytes;
  if (used_ > limit_) {
    return ValidationError(absl::StrCat(
        "Query exceeded the memory limit of ", limit_,
        " bytes (QueryLimits::memory_limit_bytes): its groups, sort buffer or DISTINCT set "
        "need more; narrow the time range, add a LIMIT or aggregate more coarsely"));
  }
  return absl::OkStatus();
}

namespace {

const std::string& EmptyString() {
  static const std::string* const empty = new std::string();
  return *empty;
}

// Appends make(0), ..., make(n - 1) to *out. A few values by one insert (AppendGenerated:
// no zero-fill for a loop to overwrite); more by a resize and a plain loop, whose
// zero-fill costs less than the insert's element-by-element path through its iterator.
template <typename T, typename Make>
void AppendRows(size_t n, const Make& make, std::vector<T>* out) {
  constexpr size_t kLoopFrom = 16;
  if (n < kLoopFrom) {
    AppendGenerated(n, make, out);
    return;
  }
  const size_t base = out->size();
  out->resize(base + n);
  T* to = out->data() + base;
  for (size_t k = 0; k < n; ++k) to[k] = make(k);
}

// Whether rows[0..n) are rows[0], rows[0] + 1, ...: the usual rows of a scan batch, whose
// WHERE the scan already applied. The full check (branch-free) only when the ends agree.
bool IsRun(const uint32_t* rows, size_t n) {
  if (n == 0 || rows[n - 1] - rows[0] != n - 1) return false;
  uint32_t differ = 0;
  for (size_t k = 0; k < n; ++k) differ |= rows[k] ^ (rows[0] + static_cast<uint32_t>(k));
  return differ == 0;
}

// Appends rows [first, first + n) of `v` (not constant) to `out` in bulk when they are all
// present and `v` holds them in the array `out` uses: one copy, no per-row loop and no
// zero-fill. False (nothing appended) otherwise.
bool AppendPresentRun(const Vec& v, size_t first, size_t n, QueryColumn& out) {
  const Physical physical = PhysicalOf(out.type);
  const bool same_array = physical == Physical::kInt ||
                          (physical == Physical::kDouble && v.type == ScalarType::kDouble);
  if (!same_array || std::memchr(v.present.data() + first, 0, n) != nullptr) return false;
  out.present.insert(out.present.end(), n, 1);
  if (physical == Physical::kInt) {
    out.ints.insert(out.ints.end(), v.ints.begin() + first, v.ints.begin() + first + n);
  } else {
    out.doubles.insert(out.doubles.end(), v.dbls.begin() + first, v.dbls.begin() + first + n);
  }
  return true;
}

// Appends `v`'s constant value `n` times (dimensions, measure_name: one value a batch).
void AppendConstant(const Vec& v, size_t n, QueryColumn& out) {
  const bool valid = v.present[0] != 0;
  out.present.insert(out.present.end(), n, valid);
  switch (PhysicalOf(out.type)) {
    case Physical::kInt:
      out.ints.insert(out.ints.end(), n, valid ? v.ints[0] : 0);
      break;
    case Physical::kDouble:
      out.doubles.insert(out.doubles.end(), n, valid ? v.AsDouble(0) : 0);
      break;
    case Physical::kString:
      out.strings.append(valid ? v.strs[0] : EmptyString(), n);  // One value, n codes.
      break;
    case Physical::kNone:
      break;
  }
}

// Appends rows row_of(0), ..., row_of(n - 1) of `v` (not constant) one by one.
template <typename RowOf>
void AppendEachRow(const Vec& v, size_t n, const RowOf& row_of, QueryColumn& out) {
  const size_t base = out.present.size();
  AppendRows(
      n, [&](size_t k) -> uint8_t { return v.present[row_of(k)] != 0; }, &out.present);
  const uint8_t* present = out.present.data() + base;
  switch (PhysicalOf(out.type)) {
    case Physical::kInt:
      AppendRows(
          n, [&](size_t k) -> int64_t { return present[k] ? v.ints[row_of(k)] : 0; }, &out.ints);
      break;
    case Physical::kDouble:
      if (v.type == ScalarType::kDouble) {
        AppendRows(
            n, [&](size_t k) -> double { return present[k] ? v.dbls[row_of(k)] : 0; },
            &out.doubles);
      } else {
        AppendRows(
            n, [&](size_t k) -> double { return present[k] ? v.AsDouble(row_of(k)) : 0; },
            &out.doubles);
      }
      break;
    case Physical::kString: {
      // Room for the new runs' strings up front (an answer's key column, a string a row,
      // otherwise moves its strings each time it doubles).
      const std::string* previous = out.strings.empty() ? nullptr : &out.strings[base - 1];
      size_t runs = 0;
      for (size_t k = 0; k < n; ++k) {
        const std::string* value = present[k] ? &v.strs[row_of(k)] : &EmptyString();
        runs += previous == nullptr || *previous != *value;
        previous = value;
      }
      out.strings.reserve(base + n);
      out.strings.reserve_values(runs);
      for (size_t k = 0; k < n; ++k) {
        out.strings.push_back(present[k] ? v.strs[row_of(k)] : EmptyString());
      }
      break;
    }
    case Physical::kNone:
      break;
  }
}

}  // namespace

void AppendToColumn(const Vec& v, const uint32_t* rows, size_t n, QueryColumn& out) {
  // One loop per type over the rows, and a constant vector (dimensions, measure_name) as
  // one value repeated: an answer of many rows and columns is built here.
  if (v.constant) return AppendConstant(v, n, out);
  if (IsRun(rows, n) && AppendPresentRun(v, rows[0], n, out)) return;
  AppendEachRow(
      v, n, [rows](size_t k) { return rows[k]; }, out);
}

void AppendRangeToColumn(const Vec& v, size_t first, size_t n, QueryColumn& out) {
  if (n == 0) return;
  if (v.constant) return AppendConstant(v, n, out);
  if (AppendPresentRun(v, first, n, out)) return;
  AppendEachRow(
      v, n, [first](size_t k) { return first + k; }, out);
}

void AppendToColumn(const Vec& v, const std::vector<uint32_t>& rows, QueryColumn& out) {
  AppendToColumn(v, rows.data(), rows.size(), out);
}

Vec VecFromColumn(const QueryColumn& c, size_t begin, size_t end) {
  Vec v;
  v.type = c.type;
  v.present.assign(c.present.begin() + begin, c.present.begin() + end);
  switch (PhysicalOf(c.type)) {
    case Physical::kInt:
      v.ints.assign(c.ints.begin() + begin, c.ints.begin() + end);
      break;
    case Physical::kDouble:
      v.dbls.assign(c.doubles.begin() + begin, c.doubles.begin() + end);
      break;
    case Physical::kString:
      v.strs.reserve(end - begin);
      for (size_t row = begin; row < end; ++row) v.strs.push_back(c.strings[row]);
      break;
    case Physical::kNone:
      break;
  }
  return v;
}

void AppendKeyBytes(const Vec& v, size_t row, std::string* out) {
  const size_t i = v.Idx(row);
  if (!v.present[i]) {
    out->push_back('\0');
    return;
  }
  out->push_back('\1');
  char bytes[8];
  switch (PhysicalOf(v.type)) {
    case Physical::kInt:
      std::memcpy(bytes, &v.ints[i], 8);
      out->append(bytes, 8);
      break;
    case Physical::kDouble: {
      double d = v.dbls[i];
      if (d == 0) d = 0;  // -0 and 0 are one value.
      if (d != d) d = std::numeric_limits<double>::quiet_NaN();
      std::memcpy(bytes, &d, 8);
      out->append(bytes, 8);
      break;
    }
    case Physical::kString: {
      const uint32_t n = static_cast<uint32_t>(v.strs[i].size());
      std::memcpy(bytes, &n, 4);
      out->append(bytes, 4);
      out->append(v.strs[i]);
      break;
    }
    case Physical::kNone:
      break;
  }
}

namespace {

constexpr size_t kBatchRows = 1024;

QueryColumn NewColumn(const std::string& name, ScalarType type) {
  QueryColumn c;
  c.name = name;
  c.type = type;
  return c;
}

// Removes `c`'s rows; its buffers keep their capacity.
void ClearColumn(QueryColumn& c) {
  c.present.clear();
  c.ints.clear();
  c.doubles.clear();
  c.strings.clear();
}

// Room for `rows` rows in the array `c`'s type uses.
void ReserveColumn(QueryColumn& c, size_t rows) {
  c.present.reserve(rows);
  switch (PhysicalOf(c.type)) {
    case Physical::kInt:
      c.ints.reserve(rows);
      break;
    case Physical::kDouble:
      c.doubles.reserve(rows);
      break;
    case Physical::kString:
      c.strings.reserve(rows);
      break;
    case Physical::kNone:
      break;
  }
}

// -1, 0, 1 comparing rows a and b of `c` in `key`'s order.
int CompareRows(const QueryColumn& c, const SortKey& key, size_t a, size_t b) {
  const bool na = !c.present[a], nb = !c.present[b];
  if (na || nb) {
    if (na && nb) return 0;
    return (na == key.nulls_first) ? -1 : 1;
  }
  int cmp = 0;
  switch (PhysicalOf(c.type)) {
    case Physical::kInt:
      cmp = c.ints[a] < c.ints[b] ? -1 : (c.ints[a] > c.ints[b] ? 1 : 0);
      break;
    case Physical::kDouble: {
      const double x = c.doubles[a], y = c.doubles[b];
      if (x != x || y != y) {
        cmp = (x != x) - (y != y);
      } else {
        cmp = x < y ? -1 : (x > y ? 1 : 0);
      }
      break;
    }
    case Physical::kString:
      cmp = c.strings[a].compare(c.strings[b]);
      cmp = cmp < 0 ? -1 : (cmp > 0 ? 1 : 0);
      break;
    case Physical::kNone:
      break;
  }
  return key.descending ? -cmp : cmp;
}

// Reorders `c` to rows `order` (a permutation of its rows, maybe cut short) in one pass
// per array; the strings move rather than copy.
void Permute(QueryColumn& c, const std::vector<uint32_t>& order) {
  const size_t n = order.size();
  std::vector<uint8_t> present(n);
  for (size_t k = 0; k < n; ++k) present[k] = c.present[order[k]];
  c.present = std::move(present);
  switch (PhysicalOf(c.type)) {
    case Physical::kInt: {
      std::vector<int64_t> ints(n);
      for (size_t k = 0; k < n; ++k) ints[k] = c.ints[order[k]];
      c.ints = std::move(ints);
      break;
    }
    case Physical::kDouble: {
      std::vector<double> doubles(n);
      for (size_t k = 0; k < n; ++k) doubles[k] = c.doubles[order[k]];
      c.doubles = std::move(doubles);
      break;
    }
    case Physical::kString:
      c.strings.permute(order);
      break;
    case Physical::kNone:
      break;
  }
}

// Orders `order` by `less` and cuts it to `keep` rows; false when it was already in
// order and whole (nothing to permute).
template <typename Less>
bool SortOrder(std::vector<uint32_t>& order, size_t keep, const Less& less) {
  // Groups often come in the order asked for (a time scan's bins, ORDER BY time): one
  // pass over them instead of a sort and a permutation of every column.
  if (keep >= order.size() && std::is_sorted(order.begin(), order.end(), less)) return false;
  if (keep < order.size()) {
    std::partial_sort(order.begin(), order.begin() + keep, order.end(), less);
    order.resize(keep);
  } else {
    std::sort(order.begin(), order.end(), less);
  }
  return true;
}

// The first 8 bytes of `s` (zeros past its end) as a big-endian integer: unequal
// prefixes order as the strings do, byte by byte unsigned, as std::string compares.
uint64_t StringPrefix(const std::string& s) {
  unsigned char bytes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(bytes, s.data(), std::min<size_t>(s.size(), 8));
  uint64_t prefix = 0;
  for (unsigned char b : bytes) prefix = prefix << 8 | b;
  return prefix;
}

// One sort key's values: a buffered QueryColumn's or an evaluated Vec's arrays, indexed
// by row (a QueryColumn's strings through its codes).
struct KeyArrays {
  Physical physical = Physical::kNone;
  const uint8_t* present = nullptr;
  const int64_t* ints = nullptr;
  const double* doubles = nullptr;
  const std::string* strings = nullptr;
  const uint32_t* codes = nullptr;  // Null: strings[row] is row's.

  const std::string& String(uint32_t row) const {
    return codes != nullptr ? strings[codes[row]] : strings[row];
  }
};

KeyArrays KeyArraysOf(const QueryColumn& c) {
  return {PhysicalOf(c.type), c.present.data(),          c.ints.data(),
          c.doubles.data(),   c.strings.values().data(), c.strings.codes().data()};
}

// SortOrderByOneKey for strings. Each row is sorted as (its string's first 8 bytes as a
// big-endian integer, zero-padded; the row): most pairs order by one integer comparison
// on the pair itself, not through the row to two arrays, and equal prefixes fall back to
// the strings.
bool SortOrderByStrings(const KeyArrays& c, const SortKey& key, std::vector<uint32_t>& order,
                        size_t keep) {
  const uint8_t* present = c.present;
  const bool nulls_first = key.nulls_first, descending = key.descending;
  if (keep >= order.size()) {
    // Rows often come sorted (groups ordered by their key, group_table.h): checked on
    // the strings themselves first, without the keyed copy below. The same order as
    // null_less and value_less.
    const auto row_less = [&](uint32_t a, uint32_t b) {
      const bool na = !present[a], nb = !present[b];
      if (na || nb) return na && nb ? a < b : na == nulls_first;
      const int cmp = c.String(a).compare(c.String(b));
      if (cmp != 0) return (cmp < 0) != descending;
      return a < b;
    };
    if (std::is_sorted(order.begin(), order.end(), row_less)) return false;
  }
  using Keyed = std::pair<uint64_t, uint32_t>;
  std::vector<Keyed> keyed(order.size());
  bool any_null = false;
  for (size_t k = 0; k < order.size(); ++k) {
    const uint32_t r = order[k];
    any_null |= !present[r];
    keyed[k] = {present[r] ? StringPrefix(c.String(r)) : 0, r};
  }
  const auto sort = [&](auto less) {
    if (keep >= keyed.size() && std::is_sorted(keyed.begin(), keyed.end(), less)) return false;
    if (keep < keyed.size()) {
      std::partial_sort(keyed.begin(), keyed.begin() + keep, keyed.end(), less);
      keyed.resize(keep);
    } else {
      std::sort(keyed.begin(), keyed.end(), less);
    }
    return true;
  };
  const auto value_less = [&](const Keyed& x, const Keyed& y) {
    if (x.first != y.first) return (x.first < y.first) != descending;
    const int cmp = c.String(x.second).compare(c.String(y.second));
    if (cmp != 0) return (cmp < 0) != descending;
    return x.second < y.second;
  };
  // Without NULLs (a GROUP BY key mostly) the comparison need not look at presence.
  const auto null_less = [&](const Keyed& x, const Keyed& y) {
    const bool nx = !present[x.second], ny = !present[y.second];
    if (nx || ny) return nx && ny ? x.second < y.second : nx == nulls_first;
    return value_less(x, y);
  };
  const bool sorted = any_null ? sort(null_less) : sort(value_less);
  if (!sorted) return false;
  order.resize(keyed.size());
  for (size_t k = 0; k < keyed.size(); ++k) order[k] = keyed[k].second;
  return true;
}

// SortOrder by the one key `c`, compared by its values' type without a switch per
// comparison (CompareRows' order: NULLs by nulls_first alone, NaN above every double,
// ties by row).
bool SortOrderByOneKey(const KeyArrays& c, const SortKey& key, std::vector<uint32_t>& order,
                       size_t keep) {
  const uint8_t* present = c.present;
  const bool nulls_first = key.nulls_first, descending = key.descending;
  auto by = [&](auto value_less) {
    return SortOrder(order, keep, [&](uint32_t a, uint32_t b) {
      const bool na = !present[a], nb = !present[b];
      if (na || nb) return na && nb ? a < b : na == nulls_first;
      if (value_less(a, b)) return !descending;
      if (value_less(b, a)) return descending;
      return a < b;
    });
  };
  switch (c.physical) {
    case Physical::kInt: {
      const int64_t* v = c.ints;
      return by([v](uint32_t a, uint32_t b) { return v[a] < v[b]; });
    }
    case Physical::kDouble: {
      const double* v = c.doubles;
      return by([v](uint32_t a, uint32_t b) {
        const double x = v[a], y = v[b];
        return x != x || y != y ? (x != x) < (y != y) : x < y;
      });
    }
    case Physical::kString:
      return SortOrderByStrings(c, key, order, keep);
    case Physical::kNone:
      break;
  }
  return by([](uint32_t, uint32_t) { return false; });
}

}  // namespace

void SortByOneValue(const Vec& v, bool descending, bool nulls_first, std::vector<uint32_t>* order) {
  SortKey key;
  key.descending = descending;
  key.nulls_first = nulls_first;
  const KeyArrays arrays{PhysicalOf(v.type), v.present.data(), v.ints.data(), v.dbls.data(),
                         v.strs.data()};
  SortOrderByOneKey(arrays, key, *order, order->size());
}

OutputSink::OutputSink(const Plan& plan, const EvalContext& ctx, MemoryBudget* budget,
                       std::function<bool(const QueryBatch&)> visitor)
    : plan_(plan), ctx_(ctx), budget_(budget), visitor_(std::move(visitor)) {
  buffer_.reserve(plan.columns.size() + plan.order.size());
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    buffer_.push_back(NewColumn(plan.columns[i].name, plan.outputs[i]->type));
  }
  for (const SortKey& key : plan.order) {
    if (key.output < 0) buffer_.push_back(NewColumn("", key.expr->type));
  }
}

absl::StatusOr<bool> OutputSink::Consume(const Chunk& chunk, const Sel& sel, bool in_order) {
  if (stopped_) return false;
  if (sel.count == 0) return true;
  std::vector<VecPtr> values;
  values.reserve(plan_.outputs.size() + plan_.order.size());
  for (const auto& e : plan_.outputs) {
    auto v = Evaluate(*e, chunk, sel, ctx_);
    if (!v.ok()) return v.status();
    values.push_back(std::move(*v));
  }
  for (const SortKey& key : plan_.order) {
    if (key.output >= 0) continue;
    auto v = Evaluate(*key.expr, chunk, sel, ctx_);
    if (!v.ok()) return v.status();
    values.push_back(std::move(*v));
  }
  if (sel.idx == nullptr && !plan_.distinct && !Ordered()) {
    // Every row of the chunk (a scan's batch the WHERE kept whole): appended as one range,
    // without a row list.
    AppendInBatches(values, nullptr, LimitedRows(sel.count));
    return !stopped_;
  }
  std::vector<uint32_t>& rows = rows_;
  rows.clear();
  rows.reserve(sel.count);
  std::string key;
  ForEachRow(sel, [&](size_t r) {
    if (plan_.distinct) {
      key.clear();
      for (size_t c = 0; c < plan_.outputs.size(); ++c) AppendKeyBytes(*values[c], r, &key);
      if (!seen_.insert(key).second) return;
      budget_->Charge(static_cast<int64_t>(key.size()) + 32).IgnoreError();
    }
    rows.push_back(static_cast<uint32_t>(r));
  });
  if (absl::Status s = budget_->Charge(0); !s.ok()) return s;
  if (absl::Status s = Append(values, rows, in_order); !s.ok()) return s;
  return !stopped_;
}

absl::Status OutputSink::Append(const std::vector<VecPtr>& values,
                                const std::vector<uint32_t>& rows, bool in_order) {
  if (!Ordered()) {
    AppendInBatches(values, rows.data(), LimitedRows(rows.size()));
    return absl::OkStatus();
  }
  std::vector<uint32_t> sorted;
  const bool first_rows = buffered_ == 0;
  // The first rows are put in order as they are appended (or come so: `in_order`).
  const bool sorting = first_rows && SortableOnAppend(values, rows.size());
  if (sorting && !in_order) SortRows(values, rows, &sorted);
  const std::vector<uint32_t>& appended = sorting && !in_order ? sorted : rows;
  for (size_t c = 0; c < buffer_.size(); ++c) AppendToColumn(*values[c], appended, buffer_[c]);
  in_order_ = sorting;
  const size_t first = buffered_;
  buffered_ += rows.size();
  const int64_t bytes = RowsBytes(first, buffered_);
  buffered_bytes_ += bytes;
  if (absl::Status s = budget_->Charge(bytes); !s.ok()) return s;
  if (plan_.limit && buffered_ > std::max<size_t>(2 * *plan_.limit, 4096)) {
    SortAndTruncate(static_cast<size_t>(*plan_.limit));
  }
  return absl::OkStatus();
}

size_t OutputSink::LimitedRows(size_t rows) {
  if (!plan_.limit) return rows;
  const int64_t room = *plan_.limit - emitted_ - static_cast<int64_t>(buffered_);
  if (room <= 0) {
    stopped_ = true;
    return 0;
  }
  return std::min(rows, static_cast<size_t>(room));
}

// Without ORDER BY the buffer fills up to exactly kBatchRows, then moves out whole as one
// QueryBatch (FlushWhole), so no row is copied twice.
void OutputSink::AppendInBatches(const std::vector<VecPtr>& values, const uint32_t* rows,
                                 size_t count) {
  for (size_t done = 0; done < count && !stopped_;) {
    const size_t n = std::min(count - done, kBatchRows - buffered_);
    for (size_t c = 0; c < buffer_.size(); ++c) {
      if (rows == nullptr) {
        AppendRangeToColumn(*values[c], done, n, buffer_[c]);
      } else {
        AppendToColumn(*values[c], rows + done, n, buffer_[c]);
      }
    }
    buffered_ += n;
    done += n;
    if (buffered_ >= kBatchRows && !Flush(buffered_)) stopped_ = true;
  }
  if (plan_.limit && emitted_ + static_cast<int64_t>(buffered_) >= *plan_.limit) stopped_ = true;
}

bool OutputSink::SortableOnAppend(const std::vector<VecPtr>& values, size_t rows) const {
  if (plan_.order.size() != 1 || rows < 2) return false;
  const SortKey& key = plan_.order[0];
  const size_t column = key.output >= 0 ? static_cast<size_t>(key.output) : plan_.outputs.size();
  const Vec& v = *values[column];
  // A constant key leaves the rows as they are; another type than the buffer's is
  // converted as it is appended, so its order is left to SortAndTruncate.
  return !v.constant && v.type == buffer_[column].type;
}

void OutputSink::SortRows(const std::vector<VecPtr>& values, const std::vector<uint32_t>& rows,
                          std::vector<uint32_t>* sorted) const {
  const SortKey& key = plan_.order[0];
  const size_t column = key.output >= 0 ? static_cast<size_t>(key.output) : plan_.outputs.size();
  const Vec& v = *values[column];
  const KeyArrays arrays{PhysicalOf(v.type), v.present.data(), v.ints.data(), v.dbls.data(),
                         v.strs.data()};
  *sorted = rows;
  SortOrderByOneKey(arrays, key, *sorted, sorted->size());
}

int64_t OutputSink::RowsBytes(size_t begin, size_t end) const {
  int64_t bytes = 0;
  for (const QueryColumn& c : buffer_) {
    bytes += 9 * static_cast<int64_t>(end - begin);
    if (PhysicalOf(c.type) != Physical::kString) continue;
    const std::vector<std::string>& values = c.strings.values();
    const uint32_t* codes = c.strings.codes().data();
    for (size_t r = begin; r < end; ++r)
      bytes += static_cast<int64_t>(values[codes[r]].size()) + 24;
  }
  return bytes;
}

void OutputSink::SortAndTruncate(size_t keep) {
  if (in_order_ && keep >= buffered_) return;
  std::vector<uint32_t> order(buffered_);
  std::iota(order.begin(), order.end(), 0);
  const size_t outputs = plan_.outputs.size();
  std::vector<const QueryColumn*> key_columns;
  size_t hidden = outputs;
  for (const SortKey& key : plan_.order) {
    key_columns.push_back(&buffer_[key.output >= 0 ? key.output : hidden++]);
  }
  bool moved = false;
  if (plan_.order.size() == 1) {
    moved = SortOrderByOneKey(KeyArraysOf(*key_columns[0]), plan_.order[0], order, keep);
  } else {
    moved = SortOrder(order, keep, [&](uint32_t a, uint32_t b) {
      for (size_t k = 0; k < plan_.order.size(); ++k) {
        const int c = CompareRows(*key_columns[k], plan_.order[k], a, b);
        if (c != 0) return c < 0;
      }
      return a < b;
    });
  }
  in_order_ = true;
  if (!moved) return;
  for (QueryColumn& c : buffer_) Permute(c, order);
  if (order.size() == buffered_) return;  // The same rows: the same bytes.
  buffered_ = order.size();
  const int64_t bytes = RowsBytes(0, buffered_);
  budget_->Release(buffered_bytes_ - bytes);
  buffered_bytes_ = bytes;
}

// Hands the first `rows` buffered rows to the visitor, in batches; false if it stopped.
bool OutputSink::Flush(size_t rows) {
  const size_t outputs = plan_.outputs.size();
  if (rows == buffered_ && rows <= kBatchRows) return FlushWhole();
  for (size_t begin = 0; begin < rows; begin += kBatchRows) {
    const size_t end = std::min(rows, begin + kBatchRows);
    QueryBatch batch;
    batch.num_rows = static_cast<int64_t>(end - begin);
    batch.columns.reserve(outputs);
    for (size_t c = 0; c < outputs; ++c) {
      const QueryColumn& from = buffer_[c];
      QueryColumn col = NewColumn(from.name, from.type);
      col.present.assign(from.present.begin() + begin, from.present.begin() + end);
      if (!from.ints.empty()) col.ints.assign(from.ints.begin() + begin, from.ints.begin() + end);
      if (!from.doubles.empty()) {
        col.doubles.assign(from.doubles.begin() + begin, from.doubles.begin() + end);
      }
      if (!from.strings.empty()) col.strings.append(from.strings, begin, end);
      batch.columns.push_back(std::move(col));
    }
    emitted_ += batch.num_rows;
    if (!visitor_(batch)) {
      stopped_ = true;
      visitor_stopped_ = true;
      return false;
    }
  }
  for (QueryColumn& c : buffer_) c = NewColumn(c.name, c.type);
  buffered_ = 0;
  return true;
}

// Flush of every buffered row (at most kBatchRows) as one batch: the columns move out,
// and after the visitor's call (the batch is the visitor's only during it) move back
// emptied, keeping their buffers for the next batch.
bool OutputSink::FlushWhole() {
  const size_t outputs = plan_.outputs.size();
  batch_.num_rows = static_cast<int64_t>(buffered_);
  batch_.columns.resize(outputs);
  for (size_t c = 0; c < outputs; ++c) std::swap(batch_.columns[c], buffer_[c]);
  for (size_t c = outputs; c < buffer_.size(); ++c) ClearColumn(buffer_[c]);
  buffered_ = 0;
  emitted_ += batch_.num_rows;
  const bool go_on = visitor_(batch_);
  for (size_t c = 0; c < outputs && !finishing_; ++c) {
    std::swap(batch_.columns[c], buffer_[c]);
    ClearColumn(buffer_[c]);
    // The first batch's columns grew step by step; the next batch is likely full too.
    ReserveColumn(buffer_[c], kBatchRows);
  }
  if (!go_on) {
    stopped_ = true;
    visitor_stopped_ = true;
    return false;
  }
  return true;
}

absl::Status OutputSink::Finish() {
  finishing_ = true;
  if (Ordered()) {
    SortAndTruncate(plan_.limit ? static_cast<size_t>(*plan_.limit) : buffered_);
  }
  if (buffered_ > 0 && !visitor_stopped_) Flush(buffered_);
  return absl::OkStatus();
}

}  // namespace tsw::query
