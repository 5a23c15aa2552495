#include "tools/bench/workload.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "tsw/status.h"

namespace tsw::bench {
namespace {

struct Field {
  const char* name;
  double lo, hi, step;  // Range of the random walk and its largest step.
  int decimals;
  MeasureValueType type;
};

struct Measurement {
  const char* name;
  std::vector<Field> fields;  // At most 10.
};

constexpr MeasureValueType kDouble = MeasureValueType::kDouble;

const std::vector<Measurement>& Measurements(WorkloadKind kind) {
  static const auto* devops =
      new std::vector<Measurement>{{"cpu",
                                    {{"usage_user", 0, 100, 1, 2, kDouble},
                                     {"usage_system", 0, 100, 1, 2, kDouble},
                                     {"usage_idle", 0, 100, 1, 2, kDouble},
                                     {"usage_nice", 0, 100, 1, 2, kDouble},
                                     {"usage_iowait", 0, 100, 1, 2, kDouble},
                                     {"usage_irq", 0, 100, 1, 2, kDouble},
                                     {"usage_softirq", 0, 100, 1, 2, kDouble},
                                     {"usage_steal", 0, 100, 1, 2, kDouble},
                                     {"usage_guest", 0, 100, 1, 2, kDouble},
                                     {"usage_guest_nice", 0, 100, 1, 2, kDouble}}}};
  static const auto* iot =
      new std::vector<Measurement>{{"readings",
                                    {{"latitude", -90, 90, 0.001, 5, kDouble},
                                     {"longitude", -180, 180, 0.001, 5, kDouble},
                                     {"elevation", 0, 5000, 10, 1, kDouble},
                                     {"velocity", 0, 100, 2, 1, kDouble},
                                     {"heading", 0, 360, 5, 1, kDouble},
                                     {"grade", 0, 100, 1, 1, kDouble},
                                     {"fuel_consumption", 0, 50, 0.5, 2, kDouble}}},
                                   {"diagnostics",
                                    {{"load", 0, 5000, 50, 0, kDouble},
                                     {"fuel_state", 0, 1, 0.01, 2, kDouble},
                                     {"status", 0, 5, 1, 0, MeasureValueType::kBigint}}}};
  return kind == WorkloadKind::kDevops ? *devops : *iot;
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// `value` with `decimals` digits after the point, computed in integers so every platform
// prints the same text.
void AppendFixed(double value, int decimals, std::string* out) {
  static constexpr int64_t kScale[] = {1, 10, 100, 1000, 10000, 100000};
  const int64_t scaled = std::llround(value * kScale[decimals]);
  const int64_t magnitude = scaled < 0 ? -scaled : scaled;
  if (scaled < 0) out->push_back('-');
  absl::StrAppend(out, magnitude / kScale[decimals]);
  if (decimals == 0) return;
  std::string frac = absl::StrCat(magnitude % kScale[decimals]);
  out->push_back('.');
  out->append(decimals - frac.size(), '0');
  out->append(frac);
}

std::string& Reset(std::optional<std::string>* s) {
  if (!s->has_value()) s->emplace();
  (*s)->clear();
  return **s;
}

constexpr size_t kRecentRecords = 64;
constexpr int64_t kMaxOutOfOrderSteps = 12;
constexpr int64_t kLateMinSteps = 360, kLateMaxSteps = 720;

}  // namespace

absl::StatusOr<WorkloadKind> ParseWorkloadKind(const std::string& name) {
  if (name == "devops") return WorkloadKind::kDevops;
  if (name == "iot") return WorkloadKind::kIot;
  return ValidationError(absl::StrCat("unknown workload '", name, "' (devops or iot)"));
}

const char* WorkloadKindName(WorkloadKind kind) {
  return kind == WorkloadKind::kDevops ? "devops" : "iot";
}

absl::Status ValidateWorkload(const WorkloadOptions& o) {
  if (o.series < 1) return ValidationError("--series must be at least 1");
  if (!(o.out_of_order >= 0 && o.out_of_order < 1)) {
    return ValidationError("--out-of-order must be a fraction in [0, 1)");
  }
  if (!(o.upserts >= 0 && o.upserts <= 0.9)) {
    return ValidationError("--upserts must be a fraction in [0, 0.9]");
  }
  if (o.interval_millis < 1) return ValidationError("the interval must be at least 1 ms");
  return absl::OkStatus();
}

int RecordsPerStep(const WorkloadOptions& options) {
  int records = 0;
  for (const Measurement& m : Measurements(options.kind)) {
    records += options.multi ? 1 : static_cast<int>(m.fields.size());
  }
  return records;
}

int64_t MaxLatenessMillis(const WorkloadOptions& options) {
  // Upserts reach back at most kRecentRecords new records, one step each at worst.
  int64_t steps = kRecentRecords + 1;
  if (options.out_of_order > 0) {
    steps += options.kind == WorkloadKind::kIot ? kLateMaxSteps : kMaxOutOfOrderSteps;
  }
  return steps * options.interval_millis;
}

int64_t RecordBudget(const WorkloadOptions& options, int64_t total_records, int64_t series_index) {
  const int64_t base = total_records / options.series;
  return base + (series_index < total_records % options.series ? 1 : 0);
}

SeriesGenerator::SeriesGenerator(const WorkloadOptions& options, int64_t series_index)
    : options_(options),
      series_index_(series_index),
      rng_state_(SplitMix64(options.seed ^ SplitMix64(static_cast<uint64_t>(series_index)))) {
  MakeDimensions();
  const std::vector<Measurement>& ms = Measurements(options_.kind);
  for (size_t m = 0; m < ms.size(); ++m) {
    for (size_t f = 0; f < ms[m].fields.size(); ++f) {
      const Field& field = ms[m].fields[f];
      walk_[m][f] = field.lo + Uniform() * (field.hi - field.lo);
    }
  }
  recent_.reserve(kRecentRecords);
}

uint64_t SeriesGenerator::Rand() {
  rng_state_ += 0x9e3779b97f4a7c15ULL;
  return SplitMix64(rng_state_);
}

double SeriesGenerator::Uniform() { return static_cast<double>(Rand() >> 11) * 0x1.0p-53; }

void SeriesGenerator::MakeDimensions() {
  auto pick = [this](std::initializer_list<const char*> choices) {
    return std::string(choices.begin()[Rand() % choices.size()]);
  };
  auto number = [this](uint64_t n) { return absl::StrCat(Rand() % n); };
  if (options_.kind == WorkloadKind::kDevops) {
    const std::string region =
        pick({"us-east-1", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1",
              "ap-southeast-2", "ap-northeast-1", "sa-east-1"});
    dimensions_ = {{"hostname", absl::StrCat("host_", series_index_)},
                   {"region", region},
                   {"datacenter", region + pick({"a", "b", "c"})},
                   {"rack", number(100)},
                   {"os", pick({"Ubuntu16.10", "Ubuntu16.04LTS", "Ubuntu15.10"})},
                   {"arch", pick({"x64", "x86"})},
                   {"team", pick({"SF", "NYC", "LON", "CHI"})},
                   {"service", number(20)},
                   {"service_version", number(2)},
                   {"service_environment", pick({"production", "staging", "test"})}};
    return;
  }
  const uint64_t model = Rand() % 3;
  static const char* const kModels[] = {"F-150", "G-2000", "H-2"};
  static const char* const kLoad[] = {"1500", "2000", "5000"};
  static const char* const kFuel[] = {"150", "200", "300"};
  static const char* const kConsumption[] = {"15", "25", "35"};
  dimensions_ = {{"name", absl::StrCat("truck_", series_index_)},
                 {"fleet", pick({"East", "West", "North", "South"})},
                 {"driver", pick({"Albert", "Derek", "Rodney", "Seth", "Trish"})},
                 {"model", kModels[model]},
                 {"device_version", pick({"v1.0", "v1.5", "v2.0", "v2.3"})},
                 {"load_capacity", kLoad[model]},
                 {"fuel_capacity", kFuel[model]},
                 {"nominal_fuel_consumption", kConsumption[model]}};
}

void SeriesGenerator::AdvanceValues(int measurement, std::array<double, 10>* values) {
  const Measurement& m = Measurements(options_.kind)[measurement];
  for (size_t f = 0; f < m.fields.size(); ++f) {
    const Field& field = m.fields[f];
    double v = (*values)[f] + (Uniform() * 2 - 1) * field.step;
    (*values)[f] = std::clamp(v, field.lo, field.hi);
  }
}

RecordSpec SeriesGenerator::NewPoint(int measurement) {
  AdvanceValues(measurement, &walk_[measurement]);
  RecordSpec point;
  point.time_millis = options_.start_millis + step_ * options_.interval_millis;
  point.measurement = static_cast<int8_t>(measurement);
  point.values = walk_[measurement];
  return point;
}

int64_t SeriesGenerator::DelaySteps() {
  if (options_.kind == WorkloadKind::kIot && Rand() % 5 == 0) {
    return kLateMinSteps + static_cast<int64_t>(Rand() % (kLateMaxSteps - kLateMinSteps + 1));
  }
  return 1 + static_cast<int64_t>(Rand() % kMaxOutOfOrderSteps);
}

void SeriesGenerator::EmitPoint(const RecordSpec& point) {
  const Measurement& m = Measurements(options_.kind)[point.measurement];
  const int records = options_.multi ? 1 : static_cast<int>(m.fields.size());
  for (int r = 0; r < records; ++r) {
    RecordSpec spec = point;
    spec.field = options_.multi ? -1 : static_cast<int8_t>(r);
    ready_.push_back(spec);
  }
}

// Adds, for each of the step's `new_records`, upserts of earlier records so that upserts
// make up options_.upserts of all records: u / (1 - u) per new record on average.
void SeriesGenerator::EmitUpserts(int new_records) {
  if (options_.upserts <= 0 || recent_.empty()) return;
  const double per_record = options_.upserts / (1 - options_.upserts);
  for (int r = 0; r < new_records; ++r) {
    int n = static_cast<int>(per_record);
    if (Uniform() < per_record - n) ++n;
    for (int k = 0; k < n; ++k) {
      Emitted& target = recent_[Rand() % recent_.size()];
      RecordSpec spec;
      spec.time_millis = target.time_millis;
      spec.measurement = target.measurement;
      spec.field = target.field;
      spec.version = ++target.version;
      spec.values = walk_[target.measurement];
      AdvanceValues(target.measurement, &spec.values);
      ready_.push_back(spec);
    }
  }
}

void SeriesGenerator::GenerateStep() {
  const size_t first = ready_.size();
  const int measurements = static_cast<int>(Measurements(options_.kind).size());
  for (int m = 0; m < measurements; ++m) {
    RecordSpec point = NewPoint(m);
    if (Uniform() < options_.out_of_order) {
      delayed_.push_back({step_ + DelaySteps(), point});
    } else {
      EmitPoint(point);
    }
  }
  // Then the held-back points due now, in the order they were held back: after this
  // step's points, so even a point held back one step arrives after a later one.
  auto due = std::stable_partition(delayed_.begin(), delayed_.end(),
                                   [this](const Delayed& d) { return d.emit_step != step_; });
  for (auto it = due; it != delayed_.end(); ++it) EmitPoint(it->point);
  delayed_.erase(due, delayed_.end());
  const size_t new_end = ready_.size();
  EmitUpserts(static_cast<int>(new_end - first));
  // Only now do this step's records become upsert targets: an upsert always follows its
  // original by at least one step.
  for (size_t i = first; i < new_end; ++i) {
    const RecordSpec& s = ready_[i];
    Emitted e{s.time_millis, s.measurement, s.field, s.version};
    if (recent_.size() < kRecentRecords) {
      recent_.push_back(e);
    } else {
      recent_[recent_next_] = e;
      recent_next_ = (recent_next_ + 1) % kRecentRecords;
    }
  }
  ++step_;
}

bool SeriesGenerator::Next(RecordSpec* spec) {
  while (ready_.empty()) {
    if (options_.start_millis + step_ * options_.interval_millis >= options_.end_millis) {
      return false;
    }
    GenerateStep();
  }
  *spec = ready_.front();
  ready_.pop_front();
  return true;
}

void SeriesGenerator::Fill(const RecordSpec& spec, Record* record) const {
  record->dimensions.resize(dimensions_.size());
  for (size_t i = 0; i < dimensions_.size(); ++i) {
    record->dimensions[i].name = dimensions_[i].name;
    record->dimensions[i].value = dimensions_[i].value;
  }
  const Measurement& m = Measurements(options_.kind)[spec.measurement];
  if (spec.field < 0) {
    Reset(&record->measure_name).append(m.name);
    record->measure_value_type = MeasureValueType::kMulti;
    record->measure_value.reset();
    record->measure_values.resize(m.fields.size());
    for (size_t f = 0; f < m.fields.size(); ++f) {
      MeasureValue& mv = record->measure_values[f];
      mv.name = m.fields[f].name;
      mv.type = m.fields[f].type;
      mv.value.clear();
      AppendFixed(spec.values[f], m.fields[f].decimals, &mv.value);
    }
  } else {
    const Field& field = m.fields[spec.field];
    Reset(&record->measure_name).append(field.name);
    record->measure_value_type = field.type;
    AppendFixed(spec.values[spec.field], field.decimals, &Reset(&record->measure_value));
    record->measure_values.clear();
  }
  absl::StrAppend(&Reset(&record->time), spec.time_millis);
  record->time_unit.reset();
  if (spec.version > 1) {
    record->version = spec.version;
  } else {
    record->version.reset();
  }
}

}  // namespace tsw::bench
