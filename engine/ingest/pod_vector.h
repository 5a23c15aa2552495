// A growable array of trivially copyable elements whose growth leaves new elements
// uninitialized, for the per-request scratch of the ingest path. std::vector value-
// initializes what resize() adds (zeroing every byte of a 48-byte ParsedValue, through an
// out-of-line append), work that the parser then overwrites field by field. Capacity is
// kept across clear(), so a steady state allocates nothing.
#ifndef TSW_ENGINE_INGEST_POD_VECTOR_H_
#define TSW_ENGINE_INGEST_POD_VECTOR_H_

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>

#include "absl/base/attributes.h"

namespace tsw::ingest {

template <typename T>
class PodVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  PodVector() = default;
  PodVector(const PodVector&) = delete;
  PodVector& operator=(const PodVector&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }

  void clear() { size_ = 0; }
  void reserve(size_t n) {
    if (n > capacity_) Reallocate(n);
  }
  // Appends `n` uninitialized elements; returns the first.
  ABSL_ATTRIBUTE_ALWAYS_INLINE T* Grow(size_t n) {
    if (size_ + n > capacity_) Reallocate(std::max(size_ + n, capacity_ * 2));
    T* first = data_.get() + size_;
    size_ += n;
    return first;
  }
  // Makes room for `n` more elements without reallocation and returns end(): the caller
  // writes up to `n` elements there, then adds the ones it keeps with Extend.
  T* MakeRoom(size_t n) {
    reserve(size_ + n);
    return data_.get() + size_;
  }
  // Adds the first `n` elements written past end() (at most the room made).
  void Extend(size_t n) { size_ += n; }
  // Drops elements from the end (n <= size()).
  void Truncate(size_t n) { size_ = n; }
  ABSL_ATTRIBUTE_ALWAYS_INLINE void push_back(const T& v) { *Grow(1) = v; }

 private:
  ABSL_ATTRIBUTE_NOINLINE void Reallocate(size_t n) {
    std::unique_ptr<T[]> bigger(new T[n]);
    if (size_ > 0) std::memcpy(static_cast<void*>(bigger.get()), data_.get(), size_ * sizeof(T));
    data_ = std::move(bigger);
    capacity_ = n;
  }

  std::unique_ptr<T[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace tsw::ingest

#endif  // TSW_ENGINE_INGEST_POD_VECTOR_H_
