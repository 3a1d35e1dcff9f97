/* pc_reentrant_lock: the core's ReentrantLock (Java's) through the C API. */
#include <stdatomic.h>

#include "harness.h"

static pc_reentrant_lock *new_lock(bool fair) {
  pc_reentrant_lock *l = NULL;
  CHECK_STATUS(pc_reentrant_lock_new(fair, &l), PC_OK);
  CHECK(l != NULL);
  return l;
}

typedef struct {
  pc_reentrant_lock *l;
  uint64_t timeout_ns;
  pc_status lock_status, unlock_status;
  size_t holds_seen;
  atomic_int got;
} op_t;

/* Locks, notes that it got it, and unlocks. */
static void *lock_then_unlock(void *arg) {
  op_t *op = arg;
  op->lock_status = pc_reentrant_lock_lock_timeout(op->l, op->timeout_ns);
  if (op->lock_status != PC_OK) return NULL;
  atomic_store(&op->got, 1);
  op->holds_seen = pc_reentrant_lock_hold_count(op->l);
  op->unlock_status = pc_reentrant_lock_unlock(op->l);
  return NULL;
}

/* What a thread that does not hold the lock sees and may do. */
static void *as_a_stranger(void *arg) {
  op_t *op = arg;
  op->holds_seen = pc_reentrant_lock_hold_count(op->l);
  op->unlock_status = pc_reentrant_lock_unlock(op->l);
  op->lock_status = pc_reentrant_lock_lock_timeout(op->l, 0);
  return NULL;
}

static void holds_are_counted(void) {
  for (int fair = 0; fair <= 1; fair++) {
    pc_reentrant_lock *l = new_lock(fair);
    CHECK(!pc_reentrant_lock_is_locked(l) && pc_reentrant_lock_hold_count(l) == 0);
    CHECK_STATUS(pc_reentrant_lock_lock(l), PC_OK);
    /* its owner takes it again at once */
    CHECK_STATUS(pc_reentrant_lock_lock_timeout(l, 0), PC_OK);
    CHECK_STATUS(pc_reentrant_lock_lock_timeout(l, 5 * MS), PC_OK);
    CHECK_STATUS(pc_reentrant_lock_lock(l), PC_OK);
    CHECK(pc_reentrant_lock_hold_count(l) == 4 && pc_reentrant_lock_is_locked(l));
    for (int i = 0; i < 4; i++) CHECK_STATUS(pc_reentrant_lock_unlock(l), PC_OK);
    CHECK(!pc_reentrant_lock_is_locked(l) && pc_reentrant_lock_hold_count(l) == 0);
    CHECK_STATUS(pc_reentrant_lock_unlock(l), PC_NOT_OWNER);
    pc_reentrant_lock_free(l);
  }
}

