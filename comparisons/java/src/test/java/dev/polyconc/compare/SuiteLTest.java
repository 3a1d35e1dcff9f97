package dev.polyconc.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SuiteLTest {
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> lines(String out) {
    List<Map<String, Object>> lines = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isEmpty()) {
        lines.add((Map<String, Object>) Json.parse(line));
      }
    }
    return lines;
  }

  /** Every workload at T = 2 and 3 (3 does not divide K): exact counts, the schema's params. */
  @Test
  void everyWorkloadRunsWithExactCounts() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Bench.run(
            new String[] {
              "--suite", "L", "--ops", "1000", "--handoff-ops", "600", "--threads", "2,3",
              "--work", "5", "--window-ms", "5", "--runs", "2", "--warmup", "1"
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Bench::find);
    assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
    List<Map<String, Object>> lines = lines(out.toString(StandardCharsets.UTF_8));
    // L1: 4 locks; L2, L3, L2f, L3f: 4 locks x 2 T; L4, L5: 2 T.
    assertEquals(4 + 4 * 4 * 2 + 2 * 2, lines.size());
    for (Map<String, Object> l : lines) {
      String w = (String) l.get("workload");
      @SuppressWarnings("unchecked")
      Map<String, Object> params = (Map<String, Object>) l.get("params");
      assertEquals(w.endsWith("f"), l.containsKey("fairness"), w);
      assertEquals(w.endsWith("f"), params.containsKey("window_ms"), w);
      assertEquals(w.startsWith("L3"), params.containsKey("work"), w);
      // The fair lock hands off on every unlock: its runs take K0, the others K.
      boolean fair = l.get("impl").equals("ReentrantLock.fair");
      long k = fair ? 600 : 1000;
      long t = ((Number) params.get("threads")).longValue();
      if (w.equals("L3")) {
        assertEquals(k / 100 / t * t, ((Number) params.get("ops")).longValue(), l.toString());
      } else if (!w.endsWith("f")) {
        assertEquals(k / t * t, ((Number) params.get("ops")).longValue(), l.toString());
      }
      assertEquals("ns/op", l.get("unit"));
    }
  }

  @Test
  void aLostUpdateOrAMiscountFailsTheRun() {
    SuiteL.Counted lost = new SuiteL.Counted();
    lost.n = 2;
    lost.x = SuiteL.lcg(1, 5);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertEquals(-1, lost.checked(5, quiet));
    lost.x = SuiteL.lcg(1, 10);
    assertEquals(2, lost.checked(5, quiet));
    assertEquals(0.8, Bench.jain(new long[] {3, 1}), 1e-12);
    Bench.Options options =
        Bench.Options.parse(
            new String[] {"--suite", "L", "--ops", "1000", "--threads", "2", "--work", "1",
              "--window-ms", "1", "--runs", "1", "--warmup", "0"},
            Bench::find);
    Bench.Case c =
        new Bench.Case(
            "L2f", "fake", "mutex", "L2f fake", "ns/op", "{}", 0, 0,
            meter -> {
              meter.start();
              meter.stop();
              meter.counts(new long[] {3, 2});
              return 4;
            });
    Bench.CheckFailed e =
        assertThrows(
            Bench.CheckFailed.class,
            () -> Bench.measure(options, c, ProcessUsage.detect(), Bench.Host.current(), quiet));
    assertTrue(e.getMessage().contains("counter 4, the threads counted 5"), e.getMessage());
  }
}
