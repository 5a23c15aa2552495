// Where `tsw bench` writes: the engine in process (--data DIR) or a Timestream Write
// endpoint over HTTP(S) with SigV4 (--endpoint URL).
//
// A Target is shared by the run; each client thread writes through its own Writer (for an
// endpoint, its own keep-alive connection). Writers are used by one thread at a time.
#ifndef TSW_TOOLS_BENCH_TARGET_H_
#define TSW_TOOLS_BENCH_TARGET_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "engine/wire/sigv4.h"
#include "tools/bench/run_stats.h"
#include "tsw/engine.h"
#include "tsw/types.h"

namespace tsw::bench {

// The database and table a run writes, and the table's settings if it has to be created.
struct TableSetup {
  std::string database;
  std::string table;
  int64_t memory_retention_hours = 6;
  int64_t magnetic_retention_days = 73000;
  bool magnetic_store_writes = false;
};

class Writer {
 public:
  virtual ~Writer() = default;
  // Sends `request`; fills outcome->ingested, rejection_reasons and error (not the
  // timings or the record count).
  virtual void Write(const WriteRecordsRequest& request, RequestOutcome* outcome) = 0;
};

class Target {
 public:
  virtual ~Target() = default;
  // Creates the database and the table unless they exist (an existing table is used as
  // it is).
  virtual absl::Status Prepare(const TableSetup& setup) = 0;
  virtual std::unique_ptr<Writer> NewWriter() = 0;
  // The table's storage figures, when the target can tell (in process only).
  virtual std::optional<absl::StatusOr<TableStats>> Stats(const TableSetup& setup) = 0;
  // "data DIR" or "endpoint URL".
  virtual std::string Describe() const = 0;
};

// Opens the engine in `directory` (creating it if needed).
absl::StatusOr<std::unique_ptr<Target>> OpenEngineTarget(const std::string& directory);

// A Timestream Write endpoint, "http://HOST:PORT" or "https://HOST[:PORT]" (a path after
// it is ignored). Requests are signed for service "timestream" in `region`.
absl::StatusOr<std::unique_ptr<Target>> OpenEndpointTarget(const std::string& url,
                                                           server::SigningCredentials credentials,
                                                           const std::string& region);

}  // namespace tsw::bench

#endif  // TSW_TOOLS_BENCH_TARGET_H_
