package dev.polyconc.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Platform threads that wait at a gate, so that starting them is outside the measured part. If
 * one fails, the others are interrupted: they may be blocked on messages that will never come.
 */
final class Workers {
  /** A body that may block on a queue. */
  interface Body {
    void run() throws InterruptedException;
  }

  private final CountDownLatch gate = new CountDownLatch(1);
  private CountDownLatch ready;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  void add(Body body) {
    add("worker", body);
  }

  /** Adds a thread named after its role ("consumer", "producer"); threads start in this order. */
  void add(String role, Body body) {
    Thread t =
        new Thread(
            () -> {
              try {
                ready.countDown();
                gate.await();
                body.run();
              } catch (Throwable e) {
                if (failure.compareAndSet(null, e)) {
                  threads.forEach(Thread::interrupt);
                }
              }
            },
            "bench-" + role + "-" + threads.size());
    threads.add(t);
  }

  /** The threads' names, in the order they will start (for tests). */
  List<String> names() {
    return threads.stream().map(Thread::getName).toList();
  }

  void runMeasured(Bench.Meter meter) throws InterruptedException {
    runMeasured(meter, () -> {});
  }

  /** Measures from the gate's opening until every worker ended; runs {@code main} meanwhile. */
  void runMeasured(Bench.Meter meter, Body main) throws InterruptedException {
    ready = new CountDownLatch(threads.size());
    threads.forEach(Thread::start);
    ready.await();
    meter.start();
    gate.countDown();
    main.run();
    for (Thread t : threads) {
      t.join();
    }
    meter.stop();
    if (failure.get() != null) {
      throw new IllegalStateException("a worker thread failed", failure.get());
    }
  }
}
