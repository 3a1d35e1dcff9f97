package dev.polyconc.compare;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * The harness of the Java benchmark program of WORKLOADS.md ("Program interface"): the flags of
 * every Modes-table parameter, the warm-up and measured runs, context switches and the JSON
 * lines, one per configuration on stdout; progress and errors on stderr. Suite S is the class
 * {@code SuiteS} of this package, found by its name.
 *
 * <p>The Scala program (comparisons/scala) is this harness with its own suites: it runs with
 * {@code -Dpolyconc.lang=scala -Dpolyconc.suitePrefix=ScalaSuite}, so its lines say {@code
 * "lang": "scala"} and suite S is the class {@code ScalaSuiteS}.
 */
public final class Bench {
  /** The language the lines name. */
  static final String LANG = System.getProperty("polyconc.lang", "java");

  /** Suite S is the class PREFIX + S of this package. */
  static final String PREFIX = System.getProperty("polyconc.suitePrefix", "Suite");

  static final String USAGE =
      "usage: bench --suite S [--runs R] [--warmup W] [--messages M] [--ops K] [--threads T]"
          + " [--tasks N] [--pool-sizes W] [--latency-ms D] [--parked Q] [--work I]"
          + " [--window-ms S] [--workloads a,b] [--impls a,b] [--capacities a,b]\n"
          + "--capacities: only these capacities of C2-C4 run (0, 1, 1024, unbounded; default all);"
          + " C1, C5, C6 and the other suites ignore it";

  /** The values {@code --capacities} chooses from: C2-C4's capacities in WORKLOADS.md. */
  static final List<String> FLOW_CAPACITIES = List.of("0", "1", "1024", "unbounded");

  /** A suite of WORKLOADS.md as this program runs it. */
  interface Suite {
    /** Its workload ids, in output order. */
    List<String> workloads();

    /** Why the parameters cannot run the suite, or null. */
    String check(Params params);

    /** The cases of one workload; one the suite leaves out is explained on {@code err}. */
    List<Case> cases(String workload, Params params, PrintStream err);

    /** What the case's line adds after its figures, or null (the default): see {@link Extra}. */
    default Extra extra(Case c) {
      return null;
    }
  }

  /**
   * The values of the Modes table's flags (0 or empty when not given), and {@code --capacities}:
   * the capacities of C2-C4 to run, spelt as the lines' {@code capacity} param (null: all).
   */
  record Params(
      long messages,
      long handoffMessages,
      long ops,
      long handoffOps,
      List<Integer> threads,
      long tasks,
      List<Integer> poolSizes,
      long latencyMs,
      long parked,
      long work,
      long windowMs,
      List<String> capacities) {}

  /** Start and end of the measured part of a run; the workload calls them. */
  interface Meter {
    void start();

    void stop();

    /**
     * Makes this a window run (L2f, L3f): the per-thread counts, which must add up to the run's
     * result (the counter) instead of it being {@code want}; the figure is the time / the
     * counter, and the line carries the counts' fairness index.
     */
    void counts(long[] perThread);
  }

  /** One run of a case: it calls the meter around its measured part and returns its result. */
  interface Run {
    long run(Meter meter) throws InterruptedException;
  }

  /**
   * One measured configuration of one implementation; every run must return {@code want}, and
   * the figure is the measured time / {@code ops}.
   */
  record Case(
      String workload,
      String impl,
      String kind,
      String label,
      String unit,
      String paramsJson,
      long ops,
      long want,
      Run run) {}

  /** What a line adds after its figures (X3's memory per task), measured once after the runs. */
  interface Extra {
    /** JSON members without braces, e.g. {@code "rss_per_task_b": 1.0, "vm_per_task_b": 2.0}. */
    String json() throws CheckFailed, InterruptedException;
  }

  /** A run whose result was not the expected one. */
  static final class CheckFailed extends Exception {
    private static final long serialVersionUID = 1L;

    CheckFailed(String message) {
      super(message);
    }
  }

