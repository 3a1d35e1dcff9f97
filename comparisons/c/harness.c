/* The harness of the C benchmark program: flags, warm-up and measured runs,
 * context switches, JSON lines (see harness.h). Exit status: 2 for bad
 * flags, 1 if any configuration failed its check (or a call inside a run
 * failed), else 0. */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <polyconc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Every suite this program has. */
static const bench_suite *const SUITES[] = {&suite_c, &suite_l, &suite_f, &suite_x};
/* Configurations of one workload: suite L has 5 locks at up to 8 thread counts. */
enum { MAX_CONFIGS = 48 };
/* The values --capacities chooses from: C2-C4's capacities in WORKLOADS.md,
 * spelt as the lines' "capacity" param. */
static const char FLOW_CAPACITIES[] = "0,1,1024,unbounded";

static bool in_list(const char *list, const char *item, size_t n) {
  for (const char *p = list; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, item, n) == 0) return true;
    if (!end) break;
    p = end + 1;
  }
  return false;
}

/* The first item of `list` that `known` lacks, or NULL; *len is its length. */
static const char *unknown_item(const char *list, const char *known, size_t *len) {
  for (const char *p = list; *p;) {
    const char *end = strchr(p, ',');
    *len = end ? (size_t)(end - p) : strlen(p);
    if (*len > 0 && !in_list(known, p, *len)) return p;
    if (!end) break;
    p = end + 1;
  }
  return NULL;
}

/* Whether --capacities (NULL: all) lets c run: it chooses among the
 * capacities of C2-C4 only. The capacity is read from the line's params,
 * which every suite C configuration writes as the schema says
 * ("capacity": 1024 or "capacity": "unbounded"), so the suites need no field
 * of their own for it. */
static bool capacity_chosen(const char *capacities, const bench_config *c) {
  bool flow = strcmp(c->workload, "C2") == 0 || strcmp(c->workload, "C3") == 0 ||
              strcmp(c->workload, "C4") == 0;
  if (capacities == NULL || !flow) return true;
  const char *key = "\"capacity\": ";
  const char *v = strstr(c->params, key);
  if (v == NULL) return false;
  v += strlen(key);
  if (*v == '"') v++;
  size_t n = strcspn(v, "\",} ");
  return in_list(capacities, v, n);
}

static int usage(const char *msg, const char *arg) {
  fprintf(stderr, "bench: %s%s\n", msg, arg ? arg : "");
  fprintf(stderr,
          "usage: bench --suite S --runs R --warmup W [--messages M] [--handoff-messages M0] [--ops K] [--handoff-ops K0] [--threads T] "
          "[--tasks N] [--pool-sizes W] [--latency-ms D] [--parked Q] [--work I] [--window-ms S] [--workloads a,b] "
          "[--impls a,b] [--capacities a,b]\n"
          "--capacities: only these capacities of C2-C4 run (0, 1, 1024, unbounded; default all); "
          "C1, C5, C6 and the other suites ignore it\n");
  return 2;
}

static bool parse_int(const char *s, long long min, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *s == '\0' || *end != '\0' || v < min) return false;
  *out = v;
  return true;
}

/* What getrusage says of the process so far: its context switches and its
 * user + system CPU time. */
typedef struct {
  long switches;
  double cpu_ns;
} proc_usage;

static double timeval_ns(struct timeval t) {
  return (double)t.tv_sec * 1e9 + (double)t.tv_usec * 1e3;
}

