package dev.polyconc.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BenchTest {
  private static final int M = 2000;
  // M0: capacities 0 and 1 and C6 run this many instead of M.
  private static final int M0 = 500;

  /** Output of one Bench.run call. */
  record Result(int status, List<Map<String, Object>> lines, String stderr) {}

  @SuppressWarnings("unchecked")
  private static Result bench(Function<String, Bench.Suite> suites, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Bench.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            suites);
    List<Map<String, Object>> lines = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isEmpty()) {
        lines.add((Map<String, Object>) Json.parse(line));
      }
    }
    return new Result(status, lines, err.toString(StandardCharsets.UTF_8));
  }

  private static Result bench(String... args) {
    return bench(Bench::find, args);
  }

  private static long asLong(Object o) {
    return ((Number) o).longValue();
  }

  private static double asDouble(Object o) {
    return ((Number) o).doubleValue();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> params(Map<String, Object> line) {
    return (Map<String, Object>) line.get("params");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyWorkloadRunsWithCorrectSumsAndSchema() {
    Result r =
        bench(
            "--suite", "C", "--messages", "" + M, "--handoff-messages", "" + M0, "--runs", "3",
            "--warmup", "1", "--threads", "2");
    assertEquals(0, r.status(), r.stderr());
    assertTrue(r.stderr().contains("C5: skipped"), r.stderr());

    Set<String> seen = new HashSet<>();
    for (Map<String, Object> line : r.lines()) {
      String workload = (String) line.get("workload");
      Map<String, Object> params = params(line);
      seen.add(workload + " " + line.get("impl") + " " + params.get("capacity"));

      assertEquals("C", line.get("suite"));
      assertEquals("java", line.get("lang"));
      assertEquals("native", line.get("via"));
      assertEquals("queue", line.get("kind"));
      assertEquals(3L, line.get("runs"));
      double min = asDouble(line.get("min"));
      double median = asDouble(line.get("median"));
      double max = asDouble(line.get("max"));
      assertTrue(0 < min && min <= median && median <= max, line.toString());
      assertTrue(asLong(line.get("max_rss_kb")) > 1000, line.toString());
      if (Runtime.version().feature() >= 25) {
        assertNotNull(line.get("ctx_switches"), "JDK 25 reads getrusage: " + line);
        assertTrue(asLong(line.get("ctx_switches")) >= 0, line.toString());
      } else {
        assertNull(line.get("ctx_switches"), line.toString());
      }
      Map<String, Object> host = (Map<String, Object>) line.get("host");
      assertEquals((long) Runtime.getRuntime().availableProcessors(), host.get("cpus"));
      assertEquals("linux", host.get("os"));
      assertEquals("java " + Runtime.version(), host.get("toolchain"));

      if (workload.equals("C6")) {
        assertEquals("ns/roundtrip", line.get("unit"));
        assertEquals((long) M0 / 10, params.get("round_trips"));
      } else {
        assertEquals("ns/msg", line.get("unit"));
        Object capacity = params.get("capacity");
        boolean handOff =
            Long.valueOf(0).equals(capacity)
                || Long.valueOf(1).equals(capacity)
                || line.get("impl").equals("ArrayBlockingQueue.fair");
        long want = handOff ? M0 : M;
        assertEquals(want, params.get("messages"), line.toString());
        long producers = workload.equals("C3") || workload.equals("C4") ? 4 : 1;
        assertEquals(producers, params.get("producers"));
        assertEquals(workload.equals("C4") ? 4L : 1L, params.get("consumers"));
      }
    }

    Set<String> expected = new HashSet<>();
    expected.add("C1 ArrayBlockingQueue " + M);
    expected.add("C1 LinkedBlockingQueue " + M);
    expected.add("C1 LinkedTransferQueue unbounded");
    for (String w : List.of("C2", "C3", "C4")) {
      expected.add(w + " SynchronousQueue 0");
      expected.add(w + " LinkedTransferQueue.transfer 0");
      expected.add(w + " ArrayBlockingQueue 1");
      expected.add(w + " ArrayBlockingQueue 1024");
      expected.add(w + " ArrayBlockingQueue.fair 1");
      expected.add(w + " ArrayBlockingQueue.fair 1024");
      expected.add(w + " LinkedBlockingQueue 1024");
      expected.add(w + " LinkedBlockingQueue unbounded");
      expected.add(w + " LinkedTransferQueue unbounded");
    }
    expected.add("C6 SynchronousQueue 0");
    expected.add("C6 ArrayBlockingQueue 1");
    assertEquals(expected, seen);
    assertEquals(expected.size(), r.lines().size(), "one line per configuration");
  }

  @Test
  void workloadAndImplFiltersSelectConfigurations() {
    Result r =
        bench(
            "--suite", "C", "--messages", "1000", "--runs", "1", "--warmup", "0", "--workloads",
            "C2,C6", "--impls", "SynchronousQueue");
    assertEquals(0, r.status(), r.stderr());
    assertEquals(2, r.lines().size());
    assertEquals("C2", r.lines().get(0).get("workload"));
    assertEquals("C6", r.lines().get(1).get("workload"));
    for (Map<String, Object> line : r.lines()) {
      assertEquals("SynchronousQueue", line.get("impl"));
    }
  }

  @Test
  void c5IsLeftOutNotFaked() {
    Result r = bench("--suite", "C", "--messages", "100", "--runs", "1", "--workloads", "C5");
    assertEquals(0, r.status(), r.stderr());
    assertTrue(r.lines().isEmpty());
    assertTrue(r.stderr().contains("neither close nor select"), r.stderr());
  }

  /** Adds one to every message it is given: a queue that corrupts data. */
  static final class OffByOneQueue extends ArrayBlockingQueue<Long> {
    private static final long serialVersionUID = 1L;

    OffByOneQueue(int capacity) {
      super(capacity);
    }

    @Override
    public void put(Long value) throws InterruptedException {
      super.put(value + 1);
    }
  }

  @Test
  void failedSumCheckPrintsNoLineAndExitsWithOne() {
    SuiteC.Config good = new SuiteC.Config("Good", 16, ArrayBlockingQueue::new, false);
    SuiteC.Config bad = new SuiteC.Config("Bad", 16, OffByOneQueue::new, false);
    SuiteC.Catalog catalog =
        (workload, messages) -> {
          List<SuiteC.Config> configs = new ArrayList<>();
          configs.add(bad);
          configs.add(good);
          return configs;
        };
    Result r =
        bench(
            id -> new SuiteC(catalog),
            "--suite", "C", "--messages", "100", "--runs", "1", "--warmup", "0", "--workloads",
            "C2,C4,C6");
    assertEquals(1, r.status(), r.stderr());
    // The good configuration still reports after the bad one failed.
    assertEquals(3, r.lines().size());
    for (Map<String, Object> line : r.lines()) {
      assertEquals("Good", line.get("impl"));
    }
    assertTrue(r.stderr().contains("C2 Bad capacity=16: FAILED"), r.stderr());
    assertTrue(r.stderr().contains("expected 5050"), r.stderr());
    assertTrue(r.stderr().contains("C6 Bad capacity=16: FAILED"), r.stderr());
    assertTrue(r.stderr().contains("expected 55"), r.stderr());
  }

  /** C2-C4 start every consumer before the first producer (WORKLOADS.md), and deliver all. */
  @Test
  void flowStartsTheConsumersFirst() throws InterruptedException {
    SuiteC.Config config = new SuiteC.Config("ABQ", 16, ArrayBlockingQueue::new, false);
    for (String w : List.of("C2", "C3", "C4")) {
      int producers = SuiteC.producers(w), consumers = SuiteC.consumers(w);
      long[] sums = new long[consumers];
      Workers workers = SuiteC.flowWorkers(config.newQueue(), config, 1003, producers, sums);
      List<String> roles = new ArrayList<>();
      for (String name : workers.names()) {
        roles.add(name.split("-")[1]);
      }
      List<String> want = new ArrayList<>(Collections.nCopies(consumers, "consumer"));
      want.addAll(Collections.nCopies(producers, "producer"));
      assertEquals(want, roles, w);
      workers.runMeasured(
          new Bench.Meter() {
            @Override
            public void start() {}

            @Override
            public void stop() {}

            @Override
            public void counts(long[] perThread) {}
          });
      assertEquals(1003L * 1004 / 2, Arrays.stream(sums).sum(), w);
    }
  }

  /** --capacities chooses among C2-C4's capacities; C1 and C6 run whatever it says. */
  @Test
  void capacitiesChooseAmongC2ToC4Only() {
    Result r =
        bench(
            "--suite", "C", "--messages", "100", "--runs", "1", "--warmup", "0", "--capacities",
            "1024,unbounded", "--impls", "LinkedBlockingQueue,SynchronousQueue");
    assertEquals(0, r.status(), r.stderr());
    List<String> got = new ArrayList<>();
    for (Map<String, Object> line : r.lines()) {
      got.add(line.get("workload") + " " + line.get("impl") + "@" + params(line).get("capacity"));
    }
    List<String> want = new ArrayList<>(List.of("C1 LinkedBlockingQueue@100"));
    for (String w : List.of("C2", "C3", "C4")) {
      want.add(w + " LinkedBlockingQueue@1024");
      want.add(w + " LinkedBlockingQueue@unbounded");
    }
    want.add("C6 SynchronousQueue@0");
    assertEquals(want, got);
  }

  @Test
  void everyFlagOfTheModesTableParses() {
    Bench.Options o =
        Bench.Options.parse(
            new String[] {
              "--suite", "C", "--messages", "100", "--ops", "7", "--threads", "2,4", "--tasks", "9",
              "--pool-sizes", "1,128", "--latency-ms", "1", "--parked", "5", "--work", "3",
              "--window-ms", "4", "--handoff-messages", "30", "--handoff-ops", "700",
              "--capacities", "unbounded, 0"
            },
            Bench::find);
    assertEquals(
        new Bench.Params(
            100, 30, 7, 700, List.of(2, 4), 9, List.of(1, 128), 1, 5, 3, 4,
            List.of("unbounded", "0")),
        o.params());
    assertEquals(SuiteC.WORKLOADS, o.workloads());
  }

  @Test
  void badFlagsAreRejectedWithAReason() {
    record Case(String[] args, String reason) {}
    List<Case> cases =
        List.of(
            new Case(new String[] {"--messages", "10"}, "--suite is required"),
            new Case(new String[] {"--suite", "Y"}, "suite Y is not implemented here (no class SuiteY)"),
            new Case(new String[] {"--suite", "L", "--ops", "1000"}, "--threads: need"),
            new Case(new String[] {"--suite", "C"}, "at least 10"),
            new Case(new String[] {"--suite", "C", "--threads", "2,x"}, "wants an integer"),
            new Case(new String[] {"--suite", "C", "--messages", "lots"}, "wants an integer"),
            new Case(
                new String[] {"--suite", "C", "--messages", "100", "--runs", "0"}, "at least 1"),
            new Case(
                new String[] {"--suite", "C", "--messages", "100", "--workloads", "C9"},
                "unknown workload C9"),
            new Case(
                new String[] {"--suite", "C", "--messages", "100", "--impls", "Nope"},
                "unknown impl Nope"),
            new Case(
                new String[] {"--suite", "C", "--messages", "100", "--capacities", "1024,2"},
                "unknown capacity \"2\" (known: 0,1,1024,unbounded)"),
            new Case(
                new String[] {"--suite", "C", "--messages", "100", "--capacities", ","},
                "name at least one of 0,1,1024,unbounded"),
            new Case(new String[] {"--suite", "C", "--frobnicate", "1"}, "unknown flag"),
            new Case(new String[] {"--suite", "C", "--messages", "5"}, "at least 10"),
            new Case(new String[] {"--suite"}, "needs a value"));
    for (Case c : cases) {
      Result r = bench(c.args());
      assertEquals(2, r.status(), String.join(" ", c.args()));
      assertTrue(r.lines().isEmpty());
      assertTrue(r.stderr().contains(c.reason()), r.stderr());
    }
  }

  @Test
  void processUsageReadsThisProcess() throws InterruptedException {
    ProcessUsage usage = ProcessUsage.detect();
    assertTrue(usage.maxRssKb() > 1000, "a JVM uses more than 1 MB");
    if (Runtime.version().feature() >= 25) {
      // By name: a build on an older JDK leaves the Rusage class out.
      assertEquals("Rusage", usage.getClass().getSimpleName());
      long before = usage.contextSwitches().orElseThrow();
      Thread.sleep(10); // sleeping gives up the CPU: a voluntary context switch
      assertTrue(usage.contextSwitches().orElseThrow() > before);
    } else {
      assertFalse(usage.contextSwitches().isPresent());
    }
  }
}
