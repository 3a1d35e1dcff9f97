// polyconc/common.hpp: what every part of the C++ wrapper uses: the C header, the
// exceptions, timeouts as timeout_ns, and the owners of C handles and
// callback contexts.
// Part of polyconc.hpp (which includes every part); it may be included
// alone.
#ifndef POLYCONC_COMMON_HPP
#define POLYCONC_COMMON_HPP

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

#include "../polyconc.h"

namespace polyconc {

/// Capacity of an unbounded channel or queue.
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

}  // namespace polyconc

#endif  // POLYCONC_COMMON_HPP
