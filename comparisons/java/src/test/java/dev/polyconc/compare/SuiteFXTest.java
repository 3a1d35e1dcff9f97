package dev.polyconc.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  /**
   * The CPU work gives the values of WORKLOADS.md's table (steps, task 1's result, the sum of
   * tasks 1..20), which has a row for X1's and X2's step counts.
   */
  @Test
  void cpuWorkGivesTheSpecsValues() throws IOException {
    Pattern row = Pattern.compile("\\| (\\d+) \\| 0x(\\p{XDigit}+) \\| 0x(\\p{XDigit}+) \\|");
    Set<Integer> seen = new HashSet<>();
    for (String line : Files.readAllLines(Path.of("../WORKLOADS.md"))) {
      Matcher m = row.matcher(line);
      if (m.matches()) {
        int steps = Integer.parseInt(m.group(1));
        seen.add(steps);
        assertEquals(Long.parseUnsignedLong(m.group(2), 16), CpuWork.run(1, steps), line);
        assertEquals(Long.parseUnsignedLong(m.group(3), 16), CpuWork.sum(20, steps), line);
      }
    }
    assertTrue(seen.contains(CpuWork.X1_STEPS) && seen.contains(CpuWork.X2_STEPS), seen.toString());
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
