#include "engine/query/parse_cache.h"

#include <utility>

#include "engine/query/parser.h"

namespace tsw::query {

absl::StatusOr<std::shared_ptr<const Select>> ParseCache::Parse(std::string_view text) {
  {
    MutexLock lock(&mu_);
    auto it = entries_.find(absl::string_view(text.data(), text.size()));
    if (it != entries_.end()) return it->second;
  }
  // Parsed outside the lock: two threads may parse the same text; the first one kept wins.
  absl::StatusOr<std::unique_ptr<Select>> parsed = query::Parse(text);
  if (!parsed.ok()) return parsed.status();
  std::shared_ptr<const Select> select = std::move(*parsed);
  if (capacity_ == 0 || text.size() > kMaxTextBytes) return select;
  MutexLock lock(&mu_);
  auto [it, inserted] = entries_.try_emplace(std::string(text), select);
  if (!inserted) return it->second;
  order_.emplace_back(text);
  if (order_.size() > capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  return select;
}

size_t ParseCache::size() const {
  MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace tsw::query
