// Column codecs on generated IoT-like data: bytes per point and encode/decode speed of
// every codec, beside plain Zstd (level 3) on the raw column bytes and a Gorilla paper
// reference (Gorilla's own timestamp + XOR value stream) for timestamp/value pairs.
//
//   BM_Encode/<codec>/<dataset>, BM_Decode/<codec>/<dataset>
//     codec: a registered codec name, "auto" (the chooser), "auto+zstd3" (the chooser,
//     then EncodeColumnZstd at level 3, as the segment writer stores columns), or
//     "zstd3_raw" (Zstd level 3 over the raw column: 8 bytes per number; strings as
//     varint length + bytes; booleans one byte each).
//   BM_EncodePair/<codec>/<dataset>: timestamp + value together (Gorilla's unit of 1.37
//     bytes per point): "tsw" (EncodeTimestamps + EncodeDoubles) vs "gorilla_paper".
// Counters: bytes_per_point (encoded size / points); items_per_second is points/s and
// bytes_per_second is raw input bytes (8 per number) per second.
#include <benchmark/benchmark.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/encoding/bit_stream.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "engine/encoding/zstd_column.h"

namespace tsw::encoding {
namespace {

constexpr size_t kPoints = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kStart = 1'700'000'000 * kSecond;

// ---------------------------------------------------------------------------------------
// Data: one reading per second from one sensor, 1M points (11.6 days).

std::vector<int64_t> RegularTimestamps() {
  std::vector<int64_t> v(kPoints);
  for (size_t i = 0; i < kPoints; ++i) v[i] = kStart + static_cast<int64_t>(i) * kSecond;
  return v;
}

// Millisecond-precision arrival times: +-50 ms jitter around each second.
std::vector<int64_t> JitteredMillisTimestamps() {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> jitter(-50, 50);
  std::vector<int64_t> v(kPoints);
  for (size_t i = 0; i < kPoints; ++i) {
    v[i] = kStart + static_cast<int64_t>(i) * kSecond + jitter(rng) * 1'000'000LL;
  }
  return v;
}

// Nanosecond arrival times: +-1 ms jitter around each second.
std::vector<int64_t> JitteredNanosTimestamps() {
  std::mt19937_64 rng(2);
  std::uniform_int_distribution<int64_t> jitter(-1'000'000, 1'000'000);
  std::vector<int64_t> v(kPoints);
  for (size_t i = 0; i < kPoints; ++i)
    v[i] = kStart + static_cast<int64_t>(i) * kSecond + jitter(rng);
  return v;
}

// A smooth reading: a daily cycle plus a slow random walk plus sensor noise, rounded to
// `decimals` places as a device reports it (the nearest double to the decimal).
std::vector<double> SensorReadings(uint64_t seed, double base, double daily_amplitude,
                                   double walk_step, double noise, int decimals) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0.0, walk_step), jitter(0.0, noise);
  const double scale = std::pow(10.0, decimals);
  double walk = 0;
  std::vector<double> v(kPoints);
  for (size_t i = 0; i < kPoints; ++i) {
    walk += step(rng);
    const double exact =
        base + daily_amplitude * std::sin(2 * M_PI * i / 86400.0) + walk + jitter(rng);
    v[i] = std::round(exact * scale) / scale;
  }
  return v;
}

// Full-precision doubles: a computed quantity (e.g. a derived power reading).
std::vector<double> ComputedReadings() {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.3);
  std::vector<double> v(kPoints);
  for (size_t i = 0; i < kPoints; ++i) {
    v[i] = 230.0 * (1.0 + 0.01 * std::sin(i * 0.001)) * (4.0 + noise(rng)) * 0.97;
  }
  return v;
}

// An energy counter: increments of 0..20 per second, pausing now and then.
std::vector<int64_t> Counter() {
  std::mt19937_64 rng(3);
  std::vector<int64_t> v(kPoints);
  int64_t c = 1'000'000;
  bool running = true;
  for (size_t i = 0; i < kPoints; ++i) {
    if (rng() % 1000 == 0) running = !running;
    if (running) c += static_cast<int64_t>(rng() % 21);
    v[i] = c;
  }
  return v;
}

