package dev.polyconc.compare;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TransferQueue;
import java.util.function.IntFunction;

/**
 * Suite C of WORKLOADS.md over java.util.concurrent queues carrying Longs, on platform threads
 * (kind "queue"). Java queues have neither close nor select, so C5 is not expressible and not
 * here; consumers know how many messages to take instead of waiting for a close. {@link Bench}
 * finds this class by the suite's id and times its runs.
 */
final class SuiteC implements Bench.Suite {
  static final int UNBOUNDED = -1;
  static final List<String> WORKLOADS = List.of("C1", "C2", "C3", "C4", "C5", "C6");

  /** Where the queue configurations of a workload come from; tests substitute their own. */
  interface Catalog {
    List<Config> configs(String workload, int messages);
  }

  private final Catalog catalog;

  SuiteC() {
    this(SuiteC::configs);
  }

  SuiteC(Catalog catalog) {
    this.catalog = catalog;
  }

  @Override
  public List<String> workloads() {
    return WORKLOADS;
  }

  @Override
  public String check(Bench.Params params) {
    if (params.handoffMessages() < 10) {
      return "C6 makes M0/10 round trips, so --handoff-messages must be at least 10, not "
          + params.handoffMessages();
    }
    if (params.messages() < 1) {
      return "--messages must be at least 1, not " + params.messages();
    }
    if (Math.max(params.messages(), params.handoffMessages()) > Integer.MAX_VALUE) {
      return "--messages " + params.messages() + " does not fit a queue's capacity";
    }
    return null;
  }

  @Override
  public List<Bench.Case> cases(String workload, Bench.Params params, PrintStream err) {
    if (workload.equals("C5")) {
      err.println("C5: skipped, Java BlockingQueues have neither close nor select");
      return List.of();
    }
    List<Bench.Case> cases = new ArrayList<>();
    for (Config config : catalog.configs(workload, (int) params.messages())) {
      if (!chosen(workload, config, params)) {
        continue;
      }
      int m = messages(workload, config, params);
      long units = units(workload, m);
      String label =
          workload + " " + config.impl() + " capacity=" + capacity(config).replace("\"", "");
      cases.add(
          new Bench.Case(
              workload,
              config.impl(),
              "queue",
              label,
              workload.equals("C6") ? "ns/roundtrip" : "ns/msg",
              paramsJson(workload, config, m),
              units,
              units * (units + 1) / 2,
              meter -> run(workload, config, m, meter)));
    }
    return cases;
  }

  /** Whether {@code --capacities} lets the configuration run: it chooses among C2-C4's only. */
  static boolean chosen(String workload, Config config, Bench.Params params) {
    boolean flow = workload.equals("C2") || workload.equals("C3") || workload.equals("C4");
    return params.capacities() == null
        || !flow
        || params.capacities().contains(capacity(config).replace("\"", ""));
  }

  private static String paramsJson(String workload, Config config, int m) {
    StringBuilder params = new StringBuilder("{\"capacity\": ").append(capacity(config));
    if (workload.equals("C6")) {
      params.append(", \"round_trips\": ").append(units(workload, m));
    } else {
      params
          .append(", \"producers\": ")
          .append(producers(workload))
          .append(", \"consumers\": ")
          .append(consumers(workload))
          .append(", \"messages\": ")
          .append(m);
    }
    return params.append('}').toString();
  }

  static String capacity(Config config) {
    return config.capacity() == UNBOUNDED
        ? "\"unbounded\""
        : Integer.toString(config.capacity());
  }

  static final String ABQ = "ArrayBlockingQueue";
  // The same queue constructed fair: blocked producers and consumers go in arrival order.
  static final String ABQ_FAIR = "ArrayBlockingQueue.fair";
  static final String LBQ = "LinkedBlockingQueue";
  static final String SQ = "SynchronousQueue";
  static final String LTQ = "LinkedTransferQueue";
  // put() on a LinkedTransferQueue never blocks (unbounded); transfer() waits for a taker,
  // which makes the same queue a capacity-0 channel, measured under its own name.
  static final String LTQ_TRANSFER = "LinkedTransferQueue.transfer";

  /**
   * One queue configuration: its impl name, capacity ({@link #UNBOUNDED} for none), how to make
   * it, and whether senders use {@link TransferQueue#transfer} rather than put.
   */
  record Config(
      String impl, int capacity, IntFunction<BlockingQueue<Long>> factory, boolean transfer) {
    BlockingQueue<Long> newQueue() {
      return factory.apply(capacity);
    }

    void send(BlockingQueue<Long> q, Long value) throws InterruptedException {
      if (transfer) {
        ((TransferQueue<Long>) q).transfer(value);
      } else {
        q.put(value);
      }
    }
  }

