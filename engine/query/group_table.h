// GroupTable: grouping and aggregation in one pass, for the executor (executor.h). Rows
// are mapped to dense group ids through a hash table of their group keys, and each
// aggregate call keeps one Accumulator (aggregates.h) over those ids.
//
// The index: a query grouped by one string or integer-like key (a hostname, a time bin)
// looks its values up as they are, with NULL as a group of its own; any other key list
// is encoded as bytes (AppendKeyBytes) and hashed. Within a chunk, a row whose keys equal
// the previous row's reuses its group id without a lookup; when every key is constant in
// the chunk (dimensions, measure_name of a scan batch), the chunk is one lookup.
//
// Latest rows (latest_rows.h) arrive as one chunk of one row per (series, measure), and
// grouped by one dimension (lastpoint: GROUP BY hostname) most groups are one row, whose
// max(time) and max_by(x, time) are that row's time and x. Such a chunk is held until
// Finish; if its rows' keys are then all distinct (the rows sorted by key, each unlike the
// next), the groups are the rows themselves: the chunk's own vectors go to the output,
// with no index, key copies or accumulators, in the key's order when the ORDER BY is it.
// Otherwise (a key shared by several rows, or another chunk) it is consumed as any.
//
// Thread-compatible; lives for one run of a plan.
#ifndef TSW_ENGINE_QUERY_GROUP_TABLE_H_
#define TSW_ENGINE_QUERY_GROUP_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/query/aggregates.h"
#include "engine/query/evaluator.h"
#include "engine/query/output_sink.h"
#include "engine/query/plan.h"

namespace tsw::query {

class GroupTable {
 public:
  // Groups for `plan` (its group keys and aggregate calls); every group's bytes are
  // charged to `budget`. `plan`, `ctx` and `budget` must outlive the table.
  GroupTable(const Plan& plan, const EvalContext& ctx, MemoryBudget* budget);

  // Adds the rows `sel` of `chunk` (the plan's input rows) to their groups.
  absl::Status Consume(const Chunk& chunk, const Sel& sel);
  // How many groups so far have a value of the integer (TIMESTAMP) key `key` that
  // `counts` accepts. REQUIRES: before Finish; a plan that is not latest_only (a held
  // chunk's rows are not counted).
  template <typename Predicate>
  size_t CountGroups(size_t key, const Predicate& counts) const {
    const Vec& values = keys_[key];
    size_t n = 0;
    for (size_t g = 0; g < groups_; ++g) n += values.present[g] && counts(values.ints[g]);
    return n;
  }
  // The group rows, through HAVING, into `sink`. The table is spent afterwards.
  absl::Status Finish(OutputSink& sink);
  // Room for `groups` groups in all, ahead of a chunk that may make about that many (a
  // latest-rows chunk makes at most one per key, often exactly): the keys', index's and
  // accumulators' arrays grow once instead of doubling their way there.
  void Reserve(size_t groups);

 private:
  // How the index is keyed (the header comment).
  enum class IndexKind { kBytes, kOneString, kOneInt };

  // The rows of a chunk into their groups (Consume without the hold).
  absl::Status ConsumeNow(const Chunk& chunk, const Sel& sel);
  // True when a chunk's rows may be held for FinishRowsAsGroups (the header comment).
  bool MayHold() const;
  // Consumes the held chunk, if any.
  absl::Status ConsumeHeld();
  // The held chunk's rows as groups of one into `sink`, through HAVING; false (nothing
  // sent) when some key is not unique or a vector is not as expected.
  absl::StatusOr<bool> FinishRowsAsGroups(OutputSink& sink);
  // The group rows `sel` of `groups` (keys, then aggregates) through HAVING into `sink`;
  // `in_order`: `sel` is in the ORDER BY's order (OutputSink::Consume).
  absl::Status Emit(const Chunk& groups, Sel sel, OutputSink& sink, bool in_order = false);
  // The plan's ORDER BY when it is one key and that key is the one group key, else null.
  const SortKey* OrderByTheKey() const;
  // True when the key's values at `sel`'s rows are distinct (NULL is one value). *order
  // gets those rows sorted by the key (in `order_by`'s direction and NULL placement, if
  // not null); adds their key bytes (as NewGroup charges them) to *key_bytes (a partial
  // sum when false).
  bool DistinctKeys(const Vec& key, const Sel& sel, const SortKey* order_by,
                    std::vector<uint32_t>* order, size_t* key_bytes) const;

  // The memory charged for `groups` new groups holding `key_bytes` key bytes in all.
  int64_t GroupBytes(size_t key_bytes, size_t groups) const;
  // The group of row `row` of `keys` (the group keys' values), made if new.
  absl::StatusOr<uint32_t> GroupOf(const std::vector<VecPtr>& keys, size_t row);
  // GroupOf for an index of one key (kOneString, kOneInt).
  absl::StatusOr<uint32_t> GroupOfOneKey(const std::vector<VecPtr>& keys, size_t row);
  // A new group (numbered groups_) for row `row` of `keys`, whose key takes `key_bytes`
  // bytes as AppendKeyBytes writes it (the memory charge).
  absl::StatusOr<uint32_t> NewGroup(const std::vector<VecPtr>& keys, size_t row, size_t key_bytes);
  // The accumulators, made on first use: a latest-rows chunk whose rows are their own
  // groups (FinishRowsAsGroups) never needs them. Sized to capacity_.
  void MakeAccumulators();
  // Makes room for `groups` groups. The keys' and accumulators' vectors grow by doubling,
  // not one group at a time (a query with a group per row resized them all on every
  // row); the slots beyond groups_ are fresh (NULL keys, empty accumulators) until used.
  void ResizeTo(size_t groups);

  const Plan& plan_;
  const EvalContext& ctx_;
  MemoryBudget* budget_;
  IndexKind index_kind_ = IndexKind::kBytes;
  std::vector<Vec> keys_;                             // Per key, its value for each group.
  std::vector<Accumulator> accumulators_;             // Empty until MakeAccumulators.
  absl::flat_hash_map<std::string, uint32_t> index_;  // kBytes, kOneString.
  absl::flat_hash_map<int64_t, uint32_t> int_index_;  // kOneInt.
  uint32_t null_group_ = UINT32_MAX;                  // kOneString, kOneInt: the NULL key's.
  size_t groups_ = 0;
  size_t capacity_ = 0;  // Groups the keys' and accumulators' vectors hold.
  std::vector<uint32_t> gids_;
  std::string key_bytes_;
  Chunk held_;                       // A held latest-rows chunk (n == 0: none).
  std::vector<uint32_t> held_rows_;  // Its selection, when not all rows.
  bool held_all_ = true;             // The selection is every row of held_.
  bool held_once_ = false;           // A chunk was held: later ones are not.
};

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_GROUP_TABLE_H_
