package dev.polyconc.compare;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * X3's memory per parked task (WORKLOADS.md, suite X): the program starts itself again as a fresh
 * child process ({@code --x3-child MODEL --parked Q}), which reads VmRSS and VmSize, parks Q
 * tasks of the model, reads VmHWM and VmPeak, releases and joins them, and prints the deltas
 * divided by Q.
 */
final class Memory {
  /** Q tasks of one model, each parked on its own promise or channel. */
  interface Parked {
    /** Releases task i (1..Q) with i, joins them all and returns the sum of what they got. */
    long releaseAndJoin() throws InterruptedException;
  }

  /**
   * A suite that has X3 models: starts Q parked tasks of the named one; its X3 lines (impl: the
   * model, ops: Q) carry memory per task.
   */
  interface Models extends Bench.Suite {
    Parked park(String model, int q) throws InterruptedException;

    @Override
    default Bench.Extra extra(Bench.Case c) {
      return c.workload().equals("X3") ? measure(c.impl(), (int) c.ops()) : null;
    }
  }

  /** The child process's part: prints the JSON members or returns 1 after an error. */
  static int child(Bench.Suite suite, String model, String q, PrintStream out, PrintStream err) {
    try {
      if (!(suite instanceof Models models)) {
        throw new IllegalArgumentException("this program's suite X has no X3 models");
      }
      int n = Integer.parseInt(q);
      Map<String, Long> before = status();
      Parked parked = models.park(model, n);
      Map<String, Long> peak = status();
      long sum = parked.releaseAndJoin();
      long want = (long) n * (n + 1) / 2;
      if (sum != want) {
        throw new IllegalStateException("parked tasks got " + sum + ", expected " + want);
      }
      out.printf(
          Locale.ROOT,
          "\"rss_per_task_b\": %.1f, \"vm_per_task_b\": %.1f%n",
          (double) (peak.get("VmHWM") - before.get("VmRSS")) / n,
          (double) (peak.get("VmPeak") - before.get("VmSize")) / n);
      return 0;
    } catch (Exception | OutOfMemoryError e) {
      // A thread limit shows as an OutOfMemoryError ("unable to create native thread").
      err.println("bench: x3 child " + model + ": cannot park " + q + " tasks: " + e);
      return 1;
    }
  }

  /** /proc/self/status's VmRSS, VmSize, VmHWM and VmPeak, in bytes. */
  static Map<String, Long> status() throws IOException {
    Map<String, Long> out = new HashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      String[] parts = line.split(":\\s+");
      if (parts.length == 2 && parts[0].startsWith("Vm")) {
        out.put(parts[0], 1024 * Long.parseLong(parts[1].replace(" kB", "").trim()));
      }
    }
    for (String key : List.of("VmRSS", "VmSize", "VmHWM", "VmPeak")) {
      if (!out.containsKey(key)) {
        throw new IOException("/proc/self/status has no " + key);
      }
    }
    return out;
  }

  /** The parent's part: the JSON members the child printed. */
  static Bench.Extra measure(String model, int q) {
    return () -> {
      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElse("java"));
      for (String p : List.of("polyconc.lang", "polyconc.suitePrefix", "polyconc.langVersion")) {
        if (System.getProperty(p) != null) {
          cmd.add("-D" + p + "=" + System.getProperty(p));
        }
      }
      cmd.addAll(
          List.of(
              "--enable-native-access=ALL-UNNAMED",
              "-cp",
              System.getProperty("java.class.path"),
              Bench.class.getName(),
              "--x3-child",
              model,
              "--parked",
              Integer.toString(q)));
      try {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
          throw new Bench.CheckFailed("X3 " + model + ": the child process failed (see above)");
        }
        return printed.trim();
      } catch (IOException e) {
        throw new Bench.CheckFailed("X3 " + model + ": cannot start the child process: " + e);
      }
    };
  }

  private Memory() {}
}
