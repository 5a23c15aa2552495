// ParseCache: parsed queries by their text, so a query run again (a dashboard's, a
// benchmark's) skips the lexer and the parser. A parsed Select depends on the text alone:
// not on the table's columns (names are resolved by the binder, per run) nor on now()
// (ago() and now() are evaluated when the plan is bound, per run), so an entry never goes
// stale. Errors are not cached. Bounded: at most `capacity` entries of at most
// kMaxTextBytes of text each; when full, the oldest entry goes.
//
// Thread-safe. Entries are shared read-only (BuildPlan reads a Select, never changes it).
#ifndef TSW_ENGINE_QUERY_PARSE_CACHE_H_
#define TSW_ENGINE_QUERY_PARSE_CACHE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/query/ast.h"
#include "engine/query/fifo_cache.h"

namespace tsw::query {

class ParseCache {
 public:
  static constexpr size_t kMaxTextBytes = 16 << 10;

  explicit ParseCache(size_t capacity) : entries_(capacity) {}

  // The parsed form of `text`: the cached one, or Parse(text) (cached if it parsed).
  absl::StatusOr<std::shared_ptr<const Select>> Parse(std::string_view text);

  size_t size() const { return entries_.size(); }

 private:
  FifoCache<Select> entries_;
};

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_PARSE_CACHE_H_
