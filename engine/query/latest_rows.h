// "Last point" queries: a grouped query whose answer depends only on the latest row of
// each (series, measure) in its range is answered from ScanRequest::latest_only scans,
// which read one row per key instead of every row (engine/scan/latest_scanner.h).
//
// A plan qualifies when it reads a table, aggregates, and
//  - every aggregate is max(time) or max_by(column, time): within a (series, measure) the
//    latest row holds the maximum time, and over a group of several keys the group's
//    maximum is the largest of its keys' latest times, so the rows at that time are the
//    same rows either way (max_by breaks ties between them by value, aggregates.h, so the
//    answer does not depend on the order rows come in);
//  - every group key and the residual WHERE (what the scan could not take) read only
//    dimensions and measure_name, which are constant over a (series, measure): a key is
//    kept or dropped whole, and all its rows fall in one group.
// Anything else (count, min, sums, a filter on time or values the scan could not take,
// grouping by time) reads every row.
#ifndef TSW_ENGINE_QUERY_LATEST_ROWS_H_
#define TSW_ENGINE_QUERY_LATEST_ROWS_H_

#include "engine/query/plan.h"

namespace tsw::query {

// True when `plan` (itself, not its sub-query) can be answered from latest_only scans.
bool AnswerableFromLatestRows(const Plan& plan);

// Sets scan.latest_only on `plan` and on every sub-query plan that qualifies.
void UseLatestRows(Plan* plan);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_LATEST_ROWS_H_
