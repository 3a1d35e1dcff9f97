// polyconc/queue.hpp: Queue<T> (pc_queue), Java's blocking queues.
// Part of polyconc.hpp (which includes every part); it may be included
// alone.
#ifndef POLYCONC_QUEUE_HPP
#define POLYCONC_QUEUE_HPP

#include "common.hpp"

namespace polyconc {

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

}  // namespace polyconc

#endif  // POLYCONC_QUEUE_HPP
