// polyconc.hpp: RAII handles, exceptions on closed, timed variants, select.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>
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

// A polyconc lock (Mutex, SpinLock, RwLock's write side) with the
// standard lock wrappers, and its misuse as a value (an exception), never
// undefined behaviour.
template <class Lock>
static void is_timed_lockable() {
  Lock m;
  {
    std::lock_guard<Lock> g(m);
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
    std::unique_lock<Lock> u(m, std::chrono::seconds::max());
    CHECK(u.owns_lock());
  }
  releaser.join();

  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; i++) {
        std::lock_guard<Lock> g(m);
        counter++;
      }
    });
  for (auto &t : threads) t.join();
  CHECK(counter == 40000);
}

// polyconc::RwLock's read side with std::shared_lock: readers share, a
// writer excludes them, and readers never see a write half done.
static void rwlock_is_shared_timed_lockable() {
  polyconc::RwLock l;
  {
    std::shared_lock<polyconc::RwLock> r1(l);
    std::shared_lock<polyconc::RwLock> r2(l, std::chrono::seconds::max());
    CHECK(r2.owns_lock() && l.readers() == 2 && !l.is_write_locked());
    CHECK(!l.try_lock() && !l.try_lock_for(1ms));
  }
  {
    std::unique_lock<polyconc::RwLock> w(l);
    CHECK(l.is_write_locked() && l.readers() == 0);
    CHECK(!l.try_lock_shared() && !l.try_lock_shared_for(1ms));
    CHECK(!l.try_lock_shared_until(std::chrono::steady_clock::now() + 1ms));
  }
  bool threw = false;
  try {
    l.unlock_shared();
  } catch (const polyconc::error &e) {
    threw = e.status() == PC_NOT_OWNER;
  }
  CHECK(threw);

  long a = 0, b = 0, torn = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; i++) {
        if (t % 2 == 0) {
          std::unique_lock<polyconc::RwLock> w(l);
          a++;
          b++;
        } else {
          std::shared_lock<polyconc::RwLock> r(l);
          if (a != b) torn++;
        }
      }
    });
  for (auto &t : threads) t.join();
  CHECK(a == 10000 && b == 10000);
  CHECK(torn == 0);
}

static void reentrant_lock_counts_holds() {
  polyconc::ReentrantLock l(true);
  {
    std::lock_guard<polyconc::ReentrantLock> outer(l);
    std::unique_lock<polyconc::ReentrantLock> inner(l, std::chrono::seconds::max());
    CHECK(inner.owns_lock() && l.hold_count() == 2);
    bool threw = false, taken = true;
    std::thread stranger([&] {
      taken = l.try_lock_for(1ms);
      try {
        l.unlock();
      } catch (const polyconc::error &e) {
        threw = e.status() == PC_NOT_OWNER;
      }
    });
    stranger.join();
    CHECK(!taken && threw && l.hold_count() == 2);
  }
  CHECK(!l.is_locked() && l.hold_count() == 0);
}

// A lock with its data: the T is built in place and destroyed with the
// lock (ASan and valgrind see a leak or a double destruction), a throwing
// constructor frees the lock, and threads holding the lock update the T
// exactly.
template <class L>
static void lock_with_data_holds_its_t() {
  {
    L l(std::string(40, 'x'));  // on the heap: a leak would show
    CHECK(l.get() == std::string(40, 'x'));
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; i++)
      ts.emplace_back([&] {
        for (int k = 0; k < 1000; k++) {
          std::lock_guard<L> g(l);
          l.get().push_back('y');
        }
      });
    for (auto &t : ts) t.join();
    CHECK(l.get().size() == 40 + 4000);
    const L &c = l;
    CHECK(c.get().back() == 'y');
  }
  struct throws {
    explicit throws(int) { throw std::runtime_error("on purpose"); }
  };
  bool threw = false;
  try {
    polyconc::MutexWith<throws> t(1);
  } catch (const std::runtime_error &) {
    threw = true;
  }
  CHECK(threw);
}

