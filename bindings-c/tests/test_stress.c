/* Many threads, no lost or duplicated element: producers send contiguous
 * ranges, consumers add up what they get, the main thread checks the sums
 * and counts. */
#include "harness.h"

enum { PRODUCERS = 4, CONSUMERS = 4, PER_PRODUCER = 5000 };
#define TOTAL ((int64_t)PRODUCERS * PER_PRODUCER)

typedef struct {
  pc_chan *ch;
  int64_t first, last; /* producer: the range it sends */
  int64_t sum, count;  /* consumer: what it received */
  pc_status status;    /* the first unexpected status, or PC_OK */
} worker_t;

static void *produce(void *arg) {
  worker_t *w = arg;
  w->status = PC_OK;
  for (int64_t i = w->first; i <= w->last && w->status == PC_OK; i++)
    w->status = pc_chan_send(w->ch, &i, PC_FOREVER);
  return NULL;
}

/* Receives until the channel is closed and drained. */
static void *consume(void *arg) {
  worker_t *w = arg;
  int64_t v;
  pc_status s;
  while ((s = pc_chan_recv(w->ch, &v, PC_FOREVER)) == PC_OK) {
    w->sum += v;
    w->count++;
  }
  w->status = s == PC_CLOSED ? PC_OK : s;
  return NULL;
}

static void many_producers_many_consumers(size_t capacity) {
  fprintf(stderr, "   capacity %zu\n", capacity);
  pc_chan *ch = new_chan(sizeof(int64_t), capacity);
  worker_t prod[PRODUCERS], cons[CONSUMERS];
  pthread_t pt[PRODUCERS], ct[CONSUMERS];
  for (int c = 0; c < CONSUMERS; c++) {
    cons[c] = (worker_t){ch, 0, 0, 0, 0, -1};
    ct[c] = spawn(consume, &cons[c]);
  }
  for (int p = 0; p < PRODUCERS; p++) {
    prod[p] = (worker_t){ch, (int64_t)p * PER_PRODUCER + 1, (int64_t)(p + 1) * PER_PRODUCER, 0, 0, -1};
    pt[p] = spawn(produce, &prod[p]);
  }
  for (int p = 0; p < PRODUCERS; p++) join(pt[p]);
  CHECK_STATUS(pc_chan_close(ch), PC_OK);
  int64_t sum = 0, count = 0;
  for (int c = 0; c < CONSUMERS; c++) {
    join(ct[c]);
    CHECK_STATUS(cons[c].status, PC_OK);
    sum += cons[c].sum;
    count += cons[c].count;
  }
  for (int p = 0; p < PRODUCERS; p++) CHECK_STATUS(prod[p].status, PC_OK);
  CHECK(count == TOTAL);
  CHECK(sum == TOTAL * (TOTAL + 1) / 2);
  pc_chan_free(ch);
}

typedef struct {
  pc_chan *ch;
  int64_t first, last;
  pc_status status;
} closing_producer_t;

static void *produce_then_close(void *arg) {
  closing_producer_t *w = arg;
  w->status = PC_OK;
  for (int64_t i = w->first; i <= w->last && w->status == PC_OK; i++)
    w->status = pc_chan_send(w->ch, &i, PC_FOREVER);
  if (w->status == PC_OK) w->status = pc_chan_close(w->ch);
  return NULL;
}

/* C5's shape: one consumer selects over every producer's channel and
 * disables a channel's case once it is closed and drained. */
