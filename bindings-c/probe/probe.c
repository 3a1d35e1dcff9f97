/* The C side of the crossing's callgrind probes (`make -C bindings-c
 * probe`): `probe OP N` runs N rounds of OP through libpolyconc, and
 * probe.rs the same rounds from Rust over the core, so that the
 * difference in instructions per round is what the crossing costs.
 * Instructions, not time: callgrind counts them the same on a loaded
 * machine. */
#include <polyconc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int32_t twice(const void *in, void *out, void *ctx) {
  (void)ctx;
  *(uint64_t *)out = 2 * *(const uint64_t *)in;
  return 0;
}

static int32_t answer(void *out, void *ctx) {
  (void)ctx;
  *(uint64_t *)out = 42;
  return 0;
}

#define MUST(call)                                              \
  do {                                                          \
    pc_status s_ = (call);                                      \
    if (s_ != PC_OK) {                                          \
      fprintf(stderr, "%s: %s\n", #call, pc_status_str(s_));    \
      return 1;                                                 \
    }                                                           \
  } while (0)

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: probe mutex|mutex_try|spinlock|rwlock_read|chan|chan_wait|queue|queue_wait|promise|map|spawn N\n");
    return 2;
  }
  const char *op = argv[1];
  long n = atol(argv[2]);
  uint64_t sink = 0;
  if (strcmp(op, "mutex") == 0) {
    pc_mutex *m;
    MUST(pc_mutex_new(&m));
    for (long i = 0; i < n; i++) {
      MUST(pc_mutex_lock(m));
      MUST(pc_mutex_unlock(m));
    }
    pc_mutex_free(m);
  } else if (strcmp(op, "mutex_try") == 0) {
    pc_mutex *m;
    MUST(pc_mutex_new(&m));
    for (long i = 0; i < n; i++) {
      MUST(pc_mutex_lock_timeout(m, 0));
      MUST(pc_mutex_unlock(m));
    }
    pc_mutex_free(m);
  } else if (strcmp(op, "spinlock") == 0) {
    pc_spinlock *l;
    MUST(pc_spinlock_new(&l));
    for (long i = 0; i < n; i++) {
      MUST(pc_spinlock_lock(l));
      MUST(pc_spinlock_unlock(l));
    }
    pc_spinlock_free(l);
  } else if (strcmp(op, "rwlock_read") == 0) {
    pc_rwlock *l;
    MUST(pc_rwlock_new(&l));
    for (long i = 0; i < n; i++) {
      MUST(pc_rwlock_lock_read(l));
      MUST(pc_rwlock_unlock_read(l));
    }
    pc_rwlock_free(l);
  } else if (strcmp(op, "chan") == 0) {
    pc_chan *ch;
    MUST(pc_chan_new(sizeof(uint64_t), 64, &ch));
    for (long i = 0; i < n; i++) {
      uint64_t v = (uint64_t)i;
      MUST(pc_chan_send(ch, &v, 0));
      MUST(pc_chan_recv(ch, &v, 0));
      sink += v;
    }
    pc_chan_free(ch);
  } else if (strcmp(op, "chan_wait") == 0) {
    pc_chan *ch;
    MUST(pc_chan_new(sizeof(uint64_t), 64, &ch));
    for (long i = 0; i < n; i++) {
      uint64_t v = (uint64_t)i;
      MUST(pc_chan_send(ch, &v, PC_FOREVER));
      MUST(pc_chan_recv(ch, &v, PC_FOREVER));
      sink += v;
    }
    pc_chan_free(ch);
  } else if (strcmp(op, "queue_wait") == 0) {
    pc_queue *q;
    MUST(pc_queue_new(PC_QUEUE_ARRAY, sizeof(uint64_t), 64, false, &q));
    for (long i = 0; i < n; i++) {
      uint64_t v = (uint64_t)i;
      MUST(pc_queue_put(q, &v, PC_FOREVER));
      MUST(pc_queue_take(q, &v, PC_FOREVER));
      sink += v;
    }
    pc_queue_free(q);
  } else if (strcmp(op, "promise") == 0) {
    for (long i = 0; i < n; i++) {
      pc_promise *p;
      pc_future *f;
      uint64_t v = (uint64_t)i;
      MUST(pc_promise_new(sizeof v, &p));
      MUST(pc_promise_future(p, &f));
      MUST(pc_promise_success(p, &v));
      MUST(pc_future_wait(f, &v, PC_FOREVER));
      pc_future_free(f);
      pc_promise_free(p);
      sink += v;
    }
  } else if (strcmp(op, "queue") == 0) {
    pc_queue *q;
    MUST(pc_queue_new(PC_QUEUE_ARRAY, sizeof(uint64_t), 64, false, &q));
    for (long i = 0; i < n; i++) {
      uint64_t v = (uint64_t)i;
      MUST(pc_queue_put(q, &v, 0));
      MUST(pc_queue_take(q, &v, 0));
      sink += v;
    }
    pc_queue_free(q);
  } else if (strcmp(op, "map") == 0) {
    pc_promise *p;
    pc_future *f;
    uint64_t v = 21;
    MUST(pc_promise_new(sizeof v, &p));
    MUST(pc_promise_future(p, &f));
    MUST(pc_promise_success(p, &v));
    for (long i = 0; i < n; i++) {
      pc_future *g;
      MUST(pc_future_map(f, pc_executor_global(), sizeof v, twice, NULL, NULL, &g));
      MUST(pc_future_wait(g, &v, PC_FOREVER));
      pc_future_free(g);
      sink += v;
    }
    pc_future_free(f);
    pc_promise_free(p);
  } else if (strcmp(op, "spawn") == 0) {
    for (long i = 0; i < n; i++) {
      pc_future *g;
      uint64_t v;
      MUST(pc_future_spawn(pc_executor_global(), sizeof v, answer, NULL, NULL, &g));
      MUST(pc_future_wait(g, &v, PC_FOREVER));
      pc_future_free(g);
      sink += v;
    }
  } else {
    fprintf(stderr, "unknown op %s\n", op);
    return 2;
  }
  printf("%llu\n", (unsigned long long)sink);
  return 0;
}
