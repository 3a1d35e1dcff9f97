package dev.polyconc.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
class SuiteFXTest {
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> run(String suite, int expectedStatus) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Bench.run(
            new String[] {
              "--suite", suite, "--tasks", "200", "--pool-sizes", "1,3", "--latency-ms", "1",
              "--parked", "50", "--runs", "1", "--warmup", "1"
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Bench::find);
    assertEquals(expectedStatus, status, err.toString(StandardCharsets.UTF_8));
    List<Map<String, Object>> lines = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isEmpty()) {
        lines.add((Map<String, Object>) Json.parse(line));
      }
    }
    return lines;
  }

  /** The closed form X's runs are checked against is the loop's sum. */
  @Test
  void cpuWorkSumIsTheLoopsSum() {
    for (int steps : new int[] {0, 1, 7, 300}) {
      long sum = 0;
      for (long i = 1; i <= 50; i++) {
        sum += CpuWork.run(i, steps);
      }
      assertEquals(sum, CpuWork.sum(50, steps));
    }
  }

  /** Every F configuration passes its check (warm-up included): two executors per workload. */
  @Test
  void suiteFRunsEveryWorkloadOnBothExecutors() {
    List<Map<String, Object>> lines = run("F", 0);
    assertEquals(6, lines.size());
    for (Map<String, Object> line : lines) {
      assertEquals("CompletableFuture", line.get("impl"));
    }
  }

  /** X1 at two sizes, four X2 models, three X3 models, whose lines carry memory per task. */
  @Test
  @SuppressWarnings("unchecked")
  void suiteXRunsEveryModel() {
    List<Map<String, Object>> lines = run("X", 0);
    assertEquals(2 + 4 + 3, lines.size());
    for (Map<String, Object> line : lines) {
      boolean x3 = line.get("workload").equals("X3");
      assertEquals(x3, line.containsKey("vm_per_task_b"), line.toString());
      if (x3) {
        assertTrue(((Number) line.get("rss_per_task_b")).doubleValue() >= 0);
        assertEquals(50L, ((Number) ((Map<String, Object>) line.get("params")).get("tasks")).longValue());
      }
    }
  }
}