  record Options(
      String suiteId,
      Suite suite,
      Params params,
      int runs,
      int warmup,
      List<String> workloads,
      Set<String> impls) {

    static Options parse(String[] args, Function<String, Suite> suites) {
      String suiteId = null;
      int runs = 5;
      int warmup = 1;
      long[] longs = new long[9]; // M, K, N, D, Q, I, S, M0, K0
      List<Integer> threads = List.of();
      List<Integer> poolSizes = List.of();
      List<String> workloads = null;
      Set<String> impls = null;
      List<String> capacities = null;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String value = args[++i];
        switch (flag) {
          case "--suite" -> suiteId = value;
          case "--runs" -> runs = intFlag(flag, value, 1);
          case "--warmup" -> warmup = intFlag(flag, value, 0);
          case "--messages" -> longs[0] = longFlag(flag, value, 0);
          case "--ops" -> longs[1] = longFlag(flag, value, 0);
          case "--tasks" -> longs[2] = longFlag(flag, value, 0);
          case "--latency-ms" -> longs[3] = longFlag(flag, value, 0);
          case "--parked" -> longs[4] = longFlag(flag, value, 0);
          case "--work" -> longs[5] = longFlag(flag, value, 0);
          case "--window-ms" -> longs[6] = longFlag(flag, value, 0);
          case "--handoff-messages" -> longs[7] = longFlag(flag, value, 0);
          case "--handoff-ops" -> longs[8] = longFlag(flag, value, 0);
          case "--threads" -> threads = ints(flag, value);
          case "--pool-sizes" -> poolSizes = ints(flag, value);
          case "--workloads" -> workloads = list(value);
          case "--impls" -> impls = new LinkedHashSet<>(list(value));
          case "--capacities" -> capacities = capacities(value);
          default -> throw new IllegalArgumentException("unknown flag " + flag);
        }
      }
      if (suiteId == null) {
        throw new IllegalArgumentException("--suite is required");
      }
      Suite suite = suites.apply(suiteId);
      if (suite == null) {
        throw new IllegalArgumentException(
            "suite " + suiteId + " is not implemented here (no class " + PREFIX + suiteId + ")");
      }
      Params params =
          new Params(
              longs[0],
              longs[7] == 0 ? longs[0] : longs[7],
              longs[1],
              longs[8] == 0 ? longs[1] : longs[8],
              threads,
              longs[2],
              poolSizes,
              longs[3],
              longs[4],
              longs[5],
              longs[6],
              capacities);
      String problem = suite.check(params);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
      if (workloads == null) {
        workloads = suite.workloads();
      }
      for (String w : workloads) {
        if (!suite.workloads().contains(w)) {
          throw new IllegalArgumentException(
              "unknown workload "
                  + w
                  + "; suite "
                  + suiteId
                  + " has "
                  + String.join(",", suite.workloads()));
        }
      }
      if (impls != null) {
        Set<String> known = new LinkedHashSet<>();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        for (String w : suite.workloads()) {
          suite.cases(w, params, quiet).forEach(c -> known.add(c.impl()));
        }
        for (String impl : impls) {
          if (!known.contains(impl)) {
            throw new IllegalArgumentException(
                "unknown impl " + impl + "; known: " + String.join(",", known));
          }
        }
      }
      return new Options(suiteId, suite, params, runs, warmup, workloads, impls);
    }

    private static long longFlag(String flag, String value, long min) {
      long n;
      try {
        n = Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(flag + " wants an integer, got '" + value + "'");
      }
      if (n < min) {
        throw new IllegalArgumentException(flag + " must be at least " + min + ", got " + n);
      }
      return n;
    }

    private static int intFlag(String flag, String value, int min) {
      long n = longFlag(flag, value, min);
      if (n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(flag + " must be at most " + Integer.MAX_VALUE);
      }
      return (int) n;
    }

    private static List<Integer> ints(String flag, String value) {
      return list(value).stream().map(v -> intFlag(flag, v, 0)).toList();
    }

    /** The capacities of {@code --capacities}, each one of {@link #FLOW_CAPACITIES}. */
    private static List<String> capacities(String value) {
      List<String> chosen = list(value);
      String known = String.join(",", FLOW_CAPACITIES);
      if (chosen.isEmpty()) {
        throw new IllegalArgumentException(
            "--capacities '" + value + "': name at least one of " + known);
      }
      for (String c : chosen) {
        if (!FLOW_CAPACITIES.contains(c)) {
          throw new IllegalArgumentException(
              "--capacities: unknown capacity \"" + c + "\" (known: " + known + ")");
        }
      }
      return chosen;
    }

    private static List<String> list(String value) {
      return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
  }