std::vector<int64_t> Versions() { return std::vector<int64_t>(kPoints, 1); }

// Status strings from a small set, each state lasting a while.
std::vector<std::string> Statuses() {
  const char* states[] = {"OK", "WARN", "ERROR", "OFFLINE", "MAINTENANCE"};
  std::mt19937_64 rng(4);
  std::vector<std::string> v(kPoints);
  int s = 0;
  for (size_t i = 0; i < kPoints; ++i) {
    if (rng() % 50 == 0) s = static_cast<int>(rng() % 5);
    v[i] = states[s];
  }
  return v;
}

// Device ids: high cardinality, the dictionary's worst case.
std::vector<std::string> DeviceIds() {
  std::mt19937_64 rng(5);
  std::vector<std::string> v(kPoints);
  for (auto& s : v) s = absl::StrCat("device-", absl::Hex(rng() % 200'000, absl::kZeroPad8));
  return v;
}

// An on/off state changing every few hundred points, and an all-present mask.
std::vector<uint8_t> OnOff() {
  std::mt19937_64 rng(6);
  std::vector<uint8_t> v(kPoints);
  uint8_t state = 1;
  for (auto& b : v) {
    if (rng() % 300 == 0) state ^= 1;
    b = state;
  }
  return v;
}

// ---------------------------------------------------------------------------------------
// Raw column bytes for the plain-Zstd peer.

std::string RawBytes(const std::vector<int64_t>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 8);
}
std::string RawBytes(const std::vector<double>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 8);
}
std::string RawBytes(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    PutVarint64(&out, s.size());
    out += s;
  }
  return out;
}
std::string RawBytes(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// ---------------------------------------------------------------------------------------
// Gorilla as in the paper (Pelkonen et al. 2015, 4.1): timestamps as delta-of-delta with
// the '0' / '10'+7 / '110'+9 / '1110'+12 / '1111'+32 bit buckets (in seconds, as Gorilla
// stores them), values as XOR with the previous value. Encode only: it is the size and
// speed reference.

void GorillaPaperEncode(const std::vector<int64_t>& ts, const std::vector<double>& values,
                        std::string* out) {
  BitWriter w(out);
  int64_t prev_t = ts[0] / kSecond, prev_delta = 0;
  w.Write(static_cast<uint64_t>(prev_t), 64);
  uint64_t prev_v = std::bit_cast<uint64_t>(values[0]);
  w.Write(prev_v, 64);
  int lead_w = -1, trail_w = 0;
  for (size_t i = 1; i < ts.size(); ++i) {
    const int64_t t = ts[i] / kSecond;
    const int64_t delta = t - prev_t;
    const int64_t dod = delta - prev_delta;
    prev_t = t;
    prev_delta = delta;
    if (dod == 0) {
      w.Write(0, 1);
    } else if (dod >= -63 && dod <= 64) {
      w.Write(0b01, 2);
      w.Write(static_cast<uint64_t>(dod) & 0x7f, 7);
    } else if (dod >= -255 && dod <= 256) {
      w.Write(0b011, 3);
      w.Write(static_cast<uint64_t>(dod) & 0x1ff, 9);
    } else if (dod >= -2047 && dod <= 2048) {
      w.Write(0b0111, 4);
      w.Write(static_cast<uint64_t>(dod) & 0xfff, 12);
    } else {
      w.Write(0b1111, 4);
      w.Write(static_cast<uint64_t>(dod) & 0xffffffff, 32);
    }
    const uint64_t v = std::bit_cast<uint64_t>(values[i]);
    const uint64_t x = v ^ prev_v;
    prev_v = v;
    if (x == 0) {
      w.Write(0, 1);
      continue;
    }
    w.Write(1, 1);
    int lead = __builtin_clzll(x);
    const int trail = __builtin_ctzll(x);
    if (lead > 31) lead = 31;
    if (lead_w >= 0 && lead >= lead_w && trail >= trail_w) {
      w.Write(0, 1);
      w.Write(x >> trail_w, 64 - lead_w - trail_w);
    } else {
      const int sig = 64 - lead - trail;
      w.Write(1, 1);
      w.Write(static_cast<uint64_t>(lead), 5);
      w.Write(static_cast<uint64_t>(sig & 63), 6);
      w.Write(x >> trail, sig);
      lead_w = lead;
      trail_w = trail;
    }
  }
  w.Finish();
}

// ---------------------------------------------------------------------------------------
// Typed glue: encode/decode one column of T with a pinned codec, the chooser, or zstd.

template <typename T>
struct Ops;
template <>
struct Ops<int64_t> {
  using Out = int64_t;
  static absl::Status Encode(const std::vector<int64_t>& v, std::string* o, EncodeOptions opt) {
    return EncodeInt64s(v, o, opt);
  }
  static absl::Status Decode(absl::string_view in, std::vector<int64_t>* o) {
    return DecodeInt64s(in, o);
  }
};
template <>
struct Ops<double> {
  using Out = double;
  static absl::Status Encode(const std::vector<double>& v, std::string* o, EncodeOptions opt) {
    return EncodeDoubles(v, o, opt);
  }
  static absl::Status Decode(absl::string_view in, std::vector<double>* o) {
    return DecodeDoubles(in, o);
  }
};
template <>
struct Ops<std::string> {
  using Out = std::string;
  static absl::Status Encode(const std::vector<std::string>& v, std::string* o, EncodeOptions opt) {
    return EncodeStrings(v, o, opt);
  }
  static absl::Status Decode(absl::string_view in, std::vector<std::string>* o) {
    return DecodeStrings(in, o);
  }
};
template <>
struct Ops<uint8_t> {
  using Out = uint8_t;
  static absl::Status Encode(const std::vector<uint8_t>& v, std::string* o, EncodeOptions opt) {
    return EncodeBools(v, o, opt);
  }
  static absl::Status Decode(absl::string_view in, std::vector<uint8_t>* o) {
    return DecodeBools(in, o);
  }
};

enum class Mode { kPinned, kAuto, kAutoZstd, kRawZstd };

template <typename T>
absl::Status EncodeAny(const std::vector<T>& data, Mode mode, CodecId id, std::string* out) {
  out->clear();
  EncodeOptions options;
  if (mode == Mode::kPinned) options.codec = id;
  if (mode == Mode::kRawZstd) {
    return EncodeColumnZstd(RawBytes(data), ZstdColumnOptions(), out);
  }
  absl::Status status = Ops<T>::Encode(data, out, options);
  if (!status.ok() || mode != Mode::kAutoZstd) return status;
  std::string column = std::move(*out);
  out->clear();
  return EncodeColumnZstd(column, ZstdColumnOptions(), out);
}

template <typename T>
absl::Status DecodeAny(const std::string& encoded, Mode mode, std::vector<T>* out,
                       std::string* scratch) {
  if (mode == Mode::kRawZstd) return DecodeColumnZstd(encoded, scratch);
  if (mode == Mode::kAutoZstd) {
    absl::Status status = DecodeColumnZstd(encoded, scratch);
    if (!status.ok()) return status;
    return Ops<T>::Decode(*scratch, out);
  }
  return Ops<T>::Decode(encoded, out);
}

template <typename T>
size_t RawSize(const std::vector<T>& data) {
  if constexpr (std::is_same_v<T, std::string>) {
    return RawBytes(data).size();
  } else {
    return data.size() * sizeof(T);
  }
}

template <typename T>
void RegisterColumn(const std::string& dataset, const std::vector<T>* data,
                    const std::vector<std::pair<std::string, CodecId>>& codecs) {
  struct Variant {
    std::string name;
    Mode mode;
    CodecId id;
  };
  std::vector<Variant> variants;
  for (const auto& [name, id] : codecs) variants.push_back({name, Mode::kPinned, id});
  variants.push_back({"auto", Mode::kAuto, CodecId::kInt64Constant});
  variants.push_back({"auto+zstd3", Mode::kAutoZstd, CodecId::kInt64Constant});
  variants.push_back({"zstd3_raw", Mode::kRawZstd, CodecId::kInt64Constant});
  const size_t raw = RawSize(*data);
  for (const Variant& v : variants) {
    benchmark::RegisterBenchmark(
        absl::StrCat("BM_Encode/", v.name, "/", dataset).c_str(),
        [data, v, raw](benchmark::State& state) {
          std::string out;
          for (auto _ : state) {
            absl::Status status = EncodeAny(*data, v.mode, v.id, &out);
            if (!status.ok()) {
              state.SkipWithError(std::string(status.message()).c_str());
              return;
            }
            benchmark::DoNotOptimize(out.data());
          }
          state.counters["bytes_per_point"] = static_cast<double>(out.size()) / data->size();
          if (v.mode == Mode::kAuto || v.mode == Mode::kAutoZstd) {
            std::string plain;
            (void)EncodeAny(*data, Mode::kAuto, v.id, &plain);
            state.SetLabel(std::string(CodecName(ReadColumnHeader(plain)->codec)));
          }
          state.SetItemsProcessed(state.iterations() * data->size());
          state.SetBytesProcessed(state.iterations() * raw);
        })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(
        absl::StrCat("BM_Decode/", v.name, "/", dataset).c_str(),
        [data, v, raw](benchmark::State& state) {
          std::string encoded, scratch;
          std::vector<T> out;
          absl::Status status = EncodeAny(*data, v.mode, v.id, &encoded);
          if (status.ok()) status = DecodeAny(encoded, v.mode, &out, &scratch);
          if (!status.ok()) {
            state.SkipWithError(std::string(status.message()).c_str());
            return;
          }
          if (v.mode != Mode::kRawZstd) {
            bool same = out.size() == data->size();
            if constexpr (std::is_same_v<T, double>) {
              for (size_t i = 0; same && i < out.size(); ++i) {
                same = std::bit_cast<uint64_t>(out[i]) == std::bit_cast<uint64_t>((*data)[i]);
              }
            } else {
              same = same && out == *data;
            }
            if (!same) {
              state.SkipWithError("decoded values differ");
              return;
            }
          }
          for (auto _ : state) {
            status = DecodeAny(encoded, v.mode, &out, &scratch);
            benchmark::DoNotOptimize(out.data());
            benchmark::DoNotOptimize(scratch.data());
          }
          state.counters["bytes_per_point"] = static_cast<double>(encoded.size()) / data->size();
          state.SetItemsProcessed(state.iterations() * data->size());
          state.SetBytesProcessed(state.iterations() * raw);
        })
        ->Unit(benchmark::kMillisecond);
  }
}

template <typename T>
std::vector<std::pair<std::string, CodecId>> CodecsOf() {
  using V = std::conditional_t<std::is_same_v<T, std::string>, absl::string_view, T>;
  std::vector<std::pair<std::string, CodecId>> out;
  for (const RegisteredCodec<V>& r : RegisteredCodecs<V>())
    out.emplace_back(r.codec->name, r.codec->id);
  return out;
}

void RegisterPair(const std::string& dataset, const std::vector<int64_t>* ts,
                  const std::vector<double>* values) {
  benchmark::RegisterBenchmark(absl::StrCat("BM_EncodePair/tsw/", dataset).c_str(),
                               [ts, values](benchmark::State& state) {
                                 std::string a, b;
                                 for (auto _ : state) {
                                   a.clear();
                                   b.clear();
                                   (void)EncodeTimestamps(*ts, &a);
                                   (void)EncodeDoubles(*values, &b);
                                   benchmark::DoNotOptimize(a.data());
                                   benchmark::DoNotOptimize(b.data());
                                 }
                                 state.counters["bytes_per_point"] =
                                     static_cast<double>(a.size() + b.size()) / ts->size();
                                 state.SetItemsProcessed(state.iterations() * ts->size());
                                 state.SetBytesProcessed(state.iterations() * ts->size() * 16);
                               })
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(absl::StrCat("BM_EncodePair/gorilla_paper/", dataset).c_str(),
                               [ts, values](benchmark::State& state) {
                                 std::string out;
                                 for (auto _ : state) {
                                   out.clear();
                                   GorillaPaperEncode(*ts, *values, &out);
                                   benchmark::DoNotOptimize(out.data());
                                 }
                                 state.counters["bytes_per_point"] =
                                     static_cast<double>(out.size()) / ts->size();
                                 state.SetItemsProcessed(state.iterations() * ts->size());
                                 state.SetBytesProcessed(state.iterations() * ts->size() * 16);
                               })
      ->Unit(benchmark::kMillisecond);
}

void RegisterAll() {
  // Leaked on purpose: the benchmarks refer to them until exit.
  auto* ts_regular = new std::vector<int64_t>(RegularTimestamps());
  auto* ts_jitter_ms = new std::vector<int64_t>(JitteredMillisTimestamps());
  auto* ts_jitter_ns = new std::vector<int64_t>(JitteredNanosTimestamps());
  auto* counter = new std::vector<int64_t>(Counter());
  auto* versions = new std::vector<int64_t>(Versions());
  // Temperature (1 decimal), pressure (2 decimals), voltage (3 decimals).
  auto* temp_1dec = new std::vector<double>(SensorReadings(11, 21.0, 4.0, 0.002, 0.05, 1));
  auto* pressure_2dec = new std::vector<double>(SensorReadings(12, 1013.25, 3.0, 0.001, 0.02, 2));
  auto* volts_3dec = new std::vector<double>(SensorReadings(13, 3.3, 0.05, 0.00005, 0.002, 3));
  auto* computed = new std::vector<double>(ComputedReadings());
  auto* statuses = new std::vector<std::string>(Statuses());
  auto* device_ids = new std::vector<std::string>(DeviceIds());
  auto* on_off = new std::vector<uint8_t>(OnOff());
  auto* present = new std::vector<uint8_t>(kPoints, 1);

  const auto ints = CodecsOf<int64_t>();
  RegisterColumn("ts_regular", ts_regular, ints);
  RegisterColumn("ts_jitter_ms", ts_jitter_ms, ints);
  RegisterColumn("ts_jitter_ns", ts_jitter_ns, ints);
  RegisterColumn("int_counter", counter, ints);
  RegisterColumn("int_versions", versions, ints);
  const auto doubles = CodecsOf<double>();
  RegisterColumn("dbl_temp_1dec", temp_1dec, doubles);
  RegisterColumn("dbl_pressure_2dec", pressure_2dec, doubles);
  RegisterColumn("dbl_volts_3dec", volts_3dec, doubles);
  RegisterColumn("dbl_computed", computed, doubles);
  const auto strings = CodecsOf<std::string>();
  RegisterColumn("str_status", statuses, strings);
  RegisterColumn("str_device_id", device_ids, strings);
  const auto bools = CodecsOf<uint8_t>();
  RegisterColumn("bool_on_off", on_off, bools);
  RegisterColumn("bool_all_present", present, bools);

  RegisterPair("regular+temp_1dec", ts_regular, temp_1dec);
  RegisterPair("regular+pressure_2dec", ts_regular, pressure_2dec);
  RegisterPair("regular+volts_3dec", ts_regular, volts_3dec);
  RegisterPair("regular+computed", ts_regular, computed);
  RegisterPair("jitter_ms+pressure_2dec", ts_jitter_ms, pressure_2dec);
}

}  // namespace
}  // namespace tsw::encoding

int main(int argc, char** argv) {
  tsw::encoding::RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
