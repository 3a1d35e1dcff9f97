package dev.polyconc.compare;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Suite L of WORKLOADS.md (locks and the cost of sharing) on platform threads: {@code
 * synchronized}, {@code ReentrantLock} unfair and fair and a CAS spinlock on L1-L3 and the window
 * rows L2f/L3f, {@code AtomicLong} on L4, a {@code LinkedBlockingQueue} to an owner thread on L5.
 * {@link Bench} finds this class by the suite's id and times its runs.
 */
final class SuiteL implements Bench.Suite {
  static final List<String> WORKLOADS = List.of("L1", "L2", "L3", "L4", "L5", "L2f", "L3f");
  static final int L5_CAPACITY = 1024;
  // L3's step (WORKLOADS.md).
  static final long LCG_MUL = 6364136223846793005L;
  static final long LCG_ADD = 1442695040888963407L;

  /** The locked data: the counter and L3's state. */
  static final class Counted {
    long n;
    long x = 1;

    /** One operation inside the lock: L3's work (none for L1, L2) and the increment. */
    void step(long work) {
      if (work > 0) {
        x = lcg(x, work);
      }
      n++;
    }

    /** The counter if the state is the step applied n*work times to 1, else -1 (a lost update). */
    long checked(long work, PrintStream err) {
      long want = lcg(1, n * work);
      if (x != want) {
        err.println("L3 state " + x + " after " + n + " operations, want " + want);
        return -1;
      }
      return n;
    }
  }

  static long lcg(long x, long steps) {
    for (long i = 0; i < steps; i++) {
      x = (x ^ (x >>> 29)) * LCG_MUL + LCG_ADD;
    }
    return x;
  }

  /** A lock around one {@link Counted}: runs one operation inside it. */
  interface Guard {
    void step(Counted d, long work);
  }

  static Guard monitor() {
    Object monitor = new Object();
    return (d, work) -> {
      synchronized (monitor) {
        d.step(work);
      }
    };
  }

  static Guard locked(Lock lock) {
    return (d, work) -> {
      lock.lock();
      try {
        d.step(work);
      } finally {
        lock.unlock();
      }
    };
  }

  /** A CAS spinlock: test-and-test-and-set, never sleeps. */
  static Guard spin() {
    AtomicBoolean held = new AtomicBoolean();
    return (d, work) -> {
      while (!held.compareAndSet(false, true)) {
        while (held.get()) {
          Thread.onSpinWait();
        }
      }
      try {
        d.step(work);
      } finally {
        held.set(false);
      }
    };
  }

  /**
   * A lock of L1-L3; a fair one hands the lock to the longest waiter on every unlock, so its runs
   * take K0 operations instead of K (WORKLOADS.md, suite L).
   */
  record LockImpl(String name, String kind, boolean fair, Supplier<Guard> make) {}

  static final List<LockImpl> LOCKS =
      List.of(
          new LockImpl("synchronized", "mutex", false, SuiteL::monitor),
          new LockImpl("ReentrantLock", "mutex", false, () -> locked(new ReentrantLock(false))),
          new LockImpl("ReentrantLock.fair", "mutex", true, () -> locked(new ReentrantLock(true))),
          new LockImpl("spin", "spin", false, SuiteL::spin));

  /** One thread's part of a run: it returns its own count. */
  interface Part {
    long run(int index) throws InterruptedException;
  }

  /**
   * Runs {@code part} on t threads released together, measured from their release until the last
   * ends; {@code main} runs on the calling thread meanwhile. Returns the threads' own counts.
   */
  static long[] together(int t, Part part, Bench.Meter meter, Workers.Body main)
      throws InterruptedException {
    long[] counts = new long[t];
    Workers workers = new Workers();
    for (int i = 0; i < t; i++) {
      int index = i;
      workers.add(() -> counts[index] = part.run(index));
    }
    workers.runMeasured(meter, main);
    return counts;
  }

  @Override
  public List<String> workloads() {
    return WORKLOADS;
  }

  @Override
  public String check(Bench.Params p) {
    long least = Math.min(p.ops(), p.handoffOps());
    if (least < 100) {
      return "--ops and --handoff-ops must be at least 100 (L3 does K/100), not " + least;
    }
    if (p.threads().isEmpty() || p.threads().stream().anyMatch(t -> t < 1 || t > least / 100)) {
      return "--threads: need 1 <= T <= K/100 and K0/100, got " + p.threads();
    }
    if (p.work() < 1 || p.windowMs() < 1) {
      return "--work and --window-ms must be at least 1";
    }
    return null;
  }

