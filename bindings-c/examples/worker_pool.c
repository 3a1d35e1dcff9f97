/* A worker pool over polyconc: jobs go through a bounded pc_queue to 4
 * worker threads; each job carries a pc_promise that its worker
 * completes, and main collects the results through futures.
 *
 *   main --jobs (pc_queue)--> 4 workers --promises--> futures --> main
 *
 * A pc_waitgroup counts the workers: main closes the queue once every job
 * is in, waits for the group, then sums the futures' values with one
 * pc_future_sequence and a pc_future_map on the global executor.
 *
 * Build against an installed library:
 *   cc -o worker_pool worker_pool.c $(pkg-config --cflags --libs polyconc)
 */
#include <polyconc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { JOBS = 200, WORKERS = 4 };

/* A job: compute n * n into the promise. The job owns its promise until a
 * worker completes and frees it. */
typedef struct {
  int64_t n;
  pc_promise *result;
} job_t;

static pc_queue *jobs;
static pc_waitgroup *running;

static void die(const char *what, pc_status s) {
  fprintf(stderr, "worker_pool: %s: %s\n", what, pc_status_str(s));
  exit(1);
}

static void *work(void *arg) {
  (void)arg;
  job_t job;
  pc_status s;
  while ((s = pc_queue_take(jobs, &job, PC_FOREVER)) == PC_OK) {
    int64_t square = job.n * job.n;
    if ((s = pc_promise_success(job.result, &square)) != PC_OK) die("pc_promise_success", s);
    pc_promise_free(job.result);
  }
  if (s != PC_CLOSED) die("pc_queue_take", s);
  if ((s = pc_waitgroup_done(running)) != PC_OK) die("pc_waitgroup_done", s);
  return NULL;
}

/* The sum of the sequence's JOBS values. */
static int32_t sum_all(const void *values, void *out, void *ctx) {
  (void)ctx;
  int64_t v, sum = 0;
  for (int i = 0; i < JOBS; i++) {
    memcpy(&v, (const char *)values + i * sizeof v, sizeof v);
    sum += v;
  }
  memcpy(out, &sum, sizeof sum);
  return 0;
}

int main(void) {
  pc_status s;
  if ((s = pc_queue_new(PC_QUEUE_LINKED, sizeof(job_t), 16, false, &jobs)) != PC_OK)
    die("pc_queue_new", s);
  if ((s = pc_waitgroup_new(&running)) != PC_OK) die("pc_waitgroup_new", s);
  if ((s = pc_waitgroup_add(running, WORKERS)) != PC_OK) die("pc_waitgroup_add", s);

  pthread_t workers[WORKERS];
  for (int i = 0; i < WORKERS; i++) pthread_create(&workers[i], NULL, work, NULL);

  pc_future *results[JOBS];
  for (int64_t i = 0; i < JOBS; i++) {
    job_t job = {i + 1, NULL};
    if ((s = pc_promise_new(sizeof(int64_t), &job.result)) != PC_OK) die("pc_promise_new", s);
    if ((s = pc_promise_future(job.result, &results[i])) != PC_OK) die("pc_promise_future", s);
    if ((s = pc_queue_put(jobs, &job, PC_FOREVER)) != PC_OK) die("pc_queue_put", s);
  }
  pc_queue_close(jobs); /* the workers drain it, then stop */
  if ((s = pc_waitgroup_wait(running, PC_FOREVER)) != PC_OK) die("pc_waitgroup_wait", s);

  pc_future *all, *total;
  if ((s = pc_future_sequence(pc_executor_global(), (const pc_future *const *)results, JOBS, &all)) != PC_OK)
    die("pc_future_sequence", s);
  if ((s = pc_future_map(all, pc_executor_global(), sizeof(int64_t), sum_all, NULL, NULL, &total)) !=
      PC_OK)
    die("pc_future_map", s);
  int64_t sum = 0;
  if ((s = pc_future_wait(total, &sum, PC_FOREVER)) != PC_OK) die("pc_future_wait", s);

  for (int i = 0; i < WORKERS; i++) pthread_join(workers[i], NULL);
  for (int i = 0; i < JOBS; i++) pc_future_free(results[i]);
  pc_future_free(all);
  pc_future_free(total);
  pc_waitgroup_free(running);
  pc_queue_free(jobs);

  const int64_t want = (int64_t)JOBS * (JOBS + 1) * (2 * JOBS + 1) / 6;
  printf("polyconc %s: %d jobs on %d workers, sum of squares %lld (want %lld)\n", pc_version(), JOBS,
         WORKERS, (long long)sum, (long long)want);
  return sum == want ? 0 : 1;
}
