// polyconc.hpp: a header-only C++17 wrapper over polyconc.h: Chan<T>,
// Select, Queue<T>, Mutex, SpinLock, RwLock, ReentrantLock, CondVar,
// Semaphore, Latch, Barrier, WaitGroup, ThreadPool, Promise<T> and
// Future<T>.
//
//   polyconc::Chan<int> ch(16);        // capacity 16; 0 = rendezvous,
//   ch.send(1);                        //   polyconc::unbounded = unbounded
//   int v = ch.recv();                 // throws polyconc::closed_error when
//                                      //   closed and drained
//   std::optional<int> w = ch.recv_for(std::chrono::milliseconds(5));
//
// Chan<T> is for trivially copyable, default-constructible T (elements are copied bytewise by the C
// library). Copying a Chan gives another handle to the same channel (as
// copying a Go channel value does); the channel lives until its last handle
// is destroyed. Destroying a handle never closes the channel.
#ifndef POLYCONC_HPP
#define POLYCONC_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "polyconc.h"

namespace polyconc {

/// Capacity of an unbounded channel.
inline constexpr std::size_t unbounded = PC_UNBOUNDED;

/// A C call failed with a status that is not part of the normal flow
/// (PC_INVALID_ARG, PC_NO_MEMORY, PC_PANIC).
class error : public std::runtime_error {
 public:
  explicit error(pc_status status, const char *what)
      : std::runtime_error(std::string(what) + ": " + pc_status_str(status)), status_(status) {}
  pc_status status() const noexcept { return status_; }

 private:
  pc_status status_;
};

/// A send on a closed channel, or a receive on a closed and drained one.
class closed_error : public error {
 public:
  explicit closed_error(const char *what) : error(PC_CLOSED, what) {}
};

namespace detail {

// `timeout` as the C API's timeout_ns, for any duration type. A
// duration_cast to nanoseconds would overflow for seconds::max() (and is
// undefined behaviour for a huge floating-point count), so the count is
// taken as a long double, which holds any duration's value without
// overflowing, and clamped there before it becomes an integer.
template <class Rep, class Period>
std::uint64_t to_ns(std::chrono::duration<Rep, Period> timeout) {
  long double ns = std::chrono::duration<long double, std::nano>(timeout).count();
  // A negative duration has already passed: try once, as a 0 timeout does
  // (so does NaN).
  if (!(ns > 0)) return 0;
  // PC_FOREVER itself means "no deadline"; any finite duration stays
  // finite, and one longer than timeout_ns can say (584 years) is clamped.
  constexpr auto longest = PC_FOREVER - 1;
  if (ns >= static_cast<long double>(longest)) return longest;
  return static_cast<std::uint64_t>(ns);
}

[[noreturn]] inline void fail(pc_status s, const char *what) {
  if (s == PC_CLOSED) throw closed_error(what);
  throw error(s, what);
}

inline void check(pc_status s, const char *what) {
  if (s != PC_OK) fail(s, what);
}

// true when done, false when it would wait or timed out (PC_FULL,
// PC_EMPTY, PC_TIMEOUT). Other statuses (PC_CLOSED too) throw.
inline bool timed(pc_status s, const char *what) {
  if (s == PC_OK) return true;
  if (s == PC_FULL || s == PC_EMPTY || s == PC_TIMEOUT) return false;
  fail(s, what);
}

}  // namespace detail

template <class T>
class Chan {
  static_assert(std::is_trivially_copyable_v<T>,
                "polyconc::Chan<T> copies elements bytewise: T must be trivially copyable");
  // Received elements are written over a default-constructed T.
  static_assert(std::is_default_constructible_v<T>,
                "polyconc::Chan<T> needs a default-constructible T");

