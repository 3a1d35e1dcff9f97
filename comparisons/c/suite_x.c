/* Suite X (execution models) of comparisons/WORKLOADS.md in C. X1: a
 * pc_thread_pool of W workers. X2: a pthread per request and a pool of
 * cores pthreads, each blocking on its answer, and a pc_thread_pool of
 * cores workers where the answer's pc_future_on_complete callback does the
 * CPU work (work.h); the simulated service (service.c) is one timer thread
 * with a deadline heap that completes a pc_promise. X3: Q pthreads or Q
 * pc_promise callbacks, each parked on its own promise, with memory per task
 * from a fresh child process (this program run as `bench --x3-child MODEL
 * --parked Q`).
 * harness.c times the runs and prints the lines. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <polyconc.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "service.h"
#include "work.h"

extern char **environ;

static const char *const WORKLOADS[] = {"X1", "X2", "X3"};
enum { N_WORKLOADS = 3, MAX_POOL_SIZES = 16 };

/* The models, as the lines name them: impl, via, kind. */
typedef enum { POOL, PER_REQUEST, BLOCKING_POOL, CALLBACKS, THREADS, PROMISES } model;
static const struct {
  const char *impl, *via, *kind;
} MODELS[] = {
    [POOL] = {"core.ThreadPool", "c-abi", "pool"},
    [PER_REQUEST] = {"pthread-per-request", "native", "thread-per-request"},
    [BLOCKING_POOL] = {"pthread-pool", "native", "blocking-pool"},
    [CALLBACKS] = {"core.on_complete", "c-abi", "callback-pool"},
    [THREADS] = {"pthreads", "native", "thread-per-request"},
    [PROMISES] = {"core.Promise", "c-abi", "promise"},
};

typedef struct {
  const char *workload;
  model model;
  int threads;             /* X1: the pool's workers; X2: the model's OS threads */
  int64_t n;               /* X1: tasks; X2: requests; X3: parked tasks */
  int64_t steps;           /* the CPU work's steps (X1, X2) */
  int64_t latency_ms;      /* X2's D */
} config;
_Static_assert(sizeof(config) <= sizeof(((bench_config *)0)->data), "config fits bench_config");

static int cores(void) { return (int)sysconf(_SC_NPROCESSORS_ONLN); }

/* Why the last run failed (a static text or `why`), set by any thread. */
static _Atomic(const char *) run_error = NULL;
static char why[192];

static void note_error(const char *what) {
  const char *none = NULL;
  atomic_compare_exchange_strong(&run_error, &none, what);
}

static const char *failed(const char *call, pc_status s) {
  snprintf(why, sizeof why, "%s: %s", call, pc_status_str(s));
  return why;
}

/* ---- X1 and X2: tasks 1..n, each writing its result to its own slot. ---- */

typedef struct {
  const config *c;
  uint64_t *values; /* task i's result at values[i - 1] */
  pc_latch *done;   /* counted down by each task once its value is written */
  service service;  /* X2 */
  _Atomic int64_t next; /* the blocking pool's next request, 0-based */
} batch;

typedef struct {
  batch *b;
  int64_t i; /* 1..n */
} task;

static void finish(task *t) {
  t->b->values[t->i - 1] = cpu_work((uint64_t)t->i, t->b->c->steps);
  pc_latch_count_down(t->b->done);
}

/* X1's task on the pool. */
static void compute(void *ctx) { finish(ctx); }

/* Takes the next request and serves it, blocking until the service
 * answers; false once there is none left. */
static bool serve_next(task *tasks) {
  batch *b = tasks[0].b;
  int64_t i = atomic_fetch_add(&b->next, 1);
  if (i >= b->c->n) return false;
  pc_future *answer = NULL;
  pc_status s = service_call(&b->service, &answer);
  if (s == PC_OK) s = pc_future_wait(answer, NULL, PC_FOREVER);
  pc_future_free(answer);
  if (s != PC_OK) note_error("a blocking request's call failed");
  finish(&tasks[i]);
  return true;
}

static void *request_thread(void *tasks) {
  serve_next(tasks);
  return NULL;
}

static void *pool_worker(void *tasks) {
  while (serve_next(tasks)) {
  }
  return NULL;
}

/* The callback model: the answer's callback runs the CPU work on the pool. */
static void answered(const void *value, int32_t code, const char *message, void *ctx) {
  (void)value;
  (void)message;
  if (code != 0) note_error("a callback's answer failed");
  finish(ctx);
}