static proc_usage usage_now(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (proc_usage){ru.ru_nvcsw + ru.ru_nivcsw, timeval_ns(ru.ru_utime) + timeval_ns(ru.ru_stime)};
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median of xs[0..n), which it sorts. */
static double median_of(double *xs, int n) {
  qsort(xs, (size_t)n, sizeof *xs, cmp_double);
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

/* Jain's fairness index of the counts: (sum c)^2 / (n sum c^2). */
static double jain(const int64_t *counts, int n) {
  double sum = 0, squares = 0;
  for (int i = 0; i < n; i++) {
    sum += (double)counts[i];
    squares += (double)counts[i] * (double)counts[i];
  }
  return sum * sum / ((double)n * squares);
}

static double round1(double x) { return (double)llround(x * 10) / 10; }

double bench_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int bench_start_thread(pthread_t *t, void *(*fn)(void *), void *arg) {
  pthread_attr_t attr;
  int e = pthread_attr_init(&attr);
  if (e != 0) return e;
  e = pthread_attr_setstacksize(&attr, BENCH_THREAD_STACK);
  if (e == 0) e = pthread_create(t, &attr, fn, arg);
  pthread_attr_destroy(&attr);
  return e;
}

/* The warm-up and measured runs of one configuration; prints its line.
 * Returns false (and prints nothing) if a run failed its check. */
static bool measure(const char *suite, const bench_config *c, int runs, int warmup) {
  double *per_op = calloc((size_t)runs, sizeof *per_op);
  double *cpu_per_op = calloc((size_t)runs, sizeof *cpu_per_op);
  double *fairness = calloc((size_t)runs, sizeof *fairness);
  if (per_op == NULL || cpu_per_op == NULL || fairness == NULL) {
    fprintf(stderr, "bench: out of memory\n");
    exit(1);
  }
  long switches = 0;
  for (int r = -warmup; r < runs; r++) {
    bench_outcome out = {0, 0, NULL, 0, 0, NULL};
    const char *err = c->prepare != NULL ? c->prepare(c, &out) : NULL;
    proc_usage before = usage_now();
    if (err == NULL) err = c->run(c, &out);
    proc_usage after = usage_now();
    int64_t got = out.result, want = c->want, ops = c->ops;
    if (c->windowed && err == NULL) {
      want = 0;
      for (int i = 0; i < out.n_counts; i++) want += out.counts[i];
      if (want <= 0) err = "no increment in the window";
      ops = got;
    }
    if (err == NULL && c->check != NULL) err = c->check(c, &out);
    if (err != NULL || got != want) {
      fprintf(stderr, "bench: FAILED: %s: result %" PRId64 ", want %" PRId64 " (%s)\n", c->label,
              got, want,
              err != NULL    ? err
              : c->windowed ? "the counter is not the sum of the threads' counts"
                            : "lost, duplicated or miscounted");
      free(per_op);
      free(cpu_per_op);
      free(fairness);
      return false;
    }
    double fig = out.ns / (double)ops;
    if (r < 0) {
      fprintf(stderr, "%s: warm-up %.1f %s\n", c->label, fig, c->unit);
      continue;
    }
    fprintf(stderr, "%s: run %d/%d %.1f %s\n", c->label, r + 1, runs, fig, c->unit);
    per_op[r] = fig;
    cpu_per_op[r] = (after.cpu_ns - before.cpu_ns) / (double)ops;
    if (c->windowed) fairness[r] = jain(out.counts, out.n_counts);
    switches += after.switches - before.switches;
  }
  double median = median_of(per_op, runs), cpu_median = median_of(cpu_per_op, runs);
  char fair[32] = "", extra[256] = "";
  if (c->windowed) snprintf(fair, sizeof fair, "\"fairness\": %.2f, ", median_of(fairness, runs));
  const char *err = c->extra != NULL ? c->extra(c, extra, sizeof extra) : NULL;
  if (err != NULL) {
    fprintf(stderr, "bench: FAILED: %s: %s\n", c->label, err);
    free(per_op);
    free(cpu_per_op);
    free(fairness);
    return false;
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"suite\": \"%s\", \"workload\": \"%s\", \"lang\": \"c\", \"impl\": \"%s\", "
         "\"via\": \"%s\", \"kind\": \"%s\", \"params\": %s, \"unit\": \"%s\", \"median\": %.1f, "
         "\"min\": %.1f, \"max\": %.1f, \"runs\": %d, %s%s\"ctx_switches\": %ld, "
         "\"cpu_median\": %.1f, "
         "\"max_rss_kb\": %ld, \"host\": {\"cpus\": %ld, \"os\": \"linux\", \"toolchain\": "
         "\"%s, libpolyconc %s\"}}\n",
         suite, c->workload, c->impl, c->via, c->kind, c->params, c->unit, round1(median),
         round1(per_op[0]), round1(per_op[runs - 1]), runs, fair, extra,
         lround((double)switches / runs), round1(cpu_median), ru.ru_maxrss,
         sysconf(_SC_NPROCESSORS_ONLN),
#if defined(__clang__)
         "clang " __clang_version__,
#elif defined(__GNUC__)
         "gcc " __VERSION__,
#else
         "cc",
#endif
         pc_version());
  fflush(stdout);
  free(per_op);
  free(cpu_per_op);
  free(fairness);
  return true;
}

/* Freed memory stays with malloc, as a collected runtime keeps its heap
 * (WORKLOADS.md, Runs): else a run faults in again the pages the runs
 * before it gave back, a cost that depends on what ran before (F2 on the
 * global executor after F1: 16,074 page faults against 8,555 alone, 213
 * ns a task against 137). The Rust program does the same. */
static void keep_freed_memory(void) {
#ifdef __GLIBC__
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
  mallopt(M_MMAP_THRESHOLD, 32 << 20); /* glibc's most */
#endif
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--x3-child") == 0) return suite_x_child(argc - 2, argv + 2);
  keep_freed_memory();
  const char *suite_id = NULL, *workloads = NULL, *impls = NULL, *capacities = NULL;
  long long runs = 5, warmup = 1;
  bench_params p = {0, 0, "", 0, "", 0, 0, 0, 0, 0, 0};
  struct {
    const char *flag;
    int64_t *value;
  } ints[] = {{"--messages", &p.messages}, {"--ops", &p.ops},
              {"--tasks", &p.tasks},       {"--latency-ms", &p.latency_ms},
              {"--parked", &p.parked},     {"--work", &p.work},
              {"--window-ms", &p.window_ms}, {"--handoff-messages", &p.handoff_messages},
              {"--handoff-ops", &p.handoff_ops}};
  for (int i = 1; i < argc; i++) {
    const char *flag = argv[i];
    if (i + 1 >= argc) return usage("missing value for ", flag);
    const char *val = argv[++i];
    bool parsed = false;
    for (size_t k = 0; k < sizeof ints / sizeof *ints; k++) {
      if (strcmp(flag, ints[k].flag) != 0) continue;
      long long v;
      if (!parse_int(val, 0, &v)) return usage("needs an integer >= 0: ", flag);
      *ints[k].value = v;
      parsed = true;
    }
    if (parsed) continue;
    if (strcmp(flag, "--suite") == 0)
      suite_id = val;
    else if (strcmp(flag, "--runs") == 0) {
      if (!parse_int(val, 1, &runs)) return usage("--runs needs an integer >= 1: ", val);
    } else if (strcmp(flag, "--warmup") == 0) {
      if (!parse_int(val, 0, &warmup)) return usage("--warmup needs an integer >= 0: ", val);
    } else if (strcmp(flag, "--threads") == 0)
      p.threads = val;
    else if (strcmp(flag, "--pool-sizes") == 0)
      p.pool_sizes = val;
    else if (strcmp(flag, "--workloads") == 0)
      workloads = val;
    else if (strcmp(flag, "--impls") == 0)
      impls = val;
    else if (strcmp(flag, "--capacities") == 0)
      capacities = val;
    else
      return usage("unknown flag ", flag);
  }
  const bench_suite *suite = NULL;
  for (size_t s = 0; s < sizeof SUITES / sizeof *SUITES; s++)
    if (suite_id != NULL && strcmp(SUITES[s]->id, suite_id) == 0) suite = SUITES[s];
  if (suite == NULL) return usage("this program has no suite ", suite_id ? suite_id : "(none)");
  const char *problem = suite->check(&p);
  if (problem != NULL) return usage(problem, NULL);
  char known_workloads[256] = "";
  for (int w = 0; w < suite->n_workloads; w++) {
    if (w > 0) strncat(known_workloads, ",", sizeof known_workloads - strlen(known_workloads) - 1);
    strncat(known_workloads, suite->workloads[w],
            sizeof known_workloads - strlen(known_workloads) - 1);
  }
  if (workloads == NULL) workloads = known_workloads;
  if (impls == NULL) impls = suite->impls;
  size_t len;
  if (unknown_item(impls, suite->impls, &len) != NULL)
    return usage("--impls: unknown implementation in ", impls);
  if (unknown_item(workloads, known_workloads, &len) != NULL)
    return usage("--workloads: unknown workload in ", workloads);
  if (capacities != NULL) {
    const char *bad = unknown_item(capacities, FLOW_CAPACITIES, &len);
    if (bad != NULL) {
      char msg[128];
      snprintf(msg, sizeof msg, "--capacities: unknown capacity \"%.*s\" (known: %s)",
               (int)(len < 32 ? len : 32), bad, FLOW_CAPACITIES);
      return usage(msg, NULL);
    }
    if (strspn(capacities, ",") == strlen(capacities))
      return usage("--capacities: name at least one of ", FLOW_CAPACITIES);
  }

  bool failed = false;
  for (int w = 0; w < suite->n_workloads; w++) {
    const char *workload = suite->workloads[w];
    if (!in_list(workloads, workload, strlen(workload))) continue;
    bench_config cs[MAX_CONFIGS];
    int n = suite->configs(workload, &p, cs, MAX_CONFIGS);
    for (int i = 0; i < n; i++)
      if (in_list(impls, cs[i].impl, strlen(cs[i].impl)) && capacity_chosen(capacities, &cs[i]))
        failed |= !measure(suite->id, &cs[i], (int)runs, (int)warmup);
  }
  return failed ? 1 : 0;
}
