/* pc_spinlock: the core's RawSpinLock through the C API (lock_suite.h). */
#include "lock_suite.h"

static pc_status new_spinlock(void **out) {
  pc_spinlock *l = NULL;
  pc_status s = pc_spinlock_new(out == NULL ? NULL : &l);
  if (out != NULL) *out = l;
  return s;
}
static void free_spinlock(void *l) { pc_spinlock_free(l); }
static pc_status lock_spinlock(const void *l) { return pc_spinlock_lock(l); }
static pc_status lock_spinlock_timeout(const void *l, uint64_t ns) {
  return pc_spinlock_lock_timeout(l, ns);
}
static pc_status unlock_spinlock(const void *l) { return pc_spinlock_unlock(l); }
static bool spinlock_is_locked(const void *l) { return pc_spinlock_is_locked(l); }

/* pc_spinlock_unlock is a look and a store (no locked instruction): an
 * unlock of a lock found unlocked is still PC_NOT_OWNER, whether it was
 * never locked, unlocked by this thread or by another thread first. */
static void an_unlock_of_an_unlocked_spinlock_is_not_owner(void) {
  pc_spinlock *l = NULL;
  CHECK_STATUS(pc_spinlock_new(&l), PC_OK);
  CHECK_STATUS(pc_spinlock_unlock(l), PC_NOT_OWNER); /* never locked */
  CHECK(!pc_spinlock_is_locked(l));
  CHECK_STATUS(pc_spinlock_lock(l), PC_OK);
  op_t op = {l, 0, -1};
  join(spawn(unlock_it, &op));
  CHECK_STATUS(op.status, PC_OK);
  CHECK_STATUS(pc_spinlock_unlock(l), PC_NOT_OWNER); /* the other thread's came first */
  CHECK_STATUS(pc_spinlock_lock_timeout(l, 0), PC_OK); /* and it changed nothing */
  CHECK_STATUS(pc_spinlock_unlock(l), PC_OK);
  CHECK_STATUS(pc_spinlock_unlock(l), PC_NOT_OWNER);
  pc_spinlock_free(l);
}

enum { RACERS = 4, RACES = 200 };

/* Unlocks of one hold at the same instant: more than one may return PC_OK
 * (the documented race), at least one does, the lock ends free and the
 * next unlock is PC_NOT_OWNER. */
static void racing_unlocks_free_the_lock_and_one_at_least_succeeds(void) {
  pc_spinlock *l = NULL;
  CHECK_STATUS(pc_spinlock_new(&l), PC_OK);
  for (int race = 0; race < RACES; race++) {
    CHECK_STATUS(pc_spinlock_lock(l), PC_OK);
    op_t op[RACERS];
    pthread_t t[RACERS];
    for (int k = 0; k < RACERS; k++) {
      op[k] = (op_t){l, 0, -1};
      t[k] = spawn(unlock_it, &op[k]);
    }
    int ok = 0;
    for (int k = 0; k < RACERS; k++) {
      join(t[k]);
      CHECK(op[k].status == PC_OK || op[k].status == PC_NOT_OWNER);
      ok += op[k].status == PC_OK;
    }
    CHECK(ok >= 1);
    CHECK(!pc_spinlock_is_locked(l));
    CHECK_STATUS(pc_spinlock_unlock(l), PC_NOT_OWNER);
  }
  pc_spinlock_free(l);
}

int main(void) {
  const lock_ops spinlock = {new_spinlock,          free_spinlock,   lock_spinlock,
                             lock_spinlock_timeout, unlock_spinlock, spinlock_is_locked};
  run_lock_suite(&spinlock);
  RUN(an_unlock_of_an_unlocked_spinlock_is_not_owner);
  RUN(racing_unlocks_free_the_lock_and_one_at_least_succeeds);
  return 0;
}
