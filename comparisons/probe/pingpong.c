/* The host probe: how long one cache line takes to go from one CPU to
 * another and back. Two threads pass a counter through one atomic word,
 * each waiting for the other's write, R round trips (argument 1, default
 * 100000) after a warm-up of R/10; prints one JSON line with the median
 * ns per round trip of three bursts.
 *
 * Whatever hands values between threads costs about this much, so the
 * runner records it before and after each program's run: on a virtual
 * machine it can move several times over between two languages' runs
 * (see README.md, Runner), and a ratio between figures taken in two host
 * states says more about the host than about the two implementations.
 * With one CPU to run on there is no second CPU to reach: it says so. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { BURSTS = 3, SPINS_BEFORE_YIELD = 1 << 14 };

/* On a line of its own, so that nothing else travels with it. */
static _Alignas(64) atomic_long ball;
static long round_trips;

/* Waits for `want`; yields now and then, so that a partner descheduled on
 * this CPU still gets to run. */
static void await(long want) {
  for (long spins = 1; atomic_load_explicit(&ball, memory_order_acquire) != want; spins++)
    if (spins % SPINS_BEFORE_YIELD == 0) sched_yield();
}

/* The partner: answers each odd value with the next even one. */
static void *partner(void *arg) {
  (void)arg;
  long total = round_trips / 10 + BURSTS * round_trips;
  for (long i = 0; i < total; i++) {
    await(2 * i + 1);
    atomic_store_explicit(&ball, 2 * i + 2, memory_order_release);
  }
  return NULL;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* `n` round trips from the i-th on; returns the next i. */
static long bounce(long i, long n) {
  for (long end = i + n; i < end; i++) {
    atomic_store_explicit(&ball, 2 * i + 1, memory_order_release);
    await(2 * i + 2);
  }
  return i;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int cpus_to_run_on(void) {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
}

int main(int argc, char **argv) {
  round_trips = argc > 1 ? atol(argv[1]) : 100000;
  if (round_trips < 10) {
    fprintf(stderr, "pingpong: round trips must be at least 10 (got %s)\n", argv[1]);
    return 2;
  }
  if (cpus_to_run_on() < 2) {
    puts("{\"probe\": \"pingpong\", \"skipped\": \"one CPU to run on\"}");
    return 0;
  }
  pthread_t t;
  if (pthread_create(&t, NULL, partner, NULL) != 0) {
    perror("pingpong: pthread_create");
    return 1;
  }
  long i = bounce(0, round_trips / 10);
  double ns[BURSTS];
  for (int b = 0; b < BURSTS; b++) {
    double start = now_ns();
    i = bounce(i, round_trips);
    ns[b] = (now_ns() - start) / (double)round_trips;
  }
  pthread_join(t, NULL);
  qsort(ns, BURSTS, sizeof *ns, compare);
  printf("{\"probe\": \"pingpong\", \"round_trips\": %ld, \"ns_per_round_trip\": %.1f}\n",
         round_trips, ns[BURSTS / 2]);
  return 0;
}
