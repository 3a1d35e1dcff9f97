/* pc_rwlock: the core's RawRwLock through the C API. The write side is a
 * plain lock (lock_suite.h); the cases after it are the read side's and
 * how the two meet: readers share, a writer excludes everyone, a waiting
 * writer holds new readers back, and an unlock of a side not held is
 * PC_NOT_OWNER. */
#include <stdatomic.h>

#include "lock_suite.h"

static pc_status new_rwlock(void **out) {
  pc_rwlock *l = NULL;
  pc_status s = pc_rwlock_new(out == NULL ? NULL : &l);
  if (out != NULL) *out = l;
  return s;
}
static void free_rwlock(void *l) { pc_rwlock_free(l); }
static pc_status lock_write(const void *l) { return pc_rwlock_lock_write(l); }
static pc_status lock_write_timeout(const void *l, uint64_t ns) {
  return pc_rwlock_lock_write_timeout(l, ns);
}
static pc_status unlock_write(const void *l) { return pc_rwlock_unlock_write(l); }
static bool is_write_locked(const void *l) { return pc_rwlock_is_write_locked(l); }
static pc_status lock_read(const void *l) { return pc_rwlock_lock_read(l); }
static pc_status lock_read_timeout(const void *l, uint64_t ns) {
  return pc_rwlock_lock_read_timeout(l, ns);
}
static pc_status unlock_read(const void *l) { return pc_rwlock_unlock_read(l); }

static pc_rwlock *new_rw(void) {
  pc_rwlock *l = NULL;
  CHECK_STATUS(pc_rwlock_new(&l), PC_OK);
  CHECK(l != NULL);
  return l;
}

typedef struct {
  pc_rwlock *l;
  uint64_t timeout_ns;
  pc_status status;
  atomic_int done;
} rw_op_t;

/* Takes a read hold, waiting as long as it takes, and keeps it (the main
 * thread releases it). */
static void *read_and_keep(void *arg) {
  rw_op_t *op = arg;
  op->status = pc_rwlock_lock_read(op->l);
  atomic_store(&op->done, 1);
  return NULL;
}

/* Takes the write hold within its timeout, then gives it back. */
static void *write_then_unlock(void *arg) {
  rw_op_t *op = arg;
  op->status = pc_rwlock_lock_write_timeout(op->l, op->timeout_ns);
  atomic_store(&op->done, 1);
  if (op->status == PC_OK) CHECK_STATUS(pc_rwlock_unlock_write(op->l), PC_OK);
  return NULL;
}

