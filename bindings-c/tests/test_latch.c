/* pc_latch: the core's CountDownLatch through the C API (cases after the
 * JSR-166 TCK's CountDownLatchTest). */
#include "harness.h"

static void every_status_on_purpose(void) {
  pc_latch *l = NULL;
  CHECK_STATUS(pc_latch_new(2, &l), PC_OK);
  CHECK(pc_latch_count(l) == 2);
  CHECK_STATUS(pc_latch_wait(l, 0), PC_TIMEOUT);
  CHECK_STATUS(pc_latch_wait(l, 2 * MS), PC_TIMEOUT);
  CHECK_STATUS(pc_latch_count_down(l), PC_OK);
  CHECK(pc_latch_count(l) == 1);
  CHECK_STATUS(pc_latch_count_down(l), PC_OK);
  CHECK_STATUS(pc_latch_count_down(l), PC_OK); /* no effect at zero */
  CHECK(pc_latch_count(l) == 0);
  CHECK_STATUS(pc_latch_wait(l, 0), PC_OK);
  CHECK_STATUS(pc_latch_wait(l, PC_FOREVER), PC_OK);
  pc_latch_free(l);

  CHECK_STATUS(pc_latch_new(0, &l), PC_OK); /* open from the start */
  CHECK_STATUS(pc_latch_wait(l, 0), PC_OK);
  pc_latch_free(l);

  CHECK_STATUS(pc_latch_new(1, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_latch_count_down(NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_latch_wait(NULL, 0), PC_INVALID_ARG);
  CHECK(pc_latch_count(NULL) == 0);
  pc_latch_free(NULL);
}

enum { WAITERS = 5, COUNTERS = 4 };

typedef struct {
  pc_latch *l;
  int64_t *slots;
  int id;
  pc_status status;
  int64_t seen;
} party_t;

static void *count_down_after_writing(void *arg) {
  party_t *p = arg;
  p->slots[p->id] = p->id + 1; /* visible to whoever the last count-down releases */
  p->status = pc_latch_count_down(p->l);
  return NULL;
}

static void *wait_then_sum(void *arg) {
  party_t *p = arg;
  p->status = pc_latch_wait(p->l, PC_FOREVER);
  p->seen = 0;
  for (int i = 0; i < COUNTERS; i++) p->seen += p->slots[i];
  return NULL;
}

/* Every waiter is released by the last count-down, and sees what every
 * counter wrote before counting down. */
static void zero_releases_every_waiter(void) {
  pc_latch *l = NULL;
  CHECK_STATUS(pc_latch_new(COUNTERS, &l), PC_OK);
  int64_t slots[COUNTERS] = {0};
  party_t w[WAITERS], c[COUNTERS];
  pthread_t tw[WAITERS], tc[COUNTERS];
  for (int i = 0; i < WAITERS; i++) {
    w[i] = (party_t){l, slots, i, -1, 0};
    tw[i] = spawn(wait_then_sum, &w[i]);
  }
  pause_ms(10);
  for (int i = 0; i < COUNTERS; i++) {
    c[i] = (party_t){l, slots, i, -1, 0};
    tc[i] = spawn(count_down_after_writing, &c[i]);
  }
  for (int i = 0; i < COUNTERS; i++) {
    join(tc[i]);
    CHECK_STATUS(c[i].status, PC_OK);
  }
  for (int i = 0; i < WAITERS; i++) {
    join(tw[i]);
    CHECK_STATUS(w[i].status, PC_OK);
    CHECK(w[i].seen == COUNTERS * (COUNTERS + 1) / 2);
  }
  pc_latch_free(l);
}

int main(void) {
  RUN(every_status_on_purpose);
  RUN(zero_releases_every_waiter);
  return 0;
}
