// polyconc.hpp: RAII handles, exceptions on closed, timed variants, select.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "polyconc.hpp"

#define CHECK(cond)                                                               \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::exit(1);                                                               \
    }                                                                             \
  } while (0)

using namespace std::chrono_literals;

struct point {
  int x, y;
};

static void send_recv_and_close() {
  polyconc::Chan<point> ch(2);
  CHECK(ch.capacity() == 2);
  ch.send({1, 2});
  CHECK(ch.len() == 1);
  point p = ch.recv();
  CHECK(p.x == 1 && p.y == 2);
  CHECK(ch.close());
  CHECK(!ch.close());
  CHECK(ch.is_closed());
  bool threw = false;
  try {
    ch.recv();
  } catch (const polyconc::closed_error &e) {
    threw = e.status() == PC_CLOSED;
  }
  CHECK(threw);
  threw = false;
  try {
    ch.send({0, 0});
  } catch (const polyconc::closed_error &) {
    threw = true;
  }
  CHECK(threw);
}

static void timed_and_try() {
  polyconc::Chan<int> ch(1);
  CHECK(!ch.try_recv());
  CHECK(ch.try_send(4));
  CHECK(!ch.try_send(5));
  CHECK(ch.send_for(5, 1ms) == PC_TIMEOUT);
  CHECK(ch.recv_for(1s) == 4);
  CHECK(!ch.recv_for(1ms));
  polyconc::Chan<int> unbounded(polyconc::unbounded);
  CHECK(unbounded.capacity() == polyconc::unbounded);
}

static void handles_are_raii() {
  polyconc::Chan<int> a(4);
  {
    polyconc::Chan<int> b = a;  // another handle to the same channel
    b.send(9);
  }
  CHECK(a.recv() == 9);
  polyconc::Chan<int> moved = std::move(a);
  moved.send(10);
  CHECK(moved.recv() == 10);
  bool threw = false;
  try {
    a.send(1);  // a moved-from handle is empty
  } catch (const polyconc::error &e) {
    threw = e.status() == PC_INVALID_ARG;
  }
  CHECK(threw);
}

static void threads_and_select() {
  polyconc::Chan<long> nums(0), words(0);
  std::thread producer([nums] {
    for (long i = 1; i <= 1000; i++) nums.send(i);
    nums.close();
  });
  long sum = 0;
  bool open = true;
  while (open) {
    polyconc::Select()
        .recv(nums, [&](std::optional<long> v) {
          if (v)
            sum += *v;
          else
            open = false;
        })
        .recv(words, [&](std::optional<long>) { CHECK(false); })
        .wait();
  }
  producer.join();
  CHECK(sum == 1000 * 1001 / 2);

  polyconc::Chan<int> out(1);
  bool sent = false;
  auto fired = polyconc::Select().send(out, 3, [&](bool ok) { sent = ok; }).try_select();
  CHECK(fired == 0u && sent);
  CHECK(!polyconc::Select().send(out, 4, [&](bool) { CHECK(false); }).wait_for(1ms));
  CHECK(out.recv() == 3);
}

// Issue 10, fault 8: a timeout longer than nanoseconds can count
// (seconds::max(), hours::max(), a huge floating-point duration) must wait,
// not overflow in duration_cast and come back at once. Each call below
// returns only because a partner thread acts after 50 ms; before the fix
// they returned nullopt / PC_TIMEOUT at once (and UBSan reported the
// overflow).
static void huge_timeouts_wait() {
  polyconc::Chan<int> ch(1);
  std::thread sender([ch] {
    std::this_thread::sleep_for(50ms);
    ch.send(7);
  });
  CHECK(ch.recv_for(std::chrono::seconds::max()) == 7);
  sender.join();

  CHECK(ch.try_send(1));  // full now
  std::thread receiver([ch] {
    std::this_thread::sleep_for(50ms);
    CHECK(ch.recv() == 1);
  });
  CHECK(ch.send_for(2, std::chrono::hours::max()) == PC_OK);
  receiver.join();
  CHECK(ch.recv() == 2);

  polyconc::Chan<int> in(0);
  std::thread late([in] {
    std::this_thread::sleep_for(50ms);
    in.send(3);
  });
  int got = 0;
  auto fired = polyconc::Select()
                   .recv(in, [&](std::optional<int> v) { got = v.value_or(-1); })
                   .wait_for(std::chrono::duration<double>(1e300));
  CHECK(fired == 0u && got == 3);
  late.join();

  // Durations that have already passed still try once.
  CHECK(!ch.recv_for(-1s));
  CHECK(!ch.recv_for(std::chrono::seconds::min()));
  CHECK(!ch.recv_for(std::chrono::duration<double>(-1e300)));
}

// polyconc::Mutex with the standard lock wrappers, and its misuse as a
// value (an exception), never undefined behaviour.
static void mutex_is_timed_lockable() {
  polyconc::Mutex m;
  {
    std::lock_guard<polyconc::Mutex> g(m);
    CHECK(!m.try_lock());
    CHECK(!m.try_lock_for(1ms));
    CHECK(!m.try_lock_until(std::chrono::steady_clock::now() + 1ms));
  }
  CHECK(m.try_lock());
  m.unlock();
  bool threw = false;
  try {
    m.unlock();
  } catch (const polyconc::error &e) {
    threw = e.status() == PC_NOT_OWNER;
  }
  CHECK(threw);

  // seconds::max() waits (issue 10, fault 8, for locks): the holder
  // releases it after 50 ms, from another thread.
  m.lock();
  std::thread releaser([&m] {
    std::this_thread::sleep_for(50ms);
    m.unlock();
  });
  {
    std::unique_lock<polyconc::Mutex> u(m, std::chrono::seconds::max());
    CHECK(u.owns_lock());
  }
  releaser.join();

  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; i++) {
        std::lock_guard<polyconc::Mutex> g(m);
        counter++;
      }
    });
  for (auto &t : threads) t.join();
  CHECK(counter == 40000);
}

int main() {
  send_recv_and_close();
  timed_and_try();
  huge_timeouts_wait();
  mutex_is_timed_lockable();
  handles_are_raii();
  threads_and_select();
  return 0;
}