static void null_arguments(void) {
  CHECK_STATUS(pc_reentrant_lock_new(false, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_reentrant_lock_lock_timeout(NULL, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_reentrant_lock_lock(NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_reentrant_lock_unlock(NULL), PC_INVALID_ARG);
  CHECK(pc_reentrant_lock_hold_count(NULL) == 0);
  CHECK(!pc_reentrant_lock_is_locked(NULL));
  pc_reentrant_lock_free(NULL);
}

/* Another thread cannot unlock it, sees no holds, and cannot take it. */
static void only_the_owner_unlocks(void) {
  pc_reentrant_lock *l = new_lock(false);
  CHECK_STATUS(pc_reentrant_lock_lock_timeout(l, 0), PC_OK);
  op_t op = {l, 0, -1, -1, 99, 0};
  pthread_t t = spawn(as_a_stranger, &op);
  join(t);
  CHECK(op.holds_seen == 0);
  CHECK_STATUS(op.unlock_status, PC_NOT_OWNER);
  CHECK_STATUS(op.lock_status, PC_TIMEOUT);
  CHECK(pc_reentrant_lock_hold_count(l) == 1); /* untouched */
  CHECK_STATUS(pc_reentrant_lock_unlock(l), PC_OK);
  pc_reentrant_lock_free(l); /* freeing a free lock */
  pc_reentrant_lock *held = new_lock(true);
  CHECK_STATUS(pc_reentrant_lock_lock_timeout(held, 0), PC_OK);
  pc_reentrant_lock_free(held); /* and a held one nobody waits for */
}

/* A waiter gets the lock only once every hold is given up. */
static void a_waiter_gets_it_after_the_last_unlock(void) {
  const uint64_t timeouts[] = {PC_FOREVER, PC_FOREVER - 1, 30000 * MS};
  for (size_t k = 0; k < sizeof timeouts / sizeof timeouts[0]; k++) {
    pc_reentrant_lock *l = new_lock(k == 1);
    CHECK_STATUS(pc_reentrant_lock_lock_timeout(l, 0), PC_OK);
    CHECK_STATUS(pc_reentrant_lock_lock_timeout(l, 0), PC_OK);
    op_t op = {l, timeouts[k], -1, -1, 0, 0};
    pthread_t t = spawn(lock_then_unlock, &op);
    CHECK_STATUS(pc_reentrant_lock_unlock(l), PC_OK);
    pause_ms(20);
    CHECK(atomic_load(&op.got) == 0); /* one hold is left: it cannot have it */
    CHECK_STATUS(pc_reentrant_lock_unlock(l), PC_OK);
    join(t);
    CHECK_STATUS(op.lock_status, PC_OK);
    CHECK(op.holds_seen == 1);
    CHECK_STATUS(op.unlock_status, PC_OK);
    CHECK(!pc_reentrant_lock_is_locked(l));
    pc_reentrant_lock_free(l);
  }
}

/* Threads increment a plain counter holding the lock twice (the inner
 * take is reentrant): the total is exact only if no two were ever in. */
enum { THREADS = 6, PER_THREAD = 10000 };

typedef struct {
  pc_reentrant_lock *l;
  int64_t *counter;
  int *inside;
  int mode;
  int64_t overlaps;
  pc_status status;
} worker_t;

static void *increment(void *arg) {
  worker_t *w = arg;
  w->status = PC_OK;
  for (int i = 0; i < PER_THREAD && w->status == PC_OK; i++) {
    pc_status s;
    if (w->mode == 0) {
      s = pc_reentrant_lock_lock(w->l);
    } else {
      uint64_t t = w->mode == 1 ? 0 : 1 * MS;
      while ((s = pc_reentrant_lock_lock_timeout(w->l, t)) == PC_TIMEOUT) {
      }
    }
    if (s == PC_OK) s = pc_reentrant_lock_lock_timeout(w->l, 0);
    if (s != PC_OK) {
      w->status = s;
      break;
    }
    if ((*w->inside)++ != 0) w->overlaps++;
    ++*w->counter;
    (*w->inside)--;
    if ((s = pc_reentrant_lock_unlock(w->l)) == PC_OK) s = pc_reentrant_lock_unlock(w->l);
    w->status = s;
  }
  return NULL;
}

static void contended_increments_are_exact(void) {
  for (int fair = 0; fair <= 1; fair++) {
    pc_reentrant_lock *l = new_lock(fair);
    int64_t counter = 0;
    int inside = 0;
    worker_t w[THREADS];
    pthread_t t[THREADS];
    for (int k = 0; k < THREADS; k++) {
      w[k] = (worker_t){l, &counter, &inside, k % 3, 0, -1};
      t[k] = spawn(increment, &w[k]);
    }
    for (int k = 0; k < THREADS; k++) {
      join(t[k]);
      CHECK_STATUS(w[k].status, PC_OK);
      CHECK(w[k].overlaps == 0);
    }
    CHECK(counter == (int64_t)THREADS * PER_THREAD);
    CHECK(!pc_reentrant_lock_is_locked(l));
    pc_reentrant_lock_free(l);
  }
}

int main(void) {
  RUN(holds_are_counted);
  RUN(null_arguments);
  RUN(only_the_owner_unlocks);
  RUN(a_waiter_gets_it_after_the_last_unlock);
  RUN(contended_increments_are_exact);
  return 0;
}
