/* pc_promise, pc_future, pc_executor: the core's futures through the C API
 * (cases after Scala's FutureSpec / PromiseSpec: callbacks run exactly
 * once, a failing callback fails its future, failures pass through, every
 * context freed exactly once). */
#include <stdatomic.h>
#include <string.h>

#include "harness.h"

static _Atomic int frees, calls;

static void count_free(void *ctx) {
  (void)ctx;
  atomic_fetch_add(&frees, 1);
}

static void reset(void) {
  atomic_store(&frees, 0);
  atomic_store(&calls, 0);
}

static pc_promise *new_promise(size_t size, pc_future **f) {
  pc_promise *p = NULL;
  CHECK_STATUS(pc_promise_new(size, &p), PC_OK);
  CHECK_STATUS(pc_promise_future(p, f), PC_OK);
  return p;
}

/* out = value * ctx's factor; a factor of 0 fails with code 42. */
static int32_t times(const void *value, void *out, void *ctx) {
  atomic_fetch_add(&calls, 1);
  int64_t v, k = *(int64_t *)ctx;
  memcpy(&v, value, sizeof v);
  if (k == 0) return 42;
  v *= k;
  memcpy(out, &v, sizeof v);
  return 0;
}

static int32_t make_seven(void *out, void *ctx) {
  (void)ctx;
  atomic_fetch_add(&calls, 1);
  int64_t v = 7;
  memcpy(out, &v, sizeof v);
  return 0;
}

static int64_t wait_value(pc_future *f) {
  int64_t v = 0;
  CHECK_STATUS(pc_future_wait(f, &v, PC_FOREVER), PC_OK);
  return v;
}

