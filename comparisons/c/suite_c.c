/* Suite C (channels) of comparisons/WORKLOADS.md in C, on polyconc's
 * channel through its C ABI (libpolyconc): impl "core", via "c-abi", kind
 * "channel". harness.c times the runs and prints the lines. */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <polyconc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

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
_Static_assert(sizeof(config) <= sizeof(((bench_config *)0)->data), "config fits bench_config");

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
static const char *run_once(const bench_config *bc, bench_outcome *out) {
  const config *c = (const config *)bc->data.bytes;
  pc_chan *chans[SELECT_CHANNELS] = {0};
  int n = is(c, "C5") ? SELECT_CHANNELS : is(c, "C6") ? 2 : 1;
  for (int i = 0; i < n; i++) chans[i] = new_chan(c->capacity);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  out->result = is(c, "C1")   ? run_seq(c, chans)
            : is(c, "C5") ? run_select(c, chans)
            : is(c, "C6") ? run_pingpong(c, chans)
                          : run_shared(c, chans);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  out->ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
  for (int i = 0; i < n; i++) pc_chan_free(chans[i]);
  pc_status err = atomic_exchange(&run_error, PC_OK);
  return err != PC_OK ? pc_status_str(err) : NULL;
}

/* c as the harness measures it. */
static bench_config describe(config c) {
  bench_config b = {.workload = c.workload, .impl = IMPL, .via = "c-abi", .kind = "channel",
                    .unit = is(&c, "C6") ? "ns/roundtrip" : "ns/msg", .ops = c.messages,
                    .want = c.messages * (c.messages + 1) / 2, .run = run_once};
  memcpy(b.data.bytes, &c, sizeof c);
  char cap[32], cap_json[32];
  if (c.capacity == UNBOUNDED) {
    snprintf(cap, sizeof cap, "unbounded");
    snprintf(cap_json, sizeof cap_json, "\"unbounded\"");
  } else {
    snprintf(cap, sizeof cap, "%zu", c.capacity);
    snprintf(cap_json, sizeof cap_json, "%zu", c.capacity);
  }
  if (is(&c, "C6")) {
    snprintf(b.label, sizeof b.label, "C6 capacity=%s round_trips=%" PRId64, cap, c.messages);
    snprintf(b.params, sizeof b.params, "{\"capacity\": %s, \"round_trips\": %" PRId64 "}",
             cap_json, c.messages);
    return b;
  }
  snprintf(b.label, sizeof b.label,
           "%s capacity=%s producers=%d consumers=%d messages=%" PRId64, c.workload, cap,
           c.producers, c.consumers, c.messages);
  int len = snprintf(b.params, sizeof b.params,
                     "{\"capacity\": %s, \"producers\": %d, \"consumers\": %d, "
                     "\"messages\": %" PRId64,
                     cap_json, c.producers, c.consumers, c.messages);
  if (is(&c, "C5"))
    snprintf(b.params + len, sizeof b.params - (size_t)len, ", \"channels\": %d}", c.channels);
  else
    snprintf(b.params + len, sizeof b.params - (size_t)len, "}");
  return b;
}

/* The configurations of one workload for M messages; returns how many. */
static int configs(const char *w, const bench_params *p, bench_config *out, int max) {
  int64_t m = p->messages;
  if (max < 4) return 0;
  if (strcmp(w, "C1") == 0) {
    out[0] = describe((config){"C1", (size_t)m, 1, 1, 0, m});
    return 1;
  }
  if (strcmp(w, "C5") == 0) {
    out[0] = describe((config){"C5", 1024, SELECT_CHANNELS, 1, SELECT_CHANNELS, m});
    return 1;
  }
  if (strcmp(w, "C6") == 0) {
    out[0] = describe((config){"C6", 0, 0, 0, 0, m / 10});
    return 1;
  }
  int producers = strcmp(w, "C2") == 0 ? 1 : 4, consumers = strcmp(w, "C4") == 0 ? 4 : 1;
  int n = 0;
  for (size_t i = 0; i < sizeof CAPACITIES / sizeof *CAPACITIES; i++)
    out[n++] = describe((config){w, CAPACITIES[i], producers, consumers, 0, m});
  return n;
}

static const char *check(const bench_params *p) {
  return p->messages < 10 ? "--messages needs an integer >= 10 (C6 does M/10 round trips)" : NULL;
}

const bench_suite suite_c = {"C", WORKLOADS, N_WORKLOADS, IMPL, check, configs};
