// The record generator of `tsw bench`: workloads modelled on TSBS's use cases.
//
//  - devops (TSBS "cpu-only"): one host per series with TSBS's 10 tags (hostname, region,
//    datacenter, rack, os, arch, team, service, service_version, service_environment) and
//    the 10 usage_* fields of measurement "cpu", every interval (10 s by default).
//  - iot (TSBS "iot"): one truck per series (tags name, fleet, driver, model,
//    device_version, load_capacity, fuel_capacity, nominal_fuel_consumption) sending a
//    "readings" point (7 fields) and a "diagnostics" point (3 fields) every interval. Of
//    the points held back (--out-of-order), one in five arrives late: an hour or more after
//    its time instead of under two minutes.
//
// A point becomes one MULTI record (measure name = the measurement, one attribute per
// field) or, scalar, one DOUBLE/BIGINT record per field (measure name = the field).
//
// Determinism: each series has its own generator, seeded from (seed, series index) only.
// What series s emits, in which order, is a function of the WorkloadOptions alone: never of
// the target, the number of clients, or timing. A run with a record budget gives series s
// the first RecordBudget(...) records of its stream, so the whole run's records are the
// same whichever client writes which series.
//
// Thread-safety: a SeriesGenerator is used by one thread at a time; distinct generators
// share nothing.
#ifndef TSW_TOOLS_BENCH_WORKLOAD_H_
#define TSW_TOOLS_BENCH_WORKLOAD_H_

#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tsw/types.h"

namespace tsw::bench {

enum class WorkloadKind { kDevops, kIot };

// "devops" or "iot"; fails with ValidationException on any other name.
absl::StatusOr<WorkloadKind> ParseWorkloadKind(const std::string& name);
const char* WorkloadKindName(WorkloadKind kind);

struct WorkloadOptions {
  WorkloadKind kind = WorkloadKind::kDevops;
  int64_t series = 100;     // Hosts (devops) or trucks (iot); >= 1.
  bool multi = false;       // One MULTI record per point, else one record per field.
  double out_of_order = 0;  // Fraction of points held back, in [0, 1).
  double upserts = 0;       // Fraction of records that are Version upserts, [0, 0.9].
  uint64_t seed = 1;
  int64_t start_millis = 0;  // Time of every series' first point.
  int64_t interval_millis = 10000;
  // No point at or after this time is generated: a series' stream ends before it.
  int64_t end_millis = std::numeric_limits<int64_t>::max();
};

// Fails with ValidationException naming the first out-of-range option.
absl::Status ValidateWorkload(const WorkloadOptions& options);

// New records per series and interval (not counting upserts).
int RecordsPerStep(const WorkloadOptions& options);
// The largest delay, in ms, between a point's time and its emission among the new points
// of the same series (out-of-order and late points), so callers can size retention.
int64_t MaxLatenessMillis(const WorkloadOptions& options);
// Records of series `series_index` in a run of `total_records`: an even split, the first
// total % series series taking one more.
int64_t RecordBudget(const WorkloadOptions& options, int64_t total_records, int64_t series_index);

// One record as generated, before it becomes a tsw::Record.
struct RecordSpec {
  int64_t time_millis = 0;
  int8_t measurement = 0;  // Index into the workload's measurements.
  int8_t field = -1;       // A scalar record's field, or -1 for a MULTI record.
  int64_t version = 1;
  std::array<double, 10> values{};  // By field index; a scalar record uses values[field].
};

// The generator of one series.
class SeriesGenerator {
 public:
  // REQUIRES: ValidateWorkload(options).ok() and 0 <= series_index < options.series.
  SeriesGenerator(const WorkloadOptions& options, int64_t series_index);

  // The next record of this series' stream, or false once the stream has ended (its next
  // interval would be at or after options.end_millis).
  bool Next(RecordSpec* spec);
  // Writes `spec` into `record`, reusing `record`'s strings and vectors (no allocation once
  // they have grown to size).
  void Fill(const RecordSpec& spec, Record* record) const;

  int64_t series_index() const { return series_index_; }
  const std::vector<Dimension>& dimensions() const { return dimensions_; }

 private:
  struct Delayed {
    int64_t emit_step;
    RecordSpec point;
  };
  struct Emitted {  // What an upsert needs of an earlier record.
    int64_t time_millis;
    int8_t measurement;
    int8_t field;
    int64_t version;
  };

  uint64_t Rand();
  double Uniform();  // [0, 1).
  void MakeDimensions();
  void GenerateStep();
  RecordSpec NewPoint(int measurement);
  void AdvanceValues(int measurement, std::array<double, 10>* values);
  void EmitPoint(const RecordSpec& point);
  void EmitUpserts(int new_records);
  int64_t DelaySteps();

  const WorkloadOptions options_;
  const int64_t series_index_;
  uint64_t rng_state_;
  int64_t step_ = 0;
  std::vector<Dimension> dimensions_;
  std::array<std::array<double, 10>, 2> walk_{};  // Per measurement, the random walks.
  std::vector<Delayed> delayed_;
  std::vector<Emitted> recent_;  // A ring of the last emitted new records.
  size_t recent_next_ = 0;
  std::deque<RecordSpec> ready_;
};

}  // namespace tsw::bench

#endif  // TSW_TOOLS_BENCH_WORKLOAD_H_
