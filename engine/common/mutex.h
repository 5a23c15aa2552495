// The engine's one lock vocabulary: Mutex, SharedMutex (readers share), the scoped
// MutexLock and ReaderMutexLock, and CondVar. Every lock in engine/ and tools/server is
// one of these, after LevelDB's port/port_stdcxx.h and port/thread_annotations.h.
//
// Why std underneath, and not absl::Mutex: ThreadSanitizer sees a lock only if the code
// taking it is instrumented or the lock is a pthread primitive it intercepts.
// std::mutex, std::shared_mutex and std::condition_variable are pthread calls, so TSan
// sees them. absl::Mutex is Abseil's own futex-based lock, compiled into Debian's
// libabsl_synchronization without -fsanitize=thread: TSan never sees it taken, and every
// pair of accesses it orders looks like a race (tests/README.md, "Sanitizers").
//
// Why wrappers, and not std types directly: they carry Clang's thread-safety attributes
// (absl/base/thread_annotations.h), so members marked ABSL_GUARDED_BY(mu_) and functions
// marked ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) are checked at compile time by
// `bazel build --config=tsa` (clang's -Wthread-safety, an error there). The std types
// carry no such attributes in libstdc++, so the analysis cannot see them taken.
//
// Conventions: a member a lock guards says so with ABSL_GUARDED_BY; a function that needs
// a lock held says so with ABSL_EXCLUSIVE_LOCKS_REQUIRED or ABSL_SHARED_LOCKS_REQUIRED and
// is usually named ...Locked. None of these locks is reentrant.
#ifndef TSW_ENGINE_COMMON_MUTEX_H_
#define TSW_ENGINE_COMMON_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#include "absl/base/thread_annotations.h"

namespace tsw {

class CondVar;

// An exclusive lock (std::mutex).
class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  // Tells the analysis the caller holds this lock; checks nothing at run time.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// A reader-writer lock (std::shared_mutex): one writer, or any number of readers.
class ABSL_LOCKABLE SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  void ReaderLock() ABSL_SHARED_LOCK_FUNCTION() { mu_.lock_shared(); }
  void ReaderUnlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock_shared(); }
  // Tell the analysis the caller holds this lock (exclusively, or at least shared);
  // check nothing at run time.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}
  void AssertReaderHeld() const ABSL_ASSERT_SHARED_LOCK() {}

 private:
  std::shared_mutex mu_;
};

// Holds `mu` exclusively for its scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  explicit MutexLock(SharedMutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : shared_mu_(mu) {
    shared_mu_->Lock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  ~MutexLock() ABSL_UNLOCK_FUNCTION() {
    if (mu_ != nullptr) {
      mu_->Unlock();
    } else {
      shared_mu_->Unlock();
    }
  }

 private:
  Mutex* const mu_ = nullptr;
  SharedMutex* const shared_mu_ = nullptr;
};

// Holds `mu` shared for its scope.
class ABSL_SCOPED_LOCKABLE ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex* mu) ABSL_SHARED_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->ReaderLock();
  }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;
  ~ReaderMutexLock() ABSL_UNLOCK_FUNCTION() { mu_->ReaderUnlock(); }

 private:
  SharedMutex* const mu_;
};

// A condition variable (std::condition_variable) for a Mutex, named at each wait as in
// absl::CondVar. Waits may wake spuriously: callers wait in a loop on their condition,
// which takes the place of absl::Mutex::Await.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Releases `mu`, waits for a Signal (or a spurious wakeup), and takes `mu` again.
  void Wait(Mutex* mu) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // As Wait, giving up at `deadline`. Returns true if the deadline passed.
  bool WaitWithDeadline(Mutex* mu, std::chrono::steady_clock::time_point deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    const bool timed_out = cv_.wait_until(lock, deadline) == std::cv_status::timeout;
    lock.release();
    return timed_out;
  }
  // Wakes one waiter, or all of them.
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace tsw

#endif  // TSW_ENGINE_COMMON_MUTEX_H_
