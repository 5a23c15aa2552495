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
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/common/mutex.h"
#include "engine/query/ast.h"

namespace tsw::query {

class ParseCache {
 public:
  static constexpr size_t kMaxTextBytes = 16 << 10;

  explicit ParseCache(size_t capacity) : capacity_(capacity) {}

  // The parsed form of `text`: the cached one, or Parse(text) (cached if it parsed).
  absl::StatusOr<std::shared_ptr<const Select>> Parse(std::string_view text);

  size_t size() const;

 private:
  const size_t capacity_;
  mutable Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Select>> entries_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);  // Oldest first.
};

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_PARSE_CACHE_H_