 public:
  /// A channel with room for `capacity` elements (0 = rendezvous,
  /// polyconc::unbounded = unbounded).
  explicit Chan(std::size_t capacity = 0) {
    pc_status s = pc_chan_new(sizeof(T), capacity, &h_);
    if (s != PC_OK) detail::fail(s, "pc_chan_new");
  }
  /// Another handle to the same channel.
  Chan(const Chan &other) {
    pc_status s = pc_chan_clone(other.h_, &h_);
    if (s != PC_OK) detail::fail(s, "pc_chan_clone");
  }
  Chan(Chan &&other) noexcept : h_(std::exchange(other.h_, nullptr)) {}
  Chan &operator=(Chan other) noexcept {
    std::swap(h_, other.h_);
    return *this;
  }
  ~Chan() { pc_chan_free(h_); }

  /// Waits until sent; throws closed_error if the channel is closed.
  void send(const T &v) const { check(pc_chan_send(h_, &v, PC_FOREVER), "pc_chan_send"); }
  /// Waits for an element; throws closed_error when closed and drained.
  T recv() const {
    T out;
    check(pc_chan_recv(h_, &out, PC_FOREVER), "pc_chan_recv");
    return out;
  }
  /// Sends only if it can at once; false if it would have had to wait.
  /// Throws closed_error if closed.
  bool try_send(const T &v) const { return timed(pc_chan_send(h_, &v, 0), "pc_chan_send"); }
  /// An element if one can be had at once. Throws closed_error when closed
  /// and drained.
  std::optional<T> try_recv() const { return recv_ns(0); }
  /// Sends, waiting at most `timeout`: PC_OK, PC_TIMEOUT (or PC_FULL for a
  /// zero timeout) or PC_CLOSED. Other statuses throw.
  template <class Rep, class Period>
  pc_status send_for(const T &v, std::chrono::duration<Rep, Period> timeout) const {
    pc_status s = pc_chan_send(h_, &v, detail::to_ns(timeout));
    if (s != PC_OK && s != PC_TIMEOUT && s != PC_FULL && s != PC_CLOSED)
      detail::fail(s, "pc_chan_send");
    return s;
  }
  /// Receives, waiting at most `timeout`; nullopt when it passed. Throws
  /// closed_error when closed and drained.
  template <class Rep, class Period>
  std::optional<T> recv_for(std::chrono::duration<Rep, Period> timeout) const {
    return recv_ns(detail::to_ns(timeout));
  }
  /// Closes the channel; false if it was already closed.
  bool close() const {
    pc_status s = pc_chan_close(h_);
    if (s != PC_OK && s != PC_CLOSED) detail::fail(s, "pc_chan_close");
    return s == PC_OK;
  }
  std::size_t len() const noexcept { return pc_chan_len(h_); }
  /// polyconc::unbounded when unbounded.
  std::size_t capacity() const noexcept { return pc_chan_capacity(h_); }
  bool is_closed() const noexcept { return pc_chan_is_closed(h_); }
  /// The C handle (for use with the C API; still owned by this object).
  const pc_chan *handle() const noexcept { return h_; }

 private:
  static void check(pc_status s, const char *what) { detail::check(s, what); }
  static bool timed(pc_status s, const char *what) { return detail::timed(s, what); }
  std::optional<T> recv_ns(std::uint64_t ns) const {
    T out;
    if (timed(pc_chan_recv(h_, &out, ns), "pc_chan_recv")) return out;
    return std::nullopt;
  }

  pc_chan *h_ = nullptr;
};

namespace detail {

// A callable moved to the heap as a C callback's context: `call` is the
// context pointer, `free` its ctx_free (which the library calls exactly
// once).
template <class F>
struct boxed {
  static void *make(F f) { return new F(std::move(f)); }
  static F &get(void *ctx) { return *static_cast<F *>(ctx); }
  static void free(void *ctx) { delete static_cast<F *>(ctx); }
};

}  // namespace detail

/// A blocking queue of trivially copyable T (pc_queue): Java's
/// ArrayBlockingQueue, LinkedBlockingQueue, SynchronousQueue,
/// PriorityBlockingQueue, DelayQueue and LinkedTransferQueue in one type.
/// Copying gives another handle to the same queue.
///
///   polyconc::Queue<int> q(PC_QUEUE_ARRAY, 16);
///   q.put(1);
///   int v = q.take();                       // closed_error when closed and drained
///   auto pq = polyconc::Queue<int>::priority([](int a, int b) { return a < b; });
template <class T>
class Queue {
  static_assert(std::is_trivially_copyable_v<T>,
                "polyconc::Queue<T> copies elements bytewise: T must be trivially copyable");
  static_assert(std::is_default_constructible_v<T>,
                "polyconc::Queue<T> needs a default-constructible T");

