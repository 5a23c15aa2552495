// The Timestream Query API (2018-11-01) subset tsw answers in process: its request and
// response shapes, and the column batches of the streaming form.
//
// Each struct mirrors the shape of the same name in the SDK's model
// (timestream-query-2018-11-01.service-2.json); members are the model's members in
// snake_case. The SQL subset itself is described in engine/query/README.md.
#ifndef TSW_API_QUERY_H_
#define TSW_API_QUERY_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tsw {

// The model's ScalarType. The subset produces VARCHAR, BOOLEAN, BIGINT, DOUBLE,
// TIMESTAMP and INTERVAL_DAY_TO_SECOND; UNKNOWN is the type of a bare NULL.
enum class ScalarType {
  kVarchar,
  kBoolean,
  kBigint,
  kDouble,
  kTimestamp,
  kDate,
  kTime,
  kIntervalDayToSecond,
  kIntervalYearToMonth,
  kUnknown,
  kInteger,
};
// "VARCHAR", "BOOLEAN", ... as the wire protocol spells them.
std::string_view ScalarTypeName(ScalarType type);

// The model's Type; the subset's columns are all scalar.
struct ColumnType {
  ScalarType scalar_type = ScalarType::kUnknown;
};

struct ColumnInfo {
  std::string name;
  ColumnType type;
};

// One value of a row. `scalar_value` is the service's text for the value: BIGINT and
// DOUBLE as numbers, BOOLEAN as "true"/"false", TIMESTAMP as
// "2026-12-05 12:23:22.064000000" (UTC). A NULL has no scalar_value and null_value true.
struct Datum {
  std::optional<std::string> scalar_value;
  bool null_value = false;
};

struct Row {
  std::vector<Datum> data;
};

struct QueryStatus {
  double progress_percentage = 0;
  int64_t cumulative_bytes_scanned = 0;
  int64_t cumulative_bytes_metered = 0;
};

struct QueryRequest {
  std::string query_string;
  std::optional<std::string> client_token;
  std::optional<std::string> next_token;
  std::optional<int32_t> max_rows;  // 1..1000.
};

struct QueryResponse {
  std::string query_id;
  std::optional<std::string> next_token;
  std::vector<Row> rows;
  std::vector<ColumnInfo> column_info;
  QueryStatus query_status;
};

struct PrepareQueryRequest {
  std::string query_string;
  std::optional<bool> validate_only;
};

struct SelectColumn {
  std::string name;
  ColumnType type;
  std::string database_name;  // Empty for a computed column.
  std::string table_name;
  bool aliased = false;
};

struct ParameterMapping {
  std::string name;
  ColumnType type;
};

struct PrepareQueryResponse {
  std::string query_string;
  std::vector<SelectColumn> columns;
  std::vector<ParameterMapping> parameters;
};

struct CancelQueryRequest {
  std::string query_id;
};

struct CancelQueryResponse {
  std::optional<std::string> cancellation_message;
};

// ---- The streaming form (Engine::QueryStream): the answer as typed column batches,
// without building rows of text.

// A VARCHAR column's rows: `column[row]` is row's string, as in a vector of strings, but
// each row holds a 32-bit code into values() instead of a string of its own, and rows
// appended with the value of the row before share its code: a dimension or measure_name,
// the same for many rows of an answer, is stored once per run, not copied into each row.
class StringColumn {
 public:
  // A forward iterator over the rows' strings, so standard algorithms and containers
  // take a column as they took a std::vector<std::string>.
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string*;
    using reference = const std::string&;

    const_iterator() = default;
    const_iterator(const StringColumn* column, size_t row) : column_(column), row_(row) {}
    const std::string& operator*() const { return (*column_)[row_]; }
    const std::string* operator->() const { return &(*column_)[row_]; }
    const_iterator& operator++() {
      ++row_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++row_;
      return before;
    }
    bool operator==(const const_iterator& o) const { return row_ == o.row_; }
    bool operator!=(const const_iterator& o) const { return row_ != o.row_; }

   private:
    const StringColumn* column_ = nullptr;
    size_t row_ = 0;
  };

  // Rows.
  size_t size() const { return codes_.size(); }
  bool empty() const { return codes_.empty(); }
  const std::string& operator[](size_t row) const { return values_[codes_[row]]; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, codes_.size()}; }

  // The distinct strings of runs of rows, and each row's index into them.
  const std::vector<std::string>& values() const { return values_; }
  const std::vector<uint32_t>& codes() const { return codes_; }

  void reserve(size_t rows) { codes_.reserve(rows); }
  // Room for `runs` more distinct strings (runs of rows with one value) than held,
  // growing by doubling at least (many small appends stay linear).
  void reserve_values(size_t runs) {
    const size_t need = values_.size() + runs;
    if (need > values_.capacity()) values_.reserve(std::max(need, 2 * values_.capacity()));
  }
  void clear() {
    codes_.clear();
    values_.clear();
  }
  void push_back(const std::string& value) {
    if (values_.empty() || values_.back() != value) values_.push_back(value);
    codes_.push_back(static_cast<uint32_t>(values_.size() - 1));  // Not insert's fill path.
  }
  // Appends `rows` rows of `value`.
  void append(const std::string& value, size_t rows) {
    if (values_.empty() || values_.back() != value) values_.push_back(value);
    const uint32_t code = static_cast<uint32_t>(values_.size() - 1);
    // Eight codes a store (an answer's dimension columns repeat one code per batch of a
    // series): insert's fill path writes one at a time.
    const size_t at = codes_.size();
    codes_.resize(at + rows);
    uint32_t* to = codes_.data() + at;
    const uint32_t eight[8] = {code, code, code, code, code, code, code, code};
    size_t i = 0;
    for (; i + 8 <= rows; i += 8) std::memcpy(to + i, eight, sizeof(eight));
    for (; i < rows; ++i) to[i] = code;
  }
  // Appends rows [begin, end) of `from`.
  void append(const StringColumn& from, size_t begin, size_t end) {
    for (size_t row = begin; row < end; ++row) push_back(from[row]);
  }
  // Reorders the rows to `order` (row k becomes row order[k]; it may hold fewer rows).
  void permute(const std::vector<uint32_t>& order) {
    std::vector<uint32_t> codes(order.size());
    for (size_t k = 0; k < order.size(); ++k) codes[k] = codes_[order[k]];
    codes_ = std::move(codes);
  }

 private:
  std::vector<std::string> values_;
  std::vector<uint32_t> codes_;
};

// One column of a QueryBatch. Exactly one value vector is used, by `type`:
// DOUBLE -> doubles; BIGINT, TIMESTAMP (nanoseconds since the epoch),
// INTERVAL_DAY_TO_SECOND (nanoseconds) -> ints; BOOLEAN -> ints (0 or 1);
// VARCHAR -> strings. `present[i]` is 0 where row i is NULL.
struct QueryColumn {
  std::string name;
  ScalarType type = ScalarType::kUnknown;
  std::vector<double> doubles;
  std::vector<int64_t> ints;
  StringColumn strings;
  std::vector<uint8_t> present;
};

// Consecutive rows of the answer, in the answer's order.
struct QueryBatch {
  int64_t num_rows = 0;
  std::vector<QueryColumn> columns;
};

}  // namespace tsw

#endif  // TSW_API_QUERY_H_
