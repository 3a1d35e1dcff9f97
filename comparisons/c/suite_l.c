/* Suite L (locks and the cost of sharing) of comparisons/WORKLOADS.md in C:
 * pthread_mutex (default and adaptive), pthread_spinlock and polyconc's
 * pc_mutex and pc_spinlock on L1-L3 and the window rows L2f/L3f, C11
 * atomic_fetch_add on L4, polyconc's pc_chan to an owner thread on L5.
 * harness.c times the runs and prints the lines. */
#define _GNU_SOURCE /* PTHREAD_MUTEX_ADAPTIVE_NP */

#include <inttypes.h>
#include <polyconc.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static const char *const WORKLOADS[] = {"L1", "L2", "L3", "L4", "L5", "L2f", "L3f"};
enum { N_WORKLOADS = 7, MAX_THREADS = 64, L5_CAPACITY = 1024 };
/* L3's step (WORKLOADS.md). */
#define LCG_MUL 6364136223846793005u
#define LCG_ADD 1442695040888963407u

/* One lock of any of the implementations: the pthread locks themselves,
 * polyconc's handles. */
typedef union {
  pthread_mutex_t mutex;
  pthread_spinlock_t spin;
  pc_mutex *pc_mutex;
  pc_spinlock *pc_spinlock;
} lock;

/* A call that failed inside a run: reported after it, which then fails. */
static _Atomic(const char *) run_error = NULL;

static void note_error(const char *what) {
  const char *none = NULL;
  atomic_compare_exchange_strong(&run_error, &none, what);
}

static void fail(const char *what, int e) {
  fprintf(stderr, "bench: %s: %s\n", what, strerror(e));
  exit(1);
}

/* What one configuration is: a workload, a thread count and, for the lock
 * workloads, the lock (index into LOCKS). */
typedef struct {
  const char *workload;
  int threads, lock;
  int64_t ops, work, window_ms;
} config;
_Static_assert(sizeof(config) <= sizeof(((bench_config *)0)->data), "config fits bench_config");

/* The data under the lock: L3's state and the counter (Rust's `Counted`). */
typedef struct {
  uint64_t x;
  int64_t n;
} counted;

/* Everything one run shares between its threads. What the threads only
 * read comes first; what every operation writes (the lock, the counter and
 * L3's state under it) is on cache lines of its own, so that no thread's
 * reads of the rest wait for those lines to move (Rust's threads read their
 * shape from their own closures). */
typedef struct {
  const config *c;
  pc_chan *chan;
  /* The data under the lock: `under` here after a pthread lock, in the
   * handle's own data for polyconc's locks (as Rust's Mutex<Counted> and
   * SpinLock<Counted> keep it next to the lock word). */
  counted *data;
  atomic_bool stop;
  /* Threads wait at ready, then at go: the clock starts between the two,
   * so it times neither the thread starts nor a late main thread. */
  pthread_barrier_t ready, go;
  int64_t counts[MAX_THREADS];
  alignas(64) lock lock;
  counted under;
  alignas(64) _Atomic int64_t atomic_n; /* L4's counter */
} shared;

typedef struct {
  shared *s;
  int index;
} worker;

/* A lock's calls, on the lock object: the pthread lock, or polyconc's
 * handle (LOOPS' `object` finds it in a `lock` once per thread). */
typedef void (*lock_call)(void *);

/* A lock implementation. Its threads' bodies are compiled for it alone
 * (LOOPS below), with its calls direct, as Rust's generic loops are
 * compiled per lock type: a call through a pointer at each operation
 * would be this program's cost, not the lock's. */
typedef struct {
  const char *name, *kind;
  /* Makes the lock; returns the data under it. */
  counted *(*init)(lock *, counted *under);
  void (*destroy)(lock *);
  void *(*body)(void *);        /* L1-L3 */
  void *(*window_body)(void *); /* L2f, L3f */
} lock_impl;

static void start_together(shared *s) {
  pthread_barrier_wait(&s->ready);
  pthread_barrier_wait(&s->go);
}

static uint64_t lcg(uint64_t x, int64_t steps) {
  for (; steps > 0; steps--) x = (x ^ (x >> 29)) * LCG_MUL + LCG_ADD;
  return x;
}

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* One operation inside the lock: L3's work (none for L1, L2) and the
 * increment. `l` is the lock object, `work` the configuration's. */
static ALWAYS_INLINE void step(counted *d, void *l, int64_t work, lock_call take,
                               lock_call give) {
  take(l);
  if (work > 0) d->x = lcg(d->x, work);
  d->n++;
  give(l);
}

