// polyconc/future.hpp: ThreadPool (pc_executor), Future<T> (pc_future) and
// Promise<T> (pc_promise).
// Part of polyconc.hpp (which includes every part); it may be included
// alone.
#ifndef POLYCONC_FUTURE_HPP
#define POLYCONC_FUTURE_HPP

#include "common.hpp"

namespace polyconc {

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

}  // namespace polyconc

#endif  // POLYCONC_FUTURE_HPP