 public:
  /// A queue of `kind` (not PC_QUEUE_PRIORITY: see priority()).
  explicit Queue(pc_queue_kind kind, std::size_t capacity = unbounded, bool fair = false) {
    check(pc_queue_new(kind, sizeof(T), capacity, fair, &h_), "pc_queue_new");
  }
  /// A priority queue: `less(a, b)` true when a leaves before b. It runs
  /// with the queue locked and must not throw (a throw counts as "equal").
  template <class Less>
  static Queue priority(Less less) {
    using box = detail::boxed<Less>;
    Queue q;
    check(pc_queue_new_priority(sizeof(T), &compare<Less>, box::make(std::move(less)), &box::free,
                                nullptr, nullptr, &q.h_),
          "pc_queue_new_priority");
    return q;
  }
  Queue(const Queue &other) { check(pc_queue_clone(other.h_, &h_), "pc_queue_clone"); }
  Queue(Queue &&other) noexcept : h_(std::exchange(other.h_, nullptr)) {}
  Queue &operator=(Queue other) noexcept {
    std::swap(h_, other.h_);
    return *this;
  }
  ~Queue() { pc_queue_free(h_); }

  /// Waits for room; closed_error if closed.
  void put(const T &v) const { check(pc_queue_put(h_, &v, PC_FOREVER), "pc_queue_put"); }
  /// Java's offer: false if it would have had to wait. closed_error if closed.
  bool offer(const T &v) const { return timed(pc_queue_put(h_, &v, 0), "pc_queue_put"); }
  template <class Rep, class Period>
  bool offer_for(const T &v, std::chrono::duration<Rep, Period> timeout) const {
    return timed(pc_queue_put(h_, &v, detail::to_ns(timeout)), "pc_queue_put");
  }
  /// A delay queue's put: `v` may leave after `delay`.
  template <class Rep, class Period>
  void put_delayed(const T &v, std::chrono::duration<Rep, Period> delay) const {
    check(pc_queue_put_delayed(h_, &v, detail::to_ns(delay)), "pc_queue_put_delayed");
  }
  /// A transfer queue's transfer: waits until a consumer has `v`.
  void transfer(const T &v) const { check(pc_queue_transfer(h_, &v, PC_FOREVER), "pc_queue_transfer"); }
  /// Waits for an element; closed_error when closed and drained.
  T take() const {
    T out;
    check(pc_queue_take(h_, &out, PC_FOREVER), "pc_queue_take");
    return out;
  }
  /// Java's poll: an element if there is one now.
  std::optional<T> poll() const { return take_ns(0); }
  template <class Rep, class Period>
  std::optional<T> poll_for(std::chrono::duration<Rep, Period> timeout) const {
    return take_ns(detail::to_ns(timeout));
  }
  std::optional<T> peek() const {
    T out;
    if (timed(pc_queue_peek(h_, &out), "pc_queue_peek")) return out;
    return std::nullopt;
  }
  /// Takes up to `max` elements that are there now.
  std::vector<T> drain(std::size_t max) const {
    std::vector<T> out(max);
    std::size_t n = 0;
    check(pc_queue_drain(h_, out.data(), max, &n), "pc_queue_drain");
    out.resize(n);
    return out;
  }
  bool close() const {
    pc_status s = pc_queue_close(h_);
    if (s != PC_OK && s != PC_CLOSED) detail::fail(s, "pc_queue_close");
    return s == PC_OK;
  }
  void clear() const { check(pc_queue_clear(h_), "pc_queue_clear"); }
  std::size_t len() const noexcept { return pc_queue_len(h_); }
  /// polyconc::unbounded when unbounded.
  std::size_t remaining_capacity() const noexcept { return pc_queue_remaining_capacity(h_); }
  bool is_closed() const noexcept { return pc_queue_is_closed(h_); }
  /// The C handle (still owned by this object).
  const pc_queue *handle() const noexcept { return h_; }

