/* A Go-style pipeline over polyconc channels:
 *
 *   generator --nums--> 3 square workers --squares--> printer (main)
 *
 * Each stage ends when its input is closed and drained, and closes its
 * output when done (the last worker to finish closes `squares`), so the
 * close propagates down the pipeline.
 *
 * Build against an installed library:
 *   cc -o pipeline pipeline.c $(pkg-config --cflags --libs polyconc)
 */
#include <polyconc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { N = 100, WORKERS = 3 };

static pc_chan *nums, *squares;
static atomic_int workers_left = WORKERS;

static void die(const char *what, pc_status s) {
  fprintf(stderr, "pipeline: %s: %s\n", what, pc_status_str(s));
  exit(1);
}

static void *generate(void *arg) {
  (void)arg;
  for (int64_t i = 1; i <= N; i++) {
    pc_status s = pc_chan_send(nums, &i, PC_FOREVER);
    if (s != PC_OK) die("send on nums", s);
  }
  pc_chan_close(nums);
  return NULL;
}

static void *square(void *arg) {
  (void)arg;
  int64_t v;
  pc_status s;
  while ((s = pc_chan_recv(nums, &v, PC_FOREVER)) == PC_OK) {
    int64_t sq = v * v;
    if ((s = pc_chan_send(squares, &sq, PC_FOREVER)) != PC_OK) die("send on squares", s);
  }
  if (s != PC_CLOSED) die("receive on nums", s);
  if (atomic_fetch_sub(&workers_left, 1) == 1) pc_chan_close(squares);
  return NULL;
}

int main(void) {
  pc_status s;
  if ((s = pc_chan_new(sizeof(int64_t), 0, &nums)) != PC_OK) die("pc_chan_new", s);
  if ((s = pc_chan_new(sizeof(int64_t), 16, &squares)) != PC_OK) die("pc_chan_new", s);

  pthread_t gen, workers[WORKERS];
  pthread_create(&gen, NULL, generate, NULL);
  for (int i = 0; i < WORKERS; i++) pthread_create(&workers[i], NULL, square, NULL);

  int64_t v, sum = 0, count = 0;
  while ((s = pc_chan_recv(squares, &v, PC_FOREVER)) == PC_OK) {
    sum += v;
    count++;
  }
  if (s != PC_CLOSED) die("receive on squares", s);

  pthread_join(gen, NULL);
  for (int i = 0; i < WORKERS; i++) pthread_join(workers[i], NULL);
  pc_chan_free(nums);
  pc_chan_free(squares);

  const int64_t want = (int64_t)N * (N + 1) * (2 * N + 1) / 6;
  printf("polyconc %s: %lld squares, sum %lld (want %lld)\n", pc_version(), (long long)count,
         (long long)sum, (long long)want);
  return sum == want && count == N ? 0 : 1;
}
