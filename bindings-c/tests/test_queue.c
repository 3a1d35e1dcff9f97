/* pc_queue: the core's six blocking queues through one C handle (cases
 * after the JSR-166 TCK's BlockingQueueTest family: offer/poll/put/take
 * with timeouts, drain, the kinds' own rules, drain after close). */
#include <stdatomic.h>
#include <string.h>

#include "harness.h"

static pc_queue *new_queue(pc_queue_kind kind, size_t capacity, bool fair) {
  pc_queue *q = NULL;
  CHECK_STATUS(pc_queue_new(kind, sizeof(int64_t), capacity, fair, &q), PC_OK);
  CHECK(q != NULL);
  return q;
}

static int by_value(const void *a, const void *b, void *ctx) {
  int64_t x, y;
  memcpy(&x, a, sizeof x);
  memcpy(&y, b, sizeof y);
  int sign = ctx == NULL ? 1 : *(int *)ctx;
  return sign * ((x > y) - (x < y));
}

static void count_free(void *ctx) { (*(int *)ctx)++; }

static void every_status_on_purpose(void) {
  pc_queue *q = new_queue(PC_QUEUE_ARRAY, 2, false);
  int64_t v = 1, out = 0;
  CHECK(pc_queue_remaining_capacity(q) == 2);
  CHECK_STATUS(pc_queue_put(q, &v, 0), PC_OK);
  v = 2;
  CHECK_STATUS(pc_queue_put(q, &v, PC_FOREVER), PC_OK);
  CHECK_STATUS(pc_queue_put(q, &v, 0), PC_FULL);
  CHECK_STATUS(pc_queue_put(q, &v, 2 * MS), PC_TIMEOUT);
  CHECK(pc_queue_len(q) == 2 && pc_queue_remaining_capacity(q) == 0);
  CHECK_STATUS(pc_queue_peek(q, &out), PC_OK);
  CHECK(out == 1 && pc_queue_len(q) == 2);
  CHECK_STATUS(pc_queue_take(q, &out, 0), PC_OK);
  CHECK(out == 1);
  CHECK_STATUS(pc_queue_take(q, &out, PC_FOREVER), PC_OK);
  CHECK(out == 2);
  out = 0;
  CHECK_STATUS(pc_queue_take(q, &out, 0), PC_EMPTY);
  CHECK_STATUS(pc_queue_take(q, &out, 2 * MS), PC_TIMEOUT);
  CHECK_STATUS(pc_queue_peek(q, &out), PC_EMPTY);
  CHECK(out == 0); /* written only on PC_OK */
  CHECK_STATUS(pc_queue_put(q, &v, 0), PC_OK);
  CHECK(!pc_queue_is_closed(q));
  CHECK_STATUS(pc_queue_close(q), PC_OK);
  CHECK_STATUS(pc_queue_close(q), PC_CLOSED);
  CHECK(pc_queue_is_closed(q));
  CHECK_STATUS(pc_queue_put(q, &v, PC_FOREVER), PC_CLOSED);
  CHECK_STATUS(pc_queue_put(q, &v, 0), PC_CLOSED);
  CHECK_STATUS(pc_queue_take(q, &out, PC_FOREVER), PC_OK); /* what is left, then closed */
  CHECK_STATUS(pc_queue_take(q, &out, PC_FOREVER), PC_CLOSED);
  CHECK_STATUS(pc_queue_take(q, &out, 0), PC_CLOSED);
  CHECK_STATUS(pc_queue_peek(q, &out), PC_CLOSED);
  CHECK(pc_queue_elem_size(q) == sizeof(int64_t));
  /* The kinds' own calls, on a queue of another kind. */
  CHECK_STATUS(pc_queue_put_delayed(q, &v, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_transfer(q, &v, 0), PC_INVALID_ARG);
  size_t n = 99;
  CHECK_STATUS(pc_queue_drain(q, NULL, 0, &n), PC_OK);
  CHECK(n == 0);
  CHECK_STATUS(pc_queue_drain(q, NULL, 1, &n), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_drain(q, &out, 1, NULL), PC_INVALID_ARG);
  pc_queue_free(q);

  pc_queue *none = NULL;
  CHECK_STATUS(pc_queue_new(PC_QUEUE_ARRAY, 8, 0, false, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_new(PC_QUEUE_ARRAY, 8, 0, true, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_new(PC_QUEUE_LINKED, 8, 0, false, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_new(PC_QUEUE_PRIORITY, 8, 0, false, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_new(0, 8, 1, false, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_new(7, 8, 1, false, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_new(PC_QUEUE_LINKED, SIZE_MAX, 1, false, &none), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_new_with_drop(PC_QUEUE_LINKED, 8, 1, false, NULL, NULL, &none),
               PC_INVALID_ARG);
  CHECK(none == NULL);
  CHECK_STATUS(pc_queue_new(PC_QUEUE_LINKED, 8, 1, false, NULL), PC_INVALID_ARG);
  /* The comparator's context is freed exactly once, also when the call fails. */
  int frees = 0;
  CHECK_STATUS(pc_queue_new_priority(8, NULL, &frees, count_free, NULL, NULL, &none),
               PC_INVALID_ARG);
  CHECK(frees == 1);
  CHECK_STATUS(pc_queue_new_priority(8, by_value, &frees, count_free, NULL, NULL, NULL),
               PC_INVALID_ARG);
  CHECK(frees == 2);
  CHECK(none == NULL);

  CHECK_STATUS(pc_queue_put(NULL, &v, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_take(NULL, &out, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_peek(NULL, &out), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_put_delayed(NULL, &v, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_transfer(NULL, &v, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_drain(NULL, &out, 1, &n), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_clear(NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_close(NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_clone(NULL, &none), PC_INVALID_ARG);
  CHECK(pc_queue_len(NULL) == 0 && pc_queue_remaining_capacity(NULL) == 0);
  CHECK(!pc_queue_is_closed(NULL) && pc_queue_elem_size(NULL) == 0);
  pc_queue_free(NULL);

  q = new_queue(PC_QUEUE_LINKED, 1, false);
  CHECK_STATUS(pc_queue_put(q, NULL, 0), PC_INVALID_ARG); /* 8-byte elements */
  CHECK_STATUS(pc_queue_take(q, NULL, 0), PC_INVALID_ARG);
  pc_queue_free(q);
}

/* The same rules on both paths of pc_queue_put and pc_queue_take: 8-byte
 * elements with a timeout of 0 or PC_FOREVER take the exports' fast path,
 * every other size and timeout the general one. Sizes of each storage: a
 * short and a full word, a pair of words, the heap. */
static void every_size_and_timeout_keeps_the_rules(void) {
  const size_t sizes[] = {1, 4, 8, 12, 16, 24};
  const pc_queue_kind kinds[] = {PC_QUEUE_ARRAY, PC_QUEUE_LINKED};
  for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
      size_t size = sizes[z];
      pc_queue *q = NULL;
      CHECK_STATUS(pc_queue_new(kinds[k], size, 2, false, &q), PC_OK);
      unsigned char a[32], b[32], out[32];
      memset(a, 0xa1, sizeof a);
      memset(b, 0xb2, sizeof b);
      CHECK_STATUS(pc_queue_put(q, a, 0), PC_OK);
      CHECK_STATUS(pc_queue_put(q, b, PC_FOREVER), PC_OK);
      CHECK_STATUS(pc_queue_put(q, a, 0), PC_FULL);
      CHECK_STATUS(pc_queue_put(q, a, 1 * MS), PC_TIMEOUT);
      memset(out, 0, sizeof out);
      CHECK_STATUS(pc_queue_take(q, out, PC_FOREVER), PC_OK);
      CHECK(memcmp(out, a, size) == 0 && out[size] == 0); /* its bytes, no more */
      CHECK_STATUS(pc_queue_take(q, out, 1 * MS), PC_OK);
      CHECK(memcmp(out, b, size) == 0);
      memset(out, 0x5c, sizeof out);
      CHECK_STATUS(pc_queue_take(q, out, 0), PC_EMPTY);
      CHECK_STATUS(pc_queue_take(q, out, 1 * MS), PC_TIMEOUT);
      CHECK(out[0] == 0x5c); /* written only on PC_OK */
      CHECK_STATUS(pc_queue_put(q, NULL, 0), PC_INVALID_ARG);
      CHECK_STATUS(pc_queue_take(q, NULL, PC_FOREVER), PC_INVALID_ARG);
      CHECK_STATUS(pc_queue_put(q, b, 1 * MS), PC_OK);
      CHECK_STATUS(pc_queue_close(q), PC_OK);
      CHECK_STATUS(pc_queue_put(q, a, 0), PC_CLOSED);
      CHECK_STATUS(pc_queue_put(q, a, PC_FOREVER), PC_CLOSED);
      CHECK_STATUS(pc_queue_put(q, a, 1 * MS), PC_CLOSED);
      CHECK_STATUS(pc_queue_take(q, out, 0), PC_OK); /* what is left, then closed */
      CHECK(memcmp(out, b, size) == 0);
      CHECK_STATUS(pc_queue_take(q, out, 0), PC_CLOSED);
      CHECK_STATUS(pc_queue_take(q, out, PC_FOREVER), PC_CLOSED);
      CHECK_STATUS(pc_queue_take(q, out, 1 * MS), PC_CLOSED);
      pc_queue_free(q);
    }
  }
  CHECK_STATUS(pc_queue_put(NULL, &(int64_t){1}, PC_FOREVER), PC_INVALID_ARG);
  CHECK_STATUS(pc_queue_take(NULL, &(int64_t){1}, 0), PC_INVALID_ARG);
}

/* FIFO kinds keep order; drain takes what is there, also after a close. */
static void fifo_order_and_drain_after_close(void) {
  const pc_queue_kind kinds[] = {PC_QUEUE_ARRAY, PC_QUEUE_ARRAY, PC_QUEUE_LINKED, PC_QUEUE_LINKED,
                                 PC_QUEUE_TRANSFER};
  const size_t caps[] = {8, 8, 8, PC_UNBOUNDED, 0};
  const bool fair[] = {false, true, false, false, false};
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    pc_queue *q = new_queue(kinds[k], caps[k], fair[k]);
    for (int64_t i = 0; i < 8; i++) CHECK_STATUS(pc_queue_put(q, &i, 0), PC_OK);
    int64_t out[8];
    size_t n = 0;
    CHECK_STATUS(pc_queue_drain(q, out, 3, &n), PC_OK);
    CHECK(n == 3);
    for (int64_t i = 0; i < 3; i++) CHECK(out[i] == i);
    CHECK_STATUS(pc_queue_close(q), PC_OK);
    CHECK_STATUS(pc_queue_drain(q, out, 8, &n), PC_OK);
    CHECK(n == 5);
    for (int64_t i = 0; i < 5; i++) CHECK(out[i] == i + 3);
    CHECK_STATUS(pc_queue_take(q, out, PC_FOREVER), PC_CLOSED);
    CHECK(pc_queue_remaining_capacity(q) == (caps[k] == 0 ? PC_UNBOUNDED : caps[k]));
    pc_queue_free(q);
  }
}

typedef struct {
  pc_queue *q;
  int64_t value;
  uint64_t timeout_ns;
  pc_status status;
} op_t;

static void *take_one(void *arg) {
  op_t *op = arg;
  op->status = pc_queue_take(op->q, &op->value, op->timeout_ns);
  return NULL;
}

static void *put_one(void *arg) {
  op_t *op = arg;
  op->status = pc_queue_put(op->q, &op->value, op->timeout_ns);
  return NULL;
}

/* A synchronous queue holds nothing: a put needs a taker. */
static void synchronous_hands_over(void) {
  for (int fair = 0; fair < 2; fair++) {
    pc_queue *q = new_queue(PC_QUEUE_SYNCHRONOUS, 0, fair);
    int64_t v = 7;
    CHECK_STATUS(pc_queue_put(q, &v, 0), PC_FULL);
    CHECK_STATUS(pc_queue_put(q, &v, 2 * MS), PC_TIMEOUT);
    CHECK(pc_queue_len(q) == 0 && pc_queue_remaining_capacity(q) == 0);
    op_t taker = {q, 0, PC_FOREVER, -1};
    pthread_t t = spawn(take_one, &taker);
    CHECK_STATUS(pc_queue_put(q, &v, 60000 * MS), PC_OK); /* waits for the taker */
    join(t);
    CHECK_STATUS(taker.status, PC_OK);
    CHECK(taker.value == 7);
    op_t putter = {q, 9, PC_FOREVER, -1};
    t = spawn(put_one, &putter);
    int64_t out = 0;
    CHECK_STATUS(pc_queue_take(q, &out, PC_FOREVER), PC_OK);
    join(t);
    CHECK_STATUS(putter.status, PC_OK);
    CHECK(out == 9);
    pc_queue_free(q);
  }
}

/* Smallest first by the caller's comparator, FIFO among equals; the
 * comparator's context is freed once, at the last free. */
static void priority_by_comparator(void) {
  int frees = 0;
  int descending = -1;
  pc_queue *q = NULL;
  CHECK_STATUS(pc_queue_new_priority(sizeof(int64_t), by_value, &descending, NULL, NULL, NULL, &q),
               PC_OK);
  const int64_t in[] = {5, 1, 4, 1, 5, 9, 2, 6};
  for (size_t i = 0; i < 8; i++) CHECK_STATUS(pc_queue_put(q, &in[i], 0), PC_OK);
  int64_t out = 0, last = INT64_MAX;
  CHECK_STATUS(pc_queue_peek(q, &out), PC_OK);
  CHECK(out == 9);
  for (int i = 0; i < 8; i++) {
    CHECK_STATUS(pc_queue_take(q, &out, 0), PC_OK);
    CHECK(out <= last);
    last = out;
  }
  CHECK(pc_queue_remaining_capacity(q) == PC_UNBOUNDED);
  pc_queue_free(q);

  /* 16-byte elements (key, arrival): equal keys leave in arrival order. */
  struct pair {
    int64_t key, arrival;
  };
  CHECK_STATUS(pc_queue_new_priority(sizeof(struct pair), by_value, NULL, NULL, NULL, NULL, &q),
               PC_OK);
  pc_queue *other = NULL;
  CHECK_STATUS(pc_queue_clone(q, &other), PC_OK);
  for (int64_t i = 0; i < 6; i++) {
    struct pair p = {i % 2, i};
    CHECK_STATUS(pc_queue_put(other, &p, 0), PC_OK);
  }
  pc_queue_free(other);
  const int64_t want[] = {0, 2, 4, 1, 3, 5};
  for (int i = 0; i < 6; i++) {
    struct pair p;
    CHECK_STATUS(pc_queue_take(q, &p, 0), PC_OK);
    CHECK(p.arrival == want[i]);
  }
  pc_queue_free(q);

  CHECK_STATUS(pc_queue_new_priority(8, by_value, &frees, count_free, NULL, NULL, &q), PC_OK);
  CHECK_STATUS(pc_queue_clone(q, &other), PC_OK);
  pc_queue_free(q);
  CHECK(frees == 0); /* a handle is left */
  pc_queue_free(other);
  CHECK(frees == 1);
}

/* Only expired elements leave, earliest first (not in the order put); take
 * sleeps until one has. The order of expiry does not depend on how fast the
 * puts run: `now` expires as it is put, before `soon` is put, and `late`
 * a minute after. */
static void delay_lets_out_expired_only(void) {
  pc_queue *q = new_queue(PC_QUEUE_DELAY, 0, false);
  int64_t late = 2, soon = 1, now = 0, out = -1;
  CHECK_STATUS(pc_queue_put(q, &now, 0), PC_OK); /* put: no delay */
  CHECK_STATUS(pc_queue_put_delayed(q, &late, 60000 * MS), PC_OK);
  CHECK_STATUS(pc_queue_put_delayed(q, &soon, 10 * MS), PC_OK);
  CHECK(pc_queue_len(q) == 3);
  CHECK_STATUS(pc_queue_take(q, &out, 0), PC_OK);
  CHECK(out == 0);
  CHECK_STATUS(pc_queue_peek(q, &out), PC_OK); /* peek sees it before it expires */
  CHECK(out == 1);
  CHECK_STATUS(pc_queue_take(q, &out, PC_FOREVER), PC_OK);
  CHECK(out == 1);
  CHECK_STATUS(pc_queue_take(q, &out, 0), PC_EMPTY); /* late is not due */
  CHECK(pc_queue_len(q) == 1);
  size_t n = 9;
  CHECK_STATUS(pc_queue_drain(q, &out, 1, &n), PC_OK);
  CHECK(n == 0); /* drain sees only expired elements */
  CHECK_STATUS(pc_queue_clear(q), PC_OK); /* clear sees them all */
  CHECK(pc_queue_len(q) == 0);
  pc_queue_free(q);
}

/* transfer waits for a consumer; a transfer that does not happen leaves
 * nothing behind. */
static void transfer_waits_for_a_consumer(void) {
  pc_queue *q = new_queue(PC_QUEUE_TRANSFER, 0, false);
  int64_t v = 3;
  CHECK_STATUS(pc_queue_transfer(q, &v, 0), PC_FULL); /* nobody waiting */
  CHECK_STATUS(pc_queue_transfer(q, &v, 2 * MS), PC_TIMEOUT);
  CHECK(pc_queue_len(q) == 0);
  op_t taker = {q, 0, PC_FOREVER, -1};
  pthread_t t = spawn(take_one, &taker);
  CHECK_STATUS(pc_queue_transfer(q, &v, PC_FOREVER), PC_OK);
  join(t);
  CHECK_STATUS(taker.status, PC_OK);
  CHECK(taker.value == 3);
  CHECK_STATUS(pc_queue_close(q), PC_OK);
  CHECK_STATUS(pc_queue_transfer(q, &v, 0), PC_CLOSED);
  CHECK_STATUS(pc_queue_transfer(q, &v, PC_FOREVER), PC_CLOSED);
  pc_queue_free(q);
}

/* Pointer payloads: what is left at the last free, and what clear removes,
 * goes to the drop callback exactly once (ASan/valgrind see a leak or a
 * double free otherwise). */

static int by_payload(const void *a, const void *b, void *ctx) {
  (void)ctx;
  int64_t *x, *y;
  memcpy(&x, a, sizeof x);
  memcpy(&y, b, sizeof y);
  return (*x > *y) - (*x < *y);
}

static void leftovers_go_to_the_drop_callback(void) {
  const pc_queue_kind kinds[] = {PC_QUEUE_ARRAY, PC_QUEUE_LINKED, PC_QUEUE_DELAY,
                                 PC_QUEUE_TRANSFER, PC_QUEUE_PRIORITY};
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    drops_t drops = {0, 0};
    pc_queue *q = NULL;
    if (kinds[k] == PC_QUEUE_PRIORITY)
      CHECK_STATUS(pc_queue_new_priority(sizeof(int64_t *), by_payload, NULL, NULL, free_payload,
                                         &drops, &q),
                   PC_OK);
    else
      CHECK_STATUS(pc_queue_new_with_drop(kinds[k], sizeof(int64_t *), 16, false, free_payload,
                                          &drops, &q),
                   PC_OK);
    for (int64_t i = 1; i <= 4; i++) {
      int64_t *p = payload(i);
      CHECK_STATUS(pc_queue_put(q, &p, 0), PC_OK);
    }
    CHECK_STATUS(pc_queue_clear(q), PC_OK);
    CHECK(drops.calls == 4 && drops.sum == 10);
    for (int64_t i = 1; i <= 5; i++) {
      int64_t *p = payload(i * 100);
      if (kinds[k] == PC_QUEUE_DELAY)
        CHECK_STATUS(pc_queue_put_delayed(q, &p, 60000 * MS), PC_OK); /* not expired at the end */
      else
        CHECK_STATUS(pc_queue_put(q, &p, 0), PC_OK);
    }
    int64_t *taken = NULL;
    if (kinds[k] != PC_QUEUE_DELAY) {
      CHECK_STATUS(pc_queue_take(q, &taken, 0), PC_OK); /* the caller's now */
      free(taken);
    }
    pc_queue *other = NULL;
    CHECK_STATUS(pc_queue_clone(q, &other), PC_OK);
    pc_queue_free(q);
    CHECK(drops.calls == 4); /* a handle is left */
    pc_queue_free(other);
    CHECK(drops.calls == (kinds[k] == PC_QUEUE_DELAY ? 9 : 8));
  }
}

/* Producers and consumers on every kind that holds elements; consumers
 * take until closed and drained. The multiset is checked by count and sum. */
enum { PRODUCERS = 3, CONSUMERS = 3 };

typedef struct {
  pc_queue *q;
  int id, per;
  int64_t sum, count;
  pc_status status;
} worker_t;

static void *produce(void *arg) {
  worker_t *w = arg;
  w->status = PC_OK;
  for (int i = 0; i < w->per; i++) {
    int64_t v = (int64_t)w->id * 1000000 + i;
    /* offer, a timed offer or put; one that would wait retries as put. */
    pc_status s = pc_queue_put(w->q, &v, i % 3 == 0 ? 0 : i % 3 == 1 ? 1 * MS : PC_FOREVER);
    if (s == PC_FULL || s == PC_TIMEOUT) s = pc_queue_put(w->q, &v, PC_FOREVER);
    if (s != PC_OK) {
      w->status = s;
      return NULL;
    }
  }
  return NULL;
}

static void *consume(void *arg) {
  worker_t *w = arg;
  for (int i = 0;; i++) {
    int64_t v;
    pc_status s = pc_queue_take(w->q, &v, i % 2 ? PC_FOREVER : 1 * MS);
    if (s == PC_TIMEOUT) continue;
    if (s == PC_CLOSED) break;
    if (s != PC_OK) {
      w->status = s;
      return NULL;
    }
    w->sum += v;
    w->count++;
  }
  w->status = PC_OK;
  return NULL;
}

static void many_producers_and_consumers(void) {
  const pc_queue_kind kinds[] = {PC_QUEUE_ARRAY, PC_QUEUE_ARRAY, PC_QUEUE_LINKED,
                                 PC_QUEUE_SYNCHRONOUS, PC_QUEUE_TRANSFER};
  const bool fair[] = {false, true, false, false, false};
  const int per = scaled(5000, 300);
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    pc_queue *q = new_queue(kinds[k], 4, fair[k]);
    worker_t p[PRODUCERS], c[CONSUMERS];
    pthread_t tp[PRODUCERS], tc[CONSUMERS];
    int64_t want = 0;
    for (int i = 0; i < PRODUCERS; i++) {
      p[i] = (worker_t){q, i, per, 0, 0, -1};
      tp[i] = spawn(produce, &p[i]);
      for (int j = 0; j < per; j++) want += (int64_t)i * 1000000 + j;
    }
    for (int i = 0; i < CONSUMERS; i++) {
      c[i] = (worker_t){q, i, 0, 0, 0, -1};
      tc[i] = spawn(consume, &c[i]);
    }
    for (int i = 0; i < PRODUCERS; i++) {
      join(tp[i]);
      CHECK_STATUS(p[i].status, PC_OK);
    }
    CHECK_STATUS(pc_queue_close(q), PC_OK);
    int64_t sum = 0, count = 0;
    for (int i = 0; i < CONSUMERS; i++) {
      join(tc[i]);
      CHECK_STATUS(c[i].status, PC_OK);
      sum += c[i].sum;
      count += c[i].count;
    }
    CHECK(count == (int64_t)PRODUCERS * per);
    CHECK(sum == want);
    pc_queue_free(q);
  }
}

int main(void) {
  RUN(every_status_on_purpose);
  RUN(every_size_and_timeout_keeps_the_rules);
  RUN(fifo_order_and_drain_after_close);
  RUN(synchronous_hands_over);
  RUN(priority_by_comparator);
  RUN(delay_lets_out_expired_only);
  RUN(transfer_waits_for_a_consumer);
  RUN(leftovers_go_to_the_drop_callback);
  RUN(many_producers_and_consumers);
  return 0;
}
