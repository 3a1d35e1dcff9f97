/* The cases every plain lock passes through the C API, whatever its kind:
 * pc_mutex, pc_spinlock, and the write side of pc_rwlock. A test file
 * gives its lock's calls as a lock_ops and calls run_lock_suite. */
#ifndef POLYCONC_TEST_LOCK_SUITE_H
#define POLYCONC_TEST_LOCK_SUITE_H

#include <stdbool.h>

#include "harness.h"

/* One lock type's calls, over `void *` handles (each test file wraps its
 * typed functions, so nothing is called through a mismatched type). */
typedef struct {
  pc_status (*new_lock)(void **out);
  void (*free_lock)(void *l);
  pc_status (*lock)(const void *l); /* the plain _lock: waits as long as it takes */
  pc_status (*lock_timeout)(const void *l, uint64_t timeout_ns);
  pc_status (*unlock)(const void *l);
  /* NULL when the type cannot say. */
  bool (*is_locked)(const void *l);
} lock_ops;

static const lock_ops *ops;

static void *new_lock(void) {
  void *l = NULL;
  CHECK_STATUS(ops->new_lock(&l), PC_OK);
  CHECK(l != NULL);
  return l;
}

static bool locked(const void *l) { return ops->is_locked == NULL || ops->is_locked(l); }

static bool unlocked(const void *l) { return ops->is_locked == NULL || !ops->is_locked(l); }

typedef struct {
  void *l;
  uint64_t timeout_ns; /* lock_then_unlock: 0 waits in the plain _lock */
  pc_status status;
} op_t;

static void *lock_then_unlock(void *arg) {
  op_t *op = arg;
  op->status =
      op->timeout_ns == 0 ? ops->lock(op->l) : ops->lock_timeout(op->l, op->timeout_ns);
  if (op->status == PC_OK) CHECK_STATUS(ops->unlock(op->l), PC_OK);
  return NULL;
}

static void *unlock_it(void *arg) {
  op_t *op = arg;
  op->status = ops->unlock(op->l);
  return NULL;
}

static void every_status_on_purpose(void) {
  void *l = new_lock();
  CHECK(unlocked(l));
  CHECK_STATUS(ops->lock_timeout(l, 0), PC_OK);
  CHECK(locked(l));
  CHECK_STATUS(ops->lock_timeout(l, 0), PC_TIMEOUT);      /* held: try fails */
  CHECK_STATUS(ops->lock_timeout(l, 2 * MS), PC_TIMEOUT); /* not reentrant */
  CHECK_STATUS(ops->unlock(l), PC_OK);
  CHECK(unlocked(l));
  CHECK_STATUS(ops->unlock(l), PC_NOT_OWNER); /* not locked: nothing changes */
  CHECK_STATUS(ops->lock(l), PC_OK);
  CHECK(locked(l));
  CHECK_STATUS(ops->lock_timeout(l, 0), PC_TIMEOUT);
  CHECK_STATUS(ops->unlock(l), PC_OK);
  CHECK_STATUS(ops->lock_timeout(l, PC_FOREVER), PC_OK);
  CHECK_STATUS(ops->unlock(l), PC_OK);

  CHECK_STATUS(ops->new_lock(NULL), PC_INVALID_ARG);
  CHECK_STATUS(ops->lock(NULL), PC_INVALID_ARG);
  CHECK_STATUS(ops->lock_timeout(NULL, 0), PC_INVALID_ARG);
  CHECK_STATUS(ops->lock_timeout(NULL, 2 * MS), PC_INVALID_ARG);
  CHECK_STATUS(ops->lock_timeout(NULL, PC_FOREVER), PC_INVALID_ARG);
  CHECK_STATUS(ops->unlock(NULL), PC_INVALID_ARG);
  if (ops->is_locked != NULL) CHECK(!ops->is_locked(NULL));
  ops->free_lock(NULL);
  CHECK_STATUS(ops->lock_timeout(l, 0), PC_OK); /* nothing above touched it */
  CHECK_STATUS(ops->unlock(l), PC_OK);
  ops->free_lock(l);

  void *held = new_lock();
  CHECK_STATUS(ops->lock_timeout(held, 0), PC_OK);
  ops->free_lock(held); /* freeing a locked lock nobody waits for is fine */
}

static void any_thread_may_unlock(void) {
  void *l = new_lock();
  CHECK_STATUS(ops->lock(l), PC_OK);
  op_t op = {l, 0, -1};
  pthread_t t = spawn(unlock_it, &op);
  join(t);
  CHECK_STATUS(op.status, PC_OK);
  CHECK_STATUS(ops->lock_timeout(l, 0), PC_OK);
  CHECK_STATUS(ops->unlock(l), PC_OK);
  ops->free_lock(l);
}

