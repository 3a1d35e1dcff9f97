/* Suite X's simulated service: see service.h. */
#define _POSIX_C_SOURCE 200809L

#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static void swap_pending(service_pending *a, service_pending *b) {
  service_pending t = *a;
  *a = *b;
  *b = t;
}

/* Removes the earliest deadline's answer from the heap (under the lock). */
static pc_promise *pop_earliest(service *s) {
  pc_promise *p = s->heap[0].answer;
  s->heap[0] = s->heap[--s->len];
  for (size_t i = 0;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < s->len && s->heap[l].due < s->heap[m].due) m = l;
    if (r < s->len && s->heap[r].due < s->heap[m].due) m = r;
    if (m == i) break;
    swap_pending(&s->heap[i], &s->heap[m]);
    i = m;
  }
  return p;
}

static struct timespec at(double ns) {
  struct timespec t = {(time_t)(ns / 1e9), 0};
  t.tv_nsec = (long)(ns - (double)t.tv_sec * 1e9);
  return t;
}

/* Sleeps until the earliest deadline, then completes that answer. */
static void *timer_loop(void *arg) {
  service *s = arg;
  pthread_mutex_lock(&s->lock);
  while (!s->closed) {
    if (s->len == 0) {
      pthread_cond_wait(&s->changed, &s->lock);
    } else if (s->heap[0].due > bench_now_ns()) {
      struct timespec until = at(s->heap[0].due);
      pthread_cond_timedwait(&s->changed, &s->lock, &until);
    } else {
      pc_promise *answer = pop_earliest(s);
      pthread_mutex_unlock(&s->lock);
      if (pc_promise_success(answer, NULL) != PC_OK) atomic_store(&s->answer_failed, true);
      pc_promise_free(answer);
      pthread_mutex_lock(&s->lock);
    }
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

const char *service_start(service *s, int64_t calls, int64_t latency_ms) {
  *s = (service){.cap = (size_t)calls, .latency_ns = (double)latency_ms * 1e6};
  s->heap = calloc(s->cap, sizeof *s->heap);
  if (s->heap == NULL) return "out of memory for the service's heap";
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  int e = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  if (e == 0) e = pthread_cond_init(&s->changed, &a);
  pthread_condattr_destroy(&a);
  if (e == 0) e = pthread_mutex_init(&s->lock, NULL);
  if (e == 0) e = pthread_create(&s->thread, NULL, timer_loop, s);
  if (e != 0) {
    free(s->heap);
    snprintf(s->why, sizeof s->why, "the service's timer thread: %s", strerror(e));
    return s->why;
  }
  return NULL;
}

const char *service_stop(service *s) {
  pthread_mutex_lock(&s->lock);
  s->closed = true;
  pthread_cond_signal(&s->changed);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->thread, NULL);
  for (size_t i = 0; i < s->len; i++) pc_promise_free(s->heap[i].answer);
  free(s->heap);
  pthread_cond_destroy(&s->changed);
  pthread_mutex_destroy(&s->lock);
  return atomic_load(&s->answer_failed) ? "an answer of the service failed" : NULL;
}

pc_status service_call(service *s, pc_future **answer) {
  pc_promise *p;
  pc_status st = pc_promise_new(0, &p);
  if (st != PC_OK) return st;
  if ((st = pc_promise_future(p, answer)) != PC_OK) {
    pc_promise_free(p);
    return st;
  }
  pthread_mutex_lock(&s->lock);
  if (s->len == s->cap) {
    st = PC_FULL; /* more calls than the run has requests: a bug here */
  } else {
    size_t i = s->len++;
    s->heap[i] = (service_pending){bench_now_ns() + s->latency_ns, p};
    for (; i > 0 && s->heap[i].due < s->heap[(i - 1) / 2].due; i = (i - 1) / 2)
      swap_pending(&s->heap[i], &s->heap[(i - 1) / 2]);
    if (i == 0) pthread_cond_signal(&s->changed);
  }
  pthread_mutex_unlock(&s->lock);
  if (st != PC_OK) {
    pc_future_free(*answer);
    *answer = NULL;
    pc_promise_free(p);
  }
  return st;
}
