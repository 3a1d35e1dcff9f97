// polyconc/sync.hpp: the locks (Mutex, SpinLock, MutexWith<T>, SpinLockWith<T>,
// RwLock, ReentrantLock), CondVar, Semaphore, Latch, Barrier and
// WaitGroup.
// Part of polyconc.hpp (which includes every part); it may be included
// alone.
#ifndef POLYCONC_SYNC_HPP
#define POLYCONC_SYNC_HPP

#include "common.hpp"

namespace polyconc {

namespace detail {

// Taking and releasing one lock (or one side of a readers-writer lock)
// through its C functions (the plain _lock, _lock_timeout, _unlock), with
// the statuses as the standard lock concepts want them: PC_TIMEOUT is a
// failed try, anything else throws.
template <class H, pc_status (*Lock)(const H *),
          pc_status (*LockTimeout)(const H *, std::uint64_t), pc_status (*Unlock)(const H *)>
struct lock_calls {
  static void lock(const H *h) {
    pc_status s = Lock(h);
    if (s != PC_OK) fail(s, "polyconc lock");
  }
  static bool try_lock_ns(const H *h, std::uint64_t ns) {
    pc_status s = LockTimeout(h, ns);
    if (s == PC_OK) return true;
    if (s == PC_TIMEOUT) return false;
    fail(s, "polyconc lock");
  }
  static void unlock(const H *h) {
    pc_status s = Unlock(h);
    if (s != PC_OK) fail(s, "polyconc unlock");
  }
};

// lock / try_lock / try_lock_for / try_lock_until / unlock over a lock's C
// functions: what makes every polyconc lock TimedLockable (std::lock_guard,
// std::unique_lock and std::scoped_lock accept it). The derived class
// creates and frees the handle.
template <class H, pc_status (*Lock)(const H *),
          pc_status (*LockTimeout)(const H *, std::uint64_t), pc_status (*Unlock)(const H *)>
class timed_lockable {
  using calls = lock_calls<H, Lock, LockTimeout, Unlock>;

 public:
  timed_lockable() = default;
  timed_lockable(const timed_lockable &) = delete;
  timed_lockable &operator=(const timed_lockable &) = delete;

  /// Waits until it has the lock.
  void lock() { calls::lock(h_); }
  /// Takes the lock only if it can now.
  bool try_lock() { return calls::try_lock_ns(h_, 0); }
  /// Takes the lock, waiting at most `timeout` (any duration, max() too).
  template <class Rep, class Period>
  bool try_lock_for(std::chrono::duration<Rep, Period> timeout) {
    return calls::try_lock_ns(h_, to_ns(timeout));
  }
  /// Takes the lock, waiting until `deadline` at the latest.
  template <class Clock, class Duration>
  bool try_lock_until(std::chrono::time_point<Clock, Duration> deadline) {
    return try_lock_for(deadline - Clock::now());
  }
  /// Releases the lock; throws polyconc::error with PC_NOT_OWNER when the
  /// caller may not (see the C function).
  void unlock() { calls::unlock(h_); }
  /// The C handle (still owned by this object).
  const H *handle() const noexcept { return h_; }