/* Starts `count` pthreads running fn(tasks); returns how many started. */
static int64_t start_threads(pthread_t *ids, int64_t count, void *(*fn)(void *), task *tasks) {
  for (int64_t k = 0; k < count; k++) {
    int e = pthread_create(&ids[k], NULL, fn, tasks);
    if (e != 0) {
      snprintf(why, sizeof why, "cannot start pthread %" PRId64 " of %" PRId64 ": %s", k + 1,
               count, strerror(e));
      note_error(why);
      return k;
    }
  }
  return count;
}

/* The body of an X1 or X2 run, from submitting the tasks to their sum. */
static void serve(batch *b, task *tasks, pc_executor *pool) {
  const config *c = b->c;
  int64_t n = c->n, threads = c->model == PER_REQUEST ? n : c->threads, started = 0;
  pthread_t *ids = NULL;
  if (c->model == PER_REQUEST || c->model == BLOCKING_POOL) {
    ids = calloc((size_t)threads, sizeof *ids);
    if (ids == NULL) {
      note_error("out of memory for the threads");
    } else {
      started = start_threads(ids, threads, c->model == PER_REQUEST ? request_thread : pool_worker,
                              tasks);
    }
  }
  for (int64_t k = 0; k < n && pool != NULL; k++) {
    pc_future *answer = NULL;
    pc_status s = c->model == POOL ? pc_executor_submit(pool, compute, &tasks[k], NULL)
                                   : service_call(&b->service, &answer);
    if (s == PC_OK && answer != NULL) {
      s = pc_future_on_complete(answer, pool, answered, &tasks[k], NULL);
      pc_future_free(answer);
    }
    if (s != PC_OK) {
      note_error(failed(c->model == POOL ? "pc_executor_submit" : "a callback's call", s));
      break;
    }
  }
  /* A failed start or submit leaves the latch short: waiting would hang. */
  if (atomic_load(&run_error) == NULL) pc_latch_wait(b->done, PC_FOREVER);
  if (ids != NULL && started < threads) atomic_store(&b->next, n); /* short of threads: stop */
  for (int64_t k = 0; k < started; k++) pthread_join(ids[k], NULL);
  free(ids);
}

static const char *run_batch(const config *c, bench_outcome *out) {
  batch b = {.c = c, .values = calloc((size_t)c->n, sizeof(uint64_t))};
  task *tasks = calloc((size_t)c->n, sizeof *tasks);
  if (b.values == NULL || tasks == NULL) {
    free(b.values);
    free(tasks);
    return "out of memory for the tasks";
  }
  for (int64_t k = 0; k < c->n; k++) tasks[k] = (task){&b, k + 1};
  pc_executor *pool = NULL;
  pc_status s = pc_latch_new((size_t)c->n, &b.done);
  if (s == PC_OK && (c->model == POOL || c->model == CALLBACKS))
    s = pc_thread_pool_new((size_t)c->threads, &pool);
  const char *err = s != PC_OK ? failed("pc_latch_new or pc_thread_pool_new", s)
                    : c->model != POOL ? service_start(&b.service, c->n, c->latency_ms)
                                       : NULL;
  if (err == NULL) {
    double t0 = bench_now_ns();
    serve(&b, tasks, pool);
    out->ns = bench_now_ns() - t0;
    uint64_t sum = 0;
    for (int64_t k = 0; k < c->n; k++) sum += b.values[k];
    out->result = (int64_t)sum;
    if (pool != NULL && (s = pc_executor_shutdown(pool)) != PC_OK)
      note_error(failed("pc_executor_shutdown", s));
    const char *stopped = c->model != POOL ? service_stop(&b.service) : NULL;
    if (stopped != NULL) note_error(stopped);
    err = atomic_exchange(&run_error, NULL);
  }
  pc_executor_free(pool);
  pc_latch_free(b.done);
  free(b.values);
  free(tasks);
  return err;
}

/* ---- X3: Q tasks, each parked on its own promise. ---- */

typedef struct parked parked;

typedef struct {
  parked *p;
  pc_future *gate;
} waiter;

struct parked {
  bool threads;           /* pthreads, or callbacks on the promises' futures */
  int64_t q, made, started; /* gates made; tasks started (threads, callbacks registered) */
  pc_promise **gates;
  waiter *waiters;
  pthread_t *ids;
  pc_latch *running; /* threads: counted down by each before it waits */
  pc_latch *done;    /* callbacks: counted down by each once it ran */
  _Atomic int64_t sum;
};

