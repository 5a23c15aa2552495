// What of a table's write-ahead log is durable elsewhere, so the log can be trimmed.
//
// The log may drop a batch only when every row in it is durable elsewhere: rows older than
// the eviction cutoff are in magnetic segments, newer ones live only in memory (and the
// log). WalCoverage keeps, per group of consecutive batches, the newest row time among them;
// an eviction that put every row older than `cutoff` of the batches through `covered` into
// segments may trim the log before the first batch that still holds a newer row or comes
// later (engine/table/FORMAT.md). A group ends after kGroupSize batches or once its
// batches' newest times spread over more than kGroupSpanNanos, so a trim point is at most
// a group early (never late), and a window holds few groups however fast or slowly
// batches come: at most one per kGroupSize batches plus one per kGroupSpanNanos of time.
//
// EvictionNote is the manifest note an eviction publishes with its segment: the cutoff and
// the last log sequence it covers.
//
// REQUIRES: external synchronization (the table's lock).
#ifndef TSW_ENGINE_TABLE_WAL_COVERAGE_H_
#define TSW_ENGINE_TABLE_WAL_COVERAGE_H_

#include <cstdint>
#include <deque>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace tsw::table {

class WalCoverage {
 public:
  static constexpr uint64_t kGroupSize = 1024;
  static constexpr int64_t kGroupSpanNanos = int64_t{60} * 1000000000;

  // Records that batch `sequence` holds rows no newer than `max_time`. Sequences must
  // increase from call to call.
  void Add(uint64_t sequence, int64_t max_time);

  // Once every row with time < `cutoff` of the batches with sequence <= `covered` is in
  // segments: the first sequence the log must keep (TrimBefore it). Forgets the groups
  // before it. Returns 0 when nothing was ever added.
  uint64_t TrimPoint(int64_t cutoff, uint64_t covered);

  size_t groups() const { return groups_.size(); }

 private:
  struct Group {
    uint64_t first = 0;
    uint64_t last = 0;
    int64_t first_max_time = INT64_MIN;  // The first batch's newest time.
    int64_t max_time = INT64_MIN;
  };
  std::deque<Group> groups_;
  uint64_t next_ = 0;  // One past the last sequence added.
};

// The manifest note of an eviction (format in engine/table/FORMAT.md).
struct EvictionNote {
  int64_t cutoff = INT64_MIN;  // Rows older than this of batches <= sequence are in segments.
  uint64_t sequence = 0;       // The last log sequence the eviction covered.

  std::string Encode() const;
  // An empty note is the default (no eviction yet). InternalServerException if malformed.
  static absl::Status Decode(absl::string_view text, EvictionNote* note);
};

}  // namespace tsw::table

#endif  // TSW_ENGINE_TABLE_WAL_COVERAGE_H_
