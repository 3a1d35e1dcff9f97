/* pc_future_sequence and pc_future_sequence_take gather the values by a
 * task on the executor they are given (test_future.c has their values
 * and errors at every element size). */
#include "harness.h"

/* Two futures completed with 3 and 4. */
static void two_completed(pc_future *f[2]) {
  for (int j = 0; j < 2; j++) {
    int64_t v = 3 + j;
    pc_promise *p = NULL;
    CHECK_STATUS(pc_promise_new(sizeof v, &p), PC_OK);
    CHECK_STATUS(pc_promise_future(p, &f[j]), PC_OK);
    CHECK_STATUS(pc_promise_success(p, &v), PC_OK);
    pc_promise_free(p);
  }
}

/* A sequence of `f` on `ex`, by either call (taking the handles or not). */
static pc_status sequence(int take, const pc_executor *ex, pc_future *f[2], pc_future **all) {
  if (take) return pc_future_sequence_take(ex, f, 2, all);
  pc_status s = pc_future_sequence(ex, (const pc_future *const *)f, 2, all);
  pc_future_free(f[0]);
  pc_future_free(f[1]);
  return s;
}

/* Even of futures completed already, the values are copied by a task on
 * the executor: on one shut down the sequence fails with PC_CLOSED, on a
 * running one it has both values. */
static void sequence_gathers_on_its_executor(void) {
  pc_executor *closed = NULL;
  CHECK_STATUS(pc_thread_pool_new(1, &closed), PC_OK);
  CHECK_STATUS(pc_executor_shutdown(closed), PC_OK);
  for (int take = 0; take < 2; take++) {
    pc_future *f[2], *all = NULL;
    int64_t got[2] = {0, 0};
    int32_t code = 0;
    two_completed(f);
    CHECK_STATUS(sequence(take, closed, f, &all), PC_OK);
    CHECK_STATUS(pc_future_wait(all, got, PC_FOREVER), PC_FAILED);
    CHECK_STATUS(pc_future_failure(all, &code, NULL), PC_OK);
    CHECK(code == PC_CLOSED);
    pc_future_free(all);
    two_completed(f);
    CHECK_STATUS(sequence(take, pc_executor_global(), f, &all), PC_OK);
    CHECK_STATUS(pc_future_wait(all, got, PC_FOREVER), PC_OK);
    CHECK(got[0] == 3 && got[1] == 4);
    pc_future_free(all);
  }
  pc_executor_free(closed);
}

/* No executor is PC_INVALID_ARG, and the handles taken go all the same
 * (ASan and valgrind see a leak otherwise). */
static void no_executor_is_an_invalid_argument(void) {
  for (int take = 0; take < 2; take++) {
    pc_future *f[2], *all = NULL;
    two_completed(f);
    CHECK_STATUS(sequence(take, NULL, f, &all), PC_INVALID_ARG);
    CHECK(all == NULL);
  }
  pc_future *none = NULL;
  CHECK_STATUS(pc_future_sequence(NULL, NULL, 0, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_sequence_take(NULL, NULL, 0, &none), PC_INVALID_ARG);
  CHECK(none == NULL);
}

int main(void) {
  RUN(sequence_gathers_on_its_executor);
  RUN(no_executor_is_an_invalid_argument);
  return 0;
}