 protected:
  H *h_ = nullptr;
};

}  // namespace detail

/// A mutex (pc_mutex). Unlike std::mutex, any thread may unlock it, and
/// unlock() of a mutex that is not locked throws polyconc::error
/// (PC_NOT_OWNER) instead of being undefined behaviour.
///
///   polyconc::Mutex m;
///   { std::lock_guard<polyconc::Mutex> g(m); ... }
///   std::unique_lock<polyconc::Mutex> u(m, std::chrono::milliseconds(5));
///   if (u.owns_lock()) { ... }
class Mutex : public detail::timed_lockable<pc_mutex, pc_mutex_lock, pc_mutex_lock_timeout,
                                            pc_mutex_unlock> {
 public:
  Mutex() {
    pc_status s = pc_mutex_new(&h_);
    if (s != PC_OK) detail::fail(s, "pc_mutex_new");
  }
  ~Mutex() { pc_mutex_free(h_); }
  bool is_locked() const noexcept { return pc_mutex_is_locked(h_); }
};

/// A spin lock (pc_spinlock) for critical sections of a few instructions:
/// a waiter spins instead of sleeping. Any thread may unlock it; unlock()
/// of one that is not locked throws polyconc::error (PC_NOT_OWNER).
class SpinLock
    : public detail::timed_lockable<pc_spinlock, pc_spinlock_lock, pc_spinlock_lock_timeout,
                                    pc_spinlock_unlock> {
 public:
  SpinLock() {
    pc_status s = pc_spinlock_new(&h_);
    if (s != PC_OK) detail::fail(s, "pc_spinlock_new");
  }
  ~SpinLock() { pc_spinlock_free(h_); }
  bool is_locked() const noexcept { return pc_spinlock_is_locked(h_); }
};

namespace detail {

// A lock whose handle holds a T right after the lock word (the C
// _new_with_data and _data calls): constructed in place, destroyed before
// the handle is freed. Base is the lock's timed_lockable.
template <class T, class Base, class H, pc_status (*NewWithData)(std::size_t, std::size_t, H **),
          void *(*Data)(const H *), void (*Free)(H *)>
class lock_with : public Base {
 public:
  /// Makes the lock and its T from `args`; throws polyconc::error if the
  /// lock cannot be made, or what T's constructor throws.
  template <class... Args>
  explicit lock_with(Args &&...args) {
    pc_status s = NewWithData(sizeof(T), alignof(T), &this->h_);
    if (s != PC_OK) fail(s, "polyconc lock with data");
    try {
      ::new (Data(this->h_)) T(std::forward<Args>(args)...);
    } catch (...) {
      Free(this->h_);
      throw;
    }
  }
  ~lock_with() {
    get().~T();
    Free(this->h_);
  }
  /// The T, next to the lock: to be used while holding it.
  T &get() noexcept { return *std::launder(static_cast<T *>(Data(this->h_))); }
  const T &get() const noexcept {
    return *std::launder(static_cast<const T *>(Data(this->h_)));
  }
};

}  // namespace detail

/// A Mutex holding a T right after its lock word, in one allocation
/// (pc_mutex_new_with_data): Rust's Mutex<T>, so that a thread taking the
/// lock finds the T next to it. TimedLockable as Mutex; get() is the T.
///
///   polyconc::MutexWith<std::vector<int>> m;
///   { std::lock_guard<polyconc::MutexWith<std::vector<int>>> g(m); m.get().push_back(1); }
template <class T>
using MutexWith = detail::lock_with<
    T, detail::timed_lockable<pc_mutex, pc_mutex_lock, pc_mutex_lock_timeout, pc_mutex_unlock>,
    pc_mutex, pc_mutex_new_with_data, pc_mutex_data, pc_mutex_free>;

/// A SpinLock holding a T right after its lock word
/// (pc_spinlock_new_with_data), as MutexWith.
template <class T>
using SpinLockWith =
    detail::lock_with<T,
                      detail::timed_lockable<pc_spinlock, pc_spinlock_lock,
                                             pc_spinlock_lock_timeout, pc_spinlock_unlock>,
                      pc_spinlock, pc_spinlock_new_with_data, pc_spinlock_data, pc_spinlock_free>;

/// A readers-writer lock (pc_rwlock), SharedTimedLockable: write with
/// std::unique_lock / std::lock_guard, read with std::shared_lock. No
/// writer starves. An unlock of a side not held throws polyconc::error
/// (PC_NOT_OWNER).
///
///   polyconc::RwLock l;
///   { std::shared_lock<polyconc::RwLock> r(l); ... }   // many at once
///   { std::unique_lock<polyconc::RwLock> w(l); ... }   // alone
class RwLock
    : public detail::timed_lockable<pc_rwlock, pc_rwlock_lock_write, pc_rwlock_lock_write_timeout,
                                    pc_rwlock_unlock_write> {
  using read_side = detail::lock_calls<pc_rwlock, pc_rwlock_lock_read,
                                       pc_rwlock_lock_read_timeout, pc_rwlock_unlock_read>;

 public:
  RwLock() {
    pc_status s = pc_rwlock_new(&h_);
    if (s != PC_OK) detail::fail(s, "pc_rwlock_new");
  }
  ~RwLock() { pc_rwlock_free(h_); }

  /// Waits until it has a read hold.
  void lock_shared() { read_side::lock(h_); }
  /// Takes a read hold only if it can now.
  bool try_lock_shared() { return read_side::try_lock_ns(h_, 0); }
  /// Takes a read hold, waiting at most `timeout`.
  template <class Rep, class Period>
  bool try_lock_shared_for(std::chrono::duration<Rep, Period> timeout) {
    return read_side::try_lock_ns(h_, detail::to_ns(timeout));
  }
  /// Takes a read hold, waiting until `deadline` at the latest.
  template <class Clock, class Duration>
  bool try_lock_shared_until(std::chrono::time_point<Clock, Duration> deadline) {
    return try_lock_shared_for(deadline - Clock::now());
  }
  /// Gives up one read hold.
  void unlock_shared() { read_side::unlock(h_); }
  /// How many read holds it has now (a hint).
  std::size_t readers() const noexcept { return pc_rwlock_readers(h_); }
  /// Whether it is locked for writing now (a hint).
  bool is_write_locked() const noexcept { return pc_rwlock_is_write_locked(h_); }
};

/// A reentrant lock (pc_reentrant_lock, Java's ReentrantLock): its owner
/// thread may take it again, and it is free after as many unlocks. An
/// unlock by another thread throws polyconc::error (PC_NOT_OWNER).
class ReentrantLock
    : public detail::timed_lockable<pc_reentrant_lock, pc_reentrant_lock_lock,
                                    pc_reentrant_lock_lock_timeout, pc_reentrant_lock_unlock> {
 public:
  /// A fair lock is handed to its waiters in the order they came.
  explicit ReentrantLock(bool fair = false) {
    pc_status s = pc_reentrant_lock_new(fair, &h_);
    if (s != PC_OK) detail::fail(s, "pc_reentrant_lock_new");
  }
  ~ReentrantLock() { pc_reentrant_lock_free(h_); }
  /// The calling thread's holds (0 if it does not hold it).
  std::size_t hold_count() const noexcept { return pc_reentrant_lock_hold_count(h_); }
  bool is_locked() const noexcept { return pc_reentrant_lock_is_locked(h_); }
};

/// A condition variable (pc_cond) for a polyconc::Mutex or MutexWith<T>,
/// used as std::condition_variable is with std::mutex:
///
///   std::unique_lock<polyconc::Mutex> lock(m);
///   cv.wait(lock, [&] { return ready; });
class CondVar {
  // The locks it waits on: those whose handle is a pc_mutex.
  template <class M>
  static constexpr bool on_mutex =
      std::is_same_v<decltype(std::declval<const M &>().handle()), const pc_mutex *>;