static void *parked_thread(void *arg) {
  waiter *w = arg;
  pc_latch_count_down(w->p->running);
  int64_t v = 0;
  if (pc_future_wait(w->gate, &v, PC_FOREVER) != PC_OK) note_error("a parked thread's wait failed");
  pc_future_free(w->gate);
  atomic_fetch_add(&w->p->sum, v);
  return NULL;
}

static void parked_callback(const void *value, int32_t code, const char *message, void *ctx) {
  (void)message;
  parked *p = ctx;
  int64_t v = 0;
  if (code == 0)
    memcpy(&v, value, sizeof v);
  else
    note_error("a parked promise failed");
  atomic_fetch_add(&p->sum, v);
  pc_latch_count_down(p->done);
}

/* Completes gate i with i + 1, for every gate made, and waits for their
 * tasks; returns what the tasks added up. */
static int64_t release_and_join(parked *p) {
  for (int64_t i = 0; i < p->made; i++) {
    int64_t v = i + 1;
    if (pc_promise_success(p->gates[i], &v) != PC_OK) note_error("a release failed");
  }
  if (p->threads)
    for (int64_t i = 0; i < p->started; i++) pthread_join(p->ids[i], NULL);
  else
    pc_latch_wait(p->done, PC_FOREVER);
  return atomic_load(&p->sum);
}

static void unpark(parked *p) {
  for (int64_t i = 0; i < p->made; i++) pc_promise_free(p->gates[i]);
  pc_latch_free(p->running);
  pc_latch_free(p->done);
  free(p->gates);
  free(p->waiters);
  free(p->ids);
}

/* Starts Q parked tasks and returns once all have started; NULL, or why
 * not (the ones started are released, joined and freed). */
static const char *park(parked *p, bool threads, int64_t q) {
  *p = (parked){.threads = threads, .q = q};
  p->gates = calloc((size_t)q, sizeof *p->gates);
  p->waiters = calloc((size_t)q, sizeof *p->waiters);
  p->ids = threads ? calloc((size_t)q, sizeof *p->ids) : NULL;
  const char *err = p->gates == NULL || p->waiters == NULL || (threads && p->ids == NULL)
                        ? "out of memory for the parked tasks"
                        : NULL;
  pc_status s = err ? PC_OK : pc_latch_new((size_t)q, threads ? &p->running : &p->done);
  if (s != PC_OK) err = failed("pc_latch_new", s);
  for (; p->made < q && err == NULL; p->made++) {
    waiter *w = &p->waiters[p->made];
    w->p = p;
    if ((s = pc_promise_new(sizeof(int64_t), &p->gates[p->made])) != PC_OK) {
      err = failed("pc_promise_new", s);
      break;
    }
    if ((s = pc_promise_future(p->gates[p->made], &w->gate)) != PC_OK) {
      err = failed("pc_promise_future", s);
    } else if (!threads) {
      s = pc_future_on_complete(w->gate, pc_executor_global(), parked_callback, p, NULL);
      pc_future_free(w->gate);
      if (s == PC_OK)
        p->started++;
      else
        err = failed("pc_future_on_complete", s);
    } else {
      int e = pthread_create(&p->ids[p->made], NULL, parked_thread, w);
      if (e == 0) {
        p->started++;
      } else {
        pc_future_free(w->gate);
        snprintf(why, sizeof why, "cannot start pthread %" PRId64 " of %" PRId64 ": %s",
                 p->made + 1, q, strerror(e));
        err = why;
      }
    }
  }
  if (err == NULL && threads) pc_latch_wait(p->running, PC_FOREVER);
  if (err != NULL) {
    if (p->done != NULL) /* the callbacks never registered will not count down */
      for (int64_t i = p->started; i < q; i++) pc_latch_count_down(p->done);
    release_and_join(p);
    unpark(p);
  }
  return err;
}

static const char *run_parked(const config *c, bench_outcome *out) {
  parked p;
  double t0 = bench_now_ns();
  const char *err = park(&p, c->model == THREADS, c->n);
  if (err != NULL) return err;
  out->result = release_and_join(&p);
  out->ns = bench_now_ns() - t0;
  unpark(&p);
  return atomic_exchange(&run_error, NULL);
}

