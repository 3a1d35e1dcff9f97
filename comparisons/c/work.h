/* Suite X's CPU work (comparisons/WORKLOADS.md, suite X): task i does L3's
 * step `steps` times from x = i; the caller adds the results up (wrapping)
 * and checks them against the same sum computed once before the runs. */
#ifndef POLYCONC_COMPARE_WORK_H
#define POLYCONC_COMPARE_WORK_H

#include <stdint.h>

/* L3's step: x = (x xor (x >> 29)) * LCG_MUL + LCG_ADD (mod 2^64). */
#define LCG_MUL 6364136223846793005u
#define LCG_ADD 1442695040888963407u
/* The native step counts of X1 and X2. */
enum { X1_STEPS = 25000, X2_STEPS = 5000 };

/* Task i's CPU work. */
static inline uint64_t cpu_work(uint64_t i, int64_t steps) {
  uint64_t x = i;
  for (; steps > 0; steps--) x = (x ^ (x >> 29)) * LCG_MUL + LCG_ADD;
  return x;
}

/* What tasks 1..n add up to: the tasks one after another, on this thread. */
static inline uint64_t work_sum(int64_t n, int64_t steps) {
  uint64_t sum = 0;
  for (int64_t i = 1; i <= n; i++) sum += cpu_work((uint64_t)i, steps);
  return sum;
}

#endif
