/* pc_mutex: the core's RawMutex through the C API (lock_suite.h). */
#include "lock_suite.h"

static pc_status new_mutex(void **out) {
  pc_mutex *m = NULL;
  pc_status s = pc_mutex_new(out == NULL ? NULL : &m);
  if (out != NULL) *out = m;
  return s;
}
static void free_mutex(void *m) { pc_mutex_free(m); }
static pc_status lock_mutex(const void *m) { return pc_mutex_lock(m); }
static pc_status lock_mutex_timeout(const void *m, uint64_t ns) {
  return pc_mutex_lock_timeout(m, ns);
}
static pc_status unlock_mutex(const void *m) { return pc_mutex_unlock(m); }
static bool mutex_is_locked(const void *m) { return pc_mutex_is_locked(m); }

int main(void) {
  const lock_ops mutex = {new_mutex,          free_mutex,   lock_mutex,
                          lock_mutex_timeout, unlock_mutex, mutex_is_locked};
  run_lock_suite(&mutex);
  return 0;
}
