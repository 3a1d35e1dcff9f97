package dev.polyconc.compare

import java.io.PrintStream
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.{Executors, ScheduledExecutorService, TimeUnit}
import java.util.{List => JList}

import scala.concurrent.duration.Duration
import scala.concurrent.{Await, ExecutionContext, Future, Promise, blocking}
import scala.jdk.CollectionConverters._

/** Suite X (execution models) of WORKLOADS.md on Scala's `Future`: X1 on
  * fixed pools of W threads; X2 with a blocking pool of cores threads, the
  * global context with `blocking {}` around the wait, and non-blocking
  * `Future.map` callbacks on the fixed pool, the service being one
  * `ScheduledExecutorService` thread completing a `Promise`; X3 on parked
  * `Promise`s, with memory per task from a child process.
  */
final class ScalaSuiteX extends Bench.Suite with Memory.Models {
  import ScalaSuiteX._

  override def workloads(): JList[String] = JList.of("X1", "X2", "X3")

  override def check(p: Bench.Params): String =
    if (p.tasks() < 10) "--tasks must be at least 10 (X1 and X2 do tasks/10)"
    else if (p.poolSizes().isEmpty || p.poolSizes().contains(0)) "--pool-sizes must list sizes >= 1"
    else if (p.latencyMs() < 1 || p.parked() < 1) "--latency-ms and --parked must be >= 1"
    else null

  override def cases(workload: String, p: Bench.Params, err: PrintStream): JList[Bench.Case] = {
    val n = p.tasks() / 10
    val cases = workload match {
      case "X1" =>
        val want = CpuWork.sum(n, CpuWork.X1_STEPS)
        p.poolSizes().asScala.toList.map { w =>
          new Bench.Case("X1", "Future+fixed-pool", "pool", s"X1 W=$w tasks=$n", "ns/task",
            s"""{"workers": $w, "tasks": $n, "steps": ${CpuWork.X1_STEPS}}""",
            n, want, m => pool(w.intValue, n, m))
        }
      case "X2" =>
        val d = p.latencyMs()
        val want = CpuWork.sum(n, CpuWork.X2_STEPS)
        Models.map { case (impl, kind, threads) =>
          new Bench.Case("X2", impl, kind, s"X2 $impl requests=$n", "ns/request",
            s"""{"requests": $n, "latency_ms": $d, "steps": ${CpuWork.X2_STEPS}, "threads": $threads}""",
            n, want, m => serve(impl, n, d, m))
        }
      case _ =>
        val q = p.parked().toInt
        List(
          new Bench.Case("X3", "Promise", "promise", s"X3 Promise tasks=$q", "ns/task",
            s"""{"tasks": $q}""", q.toLong, q.toLong * (q + 1) / 2,
            m => { m.start(); val s = park("Promise", q).releaseAndJoin(); m.stop(); s },
            Memory.measure("Promise", q))
        )
    }
    cases.asJava
  }

  override def park(model: String, q: Int): Memory.Parked = {
    require(model == "Promise", s"unknown X3 model $model")
    val sum = new AtomicLong
    val gates = Vector.fill(q)(Promise[Long]())
    gates.foreach(_.future.foreach(v => sum.addAndGet(v))(ExecutionContext.parasitic))
    () => {
      gates.zipWithIndex.foreach { case (g, i) => g.success(i + 1L) }
      sum.get()
    }
  }
}

object ScalaSuiteX {
  val Cores: Int = Runtime.getRuntime.availableProcessors()

  /** X2's models: impl, kind, OS threads for the requests (0: the runtime decides). */
  val Models: List[(String, String, Int)] = List(
    ("Future+fixed-pool.blocking", "blocking-pool", Cores),
    ("Future+global.blocking{}", "blocking-pool", 0),
    ("Future.map+fixed-pool", "callback-pool", Cores)
  )

  def pool(w: Int, n: Long, meter: Bench.Meter): Long = {
    val exec = Executors.newFixedThreadPool(w)
    implicit val ec: ExecutionContext = ExecutionContext.fromExecutorService(exec)
    try {
      meter.start()
      val all = (1L to n).map(i => Future(CpuWork.run(i, CpuWork.X1_STEPS)))
      val sum = Await.result(Future.sequence(all), Duration.Inf).sum
      meter.stop()
      sum
    } finally exec.shutdown()
  }

  /** The simulated service: one timer thread completes each answer d ms after the call. */
  final class Service(timer: ScheduledExecutorService, d: Long) {
    def call(): Future[Unit] = {
      val answer = Promise[Unit]()
      timer.schedule((() => { answer.success(()); () }): Runnable, d, TimeUnit.MILLISECONDS)
      answer.future
    }
  }

  def serve(model: String, n: Long, d: Long, meter: Bench.Meter): Long = {
    val timer = Executors.newSingleThreadScheduledExecutor()
    val service = new Service(timer, d)
    val exec = Executors.newFixedThreadPool(Cores)
    implicit val fixed: ExecutionContext = ExecutionContext.fromExecutorService(exec)
    try {
      meter.start()
      val all = (1L to n).map { i =>
        model match {
          case "Future+fixed-pool.blocking" =>
            Future {
              Await.result(service.call(), Duration.Inf)
              CpuWork.run(i, CpuWork.X2_STEPS)
            }(fixed)
          case "Future+global.blocking{}" =>
            Future {
              blocking(Await.result(service.call(), Duration.Inf))
              CpuWork.run(i, CpuWork.X2_STEPS)
            }(ExecutionContext.global)
          case _ => service.call().map(_ => CpuWork.run(i, CpuWork.X2_STEPS))(fixed)
        }
      }
      val sum = Await.result(Future.sequence(all), Duration.Inf).sum
      meter.stop()
      sum
    } finally {
      exec.shutdown()
      timer.shutdown()
    }
  }
}