/* A thread waiting in lock gets it once it is unlocked, whether it waits
 * in the plain _lock (timeout 0 below) or with a non-zero timeout:
 * PC_FOREVER, the largest finite one, 30 s. */
static void a_waiter_gets_it_when_unlocked(void) {
  const uint64_t timeouts[] = {0, PC_FOREVER, PC_FOREVER - 1, 30000 * MS};
  for (size_t k = 0; k < sizeof timeouts / sizeof timeouts[0]; k++) {
    void *l = new_lock();
    CHECK_STATUS(ops->lock_timeout(l, 0), PC_OK);
    op_t op = {l, timeouts[k], -1};
    pthread_t t = spawn(lock_then_unlock, &op);
    pause_ms(20); /* usually waiting in lock by now */
    CHECK_STATUS(ops->unlock(l), PC_OK);
    join(t);
    CHECK_STATUS(op.status, PC_OK);
    /* the waiter took it and gave it back */
    CHECK_STATUS(ops->lock_timeout(l, 0), PC_OK);
    CHECK_STATUS(ops->unlock(l), PC_OK);
    ops->free_lock(l);
  }
}

/* Many threads increment one plain counter under the lock: the total is
 * exact only if no two were ever inside at once. Each thread takes the
 * lock its own way: waiting, trying in a loop, or with short timeouts. */
enum { LOCK_THREADS = 6, LOCK_PER_THREAD = 20000 };

typedef struct {
  void *l;
  int64_t *counter;
  int *inside;
  int mode, rounds;
  int64_t timeouts, overlaps;
  pc_status status;
} worker_t;

/* Takes `l` in `mode`'s way: waiting in `lock` (0), trying in a loop with
 * `lock_timeout` (1) or with its 1 ms timeouts (2), counting the failed
 * tries in `misses`. */
static pc_status take_lock(pc_status (*lock)(const void *),
                           pc_status (*lock_timeout)(const void *, uint64_t), const void *l,
                           int mode, int64_t *misses) {
  pc_status s;
  switch (mode) {
    case 0: return lock(l);
    case 1:
      while ((s = lock_timeout(l, 0)) == PC_TIMEOUT) ++*misses;
      return s;
    default:
      while ((s = lock_timeout(l, 1 * MS)) == PC_TIMEOUT) ++*misses;
      return s;
  }
}

static void *increment(void *arg) {
  worker_t *w = arg;
  w->status = PC_OK;
  for (int i = 0; i < w->rounds; i++) {
    pc_status s = take_lock(ops->lock, ops->lock_timeout, w->l, w->mode, &w->timeouts);
    if (s != PC_OK) {
      w->status = s;
      return NULL;
    }
    if ((*w->inside)++ != 0) w->overlaps++;
    ++*w->counter;
    (*w->inside)--;
    if ((s = ops->unlock(w->l)) != PC_OK) {
      w->status = s;
      return NULL;
    }
  }
  return NULL;
}

static void contended_increments_are_exact(void) {
  void *l = new_lock();
  int64_t counter = 0;
  int inside = 0;
  int rounds = scaled(LOCK_PER_THREAD, LOCK_PER_THREAD / 10);
  worker_t w[LOCK_THREADS];
  pthread_t t[LOCK_THREADS];
  for (int k = 0; k < LOCK_THREADS; k++) {
    w[k] = (worker_t){l, &counter, &inside, k % 3, rounds, 0, 0, -1};
    t[k] = spawn(increment, &w[k]);
  }
  int64_t timeouts = 0;
  for (int k = 0; k < LOCK_THREADS; k++) {
    join(t[k]);
    CHECK_STATUS(w[k].status, PC_OK);
    CHECK(w[k].overlaps == 0);
    timeouts += w[k].timeouts;
  }
  fprintf(stderr, "   %lld failed tries or timeouts on the way\n", (long long)timeouts);
  CHECK(counter == (int64_t)LOCK_THREADS * rounds);
  CHECK(unlocked(l));
  ops->free_lock(l);
}

static void run_lock_suite(const lock_ops *lock) {
  ops = lock;
  RUN(every_status_on_purpose);
  RUN(any_thread_may_unlock);
  RUN(a_waiter_gets_it_when_unlocked);
  RUN(contended_increments_are_exact);
}

#endif
