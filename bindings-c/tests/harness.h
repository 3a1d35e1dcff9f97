/* A tiny test harness: checks run on the main thread only (workers store
 * what they saw and the main thread checks it after joining them). */
#ifndef POLYCONC_TEST_HARNESS_H
#define POLYCONC_TEST_HARNESS_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "polyconc.h"

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);       \
      exit(1);                                                                        \
    }                                                                                 \
  } while (0)

#define CHECK_STATUS(expr, want)                                                      \
  do {                                                                                \
    pc_status got_ = (expr);                                                          \
    if (got_ != (want)) {                                                             \
      fprintf(stderr, "%s:%d: %s returned %s, want %s\n", __FILE__, __LINE__, #expr,  \
              pc_status_str(got_), pc_status_str(want));                              \
      exit(1);                                                                        \
    }                                                                                 \
  } while (0)

#define RUN(test)                          \
  do {                                     \
    fprintf(stderr, "-- %s\n", #test);     \
    test();                                \
  } while (0)

#define MS ((uint64_t)1000000)

static inline pc_chan *new_chan(size_t elem_size, size_t capacity) {
  pc_chan *ch = NULL;
  CHECK_STATUS(pc_chan_new(elem_size, capacity, &ch), PC_OK);
  CHECK(ch != NULL);
  return ch;
}

static inline pthread_t spawn(void *(*fn)(void *), void *arg) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, fn, arg) == 0);
  return t;
}

static inline void join(pthread_t t) { CHECK(pthread_join(t, NULL) == 0); }

/* Gives other threads time to reach a blocking call. No result depends on
 * it: a test passes however the threads are scheduled; the pause only makes
 * the interesting interleaving (a waiter already parked) the usual one. */
static inline void pause_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Pointer payloads for the drop callbacks' tests: each element is a
 * malloc'ed int64_t, so a missed drop is a leak that ASan and valgrind
 * report, and a second one a double free. */
typedef struct {
  int calls;
  int64_t sum;
} drops_t;

static inline void free_payload(void *elem, void *ctx) {
  drops_t *d = ctx;
  int64_t *p;
  memcpy(&p, elem, sizeof p);
  d->calls++;
  d->sum += *p;
  free(p);
}

static inline int64_t *payload(int64_t v) {
  int64_t *p = malloc(sizeof *p);
  CHECK(p != NULL);
  *p = v;
  return p;
}

/* Loop counts for stress cases: the full count, or a smoke-sized one under
 * valgrind (CMakeLists.txt sets POLYCONC_TEST_SMOKE there), where every
 * instruction is simulated. */
static inline int scaled(int full, int smoke) {
  return getenv("POLYCONC_TEST_SMOKE") != NULL ? smoke : full;
}

#endif
