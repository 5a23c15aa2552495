// tsw: the command-line face of the engine. `tsw --help` lists the subcommands.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "engine/wire/api_json.h"
#include "tools/bench/bench_command.h"
#include "tools/server/serve_command.h"
#include "tools/tsw/commands.h"
#include "tsw/status.h"

namespace tsw::cli {

int ReportError(const absl::Status& status) {
  std::fprintf(stderr, "%s\n", apijson::ErrorToJson(status).c_str());
  return 1;
}

int PrintJson(const std::string& json) {
  std::fwrite(json.data(), 1, json.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

namespace {

void PrintHelp() {
  std::printf(
      "tsw: an embedded time-series store speaking the Amazon Timestream Write and Query "
      "APIs.\n\n"
      "usage: tsw <command> [flags]\n\n"
      "  demo [--data DIR]\n"
      "      The main job: a fresh data directory (default ./tsw-demo), a database and\n"
      "      table, an IoT fleet ingested, the rejections by reason, a sample scan and a\n"
      "      query.\n"
      "  serve --data DIR --listen HOST:PORT [--credentials FILE]\n"
      "      The Timestream Write and Query wire protocol (AWS JSON 1.0, SigV4) over HTTP.\n"
      "  bench %s\n\n"
      "Catalog operations (each prints the API's response as JSON; every command also\n"
      "takes --data DIR, and --region R / --account-id A for ARNs):\n",
      tsw::bench::BenchUsage());
  for (const Command& c : CatalogCommands()) {
    std::printf("  %-24s %s\n      %s\n", c.name, c.summary, c.usage);
  }
  std::printf("\nData:\n");
  for (const Command& c : DataCommands()) {
    std::printf("  %-24s %s\n      %s\n", c.name, c.summary, c.usage);
  }
  std::printf("\nErrors print {\"__type\": <exception>, \"message\": ...} to stderr and exit 1.\n");
}

}  // namespace
}  // namespace tsw::cli

int main(int argc, char** argv) {
  using tsw::cli::Command;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    tsw::cli::PrintHelp();
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  // serve parses its own flags (and its own --help).
  if (command == "serve") return tsw::server::RunServeCommand(argc - 1, argv + 1);
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      tsw::cli::PrintHelp();
      return 0;
    }
  }
  if (command == "demo") return tsw::cli::RunDemo(args);
  if (command == "bench") return tsw::bench::RunBenchCommand(args);
  for (const auto* list : {&tsw::cli::CatalogCommands(), &tsw::cli::DataCommands()}) {
    for (const Command& c : *list) {
      if (command == c.name) return c.run(args);
    }
  }
  std::fprintf(stderr, "tsw: unknown command '%s' (see tsw --help)\n", command.c_str());
  return 2;
}
