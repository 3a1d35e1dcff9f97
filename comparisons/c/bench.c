/* Suite C (channels) of comparisons/WORKLOADS.md in C, on polyconc's
 * channel through its C ABI (libpolyconc): impl "core", via "c-abi".
 * Prints one JSON line per configuration on stdout; progress and errors go
 * to stderr. Exit status: 2 for bad flags, 1 if any configuration failed its
 * sum check (or a channel call failed), else 0. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <polyconc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define IMPL "core"
#define UNBOUNDED PC_UNBOUNDED
static const char *const WORKLOADS[] = {"C1", "C2", "C3", "C4", "C5", "C6"};
enum { N_WORKLOADS = 6, SELECT_CHANNELS = 4, MAX_THREADS = 8 };
/* C2-C4 capacities: polyconc has all four. */
static const size_t CAPACITIES[] = {0, 1, 1024, UNBOUNDED};

typedef struct {
  const char *workload;
  size_t capacity;
  int producers, consumers, channels;
  int64_t messages; /* M; for C6 the round trips R = M/10 */
} config;

/* A channel call that failed unexpectedly inside a run: reported by the
 * main thread after the run, which then counts as failed. */
static _Atomic pc_status run_error = PC_OK;

static void note_error(pc_status s) {
  pc_status ok = PC_OK;
  atomic_compare_exchange_strong(&run_error, &ok, s);
}

static pc_chan *new_chan(size_t capacity) {
  pc_chan *ch = NULL;
  pc_status s = pc_chan_new(sizeof(int64_t), capacity, &ch);
  if (s != PC_OK) {
    fprintf(stderr, "bench: pc_chan_new(capacity %zu): %s\n", capacity, pc_status_str(s));
    exit(1);
  }
  return ch;
}

static void start(pthread_t *t, void *(*fn)(void *), void *arg) {
  int e = pthread_create(t, NULL, fn, arg);
  if (e != 0) {
    fprintf(stderr, "bench: pthread_create: %s\n", strerror(e));
    exit(1);
  }
}

/* Producer p of n sends the contiguous share [lo, hi] of 1..=m. */
static void share(int64_t m, int p, int n, int64_t *lo, int64_t *hi) {
  *lo = (int64_t)p * m / n + 1;
  *hi = (int64_t)(p + 1) * m / n;
}

typedef struct {
  pc_chan *ch;
  int64_t lo, hi, sum;
} worker;

static void *produce(void *arg) {
  worker *w = arg;
  for (int64_t i = w->lo; i <= w->hi; i++) {
    pc_status s = pc_chan_send(w->ch, &i, PC_FOREVER);
    if (s != PC_OK) {
      note_error(s);
      break;
    }
  }
  return NULL;
}

/* Receives until the channel is closed and drained (Go's range loop). */
static void *consume(void *arg) {
  worker *w = arg;
  int64_t v, sum = 0;
  pc_status s;
  while ((s = pc_chan_recv(w->ch, &v, PC_FOREVER)) == PC_OK) sum += v;
  if (s != PC_CLOSED) note_error(s);
  w->sum = sum;
  return NULL;
}

static void *produce_then_close(void *arg) {
  worker *w = arg;
  produce(w);
  pc_chan_close(w->ch);
  return NULL;
}

/* C1: one thread fills a channel of capacity M, then drains it. */
static int64_t run_seq(const config *c, pc_chan **chans) {
  int64_t sum = 0, v;
  for (int64_t i = 1; i <= c->messages; i++) {
    pc_status s = pc_chan_send(chans[0], &i, PC_FOREVER);
    if (s != PC_OK) note_error(s);
  }
  for (int64_t i = 0; i < c->messages; i++) {
    pc_status s = pc_chan_recv(chans[0], &v, PC_FOREVER);
    if (s != PC_OK) note_error(s);
    sum += v;
  }
  return sum;
}

/* C2-C4: producers and consumers share one channel, closed once every
 * producer is done so that the consumers' loops end. */
