package dev.polyconc.compare;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Suite X (execution models) of WORKLOADS.md in Java: X1 on fixed pools of W threads; X2 on a
 * thread per request, a fixed pool of cores threads, CompletableFuture callbacks on that pool and
 * virtual threads, the service being one ScheduledExecutorService thread; X3 on parked platform
 * threads, virtual threads and CompletableFutures, with memory per task from a child process.
 */
final class SuiteX implements Bench.Suite, Memory.Models {
  static final int CORES = Runtime.getRuntime().availableProcessors();

  @Override
  public List<String> workloads() {
    return List.of("X1", "X2", "X3");
  }

  @Override
  public String check(Bench.Params p) {
    if (p.tasks() < 10) {
      return "--tasks must be at least 10 (X1 and X2 do tasks/10)";
    }
    if (p.poolSizes().isEmpty() || p.poolSizes().contains(0)) {
      return "--pool-sizes must list sizes >= 1";
    }
    return p.latencyMs() < 1 || p.parked() < 1 ? "--latency-ms and --parked must be >= 1" : null;
  }

  @Override
  public List<Bench.Case> cases(String workload, Bench.Params p, PrintStream err) {
    long n = p.tasks() / 10;
    List<Bench.Case> cases = new ArrayList<>();
    switch (workload) {
      case "X1" -> {
        long want = CpuWork.sum(n, CpuWork.X1_STEPS);
        for (int w : p.poolSizes()) {
          cases.add(
              new Bench.Case(
                  "X1", "ThreadPoolExecutor", "pool", "X1 W=" + w + " tasks=" + n, "ns/task",
                  "{\"workers\": " + w + ", \"tasks\": " + n + ", \"steps\": " + CpuWork.X1_STEPS
                      + "}",
                  n, want, m -> pool(w, n, m)));
        }
      }
      case "X2" -> {
        long d = p.latencyMs();
        long want = CpuWork.sum(n, CpuWork.X2_STEPS);
        for (Model model : Model.values()) {
          cases.add(
              new Bench.Case(
                  "X2", model.impl, model.kind, "X2 " + model.impl + " requests=" + n,
                  "ns/request",
                  "{\"requests\": " + n + ", \"latency_ms\": " + d + ", \"steps\": "
                      + CpuWork.X2_STEPS + ", \"threads\": " + model.threads(n) + "}",
                  n, want, m -> serve(model, n, d, m)));
        }
      }
      default -> {
        int q = (int) p.parked();
        for (String[] model : PARKED) {
          cases.add(
              new Bench.Case(
                  "X3", model[0], model[1], "X3 " + model[0] + " tasks=" + q, "ns/task",
                  "{\"tasks\": " + q + "}", q, (long) q * (q + 1) / 2,
                  m -> parkTimed(model[0], q, m), Memory.measure(model[0], q)));
        }
      }
    }
    return cases;
  }

