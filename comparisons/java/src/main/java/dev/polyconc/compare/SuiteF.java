package dev.polyconc.compare;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;

/**
 * Suite F (futures and promises) of WORKLOADS.md on {@code CompletableFuture}: on the common
 * pool (executor "global") and on a fixed pool of cores threads made for the run ("fixed").
 */
final class SuiteF implements Bench.Suite {
  static final int STAGES = 1000;

  @Override
  public List<String> workloads() {
    return List.of("F1", "F2", "F3");
  }

  @Override
  public String check(Bench.Params p) {
    return p.tasks() < 10 ? "--tasks must be at least 10 (F3 does tasks/10 round trips)" : null;
  }

  /** An executor for one run: the common pool, or a fixed pool shut down after it. */
  record Pool(String name, Supplier<ExecutorService> make) {
    static final List<Pool> ALL =
        List.of(
            new Pool("global", () -> null),
            new Pool(
                "fixed",
                () -> Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors())));
  }

  @Override
  public List<Bench.Case> cases(String workload, Bench.Params p, PrintStream err) {
    long n = p.tasks();
    long chains = Math.max(n / STAGES, 1);
    long r = n / 10;
    List<Bench.Case> cases = new ArrayList<>();
    for (Pool pool : Pool.ALL) {
      String ex = "{\"executor\": \"" + pool.name() + "\", ";
      Bench.Case c =
          switch (workload) {
            case "F1" ->
                new Bench.Case(
                    "F1", "CompletableFuture", "future", "F1 " + pool.name() + " chains=" + chains,
                    "ns/stage",
                    ex + "\"tasks\": " + n + ", \"chains\": " + chains + ", \"stages\": " + STAGES
                        + "}",
                    chains * STAGES, chains * STAGES, m -> onPool(pool, m, e -> chain(e, chains)));
            case "F2" ->
                new Bench.Case(
                    "F2", "CompletableFuture", "future", "F2 " + pool.name() + " tasks=" + n,
                    "ns/task", ex + "\"tasks\": " + n + "}", n, n * (n + 1) / 2,
                    m -> onPool(pool, m, e -> fanout(e, n)));
            default ->
                new Bench.Case(
                    "F3", "CompletableFuture", "future", "F3 " + pool.name() + " round_trips=" + r,
                    "ns/roundtrip", ex + "\"round_trips\": " + r + "}", r, 2 * r,
                    m -> onPool(pool, m, e -> handoff(e, r)));
          };
      cases.add(c);
    }
    return cases;
  }

  interface Body {
    long run(Executor e) throws InterruptedException;
  }

  /** Times {@code body} on the pool, made before and shut down after the measured part. */
  static long onPool(Pool pool, Bench.Meter meter, Body body) throws InterruptedException {
    ExecutorService made = pool.make().get();
    Executor e = made != null ? made : ForkJoinPool.commonPool();
    try {
      meter.start();
      long result = body.run(e);
      meter.stop();
      return result;
    } finally {
      if (made != null) {
        made.shutdown();
      }
    }
  }

  static long chain(Executor e, long chains) {
    long sum = 0;
    for (long c = 0; c < chains; c++) {
      CompletableFuture<Long> f = CompletableFuture.completedFuture(0L);
      for (int s = 0; s < STAGES; s++) {
        f = f.thenApplyAsync(x -> x + 1, e);
      }
      sum += f.join();
    }
    return sum;
  }

  static long fanout(Executor e, long n) {
    List<CompletableFuture<Long>> all = new ArrayList<>((int) n);
    for (long i = 1; i <= n; i++) {
      long v = i;
      all.add(CompletableFuture.supplyAsync(() -> v, e));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    long sum = 0;
    for (CompletableFuture<Long> f : all) {
      sum += f.join();
    }
    return sum;
  }

  /** F3's message: the counter and the fresh promise the answer goes to. */
  record Hop(long value, CompletableFuture<Hop> reply) {}

  /**
   * The caller and a task on the executor pass a counter r times back and forth, each hop
   * through a fresh promise made by the side that waits; each side adds 1.
   */
  static long handoff(Executor e, long r) {
    CompletableFuture<Hop> first = new CompletableFuture<>();
    CompletableFuture<Void> peer =
        CompletableFuture.runAsync(
            () -> {
              CompletableFuture<Hop> inbox = first;
              for (long i = 0; i < r; i++) {
                Hop h = inbox.join();
                inbox = new CompletableFuture<>();
                h.reply().complete(new Hop(h.value() + 1, inbox));
              }
            },
            e);
    CompletableFuture<Hop> inbox = first;
    long v = 0;
    for (long i = 0; i < r; i++) {
      CompletableFuture<Hop> reply = new CompletableFuture<>();
      inbox.complete(new Hop(v, reply));
      Hop h = reply.join();
      v = h.value() + 1;
      inbox = h.reply();
    }
    peer.join();
    return v;
  }
}
