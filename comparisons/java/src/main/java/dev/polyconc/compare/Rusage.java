package dev.polyconc.compare;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.OptionalLong;

/** getrusage(RUSAGE_SELF) called through the FFM API; loaded by ProcessUsage.detect(). */
final class Rusage implements ProcessUsage {
  private static final int RUSAGE_SELF = 0;
  // struct rusage on 64-bit Linux: two struct timeval (16 bytes each), then 14 longs.
  private static final long SIZE = 32 + 14 * 8;
  private static final long MAXRSS = 32;
  private static final long NVCSW = 32 + 12 * 8;
  private static final long NIVCSW = 32 + 13 * 8;

  private final MethodHandle getrusage;

  // Calling C is the point of this class; the launcher enables native access (jar manifest).
  @SuppressWarnings("restricted")
  Rusage() {
    Linker linker = Linker.nativeLinker();
    MemorySegment symbol =
        linker
            .defaultLookup()
            .find("getrusage")
            .orElseThrow(() -> new IllegalStateException("libc has no getrusage symbol"));
    getrusage = linker.downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
  }

  private long[] read(long... offsets) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment usage = arena.allocate(SIZE, 8);
      int rc;
      try {
        rc = (int) getrusage.invokeExact(RUSAGE_SELF, usage);
      } catch (Throwable t) {
        throw new IllegalStateException("getrusage call failed", t);
      }
      if (rc != 0) {
        throw new IllegalStateException("getrusage(RUSAGE_SELF) returned " + rc);
      }
      long[] values = new long[offsets.length];
      for (int i = 0; i < offsets.length; i++) {
        values[i] = usage.get(JAVA_LONG, offsets[i]);
      }
      return values;
    }
  }

  @Override
  public OptionalLong contextSwitches() {
    long[] v = read(NVCSW, NIVCSW);
    return OptionalLong.of(v[0] + v[1]);
  }

  @Override
  public long maxRssKb() {
    // Linux reports ru_maxrss in kilobytes.
    return read(MAXRSS)[0];
  }
}
