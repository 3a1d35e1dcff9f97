/* pc_sem: the core's Semaphore through the C API (cases after the JSR-166
 * TCK's SemaphoreTest: all-or-nothing acquires, fair order, timeouts). */
#include "harness.h"

static pc_sem *new_sem(size_t permits, bool fair) {
  pc_sem *s = NULL;
  CHECK_STATUS(pc_sem_new(permits, fair, &s), PC_OK);
  CHECK(s != NULL);
  return s;
}

static void every_status_on_purpose(void) {
  pc_sem *s = new_sem(2, false);
  CHECK(pc_sem_available(s) == 2);
  CHECK_STATUS(pc_sem_acquire(s, 3, 0), PC_TIMEOUT); /* all or nothing */
  CHECK(pc_sem_available(s) == 2);
  CHECK_STATUS(pc_sem_acquire(s, 3, 2 * MS), PC_TIMEOUT);
  CHECK(pc_sem_available(s) == 2);
  CHECK_STATUS(pc_sem_acquire(s, 2, PC_FOREVER), PC_OK);
  CHECK_STATUS(pc_sem_acquire(s, 0, 0), PC_OK); /* 0 permits: at once */
  CHECK(pc_sem_available(s) == 0);
  CHECK_STATUS(pc_sem_release(s, 5), PC_OK);
  CHECK(pc_sem_drain(s) == 5);
  CHECK(pc_sem_available(s) == 0);
  CHECK_STATUS(pc_sem_release(s, SIZE_MAX), PC_OK);
  CHECK_STATUS(pc_sem_release(s, 1), PC_INVALID_ARG); /* overflow: none added */
  CHECK(pc_sem_available(s) == SIZE_MAX);

  CHECK_STATUS(pc_sem_new(1, false, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_sem_acquire(NULL, 1, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_sem_release(NULL, 1), PC_INVALID_ARG);
  CHECK(pc_sem_available(NULL) == 0);
  CHECK(pc_sem_drain(NULL) == 0);
  CHECK(pc_sem_waiting(NULL) == 0);
  pc_sem_free(NULL);
  pc_sem_free(s);
}

typedef struct {
  pc_sem *s;
  size_t n;
  uint64_t timeout_ns;
  pc_status status;
  int *order;
  int *next;
  pc_mutex *m;
  int id;
} acq_t;

static void *acquire_it(void *arg) {
  acq_t *a = arg;
  a->status = pc_sem_acquire(a->s, a->n, a->timeout_ns);
  if (a->order != NULL) {
    CHECK_STATUS(pc_mutex_lock(a->m), PC_OK);
    a->order[(*a->next)++] = a->id;
    CHECK_STATUS(pc_mutex_unlock(a->m), PC_OK);
  }
  return NULL;
}

/* Two waiters of 2 permits each on a semaphore that gets 3: one goes, the
 * other still waits with none taken (no partial holds, no deadlock). */
static void a_waiter_never_holds_part(void) {
  pc_sem *s = new_sem(0, false);
  acq_t a = {s, 2, PC_FOREVER, -1, NULL, NULL, NULL, 0};
  acq_t b = a;
  pthread_t ta = spawn(acquire_it, &a), tb = spawn(acquire_it, &b);
  pause_ms(20);
  CHECK_STATUS(pc_sem_release(s, 3), PC_OK);
  /* One of them has its 2; the third permit stays free for anyone. */
  while (pc_sem_available(s) != 1) pause_ms(1);
  CHECK_STATUS(pc_sem_acquire(s, 1, 0), PC_OK);
  CHECK_STATUS(pc_sem_release(s, 2), PC_OK); /* lets the other go */
  join(ta);
  join(tb);
  CHECK_STATUS(a.status, PC_OK);
  CHECK_STATUS(b.status, PC_OK);
  CHECK(pc_sem_available(s) == 0);
  pc_sem_free(s);
}

/* On a fair semaphore waiters are served in the order they came. */
static void fair_waiters_in_order(void) {
  enum { N = 4 };
  pc_sem *s = new_sem(0, true);
  pc_mutex *m = NULL;
  CHECK_STATUS(pc_mutex_new(&m), PC_OK);
  int order[N], next = 0;
  acq_t a[N];
  pthread_t t[N];
  for (int i = 0; i < N; i++) {
    a[i] = (acq_t){s, 1, PC_FOREVER, -1, order, &next, m, i};
    t[i] = spawn(acquire_it, &a[i]);
    while (pc_sem_waiting(s) != (size_t)i + 1) pause_ms(1); /* queued before the next comes */
  }
  for (int i = 0; i < N; i++) {
    CHECK_STATUS(pc_sem_release(s, 1), PC_OK);
    while (1) {
      CHECK_STATUS(pc_mutex_lock(m), PC_OK);
      int done = next;
      CHECK_STATUS(pc_mutex_unlock(m), PC_OK);
      if (done == i + 1) break;
      pause_ms(1);
    }
  }
  for (int i = 0; i < N; i++) {
    join(t[i]);
    CHECK_STATUS(a[i].status, PC_OK);
  }
  for (int i = 0; i < N; i++) CHECK(order[i] == i);
  pc_mutex_free(m);
  pc_sem_free(s);
}

/* Permits are conserved under contention: each thread takes 1..3 permits
 * and gives them back; at the end all are free again. */
enum { THREADS = 6, PERMITS = 4 };

typedef struct {
  pc_sem *s;
  int id;
  int64_t inside_max;
  int64_t *inside;
  pc_mutex *m;
  pc_status status;
} worker_t;

static void *churn(void *arg) {
  worker_t *w = arg;
  w->status = PC_OK;
  for (int i = 0, rounds = scaled(3000, 100); i < rounds; i++) {
    size_t n = 1 + (size_t)((i + w->id) % 3);
    pc_status st = pc_sem_acquire(w->s, n, i % 2 ? PC_FOREVER : 5000 * MS);
    if (st != PC_OK) {
      w->status = st;
      return NULL;
    }
    CHECK_STATUS(pc_mutex_lock(w->m), PC_OK);
    *w->inside += (int64_t)n;
    if (*w->inside > w->inside_max) w->inside_max = *w->inside;
    *w->inside -= (int64_t)n;
    CHECK_STATUS(pc_mutex_unlock(w->m), PC_OK);
    if ((st = pc_sem_release(w->s, n)) != PC_OK) {
      w->status = st;
      return NULL;
    }
  }
  return NULL;
}

static void permits_are_conserved(void) {
  pc_sem *s = new_sem(PERMITS, false);
  pc_mutex *m = NULL;
  CHECK_STATUS(pc_mutex_new(&m), PC_OK);
  int64_t inside = 0;
  worker_t w[THREADS];
  pthread_t t[THREADS];
  for (int k = 0; k < THREADS; k++) {
    w[k] = (worker_t){s, k, 0, &inside, m, -1};
    t[k] = spawn(churn, &w[k]);
  }
  for (int k = 0; k < THREADS; k++) {
    join(t[k]);
    CHECK_STATUS(w[k].status, PC_OK);
    CHECK(w[k].inside_max <= PERMITS);
  }
  CHECK(pc_sem_available(s) == PERMITS);
  pc_mutex_free(m);
  pc_sem_free(s);
}

int main(void) {
  RUN(every_status_on_purpose);
  RUN(a_waiter_never_holds_part);
  RUN(fair_waiters_in_order);
  RUN(permits_are_conserved);
  return 0;
}
