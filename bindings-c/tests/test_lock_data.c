/* pc_mutex_new_with_data / pc_spinlock_new_with_data: a lock with room for
 * the caller's data right after it. The same cases for both locks. */
#include <stdalign.h>
#include <stdbool.h>

#include "harness.h"

/* One lock type's calls, on untyped handles. */
typedef struct {
  const char *name;
  pc_status (*new_plain)(void **out);
  pc_status (*new_with_data)(size_t size, size_t align, void **out);
  void *(*data)(const void *l);
  pc_status (*lock)(const void *l);
  pc_status (*unlock)(const void *l);
  void (*free)(void *l);
} data_lock;

static pc_status mutex_plain(void **out) { return pc_mutex_new((pc_mutex **)out); }
static pc_status mutex_with_data(size_t size, size_t align, void **out) {
  return pc_mutex_new_with_data(size, align, (pc_mutex **)out);
}
static void *mutex_data(const void *l) { return pc_mutex_data(l); }
static pc_status mutex_lock(const void *l) { return pc_mutex_lock(l); }
static pc_status mutex_unlock(const void *l) { return pc_mutex_unlock(l); }
static void mutex_free(void *l) { pc_mutex_free(l); }

static pc_status spin_plain(void **out) { return pc_spinlock_new((pc_spinlock **)out); }
static pc_status spin_with_data(size_t size, size_t align, void **out) {
  return pc_spinlock_new_with_data(size, align, (pc_spinlock **)out);
}
static void *spin_data(const void *l) { return pc_spinlock_data(l); }
static pc_status spin_lock(const void *l) { return pc_spinlock_lock(l); }
static pc_status spin_unlock(const void *l) { return pc_spinlock_unlock(l); }
static void spin_free(void *l) { pc_spinlock_free(l); }

static const data_lock LOCKS[] = {
    {"pc_mutex", mutex_plain, mutex_with_data, mutex_data, mutex_lock, mutex_unlock, mutex_free},
    {"pc_spinlock", spin_plain, spin_with_data, spin_data, spin_lock, spin_unlock, spin_free},
};

static const data_lock *lk;

/* Every bad size and alignment is PC_INVALID_ARG and leaves *out alone. */
static void bad_arguments_are_statuses(void) {
  void *sentinel = (void *)&lk, *l = sentinel;
  CHECK_STATUS(lk->new_with_data(8, 8, NULL), PC_INVALID_ARG);
  CHECK_STATUS(lk->new_with_data(0, 8, &l), PC_INVALID_ARG);
  CHECK_STATUS(lk->new_with_data(8, 0, &l), PC_INVALID_ARG);
  CHECK_STATUS(lk->new_with_data(8, 3, &l), PC_INVALID_ARG);
  CHECK_STATUS(lk->new_with_data(8, 24, &l), PC_INVALID_ARG);
  CHECK_STATUS(lk->new_with_data(SIZE_MAX, 8, &l), PC_INVALID_ARG);
  CHECK_STATUS(lk->new_with_data(SIZE_MAX / 2, 8, &l), PC_INVALID_ARG);
  CHECK_STATUS(lk->new_with_data(8, (size_t)1 << (sizeof(size_t) * 8 - 1), &l), PC_INVALID_ARG);
  CHECK(l == sentinel);
  CHECK(lk->data(NULL) == NULL);
  lk->free(NULL);
}

/* A lock made without room has no data. */
static void a_plain_lock_has_no_data(void) {
  void *l = NULL;
  CHECK_STATUS(lk->new_plain(&l), PC_OK);
  CHECK(lk->data(l) == NULL);
  lk->free(l);
}

/* The data is zeroed, aligned as asked, writable to its last byte (ASan
 * and valgrind see an overrun), next to the lock, and freed with it. */
