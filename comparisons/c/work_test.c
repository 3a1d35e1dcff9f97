/* Checks suite X's CPU work (work.h) against the values of WORKLOADS.md's
 * table (steps, task 1's result, the sum of tasks 1..20), which must have a
 * row for X1's and X2's step counts. Usage: work_test WORKLOADS.md */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "work.h"

int main(int argc, char **argv) {
  FILE *f = argc == 2 ? fopen(argv[1], "r") : NULL;
  if (f == NULL) {
    fprintf(stderr, "work_test: usage: work_test WORKLOADS.md (readable)\n");
    return 2;
  }
  char line[512];
  int rows = 0, failures = 0;
  bool x1 = false, x2 = false;
  while (fgets(line, sizeof line, f) != NULL) {
    int64_t steps;
    uint64_t one, twenty;
    if (sscanf(line, "| %" SCNd64 " | 0x%" SCNx64 " | 0x%" SCNx64 " |", &steps, &one, &twenty) != 3)
      continue;
    rows++;
    x1 |= steps == X1_STEPS;
    x2 |= steps == X2_STEPS;
    uint64_t got_one = cpu_work(1, steps), got_twenty = work_sum(20, steps);
    if (got_one != one || got_twenty != twenty) {
      fprintf(stderr,
              "work_test: %" PRId64 " steps: task 1 gives %#" PRIx64 " (want %#" PRIx64
              "), tasks 1..20 %#" PRIx64 " (want %#" PRIx64 ")\n",
              steps, got_one, one, got_twenty, twenty);
      failures++;
    }
  }
  fclose(f);
  if (!x1 || !x2) {
    fprintf(stderr, "work_test: the table lacks a row for %d or %d steps\n", X1_STEPS, X2_STEPS);
    return 1;
  }
  printf("work_test: %d passed, %d failed\n", rows - failures, failures);
  return failures > 0;
}