  @Override
  public List<Bench.Case> cases(String workload, Bench.Params p, PrintStream err) {
    List<Integer> threads = workload.equals("L1") ? List.of(1) : p.threads();
    boolean windowed = workload.endsWith("f");
    long work = workload.startsWith("L3") ? p.work() : 0;
    List<Bench.Case> cases = new ArrayList<>();
    for (int t : threads) {
      long ops = ops(workload, p.ops(), t);
      String params = params(workload, p, t, ops);
      switch (workload) {
        case "L4" ->
            cases.add(
                new Bench.Case(
                    workload, "AtomicLong", "atomic", label(workload, "AtomicLong", t), "ns/op",
                    params, ops, ops, meter -> atomic(t, ops, meter)));
        case "L5" ->
            cases.add(
                new Bench.Case(
                    workload, "LinkedBlockingQueue", "message",
                    label(workload, "LinkedBlockingQueue", t), "ns/op", params, ops, ops,
                    meter -> message(t, ops, meter)));
        default -> {
          for (LockImpl lock : LOCKS) {
            long n = lock.fair() ? ops(workload, p.handoffOps(), t) : ops;
            Bench.Run run =
                windowed
                    ? meter -> window(lock.make().get(), t, work, p.windowMs(), meter, err)
                    : meter -> locks(lock.make().get(), t, n, work, meter, err);
            cases.add(
                new Bench.Case(
                    workload, lock.name(), lock.kind(), label(workload, lock.name(), t), "ns/op",
                    params(workload, p, t, n), n, n, run));
          }
        }
      }
    }
    return cases;
  }

  /** The operations of a run from K (or K0): L3 does K/100; a multiple of t. */
  static long ops(String workload, long k, int t) {
    return (workload.equals("L3") ? k / 100 : k) / t * t;
  }

  static String params(String workload, Bench.Params p, int t, long ops) {
    boolean windowed = workload.endsWith("f");
    long work = workload.startsWith("L3") ? p.work() : 0;
    return "{\"threads\": "
        + t
        + (windowed ? ", \"window_ms\": " + p.windowMs() : ", \"ops\": " + ops)
        + (work > 0 ? ", \"work\": " + work : "")
        + (workload.equals("L5") ? ", \"capacity\": " + L5_CAPACITY : "")
        + "}";
  }

  static String label(String workload, String impl, int t) {
    return workload + " " + impl + " T=" + t;
  }

  /** L1-L3: each thread does ops/t operations inside the lock. */
  static long locks(Guard guard, int t, long ops, long work, Bench.Meter meter, PrintStream err)
      throws InterruptedException {
    Counted d = new Counted();
    together(
        t,
        i -> {
          for (long k = ops / t; k > 0; k--) {
            guard.step(d, work);
          }
          return 0;
        },
        meter,
        () -> {});
    return d.checked(work, err);
  }

  /**
   * L2f/L3f: the threads run the operation until the window ends, each counting its own (and
   * doing at least one, however late the scheduler lets it start).
   */
  static long window(
      Guard guard, int t, long work, long windowMs, Bench.Meter meter, PrintStream err)
      throws InterruptedException {
    Counted d = new Counted();
    AtomicBoolean stop = new AtomicBoolean();
    long[] counts =
        together(
            t,
            i -> {
              long mine = 0;
              do {
                guard.step(d, work);
                mine++;
              } while (!stop.get());
              return mine;
            },
            meter,
            () -> {
              Thread.sleep(windowMs);
              stop.set(true);
            });
    meter.counts(counts);
    return d.checked(work, err);
  }

  /** L4: each thread does ops/t atomic increments. */
  static long atomic(int t, long ops, Bench.Meter meter) throws InterruptedException {
    AtomicLong n = new AtomicLong();
    together(
        t,
        i -> {
          for (long k = ops / t; k > 0; k--) {
            n.incrementAndGet();
          }
          return 0;
        },
        meter,
        () -> {});
    return n.get();
  }

  /**
   * L5: the threads put their increments, then a 0 each (done); the calling thread owns the
   * counter and adds up what it takes until it has had t zeros.
   */
  static long message(int t, long ops, Bench.Meter meter) throws InterruptedException {
    BlockingQueue<Long> queue = new LinkedBlockingQueue<>(L5_CAPACITY);
    long[] n = new long[1];
    together(
        t,
        i -> {
          for (long k = ops / t; k > 0; k--) {
            queue.put(1L);
          }
          queue.put(0L); // done
          return 0;
        },
        meter,
        () -> {
          for (int done = 0; done < t; ) {
            long v = queue.take();
            done += v == 0 ? 1 : 0;
            n[0] += v;
          }
        });
    return n[0];
  }
}
