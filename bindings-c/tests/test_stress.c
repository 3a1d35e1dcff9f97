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

int main(void) {
  many_producers_many_consumers(0);
  many_producers_many_consumers(1);
  many_producers_many_consumers(64);
  many_producers_many_consumers(PC_UNBOUNDED);
  RUN(select_consumer_over_closing_producers);
  return 0;
}
