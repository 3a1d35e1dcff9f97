package dev.polyconc.compare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Process-wide resource counters that the result schema reports. */
interface ProcessUsage {
  /** Voluntary + involuntary context switches of the whole process so far, if readable. */
  OptionalLong contextSwitches();

  /** Peak resident set size of the process, in KiB. */
  long maxRssKb();

  /**
   * getrusage through FFM when this build has it (JDK 25), else /proc/self/status. Rusage is
   * looked up by name because a build on an older JDK leaves it out.
   */
  static ProcessUsage detect() {
    try {
      return (ProcessUsage)
          Class.forName("dev.polyconc.compare.Rusage").getDeclaredConstructor().newInstance();
    } catch (ClassNotFoundException e) {
      return new ProcStatus();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create the getrusage reader", e);
    }
  }

  /**
   * Fallback without FFM. /proc/self/status counts context switches of the main thread only,
   * not of the process, so none are reported.
   */
  final class ProcStatus implements ProcessUsage {
    private static final Path STATUS = Path.of("/proc/self/status");

    @Override
    public OptionalLong contextSwitches() {
      return OptionalLong.empty();
    }

    @Override
    public long maxRssKb() {
      try {
        for (String line : Files.readAllLines(STATUS)) {
          // "VmHWM:     12345 kB" is the peak RSS.
          if (line.startsWith("VmHWM:")) {
            return Long.parseLong(line.substring(6).replace("kB", "").trim());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + STATUS, e);
      }
      throw new IllegalStateException(STATUS + " has no VmHWM line");
    }
  }
}