static int64_t run_shared(const config *c, pc_chan **chans) {
  pthread_t pt[MAX_THREADS], ct[MAX_THREADS];
  worker pw[MAX_THREADS], cw[MAX_THREADS];
  for (int p = 0; p < c->producers; p++) {
    pw[p] = (worker){chans[0], 0, 0, 0};
    share(c->messages, p, c->producers, &pw[p].lo, &pw[p].hi);
    start(&pt[p], produce, &pw[p]);
  }
  for (int k = 0; k < c->consumers; k++) {
    cw[k] = (worker){chans[0], 0, 0, 0};
    start(&ct[k], consume, &cw[k]);
  }
  for (int p = 0; p < c->producers; p++) pthread_join(pt[p], NULL);
  pc_chan_close(chans[0]);
  int64_t total = 0;
  for (int k = 0; k < c->consumers; k++) {
    pthread_join(ct[k], NULL);
    total += cw[k].sum;
  }
  return total;
}

/* C5: each producer has its own channel and closes it when done; the
 * consumer selects over all of them and disables a case (NULL channel, Go's
 * nil channel) once its channel is closed and drained. */
static int64_t run_select(const config *c, pc_chan **chans) {
  pthread_t pt[SELECT_CHANNELS];
  worker pw[SELECT_CHANNELS];
  int64_t got[SELECT_CHANNELS];
  pc_select_case cases[SELECT_CHANNELS];
  for (int p = 0; p < SELECT_CHANNELS; p++) {
    pw[p] = (worker){chans[p], 0, 0, 0};
    share(c->messages, p, SELECT_CHANNELS, &pw[p].lo, &pw[p].hi);
    cases[p] = (pc_select_case){PC_SELECT_RECV, chans[p], &got[p], PC_OK};
    start(&pt[p], produce_then_close, &pw[p]);
  }
  int64_t sum = 0;
  for (int open = SELECT_CHANNELS; open > 0;) {
    size_t fired;
    pc_status s = pc_select(cases, SELECT_CHANNELS, PC_FOREVER, &fired);
    if (s != PC_OK) {
      note_error(s);
      break;
    }
    if (cases[fired].status == PC_OK) {
      sum += got[fired];
    } else {
      cases[fired].chan = NULL;
      open--;
    }
  }
  for (int p = 0; p < SELECT_CHANNELS; p++) pthread_join(pt[p], NULL);
  return sum;
}

/* The echo side of C6: sends back every value until ping is closed. */
static void *echo(void *arg) {
  pc_chan **chans = arg;
  int64_t v;
  pc_status s;
  while ((s = pc_chan_recv(chans[0], &v, PC_FOREVER)) == PC_OK) {
    if ((s = pc_chan_send(chans[1], &v, PC_FOREVER)) != PC_OK) break;
  }
  if (s != PC_CLOSED) note_error(s);
  return NULL;
}

/* C6: send 1..=R on ping, wait for each to come back on pong; both
 * rendezvous channels, so every round trip is two handoffs. */
static int64_t run_pingpong(const config *c, pc_chan **chans) {
  pthread_t t;
  start(&t, echo, chans);
  int64_t sum = 0, v = 0;
  for (int64_t i = 1; i <= c->messages; i++) {
    pc_status s = pc_chan_send(chans[0], &i, PC_FOREVER);
    if (s == PC_OK) s = pc_chan_recv(chans[1], &v, PC_FOREVER);
    if (s != PC_OK) {
      note_error(s);
      break;
    }
    sum += v;
  }
  pc_chan_close(chans[0]);
  pthread_join(t, NULL);
  return sum;
}

static bool is(const config *c, const char *w) { return strcmp(c->workload, w) == 0; }

/* Channels are made outside the timed part, so the figure covers only the
 * traffic (threads are started inside it, as Go starts its goroutines). */
static int64_t run_once(const config *c, double *ns) {
  pc_chan *chans[SELECT_CHANNELS] = {0};
  int n = is(c, "C5") ? SELECT_CHANNELS : is(c, "C6") ? 2 : 1;
  for (int i = 0; i < n; i++) chans[i] = new_chan(c->capacity);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int64_t sum = is(c, "C1")   ? run_seq(c, chans)
                : is(c, "C5") ? run_select(c, chans)
                : is(c, "C6") ? run_pingpong(c, chans)
                              : run_shared(c, chans);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  *ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
  for (int i = 0; i < n; i++) pc_chan_free(chans[i]);
  return sum;
}