static void condvar_with_unique_lock() {
  polyconc::Mutex m;
  polyconc::CondVar cv;
  {
    std::unique_lock<polyconc::Mutex> lock(m);
    CHECK(cv.wait_for(lock, 1ms) == std::cv_status::timeout);
    CHECK(lock.owns_lock() && m.is_locked());
  }
  bool ready = false;
  int woken = 0;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; i++)
    waiters.emplace_back([&] {
      std::unique_lock<polyconc::Mutex> lock(m);
      cv.wait(lock, [&] { return ready; });
      woken++;
    });
  {
    std::lock_guard<polyconc::Mutex> g(m);
    ready = true;
  }
  cv.notify_all();
  for (auto &t : waiters) t.join();
  CHECK(woken == 3);
  std::unique_lock<polyconc::Mutex> unlocked(m, std::defer_lock);
  bool threw = false;
  try {
    cv.wait(unlocked);
  } catch (const polyconc::error &e) {
    threw = e.status() == PC_NOT_OWNER;
  }
  CHECK(threw);
}

// A CondVar waits on a MutexWith<T> as on a Mutex: producers push under
// the lock and notify; the consumer waits for the data the lock holds.
static void condvar_with_mutex_with_data() {
  polyconc::MutexWith<std::vector<int>> m;
  polyconc::CondVar cv;
  {
    std::unique_lock<polyconc::MutexWith<std::vector<int>>> lock(m);
    CHECK(cv.wait_for(lock, 1ms) == std::cv_status::timeout);
    CHECK(lock.owns_lock());
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < 4; p++)
    producers.emplace_back([&, p] {
      for (int k = 1; k <= 100; k++) {
        {
          std::lock_guard<polyconc::MutexWith<std::vector<int>>> g(m);
          m.get().push_back(p * 1000 + k);
        }
        cv.notify_one();
      }
    });
  long sum = 0;
  for (int taken = 0; taken < 400; taken++) {
    std::unique_lock<polyconc::MutexWith<std::vector<int>>> lock(m);
    cv.wait(lock, [&] { return !m.get().empty(); });
    sum += m.get().back();
    m.get().pop_back();
  }
  for (auto &t : producers) t.join();
  CHECK(sum == 4 * 5050 + (0 + 1000 + 2000 + 3000) * 100);
}

static void synchronizers() {
  polyconc::Semaphore sem(2, true);
  CHECK(!sem.try_acquire(3));
  CHECK(sem.try_acquire(2));
  CHECK(!sem.try_acquire_for(1, 1ms));
  sem.release(2);
  CHECK(sem.available() == 2);
  CHECK(sem.drain() == 2);
  bool threw = false;
  try {
    polyconc::Semaphore full(SIZE_MAX);
    full.release(1);
  } catch (const polyconc::error &e) {
    threw = e.status() == PC_INVALID_ARG;
  }
  CHECK(threw);

  polyconc::Latch latch(1);
  CHECK(!latch.wait_for(1ms));
  std::thread counter([&] { latch.count_down(); });
  latch.wait();
  counter.join();
  CHECK(latch.count() == 0);

  polyconc::Barrier barrier(2);
  std::size_t other = 9;
  std::thread party([&] { other = barrier.wait(); });
  std::size_t mine = barrier.wait();
  party.join();
  CHECK(mine + other == 1);
  CHECK(!barrier.wait_for(1ms));  // timed out: broken now
  threw = false;
  try {
    barrier.wait();
  } catch (const polyconc::broken_error &) {
    threw = true;
  }
  CHECK(threw);
  barrier.reset();
  CHECK(!barrier.is_broken());

  polyconc::WaitGroup wg;
  wg.add(3);
  std::vector<std::thread> tasks;
  for (int i = 0; i < 3; i++) tasks.emplace_back([&] { wg.done(); });
  wg.wait();
  for (auto &t : tasks) t.join();
  threw = false;
  try {
    wg.done();
  } catch (const polyconc::error &e) {
    threw = e.status() == PC_NEGATIVE_COUNT;
  }
  CHECK(threw);
}