static void the_data_is_zeroed_aligned_and_next_to_the_lock(void) {
  static const size_t sizes[] = {1, 7, 16, 100, 4096};
  static const size_t aligns[] = {1, 8, 16, 64, 4096};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    for (size_t j = 0; j < sizeof aligns / sizeof *aligns; j++) {
      void *l = NULL;
      CHECK_STATUS(lk->new_with_data(sizes[i], aligns[j], &l), PC_OK);
      unsigned char *d = lk->data(l);
      CHECK(d != NULL);
      CHECK((uintptr_t)d % aligns[j] == 0);
      CHECK(d > (unsigned char *)l);
      if (aligns[j] <= 16) CHECK(d - (unsigned char *)l <= 128);
      for (size_t k = 0; k < sizes[i]; k++) CHECK(d[k] == 0);
      CHECK(lk->data(l) == d);
      CHECK_STATUS(lk->lock(l), PC_OK);
      memset(d, 0xab, sizes[i]);
      CHECK_STATUS(lk->unlock(l), PC_OK);
      CHECK(d[sizes[i] - 1] == 0xab);
      lk->free(l);
    }
  }
}

/* What the README shows: a counter in the lock's data, incremented by
 * many threads holding the lock; the sum is exact. */
typedef struct {
  int64_t n;
  uint64_t x;
} counted;

enum { THREADS = 4, EACH = 20000 };

static void *increment(void *l) {
  counted *c = lk->data(l);
  for (int i = 0; i < EACH; i++) {
    if (lk->lock(l) != PC_OK) return (void *)1;
    c->n++;
    c->x = c->x * 3 + 1;
    if (lk->unlock(l) != PC_OK) return (void *)1;
  }
  return NULL;
}

static void contended_increments_of_the_data_are_exact(void) {
  void *l = NULL;
  CHECK_STATUS(lk->new_with_data(sizeof(counted), alignof(counted), &l), PC_OK);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) t[i] = spawn(increment, l);
  for (int i = 0; i < THREADS; i++) {
    void *failed;
    CHECK(pthread_join(t[i], &failed) == 0);
    CHECK(failed == NULL);
  }
  counted *c = lk->data(l);
  uint64_t want = 0;
  for (int i = 0; i < THREADS * EACH; i++) want = want * 3 + 1;
  CHECK(c->n == THREADS * EACH);
  CHECK(c->x == want);
  lk->free(l);
}

/* A condition variable waits on a mutex with data as on any other. */
static void *set_flag(void *m) {
  pc_cond *cond = ((void **)pc_mutex_data(m))[1];
  if (pc_mutex_lock(m) != PC_OK) return (void *)1;
  ((void **)pc_mutex_data(m))[0] = m;
  pc_status s = pc_cond_signal(cond);
  if (pc_mutex_unlock(m) != PC_OK || s != PC_OK) return (void *)1;
  return NULL;
}

static void a_cond_waits_on_a_mutex_with_data(void) {
  pc_mutex *m = NULL;
  pc_cond *cond = NULL;
  CHECK_STATUS(pc_mutex_new_with_data(2 * sizeof(void *), alignof(void *), &m), PC_OK);
  CHECK_STATUS(pc_cond_new(&cond), PC_OK);
  void **slots = pc_mutex_data(m);
  slots[1] = cond;
  CHECK_STATUS(pc_mutex_lock(m), PC_OK);
  pthread_t t = spawn(set_flag, m);
  while (slots[0] == NULL) CHECK_STATUS(pc_cond_wait(cond, m, PC_FOREVER), PC_OK);
  CHECK_STATUS(pc_mutex_unlock(m), PC_OK);
  void *failed;
  CHECK(pthread_join(t, &failed) == 0);
  CHECK(failed == NULL);
  pc_cond_free(cond);
  pc_mutex_free(m);
}

int main(void) {
  for (size_t i = 0; i < sizeof LOCKS / sizeof *LOCKS; i++) {
    lk = &LOCKS[i];
    fprintf(stderr, "- %s\n", lk->name);
    RUN(bad_arguments_are_statuses);
    RUN(a_plain_lock_has_no_data);
    RUN(the_data_is_zeroed_aligned_and_next_to_the_lock);
    RUN(contended_increments_of_the_data_are_exact);
  }
  RUN(a_cond_waits_on_a_mutex_with_data);
  return 0;
}
