package dev.polyconc.compare;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The Java benchmark program of WORKLOADS.md, suite C: one JSON line per configuration on
 * stdout, progress and errors on stderr.
 */
public final class Bench {
  static final String USAGE =
      "usage: bench --suite C [--messages M] [--runs R] [--warmup W]"
          + " [--workloads C1,C2,...] [--impls a,b] [--threads T (ignored)]";
  static final List<String> ALL_WORKLOADS = List.of("C1", "C2", "C3", "C4", "C5", "C6");

  /** Where the queue configurations of a workload come from; tests substitute their own. */
  interface Catalog {
    List<Channels.Config> configs(String workload, int messages);
  }

  /** A run whose receivers added up something other than 1 + 2 + ... + n. */
  static final class SumMismatch extends Exception {
    private static final long serialVersionUID = 1L;

    SumMismatch(String message) {
      super(message);
    }
  }

  record Options(
      int messages, int runs, int warmup, List<String> workloads, Set<String> impls) {

    static Options parse(String[] args, Catalog catalog) {
      String suite = null;
      int messages = 1_000_000;
      int runs = 5;
      int warmup = 1;
      List<String> workloads = ALL_WORKLOADS;
      Set<String> impls = null;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String value = args[++i];
        switch (flag) {
          case "--suite" -> suite = value;
          case "--messages" -> messages = intFlag(flag, value, 1);
          case "--runs" -> runs = intFlag(flag, value, 1);
          case "--warmup" -> warmup = intFlag(flag, value, 0);
          case "--workloads" -> workloads = list(value);
          case "--impls" -> impls = new LinkedHashSet<>(list(value));
          case "--threads" -> {
            // Suite C has fixed thread counts; the runner passes T to every suite.
          }
          default -> throw new IllegalArgumentException("unknown flag " + flag);
        }
      }
      if (suite == null) {
        throw new IllegalArgumentException("--suite is required");
      }
      if (!suite.equals("C")) {
        throw new IllegalArgumentException(
            "suite " + suite + " is not implemented in Java; only suite C is");
      }
      for (String w : workloads) {
        if (!ALL_WORKLOADS.contains(w)) {
          throw new IllegalArgumentException(
              "unknown workload " + w + "; suite C has " + String.join(",", ALL_WORKLOADS));
        }
      }
      if (workloads.contains("C6") && Channels.roundTrips(messages) == 0) {
        throw new IllegalArgumentException(
            "C6 makes M/10 round trips, so --messages must be at least 10, not " + messages);
      }
      if (impls != null) {
        Set<String> known = new LinkedHashSet<>();
        for (String w : ALL_WORKLOADS) {
          catalog.configs(w, messages).forEach(c -> known.add(c.impl()));
        }
        for (String impl : impls) {
          if (!known.contains(impl)) {
            throw new IllegalArgumentException(
                "unknown impl " + impl + "; known: " + String.join(",", known));
          }
        }
      }
      return new Options(messages, runs, warmup, workloads, impls);
    }

    private static int intFlag(String flag, String value, int min) {
      int n;
      try {
        n = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(flag + " wants an integer, got '" + value + "'");
      }
      if (n < min) {
        throw new IllegalArgumentException(flag + " must be at least " + min + ", got " + n);
      }
      return n;
    }