 private:
  Queue() = default;
  template <class Less>
  static int compare(const void *a, const void *b, void *ctx) noexcept {
    T x, y;
    std::memcpy(&x, a, sizeof(T));
    std::memcpy(&y, b, sizeof(T));
    try {
      Less &less = detail::boxed<Less>::get(ctx);
      return less(x, y) ? -1 : less(y, x) ? 1 : 0;
    } catch (...) {
      return 0;
    }
  }
  static void check(pc_status s, const char *what) { detail::check(s, what); }
  static bool timed(pc_status s, const char *what) { return detail::timed(s, what); }
  std::optional<T> take_ns(std::uint64_t ns) const {
    T out;
    if (timed(pc_queue_take(h_, &out, ns), "pc_queue_take")) return out;
    return std::nullopt;
  }

  pc_queue *h_ = nullptr;
};

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

/// A condition variable (pc_cond) for a polyconc::Mutex, used as
/// std::condition_variable is with std::mutex:
///
///   std::unique_lock<polyconc::Mutex> lock(m);
///   cv.wait(lock, [&] { return ready; });
class CondVar {
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
  void wait(std::unique_lock<Mutex> &lock) { (void)wait_ns(lock, PC_FOREVER); }
  /// Waits until `ready()` is true (checked with the lock held).
  template <class Predicate>
  void wait(std::unique_lock<Mutex> &lock, Predicate ready) {
    while (!ready()) wait(lock);
  }
  /// As wait, for at most `timeout` (any duration, max() too).
  template <class Rep, class Period>
  std::cv_status wait_for(std::unique_lock<Mutex> &lock,
                          std::chrono::duration<Rep, Period> timeout) {
    return wait_ns(lock, detail::to_ns(timeout));
  }
  void notify_one() { check(pc_cond_signal(h_), "pc_cond_signal"); }
  void notify_all() { check(pc_cond_broadcast(h_), "pc_cond_broadcast"); }
  /// The C handle (still owned by this object).
  const pc_cond *handle() const noexcept { return h_; }

 private:
  static void check(pc_status s, const char *what) { detail::check(s, what); }
  std::cv_status wait_ns(std::unique_lock<Mutex> &lock, std::uint64_t ns) {
    if (!lock.owns_lock()) detail::fail(PC_NOT_OWNER, "pc_cond_wait");
    pc_status s = pc_cond_wait(h_, lock.mutex()->handle(), ns);
    if (s == PC_TIMEOUT) return std::cv_status::timeout;
    check(s, "pc_cond_wait");
    return std::cv_status::no_timeout;
  }

  pc_cond *h_ = nullptr;
};

namespace detail {

// A move-only owner of a C handle, freed by `Free`: the base of the
// synchronizers' wrappers.
template <class H, void (*Free)(H *)>
class owned {
 public:
  owned(const owned &) = delete;
  owned &operator=(const owned &) = delete;
  ~owned() { Free(h_); }
  /// The C handle (still owned by this object).
  const H *handle() const noexcept { return h_; }

 protected:
  owned() = default;
  static void check(pc_status s, const char *what) { detail::check(s, what); }
  // true for PC_OK, false for PC_TIMEOUT; other statuses throw.
  static bool in_time(pc_status s, const char *what) {
    if (s == PC_TIMEOUT) return false;
    check(s, what);
    return true;
  }
  H *h_ = nullptr;
};

}  // namespace detail

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

/// A failed future: its code (yours, or a pc_status such as PC_CANCELLED or
/// PC_TIMEOUT for the library's own failures) and message.
class future_error : public error {
 public:
  future_error(std::int32_t code, const char *message)
      : error(PC_FAILED, message != nullptr ? message : "failed"), code_(code) {}
  std::int32_t code() const noexcept { return code_; }

