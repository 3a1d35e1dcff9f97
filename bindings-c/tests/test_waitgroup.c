/* pc_waitgroup: the core's WaitGroup through the C API (cases after Go's
 * sync/waitgroup_test.go, with PC_NEGATIVE_COUNT where Go panics). */
#include <stdatomic.h>

#include "harness.h"

static void every_status_on_purpose(void) {
  pc_waitgroup *wg = NULL;
  CHECK_STATUS(pc_waitgroup_new(&wg), PC_OK);
  CHECK_STATUS(pc_waitgroup_wait(wg, 0), PC_OK); /* zero: at once */
  CHECK_STATUS(pc_waitgroup_add(wg, 2), PC_OK);
  CHECK(pc_waitgroup_count(wg) == 2);
  CHECK_STATUS(pc_waitgroup_wait(wg, 0), PC_TIMEOUT);
  CHECK_STATUS(pc_waitgroup_wait(wg, 2 * MS), PC_TIMEOUT);
  CHECK_STATUS(pc_waitgroup_add(wg, -3), PC_NEGATIVE_COUNT); /* nothing changes */
  CHECK(pc_waitgroup_count(wg) == 2);
  CHECK_STATUS(pc_waitgroup_done(wg), PC_OK);
  CHECK_STATUS(pc_waitgroup_add(wg, -1), PC_OK);
  CHECK_STATUS(pc_waitgroup_done(wg), PC_NEGATIVE_COUNT);
  CHECK(pc_waitgroup_count(wg) == 0);
  CHECK_STATUS(pc_waitgroup_wait(wg, PC_FOREVER), PC_OK);
  CHECK_STATUS(pc_waitgroup_add(wg, (ptrdiff_t)UINT32_MAX), PC_OK);
  CHECK_STATUS(pc_waitgroup_add(wg, 1), PC_NEGATIVE_COUNT); /* past the maximum */
  CHECK_STATUS(pc_waitgroup_add(wg, -(ptrdiff_t)UINT32_MAX), PC_OK);
  pc_waitgroup_free(wg);

  CHECK_STATUS(pc_waitgroup_new(NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_waitgroup_add(NULL, 1), PC_INVALID_ARG);
  CHECK_STATUS(pc_waitgroup_done(NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_waitgroup_wait(NULL, 0), PC_INVALID_ARG);
  CHECK(pc_waitgroup_count(NULL) == 0);
  pc_waitgroup_free(NULL);
}

enum { TASKS = 16 };

typedef struct {
  pc_waitgroup *wg;
  _Atomic int64_t *sum;
  int64_t value;
  pc_status status;
} task_t;

static void *task(void *arg) {
  task_t *t = arg;
  atomic_fetch_add(t->sum, t->value);
  t->status = pc_waitgroup_done(t->wg);
  return NULL;
}

/* Go's TestWaitGroup, reused round after round: wait returns only once
 * every task of the round is done (the sum is complete). */
static void wait_returns_after_every_done(void) {
  pc_waitgroup *wg = NULL;
  CHECK_STATUS(pc_waitgroup_new(&wg), PC_OK);
  for (int r = 0, rounds = scaled(50, 3); r < rounds; r++) {
    _Atomic int64_t sum = 0;
    task_t ts[TASKS];
    pthread_t th[TASKS];
    CHECK_STATUS(pc_waitgroup_add(wg, TASKS), PC_OK);
    for (int i = 0; i < TASKS; i++) {
      ts[i] = (task_t){wg, &sum, i + 1, -1};
      th[i] = spawn(task, &ts[i]);
    }
    CHECK_STATUS(pc_waitgroup_wait(wg, r % 2 ? PC_FOREVER : 60000 * MS), PC_OK);
    CHECK(atomic_load(&sum) == TASKS * (TASKS + 1) / 2);
    for (int i = 0; i < TASKS; i++) {
      join(th[i]);
      CHECK_STATUS(ts[i].status, PC_OK);
    }
  }
  CHECK(pc_waitgroup_count(wg) == 0);
  pc_waitgroup_free(wg);
}

int main(void) {
  RUN(every_status_on_purpose);
  RUN(wait_returns_after_every_done);
  return 0;
}
