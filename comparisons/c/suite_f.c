/* Suite F (futures and promises) of comparisons/WORKLOADS.md in C, on
 * polyconc's pc_future / pc_promise through its C ABI (impl "core", via
 * "c-abi", kind "future"): F1 a chain of pc_future_map_take, F2 pc_future_spawn
 * + pc_future_sequence_take, F3 a fresh pc_promise per hop. Each runs on the
 * global executor (pc_executor_global) and on a pc_thread_pool of cores
 * workers ("fixed"), made before the clock starts and shut down after it
 * stops. harness.c times the runs and prints the lines. */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <polyconc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char *const WORKLOADS[] = {"F1", "F2", "F3"};
enum { N_WORKLOADS = 3, STAGES = 1000 };
static const char *const EXECUTORS[] = {"global", "fixed"};

typedef struct {
  const char *workload;
  int executor; /* index into EXECUTORS */
  int64_t n;    /* F1: chains; F2: tasks; F3: round trips */
} config;
_Static_assert(sizeof(config) <= sizeof(((bench_config *)0)->data), "config fits bench_config");

/* Why the last run failed: which call, with which status. */
static char why[160];

static const char *failed(const char *call, pc_status s) {
  snprintf(why, sizeof why, "%s: %s", call, pc_status_str(s));
  return why;
}

/* A promise of `size` bytes and a handle to its future. */
static pc_status new_promise(size_t size, pc_promise **p, pc_future **f) {
  pc_status s = pc_promise_new(size, p);
  if (s != PC_OK) return s;
  s = pc_promise_future(*p, f);
  if (s != PC_OK) pc_promise_free(*p);
  return s;
}

static int32_t add_one(const void *value, void *out, void *ctx) {
  (void)ctx;
  int64_t x;
  memcpy(&x, value, sizeof x);
  x++;
  memcpy(out, &x, sizeof x);
  return 0;
}

/* F1: `chains` times, STAGES maps of x + 1 from a completed future of 0. */
static const char *chain(const pc_executor *ec, int64_t chains, int64_t *result) {
  for (int64_t c = 0; c < chains; c++) {
    pc_promise *start;
    pc_future *f;
    int64_t v = 0;
    pc_status s = new_promise(sizeof v, &start, &f);
    if (s != PC_OK) return failed("pc_promise_new", s);
    s = pc_promise_success(start, &v);
    pc_promise_free(start);
    /* Each stage takes the handle of the one before over (Rust's
     * `f = f.map(..)`): pc_future_map and pc_future_free in one call, the
     * handle's memory reused (callgrind: 1,065 instructions per stage
     * before, all threads, 1,030 with it; Rust 898). */
    for (int k = 0; k < STAGES && s == PC_OK; k++) {
      s = pc_future_map_take(f, ec, sizeof v, add_one, NULL, NULL, &f);
      if (s != PC_OK) f = NULL;
    }
    if (s == PC_OK) s = pc_future_wait(f, &v, PC_FOREVER);
    pc_future_free(f);
    if (s != PC_OK) return failed("F1's chain", s);
    *result += v;
  }
  return NULL;
}

static int32_t task_number(void *out, void *ctx) {
  int64_t i = (int64_t)(intptr_t)ctx;
  memcpy(out, &i, sizeof i);
  return 0;
}

/* F2: tasks 1..n each return their number; one sequence of them all. */
static const char *fanout(const pc_executor *ec, int64_t n, int64_t *result) {
  /* malloc, not calloc, as Rust's Vec::with_capacity: zeroing the two
   * arrays was 8 instructions per task of memset (callgrind). Only the
   * `made` handles spawned are read and freed; `values` is read only once
   * pc_future_wait has written all of it. */
  pc_future **tasks = malloc((size_t)n * sizeof *tasks);
  int64_t *values = malloc((size_t)n * sizeof *values);
  pc_status s = tasks != NULL && values != NULL ? PC_OK : PC_NO_MEMORY;
  int64_t made = 0;
  while (made < n && s == PC_OK) {
    s = pc_future_spawn(ec, sizeof(int64_t), task_number, (void *)(intptr_t)(made + 1), NULL,
                        &tasks[made]);
    if (s == PC_OK) made++;
  }
  /* The sequence takes the handles over (and frees them), as a program
   * that needs them no more would have it: no reference counted up per
   * task by the sequence and down again by a pc_future_free. */
  pc_future *all = NULL;
  if (s == PC_OK) {
    s = pc_future_sequence_take(ec, tasks, (size_t)n, &all);
  } else {
    for (int64_t i = 0; i < made; i++) pc_future_free(tasks[i]);
  }
  if (s == PC_OK) s = pc_future_wait(all, values, PC_FOREVER);
  pc_future_free(all);
  for (int64_t i = 0; i < n && s == PC_OK; i++) *result += values[i];
  free(tasks);
  free(values);
  return s == PC_OK ? NULL : failed("F2's fanout", s);
}

/* F3's message: the counter and the fresh promise the answer goes to. */
typedef struct {
  int64_t value;
  pc_promise *reply;
} hop;

typedef struct {
  pc_future *inbox; /* the peer's first inbox */
  int64_t round_trips;
} peer_args;

/* F3's other side, a task on the executor: waits for each hop, adds 1 and
 * answers on the hop's promise, with a fresh promise for its next inbox. */
static int32_t peer(void *out, void *ctx) {
  (void)out;
  peer_args *a = ctx;
  pc_future *inbox = a->inbox;
  pc_status s = PC_OK;
  for (int64_t k = 0; k < a->round_trips && s == PC_OK; k++) {
    hop got;
    s = pc_future_wait(inbox, &got, PC_FOREVER);
    pc_future_free(inbox);
    inbox = NULL;
    if (s != PC_OK) break;
    hop back = {got.value + 1, NULL};
    s = new_promise(sizeof(hop), &back.reply, &inbox);
    if (s == PC_OK) s = pc_promise_success(got.reply, &back);
    pc_promise_free(got.reply);
  }
  pc_future_free(inbox); /* the inbox of a hop that never comes */
  return s;
}

