/* Suite X's simulated service (comparisons/WORKLOADS.md, suite X): one timer
 * thread with a heap of deadlines. service_call puts (now + D, a promise) on
 * the heap and returns the promise's future at once; the timer thread sleeps
 * until the earliest deadline and completes that promise, so waiting for an
 * answer blocks no thread unless the model itself blocks on it. */
#ifndef POLYCONC_COMPARE_SERVICE_H
#define POLYCONC_COMPARE_SERVICE_H

#include <polyconc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  double due; /* bench_now_ns() */
  pc_promise *answer;
} service_pending;

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t changed; /* a new earliest deadline, or closed */
  service_pending *heap;  /* a min-heap by due, room for every call of a run */
  size_t len, cap;
  bool closed;
  atomic_bool answer_failed; /* a pc_promise_success of the timer thread failed */
  double latency_ns;
  pthread_t thread;
  char why[96];
} service;

/* Starts the timer thread of a service answering after `latency_ms`, with
 * room for `calls` calls; returns NULL, or why it could not. */
const char *service_start(service *s, int64_t calls, int64_t latency_ms);

/* Writes to *answer the future of the call's answer (0 bytes). */
pc_status service_call(service *s, pc_future **answer);

/* Stops the timer thread and frees the service; returns NULL, or why one of
 * its answers failed. */
const char *service_stop(service *s);

#endif
