// A thread-safe map of at most `capacity` entries by text key, the oldest inserted going
// first: what the parse cache and the bound-plan cache keep their entries in.
#ifndef TSW_ENGINE_QUERY_FIFO_CACHE_H_
#define TSW_ENGINE_QUERY_FIFO_CACHE_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "engine/common/mutex.h"

namespace tsw::query {

template <typename V>
class FifoCache {
 public:
  explicit FifoCache(size_t capacity) : capacity_(capacity) {}

  size_t capacity() const { return capacity_; }

  // The value under `key`, or null.
  std::shared_ptr<const V> Find(absl::string_view key) const {
    MutexLock lock(&mu_);
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second;
  }

  // Keeps `value` under `key` and returns what the cache holds under it then. A key
  // already present keeps its place in the order and its value unless `replace`.
  std::shared_ptr<const V> Insert(std::string key, std::shared_ptr<const V> value, bool replace) {
    if (capacity_ == 0) return value;
    MutexLock lock(&mu_);
    auto [it, inserted] = entries_.try_emplace(key, value);
    if (!inserted) {
      if (replace) it->second = std::move(value);
      return it->second;
    }
    order_.push_back(std::move(key));
    if (order_.size() > capacity_) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
    return it->second;
  }

  size_t size() const {
    MutexLock lock(&mu_);
    return entries_.size();
  }

 private:
  const size_t capacity_;
  mutable Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const V>> entries_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);  // Oldest first.
};

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_FIFO_CACHE_H_
