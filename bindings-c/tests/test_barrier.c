/* pc_barrier: the core's CyclicBarrier through the C API (cases after the
 * JSR-166 TCK's CyclicBarrierTest: arrival indices, a timeout breaks the
 * barrier for every waiter, reset). */
#include <string.h>

#include "harness.h"

static pc_barrier *new_barrier(size_t parties) {
  pc_barrier *b = NULL;
  CHECK_STATUS(pc_barrier_new(parties, &b), PC_OK);
  CHECK(b != NULL);
  return b;
}

static void every_status_on_purpose(void) {
  pc_barrier *b = new_barrier(1);
  size_t index = 99;
  CHECK_STATUS(pc_barrier_wait(b, 0, &index), PC_OK); /* the only party trips it */
  CHECK(index == 0);
  CHECK_STATUS(pc_barrier_wait(b, PC_FOREVER, NULL), PC_OK); /* index optional */
  CHECK(pc_barrier_parties(b) == 1);
  pc_barrier_free(b);

  b = new_barrier(2);
  index = 99;
  CHECK_STATUS(pc_barrier_wait(b, 2 * MS, &index), PC_TIMEOUT); /* breaks it */
  CHECK(index == 99); /* written only on PC_OK */
  CHECK(pc_barrier_is_broken(b));
  CHECK_STATUS(pc_barrier_wait(b, PC_FOREVER, &index), PC_BROKEN);
  CHECK_STATUS(pc_barrier_reset(b), PC_OK);
  CHECK(!pc_barrier_is_broken(b));
  CHECK_STATUS(pc_barrier_wait(b, 0, NULL), PC_TIMEOUT); /* 0 and not last: breaks */
  CHECK(pc_barrier_is_broken(b));
  pc_barrier_free(b);

  pc_barrier *none = NULL;
  CHECK_STATUS(pc_barrier_new(0, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_barrier_new(SIZE_MAX, &none), PC_INVALID_ARG);
  CHECK(none == NULL); /* nothing written on failure */
  CHECK_STATUS(pc_barrier_new(2, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_barrier_wait(NULL, 0, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_barrier_reset(NULL), PC_INVALID_ARG);
  CHECK(pc_barrier_parties(NULL) == 0);
  CHECK(pc_barrier_waiting(NULL) == 0);
  CHECK(!pc_barrier_is_broken(NULL));
  pc_barrier_free(NULL);
}

enum { PARTIES = 5, ROUNDS = 50 };

typedef struct {
  pc_barrier *b;
  uint64_t timeout_ns;
  int rounds;
  size_t indices[ROUNDS];
  pc_status status;
} party_t;

static void *arrive(void *arg) {
  party_t *p = arg;
  p->status = PC_OK;
  for (int r = 0; r < p->rounds; r++) {
    pc_status s = pc_barrier_wait(p->b, p->timeout_ns, &p->indices[r]);
    if (s != PC_OK) {
      p->status = s;
      return NULL;
    }
  }
  return NULL;
}

/* Round after round, the parties' indices are exactly 0..parties-1. */
static void every_round_hands_out_each_index_once(void) {
  pc_barrier *b = new_barrier(PARTIES);
  const int rounds = scaled(ROUNDS, 5);
  party_t p[PARTIES];
  pthread_t t[PARTIES];
  for (int i = 0; i < PARTIES; i++) {
    p[i] = (party_t){b, i % 2 ? PC_FOREVER : 60000 * MS, rounds, {0}, -1};
    t[i] = spawn(arrive, &p[i]);
  }
  for (int i = 0; i < PARTIES; i++) {
    join(t[i]);
    CHECK_STATUS(p[i].status, PC_OK);
  }
  for (int r = 0; r < rounds; r++) {
    int seen[PARTIES] = {0};
    for (int i = 0; i < PARTIES; i++) {
      CHECK(p[i].indices[r] < PARTIES);
      seen[p[i].indices[r]]++;
    }
    for (int k = 0; k < PARTIES; k++) CHECK(seen[k] == 1);
  }
  CHECK(!pc_barrier_is_broken(b));
  pc_barrier_free(b);
}

/* One party times out: it gets PC_TIMEOUT, and every other waiting party
 * PC_BROKEN; after a reset the barrier trips again. */
static void a_timeout_breaks_it_for_every_waiter(void) {
  enum { WAITERS = 3 };
  pc_barrier *b = new_barrier(WAITERS + 2); /* one party never comes */
  party_t p[WAITERS];
  pthread_t t[WAITERS];
  for (int i = 0; i < WAITERS; i++) {
    p[i] = (party_t){b, PC_FOREVER, 1, {0}, -1};
    t[i] = spawn(arrive, &p[i]);
  }
  while (pc_barrier_waiting(b) != WAITERS) pause_ms(1);
  CHECK_STATUS(pc_barrier_wait(b, 5 * MS, NULL), PC_TIMEOUT);
  for (int i = 0; i < WAITERS; i++) {
    join(t[i]);
    CHECK_STATUS(p[i].status, PC_BROKEN);
  }
  CHECK(pc_barrier_is_broken(b));
  CHECK(pc_barrier_waiting(b) == 0);

  /* A reset breaks the waiters of the round in progress too. */
  CHECK_STATUS(pc_barrier_reset(b), PC_OK);
  for (int i = 0; i < WAITERS; i++) {
    p[i] = (party_t){b, PC_FOREVER, 1, {0}, -1};
    t[i] = spawn(arrive, &p[i]);
  }
  while (pc_barrier_waiting(b) != WAITERS) pause_ms(1);
  CHECK_STATUS(pc_barrier_reset(b), PC_OK);
  for (int i = 0; i < WAITERS; i++) {
    join(t[i]);
    CHECK_STATUS(p[i].status, PC_BROKEN);
  }
  CHECK(!pc_barrier_is_broken(b)); /* the reset started a whole round */
  pc_barrier_free(b);
}

int main(void) {
  RUN(every_status_on_purpose);
  RUN(every_round_hands_out_each_index_once);
  RUN(a_timeout_breaks_it_for_every_waiter);
  return 0;
}
