/* pc_select: Go's select through the C API. */
#include "harness.h"

static void a_ready_receive_fires(void) {
  pc_chan *a = new_chan(sizeof(int64_t), 1), *b = new_chan(sizeof(int64_t), 1);
  int64_t v = 5, ra = 0, rb = 0;
  CHECK_STATUS(pc_chan_send(b, &v, 0), PC_OK);
  pc_select_case cases[] = {{PC_SELECT_RECV, a, &ra, -1}, {PC_SELECT_RECV, b, &rb, -1}};
  size_t fired = 99;
  CHECK_STATUS(pc_select(cases, 2, PC_FOREVER, &fired), PC_OK);
  CHECK(fired == 1);
  CHECK_STATUS(cases[1].status, PC_OK);
  CHECK(rb == 5 && ra == 0);
  CHECK(cases[0].status == -1); /* only the fired case is written */
  pc_chan_free(a);
  pc_chan_free(b);
}

static void default_and_timeout_change_nothing(void) {
  pc_chan *a = new_chan(sizeof(int64_t), 0), *full = new_chan(sizeof(int64_t), 1);
  int64_t v = 1, out = -1;
  CHECK_STATUS(pc_chan_send(full, &v, 0), PC_OK);
  pc_select_case cases[] = {{PC_SELECT_RECV, a, &out, -1}, {PC_SELECT_SEND, full, &v, -1}};
  size_t fired = 99;
  CHECK_STATUS(pc_select(cases, 2, 0, &fired), PC_EMPTY);
  CHECK_STATUS(pc_select(cases, 2, 3 * MS, &fired), PC_TIMEOUT);
  CHECK(fired == 99 && out == -1 && cases[0].status == -1 && cases[1].status == -1);
  CHECK(pc_chan_len(full) == 1);
  pc_chan_free(a);
  pc_chan_free(full);
}

static void disabled_cases_never_fire(void) {
  pc_chan *ready = new_chan(sizeof(int64_t), 4);
  int64_t v = 1, out = 0;
  for (int i = 0; i < 4; i++) CHECK_STATUS(pc_chan_send(ready, &v, 0), PC_OK);
  pc_select_case cases[] = {
      {PC_SELECT_DISABLED, ready, &out, -1}, /* disabled by kind */
      {PC_SELECT_RECV, NULL, &out, -1},      /* disabled by a NULL channel */
  };
  size_t fired = 99;
  CHECK_STATUS(pc_select(cases, 2, 2 * MS, &fired), PC_TIMEOUT);
  CHECK(pc_chan_len(ready) == 4);
  pc_chan_free(ready);
}

static void closed_channel_fires_with_closed(void) {
  pc_chan *open = new_chan(sizeof(int64_t), 0), *shut = new_chan(sizeof(int64_t), 0);
  CHECK_STATUS(pc_chan_close(shut), PC_OK);
  int64_t out = -1, v = 3;
  pc_select_case recv_cases[] = {{PC_SELECT_RECV, open, &out, -1}, {PC_SELECT_RECV, shut, &out, -1}};
  size_t fired = 99;
  CHECK_STATUS(pc_select(recv_cases, 2, PC_FOREVER, &fired), PC_OK);
  CHECK(fired == 1);
  CHECK_STATUS(recv_cases[1].status, PC_CLOSED);
  CHECK(out == -1);
  pc_select_case send_case = {PC_SELECT_SEND, shut, &v, -1};
  CHECK_STATUS(pc_select(&send_case, 1, PC_FOREVER, &fired), PC_OK);
  CHECK(fired == 0);
  CHECK_STATUS(send_case.status, PC_CLOSED);
  pc_chan_free(open);
  pc_chan_free(shut);
}

/* Each element size class of the library (up to 8, 9 to 16, over 16
 * bytes), sent by a select and received by another. */