    private static List<String> list(String value) {
      return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, Channels::configs));
  }

  /** Runs the benchmark; returns the exit status: 0, 1 after a failed run, 2 for bad flags. */
  static int run(String[] args, PrintStream out, PrintStream err, Catalog catalog) {
    Options options;
    try {
      options = Options.parse(args, catalog);
    } catch (IllegalArgumentException e) {
      err.println("bench: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    ProcessUsage usage = ProcessUsage.detect();
    Host host = Host.current();
    boolean failed = false;
    for (String workload : options.workloads()) {
      if (workload.equals("C5")) {
        err.println("C5: skipped, Java BlockingQueues have neither close nor select");
        continue;
      }
      for (Channels.Config config : catalog.configs(workload, options.messages())) {
        if (options.impls() != null && !options.impls().contains(config.impl())) {
          continue;
        }
        String label =
            workload + " " + config.impl() + " capacity=" + capacity(config).replace("\"", "");
        try {
          String line = measure(workload, config, options, usage, host, err, label);
          out.println(line);
          out.flush();
        } catch (SumMismatch | RuntimeException | InterruptedException e) {
          err.println(label + ": FAILED: " + e);
          failed = true;
        }
      }
    }
    return failed ? 1 : 0;
  }

  /** Elapsed time and context switches of the measured part of one run. */
  static final class RunMeter implements Channels.Meter {
    private final ProcessUsage usage;
    private long startNanos;
    private long elapsedNanos;
    private OptionalLong startSwitches;
    private OptionalLong switches = OptionalLong.empty();

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
  }

  static String measure(
      String workload,
      Channels.Config config,
      Options options,
      ProcessUsage usage,
      Host host,
      PrintStream err,
      String label)
      throws SumMismatch, InterruptedException {
    int m = options.messages();
    long units = Channels.units(workload, m);
    long expected = units * (units + 1) / 2;
    double[] figures = new double[options.runs()];
    long switches = 0;
    boolean switchesKnown = true;
    for (int i = 0; i < options.warmup() + options.runs(); i++) {
      RunMeter meter = new RunMeter(usage);
      long sum = Channels.run(workload, config, m, meter);
      // Every run is checked, warm-ups too: a lost or duplicated message must not go unseen.
      if (sum != expected) {
        throw new SumMismatch(
            "run " + (i + 1) + ": receivers added up " + sum + ", expected " + expected);
      }
      int measured = i - options.warmup();
      if (measured >= 0) {
        figures[measured] = (double) meter.elapsedNanos / units;
        if (meter.switches.isPresent()) {
          switches += meter.switches.getAsLong();
        } else {
          switchesKnown = false;
        }
      }
    }
    Arrays.sort(figures);
    int n = figures.length;
    double median = n % 2 == 1 ? figures[n / 2] : (figures[n / 2 - 1] + figures[n / 2]) / 2;
    String unit = workload.equals("C6") ? "ns/roundtrip" : "ns/msg";
    err.printf(
        Locale.ROOT,
        "%s: median %.1f %s (min %.1f, max %.1f, %d runs)%n",
        label,
        median,
        unit,
        figures[0],
        figures[n - 1],
        n);

    StringBuilder params = new StringBuilder("{\"capacity\": ").append(capacity(config));
    if (workload.equals("C6")) {
      params.append(", \"round_trips\": ").append(units);
    } else {
      params
          .append(", \"producers\": ")
          .append(Channels.producers(workload))
          .append(", \"consumers\": ")
          .append(Channels.consumers(workload))
          .append(", \"messages\": ")
          .append(m);
    }
    params.append('}');
    return "{\"suite\": \"C\", \"workload\": \""
        + workload
        + "\", \"lang\": \"java\", \"impl\": \""
        + config.impl()
        + "\", \"via\": \"native\", \"kind\": \"queue\", \"params\": "
        + params
        + ", \"unit\": \""
        + unit
        + "\", \"median\": "
        + number(median)
        + ", \"min\": "
        + number(figures[0])
        + ", \"max\": "
        + number(figures[n - 1])
        + ", \"runs\": "
        + n
        + ", \"ctx_switches\": "
        + (switchesKnown ? Long.toString(switches / n) : "null")
        + ", \"max_rss_kb\": "
        + usage.maxRssKb()
        + ", \"host\": "
        + host.json()
        + "}";
  }

  static String capacity(Channels.Config config) {
    return config.capacity() == Channels.UNBOUNDED
        ? "\"unbounded\""
        : Integer.toString(config.capacity());
  }

  static String number(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }

  record Host(int cpus, String os, String toolchain) {
    static Host current() {
      return new Host(
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("os.name").toLowerCase(Locale.ROOT),
          "java " + Runtime.version());
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