static void promise_completes_once(void) {
  pc_future *f = NULL;
  pc_promise *p = new_promise(sizeof(int64_t), &f);
  int64_t v = 5, out = 0;
  CHECK(!pc_future_is_completed(f));
  CHECK_STATUS(pc_future_wait(f, &out, 0), PC_TIMEOUT);
  CHECK_STATUS(pc_future_wait(f, &out, 2 * MS), PC_TIMEOUT);
  CHECK_STATUS(pc_future_failure(f, NULL, NULL), PC_EMPTY);
  CHECK_STATUS(pc_promise_success(p, &v), PC_OK);
  CHECK_STATUS(pc_promise_success(p, &v), PC_ALREADY_COMPLETED);
  CHECK_STATUS(pc_promise_failure(p, 3, "late"), PC_ALREADY_COMPLETED);
  CHECK(pc_future_is_completed(f));
  CHECK_STATUS(pc_future_wait(f, &out, 0), PC_OK);
  CHECK(out == 5);
  CHECK_STATUS(pc_future_wait(f, NULL, 0), PC_OK); /* only waits */
  CHECK_STATUS(pc_future_failure(f, NULL, NULL), PC_EMPTY);
  CHECK_STATUS(pc_future_cancel(f), PC_ALREADY_COMPLETED);
  CHECK(pc_future_elem_size(f) == sizeof(int64_t));
  pc_future_free(f);
  pc_promise_free(p);

  p = new_promise(0, &f);
  CHECK_STATUS(pc_promise_failure(p, 0, "zero is success"), PC_INVALID_ARG);
  CHECK_STATUS(pc_promise_failure(p, -3, "no"), PC_OK);
  CHECK_STATUS(pc_promise_success(p, NULL), PC_ALREADY_COMPLETED);
  CHECK_STATUS(pc_future_wait(f, NULL, PC_FOREVER), PC_FAILED);
  int32_t code = 0;
  const char *message = NULL;
  CHECK_STATUS(pc_future_failure(f, &code, &message), PC_OK);
  CHECK(code == -3 && strcmp(message, "no") == 0);
  pc_promise_free(p);
  pc_future_free(f);

  /* A 40-byte value (boxed in the core). */
  char big[40], back[40] = {0};
  for (int i = 0; i < 40; i++) big[i] = (char)i;
  p = new_promise(sizeof big, &f);
  CHECK_STATUS(pc_promise_success(p, big), PC_OK);
  CHECK_STATUS(pc_future_wait(f, back, PC_FOREVER), PC_OK);
  CHECK(memcmp(big, back, sizeof big) == 0);
  pc_promise_free(p);
  pc_future_free(f);

  CHECK_STATUS(pc_promise_new(8, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_promise_new(SIZE_MAX, &p), PC_INVALID_ARG);
  CHECK_STATUS(pc_promise_success(NULL, &v), PC_INVALID_ARG);
  CHECK_STATUS(pc_promise_failure(NULL, 1, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_promise_future(NULL, &f), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_wait(NULL, &v, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_failure(NULL, NULL, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_cancel(NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_or_timeout(NULL, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_clone(NULL, &f), PC_INVALID_ARG);
  CHECK(!pc_future_is_completed(NULL) && pc_future_elem_size(NULL) == 0);
  pc_future_free(NULL);
  pc_promise_free(NULL);
}

static void map_runs_once_and_failures_pass(void) {
  reset();
  const pc_executor *ex = pc_executor_global();
  pc_future *f = NULL, *g = NULL, *h = NULL;
  pc_promise *p = new_promise(sizeof(int64_t), &f);
  int64_t three = 3, zero = 0, v = 14;
  CHECK_STATUS(pc_future_map(f, ex, sizeof(int64_t), times, &three, count_free, &g), PC_OK);
  CHECK_STATUS(pc_future_map(g, ex, sizeof(int64_t), times, &zero, count_free, &h), PC_OK);
  CHECK_STATUS(pc_promise_success(p, &v), PC_OK);
  CHECK(wait_value(g) == 42);
  CHECK_STATUS(pc_future_wait(h, NULL, PC_FOREVER), PC_FAILED); /* the callback returned 42 */
  int32_t code = 0;
  CHECK_STATUS(pc_future_failure(h, &code, NULL), PC_OK);
  CHECK(code == 42);
  /* A failure passes through: the callback does not run, its ctx is freed. */
  pc_future *k = NULL;
  CHECK_STATUS(pc_future_map(h, ex, sizeof(int64_t), times, &three, count_free, &k), PC_OK);
  CHECK_STATUS(pc_future_wait(k, NULL, PC_FOREVER), PC_FAILED);
  CHECK_STATUS(pc_future_failure(k, &code, NULL), PC_OK);
  CHECK(code == 42);
  pc_future_free(k);
  pc_future_free(h);
  pc_future_free(g);
  pc_future_free(f);
  pc_promise_free(p);
  while (atomic_load(&frees) != 3) pause_ms(1); /* the last free runs on a worker */
  CHECK(atomic_load(&calls) == 2);

  /* Bad arguments: ctx_free still runs, exactly once, before the call returns. */
  reset();
  p = new_promise(8, &f);
  CHECK_STATUS(pc_future_map(f, NULL, 8, times, NULL, count_free, &g), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_map(f, ex, 8, NULL, NULL, count_free, &g), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_map(f, ex, 8, times, NULL, count_free, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_map(NULL, ex, 8, times, NULL, count_free, &g), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_map(f, ex, SIZE_MAX, times, NULL, count_free, &g), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_on_complete(f, ex, NULL, NULL, count_free), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_spawn(NULL, 8, make_seven, NULL, count_free, &g), PC_INVALID_ARG);
  CHECK_STATUS(pc_executor_submit(NULL, NULL, NULL, count_free), PC_INVALID_ARG);
  CHECK(atomic_load(&frees) == 8);
  pc_promise_free(p);
  pc_future_free(f);
}

typedef struct {
  _Atomic int runs;
  _Atomic int64_t seen;
  _Atomic int32_t code;
} seen_t;

static void on_done(const void *value, int32_t code, const char *message, void *ctx) {
  seen_t *s = ctx;
  int64_t v = 0;
  if (value != NULL) memcpy(&v, value, sizeof v);
  CHECK((value == NULL) == (code != 0));
  CHECK((message == NULL) == (code == 0));
  atomic_store(&s->seen, v);
  atomic_store(&s->code, code);
  atomic_fetch_add(&s->runs, 1);
}

static int32_t next_future(const void *value, pc_future **out, void *ctx) {
  (void)ctx;
  int64_t v;
  memcpy(&v, value, sizeof v);
  if (v < 0) return 9;
  pc_promise *p = NULL;
  pc_promise_new(sizeof v, &p);
  v += 100;
  pc_promise_success(p, &v);
  pc_promise_future(p, out);
  pc_promise_free(p);
  return 0;
}

static int32_t recover_with(int32_t code, const char *message, void *out, void *ctx) {
  (void)message;
  int32_t mode = *(int32_t *)ctx;
  if (mode == 0) {
    int64_t v = -code;
    memcpy(out, &v, sizeof v);
    return 0;
  }
  return mode == 1 ? code : 77;
}

static void callbacks_and_combinators(void) {
  reset();
  pc_executor *pool = NULL;
  CHECK_STATUS(pc_thread_pool_new(2, &pool), PC_OK);
  pc_future *f = NULL;
  pc_promise *p = new_promise(sizeof(int64_t), &f);
  seen_t seen = {0, 0, 0};
  CHECK_STATUS(pc_future_on_complete(f, pool, on_done, &seen, count_free), PC_OK);
  pc_future *fm = NULL, *bad = NULL;
  CHECK_STATUS(pc_future_flat_map(f, pool, sizeof(int64_t), next_future, NULL, count_free, &fm),
               PC_OK);
  CHECK_STATUS(pc_future_flat_map(f, pool, 4, next_future, NULL, count_free, &bad), PC_OK);
  int64_t v = 5;
  CHECK_STATUS(pc_promise_success(p, &v), PC_OK);
  CHECK(wait_value(fm) == 105);
  int32_t code = 0;
  CHECK_STATUS(pc_future_wait(bad, NULL, PC_FOREVER), PC_FAILED); /* 8-byte future for 4 */
  CHECK_STATUS(pc_future_failure(bad, &code, NULL), PC_OK);
  CHECK(code == PC_INVALID_ARG);
  while (atomic_load(&seen.runs) == 0) pause_ms(1);
  CHECK(atomic_load(&seen.seen) == 5 && atomic_load(&seen.code) == 0);

  /* zip and sequence: the values' bytes one after the other. */
  pc_future *two[2] = {f, fm}, *z = NULL, *all = NULL, *first = NULL;
  CHECK_STATUS(pc_future_zip(f, fm, &z), PC_OK);
  CHECK(pc_future_elem_size(z) == 16);
  int64_t pair[2];
  CHECK_STATUS(pc_future_wait(z, pair, PC_FOREVER), PC_OK);
  CHECK(pair[0] == 5 && pair[1] == 105);
  CHECK_STATUS(pc_future_sequence(pool, (const pc_future *const *)two, 2, &all), PC_OK);
  CHECK_STATUS(pc_future_wait(all, pair, PC_FOREVER), PC_OK);
  CHECK(pair[0] == 5 && pair[1] == 105);
  CHECK_STATUS(pc_future_first_completed_of((const pc_future *const *)two, 2, &first), PC_OK);
  int64_t one = wait_value(first);
  CHECK(one == 5 || one == 105);
  pc_future *mixed[2] = {f, z};
  pc_future *none = NULL;
  CHECK_STATUS(pc_future_sequence(pool, (const pc_future *const *)mixed, 2, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_sequence(pool, NULL, 1, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_sequence(pool, NULL, 0, &none), PC_OK); /* no futures: done, 0 bytes */
  CHECK_STATUS(pc_future_wait(none, NULL, 0), PC_OK);
  pc_future_free(none);
  CHECK_STATUS(pc_future_first_completed_of(NULL, 0, &none), PC_OK); /* never completes */
  CHECK_STATUS(pc_future_wait(none, NULL, 0), PC_TIMEOUT);
  pc_future_free(none);

  /* recover: a value, the failure kept, or a new code. */
  pc_future *failed = NULL;
  pc_promise *q = new_promise(sizeof(int64_t), &failed);
  CHECK_STATUS(pc_promise_failure(q, 5, "five"), PC_OK);
  int32_t modes[3] = {0, 1, 2};
  pc_future *r[3];
  for (int i = 0; i < 3; i++)
    CHECK_STATUS(pc_future_recover(failed, pool, recover_with, &modes[i], count_free, &r[i]), PC_OK);
  CHECK(wait_value(r[0]) == -5);
  const char *message = NULL;
  CHECK_STATUS(pc_future_wait(r[1], NULL, PC_FOREVER), PC_FAILED);
  CHECK_STATUS(pc_future_failure(r[1], &code, &message), PC_OK);
  CHECK(code == 5 && strcmp(message, "five") == 0); /* kept as it was */
  CHECK_STATUS(pc_future_wait(r[2], NULL, PC_FOREVER), PC_FAILED);
  CHECK_STATUS(pc_future_failure(r[2], &code, NULL), PC_OK);
  CHECK(code == 77);
  pc_future *ok = NULL; /* recover of a success: passes through, fn never runs */
  CHECK_STATUS(pc_future_recover(f, pool, recover_with, &modes[2], count_free, &ok), PC_OK);
  CHECK(wait_value(ok) == 5);
  for (int i = 0; i < 3; i++) pc_future_free(r[i]);
  pc_future_free(ok);
  pc_future_free(failed);
  pc_promise_free(q);

  pc_future_free(first);
  pc_future_free(all);
  pc_future_free(z);
  pc_future_free(bad);
  pc_future_free(fm);
  pc_future_free(f);
  pc_promise_free(p);
  CHECK_STATUS(pc_executor_shutdown(pool), PC_OK); /* waits for the workers */
  CHECK(atomic_load(&frees) == 7);
  CHECK(atomic_load(&seen.runs) == 1);
  pc_executor_free(pool);
}

/* cancel and or_timeout fail a pending future; a combinator waiting for it
 * never runs its callback but frees its context. */
static void cancel_and_timeout(void) {
  reset();
  const pc_executor *ex = pc_executor_global();
  pc_future *f = NULL, *g = NULL;
  pc_promise *p = new_promise(sizeof(int64_t), &f);
  int64_t three = 3, v = 1;
  CHECK_STATUS(pc_future_map(f, ex, sizeof(int64_t), times, &three, count_free, &g), PC_OK);
  CHECK_STATUS(pc_future_cancel(f), PC_OK);
  CHECK_STATUS(pc_future_cancel(f), PC_ALREADY_COMPLETED);
  CHECK_STATUS(pc_promise_success(p, &v), PC_ALREADY_COMPLETED);
  CHECK_STATUS(pc_future_wait(f, NULL, 0), PC_CANCELLED);
  CHECK_STATUS(pc_future_wait(g, NULL, PC_FOREVER), PC_CANCELLED);
  int32_t code = 0;
  CHECK_STATUS(pc_future_failure(g, &code, NULL), PC_OK);
  CHECK(code == PC_CANCELLED);
  pc_future_free(g);
  pc_future_free(f);
  pc_promise_free(p);
  while (atomic_load(&frees) != 1) pause_ms(1);
  CHECK(atomic_load(&calls) == 0);

  p = new_promise(sizeof(int64_t), &f);
  CHECK_STATUS(pc_future_or_timeout(f, 5 * MS), PC_OK);
  CHECK_STATUS(pc_future_wait(f, NULL, PC_FOREVER), PC_FAILED);
  CHECK_STATUS(pc_future_failure(f, &code, NULL), PC_OK);
  CHECK(code == PC_TIMEOUT);
  CHECK_STATUS(pc_promise_success(p, &v), PC_ALREADY_COMPLETED);
  pc_future_free(f);
  pc_promise_free(p);
}

static void add_one(void *ctx) { atomic_fetch_add((_Atomic int64_t *)ctx, 1); }

/* Many spawned futures and submitted tasks on a pool: every one runs once,
 * every context is freed once, and the sum of the values is exact. */
static void spawn_and_submit_many(void) {
  reset();
  pc_executor *pool = NULL;
  CHECK_STATUS(pc_thread_pool_new(3, &pool), PC_OK);
  const int n = scaled(2000, 50);
  pc_future **fs = malloc((size_t)n * sizeof *fs);
  CHECK(fs != NULL);
  _Atomic int64_t tasks = 0;
  for (int i = 0; i < n; i++) {
    CHECK_STATUS(pc_future_spawn(pool, sizeof(int64_t), make_seven, NULL, count_free, &fs[i]), PC_OK);
    CHECK_STATUS(pc_executor_submit(pool, add_one, (void *)&tasks, count_free), PC_OK);
  }
  pc_future *all = NULL;
  CHECK_STATUS(pc_future_sequence(pool, (const pc_future *const *)fs, (size_t)n, &all), PC_OK);
  int64_t *values = malloc((size_t)n * sizeof *values);
  CHECK(values != NULL);
  CHECK_STATUS(pc_future_wait(all, values, PC_FOREVER), PC_OK);
  int64_t sum = 0;
  for (int i = 0; i < n; i++) sum += values[i];
  CHECK(sum == 7 * (int64_t)n);
  for (int i = 0; i < n; i++) pc_future_free(fs[i]);
  pc_future_free(all);
  CHECK_STATUS(pc_executor_shutdown(pool), PC_OK);
  CHECK(atomic_load(&tasks) == n);
  CHECK(atomic_load(&calls) == n);
  CHECK(atomic_load(&frees) == 2 * n);

  /* Shut down: refused, and the context is freed at once. */
  CHECK_STATUS(pc_executor_submit(pool, add_one, (void *)&tasks, count_free), PC_CLOSED);
  CHECK(atomic_load(&frees) == 2 * n + 1);
  pc_future *late = NULL;
  CHECK_STATUS(pc_future_spawn(pool, 8, make_seven, NULL, count_free, &late), PC_OK);
  CHECK_STATUS(pc_future_wait(late, NULL, PC_FOREVER), PC_FAILED);
  int32_t code = 0;
  CHECK_STATUS(pc_future_failure(late, &code, NULL), PC_OK);
  CHECK(code == PC_CLOSED);
  pc_future_free(late);
  CHECK(atomic_load(&frees) == 2 * n + 2);
  pc_executor_free(pool);

  CHECK_STATUS(pc_thread_pool_new(0, &pool), PC_INVALID_ARG);
  CHECK_STATUS(pc_thread_pool_new(1, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_executor_shutdown(pc_executor_global()), PC_INVALID_ARG);
  CHECK_STATUS(pc_executor_shutdown(NULL), PC_INVALID_ARG);
  pc_executor_free((pc_executor *)pc_executor_global()); /* ignored */
  pc_executor_free(NULL);
  free(values);
  free(fs);
}

/* A spawned future's handle lives in the future's own allocation (one
 * allocation per task): at every element size (8, under 8, 16, heap), its
 * clone, its failure's message and a spawned future handed back by a
 * flat_map callback all work, and every handle is freed once (valgrind
 * and ASan check the memory). */
static int32_t fill_bytes(void *out, void *ctx) {
  memset(out, 0x5a, (size_t)(uintptr_t)ctx);
  return 0;
}

static int32_t fail_spawn(void *out, void *ctx) {
  (void)out;
  (void)ctx;
  return 42;
}

static pc_executor *spawn_pool;

static int32_t next_spawned(const void *value, pc_future **out, void *ctx) {
  (void)value;
  (void)ctx;
  return pc_future_spawn(spawn_pool, sizeof(int64_t), make_seven, NULL, NULL, out) == PC_OK ? 0 : 1;
}

static void spawned_handles_of_every_size(void) {
  reset();
  CHECK_STATUS(pc_thread_pool_new(2, &spawn_pool), PC_OK);
  const size_t sizes[] = {8, 3, 16, 40};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    pc_future *f = NULL, *c = NULL;
    CHECK_STATUS(pc_future_spawn(spawn_pool, sizes[k], fill_bytes, (void *)(uintptr_t)sizes[k],
                                 count_free, &f),
                 PC_OK);
    CHECK_STATUS(pc_future_clone(f, &c), PC_OK);
    pc_future_free(f); /* the clone keeps the future */
    unsigned char got[40] = {0};
    CHECK_STATUS(pc_future_wait(c, got, PC_FOREVER), PC_OK);
    for (size_t i = 0; i < sizes[k]; i++) CHECK(got[i] == 0x5a);
    CHECK(pc_future_elem_size(c) == sizes[k]);
    pc_future_free(c);
  }
  CHECK(atomic_load(&frees) == 4);

  pc_future *failed = NULL;
  CHECK_STATUS(pc_future_spawn(spawn_pool, 8, fail_spawn, NULL, count_free, &failed), PC_OK);
  CHECK_STATUS(pc_future_wait(failed, NULL, PC_FOREVER), PC_FAILED);
  int32_t code = 0;
  const char *message = NULL;
  CHECK_STATUS(pc_future_failure(failed, &code, &message), PC_OK);
  CHECK(code == 42 && message != NULL && strstr(message, "42") != NULL);
  pc_future_free(failed);

  pc_future *start = NULL, *fm = NULL;
  pc_promise *p = new_promise(sizeof(int64_t), &start);
  CHECK_STATUS(pc_future_flat_map(start, spawn_pool, sizeof(int64_t), next_spawned, NULL, NULL, &fm),
               PC_OK);
  int64_t v = 1;
  CHECK_STATUS(pc_promise_success(p, &v), PC_OK);
  CHECK(wait_value(fm) == 7);
  pc_future_free(fm);
  pc_future_free(start);
  pc_promise_free(p);
  CHECK_STATUS(pc_executor_shutdown(spawn_pool), PC_OK);
  pc_executor_free(spawn_pool);
}

/* zip and sequence copy each value's bytes exactly, for every element
 * size class (under 8 bytes, 16, and heap elements over 16): each value a
 * distinct byte pattern, checked byte by byte. */
static void zip_and_sequence_of_every_size(void) {
  const size_t sizes[] = {3, 8, 13, 40};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t n = sizes[k];
    pc_future *f[3] = {NULL, NULL, NULL};
    unsigned char bytes[3][40];
    for (int j = 0; j < 3; j++) {
      for (size_t i = 0; i < n; i++) bytes[j][i] = (unsigned char)(1 + 50 * j + i);
      pc_promise *p = new_promise(n, &f[j]);
      CHECK_STATUS(pc_promise_success(p, bytes[j]), PC_OK);
      pc_promise_free(p);
    }
    pc_future *all = NULL, *z = NULL, *small = NULL;
    unsigned char got[3 * 40 + 3];
    CHECK_STATUS(pc_future_sequence(pc_executor_global(), (const pc_future *const *)f, 3, &all), PC_OK);
    CHECK(pc_future_elem_size(all) == 3 * n);
    CHECK_STATUS(pc_future_wait(all, got, PC_FOREVER), PC_OK);
    for (int j = 0; j < 3; j++) CHECK(memcmp(got + (size_t)j * n, bytes[j], n) == 0);
    /* zip with a 3-byte future, both ways round. */
    unsigned char three[3] = {7, 8, 9};
    pc_promise *p = new_promise(3, &small);
    CHECK_STATUS(pc_promise_success(p, three), PC_OK);
    pc_promise_free(p);
    CHECK_STATUS(pc_future_zip(f[1], small, &z), PC_OK);
    CHECK(pc_future_elem_size(z) == n + 3);
    CHECK_STATUS(pc_future_wait(z, got, PC_FOREVER), PC_OK);
    CHECK(memcmp(got, bytes[1], n) == 0 && memcmp(got + n, three, 3) == 0);
    pc_future_free(z);
    CHECK_STATUS(pc_future_zip(small, f[2], &z), PC_OK);
    CHECK_STATUS(pc_future_wait(z, got, PC_FOREVER), PC_OK);
    CHECK(memcmp(got, three, 3) == 0 && memcmp(got + 3, bytes[2], n) == 0);
    pc_future_free(z);
    pc_future_free(small);
    pc_future_free(all);
    for (int j = 0; j < 3; j++) pc_future_free(f[j]);
  }
}

/* A spawned value of `size` bytes, each `seed + i`. */
typedef struct {
  size_t size;
  unsigned char seed;
} pattern;

static int32_t fill_pattern(void *out, void *ctx) {
  const pattern *p = ctx;
  for (size_t i = 0; i < p->size; i++) ((unsigned char *)out)[i] = (unsigned char)(p->seed + i);
  return 0;
}

/* pc_future_sequence_take: spawned (lodged) handles, a clone and a
 * promise's future (boxed) taken over in one array, values checked byte by
 * byte for every size class; on every error the handles are freed too
 * (ASan and valgrind see a leak or a double free otherwise), and every
 * context is freed once. */
static void sequence_take_of_every_size(void) {
  reset();
  pc_executor *pool = NULL;
  CHECK_STATUS(pc_thread_pool_new(2, &pool), PC_OK);
  const size_t sizes[] = {3, 8, 13, 40};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t n = sizes[k];
    pattern pat[3] = {{n, 1}, {n, 60}, {n, 120}};
    pc_future *f[4] = {NULL, NULL, NULL, NULL};
    for (int j = 0; j < 2; j++) {
      CHECK_STATUS(pc_future_spawn(pool, n, fill_pattern, &pat[j], count_free, &f[j]), PC_OK);
    }
    CHECK_STATUS(pc_future_clone(f[0], &f[2]), PC_OK);
    pc_promise *p = new_promise(n, &f[3]); /* completed after the take */
    pc_future *all = NULL;
    CHECK_STATUS(pc_future_sequence_take(pool, f, 4, &all), PC_OK);
    unsigned char bytes[40], got[4 * 40];
    fill_pattern(bytes, &pat[2]);
    CHECK_STATUS(pc_promise_success(p, bytes), PC_OK);
    pc_promise_free(p);
    CHECK(pc_future_elem_size(all) == 4 * n);
    CHECK_STATUS(pc_future_wait(all, got, PC_FOREVER), PC_OK);
    const int from[4] = {0, 1, 0, 2}; /* which pattern each value is */
    for (int j = 0; j < 4; j++) {
      fill_pattern(bytes, &pat[from[j]]);
      CHECK(memcmp(got + (size_t)j * n, bytes, n) == 0);
    }
    pc_future_free(all);
  }
  CHECK(atomic_load(&frees) == 8);

  /* Errors: a NULL handle, mixed sizes, a NULL out; the handles go all the same. */
  pattern eight = {8, 0}, four = {4, 0};
  pc_future *f[3] = {NULL, NULL, NULL}, *none = NULL;
  CHECK_STATUS(pc_future_spawn(pool, 8, fill_pattern, &eight, count_free, &f[0]), PC_OK);
  CHECK_STATUS(pc_future_spawn(pool, 8, fill_pattern, &eight, count_free, &f[2]), PC_OK);
  CHECK_STATUS(pc_future_sequence_take(pool, f, 3, &none), PC_INVALID_ARG);
  CHECK(none == NULL);
  CHECK_STATUS(pc_future_spawn(pool, 8, fill_pattern, &eight, count_free, &f[0]), PC_OK);
  CHECK_STATUS(pc_future_spawn(pool, 4, fill_pattern, &four, count_free, &f[1]), PC_OK);
  CHECK_STATUS(pc_future_sequence_take(pool, f, 2, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_spawn(pool, 8, fill_pattern, &eight, count_free, &f[0]), PC_OK);
  f[1] = NULL;
  CHECK_STATUS(pc_future_sequence_take(pool, f, 2, &none), PC_INVALID_ARG); /* NULL first */
  CHECK_STATUS(pc_future_spawn(pool, 8, fill_pattern, &eight, count_free, &f[0]), PC_OK);
  CHECK_STATUS(pc_future_sequence_take(pool, f, 1, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_sequence_take(pool, NULL, 1, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_sequence_take(pool, NULL, 0, &none), PC_OK); /* no futures: done, 0 bytes */
  CHECK_STATUS(pc_future_wait(none, NULL, 0), PC_OK);
  CHECK(pc_future_elem_size(none) == 0);
  pc_future_free(none);
  CHECK_STATUS(pc_executor_shutdown(pool), PC_OK); /* runs what was submitted */
  pc_executor_free(pool);
  CHECK(atomic_load(&frees) == 8 + 6);
}

/* pc_future_map_take: chains from a promise's (boxed: reused) and a spawned handle, the size
 * changing, a message made before a take; an error frees handle and context (ASan, valgrind). */
static void map_take_chains_and_frees(void) {
  reset();
  const pc_executor *ec = pc_executor_global();
  int64_t two = 2, zero = 0, one = 1, got[2] = {0, 0};
  pc_future *f = NULL, *none = NULL;
  pc_promise *p = new_promise(sizeof(int64_t), &f);
  const pc_future *first = f;
  for (int k = 0; k < 10; k++)
    CHECK_STATUS(pc_future_map_take(f, ec, sizeof(int64_t), times, &two, count_free, &f), PC_OK);
  CHECK(f == first);
  CHECK_STATUS(pc_future_map_take(f, ec, 16, times, &two, count_free, &f), PC_OK);
  CHECK_STATUS(pc_promise_success(p, &one), PC_OK);
  pc_promise_free(p);
  CHECK_STATUS(pc_future_wait(f, got, PC_FOREVER), PC_OK);
  CHECK(pc_future_elem_size(f) == 16 && got[0] == 2048 && got[1] == 0);
  CHECK_STATUS(pc_future_map_take(f, ec, 8, times, &zero, count_free, &f), PC_OK);
  const char *msg = NULL;
  char kept[64] = "";
  CHECK_STATUS(pc_future_wait(f, NULL, PC_FOREVER), PC_FAILED);
  CHECK_STATUS(pc_future_failure(f, NULL, &msg), PC_OK); /* valid until the take */
  snprintf(kept, sizeof kept, "%s", msg);
  CHECK_STATUS(pc_future_map_take(f, ec, 8, times, &two, count_free, &f), PC_OK);
  CHECK_STATUS(pc_future_wait(f, NULL, PC_FOREVER), PC_FAILED); /* passed through */
  CHECK_STATUS(pc_future_failure(f, NULL, &msg), PC_OK);
  CHECK(strcmp(kept, msg) == 0 && strstr(msg, "42") != NULL);
  pc_future_free(f);
  CHECK(atomic_load(&calls) == 12 && atomic_load(&frees) == 13);
  CHECK_STATUS(pc_future_spawn(ec, sizeof(int64_t), make_seven, NULL, count_free, &f), PC_OK);
  CHECK_STATUS(pc_future_map_take(f, ec, sizeof(int64_t), times, &two, count_free, &f), PC_OK);
  CHECK(wait_value(f) == 14);
  CHECK_STATUS(pc_future_map_take(f, NULL, 8, times, &two, count_free, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_spawn(ec, 8, make_seven, NULL, NULL, &f), PC_OK);
  CHECK_STATUS(pc_future_map_take(f, ec, 8, NULL, &two, count_free, &none), PC_INVALID_ARG);
  pc_promise_free(new_promise(8, &f));
  CHECK_STATUS(pc_future_map_take(f, ec, 8, times, &two, count_free, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_future_map_take(NULL, ec, 8, times, &two, count_free, &none), PC_INVALID_ARG);
  CHECK(none == NULL && atomic_load(&frees) == 13 + 2 + 4);
}

int main(void) {
  RUN(promise_completes_once);
  RUN(map_runs_once_and_failures_pass);
  RUN(callbacks_and_combinators);
  RUN(cancel_and_timeout);
  RUN(spawn_and_submit_many);
  RUN(spawned_handles_of_every_size);
  RUN(zip_and_sequence_of_every_size);
  RUN(sequence_take_of_every_size);
  RUN(map_take_chains_and_frees);
  return 0;
}
