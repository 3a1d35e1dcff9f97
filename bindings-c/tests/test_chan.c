/* Go channel semantics seen through the C API. */
#include <stdbool.h>
#include <string.h>

#include "harness.h"

typedef struct {
  pc_chan *ch;
  int64_t value;
  pc_status status;
} op_t;

static void *recv_forever(void *arg) {
  op_t *op = arg;
  op->status = pc_chan_recv(op->ch, &op->value, PC_FOREVER);
  return NULL;
}

static void *send_forever(void *arg) {
  op_t *op = arg;
  op->status = pc_chan_send(op->ch, &op->value, PC_FOREVER);
  return NULL;
}

static void *send_after_pause(void *arg) {
  op_t *op = arg;
  pause_ms(20);
  op->status = pc_chan_send(op->ch, &op->value, PC_FOREVER);
  return NULL;
}

static void *recv_after_pause(void *arg) {
  op_t *op = arg;
  pause_ms(20);
  op->status = pc_chan_recv(op->ch, &op->value, PC_FOREVER);
  return NULL;
}

static void buffered_fifo_and_getters(void) {
  pc_chan *ch = new_chan(sizeof(int64_t), 3);
  CHECK(pc_chan_capacity(ch) == 3);
  CHECK(pc_chan_elem_size(ch) == sizeof(int64_t));
  for (int64_t i = 1; i <= 3; i++) CHECK_STATUS(pc_chan_send(ch, &i, 0), PC_OK);
  CHECK(pc_chan_len(ch) == 3);
  for (int64_t i = 1; i <= 3; i++) {
    int64_t out = 0;
    CHECK_STATUS(pc_chan_recv(ch, &out, 0), PC_OK);
    CHECK(out == i);
  }
  CHECK(pc_chan_len(ch) == 0);
  pc_chan_free(ch);
}

static void drain_after_close(void) {
  pc_chan *ch = new_chan(sizeof(int64_t), 4);
  for (int64_t i = 10; i < 13; i++) CHECK_STATUS(pc_chan_send(ch, &i, 0), PC_OK);
  CHECK_STATUS(pc_chan_close(ch), PC_OK);
  CHECK(pc_chan_is_closed(ch));
  int64_t v = 99;
  CHECK_STATUS(pc_chan_send(ch, &v, 0), PC_CLOSED);
  for (int64_t i = 10; i < 13; i++) {
    int64_t out = 0;
    CHECK_STATUS(pc_chan_recv(ch, &out, PC_FOREVER), PC_OK);
    CHECK(out == i);
  }
  int64_t untouched = -5;
  CHECK_STATUS(pc_chan_recv(ch, &untouched, 0), PC_CLOSED);
  CHECK_STATUS(pc_chan_recv(ch, &untouched, 5 * MS), PC_CLOSED);
  CHECK(untouched == -5);
  pc_chan_free(ch);
}

static void close_wakes_waiting_receivers_and_senders(void) {
  enum { N = 4 };
  pc_chan *empty = new_chan(sizeof(int64_t), 0);
  pc_chan *full = new_chan(sizeof(int64_t), 1);
  int64_t one = 1;
  CHECK_STATUS(pc_chan_send(full, &one, 0), PC_OK);
  op_t receivers[N], senders[N];
  pthread_t rt[N], st[N];
  for (int i = 0; i < N; i++) {
    receivers[i] = (op_t){empty, -1, -1};
    senders[i] = (op_t){full, 100 + i, -1};
    rt[i] = spawn(recv_forever, &receivers[i]);
    st[i] = spawn(send_forever, &senders[i]);
  }
  pause_ms(20);
  CHECK_STATUS(pc_chan_close(empty), PC_OK);
  CHECK_STATUS(pc_chan_close(full), PC_OK);
  for (int i = 0; i < N; i++) {
    join(rt[i]);
    join(st[i]);
    CHECK_STATUS(receivers[i].status, PC_CLOSED);
    CHECK(receivers[i].value == -1);
    CHECK_STATUS(senders[i].status, PC_CLOSED);
  }
  /* The value buffered before the close is still there, and only it. */
  int64_t out = 0;
  CHECK_STATUS(pc_chan_recv(full, &out, 0), PC_OK);
  CHECK(out == 1);
  CHECK_STATUS(pc_chan_recv(full, &out, 0), PC_CLOSED);
  pc_chan_free(empty);
  pc_chan_free(full);
}

