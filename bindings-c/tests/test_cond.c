/* pc_cond: the core's Condvar, waiting on a pc_mutex, through the C API. */
#include "harness.h"

static pc_mutex *new_mutex(void) {
  pc_mutex *m = NULL;
  CHECK_STATUS(pc_mutex_new(&m), PC_OK);
  return m;
}

static pc_cond *new_cond(void) {
  pc_cond *c = NULL;
  CHECK_STATUS(pc_cond_new(&c), PC_OK);
  CHECK(c != NULL);
  return c;
}

static void statuses_and_timeouts(void) {
  pc_mutex *m = new_mutex();
  pc_cond *c = new_cond();
  CHECK_STATUS(pc_cond_wait(c, m, PC_FOREVER), PC_NOT_OWNER); /* not locked: no wait */
  CHECK(!pc_mutex_is_locked(m));
  CHECK_STATUS(pc_mutex_lock_timeout(m, 0), PC_OK);
  CHECK_STATUS(pc_cond_wait(c, m, 0), PC_TIMEOUT);
  CHECK(pc_mutex_is_locked(m)); /* taken back */
  CHECK_STATUS(pc_cond_wait(c, m, 2 * MS), PC_TIMEOUT);
  CHECK(pc_mutex_is_locked(m));
  CHECK_STATUS(pc_cond_signal(c), PC_OK); /* nobody waits: nothing happens */
  CHECK_STATUS(pc_cond_broadcast(c), PC_OK);
  CHECK_STATUS(pc_mutex_unlock(m), PC_OK);

  pc_cond *none = NULL;
  CHECK_STATUS(pc_cond_new(NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_cond_wait(NULL, m, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_cond_wait(c, NULL, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_cond_signal(NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_cond_broadcast(NULL), PC_INVALID_ARG);
  pc_cond_free(none);
  CHECK(!pc_mutex_is_locked(m));
  pc_cond_free(c);
  pc_mutex_free(m);
}

/* Waiters take tickets handed out under the mutex: each waits while there
 * is none. One signal per ticket, then a broadcast for the rest; every
 * waiter ends with exactly one ticket. */
enum { WAITERS = 4 };

typedef struct {
  pc_mutex *m;
  pc_cond *c;
  int tickets, taken;
  uint64_t timeout_ns;
} gate_t;

typedef struct {
  gate_t *g;
  pc_status status;
} waiter_t;

static void *take_a_ticket(void *arg) {
  waiter_t *w = arg;
  gate_t *g = w->g;
  w->status = pc_mutex_lock(g->m);
  while (w->status == PC_OK && g->tickets == 0) {
    w->status = pc_cond_wait(g->c, g->m, g->timeout_ns);
    if (w->status == PC_TIMEOUT) w->status = PC_OK; /* only a guard: wait again */
  }
  if (w->status != PC_OK) return NULL;
  g->tickets--;
  g->taken++;
  w->status = pc_mutex_unlock(g->m);
  return NULL;
}

static void signal_and_broadcast_wake_waiters(void) {
  const uint64_t timeouts[] = {PC_FOREVER, PC_FOREVER - 1, 50 * MS};
  for (size_t k = 0; k < sizeof timeouts / sizeof timeouts[0]; k++) {
    gate_t g = {new_mutex(), new_cond(), 0, 0, timeouts[k]};
    waiter_t w[WAITERS];
    pthread_t t[WAITERS];
    for (int i = 0; i < WAITERS; i++) {
      w[i] = (waiter_t){&g, -1};
      t[i] = spawn(take_a_ticket, &w[i]);
    }
    pause_ms(20); /* usually all asleep in pc_cond_wait by now */
    CHECK_STATUS(pc_mutex_lock(g.m), PC_OK);
    g.tickets = 1;
    CHECK_STATUS(pc_cond_signal(g.c), PC_OK);
    CHECK_STATUS(pc_mutex_unlock(g.m), PC_OK);
    CHECK_STATUS(pc_mutex_lock(g.m), PC_OK);
    g.tickets += WAITERS - 1;
    CHECK_STATUS(pc_cond_broadcast(g.c), PC_OK);
    CHECK_STATUS(pc_mutex_unlock(g.m), PC_OK);
    for (int i = 0; i < WAITERS; i++) {
      join(t[i]);
      CHECK_STATUS(w[i].status, PC_OK);
    }
    CHECK(g.taken == WAITERS && g.tickets == 0);
    pc_cond_free(g.c);
    pc_mutex_free(g.m);
  }
}

/* The textbook bounded buffer on one mutex and two conditions: producers
 * and consumers move every value exactly once. */
enum { SLOTS = 4, PRODUCERS = 3, CONSUMERS = 3, PER_PRODUCER = 3000 };

typedef struct {
  pc_mutex *m;
  pc_cond *not_full, *not_empty;
  int64_t buf[SLOTS];
  int head, len, producers_left;
} bounded_t;

typedef struct {
  bounded_t *b;
  int64_t first, sum, count;
  pc_status status;
} worker_t;

#define TRY(w, expr)                                \
  do {                                              \
    pc_status s_ = (expr);                          \
    if (s_ != PC_OK) {                              \
      (w)->status = s_;                             \
      return NULL;                                  \
    }                                               \
  } while (0)

static void *produce(void *arg) {
  worker_t *w = arg;
  bounded_t *b = w->b;
  for (int64_t v = w->first; v < w->first + PER_PRODUCER; v++) {
    TRY(w, pc_mutex_lock(b->m));
    while (b->len == SLOTS) TRY(w, pc_cond_wait(b->not_full, b->m, PC_FOREVER));
    b->buf[(b->head + b->len++) % SLOTS] = v;
    TRY(w, pc_cond_signal(b->not_empty));
    TRY(w, pc_mutex_unlock(b->m));
  }
  TRY(w, pc_mutex_lock(b->m));
  if (--b->producers_left == 0) TRY(w, pc_cond_broadcast(b->not_empty));
  TRY(w, pc_mutex_unlock(b->m));
  w->status = PC_OK;
  return NULL;
}

static void *consume(void *arg) {
  worker_t *w = arg;
  bounded_t *b = w->b;
  for (;;) {
    TRY(w, pc_mutex_lock(b->m));
    while (b->len == 0 && b->producers_left > 0)
      TRY(w, pc_cond_wait(b->not_empty, b->m, PC_FOREVER));
    if (b->len == 0) break; /* drained, and nobody will produce more */
    w->sum += b->buf[b->head];
    w->count++;
    b->head = (b->head + 1) % SLOTS;
    b->len--;
    TRY(w, pc_cond_signal(b->not_full));
    TRY(w, pc_mutex_unlock(b->m));
  }
  TRY(w, pc_mutex_unlock(b->m));
  w->status = PC_OK;
  return NULL;
}

static void bounded_buffer_moves_every_value_once(void) {
  bounded_t b = {new_mutex(), new_cond(), new_cond(), {0}, 0, 0, PRODUCERS};
  worker_t p[PRODUCERS], c[CONSUMERS];
  pthread_t pt[PRODUCERS], ct[CONSUMERS];
  for (int i = 0; i < CONSUMERS; i++) {
    c[i] = (worker_t){&b, 0, 0, 0, -1};
    ct[i] = spawn(consume, &c[i]);
  }
  for (int i = 0; i < PRODUCERS; i++) {
    p[i] = (worker_t){&b, 1 + (int64_t)i * PER_PRODUCER, 0, 0, -1};
    pt[i] = spawn(produce, &p[i]);
  }
  int64_t sum = 0, count = 0;
  for (int i = 0; i < PRODUCERS; i++) {
    join(pt[i]);
    CHECK_STATUS(p[i].status, PC_OK);
  }
  for (int i = 0; i < CONSUMERS; i++) {
    join(ct[i]);
    CHECK_STATUS(c[i].status, PC_OK);
    sum += c[i].sum;
    count += c[i].count;
  }
  const int64_t n = (int64_t)PRODUCERS * PER_PRODUCER;
  CHECK(count == n && sum == n * (n + 1) / 2);
  pc_cond_free(b.not_full);
  pc_cond_free(b.not_empty);
  pc_mutex_free(b.m);
}

int main(void) {
  RUN(statuses_and_timeouts);
  RUN(signal_and_broadcast_wake_waiters);
  RUN(bounded_buffer_moves_every_value_once);
  return 0;
}