static void read_statuses_on_purpose(void) {
  pc_rwlock *l = new_rw();
  CHECK_STATUS(pc_rwlock_unlock_read(l), PC_NOT_OWNER); /* no read hold */
  CHECK_STATUS(pc_rwlock_lock_read_timeout(l, 0), PC_OK);
  CHECK_STATUS(pc_rwlock_lock_read_timeout(l, 0), PC_OK); /* readers share */
  CHECK_STATUS(pc_rwlock_lock_read_timeout(l, 2 * MS), PC_OK);
  CHECK(pc_rwlock_readers(l) == 3 && !pc_rwlock_is_write_locked(l));
  CHECK_STATUS(pc_rwlock_lock_write_timeout(l, 0), PC_TIMEOUT); /* readers in: no writer */
  CHECK_STATUS(pc_rwlock_lock_write_timeout(l, 2 * MS), PC_TIMEOUT);
  CHECK_STATUS(pc_rwlock_unlock_write(l), PC_NOT_OWNER); /* read-held, not written */
  for (int i = 0; i < 3; i++) CHECK_STATUS(pc_rwlock_unlock_read(l), PC_OK);
  CHECK_STATUS(pc_rwlock_unlock_read(l), PC_NOT_OWNER); /* all given back */
  CHECK(pc_rwlock_readers(l) == 0);

  CHECK_STATUS(pc_rwlock_lock_write_timeout(l, 0), PC_OK);
  CHECK_STATUS(pc_rwlock_lock_read_timeout(l, 0), PC_TIMEOUT); /* a writer excludes readers */
  CHECK_STATUS(pc_rwlock_lock_read_timeout(l, 2 * MS), PC_TIMEOUT);
  CHECK_STATUS(pc_rwlock_unlock_read(l), PC_NOT_OWNER); /* written, not read */
  CHECK_STATUS(pc_rwlock_unlock_write(l), PC_OK);
  CHECK_STATUS(pc_rwlock_lock_read_timeout(l, PC_FOREVER), PC_OK);
  CHECK_STATUS(pc_rwlock_lock_read(l), PC_OK);
  CHECK(pc_rwlock_readers(l) == 2);
  CHECK_STATUS(pc_rwlock_unlock_read(l), PC_OK);
  CHECK_STATUS(pc_rwlock_unlock_read(l), PC_OK);

  CHECK_STATUS(pc_rwlock_lock_read(NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_rwlock_lock_read_timeout(NULL, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_rwlock_lock_read_timeout(NULL, PC_FOREVER), PC_INVALID_ARG);
  CHECK_STATUS(pc_rwlock_unlock_read(NULL), PC_INVALID_ARG);
  CHECK(pc_rwlock_readers(NULL) == 0 && !pc_rwlock_is_write_locked(NULL));
  pc_rwlock_free(l);
}

/* A writer waiting behind a reader keeps new readers out (no writer
 * starves), and gets the lock once the reader leaves. */
static void a_waiting_writer_holds_new_readers_back(void) {
  pc_rwlock *l = new_rw();
  CHECK_STATUS(pc_rwlock_lock_read_timeout(l, 0), PC_OK);
  rw_op_t writer = {l, PC_FOREVER, -1, 0};
  pthread_t t = spawn(write_then_unlock, &writer);
  /* Until the writer is queued a new reader may still get in; once it
   * is, every try fails. Wait (generously) for that to be the case. */
  int tries = 0;
  for (; tries < 30000; tries++) {
    pc_status s = pc_rwlock_lock_read_timeout(l, 0);
    if (s == PC_TIMEOUT) break;
    CHECK_STATUS(s, PC_OK);
    CHECK_STATUS(pc_rwlock_unlock_read(l), PC_OK);
    pause_ms(1);
  }
  CHECK(tries < 30000);
  CHECK(atomic_load(&writer.done) == 0); /* still waiting for our read hold */
  CHECK_STATUS(pc_rwlock_unlock_read(l), PC_OK);
  join(t);
  CHECK_STATUS(writer.status, PC_OK);
  CHECK_STATUS(pc_rwlock_lock_write_timeout(l, 0), PC_OK); /* it gave it back */
  CHECK_STATUS(pc_rwlock_unlock_write(l), PC_OK);
  pc_rwlock_free(l);
}

/* Readers waiting behind a writer all get in together once it leaves, and
 * any thread may give a read hold back. */
static void waiting_readers_share_after_the_writer(void) {
  enum { WAITING = 4 };
  pc_rwlock *l = new_rw();
  CHECK_STATUS(pc_rwlock_lock_write_timeout(l, 0), PC_OK);
  rw_op_t r[WAITING];
  pthread_t t[WAITING];
  for (int k = 0; k < WAITING; k++) {
    r[k] = (rw_op_t){l, PC_FOREVER, -1, 0};
    t[k] = spawn(read_and_keep, &r[k]);
  }
  pause_ms(20); /* usually all waiting by now */
  CHECK_STATUS(pc_rwlock_unlock_write(l), PC_OK);
  for (int k = 0; k < WAITING; k++) {
    join(t[k]);
    CHECK_STATUS(r[k].status, PC_OK); /* all hold it at once now */
  }
  CHECK_STATUS(pc_rwlock_lock_write_timeout(l, 0), PC_TIMEOUT);
  for (int k = 0; k < WAITING; k++) CHECK_STATUS(pc_rwlock_unlock_read(l), PC_OK);
  CHECK_STATUS(pc_rwlock_unlock_read(l), PC_NOT_OWNER);
  CHECK_STATUS(pc_rwlock_lock_write_timeout(l, 0), PC_OK);
  CHECK_STATUS(pc_rwlock_unlock_write(l), PC_OK);
  pc_rwlock_free(l);
}

/* Writers move two plain counters together under the write lock; readers
 * check under the read lock that they are never seen apart. Each thread
 * takes its side waiting, trying in a loop, or with short timeouts. The
 * final counts are exact only if no writer ever overlapped anyone. */
enum { WRITERS = 3, READERS = 3, WRITES = 5000, READS = 5000 };

typedef struct {
  pc_rwlock *l;
  int64_t *a, *b;
  atomic_int *writing;
  bool writes;
  int mode, rounds;
  int64_t torn, timeouts;
  pc_status status;
} rw_worker_t;

/* A writer moves both counters (alone, or it is torn); a reader checks
 * that no writer is inside and the counters agree. */
static void *rw_worker(void *arg) {
  rw_worker_t *w = arg;
  w->status = PC_OK;
  for (int i = 0; i < w->rounds; i++) {
    pc_status s = take_lock(w->writes ? lock_write : lock_read,
                            w->writes ? lock_write_timeout : lock_read_timeout, w->l, w->mode,
                            &w->timeouts);
    if (s != PC_OK) {
      w->status = s;
      return NULL;
    }
    if (w->writes) {
      if (atomic_fetch_add(w->writing, 1) != 0) w->torn++;
      ++*w->a;
      ++*w->b;
      atomic_fetch_sub(w->writing, 1);
    } else if (atomic_load(w->writing) != 0 || *w->a != *w->b) {
      w->torn++;
    }
    if ((s = (w->writes ? unlock_write : unlock_read)(w->l)) != PC_OK) {
      w->status = s;
      return NULL;
    }
  }
  return NULL;
}

static void readers_and_writers_never_overlap(void) {
  pc_rwlock *l = new_rw();
  int64_t a = 0, b = 0;
  atomic_int writing = 0;
  int writes = scaled(WRITES, WRITES / 10), reads = scaled(READS, READS / 10);
  rw_worker_t w[WRITERS + READERS];
  pthread_t t[WRITERS + READERS];
  for (int k = 0; k < WRITERS + READERS; k++) {
    bool writes_here = k < WRITERS;
    w[k] = (rw_worker_t){l, &a, &b, &writing, writes_here, k % 3, writes_here ? writes : reads,
                         0, 0, -1};
    t[k] = spawn(rw_worker, &w[k]);
  }
  int64_t timeouts = 0;
  for (int k = 0; k < WRITERS + READERS; k++) {
    join(t[k]);
    CHECK_STATUS(w[k].status, PC_OK);
    CHECK(w[k].torn == 0);
    timeouts += w[k].timeouts;
  }
  fprintf(stderr, "   %lld failed tries or timeouts on the way\n", (long long)timeouts);
  CHECK(a == (int64_t)WRITERS * writes && b == a);
  CHECK_STATUS(pc_rwlock_lock_write_timeout(l, 0), PC_OK); /* everyone gave it back */
  CHECK_STATUS(pc_rwlock_unlock_write(l), PC_OK);
  pc_rwlock_free(l);
}

int main(void) {
  const lock_ops write_side = {new_rwlock,         free_rwlock,  lock_write,
                               lock_write_timeout, unlock_write, is_write_locked};
  run_lock_suite(&write_side);
  RUN(read_statuses_on_purpose);
  RUN(a_waiting_writer_holds_new_readers_back);
  RUN(waiting_readers_share_after_the_writer);
  RUN(readers_and_writers_never_overlap);
  return 0;
}
