#include "engine/magnetic/incoming_streams.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tsw/status.h"

namespace tsw::magnetic {
namespace {

absl::Status BadBatch(size_t index, absl::string_view detail) {
  return tsw::InternalError(absl::StrCat("magnetic store: batch ", index, ": ", detail));
}

size_t ValueCount(const RowColumn& column) {
  switch (column.type) {
    case MeasureValueType::kDouble:
      return column.doubles.size();
    case MeasureValueType::kVarchar:
      return column.strings.size();
    default:
      return column.ints.size();
  }
}

absl::Status CheckBatch(size_t index, const RowBatch& b) {
  const size_t rows = b.time_nanos.size();
  if (b.versions.size() != rows) return BadBatch(index, "versions and times differ in length");
  for (size_t i = 1; i < rows; ++i) {
    if (b.time_nanos[i - 1] >= b.time_nanos[i]) {
      return BadBatch(index, absl::StrCat("times do not increase strictly at ", b.time_nanos[i]));
    }
  }
  for (const RowColumn& c : b.columns) {
    if (c.type == MeasureValueType::kMulti) {
      return BadBatch(index, absl::StrCat("column ", c.name, " has type MULTI"));
    }
    if (ValueCount(c) != rows || (!c.present.empty() && c.present.size() != rows)) {
      return BadBatch(index, absl::StrCat("column ", c.name, " differs in length from the times"));
    }
    if (c.type == MeasureValueType::kBoolean) {
      for (size_t i = 0; i < rows; ++i) {
        if ((c.present.empty() || c.present[i]) && c.ints[i] != 0 && c.ints[i] != 1) {
          return BadBatch(index, absl::StrCat("boolean column ", c.name, " holds ", c.ints[i]));
        }
      }
    }
  }
  if (b.measure_value_type == MeasureValueType::kMulti) {
    if (b.columns.empty()) return BadBatch(index, "MULTI measure without attributes");
    for (size_t i = 0; i < b.columns.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (b.columns[i].name == b.columns[j].name) {
          return BadBatch(index, absl::StrCat("attribute ", b.columns[i].name, " twice"));
        }
      }
    }
  } else if (b.columns.size() != 1 || b.columns[0].name != b.measure_name ||
             b.columns[0].type != b.measure_value_type) {
    return BadBatch(index, absl::StrCat("scalar measure ", b.measure_name,
                                        " must have one column of its name and type"));
  }
  return absl::OkStatus();
}

struct StreamKeyLess {
  bool operator()(const IncomingStream* a, const IncomingStream* b) const {
    if (int c = CompareSeries(a->series, b->series); c != 0) return c < 0;
    if (int c = a->measure_name.compare(b->measure_name); c != 0) return c < 0;
    return MeasureTypeCode(a->type) < MeasureTypeCode(b->type);
  }
};

// Merges the rows of `sources` (batches of one stream, in arrival order) into *out, in
// stream shape with `columns`.
void MergeBatches(const std::vector<const RowBatch*>& sources,
                  const std::vector<ColumnSpec>& columns, RowBatch* out) {
  struct Row {
    int64_t time;
    int64_t version;
    size_t source;
    size_t row;
  };
  std::vector<Row> rows;
  for (size_t s = 0; s < sources.size(); ++s) {
    for (size_t r = 0; r < sources[s]->time_nanos.size(); ++r) {
      rows.push_back({sources[s]->time_nanos[r], sources[s]->versions[r], s, r});
    }
  }
  // The winner of each time sorts last among its equals.
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.time, a.version, a.source) < std::tie(b.time, b.version, b.source);
  });
  out->columns.resize(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    out->columns[c].name = columns[c].name;
    out->columns[c].type = columns[c].type;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i + 1 < rows.size() && rows[i + 1].time == rows[i].time) continue;
    const Row& row = rows[i];
    const RowBatch& from = *sources[row.source];
    out->time_nanos.push_back(row.time);
    out->versions.push_back(row.version);
    for (RowColumn& to : out->columns) {
      auto it = std::find_if(from.columns.begin(), from.columns.end(), [&](const RowColumn& c) {
        return c.name == to.name && c.type == to.type;
      });
      bool present = it != from.columns.end() && (it->present.empty() || it->present[row.row] != 0);
      to.present.push_back(present ? 1 : 0);
      switch (to.type) {
        case MeasureValueType::kDouble:
          to.doubles.push_back(present ? it->doubles[row.row] : 0.0);
          break;
        case MeasureValueType::kVarchar:
          to.strings.push_back(present ? it->strings[row.row] : std::string());
          break;
        default:
          to.ints.push_back(present ? it->ints[row.row] : 0);
          break;
      }
    }
  }
}

}  // namespace

absl::StatusOr<std::vector<IncomingStream>> GroupIncomingBatches(
    const std::vector<RowBatch>& batches) {
  std::vector<IncomingStream> streams;
  std::vector<std::vector<const RowBatch*>> sources;
  std::map<const IncomingStream*, size_t, StreamKeyLess> by_key;
  streams.reserve(batches.size());
  for (size_t i = 0; i < batches.size(); ++i) {
    const RowBatch& b = batches[i];
    if (absl::Status s = CheckBatch(i, b); !s.ok()) return s;
    if (b.time_nanos.empty()) continue;
    IncomingStream key;
    key.series = b.dimensions;
    std::sort(key.series.begin(), key.series.end(),
              [](const Dimension& x, const Dimension& y) { return x.name < y.name; });
    for (size_t d = 1; d < key.series.size(); ++d) {
      if (key.series[d - 1].name == key.series[d].name) {
        return BadBatch(i, absl::StrCat("dimension ", key.series[d].name, " twice"));
      }
    }
    key.measure_name = b.measure_name;
    key.type = b.measure_value_type;
    auto found = by_key.find(&key);
    size_t index;
    if (found == by_key.end()) {
      index = streams.size();
      streams.push_back(std::move(key));
      sources.emplace_back();
      by_key.emplace(&streams[index], index);  // `streams` never reallocates (reserved).
    } else {
      index = found->second;
    }
    sources[index].push_back(&b);
    for (const RowColumn& c : b.columns) {
      ColumnSpec spec{c.name, c.type};
      std::vector<ColumnSpec>& cols = streams[index].columns;
      auto it = std::lower_bound(cols.begin(), cols.end(), spec, ColumnLess);
      if (it == cols.end() || it->name != spec.name || it->type != spec.type) {
        cols.insert(it, spec);
      }
    }
  }
  for (size_t i = 0; i < streams.size(); ++i) {
    if (sources[i].size() == 1) {
      streams[i].batch = sources[i][0];
    } else {
      MergeBatches(sources[i], streams[i].columns, &streams[i].merged);
    }
  }
  std::vector<size_t> order(streams.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return StreamKeyLess()(&streams[a], &streams[b]); });
  std::vector<IncomingStream> sorted;
  sorted.reserve(streams.size());
  for (size_t i : order) sorted.push_back(std::move(streams[i]));
  return sorted;
}

}  // namespace tsw::magnetic
