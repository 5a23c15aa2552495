#include "engine/forward/record_builder.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "engine/common/decimal_code.h"
#include "engine/common/json_writer.h"

namespace tsw::forward {
namespace {

// `v` (below 10^9, as a decimal code's digits are: M < 2^27) in decimal at `p`; returns
// the end.
// Counts the digits first and writes them from the last, with no copy after.
char* PutSmallUint(uint32_t v, char* p) {
  const size_t n = v < 10          ? 1
                   : v < 100       ? 2
                   : v < 1000      ? 3
                   : v < 10000     ? 4
                   : v < 100000    ? 5
                   : v < 1000000   ? 6
                   : v < 10000000  ? 7
                   : v < 100000000 ? 8
                                   : 9;
  char* end = p + n;
  for (char* q = end - 1; q > p; --q, v /= 10) *q = static_cast<char>('0' + v % 10);
  *p = static_cast<char>('0' + v);
  return end;
}

}  // namespace

char* WriteDoubleText(double value, char* buf) {
  // k / 100 as a decimal is exactly the rational k/100, which both a parser and the
  // division below round to the nearest double: the text parses back to `value` whenever
  // the division gives it back bit for bit (so -0.0 and NaN take the general path).
  if (std::fabs(value) < 0x1p40) {
    const int64_t k = std::llround(value * 100);
    const double back = static_cast<double>(k) / 100;
    if (std::memcmp(&back, &value, sizeof value) == 0) {
      char* p = buf;
      if (k < 0) *p++ = '-';
      const uint64_t magnitude =
          k < 0 ? uint64_t{0} - static_cast<uint64_t>(k) : static_cast<uint64_t>(k);
      p = std::to_chars(p, buf + 32, magnitude / 100).ptr;
      const unsigned cents = static_cast<unsigned>(magnitude % 100);
      if (cents != 0) {
        *p++ = '.';
        *p++ = static_cast<char>('0' + cents / 10);
        if (cents % 10 != 0) *p++ = static_cast<char>('0' + cents % 10);
      }
      return p;
    }
  }
  return std::to_chars(buf, buf + 32, value).ptr;
}

char* WriteDecimalCodeText(uint32_t code, uint64_t bits, char* buf) {
  // M / 10^F with trailing zeros taken off. For F <= 2 and M > 0, WriteDoubleText's
  // hundredths path takes the double (|value| < 2^27, so the product by 100 rounds to
  // M * 10^(2 - F) exactly, and its division by 100 is the same correctly rounded
  // quotient as M / 10^F) and writes exactly these digits. Zero (and -0.0) and longer
  // fractions go the general way.
  uint64_t m = code >> 5;
  uint32_t f = (code >> 1) & 15;
  while (f > 0 && m % 10 == 0) {
    m /= 10;
    --f;
  }
  if (code == kNoDecimal || m == 0 || f > 2) {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return WriteDoubleText(d, buf);
  }
  char* p = buf;
  if ((code & 1) != 0) *p++ = '-';
  // m < 2^27 (the code's digits): at most 9 decimal digits.
  const uint32_t digits = static_cast<uint32_t>(m);
  if (f == 0) return PutSmallUint(digits, p);
  const uint32_t scale = f == 1 ? 10 : 100;
  p = PutSmallUint(digits / scale, p);
  const unsigned fraction = digits % scale;
  *p++ = '.';
  if (f == 2) *p++ = static_cast<char>('0' + fraction / 10);
  *p++ = static_cast<char>('0' + fraction % 10);
  return p;
}

Record FullRecord(const WriteRecordsRequest& request, size_t i) {
  Record f = request.records[i];
  if (!request.common_attributes) return f;
  const Record& c = *request.common_attributes;
  // A record's own member overrides the common one; BuildRequest hoists only dimensions
  // no record has under the same name, so they merge (in name order, as logged).
  if (!c.dimensions.empty()) {
    f.dimensions.insert(f.dimensions.end(), c.dimensions.begin(), c.dimensions.end());
    std::sort(f.dimensions.begin(), f.dimensions.end(),
              [](const Dimension& a, const Dimension& b) { return a.name < b.name; });
  }
  if (!f.measure_name) f.measure_name = c.measure_name;
  if (!f.measure_value_type) f.measure_value_type = c.measure_value_type;
  if (!f.time) f.time = c.time;
  if (!f.time_unit) f.time_unit = c.time_unit;
  if (!f.version) f.version = c.version;
  return f;
}

std::string RecordJson(const Record& record) {
  json::JsonWriter w;
  w.BeginObject();
  w.Key("Dimensions");
  w.BeginArray();
  for (const Dimension& d : record.dimensions) {
    w.BeginObject();
    w.Member("Name", d.name);
    w.Member("Value", d.value);
    w.EndObject();
  }
  w.EndArray();
  if (record.measure_name) w.Member("MeasureName", *record.measure_name);
  if (record.measure_value) w.Member("MeasureValue", *record.measure_value);
  if (record.measure_value_type) {
    const std::string_view t = ToString(*record.measure_value_type);
    w.Member("MeasureValueType", absl::string_view(t.data(), t.size()));
  }
  if (!record.measure_values.empty()) {
    w.Key("MeasureValues");
    w.BeginArray();
    for (const MeasureValue& mv : record.measure_values) {
      w.BeginObject();
      w.Member("Name", mv.name);
      w.Member("Value", mv.value);
      const std::string_view t = ToString(mv.type);
      w.Member("Type", absl::string_view(t.data(), t.size()));
      w.EndObject();
    }
    w.EndArray();
  }
  if (record.time) w.Member("Time", *record.time);
  if (record.time_unit) {
    const std::string_view u = ToString(*record.time_unit);
    w.Member("TimeUnit", absl::string_view(u.data(), u.size()));
  }
  if (record.version) w.Member("Version", *record.version);
  w.EndObject();
  return w.Release();
}

}  // namespace tsw::forward
