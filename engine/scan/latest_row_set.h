// LatestRowSet: the rows of a latest-row scan (latest_scanner.h), one per key, kept
// compactly between reading them under the table's shared lock and handing them out after
// it is released. A row's values go into flat arrays and its names into a small table
// (consecutive rows mostly share them), so gathering a row allocates nothing once the
// arrays have grown; handing a row out refills one caller-owned RowBatch, reusing its
// buffers. Without it each key cost a RowBatch of its own: a vector per column and a
// string per dimension.
//
// A memory row's dimensions are kept by pointer to its series' (memstore::Series: set
// once when the series is registered, never changed or freed while the memory store
// lives); a segment row's are copied.
//
// Thread-compatible.
#ifndef TSW_ENGINE_SCAN_LATEST_ROW_SET_H_
#define TSW_ENGINE_SCAN_LATEST_ROW_SET_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "engine/common/row_batch.h"
#include "tsw/types.h"

namespace tsw::scan {

class LatestRowSet {
 public:
  // Appends row 0 of `row` (a one-row batch). With `dimensions` not null, the row's
  // series is *dimensions, which must stay unchanged as long as this set is read, and
  // row.dimensions is not read.
  void Add(const RowBatch& row, const std::vector<Dimension>* dimensions);

  // The same, a piece at a time (the memory scanner, which has no RowBatch to give):
  // BeginRow, then AddCell per column. `dimensions` as for Add, never null.
  void BeginRow(const std::vector<Dimension>* dimensions, const std::string& measure_name,
                MeasureValueType type, int64_t time, int64_t version);
  // A column of the row begun last. `bits` holds the value's 8 bytes (a DOUBLE's or an
  // int64's) unless `type` is VARCHAR, whose value is `text`.
  void AddCell(const std::string& name, MeasureValueType type, bool present, uint64_t bits,
               absl::string_view text);

  size_t size() const { return keys_.size(); }

  // Row `i` as a one-row batch in *out (whose buffers are reused).
  void Get(size_t i, RowBatch* out) const;

 private:
  struct Key {
    const std::vector<Dimension>* dimensions = nullptr;
    uint32_t measure_name = 0;  // In names_.
    MeasureValueType type = MeasureValueType::kDouble;
    int64_t time = 0;
    int64_t version = 0;
    uint32_t first_cell = 0;  // In cells_.
    uint32_t cells = 0;
  };
  struct Cell {
    uint32_t name = 0;  // In names_.
    MeasureValueType type = MeasureValueType::kDouble;
    bool present = false;
    uint64_t bits = 0;  // A DOUBLE's or int64's bytes; VARCHAR: the index in strings_.
  };

  // The index of `name` in names_ (added if new); `hint` is tried first.
  uint32_t NameId(const std::string& name, uint32_t hint);

  std::vector<Key> keys_;
  std::vector<Cell> cells_;
  std::vector<std::string> names_;
  absl::flat_hash_map<std::string, uint32_t> name_ids_;
  std::vector<std::string> strings_;
  std::deque<std::vector<Dimension>> copied_dimensions_;  // Segment rows' series.
};

}  // namespace tsw::scan

#endif  // TSW_ENGINE_SCAN_LATEST_ROW_SET_H_
