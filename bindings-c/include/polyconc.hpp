// polyconc.hpp: a header-only C++17 wrapper over polyconc.h: Chan<T>,
// Select and Mutex.
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
#include <functional>
#include <memory>
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
  static void check(pc_status s, const char *what) {
    if (s != PC_OK) detail::fail(s, what);
  }
  // true when done, false when it would wait or timed out.
  static bool timed(pc_status s, const char *what) {
    if (s == PC_OK) return true;
    if (s == PC_FULL || s == PC_EMPTY || s == PC_TIMEOUT) return false;
    detail::fail(s, what);
  }
  std::optional<T> recv_ns(std::uint64_t ns) const {
    T out;
    if (timed(pc_chan_recv(h_, &out, ns), "pc_chan_recv")) return out;
    return std::nullopt;
  }

  pc_chan *h_ = nullptr;
};

/// A mutex (pc_mutex) that std::lock_guard, std::unique_lock and
/// std::scoped_lock accept (it is TimedLockable). Unlike std::mutex, any
/// thread may unlock it, and unlock() of a mutex that is not locked throws
/// polyconc::error (PC_NOT_OWNER) instead of being undefined behaviour.
///
///   polyconc::Mutex m;
///   { std::lock_guard<polyconc::Mutex> g(m); ... }
///   std::unique_lock<polyconc::Mutex> u(m, std::chrono::milliseconds(5));
///   if (u.owns_lock()) { ... }
class Mutex {
 public:
  Mutex() {
    pc_status s = pc_mutex_new(&h_);
    if (s != PC_OK) detail::fail(s, "pc_mutex_new");
  }
  Mutex(const Mutex &) = delete;
  Mutex &operator=(const Mutex &) = delete;
  ~Mutex() { pc_mutex_free(h_); }

  /// Waits until it has the lock.
  void lock() {
    pc_status s = pc_mutex_lock(h_, PC_FOREVER);
    if (s != PC_OK) detail::fail(s, "pc_mutex_lock");
  }
  /// Takes the lock only if it is free now.
  bool try_lock() { return taken(pc_mutex_lock(h_, 0)); }
  /// Takes the lock, waiting at most `timeout` (any duration, max() too).
  template <class Rep, class Period>
  bool try_lock_for(std::chrono::duration<Rep, Period> timeout) {
    return taken(pc_mutex_lock(h_, detail::to_ns(timeout)));
  }
  /// Takes the lock, waiting until `deadline` at the latest.
  template <class Clock, class Duration>
  bool try_lock_until(std::chrono::time_point<Clock, Duration> deadline) {
    return try_lock_for(deadline - Clock::now());
  }
  /// Releases the lock (from any thread); throws polyconc::error with
  /// PC_NOT_OWNER if it was not locked.
  void unlock() {
    pc_status s = pc_mutex_unlock(h_);
    if (s != PC_OK) detail::fail(s, "pc_mutex_unlock");
  }
  /// The C handle (still owned by this object).
  const pc_mutex *handle() const noexcept { return h_; }

 private:
  static bool taken(pc_status s) {
    if (s == PC_OK) return true;
    if (s == PC_TIMEOUT) return false;
    detail::fail(s, "pc_mutex_lock");
  }

  pc_mutex *h_ = nullptr;
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
