// The value parsers (engine/model/value_parse.h) on the strings a MULTI WriteRecords
// record carries: DOUBLE values as absl::StrCat prints them (up to 6 significant digits),
// a BIGINT and a millisecond time.
//
//   BM_ParseFiniteDouble/<text>, BM_ParseInt64/<text>: one call per iteration on a
//     std::string holding <text>, through the absl::string_view overload.
//   BM_ParseTimeNanosIncremental, BM_IncrementalIntParser: the times of one request
//     (1000 millisecond times 7 ms apart), per time, through ParseTimeNanos with an
//     IncrementalIntParser and through the parser alone.
//
// Timings on the shared machine are noisy; for instructions per call run one benchmark
// under callgrind, e.g.
//   valgrind --tool=callgrind bazel-bin/bench/value_parse_bench
//     --benchmark_filter='BM_ParseFiniteDouble/533.93$' --benchmark_min_time=0.01
// and divide the function's inclusive cost by its calls (callgrind_annotate --inclusive=yes
// --tree=caller). ParseInt64 of 1 to 4 bytes is inline (value_parse_inline.h): for those
// texts count the benchmark loop's own instructions instead. bench/RESULTS.md has the
// figures.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/model/value_parse.h"

namespace tsw::ingest {
namespace {

absl::string_view View(const std::string& s) { return absl::string_view(s.data(), s.size()); }

void BM_ParseFiniteDouble(benchmark::State& state, const char* literal) {
  const std::string text = literal;
  double out;
  for (auto _ : state) {
    absl::string_view view = View(text);
    benchmark::DoNotOptimize(view);
    if (model::ParseFiniteDouble(view, &out) != model::ParseError::kOk)
      state.SkipWithError("rejected");
    benchmark::DoNotOptimize(out);
  }
}

void BM_ParseInt64(benchmark::State& state, const char* literal) {
  const std::string text = literal;
  int64_t out;
  for (auto _ : state) {
    absl::string_view view = View(text);
    benchmark::DoNotOptimize(view);
    if (model::ParseInt64(view, &out) != model::ParseError::kOk) state.SkipWithError("rejected");
    benchmark::DoNotOptimize(out);
  }
}

std::vector<std::string> RequestTimes() {
  std::vector<std::string> times;
  for (int64_t i = 0; i < 1000; ++i) times.push_back(std::to_string(1699971200123 + i * 7));
  return times;
}

void BM_ParseTimeNanosIncremental(benchmark::State& state) {
  const std::vector<std::string> times = RequestTimes();
  int64_t out;
  for (auto _ : state) {
    model::IncrementalIntParser parser;
    for (const std::string& t : times) {
      if (model::ParseTimeNanos(&parser, View(t), TimeUnit::kMilliseconds, &out) !=
          model::ParseError::kOk) {
        state.SkipWithError("rejected");
      }
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(times.size()));
}

void BM_IncrementalIntParser(benchmark::State& state) {
  const std::vector<std::string> times = RequestTimes();
  int64_t out;
  for (auto _ : state) {
    model::IncrementalIntParser parser;
    for (const std::string& t : times) {
      if (parser.Parse(View(t), &out) != model::ParseError::kOk) state.SkipWithError("rejected");
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(times.size()));
}

BENCHMARK_CAPTURE(BM_ParseFiniteDouble, 533.93, "533.93");
BENCHMARK_CAPTURE(BM_ParseFiniteDouble, 177.977, "177.977");
BENCHMARK_CAPTURE(BM_ParseFiniteDouble, -12.5, "-12.5");
BENCHMARK_CAPTURE(BM_ParseFiniteDouble, 417, "417");
BENCHMARK_CAPTURE(BM_ParseFiniteDouble, 1e+06, "1e+06");
BENCHMARK_CAPTURE(BM_ParseFiniteDouble, 1.23457e+06, "1.23457e+06");
BENCHMARK_CAPTURE(BM_ParseFiniteDouble, 0.1234567890123, "0.1234567890123");
BENCHMARK_CAPTURE(BM_ParseInt64, 417, "417");
BENCHMARK_CAPTURE(BM_ParseInt64, 12345678, "12345678");
BENCHMARK_CAPTURE(BM_ParseInt64, 1699971200123, "1699971200123");
BENCHMARK_CAPTURE(BM_ParseInt64, -9223372036854775808, "-9223372036854775808");
BENCHMARK(BM_ParseTimeNanosIncremental);
BENCHMARK(BM_IncrementalIntParser);

}  // namespace
}  // namespace tsw::ingest

BENCHMARK_MAIN();