 public:
  CondVar() {
    pc_status s = pc_cond_new(&h_);
    if (s != PC_OK) detail::fail(s, "pc_cond_new");
  }
  CondVar(const CondVar &) = delete;
  CondVar &operator=(const CondVar &) = delete;
  ~CondVar() { pc_cond_free(h_); }

  /// Releases the lock, waits for a notification, takes the lock again.
  /// Throws polyconc::error (PC_NOT_OWNER) if the lock is not held.
  template <class M>
  void wait(std::unique_lock<M> &lock) {
    (void)wait_ns(lock, PC_FOREVER);
  }
  /// Waits until `ready()` is true (checked with the lock held).
  template <class M, class Predicate>
  void wait(std::unique_lock<M> &lock, Predicate ready) {
    while (!ready()) wait(lock);
  }
  /// As wait, for at most `timeout` (any duration, max() too).
  template <class M, class Rep, class Period>
  std::cv_status wait_for(std::unique_lock<M> &lock, std::chrono::duration<Rep, Period> timeout) {
    return wait_ns(lock, detail::to_ns(timeout));
  }
  void notify_one() { check(pc_cond_signal(h_), "pc_cond_signal"); }
  void notify_all() { check(pc_cond_broadcast(h_), "pc_cond_broadcast"); }
  /// The C handle (still owned by this object).
  const pc_cond *handle() const noexcept { return h_; }

 private:
  static void check(pc_status s, const char *what) { detail::check(s, what); }
  template <class M>
  std::cv_status wait_ns(std::unique_lock<M> &lock, std::uint64_t ns) {
    static_assert(on_mutex<M>, "polyconc::CondVar waits on a polyconc::Mutex or MutexWith<T>");
    if (!lock.owns_lock()) detail::fail(PC_NOT_OWNER, "pc_cond_wait");
    pc_status s = pc_cond_wait(h_, lock.mutex()->handle(), ns);
    if (s == PC_TIMEOUT) return std::cv_status::timeout;
    check(s, "pc_cond_wait");
    return std::cv_status::no_timeout;
  }