/* L1-L3: ops/T operations inside the lock. */
static ALWAYS_INLINE void *lock_loop(void *arg, void *(*object)(lock *), lock_call take,
                                     lock_call give) {
  shared *s = ((worker *)arg)->s;
  void *l = object(&s->lock);
  counted *d = s->data;
  int64_t work = s->c->work, ops = s->c->ops / s->c->threads;
  start_together(s);
  for (int64_t i = ops; i > 0; i--) step(d, l, work, take, give);
  return NULL;
}

/* L2f, L3f: operations until the window ends, each thread counting its
 * own (at least one, however late the thread starts). */
static ALWAYS_INLINE void *window_loop(void *arg, void *(*object)(lock *), lock_call take,
                                       lock_call give) {
  worker *w = arg;
  shared *s = w->s;
  void *l = object(&s->lock);
  counted *d = s->data;
  int64_t work = s->c->work, mine = 0;
  start_together(s);
  do {
    step(d, l, work, take, give);
    mine++;
  } while (!atomic_load_explicit(&s->stop, memory_order_relaxed));
  s->counts[w->index] = mine;
  return NULL;
}

/* The bodies of lock `id`, whose object object(&lock) is taken by take
 * and given back by give. */
#define LOOPS(id, object, take, give)                                                  \
  static void *id##_body(void *arg) { return lock_loop(arg, object, take, give); }     \
  static void *id##_window(void *arg) { return window_loop(arg, object, take, give); }

static counted *mutex_init(lock *l, counted *under, int type) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  int e = pthread_mutexattr_settype(&a, type);
  if (e == 0) e = pthread_mutex_init(&l->mutex, &a);
  pthread_mutexattr_destroy(&a);
  if (e != 0) fail("pthread_mutex_init", e);
  return under;
}
static counted *default_init(lock *l, counted *under) {
  return mutex_init(l, under, PTHREAD_MUTEX_DEFAULT);
}
static counted *adaptive_init(lock *l, counted *under) {
  return mutex_init(l, under, PTHREAD_MUTEX_ADAPTIVE_NP);
}
static void *mutex_object(lock *l) { return &l->mutex; }
static void mutex_lock(void *m) {
  if (pthread_mutex_lock(m) != 0) note_error("pthread_mutex_lock failed");
}
static void mutex_unlock(void *m) { pthread_mutex_unlock(m); }
static void mutex_destroy(lock *l) { pthread_mutex_destroy(&l->mutex); }
LOOPS(mutex, mutex_object, mutex_lock, mutex_unlock)

static counted *spin_init(lock *l, counted *under) {
  int e = pthread_spin_init(&l->spin, PTHREAD_PROCESS_PRIVATE);
  if (e != 0) fail("pthread_spin_init", e);
  return under;
}
static void *spin_object(lock *l) { return (void *)&l->spin; } /* pthread_spinlock_t is volatile int */
static void spin_lock(void *l) {
  if (pthread_spin_lock(l) != 0) note_error("pthread_spin_lock failed");
}
static void spin_unlock(void *l) { pthread_spin_unlock(l); }
static void spin_destroy(lock *l) { pthread_spin_destroy(&l->spin); }
LOOPS(spin, spin_object, spin_lock, spin_unlock)

static void check_new(const char *what, pc_status s) {
  if (s != PC_OK) {
    fprintf(stderr, "bench: %s: %s\n", what, pc_status_str(s));
    exit(1);
  }
}

/* polyconc's locks through the C ABI: pc_mutex and pc_spinlock have the
 * same calls, written once here for both (lock's member t); the object is
 * the handle, made with room for the data (t_new_with_data). */