/* F3: the caller and a task on the executor pass a counter r times back
 * and forth, each hop through a fresh promise made by the side that waits. */
static const char *handoff(const pc_executor *ec, int64_t r, int64_t *result) {
  pc_promise *inbox;
  peer_args a = {NULL, r};
  pc_status s = new_promise(sizeof(hop), &inbox, &a.inbox);
  if (s != PC_OK) return failed("pc_promise_new", s);
  pc_future *done;
  s = pc_future_spawn(ec, 0, peer, &a, NULL, &done);
  if (s != PC_OK) {
    pc_future_free(a.inbox);
    pc_promise_free(inbox);
    return failed("pc_future_spawn", s);
  }
  int64_t v = 0;
  for (int64_t k = 0; k < r && s == PC_OK; k++) {
    pc_future *answer;
    hop send = {v, NULL}, got;
    s = new_promise(sizeof(hop), &send.reply, &answer);
    if (s != PC_OK) break;
    s = pc_promise_success(inbox, &send);
    pc_promise_free(inbox);
    inbox = NULL;
    if (s == PC_OK) s = pc_future_wait(answer, &got, PC_FOREVER);
    pc_future_free(answer);
    if (s != PC_OK) break;
    v = got.value + 1;
    inbox = got.reply;
  }
  /* After a failure the peer may still wait: fail its inbox to end it. */
  if (s != PC_OK && inbox != NULL) pc_promise_failure(inbox, PC_CANCELLED, "the caller failed");
  pc_promise_free(inbox);
  pc_status peer_s = pc_future_wait(done, NULL, PC_FOREVER);
  pc_future_free(done);
  if (s != PC_OK) return failed("F3's caller", s);
  if (peer_s != PC_OK) return failed("F3's peer", peer_s);
  *result = v;
  return NULL;
}

static bool is(const config *c, const char *w) { return strcmp(c->workload, w) == 0; }

/* A fixed pool is made before the run's CPU time is read and its clock
 * starts, and shut down inside the run after the clock stops, as the Rust
 * program does: its threads' start is not in the figure. */
static const char *prepare(const bench_config *bc, bench_outcome *out) {
  const config *c = (const config *)bc->data.bytes;
  if (c->executor != 1) return NULL;
  pc_executor *pool;
  pc_status s = pc_thread_pool_new((size_t)sysconf(_SC_NPROCESSORS_ONLN), &pool);
  if (s != PC_OK) return failed("pc_thread_pool_new", s);
  out->prepared = pool;
  return NULL;
}

static const char *run_once(const bench_config *bc, bench_outcome *out) {
  const config *c = (const config *)bc->data.bytes;
  pc_executor *pool = out->prepared;
  const pc_executor *ec = pool != NULL ? pool : pc_executor_global();
  out->result = 0;
  double t0 = bench_now_ns();
  const char *err = is(c, "F1")   ? chain(ec, c->n, &out->result)
                    : is(c, "F2") ? fanout(ec, c->n, &out->result)
                                  : handoff(ec, c->n, &out->result);
  out->ns = bench_now_ns() - t0;
  if (pool != NULL) {
    pc_status s = pc_executor_shutdown(pool);
    pc_executor_free(pool);
    if (err == NULL && s != PC_OK) err = failed("pc_executor_shutdown", s);
  }
  return err;
}

static bench_config describe(const char *w, int executor, int64_t tasks) {
  int64_t chains = tasks / STAGES > 0 ? tasks / STAGES : 1;
  bool f1 = strcmp(w, "F1") == 0, f2 = strcmp(w, "F2") == 0;
  config c = {w, executor, f1 ? chains : f2 ? tasks : tasks / 10};
  bench_config b = {.workload = w, .impl = "core", .via = "c-abi", .kind = "future",
                    .prepare = prepare, .run = run_once};
  memcpy(b.data.bytes, &c, sizeof c);
  const char *ex = EXECUTORS[executor];
  snprintf(b.label, sizeof b.label, "%s core %s", w, ex);
  if (f1) {
    b.unit = "ns/stage";
    b.ops = b.want = chains * STAGES;
    snprintf(b.params, sizeof b.params,
             "{\"executor\": \"%s\", \"tasks\": %" PRId64 ", \"chains\": %" PRId64
             ", \"stages\": %d}",
             ex, tasks, chains, STAGES);
  } else if (f2) {
    b.unit = "ns/task";
    b.ops = tasks;
    b.want = tasks * (tasks + 1) / 2;
    snprintf(b.params, sizeof b.params, "{\"executor\": \"%s\", \"tasks\": %" PRId64 "}", ex,
             tasks);
  } else {
    b.unit = "ns/roundtrip";
    b.ops = c.n;
    b.want = 2 * c.n;
    snprintf(b.params, sizeof b.params, "{\"executor\": \"%s\", \"round_trips\": %" PRId64 "}",
             ex, c.n);
  }
  return b;
}

static int configs(const char *w, const bench_params *p, bench_config *out, int max) {
  int n = 0;
  for (int e = 0; e < 2 && n < max; e++) out[n++] = describe(w, e, p->tasks);
  return n;
}

static const char *check(const bench_params *p) {
  return p->tasks < 10 ? "--tasks needs an integer >= 10 (F3 does tasks/10 round trips)" : NULL;
}

const bench_suite suite_f = {"F", WORKLOADS, N_WORKLOADS, "core", check, configs};
