// The WHERE's bounds on MULTI attributes a scan may use to leave out whole blocks
// (row_batch.h, ValueBound): the comparisons of one DOUBLE or BIGINT attribute with a
// numeric constant (<, <=, >, >=, =; BETWEEN, which the binder rewrote as >= AND <=) that
// are conjuncts of the WHERE, i.e. reached from its root through AND alone. Any other shape
// (OR, NOT, functions, arithmetic, two columns) contributes nothing, so each bound holds on
// every row the WHERE selects.
#ifndef TSW_ENGINE_QUERY_VALUE_BOUNDS_H_
#define TSW_ENGINE_QUERY_VALUE_BOUNDS_H_

#include <vector>

#include "engine/common/row_batch.h"
#include "engine/query/plan.h"

namespace tsw::query {

// The bounds of `plan`'s WHERE (none without one); each a necessary condition of it.
std::vector<ValueBound> WhereValueBounds(const Plan& plan);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_VALUE_BOUNDS_H_
