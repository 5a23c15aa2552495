// `tsw bench`: the load generator's command line (flags in BenchUsage()).
#ifndef TSW_TOOLS_BENCH_BENCH_COMMAND_H_
#define TSW_TOOLS_BENCH_BENCH_COMMAND_H_

#include <string>
#include <vector>

namespace tsw::bench {

// The flags, for `tsw --help`.
const char* BenchUsage();

// Runs `tsw bench` with `args` (the words after "bench"). Returns 0 on success, 1 when
// the setup or a request failed (errors on stderr as {"__type", "message"} JSON, or the
// failed requests in the summary), 2 on a usage error.
int RunBenchCommand(const std::vector<std::string>& args);

}  // namespace tsw::bench

#endif  // TSW_TOOLS_BENCH_BENCH_COMMAND_H_
