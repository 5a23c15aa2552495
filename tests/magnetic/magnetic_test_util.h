// Test helpers for the magnetic tier: random batches of every type, a model of what a
// store must return, and a Scan that flattens results into comparable row strings.
#ifndef TSW_TESTS_MAGNETIC_MAGNETIC_TEST_UTIL_H_
#define TSW_TESTS_MAGNETIC_MAGNETIC_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/magnetic/magnetic_store.h"
#include "tsw/types.h"

namespace tsw::magnetic::testing {

struct RandomBatchOptions {
  int batches = 8;
  int max_rows = 40;
  int64_t base_time = 1'000'000'000'000;
  int64_t time_step = 1000;  // Times are base + k * step, k < time_slots.
  int time_slots = 200;
  int max_version = 3;
};

// Random batches over a fixed pool of series and measures (cpu DOUBLE, count BIGINT,
// status VARCHAR, up BOOLEAN, seen TIMESTAMP, metrics MULTI with attributes a..e of each
// type, some missing), with NaN, -0.0, extreme integers, empty and long strings;
// dimension and column order shuffled.
std::vector<RowBatch> RandomBatches(std::mt19937_64& rng, const RandomBatchOptions& options);

// One row as a string: "dims|measure|type|time|version|col:type=value;..." listing only
// present columns (doubles by their bits), so rows compare regardless of column sets.
std::string RowString(const RowBatch& batch, size_t row);

// What a magnetic store must hold: every AddSegment's rows with "higher version wins;
// equal versions: the later write wins", minus rows older than the retention cutoff.
class Model {
 public:
  void Add(const std::vector<RowBatch>& batches);
  void ApplyRetention(int64_t min_time);
  // The rows matching `request`, as sorted RowStrings.
  std::vector<std::string> Rows(const ScanRequest& request = {}) const;
  // The RowString of one key, or "" when absent.
  std::string Find(const LookupKey& key) const;
  int64_t cutoff() const { return cutoff_; }

 private:
  struct Row {
    int64_t version;
    std::string text;  // RowString.
    std::vector<Dimension> series;
    std::string measure;
  };
  std::map<std::string, std::map<int64_t, Row>> streams_;  // By "dims|measure|type".
  int64_t cutoff_ = INT64_MIN;
};

// Scans `store` and returns the sorted RowStrings, after checking the batch invariants
// (non-empty, sorted dimensions, times increasing within a stream, each (stream, time)
// once, vectors of equal length, at most max_rows_per_batch rows, consistent columns).
absl::StatusOr<std::vector<std::string>> ScanRows(const MagneticStore& store,
                                                  const ScanRequest& request = {});

// An empty directory for the running test: `prefix` and the test's name under the
// test's temporary directory, removed first if a run before left it.
std::string FreshTestDir(absl::string_view prefix);

// MagneticStore::Open(dir, options); a failure fails the test and gives nullptr.
std::unique_ptr<MagneticStore> OpenStoreOrFail(const std::string& dir,
                                               const MagneticOptions& options);

}  // namespace tsw::magnetic::testing

#endif  // TSW_TESTS_MAGNETIC_MAGNETIC_TEST_UTIL_H_