static void send_and_recv_cases_of_every_size(void) {
  const size_t sizes[] = {8, 12, 40};
  for (size_t k = 0; k < 3; k++) {
    unsigned char in[40], out[40];
    for (size_t b = 0; b < sizeof in; b++) in[b] = (unsigned char)(b + k), out[b] = 0;
    pc_chan *ch = new_chan(sizes[k], 1);
    pc_select_case send_case = {PC_SELECT_SEND, ch, in, -1};
    size_t fired = 99;
    CHECK_STATUS(pc_select(&send_case, 1, 0, &fired), PC_OK);
    CHECK(fired == 0);
    CHECK_STATUS(send_case.status, PC_OK);
    pc_select_case recv_case = {PC_SELECT_RECV, ch, out, -1};
    CHECK_STATUS(pc_select(&recv_case, 1, 0, &fired), PC_OK);
    CHECK_STATUS(recv_case.status, PC_OK);
    for (size_t b = 0; b < sizeof out; b++) CHECK(out[b] == (b < sizes[k] ? in[b] : 0));
    pc_chan_free(ch);
  }
}

typedef struct {
  pc_chan *ch;
  int64_t value;
  pc_status status;
} op_t;

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

static void a_waiting_select_is_woken(void) {
  pc_chan *a = new_chan(sizeof(int64_t), 0), *b = new_chan(sizeof(int64_t), 0);
  int64_t ra = -1, rb = -1;
  op_t s = {b, 21, -1};
  pthread_t t = spawn(send_after_pause, &s);
  pc_select_case cases[] = {{PC_SELECT_RECV, a, &ra, -1}, {PC_SELECT_RECV, b, &rb, -1}};
  size_t fired = 99;
  CHECK_STATUS(pc_select(cases, 2, PC_FOREVER, &fired), PC_OK);
  join(t);
  CHECK(fired == 1 && rb == 21 && ra == -1);
  CHECK_STATUS(s.status, PC_OK);

  /* A rendezvous send case, taken by a receiver that comes later. */
  int64_t v = 34;
  op_t r = {a, -1, -1};
  t = spawn(recv_after_pause, &r);
  pc_select_case send_case[] = {{PC_SELECT_SEND, a, &v, -1}, {PC_SELECT_RECV, b, &rb, -1}};
  CHECK_STATUS(pc_select(send_case, 2, 30000 * MS, &fired), PC_OK);
  join(t);
  CHECK(fired == 0);
  CHECK_STATUS(send_case[0].status, PC_OK);
  CHECK_STATUS(r.status, PC_OK);
  CHECK(r.value == 34);

  /* The largest finite timeout waits as PC_FOREVER does. */
  s = (op_t){b, 22, -1};
  t = spawn(send_after_pause, &s);
  CHECK_STATUS(pc_select(cases, 2, PC_FOREVER - 1, &fired), PC_OK);
  join(t);
  CHECK(fired == 1 && rb == 22);
  pc_chan_free(a);
  pc_chan_free(b);
}

/* With both cases always ready, each fires about half the time. With
 * 10000 selects the standard deviation is 50, so 4500..5500 is 10 of them:
 * a fair select cannot fail this, a biased one cannot pass it. */
static void select_is_fair(void) {
  enum { ROUNDS = 10000 };
  pc_chan *a = new_chan(sizeof(int64_t), ROUNDS), *b = new_chan(sizeof(int64_t), ROUNDS);
  int64_t v = 1, out;
  for (int i = 0; i < ROUNDS; i++) {
    CHECK_STATUS(pc_chan_send(a, &v, 0), PC_OK);
    CHECK_STATUS(pc_chan_send(b, &v, 0), PC_OK);
  }
  int counts[2] = {0, 0};
  for (int i = 0; i < ROUNDS; i++) {
    pc_select_case cases[] = {{PC_SELECT_RECV, a, &out, -1}, {PC_SELECT_RECV, b, &out, -1}};
    size_t fired = 99;
    CHECK_STATUS(pc_select(cases, 2, 0, &fired), PC_OK);
    CHECK(fired < 2);
    counts[fired]++;
  }
  fprintf(stderr, "   fired: %d / %d\n", counts[0], counts[1]);
  CHECK(counts[0] > 4500 && counts[1] > 4500);
  pc_chan_free(a);
  pc_chan_free(b);
}

int main(void) {
  RUN(a_ready_receive_fires);
  RUN(default_and_timeout_change_nothing);
  RUN(disabled_cases_never_fire);
  RUN(closed_channel_fires_with_closed);
  RUN(send_and_recv_cases_of_every_size);
  RUN(a_waiting_select_is_woken);
  RUN(select_is_fair);
  return 0;
}
