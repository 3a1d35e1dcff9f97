/* Suite C (channels) of comparisons/WORKLOADS.md in C, through polyconc's
 * C ABI (libpolyconc, via "c-abi"): its channel (impl "core", kind
 * "channel") and its blocking queues (impl "core.<Java's name>", kind
 * "queue"), each at the capacities it has, on one code path: a `channel`
 * below is either, and a stream ends with a close for both. The queues have no
 * select, so C5 is the channel's alone. The impls and capacities are the
 * Rust program's (rust/src/workloads), so the same core is compared row by
 * row. harness.c times the runs and prints the lines. */
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

#define UNBOUNDED PC_UNBOUNDED
static const char *const WORKLOADS[] = {"C1", "C2", "C3", "C4", "C5", "C6"};
enum { N_WORKLOADS = 6, SELECT_CHANNELS = 4, MAX_THREADS = 8 };
/* C2-C4 capacities, each where the implementation has it; C5's and C6's. */
static const size_t CAPACITIES[] = {0, 1, 1024, UNBOUNDED};
static const size_t SELECT_CAPACITY = 1024, PINGPONG_CAPACITY = 0;

static bool any_capacity(size_t capacity) {
  (void)capacity;
  return true;
}
static bool room(size_t capacity) { return capacity > 0 && capacity != UNBOUNDED; }
static bool not_zero(size_t capacity) { return capacity > 0; }
static bool only_zero(size_t capacity) { return capacity == 0; }

/* One implementation: polyconc's channel (queue 0) or a pc_queue kind. */
typedef struct {
  const char *name, *kind; /* the line's impl and kind */
  pc_queue_kind queue;     /* PC_QUEUE_*, or 0 for a pc_chan */
  bool fair;
  /* Sends with pc_queue_transfer, which waits for the taker: an unbounded
   * queue used as a rendezvous, so listed at capacity 0. */
  bool transfer;
  bool (*has)(size_t capacity);
} impl;

static const impl IMPLS[] = {
    {"core", "channel", 0, false, false, any_capacity},
    {"core.ArrayBlockingQueue", "queue", PC_QUEUE_ARRAY, false, false, room},
    {"core.ArrayBlockingQueue.fair", "queue", PC_QUEUE_ARRAY, true, false, room},
    {"core.LinkedBlockingQueue", "queue", PC_QUEUE_LINKED, false, false, not_zero},
    {"core.SynchronousQueue", "queue", PC_QUEUE_SYNCHRONOUS, false, false, only_zero},
    {"core.LinkedTransferQueue.transfer", "queue", PC_QUEUE_TRANSFER, false, true, only_zero},
};
enum { N_IMPLS = sizeof IMPLS / sizeof *IMPLS };

typedef struct {
  const char *workload;
  int impl; /* index into IMPLS */
  size_t capacity;
  int producers, consumers, channels;
  int64_t messages; /* M (M0 at capacities 0, 1); C6: round trips R = M0/10 */
} config;
_Static_assert(sizeof(config) <= sizeof(((bench_config *)0)->data), "config fits bench_config");

/* A channel call that failed unexpectedly inside a run: reported by the
 * main thread after the run, which then counts as failed. */
static _Atomic pc_status run_error = PC_OK;

static void note_error(pc_status s) {
  pc_status ok = PC_OK;
  atomic_compare_exchange_strong(&run_error, &ok, s);
}

/* A pc_chan or a pc_queue of int64_t: what every workload sends through
 * (Rust's workloads::Channel). */
typedef struct {
  const impl *im;
  pc_chan *chan; /* exactly one of chan and queue */
  pc_queue *queue;
} channel;

static channel channel_new(const impl *im, size_t capacity) {
  channel p = {im, NULL, NULL};
  pc_status s = im->queue == 0
                    ? pc_chan_new(sizeof(int64_t), capacity, &p.chan)
                    : pc_queue_new(im->queue, sizeof(int64_t), capacity, im->fair, &p.queue);
  if (s != PC_OK) {
    fprintf(stderr, "bench: %s (capacity %zu): %s\n", im->name, capacity, pc_status_str(s));
    exit(1);
  }
  return p;
}

static inline pc_status channel_send(const channel *p, const int64_t *v) {
  if (p->chan != NULL) return pc_chan_send(p->chan, v, PC_FOREVER);
  return p->im->transfer ? pc_queue_transfer(p->queue, v, PC_FOREVER)
                         : pc_queue_put(p->queue, v, PC_FOREVER);
}

/* PC_CLOSED once closed and drained, for both. */
static inline pc_status channel_recv(const channel *p, int64_t *v) {
  return p->chan != NULL ? pc_chan_recv(p->chan, v, PC_FOREVER)
                         : pc_queue_take(p->queue, v, PC_FOREVER);
}