static void select_consumer_over_closing_producers(void) {
  pc_chan *chans[PRODUCERS];
  closing_producer_t prod[PRODUCERS];
  pthread_t pt[PRODUCERS];
  int64_t got[PRODUCERS];
  pc_select_case cases[PRODUCERS];
  for (int p = 0; p < PRODUCERS; p++) {
    chans[p] = new_chan(sizeof(int64_t), p == 0 ? 0 : 16); /* mixed kinds */
    prod[p] = (closing_producer_t){chans[p], (int64_t)p * PER_PRODUCER + 1, (int64_t)(p + 1) * PER_PRODUCER, -1};
    cases[p] = (pc_select_case){PC_SELECT_RECV, chans[p], &got[p], -1};
    pt[p] = spawn(produce_then_close, &prod[p]);
  }
  int64_t sum = 0, count = 0;
  for (int open = PRODUCERS; open > 0;) {
    size_t fired;
    CHECK_STATUS(pc_select(cases, PRODUCERS, PC_FOREVER, &fired), PC_OK);
    if (cases[fired].status == PC_CLOSED) {
      cases[fired].chan = NULL;
      open--;
    } else {
      CHECK_STATUS(cases[fired].status, PC_OK);
      sum += got[fired];
      count++;
    }
  }
  for (int p = 0; p < PRODUCERS; p++) {
    join(pt[p]);
    CHECK_STATUS(prod[p].status, PC_OK);
    pc_chan_free(chans[p]);
  }
  CHECK(count == TOTAL);
  CHECK(sum == TOTAL * (TOTAL + 1) / 2);
}

/* Spawned futures taken over by pc_future_sequence_take while a pool of 2
 * runs them, from 4 threads at once: each thread's rounds give back exactly
 * the values spawned, in order (a handle taken apart while its task
 * completes, or freed twice, fails here or under ASan and valgrind). */
enum { TAKERS = 4, ROUNDS = 20, TASKS = 200 };

static pc_executor *take_pool;

static int32_t number(void *out, void *ctx) {
  int64_t v = (int64_t)(intptr_t)ctx;
  memcpy(out, &v, sizeof v);
  return 0;
}

static void *take_rounds(void *arg) {
  int64_t *sum = arg, base = *sum;
  *sum = 0;
  for (int r = 0; r < scaled(ROUNDS, 2); r++) {
    pc_future *fs[TASKS], *all = NULL;
    int64_t got[TASKS];
    for (int i = 0; i < TASKS; i++) {
      intptr_t v = (intptr_t)(base + r * TASKS + i);
      if (pc_future_spawn(take_pool, sizeof(int64_t), number, (void *)v, NULL, &fs[i]) != PC_OK)
        return NULL;
    }
    if (pc_future_sequence_take(take_pool, fs, TASKS, &all) != PC_OK) return NULL;
    pc_status s = pc_future_wait(all, got, PC_FOREVER);
    pc_future_free(all);
    if (s != PC_OK) return NULL;
    for (int i = 0; i < TASKS; i++) {
      if (got[i] != base + r * TASKS + i) return NULL;
      *sum += got[i];
    }
  }
  return NULL;
}

static void sequence_take_from_many_threads(void) {
  CHECK_STATUS(pc_thread_pool_new(2, &take_pool), PC_OK);
  pthread_t t[TAKERS];
  int64_t sums[TAKERS], want = 0;
  const int64_t per = (int64_t)scaled(ROUNDS, 2) * TASKS;
  for (int k = 0; k < TAKERS; k++) {
    sums[k] = k * per + 1; /* the first value of thread k */
    CHECK(pthread_create(&t[k], NULL, take_rounds, &sums[k]) == 0);
  }
  for (int k = 0; k < TAKERS; k++) CHECK(pthread_join(t[k], NULL) == 0);
  int64_t sum = 0;
  for (int k = 0; k < TAKERS; k++) sum += sums[k];
  want = TAKERS * per * (TAKERS * per + 1) / 2;
  CHECK(sum == want);
  CHECK_STATUS(pc_executor_shutdown(take_pool), PC_OK);
  pc_executor_free(take_pool);
}

int main(void) {
  many_producers_many_consumers(0);
  many_producers_many_consumers(1);
  many_producers_many_consumers(64);
  many_producers_many_consumers(PC_UNBOUNDED);
  RUN(select_consumer_over_closing_producers);
  RUN(sequence_take_from_many_threads);
  return 0;
}