/* /proc/self/status's fields (kB) `a` and `b`, in bytes. */
static bool vm_status(const char *a, const char *b, double *va, double *vb) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return false;
  char line[256];
  int found = 0;
  size_t la = strlen(a), lb = strlen(b);
  while (fgets(line, sizeof line, f) != NULL) {
    long kb;
    if (strncmp(line, a, la) == 0 && line[la] == ':' && sscanf(line + la + 1, "%ld", &kb) == 1) {
      *va = (double)kb * 1024;
      found |= 1;
    } else if (strncmp(line, b, lb) == 0 && line[lb] == ':' &&
               sscanf(line + lb + 1, "%ld", &kb) == 1) {
      *vb = (double)kb * 1024;
      found |= 2;
    }
  }
  fclose(f);
  return found == 3;
}

static int32_t nothing(void *out, void *ctx) {
  (void)out;
  (void)ctx;
  return 0;
}

int suite_x_child(int argc, char **argv) {
  long long q = 0;
  bool threads = argc == 3 && strcmp(argv[0], MODELS[THREADS].impl) == 0;
  if (argc != 3 || (!threads && strcmp(argv[0], MODELS[PROMISES].impl) != 0) ||
      strcmp(argv[1], "--parked") != 0 || sscanf(argv[2], "%lld", &q) != 1 || q < 1) {
    fprintf(stderr, "bench: usage: bench --x3-child pthreads|core.Promise --parked Q\n");
    return 2;
  }
  /* One malloc arena: otherwise the first allocation of a thread (a parked
   * one, a pool worker starting late) reserves a 64 MiB arena of its own,
   * address space of the allocator's that no task asked for. */
  mallopt(M_ARENA_MAX, 1);
  if (!threads) { /* the callbacks' pool runs already, as in the parent's runs */
    pc_future *started;
    if (pc_future_spawn(pc_executor_global(), 0, nothing, NULL, NULL, &started) == PC_OK) {
      pc_future_wait(started, NULL, PC_FOREVER);
      pc_future_free(started);
    }
  }
  double rss = 0, size = 0, hwm = 0, peak = 0;
  if (!vm_status("VmRSS", "VmSize", &rss, &size)) {
    fprintf(stderr, "bench: x3 child: /proc/self/status has no VmRSS or VmSize\n");
    return 1;
  }
  parked p;
  const char *err = park(&p, threads, q);
  if (err == NULL && !vm_status("VmHWM", "VmPeak", &hwm, &peak))
    err = "/proc/self/status has no VmHWM or VmPeak";
  if (err == NULL) {
    int64_t sum = release_and_join(&p);
    unpark(&p);
    if ((err = atomic_exchange(&run_error, NULL)) == NULL && sum != q * (q + 1) / 2)
      err = "the parked tasks' sum is wrong";
  }
  if (err != NULL) {
    fprintf(stderr, "bench: x3 child %s: cannot park %lld tasks: %s\n", argv[0], q, err);
    return 1;
  }
  printf("\"rss_per_task_b\": %.1f, \"vm_per_task_b\": %.1f, ", (hwm - rss) / (double)q,
         (peak - size) / (double)q);
  return 0;
}

/* X3's memory per task: this program again, as a fresh child process. */
static const char *child_memory(const bench_config *bc, char *json, size_t n) {
  const config *c = (const config *)bc->data.bytes;
  char q[32];
  snprintf(q, sizeof q, "%" PRId64, c->n);
  char *argv[] = {"bench", "--x3-child", (char *)MODELS[c->model].impl, "--parked", q, NULL};
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  pid_t pid;
  int e = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  size_t len = 0;
  for (ssize_t got; e == 0 && len + 1 < n; len += (size_t)got)
    if ((got = read(fds[0], json + len, n - 1 - len)) <= 0) break;
  json[len] = '\0';
  close(fds[0]);
  int status = 0;
  if (e != 0) {
    snprintf(why, sizeof why, "cannot start the X3 child process: %s", strerror(e));
    return why;
  }
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  double rss, vm;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "the X3 child process failed";
  if (sscanf(json, "\"rss_per_task_b\": %lf, \"vm_per_task_b\": %lf, ", &rss, &vm) != 2)
    return "the X3 child process printed no memory figures";
  return NULL;
}