  static long pool(int w, long n, Bench.Meter meter) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(w);
    try {
      List<Future<Long>> all = new ArrayList<>((int) n);
      meter.start();
      for (long i = 1; i <= n; i++) {
        long v = i;
        all.add(pool.submit(() -> CpuWork.run(v, CpuWork.X1_STEPS)));
      }
      long sum = 0;
      for (Future<Long> f : all) {
        sum += join(f);
      }
      meter.stop();
      return sum;
    } finally {
      pool.shutdown();
    }
  }

  static long join(Future<Long> f) throws InterruptedException {
    try {
      return f.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** X2's execution models. */
  enum Model {
    THREAD_PER_REQUEST("thread-per-request", "thread-per-request"),
    FIXED_POOL("FixedThreadPool", "blocking-pool"),
    CALLBACKS("CompletableFuture.thenApplyAsync", "callback-pool"),
    VIRTUAL("virtual-threads", "green");

    final String impl;
    final String kind;

    Model(String impl, String kind) {
      this.impl = impl;
      this.kind = kind;
    }

    long threads(long requests) {
      return switch (this) {
        case THREAD_PER_REQUEST -> requests;
        case VIRTUAL -> 0;
        default -> CORES;
      };
    }
  }

  /** The simulated service: one timer thread completes each answer d ms after the call. */
  record Service(ScheduledExecutorService timer, long d) {
    CompletableFuture<Void> call() {
      CompletableFuture<Void> answer = new CompletableFuture<>();
      timer.schedule(() -> answer.complete(null), d, TimeUnit.MILLISECONDS);
      return answer;
    }
  }

  static long serve(Model model, long n, long d, Bench.Meter meter) throws InterruptedException {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    Service service = new Service(timer, d);
    Supplier<ExecutorService> make =
        switch (model) {
          case VIRTUAL -> Executors::newVirtualThreadPerTaskExecutor;
          case THREAD_PER_REQUEST -> () -> Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory());
          default -> () -> Executors.newFixedThreadPool(CORES);
        };
    ExecutorService pool = make.get();
    try {
      List<CompletableFuture<Long>> all = new ArrayList<>((int) n);
      meter.start();
      for (long i = 1; i <= n; i++) {
        long v = i;
        all.add(
            model == Model.CALLBACKS
                ? service.call().thenApplyAsync(x -> CpuWork.run(v, CpuWork.X2_STEPS), pool)
                : CompletableFuture.supplyAsync(
                    () -> {
                      service.call().join();
                      return CpuWork.run(v, CpuWork.X2_STEPS);
                    },
                    pool));
      }
      long sum = 0;
      for (CompletableFuture<Long> f : all) {
        sum += f.join();
      }
      meter.stop();
      return sum;
    } finally {
      pool.shutdown();
      timer.shutdown();
    }
  }

  /** X3's models: impl and kind. */
  static final String[][] PARKED = {
    {"platform-threads", "thread-per-request"},
    {"virtual-threads", "green"},
    {"CompletableFuture", "promise"},
  };

  static long parkTimed(String model, int q, Bench.Meter meter) throws InterruptedException {
    meter.start();
    long sum = new SuiteX().park(model, q).releaseAndJoin();
    meter.stop();
    return sum;
  }

  @Override
  public Memory.Parked park(String model, int q) throws InterruptedException {
    List<CompletableFuture<Long>> gates = new ArrayList<>(q);
    for (int i = 0; i < q; i++) {
      gates.add(new CompletableFuture<>());
    }
    AtomicLong sum = new AtomicLong();
    if (model.equals("CompletableFuture")) {
      gates.forEach(g -> g.thenAccept(sum::addAndGet));
      return () -> release(gates, sum);
    }
    Thread.Builder builder = switch (model) {
      case "platform-threads" -> Thread.ofPlatform();
      case "virtual-threads" -> Thread.ofVirtual();
      default -> throw new IllegalArgumentException("unknown X3 model " + model);
    };
    CountDownLatch started = new CountDownLatch(q);
    List<Thread> threads = new ArrayList<>(q);
    try {
      for (CompletableFuture<Long> gate : gates) {
        threads.add(
            builder.start(
                () -> {
                  started.countDown();
                  sum.addAndGet(gate.join());
                }));
      }
    } catch (OutOfMemoryError e) {
      // A thread limit: let the started ones go, then report which one failed.
      gates.forEach(g -> g.complete(0L));
      for (Thread t : threads) {
        t.join();
      }
      throw new IllegalStateException(
          "cannot start " + model + " task " + (threads.size() + 1) + " of " + q + ": " + e);
    }
    started.await();
    return () -> {
      release(gates, sum);
      for (Thread t : threads) {
        t.join();
      }
      return sum.get();
    };
  }

  /** Completes gate i with i + 1; returns the sum so far (the callbacks' total for promises). */
  static long release(List<CompletableFuture<Long>> gates, AtomicLong sum) {
    for (int i = 0; i < gates.size(); i++) {
      gates.get(i).complete((long) i + 1);
    }
    return sum.get();
  }
}