 private:
  std::int32_t code_;
};

/// A pool of worker threads (pc_thread_pool_new); converts to the
/// `const pc_executor *` that futures' combinators take. The destructor
/// shuts it down and waits for its queued tasks.
class ThreadPool : public detail::owned<pc_executor, pc_executor_free> {
 public:
  explicit ThreadPool(std::size_t threads) { check(pc_thread_pool_new(threads, &h_), "pc_thread_pool_new"); }
  ~ThreadPool() { (void)pc_executor_shutdown(h_); }
  operator const pc_executor *() const noexcept { return h_; }
  /// Refuses new tasks, runs the queued ones and waits for the workers.
  void shutdown() const { check(pc_executor_shutdown(h_), "pc_executor_shutdown"); }
  /// Runs `task()` once on a worker (an exception it throws is dropped).
  template <class F>
  void submit(F task) const {
    using box = detail::boxed<F>;
    check(pc_executor_submit(h_, &run<F>, box::make(std::move(task)), &box::free), "pc_executor_submit");
  }

 private:
  template <class F>
  static void run(void *ctx) noexcept {
    try {
      detail::boxed<F>::get(ctx)();
    } catch (...) {
    }
  }
};

template <class T>
class Future;

namespace detail {
template <class T>
struct is_future : std::false_type {};
template <class T>
struct is_future<Future<T>> : std::true_type {};

template <class T>
T read_value(const void *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
}  // namespace detail

/// A future value of trivially copyable T (pc_future). Combinators take a
/// lambda and an executor (the global pool by default) and run the lambda
/// there; a lambda that throws fails the resulting future with code
/// PC_FAILED instead of unwinding through the library. Copying gives
/// another handle to the same future.
///
///   polyconc::Promise<int> p;
///   auto f = p.future().map([](int v) { return v * 2.0; });   // Future<double>
///   p.success(21);
///   double d = f.get();                                       // 42.0
template <class T>
class Future {
  static_assert(std::is_trivially_copyable_v<T>,
                "polyconc::Future<T> copies values bytewise: T must be trivially copyable");
  static_assert(std::is_default_constructible_v<T>,
                "polyconc::Future<T> needs a default-constructible T");

 public:
  /// Takes over a C handle (of sizeof(T)-byte values).
  explicit Future(pc_future *h) : h_(h) {
    if (pc_future_elem_size(h_) != sizeof(T)) {
      pc_future_free(h_);
      detail::fail(PC_INVALID_ARG, "polyconc::Future: element size");
    }
  }
  Future(const Future &other) { check(pc_future_clone(other.h_, &h_), "pc_future_clone"); }
  Future(Future &&other) noexcept : h_(std::exchange(other.h_, nullptr)) {}
  Future &operator=(Future other) noexcept {
    std::swap(h_, other.h_);
    return *this;
  }
  ~Future() { pc_future_free(h_); }

  /// Scala's Future.apply: runs `f()` on `ex`.
  template <class F>
  static Future spawn(F f, const pc_executor *ex = pc_executor_global()) {
    using box = detail::boxed<F>;
    pc_future *out = nullptr;
    check(pc_future_spawn(ex, sizeof(T), &spawn_fn<F>, box::make(std::move(f)), &box::free, &out),
          "pc_future_spawn");
    return Future(out);
  }

  /// Waits for the value; throws future_error if the future failed.
  T get() const { return *wait_ns(PC_FOREVER); }
  /// nullopt if not completed within `timeout`.
  template <class Rep, class Period>
  std::optional<T> get_for(std::chrono::duration<Rep, Period> timeout) const {
    return wait_ns(detail::to_ns(timeout));
  }
  bool is_completed() const noexcept { return pc_future_is_completed(h_); }
  /// true if this call cancelled it.
  bool cancel() const { return pc_future_cancel(h_) == PC_OK; }
  /// Fails it with code PC_TIMEOUT unless it completes within `timeout`.
  template <class Rep, class Period>
  const Future &or_timeout(std::chrono::duration<Rep, Period> timeout) const {
    check(pc_future_or_timeout(h_, detail::to_ns(timeout)), "pc_future_or_timeout");
    return *this;
  }