#define PC_LOCK(t)                                                                      \
  static counted *bench_##t##_init(lock *l, counted *under) {                           \
    (void)under;                                                                        \
    check_new(#t "_new_with_data", t##_new_with_data(sizeof(counted), alignof(counted), \
                                                     &l->t));                           \
    return t##_data(l->t);                                                              \
  }                                                                                     \
  static void *bench_##t##_object(lock *l) { return l->t; }                             \
  static void bench_##t##_lock(void *h) {                                               \
    if (t##_lock(h) != PC_OK) note_error(#t "_lock failed");                            \
  }                                                                                     \
  static void bench_##t##_unlock(void *h) {                                             \
    if (t##_unlock(h) != PC_OK) note_error(#t "_unlock failed");                        \
  }                                                                                     \
  static void bench_##t##_destroy(lock *l) { t##_free(l->t); }                          \
  LOOPS(t, bench_##t##_object, bench_##t##_lock, bench_##t##_unlock)
PC_LOCK(pc_mutex)
PC_LOCK(pc_spinlock)
#define PC_LOCK_CALLS(t) bench_##t##_init, bench_##t##_destroy, t##_body, t##_window

static const lock_impl LOCKS[] = {
    {"pthread_mutex", "os-mutex", default_init, mutex_destroy, mutex_body, mutex_window},
    {"pthread_mutex.adaptive", "os-mutex", adaptive_init, mutex_destroy, mutex_body,
     mutex_window},
    {"pthread_spinlock", "spin", spin_init, spin_destroy, spin_body, spin_window},
    {"core.Mutex", "mutex", PC_LOCK_CALLS(pc_mutex)},
    {"core.SpinLock", "spin", PC_LOCK_CALLS(pc_spinlock)},
};
enum { N_LOCKS = sizeof LOCKS / sizeof *LOCKS };

static void *adder(void *arg) {
  shared *s = ((worker *)arg)->s;
  int64_t ops = s->c->ops / s->c->threads;
  start_together(s);
  for (int64_t i = ops; i > 0; i--) atomic_fetch_add(&s->atomic_n, 1);
  return NULL;
}

static void *sender(void *arg) {
  static const int64_t one = 1, done = 0;
  shared *s = ((worker *)arg)->s;
  pc_chan *chan = s->chan;
  int64_t ops = s->c->ops / s->c->threads;
  start_together(s);
  for (int64_t i = ops; i > 0; i--) {
    pc_status st = pc_chan_send(chan, &one, PC_FOREVER);
    if (st != PC_OK) {
      note_error(pc_status_str(st));
      break;
    }
  }
  pc_status st = pc_chan_send(chan, &done, PC_FOREVER);
  if (st != PC_OK) note_error(pc_status_str(st));
  return NULL;
}

static bool is(const config *c, const char *w) { return strcmp(c->workload, w) == 0; }
static bool windowed(const config *c) { return is(c, "L2f") || is(c, "L3f"); }

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* The main thread's part of a run, from the start of the threads: L5's
 * owner adds up what it receives until every sender has sent its 0 (done);
 * a window run raises the stop flag after the window. Returns L5's counter. */
static int64_t main_part(shared *s) {
  const config *c = s->c;
  if (is(c, "L5")) {
    pc_chan *chan = s->chan;
    int64_t n = 0, v;
    for (int done = 0; done < c->threads;) {
      pc_status st = pc_chan_recv(chan, &v, PC_FOREVER);
      if (st != PC_OK) {
        note_error(pc_status_str(st));
        break;
      }
      done += v == 0;
      n += v;
    }
    return n;
  }
  if (windowed(c)) {
    struct timespec window = {c->window_ms / 1000, (c->window_ms % 1000) * 1000000};
    nanosleep(&window, NULL);
    atomic_store(&s->stop, true);
  }
  return 0;
}

static const char *run_once(const bench_config *bc, bench_outcome *out) {
  const config *c = (const config *)bc->data.bytes;
  static shared s; /* one run at a time; counts outlive the run */
  memset(&s, 0, sizeof s);
  s.c = c;
  const lock_impl *impl = c->lock >= 0 ? &LOCKS[c->lock] : NULL;
  void *(*body)(void *) = is(c, "L4")   ? adder
                          : is(c, "L5") ? sender
                          : windowed(c) ? impl->window_body
                                        : impl->body;
  s.data = impl != NULL ? impl->init(&s.lock, &s.under) : &s.under;
  s.data->x = 1;
  if (is(c, "L5") && pc_chan_new(sizeof(int64_t), L5_CAPACITY, &s.chan) != PC_OK) {
    fprintf(stderr, "bench: pc_chan_new failed\n");
    exit(1);
  }
  int e = pthread_barrier_init(&s.ready, NULL, (unsigned)c->threads + 1);
  if (e == 0) e = pthread_barrier_init(&s.go, NULL, (unsigned)c->threads + 1);
  if (e != 0) fail("pthread_barrier_init", e);
  pthread_t threads[MAX_THREADS];
  worker workers[MAX_THREADS];
  for (int i = 0; i < c->threads; i++) {
    workers[i] = (worker){&s, i};
    if ((e = bench_start_thread(&threads[i], body, &workers[i])) != 0) fail("pthread_create", e);
  }
  pthread_barrier_wait(&s.ready);
  double t0 = now_ns();
  pthread_barrier_wait(&s.go);
  int64_t received = main_part(&s);
  for (int i = 0; i < c->threads; i++) pthread_join(threads[i], NULL);
  out->ns = now_ns() - t0;
  counted d = *s.data; /* the lock's data goes with it */
  out->result = is(c, "L4") ? atomic_load(&s.atomic_n) : is(c, "L5") ? received : d.n;
  if (windowed(c)) {
    out->counts = s.counts;
    out->n_counts = c->threads;
  }
  pthread_barrier_destroy(&s.ready);
  pthread_barrier_destroy(&s.go);
  pc_chan_free(s.chan);
  if (impl != NULL) impl->destroy(&s.lock);
  out->state = d.x;
  return atomic_exchange(&run_error, NULL);
}

/* L3's state after n operations is the step applied n * work times to 1. */
static const char *check_state(const bench_config *bc, const bench_outcome *out) {
  const config *c = (const config *)bc->data.bytes;
  return out->state != lcg(1, out->result * c->work) ? "L3's state is wrong (a lost update)"
                                                      : NULL;
}

static bench_config describe(config c, const char *impl, const char *kind) {
  bench_config b = {.workload = c.workload, .impl = impl, .via = "c-abi", .kind = kind,
                    .unit = "ns/op", .ops = c.ops, .want = c.ops, .windowed = windowed(&c),
                    .run = run_once, .check = c.work > 0 ? check_state : NULL};
  if (strncmp(impl, "core.", 5) != 0) b.via = "native";
  memcpy(b.data.bytes, &c, sizeof c);
  snprintf(b.label, sizeof b.label, "%s %s T=%d", c.workload, impl, c.threads);
  int len = windowed(&c) ? snprintf(b.params, sizeof b.params,
                                    "{\"threads\": %d, \"window_ms\": %" PRId64, c.threads,
                                    c.window_ms)
                         : snprintf(b.params, sizeof b.params,
                                    "{\"threads\": %d, \"ops\": %" PRId64, c.threads, c.ops);
  if (c.work > 0)
    len += snprintf(b.params + len, sizeof b.params - (size_t)len, ", \"work\": %" PRId64, c.work);
  if (is(&c, "L5"))
    len += snprintf(b.params + len, sizeof b.params - (size_t)len, ", \"capacity\": %d",
                    L5_CAPACITY);
  snprintf(b.params + len, sizeof b.params - (size_t)len, "}");
  return b;
}

/* The thread counts of --threads (L1: just 1). */
static int thread_counts(const char *w, const bench_params *p, int *out) {
  if (strcmp(w, "L1") == 0) {
    out[0] = 1;
    return 1;
  }
  int n = 0;
  for (const char *q = p->threads; *q && n < 8;) {
    out[n++] = atoi(q);
    const char *comma = strchr(q, ',');
    if (!comma) break;
    q = comma + 1;
  }
  return n;
}

static int configs(const char *w, const bench_params *p, bench_config *out, int max) {
  int ts[8], n_ts = thread_counts(w, p, ts), n = 0;
  for (int i = 0; i < n_ts; i++) {
    int t = ts[i];
    bool long_section = strcmp(w, "L3") == 0 || strcmp(w, "L3f") == 0;
    int64_t ops = (strcmp(w, "L3") == 0 ? p->ops / 100 : p->ops) / t * t;
    config c = {w, t, -1, ops, long_section ? p->work : 0, p->window_ms};
    if (strcmp(w, "L4") == 0) {
      if (n < max) out[n++] = describe(c, "atomic_fetch_add", "atomic");
    } else if (strcmp(w, "L5") == 0) {
      if (n < max) out[n++] = describe(c, "core.Chan", "message");
    } else {
      for (int k = 0; k < N_LOCKS && n < max; k++) {
        c.lock = k;
        out[n++] = describe(c, LOCKS[k].name, LOCKS[k].kind);
      }
    }
  }
  return n;
}

static const char *check(const bench_params *p) {
  if (p->ops < 100) return "--ops needs an integer >= 100 (L3 does K/100)";
  if (p->work < 1) return "--work needs an integer >= 1";
  if (p->window_ms < 1) return "--window-ms needs an integer >= 1";
  int ts[8];
  int n = thread_counts("L2", p, ts);
  if (n == 0) return "--threads needs a comma-separated list of thread counts";
  for (int i = 0; i < n; i++)
    if (ts[i] < 1 || ts[i] > MAX_THREADS || ts[i] > p->ops / 100)
      return "--threads: each T must be in 1..64 and at most K/100";
  return NULL;
}

const bench_suite suite_l = {
    "L",
    WORKLOADS,
    N_WORKLOADS,
    "pthread_mutex,pthread_mutex.adaptive,pthread_spinlock,core.Mutex,core.SpinLock,"
    "atomic_fetch_add,core.Chan",
    check,
    configs};