static void queues() {
  polyconc::Queue<point> q(PC_QUEUE_ARRAY, 2);
  CHECK(q.offer({1, 1}));
  q.put({2, 2});
  CHECK(!q.offer({3, 3}));
  CHECK(!q.offer_for({3, 3}, 1ms));
  CHECK(q.peek()->x == 1);
  polyconc::Queue<point> other = q;  // the same queue
  CHECK(other.take().x == 1);
  CHECK(q.drain(8).size() == 1);
  CHECK(!q.poll());
  CHECK(q.close());
  bool threw = false;
  try {
    q.take();
  } catch (const polyconc::closed_error &) {
    threw = true;
  }
  CHECK(threw);

  auto pq = polyconc::Queue<int>::priority([](int a, int b) { return a > b; });  // largest first
  for (int v : {3, 9, 1}) pq.put(v);
  CHECK(pq.take() == 9 && pq.take() == 3 && pq.take() == 1);
  CHECK(pq.remaining_capacity() == polyconc::unbounded);

  polyconc::Queue<int> tq(PC_QUEUE_TRANSFER);
  std::thread consumer([&] { CHECK(tq.take() == 5); });
  tq.transfer(5);
  consumer.join();

  polyconc::Queue<int> dq(PC_QUEUE_DELAY);
  dq.put_delayed(1, 1ms);
  CHECK(dq.take() == 1);
}

static void futures() {
  std::atomic<int> ran{0};
  polyconc::ThreadPool pool(2);
  polyconc::Promise<int> p;
  auto doubled = p.future().map([](int v) { return v * 2.0; }, pool);
  auto chained = doubled.flat_map([](double d) {
    return polyconc::Future<long>::spawn([d] { return static_cast<long>(d) + 1; });
  });
  std::atomic<int> seen{0};
  doubled.on_complete([&](const double *v, std::int32_t code, const char *) {
    if (v != nullptr && code == 0) seen = static_cast<int>(*v);
  });
  CHECK(!doubled.get_for(1ms));
  CHECK(p.success(21));
  CHECK(!p.success(22));
  CHECK(doubled.get() == 42.0);
  CHECK(chained.get() == 43);
  while (seen.load() != 42) std::this_thread::sleep_for(1ms);

  // A lambda that throws fails its future (code PC_FAILED); recover turns
  // a failure into a value.
  auto thrown = polyconc::Future<int>::spawn([]() -> int { throw std::runtime_error("no"); });
  bool threw = false;
  try {
    thrown.get();
  } catch (const polyconc::future_error &e) {
    threw = e.code() == PC_FAILED;
  }
  CHECK(threw);
  auto recovered = thrown.recover([](std::int32_t code, const char *) { return -code; }, pool);
  CHECK(recovered.get() == -PC_FAILED);

  polyconc::Promise<int> never;
  auto f = never.future();
  f.or_timeout(2ms);
  threw = false;
  try {
    f.get();
  } catch (const polyconc::future_error &e) {
    threw = e.code() == PC_TIMEOUT;
  }
  CHECK(threw);
  polyconc::Promise<int> other;
  CHECK(other.future().cancel());
  CHECK(!other.success(1));

  for (int i = 0; i < 10; i++) pool.submit([&] { ran++; });
  pool.shutdown();
  CHECK(ran.load() == 10);
}

int main() {
  send_recv_and_close();
  timed_and_try();
  huge_timeouts_wait();
  is_timed_lockable<polyconc::Mutex>();
  is_timed_lockable<polyconc::SpinLock>();
  is_timed_lockable<polyconc::RwLock>();
  is_timed_lockable<polyconc::MutexWith<int>>();
  is_timed_lockable<polyconc::SpinLockWith<int>>();
  lock_with_data_holds_its_t<polyconc::MutexWith<std::string>>();
  lock_with_data_holds_its_t<polyconc::SpinLockWith<std::string>>();
  rwlock_is_shared_timed_lockable();
  reentrant_lock_counts_holds();
  condvar_with_unique_lock();
  condvar_with_mutex_with_data();
  handles_are_raii();
  threads_and_select();
  synchronizers();
  queues();
  futures();
  return 0;
}
