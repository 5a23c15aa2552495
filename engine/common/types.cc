#include "tsw/types.h"

#include <array>
#include <chrono>

#include "tsw/clock.h"
#include "tsw/query.h"

namespace tsw {
namespace {

template <typename Enum, size_t N>
std::optional<Enum> Lookup(const std::array<std::string_view, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

// Spellings indexed by enum value; keep in the enums' declaration order.
constexpr std::array<std::string_view, 6> kMeasureValueTypes = {"DOUBLE",  "BIGINT",    "VARCHAR",
                                                                "BOOLEAN", "TIMESTAMP", "MULTI"};
constexpr std::array<std::string_view, 4> kTimeUnits = {"MILLISECONDS", "SECONDS", "MICROSECONDS",
                                                        "NANOSECONDS"};
constexpr std::array<std::string_view, 1> kDimensionValueTypes = {"VARCHAR"};
constexpr std::array<std::string_view, 2> kTableStatuses = {"ACTIVE", "DELETING"};
constexpr std::array<std::string_view, 2> kS3EncryptionOptions = {"SSE_S3", "SSE_KMS"};

}  // namespace

std::string_view ScalarTypeName(ScalarType type) {
  switch (type) {
    case ScalarType::kVarchar:
      return "VARCHAR";
    case ScalarType::kBoolean:
      return "BOOLEAN";
    case ScalarType::kBigint:
      return "BIGINT";
    case ScalarType::kDouble:
      return "DOUBLE";
    case ScalarType::kTimestamp:
      return "TIMESTAMP";
    case ScalarType::kDate:
      return "DATE";
    case ScalarType::kTime:
      return "TIME";
    case ScalarType::kIntervalDayToSecond:
      return "INTERVAL_DAY_TO_SECOND";
    case ScalarType::kIntervalYearToMonth:
      return "INTERVAL_YEAR_TO_MONTH";
    case ScalarType::kUnknown:
      return "UNKNOWN";
    case ScalarType::kInteger:
      return "INTEGER";
  }
  return "UNKNOWN";
}

std::string_view ToString(MeasureValueType v) { return kMeasureValueTypes[static_cast<int>(v)]; }
std::string_view ToString(TimeUnit v) { return kTimeUnits[static_cast<int>(v)]; }
std::string_view ToString(DimensionValueType v) {
  return kDimensionValueTypes[static_cast<int>(v)];
}
std::string_view ToString(TableStatus v) { return kTableStatuses[static_cast<int>(v)]; }
std::string_view ToString(S3EncryptionOption v) {
  return kS3EncryptionOptions[static_cast<int>(v)];
}

std::optional<MeasureValueType> ParseMeasureValueType(std::string_view text) {
  return Lookup<MeasureValueType>(kMeasureValueTypes, text);
}
std::optional<TimeUnit> ParseTimeUnit(std::string_view text) {
  return Lookup<TimeUnit>(kTimeUnits, text);
}
std::optional<DimensionValueType> ParseDimensionValueType(std::string_view text) {
  return Lookup<DimensionValueType>(kDimensionValueTypes, text);
}
std::optional<S3EncryptionOption> ParseS3EncryptionOption(std::string_view text) {
  return Lookup<S3EncryptionOption>(kS3EncryptionOptions, text);
}

int64_t SystemClock::NowNanos() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SystemClock* SystemClock::Default() {
  static SystemClock* clock = new SystemClock();
  return clock;
}

}  // namespace tsw