static void rendezvous_hands_over_directly(void) {
  pc_chan *ch = new_chan(sizeof(int64_t), 0);
  int64_t v = 7;
  CHECK(pc_chan_capacity(ch) == 0);
  CHECK_STATUS(pc_chan_send(ch, &v, 0), PC_FULL); /* nobody receiving */
  CHECK_STATUS(pc_chan_send(ch, &v, 2 * MS), PC_TIMEOUT);
  op_t r = {ch, 0, -1};
  pthread_t t = spawn(recv_forever, &r);
  CHECK_STATUS(pc_chan_send(ch, &v, PC_FOREVER), PC_OK);
  join(t);
  CHECK_STATUS(r.status, PC_OK);
  CHECK(r.value == 7);
  CHECK(pc_chan_len(ch) == 0);
  /* And the other way round: a waiting sender, a receiver arriving. */
  op_t s = {ch, 8, -1};
  t = spawn(send_forever, &s);
  int64_t out = 0;
  CHECK_STATUS(pc_chan_recv(ch, &out, PC_FOREVER), PC_OK);
  join(t);
  CHECK_STATUS(s.status, PC_OK);
  CHECK(out == 8);
  pc_chan_free(ch);
}

static void timed_receive_gets_a_late_value(void) {
  pc_chan *ch = new_chan(sizeof(int64_t), 0);
  op_t s = {ch, 42, -1};
  pthread_t t = spawn(send_after_pause, &s);
  int64_t out = 0;
  CHECK_STATUS(pc_chan_recv(ch, &out, 30000 * MS), PC_OK);
  join(t);
  CHECK_STATUS(s.status, PC_OK);
  CHECK(out == 42);
  pc_chan_free(ch);
}

/* The largest finite timeouts (a deadline past what the clock can hold)
 * wait as PC_FOREVER does: each call returns only because a partner acts. */
static void the_largest_timeouts_wait(void) {
  pc_chan *ch = new_chan(sizeof(int64_t), 0);
  op_t s = {ch, 43, -1};
  pthread_t t = spawn(send_after_pause, &s);
  int64_t out = 0;
  CHECK_STATUS(pc_chan_recv(ch, &out, PC_FOREVER - 1), PC_OK);
  join(t);
  CHECK(out == 43);
  op_t r = {ch, 0, -1};
  t = spawn(recv_after_pause, &r);
  int64_t v = 44;
  CHECK_STATUS(pc_chan_send(ch, &v, PC_FOREVER - 1), PC_OK);
  join(t);
  CHECK_STATUS(r.status, PC_OK);
  CHECK(r.value == 44);
  pc_chan_free(ch);
}

static void clones_share_the_channel(void) {
  pc_chan *a = new_chan(sizeof(int64_t), 2);
  pc_chan *b = NULL;
  CHECK_STATUS(pc_chan_clone(a, &b), PC_OK);
  CHECK(b != NULL && b != a);
  int64_t v = 5, out = 0;
  CHECK_STATUS(pc_chan_send(a, &v, 0), PC_OK);
  pc_chan_free(a); /* the channel lives on in b */
  CHECK(pc_chan_len(b) == 1);
  CHECK_STATUS(pc_chan_recv(b, &out, 0), PC_OK);
  CHECK(out == 5);
  pc_chan_free(b);
}

static void unbounded_never_blocks_a_sender(void) {
  pc_chan *ch = new_chan(sizeof(int64_t), PC_UNBOUNDED);
  CHECK(pc_chan_capacity(ch) == PC_UNBOUNDED);
  for (int64_t i = 0; i < 10000; i++) CHECK_STATUS(pc_chan_send(ch, &i, 0), PC_OK);
  CHECK(pc_chan_len(ch) == 10000);
  for (int64_t i = 0; i < 10000; i++) {
    int64_t out = -1;
    CHECK_STATUS(pc_chan_recv(ch, &out, 0), PC_OK);
    CHECK(out == i);
  }
  pc_chan_free(ch);
}

