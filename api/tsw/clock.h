// The engine's source of "now". Retention windows, the future-time limit, CreationTime
// and LastUpdatedTime all read it, so tests and simulations can drive time by hand.
#ifndef TSW_API_CLOCK_H_
#define TSW_API_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace tsw {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch. Must be safe to call from any thread.
  virtual int64_t NowNanos() const = 0;
};

// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  int64_t NowNanos() const override;
  // A process-wide instance; never destroyed.
  static SystemClock* Default();
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_nanos) : now_(now_nanos) {}
  int64_t NowNanos() const override { return now_.load(std::memory_order_acquire); }
  void Set(int64_t now_nanos) { now_.store(now_nanos, std::memory_order_release); }
  void Advance(int64_t nanos) { now_.fetch_add(nanos, std::memory_order_acq_rel); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace tsw

#endif  // TSW_API_CLOCK_H_
