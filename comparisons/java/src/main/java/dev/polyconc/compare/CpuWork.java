package dev.polyconc.compare;

/**
 * Suite X's CPU work (WORKLOADS.md): task i runs {@code steps} LCG steps from {@code x = i} and
 * returns x; {@link #sum} is what tasks 1..n add up to (wrapping), from the step's affine map.
 * Java's and Scala's suites share it.
 */
final class CpuWork {
  static final long MUL = 6364136223846793005L;
  static final long ADD = 1442695040888963407L;
  /** X1's and X2's step counts (about 50 µs and 10 µs). */
  static final int X1_STEPS = 40_000;

  static final int X2_STEPS = 8_000;

  static long run(long i, int steps) {
    long x = i;
    for (int s = 0; s < steps; s++) {
      x = x * MUL + ADD;
    }
    return x;
  }

  static long sum(long n, int steps) {
    long a = 1;
    long b = 0;
    for (int s = 0; s < steps; s++) {
      a *= MUL;
      b = b * MUL + ADD;
    }
    return a * (n * (n + 1) / 2) + n * b;
  }

  private CpuWork() {}
}
