// Aggregate functions over groups: one Accumulator per aggregate call of a query holds
// that call's state for every group, in flat arrays indexed by group id, and updates
// it from a column vector and a per-row group id in one typed loop. NULL arguments are
// skipped (count(*) counts rows); an aggregate over no rows is NULL (count is 0).
//
// approx_percentile(x, p) is computed exactly: the value at position round(p * (n - 1))
// of the group's sorted non-NULL values (the service's answer is an approximation of it).
// stddev is the sample standard deviation (NULL for fewer than two values).
#ifndef TSW_ENGINE_QUERY_AGGREGATES_H_
#define TSW_ENGINE_QUERY_AGGREGATES_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "engine/query/plan.h"
#include "engine/query/vector.h"

namespace tsw::query {

class Accumulator {
 public:
  explicit Accumulator(const AggCall& call);

  // Makes room for groups [0, groups).
  void Resize(size_t groups);
  // Adds the rows of `sel`; row r belongs to group `gids[r]`. `args` are the call's
  // arguments evaluated at those rows. An error for a BIGINT sum that overflows.
  absl::Status Update(const std::vector<VecPtr>& args, const Sel& sel, const uint32_t* gids);
  // The aggregate's value for groups [0, groups).
  Vec Finish(size_t groups) const;
  // Bytes of state per group (for the memory limit), and the variable part so far.
  static constexpr int64_t kBytesPerGroup = 48;
  int64_t VariableBytes() const { return sample_bytes_; }

 private:
  // Finish of min, max, max_by and min_by.
  Vec FinishBest(size_t groups) const;
  void UpdateMinMax(const Vec& value, const Vec& key, const Sel& sel, const uint32_t* gids,
                    bool want_max);

  AggKind kind_;
  ScalarType result_type_;
  double percentile_;
  std::vector<int64_t> count_;
  std::vector<double> dsum_;                  // sum(DOUBLE), avg; stddev: the running mean.
  std::vector<int64_t> isum_;                 // sum(BIGINT).
  std::vector<double> m2_;                    // stddev.
  Vec best_;                                  // min, max, and the value of max_by/min_by.
  Vec best_key_;                              // max_by/min_by: the key of best_.
  std::vector<std::vector<double>> samples_;  // approx_percentile.
  int64_t sample_bytes_ = 0;
};

// -1, 0 or 1 comparing the (non-NULL) row `a_row` of `a` with row `b_row` of `b`, whose
// types are the same or both numeric.
int CompareValues(const Vec& a, size_t a_row, const Vec& b, size_t b_row);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_AGGREGATES_H_