static const char *unit(const config *c) { return is(c, "C6") ? "ns/roundtrip" : "ns/msg"; }

static void describe(const config *c, char *buf, size_t len) {
  char cap[32];
  if (c->capacity == UNBOUNDED)
    snprintf(cap, sizeof cap, "unbounded");
  else
    snprintf(cap, sizeof cap, "%zu", c->capacity);
  if (is(c, "C6"))
    snprintf(buf, len, "C6 capacity=%s round_trips=%" PRId64, cap, c->messages);
  else
    snprintf(buf, len, "%s capacity=%s producers=%d consumers=%d messages=%" PRId64, c->workload,
             cap, c->producers, c->consumers, c->messages);
}

static long ctx_switches(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_nvcsw + ru.ru_nivcsw;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double round1(double x) { return (double)llround(x * 10) / 10; }

/* The warm-up and measured runs of one configuration; prints its line.
 * Returns false (and prints nothing) if a run failed its sum check. */
static bool measure(const config *c, int runs, int warmup) {
  char name[128];
  describe(c, name, sizeof name);
  const int64_t want = c->messages * (c->messages + 1) / 2;
  double *per_op = calloc((size_t)runs, sizeof *per_op);
  if (per_op == NULL) {
    fprintf(stderr, "bench: out of memory\n");
    exit(1);
  }
  long switches = 0;
  for (int r = -warmup; r < runs; r++) {
    double ns;
    long before = ctx_switches();
    int64_t got = run_once(c, &ns);
    long after = ctx_switches();
    pc_status err = atomic_exchange(&run_error, PC_OK);
    if (err != PC_OK || got != want) {
      fprintf(stderr, "bench: FAILED: %s: sum %" PRId64 ", want %" PRId64 " (%s)\n", name, got,
              want, err != PC_OK ? pc_status_str(err) : "messages lost or duplicated");
      free(per_op);
      return false;
    }
    double fig = ns / (double)c->messages;
    if (r < 0) {
      fprintf(stderr, "%s: warm-up %.1f %s\n", name, fig, unit(c));
      continue;
    }
    fprintf(stderr, "%s: run %d/%d %.1f %s\n", name, r + 1, runs, fig, unit(c));
    per_op[r] = fig;
    switches += after - before;
  }
  qsort(per_op, (size_t)runs, sizeof *per_op, cmp_double);
  double median = runs % 2 ? per_op[runs / 2] : (per_op[runs / 2 - 1] + per_op[runs / 2]) / 2;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);

  char cap[32];
  if (c->capacity == UNBOUNDED)
    snprintf(cap, sizeof cap, "\"unbounded\"");
  else
    snprintf(cap, sizeof cap, "%zu", c->capacity);
  char params[160];
  if (is(c, "C6"))
    snprintf(params, sizeof params, "{\"capacity\": %s, \"round_trips\": %" PRId64 "}", cap,
             c->messages);
  else if (is(c, "C5"))
    snprintf(params, sizeof params,
             "{\"capacity\": %s, \"producers\": %d, \"consumers\": %d, \"messages\": %" PRId64
             ", \"channels\": %d}",
             cap, c->producers, c->consumers, c->messages, c->channels);
  else
    snprintf(params, sizeof params,
             "{\"capacity\": %s, \"producers\": %d, \"consumers\": %d, \"messages\": %" PRId64 "}",
             cap, c->producers, c->consumers, c->messages);
  printf("{\"suite\": \"C\", \"workload\": \"%s\", \"lang\": \"c\", \"impl\": \"" IMPL
         "\", \"via\": \"c-abi\", \"kind\": \"channel\", \"params\": %s, \"unit\": \"%s\", \"median\": %.1f, "
         "\"min\": %.1f, \"max\": %.1f, \"runs\": %d, \"ctx_switches\": %ld, "
         "\"max_rss_kb\": %ld, \"host\": {\"cpus\": %ld, \"os\": \"linux\", \"toolchain\": "
         "\"%s, libpolyconc %s\"}}\n",
         c->workload, params, unit(c), round1(median), round1(per_op[0]),
         round1(per_op[runs - 1]), runs, lround((double)switches / runs), ru.ru_maxrss,
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
  return true;
}

/* The configurations of one workload for M messages; returns how many. */
static int configs(const char *w, int64_t m, config *out) {
  if (strcmp(w, "C1") == 0) {
    out[0] = (config){"C1", (size_t)m, 1, 1, 0, m};
    return 1;
  }
  if (strcmp(w, "C5") == 0) {
    out[0] = (config){"C5", 1024, SELECT_CHANNELS, 1, SELECT_CHANNELS, m};
    return 1;
  }
  if (strcmp(w, "C6") == 0) {
    out[0] = (config){"C6", 0, 0, 0, 0, m / 10};
    return 1;
  }
  int producers = strcmp(w, "C2") == 0 ? 1 : 4, consumers = strcmp(w, "C4") == 0 ? 4 : 1;
  int n = 0;
  for (size_t i = 0; i < sizeof CAPACITIES / sizeof *CAPACITIES; i++)
    out[n++] = (config){w, CAPACITIES[i], producers, consumers, 0, m};
  return n;
}

static bool in_list(const char *list, const char *item) {
  size_t n = strlen(item);
  for (const char *p = list; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, item, n) == 0) return true;
    if (!end) break;
    p = end + 1;
  }
  return false;
}