static void channel_close(const channel *p) {
  if (p->chan != NULL)
    pc_chan_close(p->chan);
  else
    pc_queue_close(p->queue);
}

static void channel_free(const channel *p) {
  pc_chan_free(p->chan);
  pc_queue_free(p->queue);
}

static void start(pthread_t *t, void *(*fn)(void *), void *arg) {
  int e = bench_start_thread(t, fn, arg);
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
  const channel *ch;
  int64_t lo, hi, sum;
} worker;

/* The loops below work on a copy of the channel and of the counts: with
 * only a copy's address given to a call, the compiler knows no call
 * changes them and keeps them in registers, instead of reloading them
 * from memory that the calls might have written (callgrind, C1: 273
 * instructions per message before, with the exports' fast path, 253
 * after; Rust 221). */
static void *produce(void *arg) {
  worker *w = arg;
  const channel ch = *w->ch;
  for (int64_t i = w->lo, hi = w->hi; i <= hi; i++) {
    int64_t v = i;
    pc_status s = channel_send(&ch, &v);
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
  const channel ch = *w->ch;
  int64_t v, sum = 0;
  pc_status s;
  while ((s = channel_recv(&ch, &v)) == PC_OK) sum += v;
  if (s != PC_CLOSED) note_error(s);
  w->sum = sum;
  return NULL;
}

static void *produce_then_close(void *arg) {
  worker *w = arg;
  produce(w);
  channel_close(w->ch);
  return NULL;
}

/* C1: one thread fills a channel of capacity M, then drains it. */
static int64_t run_seq(const config *c, channel *chans) {
  const channel ch = chans[0];
  const int64_t m = c->messages;
  int64_t sum = 0, v;
  for (int64_t i = 1; i <= m; i++) {
    v = i;
    pc_status s = channel_send(&ch, &v);
    if (s != PC_OK) note_error(s);
  }
  for (int64_t i = 0; i < m; i++) {
    pc_status s = channel_recv(&ch, &v);
    if (s != PC_OK) note_error(s);
    sum += v;
  }
  return sum;
}

/* C2-C4: producers and consumers share one channel, closed once every
 * producer is done so that the consumers' loops end. The consumers start
 * first, then the producers: the order WORKLOADS.md fixes for every
 * program. */
static int64_t run_shared(const config *c, channel *chans) {
  pthread_t pt[MAX_THREADS], ct[MAX_THREADS];
  worker pw[MAX_THREADS], cw[MAX_THREADS];
  for (int k = 0; k < c->consumers; k++) {
    cw[k] = (worker){&chans[0], 0, 0, 0};
    start(&ct[k], consume, &cw[k]);
  }
  for (int p = 0; p < c->producers; p++) {
    pw[p] = (worker){&chans[0], 0, 0, 0};
    share(c->messages, p, c->producers, &pw[p].lo, &pw[p].hi);
    start(&pt[p], produce, &pw[p]);
  }
  for (int p = 0; p < c->producers; p++) pthread_join(pt[p], NULL);
  channel_close(&chans[0]);
  int64_t total = 0;
  for (int k = 0; k < c->consumers; k++) {
    pthread_join(ct[k], NULL);
    total += cw[k].sum;
  }
  return total;
}

/* C5 (channels only): each producer has its own channel and closes it when
 * done; the consumer selects over all of them and disables a case (NULL
 * channel, Go's nil channel) once its channel is closed and drained. */
static int64_t run_select(const config *c, channel *chans) {
  pthread_t pt[SELECT_CHANNELS];
  worker pw[SELECT_CHANNELS];
  int64_t got[SELECT_CHANNELS];
  pc_select_case cases[SELECT_CHANNELS];
  for (int p = 0; p < SELECT_CHANNELS; p++) {
    pw[p] = (worker){&chans[p], 0, 0, 0};
    share(c->messages, p, SELECT_CHANNELS, &pw[p].lo, &pw[p].hi);
    cases[p] = (pc_select_case){PC_SELECT_RECV, chans[p].chan, &got[p], PC_OK};
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
  channel *chans = arg;
  int64_t v;
  pc_status s;
  while ((s = channel_recv(&chans[0], &v)) == PC_OK) {
    if ((s = channel_send(&chans[1], &v)) != PC_OK) break;
  }
  if (s != PC_CLOSED) note_error(s);
  return NULL;
}

/* C6: send 1..=R on ping, wait for each to come back on pong; both
 * rendezvous channels, so every round trip is two handoffs. */
static int64_t run_pingpong(const config *c, channel *chans) {
  pthread_t t;
  start(&t, echo, chans);
  int64_t sum = 0, v = 0;
  for (int64_t i = 1; i <= c->messages; i++) {
    pc_status s = channel_send(&chans[0], &i);
    if (s == PC_OK) s = channel_recv(&chans[1], &v);
    if (s != PC_OK) {
      note_error(s);
      break;
    }
    sum += v;
  }
  channel_close(&chans[0]);
  pthread_join(t, NULL);
  return sum;
}

static bool is(const config *c, const char *w) { return strcmp(c->workload, w) == 0; }

/* Channels are made outside the timed part, so the figure covers only the
 * traffic (threads are started inside it, as Go starts its goroutines). */
static const char *run_once(const bench_config *bc, bench_outcome *out) {
  const config *c = (const config *)bc->data.bytes;
  channel chans[SELECT_CHANNELS];
  int n = is(c, "C5") ? SELECT_CHANNELS : is(c, "C6") ? 2 : 1;
  for (int i = 0; i < n; i++) chans[i] = channel_new(&IMPLS[c->impl], c->capacity);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  out->result = is(c, "C1")   ? run_seq(c, chans)
                : is(c, "C5") ? run_select(c, chans)
                : is(c, "C6") ? run_pingpong(c, chans)
                              : run_shared(c, chans);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  out->ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
  for (int i = 0; i < n; i++) channel_free(&chans[i]);
  pc_status err = atomic_exchange(&run_error, PC_OK);
  return err != PC_OK ? pc_status_str(err) : NULL;
}

/* c as the harness measures it. */
static bench_config describe(config c) {
  const impl *im = &IMPLS[c.impl];
  bench_config b = {.workload = c.workload, .impl = im->name, .via = "c-abi", .kind = im->kind,
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
    snprintf(b.label, sizeof b.label, "C6 %s capacity=%s round_trips=%" PRId64, im->name, cap,
             c.messages);
    snprintf(b.params, sizeof b.params, "{\"capacity\": %s, \"round_trips\": %" PRId64 "}",
             cap_json, c.messages);
    return b;
  }
  snprintf(b.label, sizeof b.label,
           "%s %s capacity=%s producers=%d consumers=%d messages=%" PRId64, c.workload,
           im->name, cap, c.producers, c.consumers, c.messages);
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

/* M0, the messages at capacities 0 and 1 (and C6's M): M unless given. */
static int64_t handoff_messages(const bench_params *p) {
  return p->handoff_messages ? p->handoff_messages : p->messages;
}

/* The configurations of one workload for M messages (M0 at capacities 0 and 1, and
 * C6), each implementation at each capacity it has; returns how many. */
static int configs(const char *w, const bench_params *p, bench_config *out, int max) {
  int64_t m = p->messages, m0 = handoff_messages(p);
  config shape = {w, 0, 0, 1, 1, 0, m};
  const size_t *caps = CAPACITIES;
  size_t n_caps = sizeof CAPACITIES / sizeof *CAPACITIES, seq_capacity = (size_t)m;
  if (strcmp(w, "C1") == 0) {
    caps = &seq_capacity;
    n_caps = 1;
  } else if (strcmp(w, "C5") == 0) {
    shape = (config){w, 0, 0, SELECT_CHANNELS, 1, SELECT_CHANNELS, m};
    caps = &SELECT_CAPACITY;
    n_caps = 1;
  } else if (strcmp(w, "C6") == 0) {
    shape = (config){w, 0, 0, 0, 0, 0, m0 / 10};
    caps = &PINGPONG_CAPACITY;
    n_caps = 1;
  } else {
    shape.producers = strcmp(w, "C2") == 0 ? 1 : 4;
    shape.consumers = strcmp(w, "C4") == 0 ? 4 : 1;
  }
  int n = 0;
  for (int k = 0; k < N_IMPLS; k++) {
    if (strcmp(w, "C5") == 0 && IMPLS[k].queue != 0) continue; /* no select */
    for (size_t i = 0; i < n_caps && n < max; i++) {
      if (!IMPLS[k].has(caps[i])) continue;
      config c = shape;
      c.impl = k;
      c.capacity = caps[i];
      /* Hand-offs: capacities 0 and 1, and a fair queue (each message goes
       * to the longest waiter), run M0 in C2-C4. */
      bool flow = strcmp(w, "C1") != 0 && strcmp(w, "C5") != 0 && strcmp(w, "C6") != 0;
      if (flow && (c.capacity <= 1 || IMPLS[k].fair)) c.messages = m0;
      out[n++] = describe(c);
    }
  }
  return n;
}

static const char *check(const bench_params *p) {
  if (handoff_messages(p) < 10) return "--handoff-messages needs an integer >= 10 (C6 does M0/10 round trips)";
  return p->messages < 1 ? "--messages needs an integer >= 1" : NULL;
}

const bench_suite suite_c = {"C",
                             WORKLOADS,
                             N_WORKLOADS,
                             "core,core.ArrayBlockingQueue,core.ArrayBlockingQueue.fair,"
                             "core.LinkedBlockingQueue,core.SynchronousQueue,"
                             "core.LinkedTransferQueue.transfer",
                             check,
                             configs};
