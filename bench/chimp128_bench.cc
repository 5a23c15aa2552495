// Chimp128's decoder alone, in nanoseconds per value, on the columns a segment holds: the
// query benchmark's fields (clamped random walks of full-precision doubles, TSBS devops
// cpu) and the five real series of ../shared/data/real-doubles, cut into columns of 4,096
// values (Options::max_rows_per_block) and every one stored as Chimp128.
//
//   bazel run -c opt //bench:chimp128_bench -- [--data_dir=DIR] [benchmark flags]
//
//   BM_Chimp128Decode/<dataset>: DecodeChimp128Prefix of every column, whole (the codec's
//     decode); BM_Chimp128DecodeHalf/<dataset>: the first half of every column (a filtered
//     block read that stops at its last kept row).
// Counter ns_per_value: CPU time over the values decoded. A missing data directory skips
// the real series with a message.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "bench/real_series.h"
#include "engine/encoding/column_codec.h"
#include "engine/encoding/double_chimp128.h"

namespace tsw::encoding {
namespace {

constexpr size_t kColumnRows = 4096;

// The query benchmark's fields: each host's 10 fields start uniform in [0, 100] and take
// normal(0, 1) steps, clamped; 4,320 readings (12 h every 10 s) per field.
std::vector<double> QueryBenchWalks() {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> step(0, 1);
  std::uniform_real_distribution<double> initial(0, 100);
  std::vector<double> v;
  for (int field = 0; field < 40; ++field) {
    double x = initial(rng);
    for (int i = 0; i < 4320; ++i) {
      x = std::clamp(x + step(rng), 0.0, 100.0);
      v.push_back(x);
    }
  }
  return v;
}

struct Column {
  std::string payload;
  size_t count;
};

// `values` cut into Chimp128 columns of kColumnRows, their payloads without the header.
std::vector<Column> Chimp128Columns(const std::vector<double>& values) {
  std::vector<Column> columns;
  EncodeOptions options;
  options.codec = CodecId::kDoubleChimp128;
  for (size_t start = 0; start < values.size(); start += kColumnRows) {
    const size_t n = std::min(kColumnRows, values.size() - start);
    std::string column;
    if (!EncodeDoubles(absl::MakeConstSpan(values).subspan(start, n), &column, options).ok()) {
      std::fprintf(stderr, "encoding failed\n");
      std::exit(1);
    }
    absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
    if (!header.ok()) std::exit(1);
    columns.push_back({column.substr(header->header_bytes), n});
  }
  return columns;
}

void Register(const std::string& dataset, const std::vector<double>& values) {
  auto columns = std::make_shared<std::vector<Column>>(Chimp128Columns(values));
  for (int half = 0; half < 2; ++half) {
    const std::string name =
        absl::StrCat(half ? "BM_Chimp128DecodeHalf/" : "BM_Chimp128Decode/", dataset);
    benchmark::RegisterBenchmark(name.c_str(), [columns, half](benchmark::State& state) {
      std::vector<double> out;
      size_t values = 0;
      for (auto _ : state) {
        for (const Column& c : *columns) {
          const size_t prefix = half ? c.count / 2 : c.count;
          if (!DecodeChimp128Prefix(c.payload, c.count, prefix, &out).ok()) {
            state.SkipWithError("decode failed");
            return;
          }
          benchmark::DoNotOptimize(out.data());
          values += prefix;
        }
      }
      state.counters["ns_per_value"] =
          benchmark::Counter(static_cast<double>(values) * 1e-9,
                             benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    });
  }
}

}  // namespace
}  // namespace tsw::encoding

// --data_dir=DIR (taken out of argv before Google Benchmark reads it), else
// FindRealDoublesDir's search.
std::string DataDir(int* argc, char** argv) {
  for (int i = 1; i < *argc; ++i) {
    if (absl::StartsWith(argv[i], "--data_dir=")) {
      std::string dir = argv[i] + std::strlen("--data_dir=");
      std::copy(argv + i + 1, argv + *argc, argv + i);
      --*argc;
      return dir;
    }
  }
  return tsw::bench::FindRealDoublesDir("");
}

int main(int argc, char** argv) {
  const std::string data_dir = DataDir(&argc, argv);
  tsw::encoding::Register("query_bench_walk", tsw::encoding::QueryBenchWalks());
  for (const char* file : {"City-temp", "Air-pressure", "Basel-wind", "Stocks-DE", "POI-lat"}) {
    std::vector<double> values;
    if (!tsw::bench::ReadSeries(absl::StrCat(data_dir, "/", file, ".csv"), &values) ||
        values.empty()) {
      std::fprintf(stderr, "no %s/%s.csv: skipped\n", data_dir.c_str(), file);
      continue;
    }
    tsw::encoding::Register(file, values);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