static const char *run_once(const bench_config *bc, bench_outcome *out) {
  const config *c = (const config *)bc->data.bytes;
  return strcmp(c->workload, "X3") == 0 ? run_parked(c, out) : run_batch(c, out);
}

/* c as the harness measures it; `want` is the sum its runs must give. */
static bench_config describe(config c, int64_t want) {
  bench_config b = {.workload = c.workload, .impl = MODELS[c.model].impl,
                    .via = MODELS[c.model].via, .kind = MODELS[c.model].kind, .ops = c.n,
                    .want = want, .run = run_once};
  memcpy(b.data.bytes, &c, sizeof c);
  if (strcmp(c.workload, "X1") == 0) {
    b.unit = "ns/task";
    snprintf(b.label, sizeof b.label, "X1 %s W=%d tasks=%" PRId64, b.impl, c.threads, c.n);
    snprintf(b.params, sizeof b.params,
             "{\"workers\": %d, \"tasks\": %" PRId64 ", \"steps\": %" PRId64 "}", c.threads, c.n,
             c.steps);
  } else if (strcmp(c.workload, "X2") == 0) {
    b.unit = "ns/request";
    snprintf(b.label, sizeof b.label, "X2 %s requests=%" PRId64, b.impl, c.n);
    snprintf(b.params, sizeof b.params,
             "{\"requests\": %" PRId64 ", \"latency_ms\": %" PRId64 ", \"steps\": %" PRId64
             ", \"threads\": %" PRId64 "}",
             c.n, c.latency_ms, c.steps, c.model == PER_REQUEST ? c.n : (int64_t)c.threads);
  } else {
    b.unit = "ns/task";
    b.extra = child_memory;
    snprintf(b.label, sizeof b.label, "X3 %s tasks=%" PRId64, b.impl, c.n);
    snprintf(b.params, sizeof b.params, "{\"tasks\": %" PRId64 "}", c.n);
  }
  return b;
}

/* The sizes of --pool-sizes; returns how many (0 if one is not >= 1). */
static int pool_sizes(const char *list, int *out) {
  int n = 0;
  for (const char *p = list; *p && n < MAX_POOL_SIZES;) {
    char *end;
    long w = strtol(p, &end, 10);
    if (end == p || w < 1 || w > 4096 || (*end != ',' && *end != '\0')) return 0;
    out[n++] = (int)w;
    if (*end == '\0') break;
    p = end + 1;
  }
  return n;
}

/* The configurations of one workload, each sum computed once, here. */
static int configs(const char *w, const bench_params *p, bench_config *out, int max) {
  int64_t n = p->tasks / 10, q = p->parked;
  int count = 0;
  if (strcmp(w, "X1") == 0) {
    int sizes[MAX_POOL_SIZES];
    int64_t want = (int64_t)work_sum(n, X1_STEPS);
    for (int k = 0, m = pool_sizes(p->pool_sizes, sizes); k < m && count < max; k++)
      out[count++] = describe((config){"X1", POOL, sizes[k], n, X1_STEPS, 0}, want);
  } else if (strcmp(w, "X2") == 0) {
    const model models[] = {PER_REQUEST, BLOCKING_POOL, CALLBACKS};
    int64_t want = (int64_t)work_sum(n, X2_STEPS);
    for (int k = 0; k < 3 && count < max; k++)
      out[count++] =
          describe((config){"X2", models[k], cores(), n, X2_STEPS, p->latency_ms}, want);
  } else {
    const model models[] = {THREADS, PROMISES};
    for (int k = 0; k < 2 && count < max; k++)
      out[count++] = describe((config){"X3", models[k], 0, q, 0, 0}, q * (q + 1) / 2);
  }
  return count;
}

static const char *check(const bench_params *p) {
  int sizes[MAX_POOL_SIZES];
  if (p->tasks < 10) return "--tasks needs an integer >= 10 (X1 and X2 do tasks/10)";
  if (pool_sizes(p->pool_sizes, sizes) == 0)
    return "--pool-sizes needs a comma-separated list of sizes in 1..4096";
  if (p->latency_ms < 1) return "--latency-ms needs an integer >= 1";
  if (p->parked < 1) return "--parked needs an integer >= 1";
  return NULL;
}

const bench_suite suite_x = {
    "X",
    WORKLOADS,
    N_WORKLOADS,
    "core.ThreadPool,pthread-per-request,pthread-pool,core.on_complete,pthreads,core.Promise",
    check,
    configs};
