/* pc_mutex: the core's RawMutex through the C API. */
#include "harness.h"

static pc_mutex *new_mutex(void) {
  pc_mutex *m = NULL;
  CHECK_STATUS(pc_mutex_new(&m), PC_OK);
  CHECK(m != NULL);
  return m;
}

typedef struct {
  pc_mutex *m;
  uint64_t timeout_ns;
  pc_status status;
} op_t;

static void *lock_then_unlock(void *arg) {
  op_t *op = arg;
  op->status = pc_mutex_lock(op->m, op->timeout_ns);
  if (op->status == PC_OK) CHECK_STATUS(pc_mutex_unlock(op->m), PC_OK);
  return NULL;
}

static void *unlock_it(void *arg) {
  op_t *op = arg;
  op->status = pc_mutex_unlock(op->m);
  return NULL;
}

static void every_status_on_purpose(void) {
  pc_mutex *m = new_mutex();
  CHECK(!pc_mutex_is_locked(m));
  CHECK_STATUS(pc_mutex_lock(m, 0), PC_OK);
  CHECK(pc_mutex_is_locked(m));
  CHECK_STATUS(pc_mutex_lock(m, 0), PC_TIMEOUT);      /* held: try fails */
  CHECK_STATUS(pc_mutex_lock(m, 2 * MS), PC_TIMEOUT); /* not reentrant */
  CHECK_STATUS(pc_mutex_unlock(m), PC_OK);
  CHECK(!pc_mutex_is_locked(m));
  CHECK_STATUS(pc_mutex_unlock(m), PC_NOT_OWNER); /* not locked: nothing changes */
  CHECK_STATUS(pc_mutex_lock(m, PC_FOREVER), PC_OK);
  CHECK_STATUS(pc_mutex_unlock(m), PC_OK);

  CHECK_STATUS(pc_mutex_new(NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_mutex_lock(NULL, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_mutex_lock(NULL, PC_FOREVER), PC_INVALID_ARG);
  CHECK_STATUS(pc_mutex_unlock(NULL), PC_INVALID_ARG);
  CHECK(!pc_mutex_is_locked(NULL));
  pc_mutex_free(NULL);
  CHECK(!pc_mutex_is_locked(m)); /* nothing above touched it */
  pc_mutex_free(m);

  pc_mutex *held = new_mutex();
  CHECK_STATUS(pc_mutex_lock(held, 0), PC_OK);
  pc_mutex_free(held); /* freeing a locked mutex nobody waits for is fine */
}

static void any_thread_may_unlock(void) {
  pc_mutex *m = new_mutex();
  CHECK_STATUS(pc_mutex_lock(m, PC_FOREVER), PC_OK);
  op_t op = {m, 0, -1};
  pthread_t t = spawn(unlock_it, &op);
  join(t);
  CHECK_STATUS(op.status, PC_OK);
  CHECK_STATUS(pc_mutex_lock(m, 0), PC_OK);
  CHECK_STATUS(pc_mutex_unlock(m), PC_OK);
  pc_mutex_free(m);
}

/* A thread waiting in lock gets the mutex once it is unlocked, whatever
 * its (non-zero) timeout: PC_FOREVER, the largest finite one, 30 s. */
static void a_waiter_gets_it_when_unlocked(void) {
  const uint64_t timeouts[] = {PC_FOREVER, PC_FOREVER - 1, 30000 * MS};
  for (size_t k = 0; k < sizeof timeouts / sizeof timeouts[0]; k++) {
    pc_mutex *m = new_mutex();
    CHECK_STATUS(pc_mutex_lock(m, 0), PC_OK);
    op_t op = {m, timeouts[k], -1};
    pthread_t t = spawn(lock_then_unlock, &op);
    pause_ms(20); /* usually asleep in pc_mutex_lock by now */
    CHECK_STATUS(pc_mutex_unlock(m), PC_OK);
    join(t);
    CHECK_STATUS(op.status, PC_OK);
    CHECK(!pc_mutex_is_locked(m)); /* the waiter took it and gave it back */
    pc_mutex_free(m);
  }
}

/* Many threads increment one plain counter under the mutex: the total is
 * exact only if no two were ever inside at once. Each thread takes the
 * lock its own way: waiting, trying in a loop, or with short timeouts. */
enum { THREADS = 6, PER_THREAD = 20000 };

typedef struct {
  pc_mutex *m;
  int64_t *counter;
  int *inside;
  int mode;
  int64_t timeouts, overlaps;
  pc_status status;
} worker_t;

static void *increment(void *arg) {
  worker_t *w = arg;
  w->status = PC_OK;
  for (int i = 0; i < PER_THREAD; i++) {
    pc_status s;
    switch (w->mode) {
      case 0: s = pc_mutex_lock(w->m, PC_FOREVER); break;
      case 1:
        while ((s = pc_mutex_lock(w->m, 0)) == PC_TIMEOUT) w->timeouts++;
        break;
      default:
        while ((s = pc_mutex_lock(w->m, 1 * MS)) == PC_TIMEOUT) w->timeouts++;
    }
    if (s != PC_OK) {
      w->status = s;
      return NULL;
    }
    if ((*w->inside)++ != 0) w->overlaps++;
    ++*w->counter;
    (*w->inside)--;
    if ((s = pc_mutex_unlock(w->m)) != PC_OK) {
      w->status = s;
      return NULL;
    }
  }
  return NULL;
}

static void contended_increments_are_exact(void) {
  pc_mutex *m = new_mutex();
  int64_t counter = 0;
  int inside = 0;
  worker_t w[THREADS];
  pthread_t t[THREADS];
  for (int k = 0; k < THREADS; k++) {
    w[k] = (worker_t){m, &counter, &inside, k % 3, 0, 0, -1};
    t[k] = spawn(increment, &w[k]);
  }
  int64_t timeouts = 0;
  for (int k = 0; k < THREADS; k++) {
    join(t[k]);
    CHECK_STATUS(w[k].status, PC_OK);
    CHECK(w[k].overlaps == 0);
    timeouts += w[k].timeouts;
  }
  fprintf(stderr, "   %lld failed tries or timeouts on the way\n", (long long)timeouts);
  CHECK(counter == (int64_t)THREADS * PER_THREAD);
  CHECK(!pc_mutex_is_locked(m));
  pc_mutex_free(m);
}

int main(void) {
  RUN(every_status_on_purpose);
  RUN(any_thread_may_unlock);
  RUN(a_waiter_gets_it_when_unlocked);
  RUN(contended_increments_are_exact);
  return 0;
}