  /// A future of f(value); U must be trivially copyable.
  template <class F, class U = std::invoke_result_t<F &, const T &>>
  Future<U> map(F f, const pc_executor *ex = pc_executor_global()) const {
    using box = detail::boxed<F>;
    pc_future *out = nullptr;
    check(pc_future_map(h_, ex, sizeof(U), &map_fn<F, U>, box::make(std::move(f)), &box::free, &out),
          "pc_future_map");
    return Future<U>(out);
  }
  /// A future of the future f(value) returns.
  template <class F, class FU = std::invoke_result_t<F &, const T &>>
  FU flat_map(F f, const pc_executor *ex = pc_executor_global()) const {
    static_assert(detail::is_future<FU>::value, "flat_map: the lambda returns a polyconc::Future");
    using U = decltype(std::declval<FU>().get());
    using box = detail::boxed<F>;
    pc_future *out = nullptr;
    check(pc_future_flat_map(h_, ex, sizeof(U), &flat_map_fn<F>, box::make(std::move(f)), &box::free,
                             &out),
          "pc_future_flat_map");
    return FU(out);
  }
  /// On a failure, a value from f(code, message); a success passes through.
  template <class F>
  Future recover(F f, const pc_executor *ex = pc_executor_global()) const {
    using box = detail::boxed<F>;
    pc_future *out = nullptr;
    check(pc_future_recover(h_, ex, &recover_fn<F>, box::make(std::move(f)), &box::free, &out),
          "pc_future_recover");
    return Future(out);
  }
  /// Calls f(value, code, message) once completed: value is nullptr and
  /// code non-zero on a failure. An exception it throws is dropped.
  template <class F>
  void on_complete(F f, const pc_executor *ex = pc_executor_global()) const {
    using box = detail::boxed<F>;
    check(pc_future_on_complete(h_, ex, &complete_fn<F>, box::make(std::move(f)), &box::free),
          "pc_future_on_complete");
  }
  /// The C handle (still owned by this object).
  const pc_future *handle() const noexcept { return h_; }
  /// Gives the C handle away (for pc_flat_map_fn's `out`).
  pc_future *release() noexcept { return std::exchange(h_, nullptr); }

 private:
  template <class>
  friend class Future;

  static void check(pc_status s, const char *what) { detail::check(s, what); }
  std::optional<T> wait_ns(std::uint64_t ns) const {
    T out;
    pc_status s = pc_future_wait(h_, &out, ns);
    if (s == PC_OK) return out;
    if (s == PC_TIMEOUT) return std::nullopt;
    if (s != PC_FAILED && s != PC_CANCELLED) detail::fail(s, "pc_future_wait");
    std::int32_t code = 0;
    const char *message = nullptr;
    check(pc_future_failure(h_, &code, &message), "pc_future_failure");
    throw future_error(code, message);
  }
  template <class F>
  static std::int32_t spawn_fn(void *out, void *ctx) noexcept {
    try {
      T v = detail::boxed<F>::get(ctx)();
      std::memcpy(out, &v, sizeof(T));
      return 0;
    } catch (...) {
      return PC_FAILED;
    }
  }
  template <class F, class U>
  static std::int32_t map_fn(const void *value, void *out, void *ctx) noexcept {
    try {
      U u = detail::boxed<F>::get(ctx)(detail::read_value<T>(value));
      std::memcpy(out, &u, sizeof(U));
      return 0;
    } catch (...) {
      return PC_FAILED;
    }
  }
  template <class F>
  static std::int32_t flat_map_fn(const void *value, pc_future **out, void *ctx) noexcept {
    try {
      *out = detail::boxed<F>::get(ctx)(detail::read_value<T>(value)).release();
      return 0;
    } catch (...) {
      return PC_FAILED;
    }
  }
  template <class F>
  static std::int32_t recover_fn(std::int32_t code, const char *message, void *out, void *ctx) noexcept {
    try {
      T v = detail::boxed<F>::get(ctx)(code, message);
      std::memcpy(out, &v, sizeof(T));
      return 0;
    } catch (...) {
      return PC_FAILED;
    }
  }
  template <class F>
  static void complete_fn(const void *value, std::int32_t code, const char *message, void *ctx) noexcept {
    try {
      if (value == nullptr) {
        detail::boxed<F>::get(ctx)(static_cast<const T *>(nullptr), code, message);
      } else {
        T v = detail::read_value<T>(value);
        detail::boxed<F>::get(ctx)(&v, code, message);
      }
    } catch (...) {
    }
  }

