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

int main(void) {
  const lock_ops spinlock = {new_spinlock,          free_spinlock,   lock_spinlock,
                             lock_spinlock_timeout, unlock_spinlock, spinlock_is_locked};
  run_lock_suite(&spinlock);
  return 0;
}
