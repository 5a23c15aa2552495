// A latch for tests that hold a thread at a known point: opened once, waited for by any
// number of threads. std locks, so ThreadSanitizer sees them (tests/README.md).
#ifndef TSW_TESTS_COMMON_LATCH_H_
#define TSW_TESTS_COMMON_LATCH_H_

#include <condition_variable>
#include <mutex>

namespace tsw::testing {

class Latch {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

}  // namespace tsw::testing

#endif  // TSW_TESTS_COMMON_LATCH_H_