  pc_cond *h_ = nullptr;
};

/// A counting semaphore (pc_sem): acquire(n) takes all n permits at once or
/// none.
class Semaphore : public detail::owned<pc_sem, pc_sem_free> {
 public:
  explicit Semaphore(std::size_t permits, bool fair = false) {
    check(pc_sem_new(permits, fair, &h_), "pc_sem_new");
  }
  void acquire(std::size_t n = 1) { check(pc_sem_acquire(h_, n, PC_FOREVER), "pc_sem_acquire"); }
  bool try_acquire(std::size_t n = 1) { return in_time(pc_sem_acquire(h_, n, 0), "pc_sem_acquire"); }
  template <class Rep, class Period>
  bool try_acquire_for(std::size_t n, std::chrono::duration<Rep, Period> timeout) {
    return in_time(pc_sem_acquire(h_, n, detail::to_ns(timeout)), "pc_sem_acquire");
  }
  /// Throws polyconc::error (PC_INVALID_ARG) if the count would overflow.
  void release(std::size_t n = 1) { check(pc_sem_release(h_, n), "pc_sem_release"); }
  std::size_t available() const noexcept { return pc_sem_available(h_); }
  std::size_t drain() { return pc_sem_drain(h_); }
};

/// A count-down latch (pc_latch).
class Latch : public detail::owned<pc_latch, pc_latch_free> {
 public:
  explicit Latch(std::size_t count) { check(pc_latch_new(count, &h_), "pc_latch_new"); }
  void count_down() { check(pc_latch_count_down(h_), "pc_latch_count_down"); }
  std::size_t count() const noexcept { return pc_latch_count(h_); }
  void wait() const { check(pc_latch_wait(h_, PC_FOREVER), "pc_latch_wait"); }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
    return in_time(pc_latch_wait(h_, detail::to_ns(timeout)), "pc_latch_wait");
  }
};

/// The barrier is broken (another party timed out, or a reset).
class broken_error : public error {
 public:
  explicit broken_error(const char *what) : error(PC_BROKEN, what) {}
};

/// A cyclic barrier (pc_barrier). wait() returns the arrival index
/// (parties - 1 for the first, 0 for the last) and throws broken_error
/// when the barrier is broken.
class Barrier : public detail::owned<pc_barrier, pc_barrier_free> {
 public:
  explicit Barrier(std::size_t parties) { check(pc_barrier_new(parties, &h_), "pc_barrier_new"); }
  std::size_t wait() { return *wait_ns(PC_FOREVER); }
  /// nullopt when this party's timeout passed (which broke the barrier).
  template <class Rep, class Period>
  std::optional<std::size_t> wait_for(std::chrono::duration<Rep, Period> timeout) {
    return wait_ns(detail::to_ns(timeout));
  }
  void reset() { check(pc_barrier_reset(h_), "pc_barrier_reset"); }
  std::size_t parties() const noexcept { return pc_barrier_parties(h_); }
  std::size_t waiting() const noexcept { return pc_barrier_waiting(h_); }
  bool is_broken() const noexcept { return pc_barrier_is_broken(h_); }

 private:
  std::optional<std::size_t> wait_ns(std::uint64_t ns) {
    std::size_t index = 0;
    pc_status s = pc_barrier_wait(h_, ns, &index);
    if (s == PC_BROKEN) throw broken_error("pc_barrier_wait");
    if (!in_time(s, "pc_barrier_wait")) return std::nullopt;
    return index;
  }
};

/// Go's sync.WaitGroup (pc_waitgroup). add/done throw polyconc::error
/// (PC_NEGATIVE_COUNT) where Go panics.
class WaitGroup : public detail::owned<pc_waitgroup, pc_waitgroup_free> {
 public:
  WaitGroup() { check(pc_waitgroup_new(&h_), "pc_waitgroup_new"); }
  void add(std::ptrdiff_t delta) { check(pc_waitgroup_add(h_, delta), "pc_waitgroup_add"); }
  void done() { check(pc_waitgroup_done(h_), "pc_waitgroup_done"); }
  std::size_t count() const noexcept { return pc_waitgroup_count(h_); }
  void wait() const { check(pc_waitgroup_wait(h_, PC_FOREVER), "pc_waitgroup_wait"); }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
    return in_time(pc_waitgroup_wait(h_, detail::to_ns(timeout)), "pc_waitgroup_wait");
  }
};

}  // namespace polyconc

#endif  // POLYCONC_SYNC_HPP