static int usage(const char *msg, const char *arg) {
  fprintf(stderr, "bench: %s%s\n", msg, arg ? arg : "");
  fprintf(stderr,
          "usage: bench --suite C --messages M --runs R --warmup W [--workloads C1,...] "
          "[--impls core] [--threads T (ignored)]\n");
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

int main(int argc, char **argv) {
  const char *suite = NULL, *workloads = "C1,C2,C3,C4,C5,C6", *impls = IMPL;
  long long messages = 1000000, runs = 5, warmup = 1;
  for (int i = 1; i < argc; i++) {
    const char *flag = argv[i];
    if (i + 1 >= argc) return usage("missing value for ", flag);
    const char *val = argv[++i];
    if (strcmp(flag, "--suite") == 0)
      suite = val;
    else if (strcmp(flag, "--messages") == 0) {
      if (!parse_int(val, 10, &messages))
        return usage("--messages needs an integer >= 10 (C6 does M/10 round trips): ", val);
    } else if (strcmp(flag, "--runs") == 0) {
      if (!parse_int(val, 1, &runs)) return usage("--runs needs an integer >= 1: ", val);
    } else if (strcmp(flag, "--warmup") == 0) {
      if (!parse_int(val, 0, &warmup)) return usage("--warmup needs an integer >= 0: ", val);
    } else if (strcmp(flag, "--workloads") == 0)
      workloads = val;
    else if (strcmp(flag, "--impls") == 0)
      impls = val;
    else if (strcmp(flag, "--threads") != 0) /* suite C has fixed thread counts */
      return usage("unknown flag ", flag);
  }
  if (suite == NULL || strcmp(suite, "C") != 0)
    return usage("this program implements only --suite C; got ", suite ? suite : "none");
  /* Every listed name must be known. */
  for (const char *p = impls; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len > 0 && !(len == strlen(IMPL) && strncmp(p, IMPL, len) == 0))
      return usage("--impls: this program has only " IMPL "; got ", impls);
    if (!end) break;
    p = end + 1;
  }
  for (const char *p = workloads; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    bool known = false;
    for (int w = 0; w < N_WORKLOADS; w++)
      known |= len == strlen(WORKLOADS[w]) && strncmp(p, WORKLOADS[w], len) == 0;
    if (len > 0 && !known) return usage("--workloads: unknown workload in ", workloads);
    if (!end) break;
    p = end + 1;
  }
  if (!in_list(impls, IMPL)) return 0;

  bool failed = false;
  for (int w = 0; w < N_WORKLOADS; w++) {
    if (!in_list(workloads, WORKLOADS[w])) continue;
    config cs[4];
    int n = configs(WORKLOADS[w], messages, cs);
    for (int i = 0; i < n; i++) failed |= !measure(&cs[i], (int)runs, (int)warmup);
  }
  return failed ? 1 : 0;
}
