// The five public real-world float series of ../shared/data/real-doubles, for the codec
// benchmarks (real_doubles_bench, chimp128_bench): where they are and how to read one.
#ifndef TSW_BENCH_REAL_SERIES_H_
#define TSW_BENCH_REAL_SERIES_H_

#include <string>
#include <vector>

namespace tsw::bench {

// `flag` (a --data_dir value) when not empty, else shared/data/real-doubles found beside
// the workspace (BUILD_WORKSPACE_DIRECTORY under `bazel run`, else the working directory)
// or one of its parents, else the relative "../shared/data/real-doubles" of the workspace.
std::string FindRealDoublesDir(const std::string& flag);

// Appends the numbers of the one-value-per-line file at `path` to *out. Blank lines and
// "" are skipped silently; other lines that are not numbers are skipped with a message on
// stderr. False when the file cannot be opened.
bool ReadSeries(const std::string& path, std::vector<double>* out);

}  // namespace tsw::bench

#endif  // TSW_BENCH_REAL_SERIES_H_