typedef struct {
  char name[40];
  double x, y, z;
  uint64_t id;
} record_t; /* larger than the inline size: stored on the heap */

static void large_and_odd_sized_elements(void) {
  pc_chan *ch = new_chan(sizeof(record_t), 2);
  record_t r = {"polyconc", 1.5, -2.0, 3.25, 77}, got;
  memset(&got, 0, sizeof got);
  CHECK_STATUS(pc_chan_send(ch, &r, 0), PC_OK);
  r.id = 0; /* the channel holds a copy */
  CHECK_STATUS(pc_chan_recv(ch, &got, 0), PC_OK);
  CHECK(strcmp(got.name, "polyconc") == 0 && got.y == -2.0 && got.id == 77);
  pc_chan_free(ch);

  pc_chan *three = new_chan(3, 1);
  unsigned char in[3] = {1, 2, 3}, out[4] = {9, 9, 9, 9};
  CHECK_STATUS(pc_chan_send(three, in, 0), PC_OK);
  CHECK_STATUS(pc_chan_recv(three, out, 0), PC_OK);
  CHECK(out[0] == 1 && out[1] == 2 && out[2] == 3 && out[3] == 9); /* exactly 3 bytes */
  pc_chan_free(three);

  /* 9 to 16 bytes have their own storage in the library: cover it too. */
  uint32_t twelve[3] = {7, 8, 9}, back[3] = {0, 0, 0};
  pc_chan *mid = new_chan(sizeof twelve, 1);
  CHECK_STATUS(pc_chan_send(mid, twelve, 0), PC_OK);
  CHECK_STATUS(pc_chan_recv(mid, back, 0), PC_OK);
  CHECK(back[0] == 7 && back[1] == 8 && back[2] == 9);
  pc_chan_free(mid);
}

/* Issue 10, fault 7: every capacity the core accepts is accepted here (the
 * core allocates at most 65,536 slots up front and grows the rest as it
 * fills), for each of the library's element storages; before, the library
 * reserved the whole capacity and answered PC_NO_MEMORY. */
static void huge_capacities_are_accepted(void) {
  const struct {
    size_t elem_size, capacity;
  } cases[] = {
      {8, (size_t)1 << 36},  {12, (size_t)1 << 36}, {sizeof(record_t), (size_t)1 << 36},
      {8, SIZE_MAX - 1},     {0, (size_t)1 << 40},  {sizeof(record_t), SIZE_MAX - 1},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    pc_chan *ch = new_chan(cases[k].elem_size, cases[k].capacity);
    CHECK(pc_chan_capacity(ch) == cases[k].capacity);
    record_t in, out;
    for (int i = 0; i < 100; i++) {
      memset(&in, i, sizeof in);
      CHECK_STATUS(pc_chan_send(ch, &in, 0), PC_OK);
    }
    CHECK(pc_chan_len(ch) == 100);
    for (int i = 0; i < 90; i++) {
      memset(&out, 0xff, sizeof out);
      CHECK_STATUS(pc_chan_recv(ch, &out, 0), PC_OK);
      memset(&in, i, sizeof in);
      CHECK(memcmp(&in, &out, cases[k].elem_size) == 0); /* FIFO, bytes intact */
    }
    pc_chan_free(ch); /* with 10 still buffered: freed with the channel */
  }
}

static void pointer_channel(void) {
  pc_chan *ch = new_chan(sizeof(void *), 1);
  static int target = 3;
  void *p = &target, *q = NULL;
  CHECK_STATUS(pc_chan_send(ch, &p, 0), PC_OK);
  CHECK_STATUS(pc_chan_recv(ch, &q, 0), PC_OK);
  CHECK(q == &target);
  pc_chan_free(ch);
}

int main(void) {
  RUN(buffered_fifo_and_getters);
  RUN(drain_after_close);
  RUN(close_wakes_waiting_receivers_and_senders);
  RUN(rendezvous_hands_over_directly);
  RUN(timed_receive_gets_a_late_value);
  RUN(the_largest_timeouts_wait);
  RUN(clones_share_the_channel);
  RUN(unbounded_never_blocks_a_sender);
  RUN(large_and_odd_sized_elements);
  RUN(huge_capacities_are_accepted);
  RUN(pointer_channel);
  return 0;
}