  pc_future *h_ = nullptr;
};

/// The write side of a Future<T> (pc_promise).
template <class T>
class Promise : public detail::owned<pc_promise, pc_promise_free> {
  static_assert(std::is_trivially_copyable_v<T>,
                "polyconc::Promise<T> copies values bytewise: T must be trivially copyable");

 public:
  Promise() { check(pc_promise_new(sizeof(T), &h_), "pc_promise_new"); }
  Future<T> future() const {
    pc_future *f = nullptr;
    check(pc_promise_future(h_, &f), "pc_promise_future");
    return Future<T>(f);
  }
  /// false if it was completed already.
  bool success(const T &v) const { return completed(pc_promise_success(h_, &v)); }
  /// `code` must not be 0. false if it was completed already.
  bool failure(std::int32_t code, const char *message = nullptr) const {
    return completed(pc_promise_failure(h_, code, message));
  }

 private:
  static bool completed(pc_status s) {
    if (s == PC_ALREADY_COMPLETED) return false;
    check(s, "pc_promise");
    return true;
  }
};

/// Go's select over receive and send cases. Each case has a callback; the
/// one case that fires calls its callback.
///
///   polyconc::Select()
///       .recv(a, [&](std::optional<int> v) { ... })   // nullopt: closed
///       .send(b, 7, [&](bool sent) { ... })            // false: closed
///       .wait();
class Select {
 public:
  template <class T, class F>
  Select &recv(const Chan<T> &ch, F on_recv) {
    auto slot = std::make_shared<T>();
    cases_.push_back(pc_select_case{PC_SELECT_RECV, ch.handle(), slot.get(), PC_OK});
    actions_.push_back([slot, f = std::move(on_recv)](pc_status s) {
      f(s == PC_OK ? std::optional<T>(*slot) : std::nullopt);
    });
    return *this;
  }
  template <class T, class F>
  Select &send(const Chan<T> &ch, const T &value, F on_send) {
    auto slot = std::make_shared<T>(value);
    cases_.push_back(pc_select_case{PC_SELECT_SEND, ch.handle(), slot.get(), PC_OK});
    actions_.push_back([slot, f = std::move(on_send)](pc_status s) { f(s == PC_OK); });
    return *this;
  }

  /// Waits until a case fires; returns its index (in the order added).
  std::size_t wait() { return *run(PC_FOREVER); }
  /// Fires a case only if one is ready now (Go's default); nullopt if none.
  std::optional<std::size_t> try_select() { return run(0); }
  /// Waits at most `timeout`; nullopt if no case fired.
  template <class Rep, class Period>
  std::optional<std::size_t> wait_for(std::chrono::duration<Rep, Period> timeout) {
    return run(detail::to_ns(timeout));
  }

 private:
  std::optional<std::size_t> run(std::uint64_t ns) {
    std::size_t fired = 0;
    pc_status s = pc_select(cases_.data(), cases_.size(), ns, &fired);
    if (s == PC_EMPTY || s == PC_TIMEOUT) return std::nullopt;
    if (s != PC_OK) detail::fail(s, "pc_select");
    actions_[fired](cases_[fired].status);
    return fired;
  }

  std::vector<pc_select_case> cases_;
  // Each action keeps its case's element buffer alive (shared_ptr), so the
  // pointers in cases_ stay valid however the vectors grow.
  std::vector<std::function<void(pc_status)>> actions_;
};

}  // namespace polyconc

#endif  // POLYCONC_HPP
