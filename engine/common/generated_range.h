// AppendGenerated: appends make(0), ..., make(n - 1) to a std::vector with one insert, so
// the vector allocates once and builds each element in place. The alternative,
// resize(size + n) and a loop writing the new elements, value-initializes (zero-fills)
// them first for the loop to overwrite: a memset call per append, which for the many short
// appends of a scan (a filter's kept rows, an answer's batches) cost more than the values.
#ifndef TSW_ENGINE_COMMON_GENERATED_RANGE_H_
#define TSW_ENGINE_COMMON_GENERATED_RANGE_H_

#include <compare>
#include <cstddef>
#include <iterator>
#include <type_traits>
#include <vector>

namespace tsw {

// The values make(k), k = 0, 1, ..., as a random-access range for vector::insert, which
// needs only its distance, dereference and increment. Dereferencing yields a value, not a
// reference, which is all insert's element copy reads.
template <typename Make>
class GeneratedIterator {
 public:
  using iterator_category = std::random_access_iterator_tag;
  using value_type = std::invoke_result_t<const Make&, size_t>;
  using difference_type = std::ptrdiff_t;
  using pointer = const value_type*;
  using reference = value_type;

  GeneratedIterator(const Make* make, size_t k) : make_(make), k_(k) {}
  value_type operator*() const { return (*make_)(k_); }
  value_type operator[](difference_type i) const { return (*make_)(k_ + i); }
  GeneratedIterator& operator++() {
    ++k_;
    return *this;
  }
  GeneratedIterator operator++(int) { return GeneratedIterator(make_, k_++); }
  GeneratedIterator& operator--() {
    --k_;
    return *this;
  }
  GeneratedIterator operator--(int) { return GeneratedIterator(make_, k_--); }
  GeneratedIterator& operator+=(difference_type n) {
    k_ += n;
    return *this;
  }
  GeneratedIterator& operator-=(difference_type n) {
    k_ -= n;
    return *this;
  }
  GeneratedIterator operator+(difference_type n) const { return GeneratedIterator(make_, k_ + n); }
  GeneratedIterator operator-(difference_type n) const { return GeneratedIterator(make_, k_ - n); }
  difference_type operator-(const GeneratedIterator& o) const {
    return static_cast<difference_type>(k_) - static_cast<difference_type>(o.k_);
  }
  bool operator==(const GeneratedIterator& o) const { return k_ == o.k_; }
  auto operator<=>(const GeneratedIterator& o) const { return k_ <=> o.k_; }

 private:
  const Make* make_;
  size_t k_;
};

// Appends make(0), ..., make(n - 1) to *out, in that order. `make` must not touch *out.
template <typename T, typename Make>
void AppendGenerated(size_t n, const Make& make, std::vector<T>* out) {
  out->insert(out->end(), GeneratedIterator<Make>(&make, 0), GeneratedIterator<Make>(&make, n));
}

}  // namespace tsw

#endif  // TSW_ENGINE_COMMON_GENERATED_RANGE_H_