  /** The configurations a workload is measured on, as the brief and WORKLOADS.md list them. */
  static List<Config> configs(String workload, int messages) {
    return switch (workload) {
      case "C1" ->
          List.of(
              new Config(ABQ, messages, ArrayBlockingQueue::new, false),
              new Config(LBQ, messages, LinkedBlockingQueue::new, false),
              new Config(LTQ, UNBOUNDED, c -> new LinkedTransferQueue<>(), false));
      case "C2", "C3", "C4" ->
          List.of(
              new Config(SQ, 0, c -> new SynchronousQueue<>(), false),
              new Config(LTQ_TRANSFER, 0, c -> new LinkedTransferQueue<>(), true),
              new Config(ABQ, 1, ArrayBlockingQueue::new, false),
              new Config(ABQ, 1024, ArrayBlockingQueue::new, false),
              new Config(ABQ_FAIR, 1, c -> new ArrayBlockingQueue<>(c, true), false),
              new Config(ABQ_FAIR, 1024, c -> new ArrayBlockingQueue<>(c, true), false),
              new Config(LBQ, 1024, LinkedBlockingQueue::new, false),
              new Config(LBQ, UNBOUNDED, c -> new LinkedBlockingQueue<>(), false),
              new Config(LTQ, UNBOUNDED, c -> new LinkedTransferQueue<>(), false));
      case "C6" ->
          List.of(
              new Config(SQ, 0, c -> new SynchronousQueue<>(), false),
              new Config(ABQ, 1, ArrayBlockingQueue::new, false));
      default -> List.of();
    };
  }

  static int producers(String workload) {
    return workload.equals("C3") || workload.equals("C4") ? 4 : 1;
  }

  static int consumers(String workload) {
    return workload.equals("C4") ? 4 : 1;
  }

  /** M0 at capacities 0 and 1, for a fair queue and for C6, M for the rest (the Modes table). */
  static int messages(String workload, Config config, Bench.Params params) {
    boolean handOff =
        workload.equals("C6")
            || config.capacity() == 0
            || config.capacity() == 1
            || config.impl().equals(ABQ_FAIR);
    return (int) (handOff ? params.handoffMessages() : params.messages());
  }

  /** C6 bounces R = M0/10 round trips. */
  static int roundTrips(int messages) {
    return messages / 10;
  }

  /** Messages (C1-C4) or round trips (C6) a run of the workload performs: the figure's divisor. */
  static long units(String workload, int messages) {
    return workload.equals("C6") ? roundTrips(messages) : messages;
  }

  /** Runs the workload once and returns what the receivers added up. */
  static long run(String workload, Config config, int messages, Bench.Meter meter)
      throws InterruptedException {
    return switch (workload) {
      case "C1" -> sequential(config, messages, meter);
      case "C6" -> pingPong(config, roundTrips(messages), meter);
      default ->
          flow(config, messages, producers(workload), consumers(workload), meter);
    };
  }

  /** C1: one thread sends all M into the queue, then takes them all out. */
  static long sequential(Config config, int messages, Bench.Meter meter)
      throws InterruptedException {
    BlockingQueue<Long> q = config.newQueue();
    meter.start();
    for (long v = 1; v <= messages; v++) {
      config.send(q, v);
    }
    long sum = 0;
    for (int i = 0; i < messages; i++) {
      sum += q.take();
    }
    meter.stop();
    return sum;
  }

  /** C2-C4: producers send contiguous shares of 1..M, consumers take a known share of M. */
  static long flow(Config config, int messages, int producers, int consumers, Bench.Meter meter)
      throws InterruptedException {
    long[] sums = new long[consumers];
    flowWorkers(config.newQueue(), config, messages, producers, sums).runMeasured(meter);
    long total = 0;
    for (long s : sums) {
      total += s;
    }
    return total;
  }

  /**
   * C2-C4's threads on {@code q}, not yet started: every consumer first (consumer k adds its
   * share to {@code sums[k]}), then the producers (WORKLOADS.md: a producer started first would
   * fill the buffer before anyone receives).
   */
  static Workers flowWorkers(
      BlockingQueue<Long> q, Config config, int messages, int producers, long[] sums) {
    Workers workers = new Workers();
    int consumers = sums.length;
    for (int c = 0; c < consumers; c++) {
      int k = c;
      long count = (long) messages * (c + 1) / consumers - (long) messages * c / consumers;
      workers.add(
          "consumer",
          () -> {
            long sum = 0;
            for (long i = 0; i < count; i++) {
              sum += q.take();
            }
            sums[k] = sum;
          });
    }
    for (int p = 0; p < producers; p++) {
      long from = (long) messages * p / producers + 1;
      long to = (long) messages * (p + 1) / producers;
      workers.add(
          "producer",
          () -> {
            for (long v = from; v <= to; v++) {
              config.send(q, v);
            }
          });
    }
    return workers;
  }

  /** C6: the pinger sends 1..R one at a time and adds up what the ponger sends back. */
  static long pingPong(Config config, int roundTrips, Bench.Meter meter)
      throws InterruptedException {
    BlockingQueue<Long> there = config.newQueue();
    BlockingQueue<Long> back = config.newQueue();
    long[] sum = new long[1];
    Workers workers = new Workers();
    workers.add(
        () -> {
          long s = 0;
          for (long v = 1; v <= roundTrips; v++) {
            config.send(there, v);
            s += back.take();
          }
          sum[0] = s;
        });
    workers.add(
        () -> {
          for (int i = 0; i < roundTrips; i++) {
            config.send(back, there.take());
          }
        });
    workers.runMeasured(meter);
    return sum[0];
  }
}
