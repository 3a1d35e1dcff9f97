// polyconc/chan.hpp: Chan<T> (pc_chan) and Select (pc_select).
// Part of polyconc.hpp (which includes every part); it may be included
// alone.
#ifndef POLYCONC_CHAN_HPP
#define POLYCONC_CHAN_HPP

#include "common.hpp"

namespace polyconc {

/// Go's channel of trivially copyable, default-constructible T (pc_chan;
/// elements are copied bytewise by the C library). Copying a Chan gives
/// another handle to the same channel, as copying a Go channel value does;
/// the channel lives until its last handle is destroyed, and destroying a
/// handle never closes it.
///
///   polyconc::Chan<int> ch(16);   // 0 = rendezvous, polyconc::unbounded
///   ch.send(1);
///   int v = ch.recv();            // closed_error when closed and drained
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

#endif  // POLYCONC_CHAN_HPP
