// QueryService: the Timestream Query API's paging layer (Query with MaxRows/NextToken/
// ClientToken, PrepareQuery, CancelQuery) over the query engine.
//
// A Query without NextToken runs the query to completion at once and keeps its answer
// (the typed column batches, not rows of text) under a new QueryId; every page is cut
// from that fixed answer, so pages never repeat or miss a row whatever is written
// meanwhile, and no table lock is held while a client pages. The answer is dropped
// after its last page is served (unless a ClientToken pins it, below), on CancelQuery,
// after an hour unused, and, least recently used first, when the answers held together
// would exceed `stored_answers_limit_bytes`.
//
// NextToken is opaque and self-checking: the query id, the next row's offset, a hash of
// the query string and the time it was issued, under an HMAC-SHA256 whose key is random
// per service. A token that was altered, belongs to another query string, is over an
// hour old or names an answer no longer held gets ValidationException ("Invalid
// pagination token: ..."); a token of a cancelled query gets ConflictException (the
// model's "Unable to poll results for a cancelled query"). The same token may be used
// again (a retried request gets the same page). QueryIds are self-checking too, so
// CancelQuery tells an id this service issued from a made-up one.
//
// ClientToken: a Query without NextToken whose ClientToken was seen in the last five
// minutes with the same query string returns the same QueryId and answer (its first
// page, cut by this request's MaxRows) without running the query again; with another
// query string it is a ValidationException. An answer with a ClientToken is kept for
// that window even after its last page (first in line for eviction), so a retried
// request finds it. Once it is evicted, the same ClientToken runs the query anew.
//
// Thread-safe. Queries run outside the service's lock, concurrently.
#ifndef TSW_ENGINE_QUERY_QUERY_SERVICE_H_
#define TSW_ENGINE_QUERY_QUERY_SERVICE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/query/query_engine.h"
#include "tsw/clock.h"
#include "tsw/query.h"

namespace tsw::query {

// What the service needs of the query engine. The engine facade binds these to
// Execute, Prepare and FormatValue over its QuerySource; tests bind fakes.
struct QueryBackend {
  // Runs `query_string`, handing the answer's rows in order to `visitor` (as Execute).
  std::function<absl::Status(std::string_view query_string, const QueryLimits& limits,
                             const std::function<bool(const QueryBatch&)>& visitor,
                             int64_t* bytes_scanned)>
      execute;
  // The answer's columns without running the query (as Prepare).
  std::function<absl::StatusOr<std::vector<SelectColumn>>(std::string_view query_string)> prepare;
  // The service's text of one value, nullopt for NULL (as FormatValue).
  std::function<std::optional<std::string>(const QueryColumn& column, size_t row)> format;
};

struct QueryServiceOptions {
  // Bounds each query's working state and answer (passed to `execute`, and checked
  // against the answer as it is collected).
  QueryLimits limits;
  // Bounds the answers held for paging, together. A new answer evicts the least recently
  // used others until they fit. REQUIRES: >= limits.memory_limit_bytes.
  int64_t stored_answers_limit_bytes = int64_t{256} << 20;
  // How long a NextToken, and an answer nobody pages, stay valid (the service: 1 hour).
  int64_t token_lifetime_nanos = int64_t{3600} * 1'000'000'000;
  // How long a ClientToken makes a repeated Query idempotent (the service: 5 minutes).
  int64_t client_token_window_nanos = int64_t{300} * 1'000'000'000;
  // A page without MaxRows holds rows up to about this many bytes of JSON response
  // (the service: 1 MB). A single row larger than this fails the page.
  int64_t max_page_bytes = 1'000'000;
  // "now" for token and answer lifetimes. nullptr: the system clock.
  const Clock* clock = nullptr;
};

class QueryService {
 public:
  QueryService(QueryBackend backend, QueryServiceOptions options);
  ~QueryService();
  QueryService(const QueryService&) = delete;
  QueryService& operator=(const QueryService&) = delete;

  // The Query operation. Errors: ValidationException for bad SQL, a bad request member
  // (MaxRows outside 1..1000, ClientToken not 32..128 characters, ...), an invalid
  // NextToken, or an answer over the memory limit; ConflictException for a NextToken
  // of a cancelled query; else what the backend returns.
  absl::StatusOr<QueryResponse> Query(const QueryRequest& request);

  // The PrepareQuery operation: the query's columns, no parameters (the subset has
  // none). Nothing is stored: ValidateOnly false is a ValidationException (prepared
  // queries serve scheduled queries, which tsw does not run); unset counts as true.
  absl::StatusOr<PrepareQueryResponse> PrepareQuery(const PrepareQueryRequest& request);

  // The CancelQuery operation. Drops the query's answer; its NextTokens then get
  // ConflictException. A query already cancelled, or one that finished (read to its end,
  // expired or evicted), gets a CancellationMessage saying so. An id this service did
  // not issue is a ValidationException.
  absl::StatusOr<CancelQueryResponse> CancelQuery(const CancelQueryRequest& request);

  // What is held for paging now (for tests and stats).
  int64_t HeldAnswers() const;
  int64_t HeldBytes() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_QUERY_SERVICE_H_
