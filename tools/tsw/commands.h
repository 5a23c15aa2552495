// The tsw subcommands. Each returns the process exit code: 0 on success, 1 when the
// operation failed (the error printed to stderr as {"__type", "message"} JSON), 2 on
// a usage error.
#ifndef TSW_TOOLS_TSW_COMMANDS_H_
#define TSW_TOOLS_TSW_COMMANDS_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/common/json_writer.h"
#include "tools/tsw/flags.h"
#include "tsw/engine.h"

namespace tsw::cli {

struct Command {
  const char* name;
  const char* usage;  // Flags, shown by --help.
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

// Every catalog operation (create-database ... describe-endpoints).
const std::vector<Command>& CatalogCommands();
// write, scan, query, stats, verify.
const std::vector<Command>& DataCommands();
// demo.
int RunDemo(const std::vector<std::string>& args);
// query (tools/tsw/query_command.cc).
int RunQuery(const std::vector<std::string>& args);
// Runs `sql` on `engine` and prints its answer to stdout as `format` ("table", "csv" or
// "jsonl"; query_command.cc describes each).
absl::Status PrintQueryAnswer(Engine& engine, const std::string& sql, const std::string& format);

// forward (tools/tsw/forward_command.cc): forwards until nothing is pending.
int RunForward(const std::vector<std::string>& args);
// The --forward-* flag names (without "--"); `tsw forward` takes them without "forward-".
const std::set<std::string>& ForwardFlagNames();
// Adds the forwarding rule the flags describe (if any) to `options`. `short_names`: the
// flags are spelled --to, --credentials... (tsw forward) rather than --forward-to...
absl::Status AddForwardFlags(const Flags& flags, bool short_names, Options* options);
// "Forwarding": [{Destination, Forwarded, PendingRecords, PendingBytes, SecondsBehind,
// Retried, Rejected, Dropped, LastError}], when the table is forwarded.
void WriteForwardStats(const TableStats& stats, json::JsonWriter& w);

// Prints `status` as {"__type": ..., "message": ...} to stderr; returns 1 (or 2 for a
// usage problem, which callers flag with `usage`).
int ReportError(const absl::Status& status);

// Prints `json` and a newline to stdout; returns 0.
int PrintJson(const std::string& json);

}  // namespace tsw::cli

#endif  // TSW_TOOLS_TSW_COMMANDS_H_
