package dev.polyconc.compare;

/**
 * Suite X's CPU work (WORKLOADS.md, "CPU work"): task i runs L3's step {@code steps} times from
 * {@code x = i} and returns x; {@link #sum} is what tasks 1..n add up to (wrapping), the tasks
 * one after another on the calling thread, once before the runs. Java's and Scala's suites share
 * it.
 */
final class CpuWork {
  /** X1's and X2's step counts (about 50 µs and 10 µs). */
  static final int X1_STEPS = 25_000;

  static final int X2_STEPS = 5_000;

  static long run(long i, int steps) {
    return SuiteL.lcg(i, steps);
  }

  static long sum(long n, int steps) {
    long sum = 0;
    for (long i = 1; i <= n; i++) {
      sum += run(i, steps);
    }
    return sum;
  }

  private CpuWork() {}
}
