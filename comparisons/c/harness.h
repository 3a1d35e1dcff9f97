/* The harness of the C benchmark program (WORKLOADS.md, "Program
 * interface"): harness.c reads the flags, does the warm-up and measured runs,
 * reads getrusage and prints the JSON lines; each suite is a file
 * suite_<s>.c that fills in a bench_suite, listed in harness.c's SUITES. */
#ifndef POLYCONC_COMPARE_HARNESS_H
#define POLYCONC_COMPARE_HARNESS_H

#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The values of the Modes table's flags (0 or "" when not given); a suite
 * uses the ones it needs. Lists (T, W) stay comma-separated text. */
typedef struct {
  int64_t messages;       /* M, --messages */
  int64_t ops;            /* K, --ops */
  const char *threads;    /* T, --threads */
  int64_t tasks;          /* N, --tasks */
  const char *pool_sizes; /* W, --pool-sizes */
  int64_t latency_ms;     /* D, --latency-ms */
  int64_t parked;         /* Q, --parked */
  int64_t work;           /* I, --work */
  int64_t window_ms;      /* S, --window-ms */
  int64_t handoff_messages; /* M0, --handoff-messages (M where 0): capacities 0 and 1 */
  int64_t handoff_ops;      /* K0, --handoff-ops: a fair lock's K (none here: accepted) */
} bench_params;

/* What one run reports to the harness. */
typedef struct {
  int64_t result; /* what it computed: a sum, a counter */
  double ns;      /* elapsed time of its measured part */
  /* A window run's per-thread counts (L2f, L3f), NULL otherwise; they stay
   * valid until the next run. */
  const int64_t *counts;
  int n_counts;
  /* What `check` needs of the run besides the result (L3's state). */
  uint64_t state;
  /* What `prepare` made for the run (F's fixed pool), NULL without; the run
   * frees it. */
  void *prepared;
} bench_outcome;

/* One measured configuration, filled in by its suite. */
typedef struct bench_config bench_config;
struct bench_config {
  const char *workload;
  const char *impl, *via, *kind; /* kind: one of the suite's kinds in WORKLOADS.md */
  const char *unit;
  char label[128];  /* progress and error lines */
  char params[256]; /* the line's "params" JSON object */
  int64_t ops;      /* operations per run: the figure is elapsed ns / ops */
  int64_t want;     /* the result every run must give */
  /* A window run: instead of checking want, the harness checks that the
   * per-thread counts add up to the result (the counter), divides by the
   * result and prints their fairness index. */
  bool windowed;
  /* NULL, or what a run needs made before its CPU time is read and its
   * clock starts (F's fixed pool, whose threads start there), as the Rust
   * program's bodies are prepared: sets out->prepared; returns NULL, or why
   * it could not. */
  const char *(*prepare)(const bench_config *c, bench_outcome *out);
  /* One run: fills *out; returns NULL, or why a call inside the run failed. */
  const char *(*run)(const bench_config *c, bench_outcome *out);
  /* NULL, or a check of a run's outcome that costs as much as the run (L3
   * recomputes its state): called after the run's CPU time is read, so
   * that it is not counted, as the Rust program computes it outside its
   * measured part. Returns NULL, or what is wrong. */
  const char *(*check)(const bench_config *c, const bench_outcome *out);
  /* NULL, or what the line adds, measured once after the runs (X3's memory
   * per task): writes JSON members, each followed by ", ", to json[0..n);
   * returns NULL, or why it could not (the configuration then fails). */
  const char *(*extra)(const bench_config *c, char *json, size_t n);
  /* The suite's own description of the configuration. */
  union {
    max_align_t align;
    unsigned char bytes[64];
  } data;
};

typedef struct {
  const char *id;
  const char *const *workloads; /* in output order */
  int n_workloads;
  const char *impls; /* comma-separated */
  /* Why the parameters cannot run this suite, or NULL. */
  const char *(*check)(const bench_params *p);
  /* Fills out[0..max) with the configurations of one workload; returns how many. */
  int (*configs)(const char *workload, const bench_params *p, bench_config *out, int max);
} bench_suite;

extern const bench_suite suite_c;
extern const bench_suite suite_l;
extern const bench_suite suite_f;
extern const bench_suite suite_x;

/* X3's fresh child process (suite_x.c): `bench --x3-child MODEL --parked Q`
 * with argv after "--x3-child"; returns the exit status. */
int suite_x_child(int argc, char **argv);

/* CLOCK_MONOTONIC in nanoseconds: the runs' clock. */
double bench_now_ns(void);

/* The stack of every thread a run starts: 2 MiB, the Rust program's (the
 * default of std::thread). glibc's default is 8 MiB, and 8 threads of that
 * overflow its 40 MiB cache of freed stacks: some were unmapped at a join
 * and mapped afresh by the next run, inside its timed part (6-10 page
 * faults per run at suite L's T = 8, none for Rust). */
enum { BENCH_THREAD_STACK = 2 * 1024 * 1024 };

/* pthread_create of fn(arg) with a BENCH_THREAD_STACK stack; returns its
 * error (0 on success). */
int bench_start_thread(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
