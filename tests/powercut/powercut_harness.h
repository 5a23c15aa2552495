// Power-cut campaigns: a randomized workload over the public tsw::Engine on a FaultEnv,
// the power cut at a random file operation while its threads run, the engine reopened on
// what is left, and the result checked against a model of what was acknowledged.
//
// One run starts from an empty data directory and goes through several epochs; each
// epoch runs the workload on the open engine until the power is cut (at a random
// mutating file operation, or at its end), sometimes cuts again during the next Open,
// reopens, checks, and continues from what it found. The workload:
//   - two writer threads, each on its own series of two data tables: new rows of every
//     measure type (scalar and MULTI) in the last 20 hours (memory and magnetic store),
//     Version upserts, idempotent rewrites, and records rejected for their Version or
//     their time; every request carries a marker row, so the check can tell which
//     requests a recovery kept;
//   - a catalog thread: databases and tables created, updated, tagged, untagged and
//     deleted, and (under kSyncBeforeAck) rows written to its tables;
//   - a maintenance thread moving the manual clock on and calling RunMaintenance
//     (eviction, magnetic-store retention, compaction).
// The check, after Open: Verify reports nothing; no (series, measure, time) twice; every
// row is what the acknowledged requests (and perhaps the one in flight per thread) made
// it, at its Version. Under kSyncBeforeAck every acknowledged request is there; under
// kSyncPeriodically every request acknowledged before the last completed sync of its
// table's log is there, and what each table lost is a suffix (no request to a table
// survives that was sent after a lost one to that table was acknowledged).
#ifndef TSW_TESTS_POWERCUT_POWERCUT_HARNESS_H_
#define TSW_TESTS_POWERCUT_POWERCUT_HARNESS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tsw/options.h"

namespace tsw::testing::powercut {

struct Summary {
  int64_t cuts = 0;
  int64_t acknowledged = 0;           // Records and catalog changes acknowledged.
  int64_t lost = 0;                   // Acknowledged rows (or catalog changes) missing or wrong.
  int64_t phantom = 0;                // Rows no request ever sent.
  int64_t duplicated = 0;             // (series, measure, time) seen twice by one scan.
  int64_t unclean_opens = 0;          // Open failed, or Verify or a scan found a problem.
  int64_t other = 0;                  // Unexpected errors with the power on; wrong rejections.
  std::vector<std::string> problems;  // The first few, described.
  // Coverage: cuts that hit the workload while it ran (the rest came at its end), cuts
  // during an Open's recovery, requests in flight at a cut that recovery kept or dropped,
  // magnetic segments the checks found, and (kSyncPeriodically) acknowledged requests lost
  // as that policy allows.
  int64_t cuts_mid_workload = 0;
  int64_t cuts_in_open = 0;
  int64_t in_flight_kept = 0;
  int64_t in_flight_dropped = 0;
  int64_t segments_seen = 0;
  int64_t acked_lost_allowed = 0;  // kSyncPeriodically, acknowledged after the last sync.
  std::string Coverage() const;

  void Add(const Summary& other);
  bool clean() const;
  // "power cuts: N, acknowledged changes: A, lost: 0, phantom: 0, duplicated: 0,
  // unclean opens: 0"
  std::string Line() const;
};

struct CampaignOptions {
  SyncPolicy policy = SyncPolicy::kSyncBeforeAck;
  uint64_t seed = 1;
  int64_t cuts = 100;       // Power cuts to make in all (cuts during Open included).
  int epochs_per_run = 16;  // Cuts on one data directory before starting a fresh one.
};

Summary RunCampaign(const CampaignOptions& options);

}  // namespace tsw::testing::powercut

#endif  // TSW_TESTS_POWERCUT_POWERCUT_HARNESS_H_
