#include "engine/query/parse_cache.h"

#include <utility>

#include "engine/query/parser.h"

namespace tsw::query {

absl::StatusOr<std::shared_ptr<const Select>> ParseCache::Parse(std::string_view text) {
  std::shared_ptr<const Select> cached = entries_.Find(absl::string_view(text.data(), text.size()));
  if (cached != nullptr) return cached;
  // Parsed outside the lock: two threads may parse the same text; the first one kept wins.
  absl::StatusOr<std::unique_ptr<Select>> parsed = query::Parse(text);
  if (!parsed.ok()) return parsed.status();
  std::shared_ptr<const Select> select = std::move(*parsed);
  if (text.size() > kMaxTextBytes) return select;
  return entries_.Insert(std::string(text), std::move(select), /*replace=*/false);
}

}  // namespace tsw::query