  /** Suite S is the class SuiteS of this package, or null if there is none. */
  static Suite find(String id) {
    if (!id.matches("[A-Z][A-Za-z0-9]*")) {
      return null;
    }
    try {
      return (Suite)
          Class.forName(Bench.class.getPackageName() + "." + PREFIX + id)
              .getDeclaredConstructor()
              .newInstance();
    } catch (ClassNotFoundException e) {
      return null;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create suite " + id, e);
    }
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, Bench::find));
  }

  /** Runs the benchmark; returns the exit status: 0, 1 after a failed run, 2 for bad flags. */
  static int run(String[] args, PrintStream out, PrintStream err, Function<String, Suite> suites) {
    if (args.length == 4 && args[0].equals("--x3-child") && args[2].equals("--parked")) {
      return Memory.child(suites.apply("X"), args[1], args[3], out, err);
    }
    Options options;
    try {
      options = Options.parse(args, suites);
    } catch (IllegalArgumentException e) {
      err.println("bench: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    ProcessUsage usage = ProcessUsage.detect();
    Host host = Host.current();
    boolean failed = false;
    for (String workload : options.workloads()) {
      for (Case c : options.suite().cases(workload, options.params(), err)) {
        if (options.impls() != null && !options.impls().contains(c.impl())) {
          continue;
        }
        try {
          out.println(measure(options, c, usage, host, err));
          out.flush();
        } catch (CheckFailed | RuntimeException | InterruptedException e) {
          err.println(c.label() + ": FAILED: " + e);
          failed = true;
        }
      }
    }
    return failed ? 1 : 0;
  }

  /** Elapsed time and context switches of the measured part of one run. */
  static final class RunMeter implements Meter {
    private final ProcessUsage usage;
    private long startNanos;
    private long elapsedNanos;
    private OptionalLong startSwitches;
    private OptionalLong switches = OptionalLong.empty();
    private long[] counts;

    RunMeter(ProcessUsage usage) {
      this.usage = usage;
    }

    @Override
    public void start() {
      startSwitches = usage.contextSwitches();
      startNanos = System.nanoTime();
    }

    @Override
    public void stop() {
      elapsedNanos = System.nanoTime() - startNanos;
      OptionalLong end = usage.contextSwitches();
      if (startSwitches.isPresent() && end.isPresent()) {
        switches = OptionalLong.of(end.getAsLong() - startSwitches.getAsLong());
      }
    }

    @Override
    public void counts(long[] perThread) {
      counts = perThread.clone();
    }
  }

  /** Jain's fairness index of the counts: (sum c)^2 / (n sum c^2); 1 when all are equal. */
  static double jain(long[] counts) {
    double sum = 0;
    double squares = 0;
    for (long c : counts) {
      sum += c;
      squares += (double) c * c;
    }
    return sum * sum / (counts.length * squares);
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  static String measure(Options options, Case c, ProcessUsage usage, Host host, PrintStream err)
      throws CheckFailed, InterruptedException {
    double[] figures = new double[options.runs()];
    double[] fairness = new double[options.runs()];
    boolean windowed = false;
    long switches = 0;
    boolean switchesKnown = true;
    for (int i = 0; i < options.warmup() + options.runs(); i++) {
      RunMeter meter = new RunMeter(usage);
      long result = c.run().run(meter);
      long ops = c.ops();
      windowed = meter.counts != null;
      // Every run is checked, warm-ups too: a lost or duplicated message must not go unseen.
      if (windowed) {
        long sum = Arrays.stream(meter.counts).sum();
        if (sum != result || result <= 0) {
          throw new CheckFailed(
              "run " + (i + 1) + ": counter " + result + ", the threads counted " + sum);
        }
        ops = result;
      } else if (result != c.want()) {
        throw new CheckFailed(
            "run " + (i + 1) + ": receivers added up " + result + ", expected " + c.want());
      }
      int measured = i - options.warmup();
      if (measured >= 0) {
        figures[measured] = (double) meter.elapsedNanos / ops;
        fairness[measured] = windowed ? jain(meter.counts) : 0;
        if (meter.switches.isPresent()) {
          switches += meter.switches.getAsLong();
        } else {
          switchesKnown = false;
        }
      }
    }
    Extra extra = options.suite().extra(c);
    double median = median(figures);
    Arrays.sort(figures);
    int n = figures.length;
    err.printf(
        Locale.ROOT,
        "%s: median %.1f %s (min %.1f, max %.1f, %d runs)%n",
        c.label(),
        median,
        c.unit(),
        figures[0],
        figures[n - 1],
        n);
    return "{\"suite\": \""
        + options.suiteId()
        + "\", \"workload\": \""
        + c.workload()
        + "\", \"lang\": \""
        + LANG
        + "\", \"impl\": \""
        + c.impl()
        + "\", \"via\": \"native\", \"kind\": \""
        + c.kind()
        + "\", \"params\": "
        + c.paramsJson()
        + ", \"unit\": \""
        + c.unit()
        + "\", \"median\": "
        + number(median)
        + ", \"min\": "
        + number(figures[0])
        + ", \"max\": "
        + number(figures[n - 1])
        + ", \"runs\": "
        + n
        + (windowed
            ? String.format(Locale.ROOT, ", \"fairness\": %.2f", median(fairness))
            : "")
        + (extra != null ? ", " + extra.json() : "")
        + ", \"ctx_switches\": "
        + (switchesKnown ? Long.toString(switches / n) : "null")
        + ", \"max_rss_kb\": "
        + usage.maxRssKb()
        + ", \"host\": "
        + host.json()
        + "}";
  }

  static String number(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }

  record Host(int cpus, String os, String toolchain) {
    static Host current() {
      return new Host(
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("os.name").toLowerCase(Locale.ROOT),
          LANG.equals("java")
              ? "java " + Runtime.version()
              : LANG + " " + System.getProperty("polyconc.langVersion", "?") + " on java "
                  + Runtime.version());
    }

    String json() {
      return "{\"cpus\": "
          + cpus
          + ", \"os\": \""
          + os
          + "\", \"toolchain\": \""
          + toolchain
          + "\"}";
    }
  }

  private Bench() {}
}
